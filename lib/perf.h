/* SPDX-License-Identifier: MIT */
/* perf software events: fault completions (major/minor) and new mappings (MMAP2). */
#ifndef PFTRACE_PERF_H
#define PFTRACE_PERF_H

#include <stdio.h>
#include "pftrace.h"

struct pft_perf;

/* Called with PFT_EV_COMPLETION and PFT_EV_MMAP events, in each CPU's time order. */
typedef int (*pft_perf_cb)(void *data, const struct pft_event *ev);

/* maps: also MMAP2 (the files of new mappings), for following address spaces. */
struct pft_perf *pft_perf_new(bool maps);
/* Starts the events of a task (and of what it starts later) on every CPU. Adding a task twice
 * is harmless. -1 with errno. */
int pft_perf_add_task(struct pft_perf *p, int tid);
/* Passes on what the ring of cpu holds now. */
int pft_perf_read(struct pft_perf *p, int cpu, pft_perf_cb cb, void *data);
int pft_perf_cpus(const struct pft_perf *p);
/* Records the kernel dropped because a ring was full. */
uint64_t pft_perf_lost(const struct pft_perf *p);
void pft_perf_free(struct pft_perf *p);

/* A compact, self-contained form of those events, for trace.dat: -1 on a write error. */
int pft_perf_encode(const struct pft_event *ev, FILE *out);
/* Decodes one record at buf (len bytes left): its size, 0 at a clean end, -1 if truncated or
 * malformed. *ev's text points into name (size bytes). */
long pft_perf_decode(const void *buf, size_t len, struct pft_event *ev, char *name, size_t size);

#endif
