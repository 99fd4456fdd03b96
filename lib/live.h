/* SPDX-License-Identifier: MIT */
/*
 * Live tracing: pftrace's own tracefs instance and its ring buffers. Everything that touches the
 * machine's tracing state is here. Same conventions as pftrace.h: -1/NULL with errno, no
 * printing, no exit.
 */
#ifndef PFTRACE_LIVE_H
#define PFTRACE_LIVE_H

#include "pftrace.h"

#define PFT_INSTANCE_PREFIX "pftrace-"
/* What pftrace writes into trace_marker when it reads maps: "pftrace-snap <id> <pid>". The
 * marker's timestamp dates the snapshot in the trace's own clock. */
#define PFT_SNAP_MARKER "pftrace-snap "
/* Written before each read of the buffers: what is older has been read (see pft_live_read). */
#define PFT_TICK_MARKER "pftrace-tick"
/* --pidns: "pftrace-nspid <pid> <its pid in the namespace>", once for each process. */
#define PFT_NSPID_MARKER "pftrace-nspid "
/* "pftrace-cgroup <pid> <its cgroup's path>", once for each process record sees. */
#define PFT_CGROUP_MARKER "pftrace-cgroup "
/* Every marker pftrace writes starts so: bookkeeping, not events of the traced program. */
#define PFT_MARKER_PREFIX "pftrace-"

struct pft_live;
struct tracefs_instance;
struct tep_handle;

/* {system, event} pairs, NULL-terminated: what record enables to follow address spaces. */
extern const char *const pft_history_events[][2];

struct pft_live_opts {
	bool kernel;		/* also page_fault_kernel */
	bool perf_faults;	/* the faults from perf's event, not the tracepoints */
	/* no tracefs (unprivileged): perf's events alone, with the process tree from its FORK
	 * and EXIT records; needs perf_faults; no spool_dir, no why (EOPNOTSUPP) */
	bool no_tracefs;
	bool history;		/* also exec, tasks, perf's MMAP2 and COMM, mmap-family syscalls */
	bool completions;	/* also perf's fault completions: of major faults */
	bool all_completions;	/* of every fault */
	int why;		/* also pft_why_events: why a fault took its time (PFT_WHY_FULL:
				 * with those of every fault) */
	unsigned int stacks;	/* PFT_STACKS_*: call stacks on the completions */
	unsigned int buffer_kb; /* per-CPU ring buffer; 0 = the kernel's default */
	unsigned int perf_kb;	/* per-CPU ring of perf's completions; 0 = pft_perf_default_kb */
	const char *spool_dir;	/* keep raw pages (for a trace.dat) in unnamed files here */
};

struct pft_live_stats {
	uint64_t events;	   /* records read */
	uint64_t lost;		   /* the kernel's count: overrun + dropped events, all CPUs */
	uint64_t lost_completions; /* perf records dropped: faults without a verdict */
	uint64_t lost_sideband;	   /* perf MMAP2/COMM records dropped: holes in the history */
	uint64_t missed_pages;	   /* pages that arrived with the "events missed" flag */
	uint64_t bad_pages; /* pages whose records did not walk cleanly: their events are lost */
	uint64_t told_twice; /* perf's records of a task with two sets of events, dropped */
};

/* Checks that tracefs is mounted (mounting it when allowed) and has the page-fault tracepoint.
 * 0 and *dir; -1 with errno (EACCES/EPERM: no permission, ENOENT: no tracepoint). */
int pft_live_tracefs(const char **dir);
/* Removes pftrace-<pid> instances whose pid no longer runs pftrace (left by a killed run),
 * retrying for a second while the killed run is taken down. Calls cb (may be NULL) with each
 * name and 0, or the errno that kept it. Returns how many were removed. */
int pft_live_remove_stale(void (*cb)(void *data, const char *name, int err), void *data);
/* Creates instance pftrace-<our pid> with tracing off and the events enabled. Caller closes. */
struct pft_live *pft_live_open(const struct pft_live_opts *o);
/* Adds running threads to set_event_pid (and their perf events), in one write; ones added
 * before are skipped. */
int pft_live_add_pids(struct pft_live *l, const int *tids, size_t n);
/* The same for one task that is stopped (it forks nothing until it runs): set-up that takes
 * long can go on meanwhile. */
int pft_live_add_pid(struct pft_live *l, int tid);
/* The whole machine instead of a pid filter: every task but own (pftrace's threads, n of
 * them, and what they start); pft_live_add_pid(s) do nothing after it. -1 with errno. */
int pft_live_all(struct pft_live *l, const int *own, size_t n);
/* Leaves running threads out from now (set_event_notrace_pid: what they start is left out
 * too), in one write. -1 with errno. */
int pft_live_exclude_pids(struct pft_live *l, const int *tids, size_t n);
/* The pids of one of the instance's pid lists (set_event_pid, set_event_notrace_pid) now:
 * *pids (the caller frees it), *n; empty or unreadable, none. -1 with errno (ENOMEM). */
int pft_live_pids(struct pft_live *l, const char *file, int **pids, size_t *n);
/* Takes threads left out back in: the kernel's list without them, written in its place (what
 * it had added meanwhile, the children of those left out, stays out). -1 with errno. */
int pft_live_include_pids(struct pft_live *l, const int *tids, size_t n);
/* Starts recording; only after at least one pft_live_add_pid (an empty filter traces all) or
 * pft_live_all. */
int pft_live_arm(struct pft_live *l);
/* Writes text into the instance's trace_marker: it is recorded with the buffer's timestamp. */
int pft_live_mark(struct pft_live *l, const char *text);

/* Reads what the buffers hold now, without blocking: events wait in pft_live_pop's queues. */
int pft_live_read(struct pft_live *l);
/* The next event in time order across the buffers: 1, or 0 if none can be told to be next yet
 * (newer than what every buffer has shown; all: take everything, after pft_live_stop). The
 * event's strings live until the next call. It also goes into the trace.dat spool. */
int pft_live_pop(struct pft_live *l, struct pft_event *ev, bool all);
/* An event of pftrace's own (a task known at the start) into the trace.dat spool. */
int pft_live_spool_event(struct pft_live *l, const struct pft_event *ev);
/* Stops recording and reads the rest, partial pages included. */
int pft_live_stop(struct pft_live *l);
/* The descriptors to poll() for input (ring buffers, perf rings). Returns how many were stored. */
int pft_live_fds(const struct pft_live *l, int *fds, int max);
int pft_live_stats(struct pft_live *l, struct pft_live_stats *st);

/* perf allowed user mode only (an unprivileged user): kernel-mode faults are not seen. */
bool pft_live_user_only(const struct pft_live *l);
/* How many history events this kernel lacks (each one is a hole in the history). */
int pft_live_history_missing(const struct pft_live *l);
/* How many of pft_why_events this kernel does not have (their parts are not told), and *names
 * which ("sys:name, ...": lives as long as l). */
int pft_live_why_missing(const struct pft_live *l, const char **names);

/* For the trace.dat writer: perf's events in time order (or NULL), and their byte count. */
FILE *pft_live_perf_spool(const struct pft_live *l);

/* For the trace.dat writer. */
int pft_live_cpus(const struct pft_live *l);
int pft_live_page_size(const struct pft_live *l);
/* The earliest moment the spools did not keep (the file-size limit), 0 if none: a trace.dat
 * stops before it. */
uint64_t pft_live_spool_cut(const struct pft_live *l);
/* The spool of a CPU (or -1), and how many bytes it holds. */
int pft_live_spool_fd(const struct pft_live *l, int cpu, uint64_t *size);
struct tracefs_instance *pft_live_instance(const struct pft_live *l);

/* Stops, disables every event of the instance and removes it. Accepts NULL. */
void pft_live_close(struct pft_live *l);

#endif
