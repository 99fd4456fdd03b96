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
/* Every marker pftrace writes starts so: bookkeeping, not events of the traced program. */
#define PFT_MARKER_PREFIX "pftrace-"

struct pft_live;
struct tracefs_instance;
struct tep_handle;

/* {system, event} pairs, NULL-terminated: what record enables to follow address spaces. */
extern const char *const pft_history_events[][2];

struct pft_live_opts {
	bool kernel;		/* also page_fault_kernel */
	bool history;		/* also exec, tasks and the mmap-family syscalls */
	bool completions;	/* also perf's fault completions (major/minor) and MMAP2 */
	unsigned int buffer_kb; /* per-CPU ring buffer; 0 = the kernel's default */
	const char *spool_dir;	/* keep raw pages (for a trace.dat) in unnamed files here */
};

struct pft_live_stats {
	uint64_t events;       /* records read */
	uint64_t lost;	       /* the kernel's count: overrun + dropped events, all CPUs */
	uint64_t lost_completions; /* perf records dropped: faults without a verdict */
	uint64_t missed_pages; /* pages that arrived with the "events missed" flag */
};

/* Checks that tracefs is mounted (mounting it when allowed) and has the page-fault tracepoint.
 * 0 and *dir; -1 with errno (EACCES/EPERM: no permission, ENOENT: no tracepoint). */
int pft_live_tracefs(const char **dir);
/* Removes pftrace-<pid> instances whose pid no longer runs pftrace (left by a killed run),
 * calling removed (may be NULL) with each name. Returns how many. */
int pft_live_remove_stale(void (*removed)(void *data, const char *name), void *data);
/* Creates instance pftrace-<our pid> with tracing off and the events enabled. Caller closes. */
struct pft_live *pft_live_open(const struct pft_live_opts *o);
/* Adds threads to set_event_pid (and their perf events), in one write; ones added before are
 * skipped. */
int pft_live_add_pids(struct pft_live *l, const int *tids, size_t n);
int pft_live_add_pid(struct pft_live *l, int tid);
/* Starts recording; only after at least one pft_live_add_pid (an empty filter traces all). */
int pft_live_arm(struct pft_live *l);
/* Writes text into the instance's trace_marker: it is recorded with the buffer's timestamp. */
int pft_live_mark(struct pft_live *l, const char *text);

/* Called for every event read; a negative return stops the read with -1. The event lives until
 * the callback returns. ev->comm is NULL: the callback knows the tasks. */
typedef int (*pft_live_cb)(void *data, const struct pft_event *ev);
void pft_live_set_callback(struct pft_live *l, pft_live_cb cb, void *data);
/* Reads what the buffers hold now, without blocking, and passes the events on in time order
 * (across CPUs); events newer than what every CPU has shown wait for the next read. */
int pft_live_read(struct pft_live *l);
/* Stops recording and passes on the rest, partial pages included. */
int pft_live_stop(struct pft_live *l);
/* The per-CPU descriptors to poll() for input. Returns how many were stored. */
int pft_live_fds(const struct pft_live *l, int *fds, int max);
int pft_live_stats(struct pft_live *l, struct pft_live_stats *st);

/* How many history events this kernel lacks (each one is a hole in the history). */
int pft_live_history_missing(const struct pft_live *l);

/* For the trace.dat writer: perf's events in time order (or NULL), and their byte count. */
FILE *pft_live_perf_spool(const struct pft_live *l);
/* perf records the kernel dropped (rings full). */
uint64_t pft_live_perf_lost(const struct pft_live *l);

/* For the trace.dat writer. */
int pft_live_cpus(const struct pft_live *l);
int pft_live_page_size(const struct pft_live *l);
/* The spool of a CPU (or -1), and how many bytes it holds. */
int pft_live_spool_fd(const struct pft_live *l, int cpu, uint64_t *size);
struct tracefs_instance *pft_live_instance(const struct pft_live *l);
struct tep_handle *pft_live_tep(const struct pft_live *l);

/* Stops, disables every event of the instance and removes it. Accepts NULL. */
void pft_live_close(struct pft_live *l);

#endif
