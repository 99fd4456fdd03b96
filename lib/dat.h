/* SPDX-License-Identifier: MIT */
/* trace.dat: what pftrace writes and reads besides the events (trace-cmd's option ids). */
#ifndef PFTRACE_DAT_H
#define PFTRACE_DAT_H

#include "pftrace.h"

#define PFT_DAT_OPT_DONE       0
#define PFT_DAT_OPT_CPUSTAT    2
#define PFT_DAT_OPT_BUFFER     3
#define PFT_DAT_OPT_TRACECLOCK 4
#define PFT_DAT_OPT_UNAME      5
#define PFT_DAT_OPT_CPUCOUNT   8
#define PFT_DAT_OPT_PROCMAPS   10
/* v7: the kallsyms section's offset (pftrace passes its text on under this id, v6's too) */
#define PFT_DAT_OPT_KALLSYMS 19
/* pftrace's own option: every maps snapshot in full ("PF"; trace-cmd skips unknown ids). */
#define PFT_DAT_OPT_PFTRACE_MAPS 0x5046
#define PFT_DAT_MAPS_MAGIC	 "pftrace-maps 1"
/* pftrace's own option: perf's fault completions and MMAP2, in time order (pft_perf_encode). */
#define PFT_DAT_OPT_PFTRACE_PERF 0x5047

struct pft_live;

/* pftrace's own option: "pid min_flt maj_flt" lines, the kernel's counters of each process over
 * the recording (older files: one "min_flt maj_flt" for all). */
#define PFT_DAT_OPT_PFTRACE_COUNTERS 0x5048
/* pftrace's own option: what the recording holds, "key value" lines (sideband 1: the kernel's
 * mapping records, so the maps are exact). */
#define PFT_DAT_OPT_PFTRACE_INFO 0x5049

/* pftrace's own option: "hexid path" lines, the GNU build ID of each file mapped (read when it
 * was first mapped): offline, a file is used to name code only if its build ID is this. */
#define PFT_DAT_OPT_PFTRACE_BUILD_IDS 0x504a

/* The kernel's counters of one process over the recording. */
struct pft_proc_counters {
	int pid;
	uint64_t min_flt, maj_flt;
};

struct pft_dat_input {
	const char *path; /* the final name */
	struct pft_live *live;
	bool kernel;
	bool history;	       /* the history events and side-band records were recorded */
	bool completions;      /* and the completions */
	bool major_only;       /* of major faults only */
	struct pft_aspace *as; /* the snapshots, and the tasks for the cmdlines section */
	const struct pft_proc_counters *counters;
	size_t nr_counters;
	const char *build_ids; /* the text of that option, or NULL */
	/* the kernel addresses seen (faults' ips, kernel stacks): kallsyms keeps only their
	 * symbols */
	const uint64_t *kaddrs;
	size_t nr_kaddrs;
};

/* Writes the recording as a v6 trace.dat: under a temporary name in the same directory, renamed
 * to in->path once complete. -1 with errno; the temporary is removed. */
int pft_dat_write(const struct pft_dat_input *in);

#endif
