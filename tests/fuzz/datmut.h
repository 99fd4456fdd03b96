/* SPDX-License-Identifier: MIT */
/*
 * A structure-aware mutator for trace.dat inputs (libFuzzer's LLVMFuzzerCustomMutator), for the
 * targets whose input is a flag byte and then a trace.dat. Byte flips almost never get past a
 * trace.dat's framing (section sizes, page headers, record lengths) to the values the analysis
 * trusts; this mutator walks the framing with pftrace's own walker (lib/datwalk.c) and changes
 * one field of one record, keeping every length as it was:
 *   - a ring-buffer event record (a page of an uncompressed CPU section): one of its 4- or
 *     8-byte words (a fault's address, ip, error_code, pid; a syscall's arguments) set to a
 *     value the analysis must survive (unaligned, a page off, zero, all ones, a kernel address),
 *     or its time delta;
 *   - a record of pftrace's perf option (completions, MMAP2, COMM): its address, pid/tid, or an
 *     MMAP2's length or file offset.
 * Half of the time, and for anything else, libFuzzer's own mutations. FUZZ_NO_STRUCT=1 turns
 * this off (to measure what it buys).
 */
#include <stdlib.h>
#include <string.h>
#include "../../lib/dat.h"
#include "../../lib/perf.h"

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);

struct region {
	uint64_t off, size;
	uint32_t page_size;
	bool perf; /* pftrace's perf option, else a CPU's pages */
};

struct regions {
	struct region r[64];
	int nr;
};

static void add(struct regions *rs, uint64_t off, uint64_t size, uint32_t page_size, bool perf)
{
	if (rs->nr < 64 && size)
		rs->r[rs->nr++] = (struct region){off, size, page_size, perf};
}

static void on_option(void *data, unsigned int id, char *buf, uint32_t size, int64_t off)
{
	/* v6 hands the perf option over by its place in the file */
	if (id == PFT_DAT_OPT_PFTRACE_PERF && !buf && off > 0)
		add(data, (uint64_t)off, size, 0, true);
}

static void on_cpu_data(void *data, const char *buffer, int cpu, uint64_t off, uint64_t size,
			uint32_t page_size, enum pft_dat_comp comp)
{
	(void)buffer, (void)cpu;
	if (comp == PFT_DAT_NONE && page_size >= 64)
		add(data, off, size, page_size, false);
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13, *s ^= *s >> 7, *s ^= *s << 17;
	return *s;
}

/* A value the analysis must survive, from the word that was there. */
static uint64_t twist(uint64_t v, uint64_t *s)
{
	switch (rnd(s) % 9) {
	case 0:
		return v + 4096;
	case 1:
		return v - 4096;
	case 2:
		return v ^ (1ull << (rnd(s) % 64));
	case 3:
		return (v & ~0xfffull) | (rnd(s) & 0xfff); /* unaligned */
	case 4:
		return 0;
	case 5:
		return ~0ull;
	case 6:
		return 0xffff888000000000ull + (rnd(s) & 0xfffff000); /* a kernel address */
	case 7:
		return v + (rnd(s) % 64) - 32;
	default:
		return rnd(s);
	}
}

static void put_word(uint8_t *p, uint64_t *s, bool wide)
{
	uint64_t v = 0;

	memcpy(&v, p, wide ? 8 : 4);
	v = twist(v, s);
	memcpy(p, &v, wide ? 8 : 4);
}

/* One event record of a ring-buffer page at p (page_size bytes): a word of it, or its time. */
static bool mutate_page(uint8_t *p, uint32_t page_size, uint64_t *s)
{
	uint8_t *recs[256];
	uint32_t lens[256], pos = 16, end, hdr, type, len;
	uint64_t commit;
	int nr = 0, i;

	memcpy(&commit, p + 8, 8);
	end = 16 + (uint32_t)(commit & 0xfffff);
	if (end > page_size)
		end = page_size;
	while (pos + 4 <= end && nr < 256) {
		memcpy(&hdr, p + pos, 4);
		type = hdr & 0x1f;
		if (type == 0) { /* the length follows */
			if (pos + 8 > end)
				break;
			memcpy(&len, p + pos + 4, 4);
			if (len < 4 || len > end - pos - 8)
				break;
			recs[nr] = p + pos, lens[nr++] = len + 8;
			pos += 8 + ((len - 4 + 3) & ~3u);
		} else if (type <= 28) {
			if (pos + 4 + type * 4 > end)
				break;
			recs[nr] = p + pos, lens[nr++] = 4 + type * 4;
			pos += 4 + type * 4;
		} else if (type == 29) { /* padding */
			break;
		} else { /* a time extend or stamp */
			pos += 8;
		}
	}
	if (!nr)
		return false;
	i = (int)(rnd(s) % (uint64_t)nr);
	if (rnd(s) % 5 == 0) { /* the time delta: 27 bits above the type */
		hdr = (hdr & 0x1f) | (uint32_t)(rnd(s) << 5);
		memcpy(recs[i], &hdr, 4);
		return true;
	}
	/* a word after the record header (and the common type/flags/pid) */
	len = lens[i] > 8 ? lens[i] - 4 : 0;
	if (len < 4)
		return false;
	put_word(recs[i] + 4 + (rnd(s) % (len / 4)) * 4, s, (len / 4) > 1 && rnd(s) % 2);
	return true;
}

/* One record of pftrace's perf option at p (size bytes), found by decoding from the start. */
static bool mutate_perf(uint8_t *p, uint64_t size, uint64_t *s)
{
	static uint64_t ips[2][PFT_MAX_FRAMES];
	static struct pft_stack_dump dump;
	struct pft_event ev;
	char name[4096];
	uint64_t pos = 0, at[128];
	long n;
	int nr = 0, i;

	while (nr < 128 && pos < size &&
	       (n = pft_perf_decode(p + pos, size - pos, &ev, name, sizeof(name), ips, &dump)) > 0) {
		at[nr++] = pos;
		pos += (uint64_t)n;
	}
	if (!nr)
		return false;
	i = (int)(rnd(s) % (uint64_t)nr);
	/* struct enc: ts, addr, tid, pid; an MMAP2's len and pgoff follow it (perf.c) */
	switch (rnd(s) % 4) {
	case 0:
		put_word(p + at[i] + 8, s, true);
		break;
	case 1:
		put_word(p + at[i] + 16 + (rnd(s) % 2) * 4, s, false);
		break;
	default:
		if (at[i] + 56 > size)
			return false;
		put_word(p + at[i] + 40 + (rnd(s) % 2) * 8, s, true);
	}
	return true;
}

static bool mutate_dat(uint8_t *data, size_t size, uint64_t *s)
{
	struct regions rs = {.nr = 0};
	struct pft_dat_walk w = {.data = &rs, .option = on_option, .cpu_data = on_cpu_data};
	struct pft_dat_header h;
	struct region *r;
	FILE *f = fmemopen(data, size, "r");
	uint64_t page;

	if (!f)
		return false;
	pft_dat_walk(f, &w, &h);
	fclose(f);
	if (!rs.nr)
		return false;
	r = &rs.r[rnd(s) % (uint64_t)rs.nr];
	if (r->off + r->size > size)
		return false;
	if (r->perf)
		return mutate_perf(data + r->off, r->size, s);
	if (r->size < r->page_size)
		return false;
	page = rnd(s) % (r->size / r->page_size);
	return mutate_page(data + r->off + page * r->page_size, r->page_size, s);
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
	static const char magic[10] = "\x17\x08\x44tracing";
	uint64_t s = seed | 1ull << 40;

	if (!getenv("FUZZ_NO_STRUCT") && size > 1 + sizeof(magic) &&
	    !memcmp(data + 1, magic, sizeof(magic)) && rnd(&s) % 2 && mutate_dat(data + 1, size - 1, &s))
		return size;
	return LLVMFuzzerMutate(data, size, max_size);
}
