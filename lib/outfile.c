/* SPDX-License-Identifier: MIT */
/*
 * Every file pftrace writes (-o's trace.dat, --flamegraph's and --heatmap's SVG), written whole
 * or not at all, and never through a link someone else planted. pftrace runs as root, often
 * with its output in a world-writable directory: a link there named like the output would
 * otherwise have root overwrite any file, or create one in a directory the link points into.
 *
 * Where the target is (or will be) a regular file, the data goes to a new file next to it
 * (O_CREAT|O_EXCL|O_NOFOLLOW: a name nobody had) and is renamed over it once complete: a full
 * disk, a file-size limit or a crash leaves the old file as it was and no partial one. The
 * temporary is made and renamed through a descriptor of the directory, so both are in the same
 * one whatever is renamed on the way; rename replaces a directory entry without following it,
 * so a link planted after the check is replaced, not written through.
 *
 * A target that is not a file to replace is written in place: a descriptor of pftrace's own
 * (/dev/stdout, /dev/fd/N: links of /proc's to what the shell opened) through a copy of it, at
 * its offset, whatever it is open to (a pipe, a socket, a tty, or a regular file: renaming over
 * that one would leave the shell's descriptor, and all else on standard output, writing to a
 * file no name has); a character device or FIFO by its name (opened without following a link,
 * and refused if it has become a regular file since). A block device and a directory are
 * refused. Each symbolic link on the way to the target is followed only if the caller (or root)
 * owns it, as fs.protected_symlinks does in sticky directories.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include "internal.h"

#define MAX_LINKS 40 /* the kernel's limit on links in one lookup */

struct pft_outfile {
	FILE *f;
	int dir;    /* the target's directory; -1 when written in place */
	char *tmp;  /* the temporary's name in dir */
	char *name; /* the target's name in dir */
};

/* Where a path leads. */
struct dest {
	char *path; /* the last path on the way, no link (malloc'd); NULL for an own descriptor */
	int fd;	    /* a descriptor of ours path names (/dev/stdout), else -1 */
	bool exists;
	struct stat st; /* what path is, if it exists */
};

/* A copy of path's directory and of its last component. */
static int split(const char *path, char **dir, char **base)
{
	char *a = strdup(path), *b = strdup(path);

	*dir = a ? strdup(dirname(a)) : NULL;
	*base = b ? strdup(basename(b)) : NULL;
	free(a);
	free(b);
	if (*dir && *base)
		return 0;
	free(*dir);
	free(*base);
	return -1;
}

/* The descriptor of ours that path is the /proc link of (path in /proc/<our pid>/fd or
 * /proc/<our pid>/task/<tid>/fd, as /dev/fd and /proc/self/fd are), or -1. */
static int own_fd(const char *dir, const char *base)
{
	char real[PATH_MAX], mine[32], *end;
	const char *p;
	int len;
	long fd;

	if (!isdigit((unsigned char)*base) || !realpath(dir, real))
		return -1;
	fd = strtol(base, &end, 10);
	if (*end || fd > INT_MAX)
		return -1;
	len = snprintf(mine, sizeof(mine), "/proc/%d/", (int)getpid());
	if (strncmp(real, mine, (size_t)len))
		return -1;
	p = real + len;
	if (!strncmp(p, "task/", 5)) {
		for (p += 5; isdigit((unsigned char)*p); p++)
			;
		if (*p++ != '/')
			return -1;
	}
	return strcmp(p, "fd") ? -1 : (int)fd;
}

/* Follows path to where the data would go, link by link: each link owned by the caller or
 * root. -1 with errno and *why if a link is refused (or memory, or a loop). */
static int follow(const char *path, struct dest *d, const char **why)
{
	char *cur = strdup(path), *dir = NULL, *base = NULL, to[PATH_MAX];
	int hops;
	ssize_t n;

	*d = (struct dest){.fd = -1};
	/* "dir/" names a directory, never a file "dir" to be made (basename drops the slash) */
	if (!*path || path[strlen(path) - 1] == '/') {
		free(cur);
		errno = *path ? EISDIR : ENOENT;
		return -1;
	}
	for (hops = 0; cur && hops <= MAX_LINKS; hops++) {
		if (split(cur, &dir, &base) < 0)
			break;
		if ((d->fd = own_fd(dir, base)) >= 0) {
			free(cur);
			cur = NULL;
			goto done;
		}
		if (lstat(cur, &d->st) < 0) {
			if (errno != ENOENT)
				goto fail;
			goto done; /* a new file */
		}
		if (!S_ISLNK(d->st.st_mode)) {
			d->exists = true;
			goto done;
		}
		if (d->st.st_uid != geteuid() && d->st.st_uid != 0) {
			*why = "a symbolic link another user owns: not followed (give the file it "
			       "names)";
			errno = EPERM;
			goto fail;
		}
		if ((n = readlink(cur, to, sizeof(to) - 1)) < 0)
			goto fail;
		to[n] = '\0';
		free(cur);
		cur = NULL;
		if (to[0] == '/')
			cur = strdup(to);
		else if (asprintf(&cur, "%s/%s", dir, to) < 0)
			cur = NULL;
		free(dir);
		free(base);
		dir = base = NULL;
	}
	if (cur)
		errno = ELOOP;
	goto fail;
done:
	free(dir);
	free(base);
	d->path = cur;
	return 0;
fail:
	free(dir);
	free(base);
	free(cur);
	return -1;
}

/* Whether what d leads to can be written, and how: 0 with *in_place (its descriptor or its
 * device), or -1 with errno and *why. */
static int judge(const struct dest *d, bool *in_place, const char **why)
{
	int fl;

	*in_place = true;
	if (d->fd >= 0) {
		if ((fl = fcntl(d->fd, F_GETFL)) < 0)
			return -1; /* EBADF: not open */
		if ((fl & O_ACCMODE) == O_RDONLY) {
			*why = "a descriptor open only to read";
			errno = EBADF;
			return -1;
		}
		return 0;
	}
	*in_place = false;
	if (!d->exists || S_ISREG(d->st.st_mode))
		return 0;
	if (S_ISDIR(d->st.st_mode)) {
		errno = EISDIR;
		return -1;
	}
	if (S_ISBLK(d->st.st_mode)) {
		*why = "a block device: not written";
		errno = EPERM;
		return -1;
	}
	*in_place = true; /* a character device, FIFO or socket */
	return 0;
}

int pft_outfile_check(const char *path, const char **why)
{
	struct dest d;
	bool in_place;
	char *dir = NULL, *base = NULL;
	int ret = -1;

	*why = NULL;
	if (follow(path, &d, why) < 0)
		return -1;
	if (judge(&d, &in_place, why) < 0)
		goto out;
	if (in_place) {
		ret = d.fd >= 0 ? 0 : access(d.path, W_OK);
		goto out;
	}
	if (split(d.path, &dir, &base) < 0)
		goto out;
	/* the temporary is made there */
	if (access(dir, W_OK | X_OK) < 0) {
		*why = errno == ENOENT ? "its directory does not exist" : NULL;
		goto out;
	}
	ret = 0;
out:
	free(dir);
	free(base);
	free(d.path);
	return ret;
}

/* A device or FIFO by its name: not through a link put there since it was looked at, and not
 * if a regular file has taken its place (it would be overwritten from its start). */
static int open_in_place(const char *path, const char **why)
{
	int fd = open(path, O_WRONLY | O_NOCTTY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;

	if (fd >= 0 && (fstat(fd, &st) < 0 || S_ISREG(st.st_mode) || S_ISDIR(st.st_mode))) {
		close(fd);
		*why = "it changed while it was looked at: not written";
		errno = EAGAIN;
		return -1;
	}
	return fd;
}

/* A new file in o->dir with a name nobody had, next to o->name's: never a link, never another's
 * file. */
static int open_temporary(struct pft_outfile *o, mode_t mode)
{
	/* a temporary's name fits where the target's does (NAME_MAX) */
	int keep = (int)strnlen(o->name, NAME_MAX - 32), fd = -1;
	unsigned int n;

	for (n = 0; n < 100 && fd < 0; n++) {
		free(o->tmp);
		if (asprintf(&o->tmp, "%.*s.pftrace-tmp-%d-%u", keep, o->name, (int)getpid(), n) <
		    0) {
			o->tmp = NULL;
			return -1;
		}
		fd = openat(o->dir, o->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			    mode);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	if (fd < 0) {
		free(o->tmp);
		o->tmp = NULL;
	}
	return fd;
}

static void release(struct pft_outfile *o)
{
	if (o->dir >= 0)
		close(o->dir);
	free(o->tmp);
	free(o->name);
	free(o);
}

struct pft_outfile *pft_outfile_open(const char *path, mode_t mode, const char **why)
{
	struct pft_outfile *o = calloc(1, sizeof(*o));
	struct dest d = {.fd = -1};
	char *dir = NULL;
	bool in_place;
	int fd = -1, err;

	*why = NULL;
	if (!o)
		return NULL;
	o->dir = -1;
	if (follow(path, &d, why) < 0 || judge(&d, &in_place, why) < 0)
		goto fail;
	if (in_place && d.fd >= 0)
		fd = fcntl(d.fd, F_DUPFD_CLOEXEC, 3);
	else if (in_place)
		fd = open_in_place(d.path, why);
	else if (split(d.path, &dir, &o->name) == 0 &&
		 (o->dir = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0)
		fd = open_temporary(o, mode);
	if (fd < 0 || !(o->f = fdopen(fd, "w")))
		goto fail;
	free(dir);
	free(d.path);
	return o;
fail:
	err = errno;
	if (fd >= 0)
		close(fd);
	if (o->tmp)
		unlinkat(o->dir, o->tmp, 0);
	free(dir);
	free(d.path);
	release(o);
	errno = err;
	return NULL;
}

FILE *pft_outfile_file(struct pft_outfile *o)
{
	return o->f;
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
	if (!err && o->tmp && renameat(o->dir, o->tmp, o->dir, o->name) < 0)
		err = errno;
	if (err && o->tmp)
		unlinkat(o->dir, o->tmp, 0);
	else if (o->tmp)
		fsync(o->dir); /* the new name on disk too; the data is whole either way */
	release(o);
	errno = err;
	return err ? -1 : 0;
}

void pft_outfile_abort(struct pft_outfile *o)
{
	int err = errno; /* the caller's reason to abort is still to be said */

	if (!o)
		return;
	fclose(o->f);
	if (o->tmp)
		unlinkat(o->dir, o->tmp, 0);
	release(o);
	errno = err;
}

uint64_t pft_file_size_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_FSIZE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY)
		return UINT64_MAX;
	return (uint64_t)rl.rlim_cur;
}
