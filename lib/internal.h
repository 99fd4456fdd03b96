/* SPDX-License-Identifier: MIT */
/* Helpers shared inside libpftrace; not part of the public API. */
#ifndef PFT_INTERNAL_H
#define PFT_INTERNAL_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include "pftrace.h"

#define PFT_PAGE_MASK (~(uint64_t)0xfff)

/* Open-addressing hash from a 128-bit key (a, b) to a 32-bit value; a slot is one cache access. */
struct pft_hslot {
	uint64_t a, b;
	uint32_t val; /* PFT_HMAP_EMPTY marks a free slot */
};
struct pft_hmap {
	struct pft_hslot *slots;
	size_t cap, len;
};
#define PFT_HMAP_EMPTY UINT32_MAX

/* Finds (a, b); if absent inserts it with value v. Returns 1 inserted, 0 found, -1 ENOMEM;
 * *out receives the stored value. */
int pft_hmap_put(struct pft_hmap *h, uint64_t a, uint64_t b, uint32_t v, uint32_t *out);
/* Inserts or overwrites. -1 on ENOMEM. */
int pft_hmap_set(struct pft_hmap *h, uint64_t a, uint64_t b, uint32_t v);
/* 1 and *out if present, else 0. */
int pft_hmap_get(const struct pft_hmap *h, uint64_t a, uint64_t b, uint32_t *out);
void pft_hmap_release(struct pft_hmap *h);

/* Interned strings: ids are stable, text is compared on a hash match. */
struct pft_strtab {
	struct pft_hmap index;
	char **s;
	size_t nr, cap;
};
/* The id of s (added if new, copied). -1 on ENOMEM. */
int pft_strtab_put(struct pft_strtab *t, const char *s, uint32_t *id);
void pft_strtab_release(struct pft_strtab *t);

/* Grows *arr (elements of size elem) to hold at least n; -1 on ENOMEM. */
int pft_grow(void **arr, size_t *cap, size_t n, size_t elem);

/* clone(2)'s CLONE_THREAD, as a NEWTASK event's clone_flags carry it */
#define CLONE_THREAD_FLAG 0x00010000ull

/* The perf maps JITs write (/tmp/perf-PID.map), by process. */
struct pft_jitmaps;
struct pft_jitmaps *pft_jitmaps_new(void);
/* pid's map is now text (len bytes, copied; kept whole for a trace.dat). -1 on ENOMEM. */
int pft_jitmaps_set(struct pft_jitmaps *j, int pid, const char *text, size_t len);
/* The name of pid's JIT code at addr (*off from its start), or NULL. j may be NULL. */
const char *pft_jitmaps_find(const struct pft_jitmaps *j, int pid, uint64_t addr, uint64_t *off);
bool pft_jitmaps_has(const struct pft_jitmaps *j, int pid);
/* Each process's text as set; stops at a negative return of cb, which it returns. */
int pft_jitmaps_foreach(const struct pft_jitmaps *j,
			int (*cb)(void *data, int pid, const char *text, size_t len), void *data);
/* Lines that were not "START SIZE name". */
uint64_t pft_jitmaps_bad_lines(const struct pft_jitmaps *j);
void pft_jitmaps_free(struct pft_jitmaps *j);

/* The file-size limit (ulimit -f) every file pftrace writes must fit: UINT64_MAX if none. */
uint64_t pft_file_size_limit(void);

/* Copies up to size-1 bytes of s[0..len) into dst for messages, replacing control bytes. */
void pft_excerpt(char *dst, size_t size, const char *s, size_t len);
/* A new area id (never 0). */
uint64_t pft_area_id(void);
/* A new VMA like tmpl (strings copied; area kept, or a new one if 0), one reference held by the
 * caller. */
struct pft_vma *pft_vma_new(const struct pft_vma *tmpl);
/* VMAs are immutable and reference-counted: a holder takes a reference and drops it. */
struct pft_vma *pft_vma_ref(const struct pft_vma *v);
void pft_vma_unref(const struct pft_vma *v);
/* Editing an address space (each makes new VMAs where it changes one). -1 on ENOMEM. */
struct pft_maps *pft_maps_copy(const struct pft_maps *m);
int pft_maps_unmap(struct pft_maps *m, uint64_t start, uint64_t end);
/* Maps a copy of tmpl over whatever was in its range. */
int pft_maps_insert(struct pft_maps *m, const struct pft_vma *tmpl);
/* New permissions "rwx" (3 chars) for [start, end). */
int pft_maps_protect(struct pft_maps *m, uint64_t start, uint64_t end, const char *rwx);

/* A C++ or Rust (legacy and v0) symbol's name as people write it, malloc'd (the caller frees),
 * or NULL if name is not mangled or cannot be demangled. */
char *pft_demangle(const char *name);

/* The valid UTF-8 sequence at s (at most n bytes, n > 0): its length (1-4), and its code point
 * in *cp; 0 if it is none (a stray byte, cut short, overlong, a surrogate, past U+10FFFF). */
size_t pft_utf8_len(const unsigned char *s, size_t n, uint32_t *cp);

/* Records one skipped line. */
void pft_skip(struct pft_skipped *sk, uint64_t line, const char *text, size_t len);

/* Parse hex digits (no 0x) / decimal digits at p into *out; returns the first byte after them,
 * or NULL if there were none or the value does not fit in 64 bits. */
const char *pft_parse_hex(const char *p, uint64_t *out);
const char *pft_parse_dec(const char *p, uint64_t *out);

/* What a recording keeps for naming code offline (buildid.c): the build ID of each file seen,
 * and the kernel addresses seen. */
struct pft_buildids;
struct pft_buildids *pft_buildids_new(void);
/* Reads path's build ID the first time (path, inode) is seen. -1 on ENOMEM. */
int pft_buildids_note(struct pft_buildids *b, const char *path, uint64_t inode);
int pft_buildids_note_kaddr(struct pft_buildids *b, uint64_t addr);
/* "hexid inode path" lines (PFT_DAT_OPT_PFTRACE_BUILD_IDS); lives as long as b. */
const char *pft_buildids_text(struct pft_buildids *b);
const uint64_t *pft_buildids_kaddrs(const struct pft_buildids *b, size_t *n);
void pft_buildids_free(struct pft_buildids *b);
/* Copies to out the lines of kallsyms text in that name addrs[0..n): all a reader of these
 * addresses needs. -1 with errno. */
int pft_kallsyms_subset(FILE *in, const uint64_t *addrs, size_t n, FILE *out);

/* The file of v, found as pft_syms_lookup finds it (the recorded build ID), and its load bias in
 * the process (where its virtual address 0 is). 0, or -1 if it cannot be used. */
int pft_syms_file(struct pft_syms *s, const struct pft_vma *v, const char **path, uint64_t *bias);
/* Unwinds the user stack of a fault of pid at ts from dump (registers and a copy of the stack)
 * with the files' DWARF call-frame information: its frames' addresses into ips (innermost
 * first, the faulting ip first, then return addresses). How many, or -1. */
int pft_syms_unwind(struct pft_syms *s, struct pft_aspace *as, int pid, uint64_t ts,
		    const struct pft_stack_dump *dump, uint64_t *ips, size_t max);

/* path opened to read if it is a regular file (never a FIFO that would block the open, nor a
 * device): the descriptor, or -1 with errno (ENOEXEC: not a regular file). For paths a trace
 * names. */
int pft_open_regular(const char *path);
#ifdef _LIBDWFL_H
/* libdwfl's callbacks for files read offline (syms.c, unwind.c): a separate debug file by build
 * ID under /usr/lib/debug, or by its debuglink name, each opened only if regular. */
extern const Dwfl_Callbacks pft_dwfl_offline;
#endif

/* unwind.c's state, kept in the symbolizer (made on first use, freed with it). */
struct pft_unwinder;
struct pft_unwinder **pft_syms_unwinder(struct pft_syms *s);
void pft_unwinder_free(struct pft_unwinder *u);

/* Every source is this struct with its own operations; sources fill st as they go. */
struct pft_source {
	char *name;
	struct pft_source_stats st;
	int (*next)(struct pft_source *src, struct pft_event *ev);
	int (*prepare)(struct pft_source *src, struct pft_aspace *as,
		       struct pft_syms *syms); /* NULL: nothing to give */
	int (*counters)(struct pft_source *src, pft_counters_cb cb, void *data); /* NULL: none */
	void (*close)(struct pft_source *src);
	void *priv;
	FILE *owned; /* closed with the source */
};
/* A source with a name and nothing else yet (cpus and lost unknown). NULL with errno. */
struct pft_source *pft_source_alloc(const char *name);

/* Per-task exit counters (taskstats, generic netlink): lib/taskstats.c. */
struct pft_taskstats;
/* Listens to every task exit on cpus CPUs. NULL with errno (no CONFIG_TASKSTATS: ENOENT). */
struct pft_taskstats *pft_taskstats_open(int cpus);
int pft_taskstats_fd(const struct pft_taskstats *t);
/* Called for each task that exited: its tid, tgid (0 if the kernel does not say), counters. */
typedef int (*pft_taskstats_cb)(void *data, int tid, int tgid, uint64_t min_flt, uint64_t maj_flt);
/* Reads what came, without blocking. -1 if cb failed or the socket did. */
int pft_taskstats_read(struct pft_taskstats *t, pft_taskstats_cb cb, void *data);
/* Messages were dropped (a full socket): some exits are not known. */
bool pft_taskstats_overflowed(const struct pft_taskstats *t);
void pft_taskstats_close(struct pft_taskstats *t);

/* Turns src into a trace.dat source reading path (mapped). */
int pft_dat_attach(struct pft_source *src, const char *path);
/* Reads the trace.dat of size bytes at buf as a report would, every event decoded, then frees
 * it all: for the fuzzer. How many events, or -1 if the file is malformed. */
int pft_dat_check(const void *buf, size_t size);
/* Turns src into a text source reading f, after the n bytes at prefix (already read from f). */
int pft_text_attach(struct pft_source *src, FILE *f, const void *prefix, size_t n);

/* Report rows, most faults first, up to --top: what every report sink iterates. */
struct table;
struct group;
struct pft_rows {
	const struct pft_report *rep;
	const struct table *table;
	const struct group **order;
	size_t n, i;
};
enum pft_rows_of {
	PFT_ROWS_VMAS,	 /* the memory areas */
	PFT_ROWS_GROUPS, /* the --by table (the areas for --by vma) */
	PFT_ROWS_PROCS,	 /* the processes, with the kernel's counters */
};
int pft_rows_open(const struct pft_report *rep, enum pft_rows_of of, struct pft_rows *it);
/* The next row as a new JSON object (caller owns), NULL at the end. */
json_t *pft_rows_next(struct pft_rows *it);
void pft_rows_close(struct pft_rows *it);
/* The report document without its row arrays. Caller owns. */
json_t *pft_report_head(const struct pft_report *rep);

/* "mmap", "munmap", ...: the syscalls' names, as in their events (sys_enter_mmap). */
extern const char *const pft_sys_names[PFT_SYS_COUNT];

/* The events that tell why a fault took its time (why.c), NULL-terminated: what record --why
 * enables, the decoders read and a trace.dat keeps the formats of. */
struct pft_why_event {
	const char *sys, *name;
	enum pft_event_type type; /* PFT_EV_SWITCH, PFT_EV_WAKEUP, PFT_EV_SPAN or PFT_EV_MARK */
	enum pft_cause cause;	  /* a span's */
	bool end;		  /* a span's end */
	enum pft_mark mark;	  /* a mark's */
	/* a mark's value: the field (in a trace.dat) and key (in text) it is in; where symbol is
	 * set, the value is whether the field is that symbol of the event's print format
	 * (kernel enums move between versions: never a number of one kernel) */
	const char *field, *key, *symbol;
	const char *field2; /* a second value (args[1]), in a trace.dat */
	/* (a span's end may have a value too: reclaim's pages freed, args[0]) */
	/* what keeps the event to the faults it marks, in the kernel ("%lld": the symbol's
	 * value), or NULL; such an event fires on every fault (a filter evaluation each): only
	 * with --why=full */
	const char *filter;
	/* the enum the symbol is of, where the format prints a number (read from BTF: see
	 * btf.c), or NULL */
	const char *btf_enum;
};
extern const struct pft_why_event pft_why_events[];
/* The entry of event name (of system sys; NULL: any), or NULL. */
const struct pft_why_event *pft_why_event_find(const char *sys, const char *name);

/* One fault's time split as it goes (see why.c): started at its entry, fed the events of its
 * thread, ended at its completion; ns then sums to the latency. */
struct pft_why {
	uint64_t ns[PFT_CAUSE_COUNT];
	uint32_t marks;	      /* 1u << enum pft_mark: the steps seen (out of reclaim) */
	uint32_t ra_pages;    /* the last readahead window */
	/* the I/O it submitted: bytes, and its device (dev_t, the first; io_devs 2: more than
	 * one) */
	uint64_t io_bytes, io_dev;
	uint64_t reclaimed; /* pages its reclaim freed */
	uint8_t io_devs;
	/* its wait for the mmap lock: since when, on which mm, and who held it for writing (a
	 * tid; -1 not known) */
	uint64_t lock_since, lock_mm;
	int lock_holder;
	int waker;    /* who woke it last while it was blocked: a task, 0 an interrupt, -1 unseen */
	int early;    /* who woke it while it still ran (before its switch out), or -1 */
	uint64_t at;  /* the time accounted up to */
	uint8_t state;
	uint8_t spans[6], depth, overflow; /* the causes of the spans it is in, innermost last */
	bool unwoken; /* back on its CPU from a block whose wake-up has not come (yet) */
	bool blocked; /* it has blocked (D or S) */
	bool retried; /* it took the mmap lock again after blocking: a retry runs */
};
void pft_why_start(struct pft_why *w, uint64_t ts);
/* sched_switch's prev_state, as a number (a trace.dat) or as printed ("R+", "D", "S"). */
enum pft_task_state pft_task_state(uint64_t prev_state);
enum pft_task_state pft_task_state_text(const char *s);
/* ev: a PFT_EV_SWITCH, PFT_EV_WAKEUP or PFT_EV_SPAN that may concern thread tid. */
void pft_why_event(struct pft_why *w, int tid, const struct pft_event *ev);
void pft_why_end(struct pft_why *w, uint64_t ts);
/* The path of a fault of kind in vma (NULL: none), major as pft_fault's, from what its split
 * saw (NULL: none). */
enum pft_path pft_fault_path(enum pft_kind kind, int major, const struct pft_vma *vma,
			     const struct pft_why *w);

/* Raw records (libtraceevent) to events: shared by the live reader and the trace.dat reader. */
struct tep_handle;
struct tep_record;
struct pft_decoder;
/* Caches event ids and fields of tep (borrowed); tep may have no page-fault event (arm64:
 * the faults are perf's, the history tracefs's). NULL with errno ENOMEM. */
struct pft_decoder *pft_decoder_new(struct tep_handle *tep);
/* Fills *ev from rec (comm excepted: ev->comm is NULL). Strings live until the next call. */
void pft_decode(struct pft_decoder *d, struct tep_record *rec, int cpu, struct pft_event *ev);
/* If rec is ftrace's kernel_stack or user_stack (the stack of the event before it on its CPU):
 * its frames into ips (at most max), *user which. How many, or -1 if rec is no stack. */
int pft_decode_stack(struct pft_decoder *d, struct tep_record *rec, uint64_t *ips, size_t max,
		     bool *user);
void pft_decoder_free(struct pft_decoder *d);
/* The value of symbol in the __print_symbolic() of field in ev's print format (a kernel enum
 * as this kernel numbers it): 0, or -1 with errno ENOENT. */
struct tep_event;
/* The same from the text of a format (len bytes, not a C string): 0, or -1 with errno ENOENT. */
int pft_format_symbol(const char *text, size_t len, const char *field, const char *symbol,
		      long long *value);
int pft_event_symbol(const struct tep_event *ev, const char *field, const char *symbol,
		     long long *value);
/* The value of member of the kernel's enum type (BTF): 0, or -1 with errno. */
int pft_btf_enum(const char *type, const char *member, long long *value);
/* For an event whose symbol is a number of w->btf_enum: its format text (len bytes) with a print
 * format naming the symbol's value, a new string (free it) of *out_len bytes; NULL with errno
 * (ENOENT: no such event or enum here) otherwise. */
char *pft_why_format(const struct pft_why_event *w, const char *text, size_t len,
		     size_t *out_len);
/* The trace has what splits a fault's time (sched_switch, at least). */
bool pft_decoder_has_why(const struct pft_decoder *d);
/* And the events of every fault of --why=full (rss_stat, its symbol known). */
bool pft_decoder_has_why_full(const struct pft_decoder *d);
/* The trace's events include the signals taken (signal_deliver): restarted faults are told. */
bool pft_decoder_has_signals(const struct pft_decoder *d);
/* The event (system, name) is one pft_decode reads: its format is needed. */
bool pft_decoder_wants(const char *sys, const char *name);
/* Walking a raw ring-buffer page (u64 time stamp, u64 commit, records) as libtraceevent's
 * kbuffer does, with every length checked: see raw.c. */
struct pft_page {
	const char *data;
	uint32_t cap, used, next;
	uint64_t ts;
	bool missed;  /* the kernel dropped events before this page */
	int64_t lost; /* how many: -1 if the page does not say, 0 if none */
};
struct pft_page_rec {
	uint64_t ts;
	void *data;
	int size;
	bool first; /* the first record of the page */
};
/* -1 if the page's header does not fit it. */
int pft_page_open(struct pft_page *it, const void *page, uint32_t page_size);
/* The next data record: 1, 0 at the end of the page, -1 if the page is malformed (kbuffer could
 * loop or read outside the page on it). */
int pft_page_next(struct pft_page *it, struct pft_page_rec *rec);

/*
 * Checks doc against schema, in the part of JSON Schema 2020-12 that pftrace's schemas use
 * (type, const, enum, required, properties, additionalProperties, propertyNames, items, maxItems,
 * minimum, pattern, allOf, anyOf, oneOf, and $ref within the schema); a schema with any other
 * keyword is an error. 0 if doc holds; else -1 (errno EINVAL, ENOMEM) and err says where and
 * what: "summary.faults: expected a non-negative integer". Neither argument is kept.
 */
int pft_json_check(const json_t *schema, const json_t *doc, char *err, size_t size);
/* man/pftrace-report.schema.json, built in (build/schemas.c, made by make from the file). */
extern const char pft_report_schema_text[];

#endif
