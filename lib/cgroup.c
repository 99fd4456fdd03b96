/* SPDX-License-Identifier: MIT */
/*
 * cgroups, v1 and v2 alike: which directory `record --cgroup` names, and who is in it. A
 * cgroup is a directory of a mounted hierarchy (a cgroup or cgroup2 line of the mount table);
 * its cgroup.procs lists its processes. Names are looked for as a path under each hierarchy,
 * then as a directory's own name anywhere below (a systemd unit: nginx.service), then as a
 * part of one (a container id inside docker-<id>.scope), and must name one cgroup.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "internal.h"

#define MAX_MOUNTS  32
#define MAX_DEPTH   12
#define MAX_VISITS  200000 /* directories looked at while searching by name: bounded */
#define MIN_ID_PART 12	   /* a container id given in part: at least as long as docker's short */

struct search {
	const char *name;
	char *found[2]; /* the first two matches (a third changes nothing: ambiguous) */
	const char *found_root[2];
	size_t nr_found;
	size_t visits;
	bool part; /* match a part of a directory's name */
};

static bool is_cgroup_dir(const char *path)
{
	char procs[8300];
	struct stat st;

	if ((size_t)snprintf(procs, sizeof(procs), "%s/cgroup.procs", path) >= sizeof(procs))
		return false;
	return stat(procs, &st) == 0 && S_ISREG(st.st_mode);
}

/* The mount points of cgroup hierarchies in a mount table (/proc/self/mounts), cgroup2 first:
 * where a v1 hierarchy mirrors v2's (systemd's hybrid layout), v2's is the one kept. */
static size_t cgroup_mounts(FILE *mounts, char dirs[][4096], size_t max)
{
	char line[8192], dev[256], dir[4096], type[64];
	size_t n = 0, v2 = 0;

	while (n < max && fgets(line, sizeof(line), mounts)) {
		if (sscanf(line, "%255s %4095s %63s", dev, dir, type) != 3)
			continue;
		if (strcmp(type, "cgroup2") && strcmp(type, "cgroup"))
			continue;
		if (!strcmp(type, "cgroup2")) {
			/* to the front */
			memmove(dirs[v2 + 1], dirs[v2], (n - v2) * sizeof(dirs[0]));
			snprintf(dirs[v2++], sizeof(dirs[0]), "%s", dir);
		} else {
			snprintf(dirs[n], sizeof(dirs[0]), "%s", dir);
		}
		n++;
	}
	return n;
}

static bool name_matches(const struct search *s, const char *name)
{
	return s->part ? strstr(name, s->name) != NULL : !strcmp(name, s->name);
}

/* The same cgroup seen in two hierarchies (the same path below each) is one. */
static bool same_cgroup(const struct search *s, const char *root, const char *path)
{
	return s->nr_found && !strcmp(s->found[0] + strlen(s->found_root[0]), path + strlen(root));
}

static int walk(struct search *s, const char *root, const char *dir, int depth)
{
	char path[4096];
	struct dirent *d;
	DIR *dp;
	int ret = 0;

	if (depth > MAX_DEPTH || ++s->visits > MAX_VISITS || !(dp = opendir(dir)))
		return 0;
	while (ret == 0 && s->nr_found < 2 && (d = readdir(dp))) {
		if (d->d_type != DT_DIR || d->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, d->d_name) >= sizeof(path))
			continue;
		if (name_matches(s, d->d_name) && !same_cgroup(s, root, path)) {
			if (!(s->found[s->nr_found] = strdup(path))) {
				ret = -1;
				break;
			}
			s->found_root[s->nr_found++] = root;
		}
		ret = walk(s, root, path, depth + 1);
	}
	closedir(dp);
	return ret;
}

static int search_all(struct search *s, char dirs[][4096], size_t n)
{
	size_t i;

	for (i = 0; i < n && s->nr_found < 2; i++)
		if (walk(s, dirs[i], dirs[i], 0) < 0)
			return -1;
	return 0;
}

/* A path below one of the hierarchies (the first: v2's, where there is one). */
static char *below(const char *arg, char dirs[][4096], size_t n)
{
	char cand[8192];
	size_t i;

	for (i = 0; i < n; i++) {
		snprintf(cand, sizeof(cand), "%s/%s", dirs[i], arg);
		if (is_cgroup_dir(cand))
			return strdup(cand);
	}
	errno = ENOENT;
	return NULL;
}

int pft_cgroup_resolve(const char *arg, FILE *mounts, char **path, char **other)
{
	char(*dirs)[4096] = NULL;
	struct search s = {.name = arg};
	size_t n, i;
	int ret = -1;

	*path = *other = NULL;
	if (arg[0] == '/') {
		if (!is_cgroup_dir(arg)) {
			errno = ENOENT;
			return -1;
		}
		*path = strdup(arg);
		return *path ? 0 : -1;
	}
	if (!*arg) {
		errno = EINVAL;
		return -1;
	}
	if (!(dirs = calloc(MAX_MOUNTS, sizeof(*dirs))))
		return -1;
	n = cgroup_mounts(mounts, dirs, MAX_MOUNTS);
	if ((*path = below(arg, dirs, n)) || strchr(arg, '/')) {
		ret = *path ? 0 : -1;
		goto out;
	}
	/* a directory's own name (a unit), then a part of one (a container id) */
	if (search_all(&s, dirs, n) < 0)
		goto out;
	if (!s.nr_found && strlen(arg) >= MIN_ID_PART) {
		s.part = true;
		if (search_all(&s, dirs, n) < 0)
			goto out;
	}
	errno = !s.nr_found ? ENOENT : s.nr_found > 1 ? EEXIST : 0;
	if (s.nr_found) {
		*path = s.found[0];
		*other = s.nr_found > 1 ? s.found[1] : NULL;
		s.nr_found = 0;
	}
	ret = errno ? -1 : 0;
out:
	for (i = 0; i < s.nr_found; i++)
		free(s.found[i]);
	free(dirs);
	return ret;
}

int pft_cgroup_procs_parse(FILE *f, int **pids, size_t *n)
{
	char line[64];
	size_t cap = 0;
	int *more;

	*pids = NULL;
	*n = 0;
	while (fgets(line, sizeof(line), f)) {
		int pid = atoi(line);

		if (pid <= 0)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			if (!(more = realloc(*pids, cap * sizeof(**pids)))) {
				free(*pids);
				*pids = NULL;
				*n = 0;
				return -1;
			}
			*pids = more;
		}
		(*pids)[(*n)++] = pid;
	}
	return 0;
}

int pft_cgroup_procs(const char *dir, int **pids, size_t *n)
{
	char path[4200];
	FILE *f;
	int ret;

	if ((size_t)snprintf(path, sizeof(path), "%s/cgroup.procs", dir) >= sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (!(f = fopen(path, "re")))
		return -1;
	ret = pft_cgroup_procs_parse(f, pids, n);
	fclose(f);
	return ret;
}

int pft_cgroup_relative(const char *dir, FILE *mounts, char *rel, size_t size)
{
	char(*dirs)[4096] = calloc(MAX_MOUNTS, sizeof(*dirs));
	size_t n, i, len, best = 0;
	int ret = -1;

	if (!dirs)
		return -1;
	n = cgroup_mounts(mounts, dirs, MAX_MOUNTS);
	errno = ENOENT;
	for (i = 0; i < n; i++) {
		len = strlen(dirs[i]);
		if (len > best && !strncmp(dir, dirs[i], len) && (!dir[len] || dir[len] == '/')) {
			best = len;
			snprintf(rel, size, "%s", dir[len] ? dir + len : "/");
			ret = 0;
		}
	}
	free(dirs);
	return ret;
}

/* A line of /proc/PID/cgroup, "ID:CONTROLLERS:PATH": its controllers and path, in place. */
static bool cgroup_line(char *line, char **controllers, char **path)
{
	char *a = strchr(line, ':'), *b = a ? strchr(a + 1, ':') : NULL;

	if (!b)
		return false;
	*b = '\0';
	*controllers = a + 1;
	*path = b + 1;
	(*path)[strcspn(*path, "\n")] = '\0';
	return true;
}

/* path is rel or below it */
static bool within(const char *path, const char *rel)
{
	size_t len = strlen(rel);

	return !strncmp(path, rel, len) && (!path[len] || path[len] == '/');
}

int pft_cgroup_of_parse(FILE *f, const char *rel, char *out, size_t size)
{
	char line[4096], *controllers, *path;
	char v2[4096] = "", memory[4096] = "", other[4096] = "";
	bool v1 = false;

	while (fgets(line, sizeof(line), f)) {
		if (!cgroup_line(line, &controllers, &path))
			continue;
		if (rel && strcmp(rel, "/") && within(path, rel)) {
			snprintf(out, size, "%s", path);
			return 0;
		}
		if (!*controllers) {
			snprintf(v2, sizeof(v2), "%s", path);
			continue;
		}
		v1 = true;
		if (strstr(controllers, "memory") && !*memory)
			snprintf(memory, sizeof(memory), "%s", path);
		else if (strcmp(path, "/") && !*other)
			snprintf(other, sizeof(other), "%s", path);
	}
	/* v2's; where it is the root beside v1 hierarchies (hybrid), memory's, else another's */
	path = *v2 && (strcmp(v2, "/") || !v1) ? v2
	       : *memory && strcmp(memory, "/") ? memory
	       : *other			     ? other
	       : *v2			     ? v2
					     : memory;
	if (!*path) {
		errno = ENOENT;
		return -1;
	}
	snprintf(out, size, "%s", path);
	return 0;
}

int pft_cgroup_of(int pid, const char *rel, char *out, size_t size)
{
	char file[64];
	FILE *f;
	int ret;

	snprintf(file, sizeof(file), "/proc/%d/cgroup", pid);
	if (!(f = fopen(file, "re")))
		return -1;
	ret = pft_cgroup_of_parse(f, rel, out, size);
	fclose(f);
	return ret;
}

int pft_cgroup_memstat_parse(FILE *f, uint64_t *pgfault, uint64_t *pgmajfault)
{
	char line[256];
	int found = 0;
	unsigned long long v;

	while (fgets(line, sizeof(line), f)) {
		/* v1's total_pgfault (with its children's) comes too: the cgroup's own first */
		if (sscanf(line, "pgfault %llu", &v) == 1)
			*pgfault = v, found |= 1;
		else if (sscanf(line, "pgmajfault %llu", &v) == 1)
			*pgmajfault = v, found |= 2;
	}
	if (found != 3) {
		errno = ENOENT;
		return -1;
	}
	return 0;
}

int pft_cgroup_memstat(const char *dir, uint64_t *pgfault, uint64_t *pgmajfault)
{
	char path[4200];
	FILE *f;
	int ret;

	snprintf(path, sizeof(path), "%s/memory.stat", dir);
	if (!(f = fopen(path, "re")))
		return -1;
	ret = pft_cgroup_memstat_parse(f, pgfault, pgmajfault);
	fclose(f);
	return ret;
}
