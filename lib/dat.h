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
#define PFT_DAT_OPT_DATE       1
#define PFT_DAT_OPT_OFFSET     7
#define PFT_DAT_OPT_TSC2NSEC   14
/* v7: where a section is */
#define PFT_DAT_OPT_HEADER_INFO	  16
#define PFT_DAT_OPT_FTRACE_EVENTS 17
#define PFT_DAT_OPT_EVENT_FORMATS 18
/* v7: the kallsyms section's offset (the walker passes its text on under this id, v6's too) */
#define PFT_DAT_OPT_KALLSYMS	19
#define PFT_DAT_OPT_CMDLINES	21
#define PFT_DAT_OPT_BUFFER_TEXT 22
/* pftrace's own option: every maps snapshot in full ("PF"; trace-cmd skips unknown ids). */
#define PFT_DAT_OPT_PFTRACE_MAPS 0x5046
#define PFT_DAT_MAPS_MAGIC	 "pftrace-maps 1"
/* pftrace's own option: perf's fault completions and MMAP2, in time order (pft_perf_encode). */
#define PFT_DAT_OPT_PFTRACE_PERF 0x5047

struct pft_live;

/* ---------------------------------------------------------------- reading: the layout */

enum pft_dat_comp {
	PFT_DAT_NONE,
	PFT_DAT_ZSTD
};

/* What a trace.dat holds, handed over in file order by pft_dat_walk (datwalk.c). Pointers are
 * the walker's, valid during the call; text is NUL-terminated. */
struct pft_dat_walk {
	void *data;
	/* An option (v7: not those that point to sections, the walker reads those). pftrace's
	 * perf option of a v6 file (too big to load): buf NULL, its place in the file at off. */
	void (*option)(void *data, unsigned int id, char *buf, uint32_t size, int64_t off);
	/* The event formats wanted: only those are read whole and given to format (NULL: none) */
	bool (*want)(const char *sys, const char *name);
	void (*format)(void *data, const char *sys, char *buf, uint64_t size);
	void (*header_page)(void *data, char *buf, uint64_t size); /* NULL: not wanted */
	void (*cmdlines)(void *data, char *buf, uint64_t size);	   /* NULL: not wanted */
	/* One CPU's ring-buffer pages of a buffer ("" the top one): size bytes at off in the
	 * file, checked to be inside it; v7 chunks compressed with comp, unless PFT_DAT_NONE
	 * (see dat.c). */
	void (*cpu_data)(void *data, const char *buffer, int cpu, uint64_t off, uint64_t size,
			 uint32_t page_size, enum pft_dat_comp comp);
};

struct pft_dat_header {
	int version;
	uint32_t page_size;
	int cpus; /* v6's; -1 in v7 (its CPUCOUNT option says) */
	enum pft_dat_comp comp;
};

/* Walks the trace.dat in f (seekable). -1 with errno EBADMSG if it is malformed (truncated,
 * sizes and offsets that lie, big endian), ENOTSUP if compressed with other than zstd. What was
 * handed over before that stays handed over. */
int pft_dat_walk(FILE *f, const struct pft_dat_walk *w, struct pft_dat_header *h);
/* csize bytes at in into exactly usize at out: 0, or -1. *ctx (NULL at first) is kept for the
 * next call, and ended with pft_dat_decompress_end. */
int pft_dat_decompress(enum pft_dat_comp comp, void **ctx, void *out, size_t usize, const void *in,
		       size_t csize);
void pft_dat_decompress_end(enum pft_dat_comp comp, void *ctx);

/* pftrace's own option: "pid min_flt maj_flt" lines, the kernel's counters of each process over
 * the recording (older files: one "min_flt maj_flt" for all). */
#define PFT_DAT_OPT_PFTRACE_COUNTERS 0x5048
/* pftrace's own option: what the recording holds, "key value" lines (sideband 1: the kernel's
 * mapping records, so the maps are exact). */
#define PFT_DAT_OPT_PFTRACE_INFO 0x5049

/* pftrace's own option: "hexid path" lines, the GNU build ID of each file mapped (read when it
 * was first mapped): offline, a file is used to name code only if its build ID is this. */
#define PFT_DAT_OPT_PFTRACE_BUILD_IDS 0x504a

/* pftrace's own option: the JIT maps used to name code (/tmp/perf-PID.map as read), each as
 * "PID LEN\n" and LEN bytes of its text. */
#define PFT_DAT_OPT_PFTRACE_JITMAPS 0x504b
/* pftrace's own option: record --cgroup's own counters over the recording (its memory.stat),
 * "PGFAULT PGMAJFAULT PATH" (the path to the end) */
#define PFT_DAT_OPT_PFTRACE_CGROUP 0x504c

/* The kernel's counters of one process over the recording. */
struct pft_proc_counters {
	int pid;
	uint64_t min_flt, maj_flt;
};

struct pft_dat_input {
	const char *path; /* the final name */
	struct pft_live *live;
	bool kernel;
	bool perf_faults;      /* the faults are perf's page-faults event (in the perf option) */
	bool history;	       /* the history events and side-band records were recorded */
	bool completions;      /* and the completions */
	bool major_only;       /* of major faults only */
	int why; /* and the events that split a fault's time (pft_why_events; see pft_record_opts) */
	struct pft_aspace *as; /* the snapshots, and the tasks for the cmdlines section */
	const struct pft_proc_counters *counters;
	size_t nr_counters;
	/* --cgroup's memory.stat over the recording, when it has one (cgroup NULL: none) */
	const char *cgroup;
	uint64_t cg_pgfault, cg_pgmajfault;
	const char *build_ids; /* the text of that option, or NULL */
	const char *jitmaps;   /* and of the JIT maps' (jitmaps_len bytes), or NULL */
	size_t jitmaps_len;
	/* the kernel addresses seen (faults' ips, kernel stacks): kallsyms keeps only their
	 * symbols */
	const uint64_t *kaddrs;
	size_t nr_kaddrs;
};

/* Writes the recording as a v6 trace.dat: under a temporary name in the same directory, renamed
 * to in->path once complete. -1 with errno; the temporary is removed. A file that would pass the
 * file-size limit (ulimit -f) holds what came before a moment instead, and says so: *cut is that
 * moment (the first left out), 0 when the file holds everything. */
int pft_dat_write(const struct pft_dat_input *in, uint64_t *cut);

#endif
