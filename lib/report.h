/* SPDX-License-Identifier: MIT */
/* What the parts of the report share (report.c: the fault stage; aggregate.c: the tables;
 * report_json.c: the document): not part of the public API. */
#ifndef PFT_REPORT_H
#define PFT_REPORT_H

#include "internal.h"

/* Above this an address is in the kernel's half of the address space. */
#define KERNEL_HALF (1ull << 63)

struct counts {
	uint64_t faults, reads, writes, execs, protection, pages;
	uint64_t prot_unknown; /* faults whose error_code does not say (riscv's, or none) */
	uint64_t access_unknown; /* faults without an error_code whose access is not implied */
	uint64_t kind[PFT_KIND_COUNT];
	uint64_t major, minor, major_ns; /* the kernel's verdict, when the source has it */
	uint64_t restarted;		 /* given up for a signal and taken again: see pft_fault */
};

/* Fault latency: log-linear buckets (4 per power of two: within 25%), and the exact max; of
 * the faults whose time was split (record --why), how many and the parts' sums. */
struct lat {
	uint64_t n, max;
	uint32_t b[256];
	uint64_t why_n, why_ns[PFT_CAUSE_COUNT], why_io_bytes;
};

/* A fault waiting for its completion: one per thread (a thread is in one fault at a time).
 * One a signal came to before its completion waits to be told restarted: its thread's next
 * fault, or (parked, when that was the handler's) one of the few after. */
struct held {
	struct pft_event ev;
	struct pft_fault f;
	struct pft_why why; /* its time split so far, when has_why */
	bool has_why;
	char comm[32], sym[128];
	bool used;
	bool signalled;	  /* a signal was dequeued for its thread before its completion */
	uint32_t epoch;	  /* its process's address-space changes when it began */
	uint64_t changes; /* the report's changes when epoch was read: unchanged, still it */
	unsigned int left; /* parked: the thread's faults still to look at for its restart */
	bool parked;	   /* held: the thread has a parked fault too */
};

/* One row of a table; which fields matter depends on the table's key. */
struct group {
	struct counts c;
	int pid, tid;
	const struct pft_vma *vma; /* vma rows; page and ip rows: the VMA the address is in */
	uint64_t addr;		   /* page, ip */
	uint32_t str;		   /* interned: file name, comm, ip symbol */
	bool has_str;
	enum pft_kind kind;
	enum pft_path path;   /* path rows */
	enum pft_cause cause; /* cause rows: PFT_CAUSE_COUNT for faults whose time was not split */
	/* vma rows: an area's extent (the VMAs it was, that faulted), whether their
	 * permissions differed, and its pages seen, one bit each from base while the extent
	 * is not huge */
	uint64_t lo, hi, base, nbits;
	bool perms_changed;
	uint8_t *seen;
	struct lat *lat; /* latency, for the rows of vma, file, tid, pid and kind tables */
	/* ip and sym rows: what the code is */
	struct pft_symbol sym;
	/* pid rows: the kernel's own counters of the process, when the input has them, and
	 * how many times it exec'd (each exec's argument pages are counted, not traced) */
	bool kernel;
	uint64_t kmin, kmaj, execs;
	/* vma rows: how many exited processes' areas were folded into it (0: an area of one
	 * process, pid), and when it was made (the table's process exits by then) */
	uint32_t procs, born;
	/* pid rows: how many processes had the pid before (a pid used again is a new process:
	 * its areas are new rows); vma rows: the process's then */
	uint32_t gen;
};

/* An area up to this size counts its distinct pages in a bitmap (64 GiB: 2 MiB of bits). */
#define BITMAP_MAX_PAGES (16ull << 20)

struct table {
	enum pft_by by;
	struct pft_hmap index; /* key -> row */
	struct pft_hmap pages; /* (row, pid, page) seen */
	struct group *rows;
	size_t nr, cap;
	/* by VMA: the row of the last fault (+1, 0: none) and the VMA's shape then, as faults
	 * come in runs of one area (a VMA of another shape updates the row: not this way) */
	size_t last_row1;
	uint64_t last_area, last_start, last_end;
	char last_perms[4];
	int last_pid;
	uint32_t exits; /* processes ended so far (vma rows' birth dates) */
};

/* The tree of call stacks: a node per (parent, frame); the root's children are comms. */
struct stack_node {
	uint32_t parent;
	const char *name; /* the symbolizer's interned string (NULL: the root) */
	uint32_t first_child, next;
	bool kernel;
	uint64_t total, self, major; /* faults through it, ending at it, major ones */
	uint64_t ns, self_ns;	     /* their latencies' sums (a fault without one adds 0) */
	uint64_t kind[PFT_KIND_COUNT];
};

struct stack_tree {
	struct stack_node *nodes;
	size_t nr, cap;
	struct pft_hmap index; /* (parent, name pointer << 1 | kernel) -> node */
	/* names of the faults just seen, to intern less */
	const char *last_module, *last_bracket, *last_comm;
};

/* Faults as points for the heatmap: when, where, in which area row. Past a bound, every other
 * one is dropped and each kept one stands for twice as many (stride). */
struct heat_point {
	uint64_t ts, addr, ns; /* ns: its latency (0 without one) */
	uint32_t area;
	bool major;
};

struct heat {
	struct heat_point *p;
	size_t nr, cap;
	uint64_t stride, skip; /* keep one fault of stride */
	uint64_t outside;      /* faults in no area */
};

struct input {
	char *name;
	char *machine; /* st.machine's copy */
	char *cgroup;  /* st.cgroup's */
	enum pft_arch arch; /* how its error_codes were read */
	struct pft_source_stats st;
};

struct pft_report {
	struct pft_report_opts opts;
	enum pft_arch arch; /* how error_codes read */
	int *pids;
	struct pft_aspace *as;
	struct table vmas, groups, procs;
	struct table extra[PFT_BY_COUNT]; /* opts.tables: for gates on their rows */
	struct pft_strtab strs;
	struct pft_syms *syms; /* borrowed; NULL: code is not named */
	struct pft_hmap seen_pids, seen_tids;
	struct pft_hmap nspids; /* pid -> its pid in record --pidns's namespace */
	/* pid -> its cgroup (interned), as record told it; pid -> the process that forked it
	 * (one untold is in its parent's) */
	struct pft_hmap cgroups, parents;
	struct counts total;
	uint64_t events, other_events, kernel_excluded, kernel_atomic, filtered, no_maps;
	uint64_t unknown_late_maps; /* of no_maps: missed by maps read after them (--no-history) */
	uint64_t kernel_mode; /* faults the kernel took on user memory for the program */
	uint64_t first_ts, last_ts;
	int last_pid, last_tid; /* consecutive faults are mostly of one thread */
	int64_t last_proc;	/* and its process's row, under the comm last_comm */
	char last_comm[32];
	pft_fault_sink sink;
	void *sink_data;
	struct pft_hmap held_by_tid;
	struct pft_hmap epochs; /* pid -> how many times its address space changed */
	uint64_t changes;	/* of every process */
	struct held **held;
	size_t nr_held, cap_held;
	uint32_t *free_held; /* the slots of ended threads, to be used again */
	size_t nr_free, cap_free;
	uint64_t major_unknown, completions_unmatched;
	bool have_total; /* counters of all processes as one total (older trace.dat) */
	bool signals; /* an input carries the signals taken: restarted faults are told where
		       * faults are held for their completions */
	uint64_t total_min, total_maj;
	struct lat *lat, *lat_kind[PFT_KIND_COUNT];
	/* record --why: the split seen (a fault held from then on is split), its events, and
	 * each cause's part of the faults that had one */
	bool why, why_full;
	uint64_t why_events;
	struct lat *lat_cause[PFT_CAUSE_COUNT];
	struct lat *lat_path[PFT_PATH_COUNT]; /* of the faults whose time was split */
	/* each mm's mmap lock: who holds it for writing (0: none seen), who released it for
	 * writing last, and when */
	struct pft_hmap lock_by_mm;
	struct mm_lock {
		int holder, last;
		uint64_t last_ts;
	} *locks;
	size_t nr_locks, cap_locks;
	struct input *inputs;
	size_t nr_inputs, cap_inputs;
	/* stacks: the frames of the fault being finalized, the tree */
	struct pft_frame *frames; /* 2 * PFT_MAX_FRAMES */
	uint64_t *unwound;	  /* PFT_MAX_FRAMES */
	struct stack_tree tree;
	uint64_t stacks_seen, stacks_truncated;
	struct heat heat;
	/* exited processes whose areas still have rows of their own, the oldest first (pid, and
	 * the vma table's exits when it ended); how many were folded */
	struct exited {
		int pid;
		uint32_t exits;
	} *exited;
	size_t nr_exited, cap_exited;
	uint64_t folded;
};

/* Latency histograms. */
int pft_rep_lat_add(struct lat **l, uint64_t v);
/* A fault's latency (it has one), and its parts when split. */
int pft_rep_lat_fault(struct lat **l, const struct pft_fault *f);
uint64_t pft_rep_lat_pct(const struct lat *l, double p);
/* A fault into counters. */
void pft_rep_count(struct counts *c, const struct pft_fault *f);
/* Gives a row its string (file name, ip symbol, comm), interned. */
int pft_rep_set_str(struct pft_report *rep, struct group *proto, const char *str);
/* The row of key (a, b), made from proto if new: its index, or -1 on ENOMEM. */
int64_t pft_rep_row_get(struct table *t, uint64_t a, uint64_t b, const struct group *proto);
/* Counts f in its row of t: the row's index, -1 on ENOMEM, -2 if f is not for t. */
int64_t pft_rep_table_add(struct pft_report *rep, struct table *t, const struct pft_fault *f);
bool pft_rep_pid_selected(const struct pft_report *rep, int pid, int tid);
/* The process table: every fault once. */
int pft_rep_proc_add(struct pft_report *rep, const struct pft_fault *f);
/* The row of process pid, made if it has none. */
int64_t pft_rep_proc_row(struct pft_report *rep, int pid);
/* The cgroup of process pid: as record told it, else its parent's, ...; NULL if none told. */
const char *pft_rep_cgroup(const struct pft_report *rep, int pid);
/* A process was made with pid: if the pid was another's before, its next faults are the new
 * one's, in rows of their own. */
void pft_rep_forked(struct pft_report *rep, int pid);
/* Process pid has ended: its rows are kept apart while it is among the last opts.keep_exited
 * to end, then folded into a row per program and area (pft_rep_fold_exited). -1 on ENOMEM. */
int pft_rep_exited(struct pft_report *rep, int pid);
/* Folds every exited process but the last keep's rows (the end of the input). -1 on ENOMEM. */
int pft_rep_fold_exited(struct pft_report *rep, size_t keep);
/* --by cgroup: the process table's rows summed by cgroup into t (at the end: a process's
 * cgroup may be told after its first faults). */
int pft_rep_fold_cgroups(struct pft_report *rep, struct table *t);
void pft_rep_table_release(struct table *t);

/* The fault's call stack named into f->stack (rep->frames), when the report names code. */
int pft_rep_stack(struct pft_report *rep, struct pft_fault *f);
/* The fault into the tree of stacks. */
int pft_rep_tree_add(struct pft_report *rep, const struct pft_fault *f);
/* The children of node, in name order (caller frees); NULL on ENOMEM. */
uint32_t *pft_rep_tree_children(const struct pft_report *rep, uint32_t node, size_t *n);
void pft_rep_tree_release(struct stack_tree *t);

/* The fault as a heatmap point (area: its row in the areas, or negative: none). */
int pft_rep_heat_add(struct pft_report *rep, const struct pft_fault *f, int64_t area);

#endif
