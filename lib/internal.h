/* SPDX-License-Identifier: MIT */
/* Helpers shared inside libpftrace; not part of the public API. */
#ifndef PFT_INTERNAL_H
#define PFT_INTERNAL_H

#include <stddef.h>
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

/* Grows *arr (elements of size elem) to hold at least n; -1 on ENOMEM. */
int pft_grow(void **arr, size_t *cap, size_t n, size_t elem);

/* Copies up to size-1 bytes of s[0..len) into dst for messages, replacing control bytes. */
void pft_excerpt(char *dst, size_t size, const char *s, size_t len);
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

/* Records one skipped line. */
void pft_skip(struct pft_skipped *sk, uint64_t line, const char *text, size_t len);

/* Parse hex digits (no 0x) / decimal digits at p into *out; returns the first byte after them,
 * or NULL if there were none or the value does not fit in 64 bits. */
const char *pft_parse_hex(const char *p, uint64_t *out);
const char *pft_parse_dec(const char *p, uint64_t *out);

/* Every source is this struct with its own next/close; sources fill st as they go. */
struct pft_source {
	char *name;
	struct pft_source_stats st;
	int (*next)(struct pft_source *src, struct pft_event *ev);
	void (*close)(struct pft_source *src);
	void *priv;
	FILE *owned; /* closed with the source */
};

/* Turns src into a trace.dat source (libtracecmd) reading path. */
int pft_dat_attach(struct pft_source *src, const char *path);
/* Walks the options of a trace.dat in f and parses what pftrace reads of them (maps snapshots,
 * PROCMAPS, perf records, counters), then frees it all: the part of trace.dat reading that
 * pftrace does itself, for the fuzzer. The number of perf records read, or -1 if malformed. */
int pft_dat_check(FILE *f);
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
/* groups: the --by table, else the VMA table. */
int pft_rows_open(const struct pft_report *rep, bool groups, struct pft_rows *it);
/* The next row as a new JSON object (caller owns), NULL at the end. */
json_t *pft_rows_next(struct pft_rows *it);
void pft_rows_close(struct pft_rows *it);
/* The report document without its row arrays. Caller owns. */
json_t *pft_report_head(const struct pft_report *rep);

/* Raw records (libtraceevent) to events: shared by the live reader and the trace.dat reader. */
struct tep_handle;
struct tep_record;
struct pft_decoder;
/* Caches event ids and fields of tep (borrowed). NULL with errno ENOENT if tep has neither
 * page-fault event. */
struct pft_decoder *pft_decoder_new(struct tep_handle *tep);
/* Fills *ev from rec (comm excepted: ev->comm is NULL). Strings live until the next call. */
void pft_decode(struct pft_decoder *d, struct tep_record *rec, int cpu, struct pft_event *ev);
void pft_decoder_free(struct pft_decoder *d);
/* A ring-buffer page (u64 timestamp, u64 commit, data) whose sizes fit in page_size, and whose
 * records (walked with kb, if not NULL) all lie within its data: what kbuffer trusts. */
struct kbuffer;
bool pft_page_ok(struct kbuffer *kb, void *page, uint32_t page_size);
/* "mmap", "munmap", ... */
const char *pft_sys_name(enum pft_sys sys);

#endif
