/* SPDX-License-Identifier: MIT */
/* Thin readers of /proc for live processes. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include "internal.h"

int pft_proc_tgid(int tid)
{
	char path[64], line[256];
	int tgid = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", tid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "Tgid:", 5)) {
			tgid = atoi(line + 5);
			break;
		}
	fclose(f);
	if (tgid <= 0)
		errno = ESRCH;
	return tgid > 0 ? tgid : -1;
}

/* /proc/PID/NAME into buf (NUL-terminated, cut to size); its length, or -1 with errno. */
static ssize_t read_proc(int pid, const char *name, char *buf, size_t size)
{
	char path[64];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, name);
	f = fopen(path, "re");
	if (!f)
		return -1;
	n = fread(buf, 1, size - 1, f);
	fclose(f);
	buf[n] = '\0';
	return (ssize_t)n;
}

int pft_proc_comm(int tid, char *buf, size_t size)
{
	ssize_t n = read_proc(tid, "comm", buf, size);

	if (n < 0)
		return -1;
	while (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return 0;
}

int pft_proc_faults(int pid, uint64_t *min_flt, uint64_t *maj_flt)
{
	char buf[1024], *p;
	unsigned long long v[4];

	if (read_proc(pid, "stat", buf, sizeof(buf)) < 0)
		return -1;
	/* the comm may hold spaces and parentheses: the fields start after the last ')' */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %llu %llu %llu %llu", &v[0], &v[1],
			 &v[2], &v[3]) != 4) {
		errno = EINVAL;
		return -1;
	}
	/* the process's own (its threads', dead ones too) and its waited-for children's */
	*min_flt = v[0] + v[1];
	*maj_flt = v[2] + v[3];
	return 0;
}
