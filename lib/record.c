/* SPDX-License-Identifier: MIT */
/*
 * A recording session: what `pftrace record` does between parsing its options and printing.
 *
 *   start   sweeps instances left by killed runs, creates ours (live.c), starts the command
 *           stopped at its exec or lists the -p targets' threads, reads their maps, arms the pid
 *           filter and tracing, lets the command go;
 *   source  the events in time order, as a pft_source: the report reads a recording as it
 *           reads any trace. Between reads it polls the buffers, the caller's signal fd, the
 *           tracees (ptrace) and the kernel's per-task exit counters (taskstats);
 *   signal  what a signal to pftrace means for the command, as a shell would have it;
 *   write   the trace.dat, with everything the join used.
 *
 * Processes are followed by the kernel's own records (perf MMAP2/COMM, the sched and syscall
 * events); ptrace is only for the command's exec (tracing starts exactly there), the exit and
 * exec stops of the command and the targets (a maps snapshot to check the rebuilt map against),
 * and passing signals on.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <tracefs.h>
#include "internal.h"
#include "dat.h"
#include "live.h"
#include "ptrace.h"

#define TICK_MS	 200 /* the buffers are read at least this often */
#define MAX_FDS	 1024
#define REPEAT_S 1.0 /* a second signal within this is the same one (timeout sends two) */

struct target {
	int pid;
	bool seized, gone;
	int hold; /* PFT_HOLD_*: held by pftrace while tracing begins; -1: not held */
};

/* A task's fault counters: at the start (threads that were there), at the end (taskstats when
 * it exited, or /proc when tracing stopped). */
struct count {
	int tid, tgid; /* tgid: what the listing or taskstats said, 0 if nothing */
	uint64_t min0, maj0, min1, maj1;
	bool end, exited; /* the end is known; from its exit (a zombie's /proc would repeat it) */
	bool untraced;	  /* listed at the start, gone before it was traced: not ours to count */
	bool left;	  /* --cgroup: moved out, its end read then (it may come back) */
	/* read at its exit stop (a tracee's): its end where no exit message tells it (taskstats
	 * needs CAP_NET_ADMIN) */
	bool stopped;
	uint64_t min_stop, maj_stop;
	/* the process's counts, of all its threads (those ended too): -p without taskstats,
	 * where no thread's end could be told */
	bool whole;
};

/* A task known before the first event: passed on as a COMM event, first. */
struct task0 {
	int tid, tgid;
	char comm[16];
	char *cgroup; /* a process's cgroup when it was listed (it may end before a tick), or NULL */
};

/* A maps snapshot taken before the source was prepared (the start's). */
struct snap0 {
	int pid;
	struct pft_maps *maps;
	char *exe;
};

struct pft_record {
	struct pft_record_opts o;
	char err[512];
	struct pft_live *live;
	struct pft_taskstats *ts;
	struct pft_aspace *as; /* from pft_source_prepare */
	struct pft_source *src;
	struct pft_child child;
	struct target *targets;
	size_t nr_targets;
	int *kin; /* -p: the targets' descendants running before arming, parents first */
	size_t nr_kin, cap_kin;
	bool *kin_in; /* each in the kernel's pid filter before arming */
	struct task0 *tasks0;
	size_t nr_tasks0, cap_tasks0, next_task0;
	struct snap0 *snaps0;
	size_t nr_snaps0, cap_snaps0;
	struct count *counts;
	size_t nr_counts, cap_counts;
	struct pft_hmap count_idx; /* tid -> counts */
	struct pft_hmap noted;	   /* tids listed with their comm (tasks0) */
	bool started, stopping, draining, child_done;
	bool perf_faults; /* the faults come from perf's event (--source) */
	bool no_tracefs;  /* and everything else too: no instance (no permission) */
	int child_status;
	struct timespec start;
	struct timespec sig_at[65]; /* when pftrace first got each signal */
	int delivered[65];	    /* signals the command got: delivery stops seen */
	bool continued;		    /* pftrace was just continued: a stop signal waiting is stale */
	bool stop_self;		    /* ^Z: stop pftrace once the command has stopped */
	int stop_sig;		    /* the signal that ended the recording early, or 0 */
	struct timespec stop_asked;
	uint64_t live_events;
	struct pft_buildids *ids; /* what naming the code offline needs */
	struct pft_hmap jit_size; /* pid -> the size of its JIT map when last read */
	struct pft_hmap owner;	  /* process -> its uid, kept for when it has ended */
	struct pft_syms *syms;	  /* the report's, from pft_source_prepare: the JIT maps used */
	uint64_t own0;		  /* -a: pftrace's own faults when tracing began */
	int *cg_pids;		  /* --cgroup: its processes at the start (the targets) */
	struct utsname uts;	  /* the machine: how its error_codes read */
	struct pft_hmap nsnoted;  /* --pidns: the processes told (or not of the namespace) */
	size_t cg_told;		  /* the tasks of as whose cgroup was told (or that are threads) */
	size_t cg_told0;	  /* and of tasks0 */
	struct pft_hmap cg_said;  /* the processes of tasks0 told */
	char cg_rel[4096];	  /* --cgroup: its path below its hierarchy's root, or "" */
	bool cg_mem;		  /* --cgroup has a memory.stat: its counters then and at the end */
	uint64_t cg_fault0, cg_maj0, cg_fault1, cg_maj1;
	size_t unread;		  /* -a: processes whose maps could not be read, and why */
	int unread_err;
};

static void fail(struct pft_record *r, const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->err, sizeof(r->err), fmt, ap);
	va_end(ap);
	errno = err;
}

static void notice(struct pft_record *r, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!r->o.notice)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	r->o.notice(r->o.data, msg);
}

static double since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t->tv_sec) + (now.tv_nsec - t->tv_nsec) / 1e9;
}

struct pft_record *pft_record_new(const struct pft_record_opts *opts)
{
	struct pft_record *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->o = *opts;
	/* a fault's time is split up to its end: every fault needs its completion */
	if (r->o.why) {
		if (!r->o.completions) {
			free(r);
			errno = EINVAL;
			return NULL;
		}
		r->o.latency = true;
	}
	r->child = (struct pft_child){-1, -1, -1};
	r->ids = pft_buildids_new();
	if (!r->ids) {
		free(r);
		return NULL;
	}
	return r;
}

const char *pft_record_error(const struct pft_record *r)
{
	return r->err;
}

/* ---------------------------------------------------------------- counters */

static struct count *count_of(struct pft_record *r, int tid)
{
	uint32_t i;
	int k = pft_hmap_put(&r->count_idx, (uint64_t)(uint32_t)tid, 0, (uint32_t)r->nr_counts, &i);

	if (k < 0)
		return NULL;
	if (k == 1) {
		if (pft_grow((void **)&r->counts, &r->cap_counts, r->nr_counts + 1,
			     sizeof(*r->counts)) < 0)
			return NULL;
		r->counts[r->nr_counts++] = (struct count){.tid = tid};
	}
	return &r->counts[i];
}

/* What a thread there at the start has counted so far: read when it is listed, and again
 * once tracing is on (the counts start where the trace does). */
static void count_reset(struct count *c)
{
	char task[64];

	if (c->whole)
		snprintf(task, sizeof(task), "%d", c->tid);
	else
		snprintf(task, sizeof(task), "%d/task/%d", c->tid, c->tid);
	/* gone before tracing began: none of its faults were traced */
	if (pft_proc_faults(task, &c->min0, &c->maj0) < 0)
		c->untraced = true;
}

static void count_start(struct pft_record *r, int tid)
{
	struct count *c = count_of(r, tid);

	if (c)
		count_reset(c);
}

/* A task exited (taskstats): its final counts. A tid the kernel reuses for another task adds
 * that one's too: only tasks of the trace are looked at, at the end. */
static int count_exit(void *data, int tid, int tgid, uint64_t min_flt, uint64_t maj_flt)
{
	struct pft_record *r = data;
	struct count *c = count_of(r, tid);

	if (!c)
		return -1;
	if (c->left)
		return 0;
	/* a thread that exec'd takes its leader's tid: both exits count */
	c->min1 += min_flt;
	c->maj1 += maj_flt;
	c->end = c->exited = true;
	if (tgid > 0)
		c->tgid = tgid;
	return 0;
}

/* A task alive when tracing ends: what it has counted. */
static void count_end(struct pft_record *r, int tgid, int tid)
{
	char task[64];
	uint64_t min, maj;
	struct count *c;
	uint32_t k;
	bool known = pft_hmap_get(&r->count_idx, (uint64_t)(uint32_t)tid, 0, &k);

	/* without tracefs a process is counted whole: its other threads are not counted */
	if (tid <= 0 || (r->no_tracefs && !known))
		return;
	if (known && r->counts[k].whole)
		snprintf(task, sizeof(task), "%d", tid);
	else
		snprintf(task, sizeof(task), "%d/task/%d", tgid, tid);
	if (pft_proc_faults(task, &min, &maj) < 0 || !(c = known ? &r->counts[k] : count_of(r, tid)) ||
	    c->exited || c->left)
		return;
	c->min1 += min;
	c->maj1 += maj;
	c->end = true;
}

/* A tracee at its exit stop: its counts are final (taskstats may still tell them). */
static void count_stop(struct pft_record *r, int pid)
{
	char task[64];
	struct count *c;

	snprintf(task, sizeof(task), "%d/task/%d", pid, pid);
	if ((c = count_of(r, pid)) && pft_proc_faults(task, &c->min_stop, &c->maj_stop) == 0)
		c->stopped = true;
}

/* The threads of a process now (path: its /proc/PID/task): *tids (the caller frees it), *n.
 * 0, also when it has ended (none); -1 with errno. */
static int list_tids(const char *path, int **tids, size_t *n)
{
	int *more, ret = 0;
	struct dirent *d;
	DIR *dir = opendir(path);

	*tids = NULL;
	*n = 0;
	if (!dir)
		return errno == ENOENT ? 0 : -1;
	while ((d = readdir(dir))) {
		if (atoi(d->d_name) <= 0)
			continue;
		if (!(more = realloc(*tids, (*n + 1) * sizeof(**tids)))) {
			ret = -1;
			break;
		}
		*tids = more;
		(*tids)[(*n)++] = atoi(d->d_name);
	}
	closedir(dir);
	return ret;
}

/* The threads of process pid now (see list_tids). */
static int process_tids(int pid, int **tids, size_t *n)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	return list_tids(path, tids, n);
}

/* The tasks of the machine now, but pftrace's own: cb(r, tgid, tid) for each (threads false:
 * for each process, with its pid as tid). Stops at cb's -1. */
static int each_task(struct pft_record *r, bool threads,
		     int (*cb)(struct pft_record *r, int tgid, int tid))
{
	DIR *procs = opendir("/proc");
	struct dirent *p;
	int ret = 0, *tids;
	size_t n, i;

	if (!procs)
		return -1;
	while (ret == 0 && (p = readdir(procs))) {
		int tgid = atoi(p->d_name);

		if (tgid <= 0 || tgid == getpid())
			continue;
		if (!threads) {
			ret = cb(r, tgid, tgid);
			continue;
		}
		/* ended, or its threads not to be listed: none */
		if (process_tids(tgid, &tids, &n) < 0) {
			n = 0;
			ret = errno == ENOMEM ? -1 : 0;
		}
		for (i = 0; ret == 0 && i < n; i++)
			ret = cb(r, tgid, tids[i]);
		free(tids);
	}
	closedir(procs);
	return ret;
}

static int end_of(struct pft_record *r, int tgid, int tid)
{
	count_end(r, tgid, tid);
	return 0;
}

/* A pid list of the kernel's now (set_event_pid, the filter: the targets, and what event-fork
 * added; set_event_notrace_pid, those left out): cb(r, pid, data) for each, until it returns
 * -1. Empty, or unreadable: none. */
static int each_listed(struct pft_record *r, const char *file,
		       int (*cb)(struct pft_record *r, int pid, void *data), void *data)
{
	int *pids, ret;
	size_t n, i;

	if ((ret = pft_live_pids(r->live, file, &pids, &n)) < 0)
		return -1;
	for (i = 0; ret == 0 && i < n; i++)
		ret = cb(r, pids[i], data);
	free(pids);
	return ret;
}

static int each_filtered(struct pft_record *r,
			 int (*cb)(struct pft_record *r, int pid, void *data), void *data)
{
	return each_listed(r, "set_event_pid", cb, data);
}

static int end_of_filtered(struct pft_record *r, int pid, void *data)
{
	(void)data;
	count_end(r, pid, pid);
	return 0;
}

/* pftrace's own faults so far (-a leaves them out of the trace: they are counted here). */
static uint64_t own_faults(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (uint64_t)ru.ru_minflt + (uint64_t)ru.ru_majflt;
}

/* Tracing ends: the exits so far, then the tasks still alive (set_event_pid lists them; with
 * -a, /proc does). */
static void count_alive(struct pft_record *r)
{
	if (r->ts)
		pft_taskstats_read(r->ts, count_exit, r);
	if (r->cg_mem) {
		r->cg_mem = pft_cgroup_memstat(r->o.cgroup, &r->cg_fault1, &r->cg_maj1) == 0;
		r->src->st.cgroup = r->cg_mem ? r->o.cgroup : NULL;
		r->src->st.cg_pgfault = r->cg_fault1 - r->cg_fault0;
		r->src->st.cg_pgmajfault = r->cg_maj1 - r->cg_maj0;
	}
	if (r->o.all) {
		each_task(r, true, end_of);
		r->src->st.own_faults = (int64_t)(own_faults() - r->own0);
		return;
	}
	each_filtered(r, end_of_filtered, NULL);
}

/* Each process of the trace: the sum over its threads. A process with a thread whose end is
 * not known (its exit message was lost) has no counters. */
static int proc_counters(struct pft_record *r, struct pft_proc_counters **out, size_t *n)
{
	struct pft_hmap idx = {0};
	bool *unknown = NULL;
	size_t i, cap = 0, cap_u = 0;
	int ret = 0;

	*out = NULL;
	*n = 0;
	for (i = 0; r->as && i < pft_aspace_task_count(r->as) && ret == 0; i++) {
		const char *comm;
		int tid, tgid;
		uint32_t k, at;
		struct count *c;

		pft_aspace_task_at(r->as, i, &tid, &tgid, &comm);
		if (!pft_hmap_get(&r->count_idx, (uint64_t)(uint32_t)tid, 0, &k))
			continue; /* a task the kernel told nothing of (not ours to count) */
		c = &r->counts[k];
		if (c->untraced)
			continue;
		if (tgid <= 0)
			tgid = c->tgid > 0 ? c->tgid : tid;
		if (pft_hmap_put(&idx, (uint64_t)(uint32_t)tgid, 0, (uint32_t)*n, &at) < 0 ||
		    pft_grow((void **)out, &cap, *n + 1, sizeof(**out)) < 0 ||
		    pft_grow((void **)&unknown, &cap_u, *n + 1, sizeof(*unknown)) < 0) {
			ret = -1;
			break;
		}
		if (at == *n) {
			(*out)[(*n)++] = (struct pft_proc_counters){tgid, 0, 0};
			unknown[at] = false;
		}
		unknown[at] |= !c->end && !c->stopped;
		(*out)[at].min_flt += (c->end ? c->min1 : c->min_stop) - c->min0;
		(*out)[at].maj_flt += (c->end ? c->maj1 : c->maj_stop) - c->maj0;
	}
	/* keep the known ones, in place */
	for (i = 0, cap = 0; ret == 0 && i < *n; i++)
		if (!unknown[i])
			(*out)[cap++] = (*out)[i];
	if (ret == 0)
		*n = cap;
	free(unknown);
	pft_hmap_release(&idx);
	return ret;
}

/* ---------------------------------------------------------------- targets */

/* A -p target must be a live user process: one clear line says why not. */
static int check_target(struct pft_record *r, int pid)
{
	char path[64], comm[64] = "?", state = 0, buf[512];
	FILE *f;
	int c;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "re");
	if (!f || !fgets(buf, sizeof(buf), f)) {
		if (f)
			fclose(f);
		errno = ESRCH;
		fail(r, "no process %d", pid);
		return -1;
	}
	fclose(f);
	if (strrchr(buf, ')'))
		state = strrchr(buf, ')')[2];
	pft_proc_comm(pid, comm, sizeof(comm));
	if (state == 'Z') {
		errno = ESRCH;
		fail(r, "process %d (%s) is a zombie: it takes no more faults", pid, comm);
		return -1;
	}
	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "re");
	if (!f && r->no_tracefs && (errno == EACCES || errno == EPERM)) {
		fail(r, "process %d (%s) is not one's own: without root (no tracefs) only one's own "
			"processes are traced", pid, comm);
		return -1;
	}
	if (!f) {
		fail(r, "cannot read '%s': %s", path, strerror(errno));
		return -1;
	}
	c = getc(f);
	fclose(f);
	if (c == EOF) {
		errno = EINVAL;
		fail(r, "process %d (%s) is a kernel thread: it takes no user page faults", pid,
		     comm);
		return -1;
	}
	return 0;
}

/* A process's cgroup into path: that of --cgroup's hierarchy, else v2's or the memory
 * controller's. -1 for one that has ended or is ending (an exiting task is moved to the root
 * cgroup): alive after the read, it was alive during it. */
static int read_cgroup(const struct pft_record *r, int pid, char *path, size_t size)
{
	if (pft_cgroup_of(pid, r->cg_rel[0] ? r->cg_rel : NULL, path, size) < 0 ||
	    pft_proc_exiting(pid))
		return -1;
	return 0;
}

/* A process listed at the start (held, or stopped at its exec): its cgroup now, told at the
 * first tick even if it has ended by then. */
static int listed_cgroup(struct pft_record *r, struct task0 *t)
{
	char path[4096];

	if (read_cgroup(r, t->tid, path, sizeof(path)) < 0)
		return 0;
	return (t->cgroup = strdup(path)) ? 0 : -1;
}

static int add_task0(struct pft_record *r, int tid, int tgid)
{
	char path[64], comm[64] = "";
	struct task0 *t;

	snprintf(path, sizeof(path), "%d/task/%d", tgid, tid);
	if (pft_grow((void **)&r->tasks0, &r->cap_tasks0, r->nr_tasks0 + 1, sizeof(*r->tasks0)) < 0)
		return -1;
	pft_proc_comm(tid, comm, sizeof(comm));
	t = &r->tasks0[r->nr_tasks0++];
	*t = (struct task0){tid, tgid, "", NULL};
	snprintf(t->comm, sizeof(t->comm), "%s", comm);
	return tid == tgid ? listed_cgroup(r, t) : 0;
}

/* Whose task tid is, asked while it runs: the owner a JIT map of its process must have (see
 * jit_refresh), known still once it has ended. Gone already is no error. */
static int note_owner(struct pft_record *r, int tid)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d", tid);
	if (stat(path, &st) < 0)
		return 0;
	return pft_hmap_set(&r->owner, (uint64_t)(uint32_t)tid, 0, (uint32_t)st.st_uid);
}

/* The owner of a task that has appeared since tid's: its creator's (clone keeps the
 * credentials), noted as the events are read, maybe once it has ended. */
static int inherit_owner(struct pft_record *r, int tid, int child)
{
	uint32_t uid;

	if (!pft_hmap_get(&r->owner, (uint64_t)(uint32_t)tid, 0, &uid))
		return 0;
	return pft_hmap_set(&r->owner, (uint64_t)(uint32_t)child, 0, uid);
}

/* A task made meanwhile has its creator's owner; an exec (setuid perhaps) is asked again. */
static int follow_owner(struct pft_record *r, const struct pft_event *ev)
{
	if (ev->type == PFT_EV_EXEC)
		return note_owner(r, ev->tid);
	if (ev->type == PFT_EV_NEWTASK && ev->child > 0)
		return inherit_owner(r, ev->tid, ev->child);
	return 0;
}

/* Without tracefs (nor taskstats) a thread's end cannot be told: a process is counted whole,
 * by its own counts (its threads' other than the leader are not counted apart). */
static void count_whole(struct pft_record *r, int pid)
{
	struct count *c = count_of(r, pid);

	if (c) {
		c->whole = true;
		count_reset(c);
	}
}

/* Without tracefs a thread's perf events are its creator's, inherited, once those are open: one
 * made before, between the listing and their opening, is listed again and given its own (one
 * that has both is told once: see perf.c). Until a listing finds none new: into *tids (n). */
static int relist_threads(struct pft_record *r, int pid, int **tids, size_t *n)
{
	struct pft_hmap known = {0};
	int *now = NULL;
	size_t i, m, round, cap = *n;
	uint32_t dummy;
	int ret = 0;

	for (i = 0; i < *n && ret == 0; i++)
		ret = pft_hmap_put(&known, (uint64_t)(uint32_t)(*tids)[i], 0, 0, &dummy) < 0 ? -1 : 0;
	for (round = 0; ret == 0 && round < 64; round++) {
		size_t fresh = *n;

		if ((ret = process_tids(pid, &now, &m)) < 0)
			break;
		for (i = 0; i < m && ret == 0; i++) {
			int k = pft_hmap_put(&known, (uint64_t)(uint32_t)now[i], 0, 0, &dummy);

			if (k < 0 ||
			    (k == 1 && pft_grow((void **)tids, &cap, *n + 1, sizeof(**tids)) < 0))
				ret = -1;
			else if (k == 1)
				(*tids)[(*n)++] = now[i];
		}
		free(now);
		now = NULL;
		if (ret < 0 || fresh == *n)
			break;
		ret = pft_live_add_pids(r->live, *tids + fresh, *n - fresh);
	}
	pft_hmap_release(&known);
	return ret;
}

/* Every thread of pid known at the start with its comm and counters (once each); with trace,
 * also into set_event_pid (and its perf events) in one write. A thread that ends meanwhile is
 * no error, nor a process that has (the loop will see it). */
static int note_threads(struct pft_record *r, int pid, bool trace)
{
	int *tids, ret;
	size_t n, i;

	if (note_owner(r, pid) < 0)
		return -1;
	ret = process_tids(pid, &tids, &n);
	if (ret == 0 && trace)
		ret = pft_live_add_pids(r->live, tids, n);
	if (ret == 0 && trace && r->no_tracefs)
		ret = relist_threads(r, pid, &tids, &n);
	for (i = 0; ret == 0 && i < n; i++) {
		/* once each: a second listing finds the threads born since the first (-a
		 * counted them all first) */
		uint32_t seen;
		int k = pft_hmap_put(&r->noted, (uint64_t)(uint32_t)tids[i], 0, 0, &seen);

		if (k <= 0) {
			ret = k;
			continue;
		}
		if (r->no_tracefs && tids[i] == pid)
			count_whole(r, pid);
		else if (!r->no_tracefs &&
			 !pft_hmap_get(&r->count_idx, (uint64_t)(uint32_t)tids[i], 0, &seen))
			count_start(r, tids[i]);
		ret = add_task0(r, tids[i], pid);
		if (ret == 0)
			ret = inherit_owner(r, pid, tids[i]);
		if (ret == 0 && pft_hmap_get(&r->count_idx, (uint64_t)(uint32_t)tids[i], 0, &seen))
			r->counts[seen].tgid = pid;
	}
	free(tids);
	return ret;
}

static int add_threads(struct pft_record *r, int pid)
{
	return note_threads(r, pid, true);
}

/* /proc/PID/maps now, and the file it runs. */
static struct pft_maps *read_maps(int pid, char *exe, size_t size)
{
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	n = readlink(path, exe, size - 1);
	exe[n > 0 ? n : 0] = '\0';
	return pft_maps_load_pid(pid);
}

/* The maps a process starts from (before the first event), read after tracing was armed: what
 * changes meanwhile is recorded too, and applied again over it. */
static int snapshot_start(struct pft_record *r, int pid)
{
	char exe[4096];
	struct pft_maps *m = read_maps(pid, exe, sizeof(exe));
	struct snap0 *s;

	if (!m)
		return errno == ENOENT || errno == ESRCH ? 0 : -1; /* it ended: the loop sees it */
	if (pft_grow((void **)&r->snaps0, &r->cap_snaps0, r->nr_snaps0 + 1, sizeof(*r->snaps0)) <
	    0) {
		pft_maps_free(m);
		return -1;
	}
	s = &r->snaps0[r->nr_snaps0++];
	s->pid = pid;
	s->maps = m;
	s->exe = strdup(exe);
	return 0;
}

/* A snapshot while the process is stopped (an exit or exec stop): the marker written first
 * dates it in the trace's clock; with the kernel's records it checks the rebuilt map. */
static void snapshot_check(struct pft_record *r, int pid)
{
	char exe[4096], mark[64];
	struct pft_maps *m;

	if (!r->as)
		return;
	snprintf(mark, sizeof(mark), PFT_SNAP_MARKER "%u %d", pft_aspace_next_snapshot_id(r->as),
		 pid);
	pft_live_mark(r->live, mark);
	m = read_maps(pid, exe, sizeof(exe));
	if (m)
		pft_aspace_add_snapshot(r->as, pid, PFT_TS_PENDING, m, exe);
}

/* --no-history: maps read when a fault's address is in none known (see aspace.c). */
static int resolve_snapshot(void *data, struct pft_aspace *as, int pid, const char *comm)
{
	(void)as;
	(void)comm;
	snapshot_check(data, pid);
	return 0;
}

static int resolve_tgid(void *data, int tid, const char *comm)
{
	(void)data;
	(void)comm;
	return pft_proc_tgid(tid);
}

/* ---------------------------------------------------------------- setting up */

/* No permission for tracefs (not root): perf's events alone, for a command of the user's own,
 * where nothing needs the instance. */
static int without_tracefs(struct pft_record *r, const char *tdir)
{
	const char *needs = r->o.all		  ? "-a"
			    : r->o.cgroup	  ? "--cgroup"
			    : r->o.output	  ? "-o"
			    : r->o.why		  ? "--why"
			    : r->o.pidns	  ? "--pidns"
			    : !r->o.completions	  ? "--no-major"
						  : NULL;

	if (needs) {
		fail(r, "no permission to use tracefs (%s): %s needs it, run as root (without it "
			"only a command or processes of one's own are traced, by perf's events)",
		     tdir, needs);
		return -1;
	}
	notice(r, "no permission to use tracefs (%s): the %s faults from perf's page-faults "
		  "event, %s history from perf's records (no munmap or mremap: a fault in no "
		  "mapping, or one the kernel refused, is unknown), every fault's completion (as "
		  "--latency)",
	       tdir, r->o.nr_pids ? "processes'" : "command's", r->o.nr_pids ? "their" : "its");
	r->perf_faults = r->no_tracefs = true;
	/* a fault the kernel refuses has no completion: in a mapping that may be gone, it is
	 * told unknown instead of that mapping's */
	r->o.latency = true;
	return 0;
}

/* tracefs (pftrace's instance holds the history), and what tells the faults. */
static int check_tracefs(struct pft_record *r)
{
	const char *tdir = "/sys/kernel/tracing";

	r->perf_faults = r->o.source == PFT_FAULTS_PERF;
	if (pft_live_tracefs(&tdir) == 0)
		return 0;
	/* tracefs answered: only the tracepoint is missing (arm64) */
	if (errno == ENOENT && r->o.source == PFT_FAULTS_AUTO) {
		notice(r, "this kernel has no exceptions/page_fault_user event (arm64 has none): "
			  "faults from perf's page-faults event, without error codes (--source)");
		r->perf_faults = true;
	}
	if (errno == ENOENT && r->perf_faults)
		return 0;
	if ((errno == EACCES || errno == EPERM) && r->o.source != PFT_FAULTS_TRACEPOINT)
		return without_tracefs(r, tdir);
	if (errno == ENOENT)
		fail(r,
		     "this kernel's tracefs has no exceptions/page_fault_user event (x86 kernels "
		     "with tracing have it; riscv since 2025): --source perf traces faults "
		     "without it");
	else if (errno == EACCES || errno == EPERM)
		fail(r, "no permission to use tracefs (%s): run as root", tdir);
	else
		fail(r,
		     "tracefs is not mounted and cannot be (%s): mount -t tracefs nodev "
		     "/sys/kernel/tracing",
		     strerror(errno));
	return -1;
}

static void said_stale(void *data, const char *name, int err)
{
	if (!err)
		notice(data, "removed instance '%s' left by a killed pftrace", name);
	else
		notice(data, "cannot remove instance '%s' left by a killed pftrace: %s", name,
		       strerror(err));
}

static int open_tracing(struct pft_record *r)
{
	const char *names;
	struct pft_live_opts lo = {
	    .kernel = r->o.kernel,
	    .perf_faults = r->perf_faults,
	    .no_tracefs = r->no_tracefs,
	    .history = r->o.history,
	    .completions = r->o.completions || r->o.stacks,
	    .all_completions = r->o.latency || r->o.stacks,
	    .why = r->o.why,
	    .stacks = r->o.stacks,
	    .buffer_kb = r->o.buffer_kb,
	    .perf_kb = r->o.perf_buffer_kb,
	};
	char *dir = NULL, *copy;
	int err;

	if (r->o.output) {
		copy = strdup(r->o.output);
		dir = copy ? strdup(dirname(copy)) : NULL;
		free(copy);
		/* fail now, not after the whole recording */
		if (!dir || access(dir, W_OK | X_OK) < 0) {
			err = dir ? errno : ENOMEM;
			free(dir);
			errno = err;
			fail(r, "cannot write '%s': %s", r->o.output, strerror(err));
			return -1;
		}
		lo.spool_dir = dir;
	}
	pft_live_remove_stale(said_stale, r);
	r->live = pft_live_open(&lo);
	err = errno;
	free(dir);
	if (!r->live) {
		errno = err;
		fail(r, "cannot set up tracing: %s", strerror(err));
		return -1;
	}
	if (pft_live_history_missing(r->live))
		notice(r,
		       "%d of the events that follow address spaces are missing on this kernel: "
		       "some faults will be joined with maps snapshots only",
		       pft_live_history_missing(r->live));
	if (pft_live_why_missing(r->live, &names))
		notice(r,
		       "%d of the events that tell why faults are slow are missing on this kernel "
		       "(%s): what they tell is told as the task's state (on-cpu, io, sleep), their "
		       "paths unknown",
		       pft_live_why_missing(r->live, &names), names);
	/* per-process counters come from the kernel's exit accounting (which needs
	 * CAP_NET_ADMIN: without, the command's own are read at its exit stop) */
	r->ts = pft_taskstats_open((int)sysconf(_SC_NPROCESSORS_CONF));
	if (!r->ts && r->no_tracefs)
		notice(r, "the kernel's fault counters of the command alone (taskstats: %s)",
		       strerror(errno));
	else if (!r->ts)
		notice(r, "no per-process fault counters (taskstats: %s)", strerror(errno));
	return 0;
}

/* -a: every task but pftrace's threads (and what they start: its children born from now). */
static int trace_all(struct pft_record *r)
{
	int *tids;
	size_t n;
	int ret = list_tids("/proc/self/task", &tids, &n);

	r->own0 = own_faults();
	if (ret == 0)
		ret = pft_live_all(r->live, tids, n);
	free(tids);
	return ret;
}

/* -a, once armed: a process of the machine, its threads and its maps (the command's are
 * noted already; a kernel thread has none). */
static int note_process(struct pft_record *r, int tgid, int tid)
{
	(void)tid;
	if (tgid == r->child.pid || pft_proc_kthread(tgid))
		return 0;
	if (note_threads(r, tgid, false) < 0)
		return -1;
	/* one process's maps refused (it is being exec'd, it ended) is not the machine's */
	if (snapshot_start(r, tgid) < 0) {
		if (errno == ENOMEM)
			return -1;
		r->unread++;
		r->unread_err = errno;
	}
	return 0;
}

/* -a: what a task has counted, read as soon as tracing is on (the maps take longer). */
static int count_first(struct pft_record *r, int tgid, int tid)
{
	struct count *c = count_of(r, tid);

	if (!c)
		return -1;
	count_reset(c);
	c->tgid = tgid;
	return 0;
}

static int note_machine(struct pft_record *r)
{
	struct timespec t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* a busy process's faults between arming and its counters being read are traced and
	 * not counted: the counters first, in one quick pass, then the maps */
	if (each_task(r, true, count_first) < 0 || each_task(r, false, note_process) < 0) {
		fail(r, "cannot list the machine's processes: %s", strerror(errno));
		return -1;
	}
	notice(r, "-a: %zu processes, their maps read in %.0f ms", r->nr_snaps0,
	       since(&t0) * 1000);
	if (r->unread)
		notice(r,
		       "-a: the maps of %zu process%s could not be read (%s): their faults are "
		       "joined with what the kernel's records tell",
		       r->unread, r->unread == 1 ? "" : "es", strerror(r->unread_err));
	return 0;
}

static int start_all(struct pft_record *r)
{
	if (trace_all(r) < 0 || pft_live_arm(r->live) < 0) {
		fail(r, "cannot arm tracing: %s", strerror(errno));
		return -1;
	}
	return note_machine(r);
}

static int start_command(struct pft_record *r)
{
	int exec_err, st, rr;

	if (pft_child_spawn(r->o.argv, r->o.stdout_to_stderr, &r->child) < 0) {
		fail(r, "cannot start '%s': %s", r->o.argv[0], strerror(errno));
		return -1;
	}
	rr = pft_child_exec(&r->child, &exec_err, &st);
	if (rr < 0) {
		fail(r, "cannot trace '%s': %s", r->o.argv[0], strerror(errno));
		pft_child_abandon(&r->child);
		return -1;
	}
	if (rr > 0) {
		fail(r, "cannot run '%s': %s", r->o.argv[0],
		     strerror(exec_err ? exec_err : ECHILD));
		r->child.pid = -1;
		r->child_done = true;
		r->child_status = st;
		return 1;
	}
	/* stopped at its first instruction: filter on it (-a: on all but pftrace, which has
	 * started it already), arm, read its maps, let it go */
	if ((r->o.all && trace_all(r) < 0) || pft_live_add_pid(r->live, r->child.pid) < 0 ||
	    pft_live_arm(r->live) < 0) {
		fail(r, "cannot arm tracing: %s", strerror(errno));
		pft_child_abandon(&r->child);
		return -1;
	}
	count_start(r, r->child.pid);
	if (add_task0(r, r->child.pid, r->child.pid) < 0 || snapshot_start(r, r->child.pid) < 0) {
		fail(r, "%s", strerror(errno));
		pft_child_abandon(&r->child);
		return -1;
	}
	r->targets = calloc(1, sizeof(*r->targets));
	if (!r->targets) {
		pft_child_abandon(&r->child);
		return -1;
	}
	r->nr_targets = 1;
	r->targets[0] = (struct target){r->child.pid, true, false};
	/* -a: the machine listed while the command waits (what it lets run starts counted) */
	if (r->o.all && note_machine(r) < 0) {
		pft_child_abandon(&r->child);
		return -1;
	}
	pft_ptrace_resume(r->child.pid);
	return 0;
}

/* A target could not be followed: it exited (a pid given with -p can go at any moment), or
 * errno says why. */
static void target_failed(struct pft_record *r, int pid)
{
	if (pft_proc_dead(pid))
		fail(r, "process %d exited before tracing began", pid);
	else
		fail(r, "cannot trace process %d: %s", pid, strerror(errno));
}

static struct target *target_of(struct pft_record *r, int pid);

/* Every process and its parent, as /proc showed them once. */
struct tree {
	int (*pairs)[2];
	size_t nr, cap;
};

static int note_parent(void *data, int pid, int ppid)
{
	struct tree *t = data;

	if (pft_grow((void **)&t->pairs, &t->cap, t->nr + 1, sizeof(*t->pairs)) < 0)
		return -1;
	t->pairs[t->nr][0] = pid;
	t->pairs[t->nr++][1] = ppid;
	return 0;
}

static bool is_kin(const struct pft_record *r, int pid)
{
	for (size_t i = 0; i < r->nr_kin; i++)
		if (r->kin[i] == pid)
			return true;
	return false;
}

/* The targets' descendants as /proc shows them now that are not known yet, parents before
 * children, appended to r->kin (-p of a server's master takes the workers it started before
 * pftrace came; those started later come by the tracer's event-fork). -1 with errno. */
static int list_kin(struct pft_record *r)
{
	struct tree t = {0};
	size_t i, j;
	int ret = -1;

	/* a cgroup's are its members: those its members start are members too (followed by
	 * event-fork, or seen joining), those elsewhere are not */
	if (r->o.cgroup)
		return 0;
	if (pft_proc_parents(note_parent, &t) < 0)
		goto out;
	/* the list grows as it is walked: children's children are visited in turn */
	for (i = 0; i < r->nr_targets + r->nr_kin; i++) {
		int parent = i < r->nr_targets ? r->targets[i].pid : r->kin[i - r->nr_targets];

		for (j = 0; j < t.nr; j++) {
			int pid = t.pairs[j][0];

			if (t.pairs[j][1] != parent || target_of(r, pid) || is_kin(r, pid))
				continue;
			if (pft_grow((void **)&r->kin, &r->cap_kin, r->nr_kin + 1,
				     sizeof(*r->kin)) < 0)
				goto out;
			r->kin[r->nr_kin++] = pid;
		}
	}
	ret = 0;
out:
	free(t.pairs);
	return ret;
}

/* Seized for its exit's maps check, where ptrace allows; then held (its main thread stopped)
 * while its tracing begins and its maps are read: a fork or an exec in between would give a
 * child, or an image, that the maps read do not show. */
static void seize(struct pft_record *r, struct target *t)
{
	t->hold = -1;
	t->seized = pft_ptrace_seize(t->pid) == 0;
	if (!t->seized && errno != ESRCH)
		notice(r, "cannot ptrace process %d (%s): its maps at exit are not checked",
		       t->pid, strerror(errno));
	if (t->seized)
		t->hold = pft_ptrace_hold(t->pid);
	t->gone = t->hold == PFT_HOLD_GONE;
}

static void release(struct target *t)
{
	if (t->hold >= 0)
		pft_ptrace_release(t->pid, t->hold);
	t->hold = -1;
}

/* pid, a new target, seized and held. NULL on ENOMEM. */
static struct target *seize_target(struct pft_record *r, int pid)
{
	struct target *t = realloc(r->targets, (r->nr_targets + 1) * sizeof(*t));

	if (!t)
		return NULL;
	r->targets = t;
	t = &r->targets[r->nr_targets++];
	*t = (struct target){.pid = pid};
	seize(r, t);
	return t;
}

/* Which children from r->kin[from] on are in the kernel's pid filter now (born since their
 * parent was traced: the kernel follows them). */
static int kin_followed(struct pft_record *r, int pid, void *data)
{
	for (size_t i = *(size_t *)data; i < r->nr_kin; i++)
		r->kin_in[i] |= pid == r->kin[i];
	return 0;
}

static int note_followed(struct pft_record *r, size_t from)
{
	bool *in = realloc(r->kin_in, (r->nr_kin + 1) * sizeof(*in));

	if (!in)
		return -1;
	r->kin_in = in;
	memset(in + from, 0, (r->nr_kin - from) * sizeof(*in));
	/* empty (the targets are gone), or unreadable: then none is taken as followed */
	return each_filtered(r, kin_followed, &from);
}

/* The threads of pid counted from now (it is traced from now); or, gone, not at all. */
static void count_from_now(struct pft_record *r, int pid, bool traced)
{
	for (size_t i = 0; i < r->nr_counts; i++) {
		struct count *c = &r->counts[i];

		if (c->tgid != pid)
			continue;
		if (traced)
			count_reset(c);
		else
			c->untraced = true;
	}
}

/*
 * A descendant running before arming. One born after its parent was traced is followed by the
 * kernel already (its counts start at the arming); another one is traced from now: counted from
 * now, then its threads into the filter. Its maps are read after that, and also before, for one
 * that ends in between: its faults meanwhile are traced, and placed. One gone or that cannot be
 * traced is left out, and so are its counters (said, unless gone). -1 on ENOMEM.
 */
static int add_kin(struct pft_record *r, int pid, bool in)
{
	char exe[4096];
	struct target *t = seize_target(r, pid);
	struct pft_maps *before = t ? read_maps(pid, exe, sizeof(exe)) : NULL;
	size_t had = r->nr_snaps0;
	int ret = -1;

	if (!t)
		return -1;
	if (!before && !in) {
		count_from_now(r, pid, false);
		ret = 0; /* gone already: nothing of it traced */
		goto out;
	}
	/* counted first: a fault before it is in the filter is missed, and shows as missed */
	if (!in)
		count_from_now(r, pid, true);
	if (!in && add_threads(r, pid) < 0) {
		if (!pft_proc_dead(pid))
			notice(r, "cannot trace process %d, a child of a target: %s", pid,
			       strerror(errno));
		count_from_now(r, pid, false);
		ret = errno == ENOMEM ? -1 : 0;
		goto out;
	}
	if (snapshot_start(r, pid) < 0)
		goto out;
	ret = 0;
	/* ended meanwhile: its maps from before */
	if (r->nr_snaps0 == had && before) {
		if (pft_grow((void **)&r->snaps0, &r->cap_snaps0, r->nr_snaps0 + 1,
			     sizeof(*r->snaps0)) < 0) {
			ret = -1;
			goto out;
		}
		r->snaps0[r->nr_snaps0++] = (struct snap0){pid, before, strdup(exe)};
		before = NULL;
	}
out:
	pft_maps_free(before);
	release(t);
	return ret;
}

static void release_all(struct pft_record *r)
{
	for (size_t i = 0; i < r->nr_targets; i++)
		release(&r->targets[i]);
}

/* The children found before arming, then those found after (a child born meanwhile to one not
 * traced yet was neither followed nor listed: looked for again, twice; one the kernel follows
 * by then is left to it, its fork being in the trace). Each known from the start: counted from
 * the arming like the targets (listed before it), or from when it is traced (after). -1 after
 * a message. */
static int take_kin(struct pft_record *r)
{
	size_t done = 0, from;

	for (int pass = 0; pass < 3; pass++) {
		for (; done < r->nr_kin; done++)
			if ((!pass || !r->kin_in[done]) &&
			    add_kin(r, r->kin[done], r->kin_in[done]) < 0) {
				fail(r, "%s", strerror(errno));
				return -1;
			}
		from = r->nr_kin;
		if (list_kin(r) < 0 || note_followed(r, from) < 0) {
			fail(r, "cannot list the targets' children: %s", strerror(errno));
			return -1;
		}
		for (size_t i = from; i < r->nr_kin; i++)
			if (!r->kin_in[i] && note_threads(r, r->kin[i], false) < 0) {
				fail(r, "%s", strerror(errno));
				return -1;
			}
	}
	return 0;
}

static int start_targets(struct pft_record *r)
{
	size_t i, n;

	r->targets = calloc(r->o.nr_pids, sizeof(*r->targets));
	if (!r->targets)
		return -1;
	r->nr_targets = r->o.nr_pids;
	/* held before they are traced: a child born between that and the arming would be
	 * followed by the kernel, its faults until then counted and not traced */
	for (i = 0; i < r->nr_targets; i++) {
		int tgid = pft_proc_tgid(r->o.pids[i]);

		r->targets[i].pid = tgid > 0 ? tgid : r->o.pids[i];
		seize(r, &r->targets[i]);
	}
	for (i = 0; i < r->nr_targets; i++)
		if (add_threads(r, r->targets[i].pid) < 0) {
			release_all(r);
			target_failed(r, r->targets[i].pid);
			return -1;
		}
	if (list_kin(r) < 0 || note_followed(r, 0) < 0) {
		release_all(r);
		fail(r, "cannot list the targets' children: %s", strerror(errno));
		return -1;
	}
	for (i = 0; i < r->nr_kin; i++)
		if (note_threads(r, r->kin[i], false) < 0) {
			release_all(r);
			fail(r, "%s", strerror(errno));
			return -1;
		}
	if (pft_live_arm(r->live) < 0) {
		release_all(r);
		/* a target that exited meanwhile makes set_event_pid refuse its pid: say that */
		for (i = 0; i < r->nr_targets; i++)
			if (pft_proc_dead(r->targets[i].pid)) {
				fail(r, "process %d exited before tracing began", r->targets[i].pid);
				return -1;
			}
		fail(r, "cannot arm tracing: %s", strerror(errno));
		return -1;
	}
	/* a fault between the listing and arming was counted by the kernel, never traced */
	for (i = 0; i < r->nr_counts; i++)
		count_reset(&r->counts[i]);
	n = r->nr_targets;
	for (i = 0; i < n; i++) {
		struct target *t = &r->targets[i];

		/* threads born between the listing and arming: event-fork covers the later ones */
		if (add_threads(r, t->pid) < 0 || snapshot_start(r, t->pid) < 0) {
			release_all(r);
			target_failed(r, t->pid);
			return -1;
		}
		release(t);
	}
	return take_kin(r);
}

/* --cgroup: its processes now are the targets (a zombie or a kernel thread among them takes
 * no user fault: left out). One is needed: the filter cannot start empty. */
static int cgroup_members(struct pft_record *r)
{
	FILE *mounts = fopen("/proc/self/mounts", "re");
	size_t n, i, k = 0;

	/* where its processes are in their /proc/PID/cgroup: the path below its hierarchy */
	if (mounts && pft_cgroup_relative(r->o.cgroup, mounts, r->cg_rel, sizeof(r->cg_rel)) < 0)
		r->cg_rel[0] = '\0';
	if (mounts)
		fclose(mounts);
	if (pft_cgroup_procs(r->o.cgroup, &r->cg_pids, &n) < 0) {
		fail(r, "cannot read '%s/cgroup.procs': %s", r->o.cgroup, strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++)
		if (!pft_proc_dead(r->cg_pids[i]) && !pft_proc_kthread(r->cg_pids[i]))
			r->cg_pids[k++] = r->cg_pids[i];
	if (!k) {
		errno = ESRCH;
		fail(r, "cgroup '%s' has no process to trace", r->o.cgroup);
		return -1;
	}
	r->o.pids = r->cg_pids;
	r->o.nr_pids = k;
	return 0;
}

/* The tracing filter (set_event_pid) and the events hold the kernel's pids: from inside a PID
 * namespace other than the first (a container, unshare -p) pftrace's pids are not those, and
 * a mounted /proc of its own does not show them: refused rather than tracing nothing. */
static int check_pid_namespace(struct pft_record *r)
{
	/* the initial PID namespace's inode number (PROC_PID_INIT_INO) */
	static const char init_ns[] = "pid:[4026531836]";
	char ns[64];
	ssize_t n = readlink("/proc/self/ns/pid", ns, sizeof(ns) - 1);

	if (n < 0 || (size_t)n != sizeof(init_ns) - 1 || memcmp(ns, init_ns, (size_t)n)) {
		ns[n > 0 ? n : 0] = '\0';
		fail(r,
		     "running in a PID namespace of its own (%s): tracing filters by the "
		     "kernel's pids, which are not seen from here; run it on the host (a "
		     "container: --pid=host), where a container's processes are traced by their "
		     "host pids",
		     n > 0 ? ns : "unknown");
		errno = ENOTSUP;
		return -1;
	}
	return 0;
}

int pft_record_start(struct pft_record *r)
{
	int s;

	if (check_tracefs(r) < 0 || check_pid_namespace(r) < 0)
		return -1;
	if (r->o.cgroup && cgroup_members(r) < 0)
		return -1;
	/* the targets' own words first: a dead pid is said as such, not as a tracing error */
	for (size_t i = 0; i < r->o.nr_pids; i++)
		if (check_target(r, r->o.pids[i]) < 0)
			return -1;
	if (open_tracing(r) < 0)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &r->start);
	s = r->o.argv ? start_command(r) : r->o.all ? start_all(r) : start_targets(r);
	r->started = s == 0;
	/* the cgroup's own count of faults, from now (a cgroup without a memory controller has
	 * none) */
	r->cg_mem = r->started && r->o.cgroup &&
		    pft_cgroup_memstat(r->o.cgroup, &r->cg_fault0, &r->cg_maj0) == 0;
	/* the tasks known now go into the trace.dat before any event: a replay knows them too */
	for (size_t i = 0; r->started && i < r->nr_tasks0; i++) {
		struct pft_event ev = {.type = PFT_EV_COMM,
				       .ts = 0,
				       .tid = r->tasks0[i].tid,
				       .tgid = r->tasks0[i].tgid,
				       .text = r->tasks0[i].comm};

		if (pft_live_spool_event(r->live, &ev) < 0) {
			fail(r, "%s", strerror(errno));
			return -1;
		}
	}
	return s;
}

/* ---------------------------------------------------------------- signals */

static int command_status(const struct pft_record *r)
{
	if (!r->child_done)
		return -1;
	if (WIFEXITED(r->child_status))
		return WEXITSTATUS(r->child_status);
	return WIFSIGNALED(r->child_status) ? 128 + WTERMSIG(r->child_status) : 1;
}

int pft_record_command_status(const struct pft_record *r)
{
	return command_status(r);
}

int pft_record_stopped_by(const struct pft_record *r)
{
	return r ? r->stop_sig : 0;
}

/* Signal sig is pending for pid (so a second one would be merged with it, not delivered). */
static bool pending(int pid, int sig)
{
	char path[64], line[256];
	bool yes = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "SigPnd:", 7) || !strncmp(line, "ShdPnd:", 7))
			yes |= (strtoull(line + 7, NULL, 16) >> (sig - 1)) & 1;
	if (f)
		fclose(f);
	return yes;
}

static void tracees(struct pft_record *r);

/* Passes sig on to the command unless it has it already: delivered (its delivery stop was
 * seen), or pending. A process-group kill signals both of us at once, the command first; its
 * signal may be on its way (taken from the queue, its stop not yet told), and timeout signals
 * pftrace just before its process group: for 50 ms, what comes is waited for. */
static void pass_on(struct pft_record *r, int sig)
{
	struct timespec moment = {0, 5 * 1000 * 1000};
	int before = r->delivered[sig], tries;

	for (tries = 0; tries < 10; tries++) {
		if (tries)
			nanosleep(&moment, NULL);
		tracees(r);
		if (r->child_done || r->delivered[sig] > before || pending(r->child.pid, sig))
			return;
	}
	kill(r->child.pid, sig);
}

void pft_record_signal(struct pft_record *r, int sig, int code)
{
	if (sig <= 0 || sig > 64)
		return;
	if (sig == SIGCONT) {
		r->continued = true;
		return;
	}
	if (sig == SIGTSTP) {
		/* ^Z: the command stops (the terminal stopped it too, or we pass it on), then
		 * pftrace, so that the shell sees the job stopped */
		if (r->o.argv && code != SI_KERNEL)
			pass_on(r, sig);
		r->continued = false;
		r->stop_self = true;
		clock_gettime(CLOCK_MONOTONIC, &r->stop_asked);
		return;
	}
	if (!r->o.argv || r->child_done) {
		r->stop_sig = r->stop_sig ? r->stop_sig : sig;
		pft_record_stop(r);
		return;
	}
	if (r->sig_at[sig].tv_sec || r->sig_at[sig].tv_nsec) {
		/* the same signal again at once is the same one (timeout signals pftrace, then its
		 * process group); asked again later, the recording ends now and the command runs
		 * on without us */
		if (since(&r->sig_at[sig]) < REPEAT_S)
			return;
		pass_on(r, sig);
		r->stop_sig = sig;
		pft_record_stop(r);
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &r->sig_at[sig]);
	/* the recording follows the command to its end, as a shell waits for its job */
	if (code != SI_KERNEL)
		pass_on(r, sig);
}

void pft_record_stop(struct pft_record *r)
{
	r->stopping = true;
}

/* ---------------------------------------------------------------- the loop */

static struct target *target_of(struct pft_record *r, int pid)
{
	size_t i;

	for (i = 0; i < r->nr_targets; i++)
		if (r->targets[i].pid == pid)
			return &r->targets[i];
	return NULL;
}

static bool all_gone(const struct pft_record *r)
{
	size_t i;

	if (r->o.argv)
		return r->child_done;
	if (r->o.all || r->o.cgroup)
		return false; /* until a duration or a signal ends it: a process may come */
	for (i = 0; i < r->nr_targets; i++)
		if (!r->targets[i].gone)
			return false;
	return true;
}

static bool is_stop_signal(int sig)
{
	return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

/* What the tracees did: exit and exec stops are the moments their maps can be checked. */
static void tracees(struct pft_record *r)
{
	int status, k;
	pid_t pid;

	while ((k = pft_ptrace_poll(&pid, &status)) != PFT_STOP_NONE && k >= 0) {
		struct target *t = target_of(r, pid);

		switch (k) {
		case PFT_STOP_EXIT_EVENT:
			/* its last counts, for want of its exit's */
			count_stop(r, pid);
			/* fall through */
		case PFT_STOP_EXEC_EVENT:
			snapshot_check(r, pid);
			pft_ptrace_resume(pid);
			break;
		case PFT_STOP_EXITED:
			if (pid == r->child.pid) {
				r->child_done = true;
				r->child_status = status;
			}
			if (t)
				t->gone = true;
			break;
		case PFT_STOP_SIGNAL:
			if (pid == r->child.pid)
				r->delivered[status]++;
			/* a stop from before pftrace itself was continued is stale: the shell's
			 * SIGCONT has come and gone */
			pft_ptrace_deliver(pid,
					   is_stop_signal(status) && r->continued ? 0 : status);
			break;
		case PFT_STOP_GROUP:
			pft_ptrace_listen(pid);
			break;
		default:
			break;
		}
	}
	/* targets that could not be seized are watched by their pid */
	for (size_t i = 0; i < r->nr_targets; i++)
		if (!r->targets[i].seized && !r->targets[i].gone &&
		    pft_proc_dead(r->targets[i].pid))
			r->targets[i].gone = true;
}

/* ^Z asked pftrace to stop: once the command has stopped (or a moment has passed, for one
 * that ignores it), as a job does. */
static void job_control(struct pft_record *r)
{
	char path[64], buf[256], *p;
	bool stopped = !r->o.argv || r->child_done;

	if (!r->stop_self)
		return;
	if (!stopped) {
		snprintf(path, sizeof(path), "/proc/%d/stat", r->child.pid);
		FILE *f = fopen(path, "re");

		if (f && fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')))
			stopped = p[2] == 't' || p[2] == 'T';
		if (f)
			fclose(f);
	}
	if (!stopped && since(&r->stop_asked) < 0.5)
		return;
	r->stop_self = false;
	if (r->o.on_stop_self)
		r->o.on_stop_self(r->o.data);
}

/* A process's cgroup, in a marker so that the report and the trace.dat hear it alike. */
static int mark_cgroup(struct pft_record *r, int pid, const char *path)
{
	char mark[4096 + 64];

	snprintf(mark, sizeof(mark), PFT_CGROUP_MARKER "%d %s", pid, path);
	return pft_live_mark(r->live, mark);
}

/* A process's cgroup as it is now, told; one that has ended is not (the report takes its
 * parent's). */
static int tell_cgroup(struct pft_record *r, int pid)
{
	char path[4096];

	return read_cgroup(r, pid, path, sizeof(path)) < 0 ? 0 : mark_cgroup(r, pid, path);
}

/* ---------------------------------------------------------------- --cgroup's moves */

/* A set of pids that remembers its order. */
struct pid_set {
	struct pft_hmap has;
	int *pids;
	size_t n, cap;
};

static int pid_set_add(struct pft_record *r, int pid, void *data)
{
	struct pid_set *set = data;
	uint32_t dummy;
	int k = pft_hmap_put(&set->has, (uint64_t)(uint32_t)pid, 0, 0, &dummy);

	(void)r;
	if (k <= 0)
		return k;
	if (pft_grow((void **)&set->pids, &set->cap, set->n + 1, sizeof(*set->pids)) < 0)
		return -1;
	set->pids[set->n++] = pid;
	return 0;
}

static bool pid_set_has(const struct pid_set *set, int pid)
{
	uint32_t dummy;

	return pft_hmap_get(&set->has, (uint64_t)(uint32_t)pid, 0, &dummy);
}

static void pid_set_release(struct pid_set *set)
{
	pft_hmap_release(&set->has);
	free(set->pids);
}

static void say_moved(struct pft_record *r, int pid, const char *what)
{
	char comm[64];

	pft_proc_comm(pid, strcpy(comm, "?"), sizeof(comm));
	notice(r, "--cgroup: process %d (%s) %s", pid, comm, what);
}

/* Moved out: its counters end now, then the kernel leaves its threads (and what they start)
 * out, so what it faults before that is both traced and counted. */
static int cgroup_left(struct pft_record *r, int pid)
{
	struct count *c;
	int *tids, ret;
	size_t n, i;

	if (process_tids(pid, &tids, &n) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		count_end(r, pid, tids[i]);
		if ((c = count_of(r, tids[i])))
			c->left = true;
	}
	ret = pft_live_exclude_pids(r->live, tids, n);
	free(tids);
	if (ret == 0 && n) {
		say_moved(r, pid, "moved out: not traced from now");
		ret = tell_cgroup(r, pid);
	}
	return ret;
}

/* Back in (or a child of one that left, moved in): the kernel takes its threads in again,
 * then each thread's counters start again where they stood, less what it did outside. */
static int cgroup_back(struct pft_record *r, int pid)
{
	uint64_t min, maj;
	char path[64];
	bool was_in = false;
	struct count *c;
	int *tids, ret;
	size_t n, i;

	if (process_tids(pid, &tids, &n) < 0)
		return -1;
	ret = pft_live_include_pids(r->live, tids, n);
	for (i = 0; ret == 0 && i < n; i++) {
		uint32_t k;

		snprintf(path, sizeof(path), "%d/task/%d", pid, tids[i]);
		if (!pft_hmap_get(&r->count_idx, (uint64_t)(uint32_t)tids[i], 0, &k) ||
		    !(c = &r->counts[k])->left || pft_proc_faults(path, &min, &maj) < 0)
			continue;
		c->min0 += min - c->min1;
		c->maj0 += maj - c->maj1;
		c->min1 = c->maj1 = 0;
		c->end = c->left = false;
		was_in = true;
	}
	free(tids);
	if (ret == 0)
		ret = note_threads(r, pid, true);
	if (ret == 0 && n) {
		snapshot_check(r, pid);
		say_moved(r, pid, was_in ? "moved back in: traced again from now"
					 : "joined: traced from now");
		ret = tell_cgroup(r, pid);
	}
	return ret;
}

/* A process that joined: traced from now, its maps read now. */
static int cgroup_joined(struct pft_record *r, int pid)
{
	int ret = note_threads(r, pid, true);

	if (ret == 0) {
		snapshot_check(r, pid);
		say_moved(r, pid, "joined: traced from now");
		ret = tell_cgroup(r, pid);
	}
	return ret;
}

/* The traced thread tid is of a process no longer in the cgroup (members: its processes now):
 * not one left out already, nor one ending (a zombie is no member). */
static bool moved_out(const struct pid_set *members, const struct pid_set *out, int tid,
		      int *pid)
{
	if (pid_set_has(out, tid) || (*pid = pft_proc_tgid(tid)) <= 0)
		return false;
	return !pid_set_has(members, *pid) && !pft_proc_dead(*pid) && !pft_proc_dead(tid);
}

/* Who moved since the last tick. Read in this order, so that a process a member starts
 * meanwhile (in the cgroup, and in the filter before it runs: event-fork) is neither: the
 * filter (who was traced), the cgroup's processes, the filter again, those left out. A cgroup
 * removed meanwhile moves no one. */
static int cgroup_moves(struct pft_record *r)
{
	struct pid_set before = {0}, members = {0}, after = {0}, out = {0}, gone = {0};
	int *pids = NULL, ret, pid;
	size_t n = 0, i;

	ret = each_filtered(r, pid_set_add, &before);
	if (ret == 0 && pft_cgroup_procs(r->o.cgroup, &pids, &n) < 0)
		ret = errno == ENOENT || errno == ENODEV ? 1 : -1;
	for (i = 0; ret == 0 && i < n; i++)
		ret = pid_set_add(r, pids[i], &members);
	if (ret == 0)
		ret = each_filtered(r, pid_set_add, &after);
	if (ret == 0)
		ret = each_listed(r, "set_event_notrace_pid", pid_set_add, &out);
	for (i = 0; ret == 0 && i < before.n; i++)
		if (moved_out(&members, &out, before.pids[i], &pid) && !pid_set_has(&gone, pid) &&
		    (ret = pid_set_add(r, pid, &gone)) == 0)
			ret = cgroup_left(r, pid);
	for (i = 0; ret == 0 && i < n; i++) {
		if (pft_proc_kthread(pids[i]))
			continue;
		if (pid_set_has(&out, pids[i]))
			ret = cgroup_back(r, pids[i]);
		else if (!pid_set_has(&after, pids[i]))
			ret = cgroup_joined(r, pids[i]);
	}
	free(pids);
	pid_set_release(&before);
	pid_set_release(&members);
	pid_set_release(&after);
	pid_set_release(&out);
	pid_set_release(&gone);
	return ret < 0 ? -1 : 0;
}

/* Each process the trace has come to know since the last tick, its cgroup told: those listed
 * at the start as they were then, the others as they are now. */
static int cgroup_notes(struct pft_record *r)
{
	const char *comm;
	uint32_t dummy;
	int tid, tgid;

	for (; r->cg_told0 < r->nr_tasks0; r->cg_told0++) {
		const struct task0 *t = &r->tasks0[r->cg_told0];

		if (t->cgroup && (pft_hmap_set(&r->cg_said, (uint64_t)(uint32_t)t->tid, 0, 0) < 0 ||
				  mark_cgroup(r, t->tid, t->cgroup) < 0))
			return -1;
	}
	for (; r->as && r->cg_told < pft_aspace_task_count(r->as); r->cg_told++) {
		pft_aspace_task_at(r->as, r->cg_told, &tid, &tgid, &comm);
		if (pft_hmap_get(&r->cg_said, (uint64_t)(uint32_t)tid, 0, &dummy) ||
		    (tgid > 0 ? tgid != tid : pft_proc_tgid(tid) != tid))
			continue; /* told, or a thread: its process's */
		if (tell_cgroup(r, tid) < 0)
			return -1;
	}
	return 0;
}

/* --pidns: each process of the trace in that PID namespace, told once with its pid there in a
 * marker, so that the report and the trace.dat hear it alike. Threads are not told. */
static int nspid_note(struct pft_record *r, int pid, void *data)
{
	char mark[64];
	uint32_t dummy;
	int nspid, k;

	(void)data;
	if (pft_proc_tgid(pid) != pid)
		return 0;
	if ((k = pft_hmap_put(&r->nsnoted, (uint64_t)(uint32_t)pid, 0, 0, &dummy)) <= 0)
		return k;
	if (pft_proc_same_pidns(pid, r->o.pidns) != 1 || pft_proc_nspid(pid, &nspid) < 0)
		return 0;
	snprintf(mark, sizeof(mark), PFT_NSPID_MARKER "%d %d", pid, nspid);
	return pft_live_mark(r->live, mark);
}

static int step(struct pft_record *r)
{
	struct pollfd pfd[MAX_FDS];
	int fds[MAX_FDS], n = pft_live_fds(r->live, fds, MAX_FDS - 2), i, timeout = TICK_MS;

	for (i = 0; i < n; i++)
		pfd[i] = (struct pollfd){.fd = fds[i], .events = POLLIN};
	if (r->o.wake_fd >= 0 && r->o.on_wake)
		pfd[n++] = (struct pollfd){.fd = r->o.wake_fd, .events = POLLIN};
	if (r->ts)
		pfd[n++] = (struct pollfd){.fd = pft_taskstats_fd(r->ts), .events = POLLIN};
	if (r->o.duration > 0) {
		double left = r->o.duration - since(&r->start);

		timeout = left <= 0 ? 0 : left * 1000 < TICK_MS ? (int)(left * 1000) + 1 : TICK_MS;
	}
	if (r->stop_self)
		timeout = 20;
	if (!r->stopping && poll(pfd, n, timeout) < 0 && errno != EINTR)
		return -1;
	if (r->o.wake_fd >= 0 && r->o.on_wake)
		r->o.on_wake(r->o.data);
	tracees(r);
	if (r->o.cgroup && r->as && !r->stopping && cgroup_moves(r) < 0)
		return -1;
	if (r->o.pidns > 0 && each_filtered(r, nspid_note, NULL) < 0)
		return -1;
	if (cgroup_notes(r) < 0)
		return -1;
	/* a stop signal that waited while pftrace was stopped is spent now */
	r->continued = false;
	job_control(r);
	if (r->ts && pft_taskstats_read(r->ts, count_exit, r) < 0)
		return -1;
	if (pft_live_read(r->live) < 0)
		return -1;
	if (r->o.on_tick)
		r->o.on_tick(r->o.data);
	if (r->stopping || all_gone(r) ||
	    (r->o.duration > 0 && since(&r->start) >= r->o.duration)) {
		/* what the kernel counted, then the last events: nothing counted is untraced */
		count_alive(r);
		if (pft_live_stop(r->live) < 0)
			return -1;
		r->draining = true;
	}
	return 0;
}

static bool own_marker(struct pft_record *r, const struct pft_event *ev)
{
	unsigned int id;
	int pid;

	if (ev->type != PFT_EV_MARKER || !ev->text ||
	    strncmp(ev->text, PFT_MARKER_PREFIX, strlen(PFT_MARKER_PREFIX)))
		return false;
	/* a snapshot's marker dates it in the trace's clock */
	if (r->as && sscanf(ev->text, PFT_SNAP_MARKER "%u %d", &id, &pid) == 2)
		pft_aspace_date_snapshot(r->as, pid, id, ev->ts);
	return true;
}

/* Build IDs as code is first mapped (executable: only code is named; a data file is not read,
 * so the recording never brings back into the cache a page the program paged out), kernel
 * addresses as they are seen: what a trace.dat needs to name the code elsewhere. */
static int note_code(struct pft_record *r, const struct pft_event *ev)
{
	size_t i;

	if (ev->type == PFT_EV_MMAP)
		return ev->args[5] & PROT_EXEC ? pft_buildids_note(r->ids, ev->text, ev->args[4]) : 0;
	/* not a marker's ip: naming it would read all of /proc/kallsyms (~150 ms) on every run
	 * for trace-cmd's display of pftrace's own markers */
	if (ev->type == PFT_EV_FAULT_KERNEL && pft_buildids_note_kaddr(r->ids, ev->ip) < 0)
		return -1;
	for (i = 0; ev->kstack.ips && i < ev->kstack.nr; i++)
		if (pft_buildids_note_kaddr(r->ids, ev->kstack.ips[i]) < 0)
			return -1;
	return 0;
}

static int rec_next(struct pft_source *src, struct pft_event *ev)
{
	struct pft_record *r = src->priv;
	int k;

	if (!r->started)
		return 0;
	/* the tasks known at the start come first */
	if (r->next_task0 < r->nr_tasks0) {
		const struct task0 *t = &r->tasks0[r->next_task0++];

		*ev = (struct pft_event){.type = PFT_EV_COMM,
					 .ts = 0,
					 .cpu = -1,
					 .tid = t->tid,
					 .tgid = t->tgid,
					 .text = t->comm,
					 .name = "comm"};
		return 1;
	}
	for (;;) {
		k = pft_live_pop(r->live, ev, r->draining);
		if (k < 0)
			return -1;
		if (k > 0) {
			if (note_code(r, ev) < 0 || follow_owner(r, ev) < 0)
				return -1;
			/* none is the source's event; the report hears those it keeps */
			if (own_marker(r, ev)) {
				if (strncmp(ev->text, PFT_NSPID_MARKER, strlen(PFT_NSPID_MARKER)) &&
				    strncmp(ev->text, PFT_CGROUP_MARKER, strlen(PFT_CGROUP_MARKER)))
					continue;
				return 1;
			}
			src->st.events++;
			if (ev->type != PFT_EV_FAULT_USER && ev->type != PFT_EV_FAULT_KERNEL)
				src->st.other_events++;
			return 1;
		}
		if (r->draining)
			return 0;
		if (step(r) < 0)
			return -1;
	}
}

static int note_files(struct pft_record *r, const struct pft_maps *m)
{
	size_t i;

	for (i = 0; i < pft_maps_count(m); i++) {
		const struct pft_vma *v = pft_maps_at(m, i);

		if (v->perms[2] == 'x' && pft_buildids_note(r->ids, v->path, v->inode) < 0)
			return -1;
	}
	return 0;
}

/* The JIT maps pftrace reads: at most this, as perf takes them (see jit_refresh). */
#define MAX_JIT_MAP (64u << 20)

/* /tmp/perf-PID.map, the map pid's JIT writes, read again when it has grown: a regular file
 * owned by root or by pid's owner (its faults are read a moment later: the owner noted while
 * it ran, if it has ended), not through a link, 64 MiB at most. */
static int jit_refresh(void *data, struct pft_syms *s, int pid)
{
	struct pft_record *r = data;
	char path[64], *buf = NULL;
	uint32_t seen, owner;
	struct stat st;
	size_t n = 0;
	ssize_t k;
	int fd, ret = 0;

	if (note_owner(r, pid) < 0)
		return -1;
	snprintf(path, sizeof(path), "/tmp/perf-%d.map", pid);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || !st.st_size ||
	    st.st_size > MAX_JIT_MAP ||
	    (st.st_uid != 0 && (!pft_hmap_get(&r->owner, (uint64_t)(uint32_t)pid, 0, &owner) ||
				st.st_uid != owner)) ||
	    (pft_hmap_get(&r->jit_size, (uint64_t)(uint32_t)pid, 0, &seen) &&
	     seen == (uint32_t)st.st_size) ||
	    !(buf = malloc((size_t)st.st_size)))
		goto out;
	while (n < (size_t)st.st_size &&
	       (k = pread(fd, buf + n, (size_t)st.st_size - n, (off_t)n)) > 0)
		n += (size_t)k;
	/* a line being written is cut off: the next read has it whole */
	while (n && buf[n - 1] != '\n')
		n--;
	if (pft_hmap_set(&r->jit_size, (uint64_t)(uint32_t)pid, 0, (uint32_t)st.st_size) < 0 ||
	    pft_syms_jitmap(s, pid, buf, n) < 0)
		goto out;
	ret = 1;
out:
	free(buf);
	close(fd);
	return ret;
}

static int rec_prepare(struct pft_source *src, struct pft_aspace *as, struct pft_syms *syms)
{
	struct pft_record *r = src->priv;
	static const struct pft_resolver none = {0};
	struct pft_resolver live = {resolve_tgid, resolve_snapshot, true, r};
	size_t i;

	r->as = as;
	/* with the kernel's records, nothing is looked up in /proc while events are joined: the
	 * trace.dat then holds all the join used, and a replay gives the same answer */
	if (r->o.history)
		pft_aspace_set_exact(as);
	else
		pft_aspace_set_lazy(as);
	if (r->no_tracefs)
		pft_aspace_set_unmaps_unseen(as);
	pft_aspace_set_resolver(as, r->o.history ? &none : &live);
	if (syms) {
		pft_syms_kallsyms(syms, NULL); /* this machine's kernel */
		pft_syms_set_jit_source(syms, jit_refresh, r);
		r->syms = syms;
	}
	for (i = 0; i < r->nr_snaps0; i++) {
		int id;

		if (note_files(r, r->snaps0[i].maps) < 0)
			return -1;
		id = pft_aspace_add_snapshot(as, r->snaps0[i].pid, PFT_NO_TS, r->snaps0[i].maps,
					     r->snaps0[i].exe);

		r->snaps0[i].maps = NULL; /* as owns it now, even on failure */
		if (id < 0)
			return -1;
	}
	return 0;
}

static int rec_counters(struct pft_source *src, pft_counters_cb cb, void *data)
{
	struct pft_record *r = src->priv;
	struct pft_proc_counters *c;
	size_t n, i;
	int ret;

	if (proc_counters(r, &c, &n) < 0)
		return -1;
	for (i = 0, ret = 0; i < n && ret >= 0; i++)
		ret = cb(data, c[i].pid, c[i].min_flt, c[i].maj_flt);
	free(c);
	return ret < 0 ? -1 : (int)n;
}

const struct pft_source_stats *pft_record_stats(struct pft_record *r)
{
	struct pft_live_stats st;
	struct pft_source_stats *s = &r->src->st;

	s->user_only = r->live && r->perf_faults && pft_live_user_only(r->live);
	if (r->live && pft_live_stats(r->live, &st) == 0) {
		s->lost_events = (int64_t)st.lost;
		s->lost_completions = st.lost_completions;
		s->lost_sideband = st.lost_sideband;
		s->bad_pages = st.bad_pages;
		s->told_twice = st.told_twice;
	}
	return s;
}

struct pft_source *pft_record_source(struct pft_record *r)
{
	if (r->src)
		return r->src;
	r->src = pft_source_alloc("live");
	if (!r->src)
		return NULL;
	r->src->priv = r;
	r->src->next = rec_next;
	r->src->prepare = rec_prepare;
	r->src->counters = rec_counters;
	r->src->st.format = "live";
	r->src->st.machine = uname(&r->uts) == 0 ? r->uts.machine : NULL;
	r->src->st.cpus = (int)sysconf(_SC_NPROCESSORS_CONF);
	r->src->st.lost_events = 0;
	r->src->st.completions = r->o.completions;
	r->src->st.why = r->o.why;
	r->src->st.why_full = r->o.why >= PFT_WHY_FULL;
	r->src->st.major_only = r->o.completions && !r->o.latency && !r->o.stacks;
	r->src->st.sideband = r->o.history;
	r->src->st.perf_faults = r->perf_faults;
	r->src->st.signals = r->o.history && !r->no_tracefs &&
			     tracefs_file_exists(NULL, "events/signal/signal_deliver/enable");
	return r->src;
}

static int note_snapshot(void *data, int pid, uint64_t ts, const struct pft_maps *maps,
			 const char *exe)
{
	(void)pid, (void)ts, (void)exe;
	return note_files(data, maps);
}

/* "PID LEN\n" and the text: a JIT map used, for the trace.dat. */
static int put_jitmap(void *data, int pid, const char *text, size_t len)
{
	FILE *mem = data;

	return fprintf(mem, "%d %zu\n", pid, len) < 0 || fwrite(text, 1, len, mem) != len ? -1 : 0;
}

int pft_record_write(struct pft_record *r, const char *path, uint64_t *cut)
{
	struct pft_dat_input in = {
	    .path = path,
	    .live = r->live,
	    .kernel = r->o.kernel,
	    .perf_faults = r->perf_faults,
	    .history = r->o.history,
	    .completions = r->o.completions,
	    .major_only = r->o.completions && !r->o.latency && !r->o.stacks,
	    .why = r->o.why,
	    .as = r->as,
	    .cgroup = r->src ? r->src->st.cgroup : NULL,
	    .cg_pgfault = r->src ? r->src->st.cg_pgfault : 0,
	    .cg_pgmajfault = r->src ? r->src->st.cg_pgmajfault : 0,
	};
	struct pft_proc_counters *c = NULL;
	char *jit = NULL;
	size_t n = 0;
	FILE *mem;
	int ret;

	if (!r->as) {
		errno = EINVAL;
		return -1;
	}
	/* snapshots taken while joining (without the kernel's records) */
	if (pft_aspace_foreach_snapshot(r->as, note_snapshot, r) < 0 ||
	    !(in.build_ids = pft_buildids_text(r->ids)))
		return -1;
	in.kaddrs = pft_buildids_kaddrs(r->ids, &in.nr_kaddrs);
	if (proc_counters(r, &c, &n) < 0)
		return -1;
	in.counters = c;
	in.nr_counters = n;
	mem = open_memstream(&jit, &in.jitmaps_len);
	ret = mem && r->syms ? pft_syms_foreach_jitmap(r->syms, put_jitmap, mem) : 0;
	if (!mem || fclose(mem) != 0 || ret < 0) {
		free(c);
		free(jit);
		return -1;
	}
	in.jitmaps = jit;
	ret = pft_dat_write(&in, cut);
	free(c);
	free(jit);
	return ret;
}

void pft_record_free(struct pft_record *r)
{
	size_t i;

	if (!r)
		return;
	/* before anything else: the machine's tracing state. A command or target still running
	 * runs on: pftrace's exit detaches it. */
	pft_live_close(r->live);
	pft_taskstats_close(r->ts);
	free(r->cg_pids);
	for (i = 0; i < r->nr_snaps0; i++) {
		pft_maps_free(r->snaps0[i].maps);
		free(r->snaps0[i].exe);
	}
	free(r->snaps0);
	for (i = 0; i < r->nr_tasks0; i++)
		free(r->tasks0[i].cgroup);
	free(r->tasks0);
	free(r->counts);
	pft_hmap_release(&r->count_idx);
	pft_hmap_release(&r->noted);
	pft_hmap_release(&r->nsnoted);
	pft_hmap_release(&r->cg_said);
	pft_hmap_release(&r->jit_size);
	pft_hmap_release(&r->owner);
	free(r->targets);
	free(r->kin);
	free(r->kin_in);
	pft_buildids_free(r->ids);
	if (r->src) {
		r->src->priv = NULL;
		r->src->close = NULL;
		pft_source_close(r->src);
	}
	free(r);
}
