/* SPDX-License-Identifier: MIT */
/* Thin readers of /proc for live processes. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>
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

/* A file into buf (NUL-terminated, cut to size); its length, or -1 with errno. */
static ssize_t read_file(const char *path, char *buf, size_t size)
{
	size_t n;
	FILE *f = fopen(path, "re");

	if (!f)
		return -1;
	n = fread(buf, 1, size - 1, f);
	fclose(f);
	buf[n] = '\0';
	return (ssize_t)n;
}

/* /proc/PID/NAME into buf. */
static ssize_t read_proc(int pid, const char *name, char *buf, size_t size)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, name);
	return read_file(path, buf, size);
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

bool pft_proc_dead(int pid)
{
	char buf[512], *p;

	if (read_proc(pid, "stat", buf, sizeof(buf)) < 0 || !(p = strrchr(buf, ')')))
		return true;
	return p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X');
}

/* The task's flags (PF_*), the ninth field of /proc/PID/stat (after the comm's last ')'). */
static int stat_flags(int pid, unsigned long *flags)
{
	char buf[512], *p;

	if (read_proc(pid, "stat", buf, sizeof(buf)) < 0 || !(p = strrchr(buf, ')')) ||
	    sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %lu", flags) != 1)
		return -1;
	return 0;
}

bool pft_proc_exiting(int pid)
{
	unsigned long flags;

	/* PF_EXITING: in do_exit, already out of its cgroups, not yet a zombie */
	return stat_flags(pid, &flags) < 0 || pft_proc_dead(pid) || (flags & 0x4);
}

bool pft_proc_kthread(int pid)
{
	unsigned long flags;

	return stat_flags(pid, &flags) == 0 && (flags & 0x00200000); /* PF_KTHREAD */
}

int pft_proc_faults(const char *task, uint64_t *min_flt, uint64_t *maj_flt)
{
	char path[128], buf[1024], *p;
	unsigned long long v[4];

	snprintf(path, sizeof(path), "/proc/%s/stat", task);
	if (read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	/* the comm may hold spaces and parentheses: the fields start after the last ')' */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %llu %llu %llu %llu", &v[0], &v[1],
			 &v[2], &v[3]) != 4) {
		errno = EINVAL;
		return -1;
	}
	/* the task's own: a waited-for child's (cminflt, cmajflt) are that child's */
	*min_flt = v[0];
	*maj_flt = v[2];
	return 0;
}

int pft_proc_parents(int (*cb)(void *data, int pid, int ppid), void *data)
{
	DIR *dir = opendir("/proc");
	struct dirent *d;
	char buf[512], *p;
	int ppid, r = 0;

	if (!dir)
		return -1;
	while (r >= 0 && (d = readdir(dir))) {
		int pid = atoi(d->d_name);

		/* ") S PPID ...": a comm may hold ')', the last one ends it */
		if (pid <= 0 || read_proc(pid, "stat", buf, sizeof(buf)) < 0 ||
		    !(p = strrchr(buf, ')')))
			continue; /* gone meanwhile */
		if (sscanf(p + 1, " %*c %d", &ppid) == 1 && ppid > 0)
			r = cb(data, pid, ppid);
	}
	closedir(dir);
	return r < 0 ? r : 0;
}

/* A process's pid namespace ("pid:[4026531836]") into ns; -1 with errno. */
static int pidns_of(int pid, char *ns, size_t size)
{
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/ns/pid", pid);
	if ((n = readlink(path, ns, size - 1)) < 0)
		return -1;
	ns[n] = '\0';
	return 0;
}

int pft_proc_nspid(int pid, int *nspid)
{
	char line[512], *p, *end;
	long last = -1;
	FILE *f;

	snprintf(line, sizeof(line), "/proc/%d/status", pid);
	if (!(f = fopen(line, "re")))
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "NSpid:", 6)) {
			/* the host's first, the innermost namespace's last */
			for (p = line + 6; (last = strtol(p, &end, 10), end != p); p = end)
				*nspid = (int)last;
			break;
		}
	fclose(f);
	if (last < 0) {
		errno = ESRCH;
		return -1;
	}
	return 0;
}

/* pid is in the namespace ns (as pidns_of gives it): 1, 0, or -1 if it is gone */
static int in_pidns(int pid, const char *ns)
{
	char other[64];

	return pidns_of(pid, other, sizeof(other)) < 0 ? -1 : !strcmp(other, ns);
}

int pft_proc_same_pidns(int a, int b)
{
	char na[64];

	return pidns_of(a, na, sizeof(na)) < 0 ? -1 : in_pidns(b, na);
}

int pft_proc_pidns_host(int member, int nspid)
{
	struct dirent *de;
	char ns[64];
	int found = -1;
	DIR *d;

	if (pidns_of(member, ns, sizeof(ns)) < 0)
		return -1;
	if (!(d = opendir("/proc")))
		return -1;
	while (found < 0 && (de = readdir(d))) {
		int pid = atoi(de->d_name), n;

		if (pid <= 0 || pft_proc_nspid(pid, &n) < 0 || n != nspid)
			continue;
		if (in_pidns(pid, ns) > 0)
			found = pid;
	}
	closedir(d);
	if (found < 0)
		errno = ENOENT;
	return found;
}
