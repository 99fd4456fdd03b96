/* SPDX-License-Identifier: MIT */
/*
 * Every file pftrace writes (-o's trace.dat, --flamegraph's and --heatmap's SVG), written whole
 * or not at all, and never through a link someone else planted. pftrace runs as root, often
 * with its output in a world-writable directory: a link there named like the output would
 * otherwise have root overwrite any file, or create one in a directory the link points into.
 *
 * Where the target is (or will be) a regular file, the data goes to a new file next to it
 * (O_CREAT|O_EXCL|O_NOFOLLOW: a name nobody had) and is renamed over it once complete: a full
 * disk, a file-size limit or a crash leaves the old file as it was and no partial one. rename
 * replaces a directory entry without following it, so a link planted after the check is
 * replaced, not written through. A target that is a character device, FIFO or socket
 * (/dev/null, /dev/stdout of a pipe) is written in place: it is not a file to replace. A
 * symbolic link is followed only if the caller (or root) owns it, as fs.protected_symlinks
 * does in sticky directories; a block device and a directory are refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "internal.h"

struct pft_outfile {
	FILE *f;
	char *tmp;    /* the temporary, NULL when written in place */
	char *target; /* what the temporary is renamed to */
};

/* A link of the caller's to nothing: the file it names is made (in the directory it names). */
static int dangling(const char *link, char **target, const char **why)
{
	char to[PATH_MAX], *copy;
	ssize_t n = readlink(link, to, sizeof(to) - 1);
	struct stat ls;

	if (n < 0)
		return -1;
	to[n] = '\0';
	if (to[0] == '/') {
		*target = strdup(to);
	} else if ((copy = strdup(link))) {
		if (asprintf(target, "%s/%s", dirname(copy), to) < 0)
			*target = NULL;
		free(copy);
	}
	if (!*target)
		return -1;
	/* what it names is no link either (a chain ends at the first) */
	if (lstat(*target, &ls) == 0 || errno != ENOENT) {
		*why = "a symbolic link to a symbolic link: not followed";
		free(*target);
		*target = NULL;
		errno = ELOOP;
		return -1;
	}
	return 0;
}

/* Where the data goes: the final path of a regular file (malloc'd) in *target, or in *in_place
 * true for a device, FIFO or socket. -1 with errno and *why saying what the path is. */
static int resolve(const char *path, char **target, bool *in_place, const char **why)
{
	struct stat ls, st;

	*target = NULL;
	*in_place = false;
	*why = NULL;
	if (lstat(path, &ls) < 0) {
		if (errno != ENOENT)
			return -1;
		*target = strdup(path); /* a new file */
		return *target ? 0 : -1;
	}
	if (S_ISLNK(ls.st_mode)) {
		if (ls.st_uid != geteuid() && ls.st_uid != 0) {
			*why = "a symbolic link another user owns: not followed (give the file it "
			       "names)";
			errno = EPERM;
			return -1;
		}
		if (stat(path, &st) < 0)
			return errno == ENOENT ? dangling(path, target, why) : -1;
	} else {
		st = ls;
	}
	if (S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		return -1;
	}
	if (S_ISBLK(st.st_mode)) {
		*why = "a block device: not written";
		errno = EPERM;
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		*in_place = true;
		return 0;
	}
	/* a regular file: replaced where it really is (a link of the caller's is followed) */
	*target = S_ISLNK(ls.st_mode) ? realpath(path, NULL) : strdup(path);
	return *target ? 0 : -1;
}

/* The directory of path (a copy). */
static char *dir_of(const char *path)
{
	char *copy = strdup(path), *dir;

	if (!copy)
		return NULL;
	dir = strdup(dirname(copy));
	free(copy);
	return dir;
}

int pft_outfile_check(const char *path, const char **why)
{
	char *target, *dir = NULL;
	bool in_place;
	int ret = -1;

	if (resolve(path, &target, &in_place, why) < 0)
		return -1;
	if (in_place) {
		ret = access(path, W_OK);
		goto out;
	}
	if (!(dir = dir_of(target)))
		goto out;
	/* the temporary is made there */
	if (access(dir, W_OK | X_OK) < 0) {
		*why = errno == ENOENT ? "its directory does not exist" : NULL;
		goto out;
	}
	ret = 0;
out:
	free(dir);
	free(target);
	return ret;
}

struct pft_outfile *pft_outfile_open(const char *path, mode_t mode, const char **why)
{
	struct pft_outfile *o = calloc(1, sizeof(*o));
	unsigned int n;
	bool in_place;
	int fd = -1, err;

	if (!o || resolve(path, &o->target, &in_place, why) < 0)
		goto fail;
	if (in_place) {
		fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
	} else {
		/* a name nobody had, next to the target: never a link, never another's file */
		for (n = 0; n < 100 && fd < 0; n++) {
			free(o->tmp);
			if (asprintf(&o->tmp, "%s.pftrace-tmp-%d-%u", o->target, (int)getpid(), n) <
			    0) {
				o->tmp = NULL;
				goto fail;
			}
			fd = open(o->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
				  mode);
			if (fd < 0 && errno != EEXIST)
				break;
		}
	}
	if (fd < 0 || !(o->f = fdopen(fd, "w")))
		goto fail;
	return o;
fail:
	err = errno;
	if (fd >= 0)
		close(fd);
	if (o && o->tmp && fd >= 0)
		unlink(o->tmp);
	if (o) {
		free(o->tmp);
		free(o->target);
		free(o);
	}
	errno = err;
	return NULL;
}

FILE *pft_outfile_file(struct pft_outfile *o)
{
	return o->f;
}

static void release(struct pft_outfile *o)
{
	free(o->tmp);
	free(o->target);
	free(o);
}

int pft_outfile_commit(struct pft_outfile *o)
{
	int err = 0;

	if (fflush(o->f) == EOF || ferror(o->f))
		err = errno ? errno : EIO;
	/* on disk before the name points to it: a crash leaves the old file or the new one */
	if (!err && o->tmp && fsync(fileno(o->f)) < 0)
		err = errno;
	if (fclose(o->f) == EOF && !err)
		err = errno;
	if (!err && o->tmp && rename(o->tmp, o->target) < 0)
		err = errno;
	if (err && o->tmp)
		unlink(o->tmp);
	release(o);
	errno = err;
	return err ? -1 : 0;
}

void pft_outfile_abort(struct pft_outfile *o)
{
	if (!o)
		return;
	fclose(o->f);
	if (o->tmp)
		unlink(o->tmp);
	release(o);
}
