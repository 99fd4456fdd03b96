/* SPDX-License-Identifier: MIT */
/* perf software events: fault completions (major/minor), and the side-band records of how
 * address spaces change (MMAP2) and what tasks are called (COMM, exec). */
#ifndef PFTRACE_PERF_H
#define PFTRACE_PERF_H

#include <stdio.h>
#include "pftrace.h"

struct pft_perf;

/* Called with PFT_EV_COMPLETION, PFT_EV_MMAP and PFT_EV_COMM events (and PFT_EV_FAULT_* of
 * faults, without error_code), in each ring's time order. */
typedef int (*pft_perf_cb)(void *data, const struct pft_event *ev);

/* Which faults get a completion sample. */
enum pft_perf_completions {
	PFT_PERF_NONE,
	PFT_PERF_MAJOR, /* major ones: a fault without one is minor (or failed) */
	PFT_PERF_ALL,	/* every one: the latency of minor faults too */
};
struct pft_perf_opts {
	bool faults;   /* the faults themselves (PAGE_FAULTS, in the completions' ring) */
	bool sideband; /* MMAP2 and COMM records */
	bool tasks;    /* FORK and EXIT records (PFT_EV_NEWTASK, PFT_EV_EXIT): the process tree
			* where no tracepoint tells it */
	bool switches; /* SWITCH records of a traced task's return to a CPU (PFT_EV_SWITCH, tid
			* -1: the task before it unknown) */
	enum pft_perf_completions completions; /* a sample at the end of faults */
	unsigned int stacks;  /* PFT_STACKS_* on the completions (which need every fault's) */
	unsigned int sample_kb; /* the samples' ring per CPU (rounded up to a power of two
				 * pages; 0: pft_perf_default_kb) */
	bool monotonic; /* times in CLOCK_MONOTONIC (no tracefs clock to share: the reader
			 * dates its own marks by clock_gettime), not local_clock() */
};
/* opts is copied. NULL with errno. */
struct pft_perf *pft_perf_new(const struct pft_perf_opts *opts);
/* The kernel refused events that count kernel mode (perf_event_paranoid, no CAP_PERFMON): the
 * faults the kernel takes on user memory (copy_to_user) are not seen, nor their completions. */
bool pft_perf_user_only(const struct pft_perf *p);
/* Records dropped as a second telling: of a task made while its creator's events were being
 * opened, which has those it inherited and those opened on it (see told_twice in perf.c). */
uint64_t pft_perf_duplicates(const struct pft_perf *p);
/* The completions' ring per CPU, in KiB, that pft_perf_new takes for these stacks. */
unsigned int pft_perf_default_kb(unsigned int stacks);
/* Starts the events of a task (and of what it starts later) on every CPU; tid -1: of every
 * task of the machine. Adding a task twice is harmless. -1 with errno. */
int pft_perf_add_task(struct pft_perf *p, int tid);
/* Each CPU has PFT_PERF_RINGS rings, each in its own time order (side-band, samples). */
#define PFT_PERF_RINGS 2
/* Passes on what one ring of cpu holds now. */
int pft_perf_read(struct pft_perf *p, int cpu, int ring, pft_perf_cb cb, void *data);
/* The rings' descriptors, to poll (readable when half full). Returns how many were stored. */
int pft_perf_fds(const struct pft_perf *p, int *fds, int max);
/* Records the kernel dropped because a ring was full: side-band ones (a hole in the history)
 * and completions (faults without a verdict), those it has not told in a LOST record yet too
 * (Linux 6.0's PERF_FORMAT_LOST; before, the records' count). -1 with errno if an event
 * could not be read. */
int pft_perf_lost(const struct pft_perf *p, uint64_t *sideband, uint64_t *completions);
void pft_perf_free(struct pft_perf *p);

/* A compact, self-contained form of those events, for trace.dat: -1 on a write error. */
int pft_perf_encode(const struct pft_event *ev, FILE *out);
/* At least the size pft_perf_encode writes for ev: to hold a spool to a limit before writing. */
size_t pft_perf_encoded_max(const struct pft_event *ev);
/* Decodes one record at buf (len bytes left): its size, 0 at a clean end, -1 if truncated or
 * malformed. *ev points into buf and into name (size bytes), ips (PFT_MAX_FRAMES each for the
 * kernel and the user stack) and dump. */
long pft_perf_decode(const void *buf, size_t len, struct pft_event *ev, char *name, size_t size,
		     uint64_t (*ips)[PFT_MAX_FRAMES], struct pft_stack_dump *dump);

#endif
