/* SPDX-License-Identifier: MIT */
/*
 * libpftrace: the core of pftrace. One pipeline:
 *
 *   source (text trace, trace.dat, live ring buffer) -> struct pft_event
 *   -> pft_report_add(): decode error_code, join the VMA (struct pft_aspace), classify
 *   -> aggregation -> pft_report_json() -> JSON document -> JSON or pft_render_table()
 *
 * Conventions: functions return -1 or NULL and set errno on failure; they never print and never
 * exit. Every free and close function accepts NULL. Ownership is stated at each declaration.
 */
#ifndef PFTRACE_H
#define PFTRACE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <jansson.h>

#define PFT_JSON_VERSION 2

/* ---------------------------------------------------------------- error_code */

/* The architecture whose error_code a trace holds: x86's bits, or riscv's scause (12 an
 * instruction, 13 a load, 15 a store page fault: the access, not whether the page was
 * present). */
enum pft_arch {
	PFT_ARCH_X86,
	PFT_ARCH_RISCV,
	PFT_ARCH_COUNT,
};
/* uname's machine ("x86_64", "riscv64"; "x86" and "riscv" too) -> its arch; -1 (ENOTSUP) for
 * one without the page-fault tracepoint or unknown. */
int pft_arch_of(const char *machine);
/* "x86", "riscv" */
const char *pft_arch_name(enum pft_arch arch);

/* What an error_code says, in x86's bits (those of another arch translated), and whether it
 * says if the page was present (PFT_PF_PROT). */
struct pft_code {
	uint64_t bits;
	bool prot_known;
	/* false: the source had no error_code (perf's page-faults event): bits are 0, the access
	 * is what pft_access_infer can tell */
	bool known;
};
struct pft_code pft_code_of(enum pft_arch arch, uint64_t error_code);

#define PFT_PF_PROT  (1ull << 0)  /* protection violation (else: page not present) */
#define PFT_PF_WRITE (1ull << 1)  /* write access */
#define PFT_PF_USER  (1ull << 2)  /* fault in user mode */
#define PFT_PF_RSVD  (1ull << 3)  /* reserved bit set in a paging entry */
#define PFT_PF_INSTR (1ull << 4)  /* instruction fetch */
#define PFT_PF_PK    (1ull << 5)  /* protection-key violation */
#define PFT_PF_SHSTK (1ull << 6)  /* shadow-stack access */
#define PFT_PF_SGX   (1ull << 15) /* SGX EPCM violation */
#define PFT_PF_RMP   (1ull << 31) /* SEV-SNP RMP violation */

enum pft_access {
	PFT_ACCESS_READ,
	PFT_ACCESS_WRITE,
	PFT_ACCESS_EXEC,
	PFT_ACCESS_UNKNOWN, /* no error_code, and nothing that implies it */
};

enum pft_kind {
	PFT_KIND_ANON_FIRST_TOUCH,
	PFT_KIND_FILE_READ,
	PFT_KIND_FILE_WRITE,
	PFT_KIND_COW,
	PFT_KIND_WRITE_PROTECT,
	PFT_KIND_EXEC,
	PFT_KIND_STACK_GROWTH,
	PFT_KIND_NO_VMA,
	PFT_KIND_BAD_ACCESS,
	PFT_KIND_PKEY,
	PFT_KIND_OTHER,
	PFT_KIND_UNKNOWN, /* no maps for the process: the VMA cannot be known */
	PFT_KIND_WRITE,	  /* a write the error_code does not say was to a present page (riscv):
			   * a first touch, copy-on-write, write-protect or dirty-bit fault */
	PFT_KIND_ANON,	  /* no error_code (perf's event): in an anonymous mapping, the access
			   * not implied (a first touch, copy-on-write or write-protect) */
	PFT_KIND_FILE,	  /* the same in a file mapping (a read, a write or a copy-on-write) */
	PFT_KIND_COUNT,
};

/* Exec if bit 4, else write if bit 1, else read (of x86's bits: see pft_code_of). */
enum pft_access pft_access_of(uint64_t error_code);
/* Without an error_code (perf's event), what the VMA and the ip imply: exec when the address is
 * in the ip's own page (that page was not there to fetch from); else the one access the VMA's
 * permissions leave (read in r--, exec in --x; x86 maps no write-only); else unknown. */
struct pft_vma;
enum pft_access pft_access_infer(const struct pft_vma *vma, uint64_t ip, uint64_t address);
/* Static strings: "read", "write", "exec" (NULL: unknown) / "anon-first-touch", ... */
const char *pft_access_name(enum pft_access access);
const char *pft_kind_name(enum pft_kind kind);
/* Stores the names of the set bits ("prot", "write", "user", ...; unknown bits as "bit12") in
 * names[] (static strings), at most max of them; returns how many bits are set. riscv's scause
 * is one name: "instruction-page-fault", "load-page-fault", "store-page-fault" ("cause-N"). */
int pft_error_code_flags(enum pft_arch arch, uint64_t error_code, const char **names, int max);

/* ---------------------------------------------------------------- maps */

/* One line of /proc/PID/maps. Strings are owned by the struct pft_maps that holds the VMA. */
struct pft_vma {
	uint64_t start, end; /* [start, end) */
	uint64_t offset;     /* file offset of start */
	uint64_t inode;
	unsigned int dev_major, dev_minor;
	char perms[5];	  /* "rw-p" */
	bool deleted;	  /* the path ended in " (deleted)" (stripped from path) */
	const char *path; /* file path, NULL for anonymous and [pseudo] mappings */
	const char *name; /* display name: path, "[heap]", "[stack]", "[anon:x]", or "[anon]" */
	/* the memory area this VMA is part of (a report row): equal for the pieces a mapping
	 * becomes (growth, mprotect) and for a mapping made again where an equal one was */
	uint64_t area;
};

struct pft_maps;

/* Counts of input that could not be used; first_* describe the first such line. */
struct pft_skipped {
	uint64_t count;
	uint64_t first_line; /* 1-based, 0 if none */
	char first_text[96];
};

/* Parses maps text. Malformed, overlapping and duplicate lines are skipped and counted in *skipped
 * (may be NULL); unsorted input is sorted. Returns a new maps set (caller frees with
 * pft_maps_free), or NULL with errno (ENOMEM, EIO; EINVAL if no line was usable). */
struct pft_maps *pft_maps_load_file(FILE *f, struct pft_skipped *skipped);
/* The same on a file name. */
struct pft_maps *pft_maps_load_path(const char *path, struct pft_skipped *skipped);
/* The same on /proc/PID/maps: a thin wrapper. */
struct pft_maps *pft_maps_load_pid(int pid);
/* Binary search: the VMA that contains addr, or NULL. The pointer lives as long as maps. */
const struct pft_vma *pft_maps_lookup(const struct pft_maps *maps, uint64_t addr);
/* The VMA with the lowest start above addr, or NULL (stack-growth detection). */
const struct pft_vma *pft_maps_next(const struct pft_maps *maps, uint64_t addr);
/* Writes maps in /proc/PID/maps form (what pft_maps_load_file reads back). */
int pft_maps_write(const struct pft_maps *maps, FILE *out);
size_t pft_maps_count(const struct pft_maps *maps);
const struct pft_vma *pft_maps_at(const struct pft_maps *maps, size_t i);
void pft_maps_free(struct pft_maps *maps);

/* ---------------------------------------------------------------- events */

enum pft_event_type {
	PFT_EV_FAULT_USER,   /* exceptions:page_fault_user */
	PFT_EV_FAULT_KERNEL, /* exceptions:page_fault_kernel */
	PFT_EV_MARKER,	     /* a trace_marker write (ftrace:print): text */
	PFT_EV_EXEC,	     /* sched_process_exec: tid became the image text (its filename) */
	PFT_EV_NEWTASK,	     /* task_newtask: tid created child (a thread with CLONE_THREAD) */
	PFT_EV_EXIT,	     /* sched_process_exit: tid ended; group_dead: the whole process */
	PFT_EV_SYSCALL,	     /* an mmap-family syscall's entry (args) or exit (ret) */
	PFT_EV_COMPLETION,   /* perf: the kernel finished a fault of tid at address: major? */
	PFT_EV_MMAP,	     /* perf MMAP2: the kernel's VMA after a change, args[] below */
	PFT_EV_COMM,	     /* perf COMM: tid (of process tgid) is now called text; exec: a new
			      * image begins (its MMAP2 records follow) */
	PFT_EV_SWITCH,	     /* sched_switch: tid (prev) left its CPU in state, child (next) ran */
	PFT_EV_WAKEUP,	     /* sched_waking: child is woken, by tid (atomic: by an interrupt,
			      * which tid's time it took) */
	PFT_EV_SPAN,	     /* tid began (or, span_end, ended) what cause names: an mmap_lock
			      * wait, direct or memcg reclaim, compaction */
	PFT_EV_MARK,	     /* tid's fault took a step that tells its path (enum pft_mark in
			      * mark; args[0] the event's value: a readahead window, an order) */
	PFT_EV_SIGNAL,	     /* signal_deliver: tid dequeued signal args[0] (for its handler, a
			      * default action, or to be ignored) */
	PFT_EV_OTHER,	     /* any other event: counted, not analysed */
};

/* The steps of a fault's path that the kernel traces (record --why): each event fires in the
 * faulting task, inside the fault. */
enum pft_mark {
	PFT_MARK_FILEMAP_FAULT, /* filemap's ->fault ran: fault-around had not mapped the page */
	PFT_MARK_MAP_PAGES,	/* fault-around mapped pages already in the page cache */
	PFT_MARK_ADD_TO_CACHE,	/* a folio read into the page cache */
	PFT_MARK_SYNC_RA,	/* a readahead window read (args[0]: pages) */
	PFT_MARK_ASYNC_RA,	/* the readahead marker hit: the next window (args[0]: pages) */
	PFT_MARK_SWAP_IN,	/* the mm's swap entries went down (args[0] 1: MM_SWAPENTS) */
	PFT_MARK_HUGE_ALLOC,	/* a page allocation of args[0] = order (a filter keeps >= 9) */
	PFT_MARK_REFAULT,	/* a page of the evicted working set read back (args[0] 1:
				 * WORKINGSET_REFAULT_FILE) */
	PFT_MARK_THP,		/* a huge page mapped for it (args[0] 1: THP_FAULT_ALLOC) */
	PFT_MARK_IO,		/* it submitted I/O: args[0] sectors of 512 bytes, args[1] the
				 * device (major << 20 | minor, the kernel's dev_t) */
	PFT_MARK_MMAP_UNLOCK,	/* tid released an mmap lock (lock_*): not a step of a path, what
				 * tells who held the lock a fault waited for */
	PFT_MARK_COUNT,
};

/* record --why=full: --why and the events that fire on every fault, kept to the faults they
 * mark by kernel filters (swap-ins, huge pages) */
#define PFT_WHY_FULL 2

/* The path the kernel took for a fault, one word (record --why; see pft_fault_path). */
enum pft_path {
	PFT_PATH_UNKNOWN, /* no completion, or no event told */
	PFT_PATH_FAULT_AROUND,
	PFT_PATH_CACHE_HIT,
	PFT_PATH_CACHE_MISS,
	PFT_PATH_REFAULT,
	PFT_PATH_READAHEAD_ASYNC,
	PFT_PATH_IO_IN_FLIGHT,
	PFT_PATH_ZERO_FILL,
	PFT_PATH_SWAP_IN,
	PFT_PATH_THP,
	PFT_PATH_THP_FALLBACK,
	PFT_PATH_COW,
	PFT_PATH_USERFAULT, /* it slept (S) until its program resolved it: userfaultfd */
	PFT_PATH_COUNT,
};
/* "fault-around", ...; PFT_PATH_UNKNOWN: "unknown" */
extern const char *const pft_path_names[PFT_PATH_COUNT];

/* Where a fault's time went (record --why): the parts of its latency, which sum to it. */
enum pft_cause {
	PFT_CAUSE_ON_CPU,     /* running */
	PFT_CAUSE_RUN_QUEUE,  /* runnable, waiting for a CPU (preempted, or woken) */
	PFT_CAUSE_IO,	      /* blocked in D state (I/O, a page lock) */
	PFT_CAUSE_SLEEP,      /* blocked in S state (userfaultfd, other waits) */
	PFT_CAUSE_MMAP_LOCK,  /* waiting for the mmap lock */
	PFT_CAUSE_RECLAIM,    /* direct or memcg reclaim */
	PFT_CAUSE_COMPACTION, /* direct compaction */
	PFT_CAUSE_RETRY,      /* running again after it gave up its lock to wait (VM_FAULT_RETRY):
			       * the retried attempt's time on the CPU */
	PFT_CAUSE_COUNT,
};
/* "on-cpu", "run-queue", ... */
extern const char *const pft_cause_names[PFT_CAUSE_COUNT];
/* the same, and "unknown" for PFT_CAUSE_COUNT (a fault whose time was not split) */
const char *pft_cause_name(enum pft_cause c);

/* How a task left its CPU (sched_switch's prev_state): what its time off the CPU was. */
enum pft_task_state {
	PFT_STATE_RUNNABLE, /* preempted: still runnable */
	PFT_STATE_IO,	    /* D */
	PFT_STATE_SLEEP,    /* S, and stopped, parked, dead */
};

/* The syscalls that change an address space. */
enum pft_sys {
	PFT_SYS_MMAP,
	PFT_SYS_MUNMAP,
	PFT_SYS_MPROTECT,
	PFT_SYS_PKEY_MPROTECT,
	PFT_SYS_MREMAP,
	PFT_SYS_BRK,
	PFT_SYS_SHMDT,
	PFT_SYS_COUNT,
};

#define PFT_NO_TS UINT64_MAX

struct pft_stack {
	size_t nr;
	/* frame i, innermost first: ips[i] (NULL: none), and/or the text the source gave
	 * (frames NULL, or frames[i] NULL: named from ips[i]) */
	const uint64_t *ips;
	const char *const *frames;
};

/* Which stacks a recording takes (record --stacks): user frames by frame pointers, or from a
 * copy of the stack unwound with DWARF; kernel frames of faults in kernel mode. */
#define PFT_STACKS_USER	  1u
#define PFT_STACKS_KERNEL 2u
#define PFT_STACKS_DWARF  4u

/* The most frames kept of a stack (the kernel's perf_event_max_stack is 127 by default). */
#define PFT_MAX_FRAMES 512

/* The user registers and a copy of the user stack at a fault (record --stacks=dwarf), unwound
 * with the files' call-frame information. regs in perf's x86_64 order: ax bx cx dx si di bp sp
 * ip, then r8..r15. */
#define PFT_DUMP_REGS 17
#define PFT_MAX_DUMP  65536
struct pft_stack_dump {
	uint64_t regs[PFT_DUMP_REGS];
	const uint8_t *data; /* from sp up */
	size_t size;
};

/* One event from any source. All pointers are owned by the source and valid until its next
 * pft_source_next() call. */
struct pft_event {
	enum pft_event_type type;
	/* nanoseconds (or raw counter units, see pft_source_stats.ts_raw), or PFT_NO_TS */
	uint64_t ts;
	int cpu;	       /* -1 when unknown */
	int tid;	       /* the "pid" of the trace line: a thread id */
	int tgid;	       /* thread group (process) id, -1 when the source does not say */
	const char *comm;      /* "<...>" when unknown */
	const char *irq_flags; /* "d....", or NULL */
	const char *name;      /* event name ("page_fault_user", "sched_switch") */
	/* PFT_EV_MARKER: the text written; PFT_EV_EXEC: the filename; PFT_EV_MMAP: the file or
	 * [name]; PFT_EV_COMM, PFT_EV_NEWTASK: the comm */
	const char *text;
	uint64_t address, ip, error_code;
	/* a fault taken in atomic context (preemption off, in an interrupt): the kernel does not
	 * handle it (the copy that faulted fails), as when a tracer reads user memory */
	bool atomic;
	/* PFT_EV_FAULT_*: the source has no error_code (perf's page-faults event): error_code 0 */
	bool no_code;
	/* the kernel symbol the source printed instead of an ip or address, or NULL */
	const char *ip_symbol, *address_symbol;
	struct pft_stack kstack, ustack;
	/* process and mapping events */
	int child;	      /* PFT_EV_NEWTASK */
	bool exec;	      /* PFT_EV_COMM: the comm changed at an exec */
	uint64_t clone_flags; /* PFT_EV_NEWTASK */
	bool group_dead;      /* PFT_EV_EXIT */
	enum pft_sys sys;     /* PFT_EV_SYSCALL */
	bool sys_exit;	      /* PFT_EV_SYSCALL: the exit (ret), else the entry (args) */
	uint64_t args[6];     /* PFT_EV_SYSCALL entry: in the syscall's own order */
	int64_t ret;	      /* PFT_EV_SYSCALL exit */
	bool major;	      /* PFT_EV_COMPLETION */
	enum pft_task_state state; /* PFT_EV_SWITCH */
	enum pft_cause cause;	   /* PFT_EV_SPAN */
	bool span_end;		   /* PFT_EV_SPAN */
	enum pft_mark mark;	   /* PFT_EV_MARK */
	/* the mmap_lock events: the mm (a pointer of the kernel's, hashed in text), whether for
	 * writing, whether taken */
	uint64_t lock_mm;
	bool lock_write, lock_success;
	/* PFT_EV_COMPLETION of record --stacks=dwarf: what to unwind the user stack from, or NULL
	 */
	const struct pft_stack_dump *dump;
	/* PFT_EV_MMAP: args = start, len, pgoff, dev (major << 32 | minor), inode, prot;
	 * clone_flags = the mmap flags */
};

/* ---------------------------------------------------------------- text line parser */

enum pft_line {
	PFT_LINE_EVENT,	      /* *ev filled */
	PFT_LINE_STACK_START, /* "<stack trace>" or "<user stack trace>": *user says which */
	PFT_LINE_STACK_FRAME, /* " => frame": *frame points into line */
	PFT_LINE_LOST,	      /* "CPU:1 [LOST 12 EVENTS]": *lost = 12 (0 if the count is unknown) */
	PFT_LINE_HEADER,      /* "# ..." comments, trace-cmd's "cpus=N" and "version = N" */
	PFT_LINE_BLANK,
	PFT_LINE_MALFORMED,    /* looks like a page-fault event but does not parse */
	PFT_LINE_UNRECOGNIZED, /* not a trace line at all */
};

/* Output of pft_parse_line besides *ev. */
struct pft_line_info {
	bool user_stack;   /* PFT_LINE_STACK_START */
	const char *frame; /* PFT_LINE_STACK_FRAME, NUL-terminated inside line */
	uint64_t lost;	   /* PFT_LINE_LOST */
	bool ts_raw;	   /* PFT_LINE_EVENT: the timestamp had no decimal point (counter clocks) */
};

/* Parses one line of ftrace text output (trace, trace_pipe, trace-cmd report; every column
 * variant), without its newline. line[len] must be writable: the line is NUL-terminated and
 * split in place, and *ev and *info point into it. */
enum pft_line pft_parse_line(char *line, size_t len, struct pft_event *ev,
			     struct pft_line_info *info);

/* ---------------------------------------------------------------- sources */

struct pft_source;
struct pft_aspace;
struct pft_syms;

struct pft_source_stats {
	const char *format;		 /* "ftrace-text", "trace-cmd-text", "trace.dat" ... */
	uint64_t lines;			 /* text sources */
	uint64_t events;		 /* every event, of any type */
	uint64_t other_events;		 /* events that are not page faults */
	struct pft_skipped malformed;	 /* page-fault lines that did not parse */
	struct pft_skipped unrecognized; /* lines that are not trace lines */
	int64_t lost_events;		 /* -1 when the source cannot tell */
	uint64_t lost_completions;	 /* perf records lost: faults traced without a verdict */
	uint64_t lost_sideband;		 /* perf MMAP2/COMM records lost: holes in the history */
	uint64_t bad_pages; /* ring-buffer pages that did not walk: their events lost */
	int64_t own_faults; /* record -a: pftrace's own faults, left out; -1 otherwise */
	/* perf's records of a task told by two sets of events (made while they were being
	 * opened: inherited and its own), the second telling dropped */
	uint64_t told_twice;
	int cpus;	    /* -1 when unknown */
	bool ts_raw;	    /* timestamps are counter units, not ns */
	bool binary;	    /* input had NUL bytes: not text */
	bool trace_header;  /* text: a line only a trace has (ftrace's "# tracer:" header,
			     * trace-cmd's, a LOST line): a trace even with no event */
	bool completions;   /* it carries fault completions (major/minor) */
	bool major_only;    /* only major faults have one: a fault without one is minor, unless it
			     * failed (record's default; see pftrace(1)) */
	bool sideband;	    /* it carries the kernel's mapping records (exact maps) */
	bool perf_faults;   /* its faults are perf's page-faults event, not the tracepoint: no
			     * error_code, no fault on a kernel address */
	bool user_only;	    /* and of user mode only (perf_event_paranoid): the faults the kernel
			     * takes on user memory are in its counters, not traced */
	bool signals;	    /* and the signals taken (signal_deliver): restarted faults told */
	bool why;	    /* and what splits a fault's time into causes (record --why) */
	bool why_full;	    /* and the events of every fault that tell swap-ins and huge pages
			     * (record --why=full) */
	uint64_t cut_ts;    /* trace.dat cut short by a file-size limit: the first moment left
			     * out (0: whole) */
	const char *machine; /* where it was recorded: uname's machine ("x86_64"), or NULL when
			      * the input does not say (text) */
	/* record --cgroup's own counters over the recording (its memory.stat pgfault and
	 * pgmajfault), when it has a memory controller: cgroup NULL when not */
	const char *cgroup;
	uint64_t cg_pgfault, cg_pgmajfault;
};

/* Opens path ("-": standard input) and recognises its format by content: trace.dat (by its
 * magic) or ftrace text. Returns a new source that owns the file (free with pft_source_close),
 * or NULL with errno (ENOENT, EACCES, EISDIR, EIO, ENOMEM ...). */
struct pft_source *pft_source_open(const char *path);
/* Reads ftrace text from f (not closed by the source; must outlive it). name is for messages and
 * copied. Returns a new source (free with pft_source_close) or NULL with errno. */
struct pft_source *pft_source_text(FILE *f, const char *name);
/* Before the first event: gives as what the input knows from its start (maps snapshots of
 * pftrace's or trace-cmd's trace.dat, whether it carries the kernel's mapping records), and
 * syms (may be NULL) the build IDs of its files. 0, or -1 with errno. */
int pft_source_prepare(struct pft_source *src, struct pft_aspace *as, struct pft_syms *syms);
/* After the last event: the kernel's own fault counters of each process over the recording,
 * when the input has them (pftrace record), as cb(data, pid, min_flt, maj_flt); pid -1 is a
 * total of processes not told apart (an older pftrace file). Returns how many, or -1 if cb
 * returned < 0. */
typedef int (*pft_counters_cb)(void *data, int pid, uint64_t min_flt, uint64_t maj_flt);
int pft_source_counters(struct pft_source *src, pft_counters_cb cb, void *data);
/* Next event: 1 and *ev filled, 0 at the end, -1 with errno on a read error. */
int pft_source_next(struct pft_source *src, struct pft_event *ev);
/* Counters so far; the pointer lives as long as src. */
const struct pft_source_stats *pft_source_stats(const struct pft_source *src);
const char *pft_source_name(const struct pft_source *src);
void pft_source_close(struct pft_source *src);

/* ---------------------------------------------------------------- recording (live) */

/*
 * A recording session: pftrace's own tracefs instance, the command (stopped at its exec) or the
 * -p targets, and their events as a pft_source that a report reads like any trace.
 *
 *   r = pft_record_new(&opts); pft_record_start(r); src = pft_record_source(r);
 *   pft_source_prepare(src, as); while (pft_source_next(src, &ev) > 0) pft_report_add(...);
 *   pft_record_write(r, path, &cut); pft_record_free(r);
 *
 * Everything that touches the machine's tracing state is undone by pft_record_free, which
 * every exit path must call; a run killed with SIGKILL is cleaned up by the next start.
 */
struct pft_record;

/* What tells record the faults: the tracepoints (exceptions:page_fault_*), or perf's software
 * event page-faults (no error_code; every architecture has it); auto: the tracepoints where
 * the kernel has them, else perf's (with a notice). */
enum pft_fault_source {
	PFT_FAULTS_AUTO,
	PFT_FAULTS_TRACEPOINT,
	PFT_FAULTS_PERF,
};

struct pft_record_opts {
	bool all;	 /* -a: every process of the machine (with argv: while it runs) */
	const char *cgroup; /* or the processes of this cgroup directory, and those that join */
	int pidns; /* a process whose PID namespace's pids to tell of the traced (0: none) */
	const int *pids; /* -p: these processes, every thread, and what they start */
	size_t nr_pids;
	char *const *argv;	/* or this command (and what it starts) */
	bool stdout_to_stderr;	/* the command's standard output goes to its standard error */
	bool kernel;		/* also page_fault_kernel */
	enum pft_fault_source source; /* what tells the faults */
	bool history;		/* follow exec, fork and mappings (the kernel's records) */
	bool completions;	/* major/minor per fault (perf): a sample of each major fault */
	bool latency;		/* a sample of every fault: the latency of minor ones too */
	/* also what splits each fault's time into causes (latency on): 1, or PFT_WHY_FULL with
	 * the events that fire on every fault (pft_why_event.full) */
	int why;
	unsigned int stacks;	/* PFT_STACKS_*: call stacks (on every fault's sample) */
	unsigned int buffer_kb; /* per-CPU ring buffer */
	unsigned int perf_buffer_kb; /* per-CPU ring of perf's completions (0: the default for
				      * the stacks asked for) */
	const char *output;	/* a trace.dat will be written there: raw pages wait beside it */
	double duration;	/* seconds; 0: until the targets end or pft_record_stop */
	/* Hooks (any may be NULL), called from within pft_source_next on the live source:
	 * wake_fd (-1: none) is polled with the buffers, on_wake called when it is readable (a
	 * signalfd: the caller reads it and calls pft_record_signal); on_tick after each read of
	 * the buffers (a progress line, a flush); on_stop_self when pftrace should stop itself as
	 * a job does (^Z: the command has stopped); notice with what the user should know. */
	int wake_fd;
	void (*on_wake)(void *data);
	void (*on_tick)(void *data);
	void (*on_stop_self)(void *data);
	void (*notice)(void *data, const char *msg);
	void *data;
};

/* opts is copied (its arrays are borrowed: they must outlive r). NULL with errno. */
struct pft_record *pft_record_new(const struct pft_record_opts *opts);
/* Sets everything up and starts recording. 0; 1 if the command could not run (see
 * pft_record_command_status); -1 with errno, and pft_record_error says what failed. */
int pft_record_start(struct pft_record *r);
/* Why the last call failed: "no process 123", "cannot start 'x': ...". Lives as long as r. */
const char *pft_record_error(const struct pft_record *r);
/* The live events in time order (owned by r: do not close it). It ends when the command or
 * every target has ended, the duration is over, or pft_record_stop was called. */
struct pft_source *pft_record_source(struct pft_record *r);
/* Ends the recording: the source passes on what was recorded, then ends. */
void pft_record_stop(struct pft_record *r);
/* A signal came to pftrace (its number and si_code): with a command it is passed on unless the
 * command got it too (a terminal's ^C, a process-group kill), and the recording follows the
 * command to its end; a second one a second later, or any with -p, ends the recording. */
void pft_record_signal(struct pft_record *r, int sig, int code);
/* The command's exit status as a shell gives it (128+N for signal N), or -1 if it has not
 * ended (-p, or a duration that ended first). */
int pft_record_command_status(const struct pft_record *r);
/* The signal that ended the recording before the command or the targets ended, or 0. */
int pft_record_stopped_by(const struct pft_record *r);
/* Counters of the recording, live. */
const struct pft_source_stats *pft_record_stats(struct pft_record *r);
/* Writes the recording as a trace.dat (v6; under a temporary name, renamed when complete).
 * After the source has ended. -1 with errno. Where the whole would pass the file-size limit
 * (ulimit -f), the file holds what came before a moment, *cut (the first left out, in the
 * trace's clock); *cut is 0 when it holds everything. */
int pft_record_write(struct pft_record *r, const char *path, uint64_t *cut);
/* Stops, detaches, and removes the instance. Accepts NULL. */
void pft_record_free(struct pft_record *r);

/* ---------------------------------------------------------------- /proc helpers */

/* Tgid of a live thread from /proc/TID/status; -1 with errno if it is gone. */
int pft_proc_tgid(int tid);
/* Copies /proc/TID/comm (without newline) into buf; -1 with errno if it is gone. */
int pft_proc_comm(int tid, char *buf, size_t size);
/* The pid is gone, or a zombie (dead, not yet reaped). */
bool pft_proc_dead(int pid);
/* The same, or on its way there (PF_EXITING). */
bool pft_proc_exiting(int pid);
/* ---------------------------------------------------------------- cgroups (cgroup.c) */

/* The cgroup directory arg names (v1 or v2): an absolute path; a path below a hierarchy of the
 * mount table mounts (/proc/self/mounts; v2's first); a directory's own name anywhere below
 * (a unit: nginx.service); or, 12 characters or more, a part of one (a container id). *path
 * (the caller frees it) and 0; -1 with errno: ENOENT none, EEXIST more than one (*path and
 * *other name two of them, the caller frees both). */
int pft_cgroup_resolve(const char *arg, FILE *mounts, char **path, char **other);
/* The pids of a cgroup.procs file: *pids (the caller frees it), *n. -1 with errno (ENOMEM). */
int pft_cgroup_procs_parse(FILE *f, int **pids, size_t *n);
/* The same for the cgroup directory dir. -1 with errno (it cannot be read). */
int pft_cgroup_procs(const char *dir, int **pids, size_t *n);

/* The pid a process has in its own PID namespace (the last of /proc/PID/status's NSpid; its
 * pid where it has none of its own) into *nspid: 0, or -1 with errno if it is gone. */
int pft_proc_nspid(int pid, int *nspid);
/* 1 if processes a and b are in one PID namespace, 0 if not, -1 with errno if one is gone. */
int pft_proc_same_pidns(int a, int b);
/* The pid (as this namespace sees it) of the process that is nspid in the PID namespace of
 * process member; -1 with errno: ENOENT none, or member is gone (ENOENT, ESRCH). */
int pft_proc_pidns_host(int member, int nspid);
/* The path of the cgroup directory dir below its hierarchy's root ("/" for the root), from the
 * mount table mounts, into rel: 0, or -1 (ENOENT: dir is in no hierarchy). */
int pft_cgroup_relative(const char *dir, FILE *mounts, char *rel, size_t size);
/* The cgroup of a process, from its /proc/PID/cgroup text f, into out: with rel (that of
 * record --cgroup, see pft_cgroup_relative; may be NULL), the line that is it or below it;
 * else cgroup v2's, or, where that is the root beside v1 hierarchies (hybrid), the memory
 * controller's, else another's that is not the root. 0, or -1 (ENOENT: no line). */
int pft_cgroup_of_parse(FILE *f, const char *rel, char *out, size_t size);
/* A cgroup's memory.stat text f: its own pgfault and pgmajfault (v1's and v2's alike). 0, or
 * -1 (ENOENT: not both there). */
int pft_cgroup_memstat_parse(FILE *f, uint64_t *pgfault, uint64_t *pgmajfault);
/* The same for the cgroup directory dir; -1 with errno (ENOENT: no memory controller there). */
int pft_cgroup_memstat(const char *dir, uint64_t *pgfault, uint64_t *pgmajfault);
/* The same for a live process's /proc/PID/cgroup; -1 with errno if it is gone. */
int pft_cgroup_of(int pid, const char *rel, char *out, size_t size);
/* The pid is a kernel thread (no user memory, no user faults); false if gone. */
bool pft_proc_kthread(int pid);
/* Calls cb with every process and its parent, as /proc shows them now (one pass; processes born
 * meanwhile may be missed). Stops at a negative return of cb, which it returns; -1 with errno if
 * /proc cannot be read. */
int pft_proc_parents(int (*cb)(void *data, int pid, int ppid), void *data);
/* The kernel's fault counters of a task (/proc/TID/stat minflt, majflt): a process's own (its
 * threads, dead ones included) given its pid, "PID/task/TID" for one thread. */
int pft_proc_faults(const char *task, uint64_t *min_flt, uint64_t *maj_flt);

/* ---------------------------------------------------------------- address spaces */

struct pft_aspace;

/* A snapshot taken now whose time in the trace clock is not known yet (see
 * pft_aspace_date_snapshot): it counts as later than every fault seen so far. */
#define PFT_TS_PENDING (UINT64_MAX - 1)

/* Callbacks for what the trace itself does not say. Any may be NULL.
 * tgid: the process of a thread. snapshot: add maps of pid to as (pft_aspace_add_snapshot) for a
 * process with none, or, when refresh is set, for an address no snapshot holds (a live process
 * may have mapped it since); 0 if it added one. */
struct pft_resolver {
	int (*tgid)(void *data, int tid, const char *comm);
	int (*snapshot)(void *data, struct pft_aspace *as, int pid, const char *comm);
	bool refresh;
	void *data;
};

/* Maps snapshots compared with the map rebuilt from the kernel's records at the same moment. */
struct pft_maps_check {
	uint64_t snapshots; /* compared */
	uint64_t disagreed; /* that differed somewhere */
	uint64_t pages;	    /* pages that differed, in all of them */
	/* the first difference: process, time, address, the name there, and on which side */
	int first_pid;
	uint64_t first_ts, first_addr;
	char first_text[64];
	bool first_in_snapshot; /* the snapshot has a mapping there the rebuilt map lacks */
};

/* Returns a new, empty set of address spaces (free with pft_aspace_free) or NULL. */
struct pft_aspace *pft_aspace_new(void);
/* The input carries the kernel's own mapping records (perf MMAP2 and COMM): a process known
 * from a snapshot, an exec or its parent is kept exact by them, and later snapshots are
 * cross-checks, not the truth. Call before adding snapshots. */
void pft_aspace_set_exact(struct pft_aspace *as);
/* What the tasks are: tid's process (tgid, 0 if unknown) and comm (NULL: unchanged). */
int pft_aspace_set_task(struct pft_aspace *as, int tid, int tgid, const char *comm);
/* tid's comm as the trace has told it so far, or NULL; valid until the next event. */
const char *pft_aspace_comm(const struct pft_aspace *as, int tid);
/* Every task known, in the order first seen (for a trace.dat's cmdlines and tasks). */
size_t pft_aspace_task_count(const struct pft_aspace *as);
void pft_aspace_task_at(const struct pft_aspace *as, size_t i, int *tid, int *tgid,
			const char **comm);
/* The cross-checks so far (and those due at the end). The pointer lives as long as as. */
const struct pft_maps_check *pft_aspace_checks(struct pft_aspace *as);
/* pft_aspace_set_exact was called. */
bool pft_aspace_is_exact(const struct pft_aspace *as);
/* The maps are read after the faults they serve, with no record of what changed in between (a
 * recording made with --no-history): an address they do not hold, or hold with other
 * permissions, may have been mapped so at the fault (unmapped, the process ended or exec'd since). */
void pft_aspace_set_lazy(struct pft_aspace *as);
/* The history has perf's records alone (record without tracefs): no munmap, mremap or brk
 * shrink is seen, so an address in no VMA may be a moved mapping's (a miss is not certain). */
void pft_aspace_set_unmaps_unseen(struct pft_aspace *as);
/* Whether a lookup that misses for pid says the address was in no VMA: false for a lazy
 * address space without history or records for pid, or one whose unmaps are unseen. */
bool pft_aspace_miss_is_certain(const struct pft_aspace *as, int pid);
/* Takes ownership of maps, also on failure. pid -1: the maps of every pid without its own. */
int pft_aspace_set_maps(struct pft_aspace *as, int pid, struct pft_maps *maps);
/* Maps were given (pft_aspace_set_maps): snapshots without a time. */
bool pft_aspace_has_maps(const struct pft_aspace *as);
/* The trace's last exec of pid is at ts (a source that can look ahead says so before the
 * events): a snapshot without a time is of the image after it, so the images before it have
 * none (their faults are unknown, not judged against another program's maps). */
int pft_aspace_last_exec(struct pft_aspace *as, int pid, uint64_t ts);
/* Adds a snapshot of pid's maps taken at ts (trace clock, PFT_NO_TS: any time, PFT_TS_PENDING:
 * now). Takes ownership of maps, also on failure; exe (may be NULL) is copied. Returns the
 * snapshot's id (> 0) or -1. */
int pft_aspace_add_snapshot(struct pft_aspace *as, int pid, uint64_t ts, struct pft_maps *maps,
			    const char *exe);
/* The id the next pft_aspace_add_snapshot will return (to mark the trace before reading maps). */
unsigned int pft_aspace_next_snapshot_id(const struct pft_aspace *as);
/* Applies a process or mapping event (exec, new task, exit, mmap-family syscall) at its time.
 * Events must come in time order. 1 if ev was one, 0 if not. */
int pft_aspace_event(struct pft_aspace *as, const struct pft_event *ev);
/* How many such events were applied. */
uint64_t pft_aspace_history_events(const struct pft_aspace *as);
/* Mapping records not applied because their bounds are not whole pages (a damaged input). */
uint64_t pft_aspace_bad_mappings(const struct pft_aspace *as);
/* Sets the time of snapshot id of pid, once the trace says when it was taken. */
int pft_aspace_date_snapshot(struct pft_aspace *as, int pid, unsigned int id, uint64_t ts);
/* Copied: *r need not outlive the call. */
void pft_aspace_set_resolver(struct pft_aspace *as, const struct pft_resolver *r);
/* The process (thread group) of a thread, from what the trace or resolver said, else tid. */
int pft_aspace_pid_of(struct pft_aspace *as, int tid, int tgid_hint, const char *comm);
/* Records that tid belongs to process tgid. */
int pft_aspace_set_tgid(struct pft_aspace *as, int tid, int tgid);
/* The VMA that held addr in pid at ts, or NULL; *maps gets the snapshot the fault is classified
 * against (NULL: no maps known for pid). Both live as long as as. */
const struct pft_vma *pft_aspace_lookup(struct pft_aspace *as, int pid, uint64_t ts, uint64_t addr,
					const char *comm, const struct pft_maps **maps);
/* Calls cb for every snapshot, process by process, in time order; stops at a negative return. */
int pft_aspace_foreach_snapshot(const struct pft_aspace *as,
				int (*cb)(void *data, int pid, uint64_t ts,
					  const struct pft_maps *maps, const char *exe),
				void *data);
void pft_aspace_free(struct pft_aspace *as);

/* ---------------------------------------------------------------- symbols */

/* What an address is in the code (elfutils libdwfl; kallsyms for the kernel). */
struct pft_symbol {
	const char *function;	/* NULL: not found (no file, no symbols) */
	uint64_t offset;	/* from the function's start */
	const char *source;	/* "file.c:123" where debug information has it, else NULL */
	const char *module;	/* the file's path, "[kernel]", or the VMA's name; NULL: none */
	uint64_t module_offset; /* the address's offset in the file (in the VMA if anonymous) */
	bool kernel;
};

/* What could not be named: files that are not there (or not with the build ID recorded). */
struct pft_syms_stats {
	uint64_t files;	      /* files looked for */
	uint64_t missing;     /* no candidate */
	uint64_t mismatched;  /* candidates, all with another build ID: never used */
	uint64_t unreadable;  /* a candidate the caller may not read (run as another user) */
	uint64_t not_regular; /* a FIFO, device or directory by the name: never opened */
	uint64_t no_symbols;  /* found, without a symbol table */
	uint64_t lookups;     /* addresses asked for */
	uint64_t resolved;    /* distinct ones looked up (the rest came from the cache) */
	uint64_t names;	      /* of those, named with a function */
};

struct pft_syms;
/* A symbolizer; symfs (may be NULL) is where files are looked for offline, before debuginfod
 * (DEBUGINFOD_URLS). NULL with errno. */
struct pft_syms *pft_syms_new(const char *symfs);
/* The build ID the file at path (inode) had when recorded: only a file with it is used to name
 * that file's code. 0, or -1 with errno. */
int pft_syms_expect(struct pft_syms *s, const char *path, uint64_t inode, const uint8_t *id,
		    size_t len);
/* Kernel symbols, "addr type name" lines as in /proc/kallsyms; f NULL: this machine's (a live
 * recording), read when a kernel address is first named. Without either, kernel addresses are
 * not named: another machine's kernel is not this one. 0, or -1 with errno. */
int pft_syms_kallsyms(struct pft_syms *s, FILE *f);
/* Names addr of a process, in vma (the VMA that held it; NULL: none). Each distinct address of a
 * file is named once. *out's strings live as long as s. */
void pft_syms_lookup(struct pft_syms *s, int pid, const struct pft_vma *vma, uint64_t addr,
		     struct pft_symbol *out);
/* pid's JIT map (/tmp/perf-PID.map's text, len bytes, copied): code in its anonymous memory is
 * named from it ("[jit]"). -1 on ENOMEM. */
int pft_syms_jitmap(struct pft_syms *s, int pid, const char *text, size_t len);
/* Asked (with data) when pid's code in anonymous memory is not in its JIT map: it may give a
 * newer one (pft_syms_jitmap) and return 1, else 0. */
void pft_syms_set_jit_source(struct pft_syms *s,
			     int (*refresh)(void *data, struct pft_syms *s, int pid), void *data);
/* Each JIT map given, for a trace.dat. Stops at a negative return of cb, which it returns. */
int pft_syms_foreach_jitmap(const struct pft_syms *s,
			    int (*cb)(void *data, int pid, const char *text, size_t len), void *data);
/* text interned in s: one pointer per distinct text, as long as s lives; NULL on ENOMEM. */
const char *pft_syms_intern(struct pft_syms *s, const char *text);
/* "function+0x12", else "file+0xoffset", else "0xaddr". snprintf's return. */
int pft_symbol_text(const struct pft_symbol *sym, char *buf, size_t size);
const struct pft_syms_stats *pft_syms_stats(const struct pft_syms *s);
/* Calls cb for each file that could not be used to name code, with why: "missing", "mismatch"
 * (found only with another build ID or inode), "unreadable" or "not-regular". Stops at a
 * negative return, which it returns. */
int pft_syms_foreach_unusable(const struct pft_syms *s,
			      int (*cb)(void *data, const char *path, const char *why), void *data);
void pft_syms_free(struct pft_syms *s);
/* The GNU build ID of an ELF file into id: its length (0: it has none), -1 with errno. */
ssize_t pft_build_id(const char *path, uint8_t *id, size_t size);

/* ---------------------------------------------------------------- faults and reports */

/* One frame of a call stack. */
struct pft_frame {
	uint64_t ip; /* 0: the source gave only a name */
	struct pft_symbol
	    sym; /* what it is; sym.function NULL: not named (sym.module says where) */
};

/* A fault after the join: what a per-fault sink (JSON Lines) sees. */
struct pft_fault {
	const struct pft_event *ev;
	int pid, tid;
	const struct pft_vma *vma; /* NULL: no-vma, or no maps for pid (kind unknown) */
	uint64_t page;		   /* address & ~0xfff */
	uint64_t file_offset;	   /* valid when has_file_offset */
	bool has_file_offset;
	enum pft_arch arch; /* how its error_code reads */
	struct pft_code code;
	enum pft_access access;
	enum pft_kind kind;
	int major;	  /* the kernel's verdict: 1 major, 0 minor, -1 unknown (no completion) */
	/* a signal came while it waited and the kernel gave it up (VM_FAULT_RETRY with a signal
	 * pending): its thread ran the signal, then took the same fault again. Not in the
	 * kernel's counters, which count the fault taken again; major is -1 */
	bool restarted;
	bool has_latency; /* it had its completion */
	uint64_t latency_ns;	  /* entry to completion, when has_latency */
	/* where that time went (record --why): parts that sum to latency_ns, by enum pft_cause,
	 * or NULL; waker: who woke it last while it was blocked (0: an interrupt), or -1 */
	const uint64_t *why_ns;
	int waker;
	/* the path it took (record --why), and the readahead window it read or started, in
	 * pages (0: none) */
	enum pft_path path;
	uint32_t readahead_pages;
	int lock_holder; /* it waited for the mmap lock: the writer that held it, or -1 */
	/* the I/O it submitted (block_io_start in its window): bytes, and the device (dev_t, the
	 * kernel's major << 20 | minor; io_devs how many: 0, 1, or 2 for more than one) */
	uint64_t io_bytes, io_dev;
	int io_devs;
	uint64_t reclaimed; /* the pages its direct or memcg reclaim freed */
	const char *cgroup; /* its process's cgroup when known (live: record tells each), or NULL;
			     * valid during the sink's call */
	bool has_symbol;	  /* the report names code (pft_report_set_syms) */
	struct pft_symbol symbol; /* the code that faulted: the ip */
	/* its call stack when the source has one and the report names code: innermost first,
	 * kernel frames then user frames; valid during the sink's call */
	const struct pft_frame *stack;
	size_t stack_depth;
	bool stack_truncated; /* the user frames stop before the thread's entry (no frame
			       * pointer to follow) */
};

/* The cause that took most of f's time (the first of equals), or PFT_CAUSE_COUNT when its
 * time was not split. */
enum pft_cause pft_fault_cause(const struct pft_fault *f);

/* Decides the kind from error_code (x86's), the VMA (NULL: none contains the address) and the maps
 * (NULL: none known). Documented in pftrace(1). */
enum pft_kind pft_classify(uint64_t error_code, const struct pft_vma *vma,
			   const struct pft_maps *maps, uint64_t address);
/* The same for what an error_code of any arch says: a write not known to be to a present page
 * is PFT_KIND_WRITE where x86's would tell a first touch from a copy-on-write. */
enum pft_kind pft_classify_code(struct pft_code code, const struct pft_vma *vma,
				const struct pft_maps *maps, uint64_t address);
/* The same for a fault without an error_code, by its access as pft_access_infer told it: anon
 * or file where the access is unknown. */
enum pft_kind pft_classify_access(enum pft_access access, const struct pft_vma *vma,
				  const struct pft_maps *maps, uint64_t address);

enum pft_by {
	PFT_BY_VMA,
	PFT_BY_FILE,
	PFT_BY_PAGE,
	PFT_BY_IP,
	PFT_BY_TID,
	PFT_BY_KIND,
	PFT_BY_PID,
	PFT_BY_SYM,
	PFT_BY_PATH,  /* the path the kernel took (record --why) */
	PFT_BY_CAUSE, /* the cause that took most of a fault's time (record --why) */
	PFT_BY_COMM,  /* the program: every process of one name (record -a's natural view) */
	PFT_BY_CGROUP, /* the cgroup: a container's or a service's processes summed */
	PFT_BY_COUNT,
};
/* "vma" -> PFT_BY_VMA ...; -1 if unknown. */
int pft_by_parse(const char *s);
const char *pft_by_name(enum pft_by by);

struct pft_report_opts {
	enum pft_by by;
	int top;	 /* rows per table; 0 = all */
	const int *pids; /* only these processes (or threads); NULL = all */
	size_t nr_pids;
	bool kernel;	     /* include page_fault_kernel */
	bool completions;    /* the source has fault completions: a fault waits for its own */
	bool major_only;     /* of major faults only: a fault without one is minor (or failed) */
	bool stacks;	     /* name each fault's call stack (the per-fault sink gets it) */
	bool stack_tree;     /* keep the tree of call stacks (folded stacks, flame graphs) */
	unsigned int tables; /* 1u << PFT_BY_x: tables kept besides --by's (--fail-if rows) */
	bool heatmap;	     /* keep each fault's time and address (pft_report_write_heatmap) */
	bool weight_ns;	     /* the flame graph, folded stacks and heatmap weigh each fault by its
			      * latency (ns), not as 1 */
	/* an exited process's memory areas fold into one row per program (comm) and area (file or
	 * name, permissions, offset) once keep_exited processes have ended after it: memory
	 * bounded by what is alive */
	bool fold_exited;
	size_t keep_exited;
};

struct pft_report;

/* opts is copied (pids too); as is borrowed and must outlive the report. Returns NULL with errno.
 */
struct pft_report *pft_report_new(const struct pft_report_opts *opts, struct pft_aspace *as);
/* Called with each fault once it is complete (joined, classified, and with the kernel's verdict
 * when the source has completions); a negative return stops pft_report_add with -1. The fault
 * and its event live until the callback returns. */
typedef int (*pft_fault_sink)(void *data, const struct pft_fault *f);
void pft_report_set_sink(struct pft_report *rep, pft_fault_sink sink, void *data);
/* Feeds one event, in time order. 0, or -1 (ENOMEM, or the sink's error). */
int pft_report_add(struct pft_report *rep, const struct pft_event *ev);
/* Names the code of each fault (its ip) with syms (borrowed; NULL: none): --by ip and --by sym
 * rows, and the per-fault sink, get symbols. */
void pft_report_set_syms(struct pft_report *rep, struct pft_syms *syms);
/* A source has completions (see pft_source_stats), of major faults only or of all: faults from
 * now on wait for theirs. */
void pft_report_expect_completions(struct pft_report *rep, bool major_only);
/* How the error_codes of the faults fed from now on read (x86's until said). */
void pft_report_set_arch(struct pft_report *rep, enum pft_arch arch);
/* A source has what splits each fault's time (record --why; see pft_source_stats): each fault
 * with a completion gets its parts (pft_fault.why_ns), rows and the summary their sums; full:
 * and the events of every fault (--why=full), without which a swap-in from the swap cache and
 * a huge page are zero-fills (the summary says which). */
void pft_report_expect_why(struct pft_report *rep, bool full);
/* The kernel's own fault counters of process pid over the recording (pft_source_counters): the
 * report compares each with what was traced for it; pid -1 is a total for all processes. Only
 * processes the pid filter selects count. -1 on ENOMEM. */
int pft_report_process_counters(struct pft_report *rep, int pid, uint64_t min_flt,
				uint64_t maj_flt);
/* The end of the input: faults still waiting for a completion are complete without one. */
int pft_report_finish(struct pft_report *rep);
/* Adds a source's counters to the report's "source"/"summary" (call once per source, at its end).
 */
int pft_report_add_source(struct pft_report *rep, const struct pft_source *src);
/* The same for an input that is not a pft_source (a live recording); both are copied. */
int pft_report_add_input(struct pft_report *rep, const char *name,
			 const struct pft_source_stats *st);
/* The whole report as a JSON document in memory (see pftrace(1)). Caller owns the reference. */
json_t *pft_report_json(const struct pft_report *rep);
/* The same document written to out row by row, so memory stays bounded by one row whatever the
 * number of rows. -1 on a write error. */
int pft_report_write_json(const struct pft_report *rep, FILE *out);
void pft_report_free(struct pft_report *rep);

/* The call stacks, folded (Brendan Gregg's collapsed format): one line per stack, root first,
 * ';'-joined, a space, its faults; the comm is the root frame, kernel frames end in "_[k]".
 * -1 on a write error. */
int pft_report_write_folded(const struct pft_report *rep, FILE *out);
/* The same stacks as a flame graph: a self-contained SVG (no network), a frame's title says its
 * name, faults and share; coloured by the kind of fault (or by major faults: a click on the
 * legend switches). -1 on a write error. */
int pft_report_write_flamegraph(const struct pft_report *rep, FILE *out);

/* Rows of table by (--by's, the areas, the processes, or one of opts.tables), all of them, as
 * in the document. Caller owns; NULL with errno ENOENT if the report does not keep that table. */
json_t *pft_report_rows(const struct pft_report *rep, enum pft_by by);

/* ---------------------------------------------------------------- gates */

/* A condition for CI: "METRIC OP NUMBER[%]", OP one of > >= < <= == !=. METRIC is a summary
 * value (faults, major, minor, no_vma, lost_events, ..., a kind such as cow, latency_p50/p99/max
 * in µs) or TABLE:KEY.METRIC, the rows of a table whose key matches, summed
 * ("file:/usr/lib/libfoo.so.major", "sym:load_config.faults"). */
struct pft_gate;
/* NULL and, in err, what part is bad. */
struct pft_gate *pft_gate_parse(const char *text, char *err, size_t size);
const char *pft_gate_text(const struct pft_gate *g);
/* The table whose rows the gate reads (enum pft_by), or -1 for the summary. */
int pft_gate_table(const struct pft_gate *g);
/* Holds g against doc, a report's document (pft_report_json) or a diff's (pft_diff: values are
 * changes, a percentage is of OLD's value; in a report, of all faults), with rows the rows of
 * g's table (NULL if none). 1 it holds, 0 not, -1 and err if it cannot be decided; *value its
 * value, *pct the same as a percentage (of OLD's, or of all faults). err may say something
 * even when it returns 0 or 1 (no row matched: 0). */
int pft_gate_eval(const struct pft_gate *g, const json_t *doc, const json_t *rows, double *value,
		  double *pct, char *err, size_t size);
/* The metric as written ("sym:load_config.faults"), for messages. */
const char *pft_gate_metric(const struct pft_gate *g);
/* Its number is a percentage. */
bool pft_gate_pct(const struct pft_gate *g);
/* The unit of the gate's values as printed: " us" (latencies, causes), " ns" (*_ns) or "". */
const char *pft_gate_unit(const struct pft_gate *g);
void pft_gate_free(struct pft_gate *g);

/* ---------------------------------------------------------------- diff */

struct pft_diff_opts {
	enum pft_by by;
	uint64_t min_delta;   /* changes of fewer faults are folded into one row */
	double min_delta_pct; /* or of less than this percent of OLD's */
	int top;	      /* rows; 0 = all */
};
/* The difference of two report documents (pft_report_json, or saved --json documents) by
 * o->by, rows keyed so that runs with other pids and addresses match (see pftrace(1)). A new
 * document (caller owns), or NULL and a message in err. */
json_t *pft_diff(const json_t *old, const json_t *new, const struct pft_diff_opts *o, char *err,
		 size_t size);
/* Checks doc, a saved report document (a baseline from anywhere), against the report's JSON
 * Schema (man/pftrace-report.schema.json, built in) before pft_diff uses it: 0 if it holds, else
 * -1 and err names the field and what it should be ("summary.faults: expected a non-negative
 * integer"). */
int pft_diff_check_doc(const json_t *doc, char *err, size_t size);
/* The diff as a table (markdown: GitHub's tables) on out. -1 on a write error. */
int pft_render_diff(const json_t *diff, bool markdown, FILE *out);

/* Address (the areas with the most faults, each a band) by time, each cell coloured by its
 * faults (or, after a click on the legend, by the share of them that were major): a
 * self-contained SVG. -1 on a write error. */
int pft_report_write_heatmap(const struct pft_report *rep, FILE *out);

/* One fault as a JSON Lines object. Caller owns the reference. */
json_t *pft_fault_json(const struct pft_fault *f);
/* Time split into causes (ns[PFT_CAUSE_COUNT], by enum pft_cause) as every JSON document has
 * it: {CAUSE: ns, ...}. Caller owns the reference. */
json_t *pft_cause_ns_json(const uint64_t *ns);

/* Writes the people's view of the report to out: the summary, then the rows of the --by table,
 * from the same document and rows as the JSON. -1 on a write error. */
int pft_render_table(const struct pft_report *rep, FILE *out);
/* The same as markdown (GitHub's tables): the summary as a list, the rows as a table, for a CI
 * job's summary page. -1 on a write error. */
int pft_render_markdown(const struct pft_report *rep, FILE *out);

/* A JSON string from bytes that may not be UTF-8: invalid bytes become U+FFFD. NULL -> json null.
 */
json_t *pft_json_str(const char *s);
/* "0x..." hex string for an address. */
json_t *pft_json_hex(uint64_t v);

/* ---------------------------------------------------------------- untrusted text */

/* Names chosen by traced processes or other machines (comms, paths, symbols) written for the
 * sink that shows them: every output of such a string goes through here (escape.c says what
 * each sink escapes). */
enum pft_text {
	PFT_TEXT_TERM,	 /* the table, text lines on a terminal */
	PFT_TEXT_XML,	 /* SVG text and attribute values */
	PFT_TEXT_MD,	 /* a GitHub-flavoured markdown table cell or list item */
	PFT_TEXT_FOLDED, /* a frame of a folded stack */
};
/* Writes s escaped for how to out (nothing if out is NULL), whole characters only, at most
 * max_cols columns of the result (0: no limit). Returns the columns written (a character of
 * UTF-8 counts one). */
size_t pft_put_text(FILE *out, const char *s, enum pft_text how, size_t max_cols);
/* The columns s takes, escaped for how. */
size_t pft_text_cols(const char *s, enum pft_text how);
/* s escaped, then spaces up to width columns; cut: at most width columns of s. */
void pft_put_padded(FILE *out, const char *s, enum pft_text how, size_t width, bool cut);
/* The last chars characters of s (a byte that is not UTF-8 counts as one): never inside one. */
const char *pft_text_tail(const char *s, size_t chars);

/* ---------------------------------------------------------------- output files */

/* A file written whole or not at all (outfile.c): a regular file through a temporary next to it,
 * renamed over it at commit; a device, FIFO or socket in place; a symbolic link followed only if
 * the caller or root owns it; a directory and a block device refused. */
struct pft_outfile;
/* Whether path can be written so, before any work is done: 0, or -1 with errno and *why (a
 * static phrase saying what path is, or NULL: errno says it). */
int pft_outfile_check(const char *path, const char **why);
/* Opens path for writing, a new file with mode (less the umask). NULL with errno and *why as
 * pft_outfile_check's. The caller ends it with pft_outfile_commit or pft_outfile_abort. */
struct pft_outfile *pft_outfile_open(const char *path, mode_t mode, const char **why);
/* Its stream, owned by it. */
FILE *pft_outfile_file(struct pft_outfile *o);
/* Flushes and syncs the data and puts the file in place: 0, or -1 with errno, and then neither
 * a partial file nor the temporary is left (an old file stays as it was). Frees o. */
int pft_outfile_commit(struct pft_outfile *o);
/* Drops what was written (the temporary removed). Frees o; NULL is a no-op. */
void pft_outfile_abort(struct pft_outfile *o);

#endif
