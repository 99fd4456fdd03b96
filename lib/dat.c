/* SPDX-License-Identifier: MIT */
/*
 * Reading trace.dat (v6 and v7, compressed or not): the layout from datwalk.c, the event
 * formats pftrace decodes parsed by libtraceevent, and the ring-buffer pages walked in place
 * (raw.c), every CPU of every buffer instance merged by time. The file is mapped: a plain
 * file's pages are read where they are; a compressed file's, one chunk at a time, so memory is
 * a chunk per CPU, whatever the file's size.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <event-parse.h>
#include "internal.h"
#include "dat.h"
#include "perf.h"
#include "live.h"

struct dat_snapshot {
	int pid;
	uint64_t ts;
	char *exe;
	struct pft_maps *maps;
};

/* One CPU of one buffer: its pages, in the file or in a decompressed chunk. */
struct stream {
	int cpu;
	uint32_t page_size;
	enum pft_dat_comp comp; /* PFT_DAT_NONE: the pages are in the file */
	uint64_t off, end;	/* compressed: the next chunk's place, the data's end */
	uint32_t chunks;	/* compressed: chunks left */
	const char *base;	/* the pages at hand */
	size_t len, pos;
	char *chunk;
	size_t cap;
	char *tail;	/* a last page shorter than a page, zero-filled */
	size_t dropped; /* plain: the pages before base + dropped were given back */
	struct pft_page page;
	bool in_page;
	struct tep_record rec; /* the next record, when have */
	bool have;
};

struct dat {
	const char *file; /* the whole file, mapped (or the fuzzer's buffer) */
	size_t file_size;
	void *map; /* unmapped on close */
	struct tep_handle *tep;
	struct pft_decoder *dec;
	struct pft_dat_header hdr;
	void *unz; /* the chunks' decompression context (hdr.comp's) */
	struct stream *streams;
	int nr_streams;
	size_t cap_streams;
	char *recbuf; /* the returned event's record, copied: chunks move on */
	size_t recbuf_cap;
	int err; /* a malformed page or chunk met: the next call fails with it */
	bool long_commit_ok;
	/* the time of the file's events: ts * mult >> shift + offset (trace-cmd's TSC2NSEC,
	 * DATE and OFFSET options) */
	uint32_t ts_mult, ts_shift;
	int64_t ts_offset;
	struct dat_snapshot *snaps;
	size_t nr_snaps, cap_snaps;
	struct dat_snapshot *tc_snaps; /* trace-cmd's PROCMAPS: used only without pftrace's own */
	size_t nr_tc_snaps, cap_tc_snaps;
	bool have_pftrace_maps, have_stats;
	int64_t lost_stats, lost_missed;
	int cpus;
	struct perf_in {
		FILE *f, *own; /* own: closed with the source */
		int64_t off;   /* v6: where in the file, -1 if not there */
		char *mem;     /* a v7 file's option, decompressed */
		int64_t left;
		char buf[1 << 18]; /* refilled below half: holds any record (< 90 KiB) */
		size_t have, pos;
		struct pft_event ev;
		/* two of each: the event returned last points into one, the next one is
		 * decoded into the other */
		struct perf_slot {
			char name[4096];
			uint64_t ips[2][PFT_MAX_FRAMES];
			struct pft_stack_dump dump;
			uint8_t data[PFT_MAX_DUMP];
		} * slots;
		int slot;
		bool valid;
	} perf;
	uint64_t stack_ips[2][PFT_MAX_FRAMES]; /* kernel, user: of the event returned last */
	uint64_t tmp_ips[PFT_MAX_FRAMES];
	const char *comm; /* of comm_tid, looked up once for a run of its events */
	int comm_tid;
	struct pft_proc_counters *counters;
	size_t nr_counters, cap_counters;
	char *build_ids; /* the option's text */
	char *machine;	 /* uname's machine ("x86_64"), or NULL */
	char *cgroup;	 /* record --cgroup's, with its memory.stat counters, or NULL */
	uint64_t cg_pgfault, cg_pgmajfault;
	char *jitmaps;	 /* the JIT maps' option, jitmaps_len bytes */
	size_t jitmaps_len;
	char *kallsyms;	 /* the kallsyms section's text */
	bool sideband;	 /* pftrace's info: the kernel's mapping records are in the perf option */
	int completions; /* pftrace's info: completions were recorded (-1: no info, older file) */
	uint64_t cut;	 /* pftrace's info: the file stops before this moment (0: it does not) */
	bool major_only; /* of major faults only */
	bool perf_faults; /* its faults are perf's event's (in the perf option) */
	uint64_t maps_skipped;
};

/* ---------------------------------------------------------------- options we use */

static void add_snap(struct dat_snapshot **v, size_t *nr, size_t *cap, int pid, uint64_t ts,
		     const char *exe, struct pft_maps *m)
{
	if (!m)
		return;
	if (pft_grow((void **)v, cap, *nr + 1, sizeof(**v)) < 0) {
		pft_maps_free(m);
		return;
	}
	(*v)[(*nr)++] = (struct dat_snapshot){pid, ts, strdup(exe ? exe : "?"), m};
}

static void free_snaps(struct dat_snapshot *v, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++) {
		pft_maps_free(v[i].maps);
		free(v[i].exe);
	}
	free(v);
}

/* "snapshot PID TS EXE\n" maps lines "end\n", repeated. */
static void pftrace_maps(struct dat *d, char *buf)
{
	char *line = strchr(buf, '\n');

	if (!line || strncmp(buf, PFT_DAT_MAPS_MAGIC, strlen(PFT_DAT_MAPS_MAGIC)))
		return;
	d->have_pftrace_maps = true;
	while (line && *++line) {
		char *end = strstr(line, "\nend\n"), *body, exe[4096];
		unsigned long long ts;
		FILE *f;
		int pid;

		if (!end || sscanf(line, "snapshot %d %llu %4095s", &pid, &ts, exe) != 3)
			return;
		body = strchr(line, '\n') + 1;
		f = body <= end ? fmemopen(body, end - body + 1, "r") : NULL;
		if (f) {
			struct pft_skipped sk = {0};

			add_snap(&d->snaps, &d->nr_snaps, &d->cap_snaps, pid, ts, exe,
				 pft_maps_load_file(f, &sk));
			d->maps_skipped += sk.count;
			fclose(f);
		}
		line = end + 4;
	}
}

/* trace-cmd's "pid nr exe\n" + "start end path\n": paths only, permissions unknown. */
static void procmaps(struct dat *d, char *buf)
{
	char exe[4096], *p = buf, *text = NULL;
	unsigned int pid, nr, i;
	size_t size = 0;
	FILE *mem;

	if (sscanf(p, "%x %x %4095s", &pid, &nr, exe) != 3 || !(mem = open_memstream(&text, &size)))
		return;
	for (i = 0; i < nr && (p = strchr(p, '\n')); i++) {
		unsigned long long start, end;
		char path[4096];

		if (sscanf(++p, "%llx %llx %4095s", &start, &end, path) == 3)
			fprintf(mem, "%llx-%llx ???? 00000000 00:00 1 %s\n", start, end, path);
	}
	fclose(mem);
	mem = fmemopen(text, size, "r");
	if (mem) {
		add_snap(&d->tc_snaps, &d->nr_tc_snaps, &d->cap_tc_snaps, (int)pid, PFT_NO_TS, exe,
			 pft_maps_load_file(mem, NULL));
		fclose(mem);
	}
	free(text);
}

/* pftrace's perf option: streamed from the file (v6), or from a copy (v7 decompressed it). */
static void perf_found(struct dat *d, const char *buf, uint32_t size, int64_t off)
{
	struct perf_in *p = &d->perf;

	if (p->f || p->mem || p->off >= 0)
		return;
	if (buf) {
		p->mem = malloc(size ? size : 1);
		if (!p->mem)
			return;
		memcpy(p->mem, buf, size);
		p->f = fmemopen(p->mem, size ? size : 1, "r");
	} else {
		p->off = off; /* streamed from the options' file once the walk is over */
	}
	p->left = size;
}

/* The next perf event into p->ev; false at the end (or at a malformed record). */
static bool perf_next(struct perf_in *p)
{
	struct perf_slot *sl;
	long n;

	p->valid = false;
	if (!p->f)
		return false;
	if (p->have - p->pos < sizeof(p->buf) / 2 && p->left > 0) {
		size_t want = sizeof(p->buf) - (p->have - p->pos), got;

		memmove(p->buf, p->buf + p->pos, p->have - p->pos);
		p->have -= p->pos;
		p->pos = 0;
		if ((int64_t)want > p->left)
			want = (size_t)p->left;
		got = fread(p->buf + p->have, 1, want, p->f);
		p->have += got;
		p->left -= (int64_t)got;
		if (!got)
			p->left = 0;
	}
	sl = &p->slots[p->slot];
	n = pft_perf_decode(p->buf + p->pos, p->have - p->pos, &p->ev, sl->name, sizeof(sl->name),
			    sl->ips, &sl->dump);
	if (n <= 0)
		return false;
	if (p->ev.dump) { /* the buffer moves on refills */
		memcpy(sl->data, sl->dump.data, sl->dump.size);
		sl->dump.data = sl->data;
	}
	p->slot ^= 1;
	p->pos += (size_t)n;
	p->valid = true;
	return true;
}

/* -1 (ENOMEM) if the perf option is there and cannot be read. */
static int perf_start(struct dat *d, FILE *f)
{
	struct perf_in *p = &d->perf;

	if (p->mem)
		p->own = p->f = fmemopen(p->mem, p->left ? (size_t)p->left : 1, "r");
	else if (p->off >= 0 && fseeko(f, p->off, SEEK_SET) == 0)
		p->f = f;
	if (p->f && !(p->slots = calloc(2, sizeof(*p->slots)))) {
		p->f = NULL;
		return -1;
	}
	return 0;
}

static void perf_free(struct perf_in *p)
{
	if (p->own)
		fclose(p->own);
	free(p->mem);
	free(p->slots);
}

/* "pid min maj" lines; an older file's single "min maj" is a total (pid -1). */
static void counters(struct dat *d, const char *buf)
{
	const char *line;

	for (line = buf; *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : "") {
		struct pft_proc_counters c = {-1, 0, 0};
		uint64_t v[3];
		int n = sscanf(line, "%" SCNu64 " %" SCNu64 " %" SCNu64, &v[0], &v[1], &v[2]);

		if (n == 2) {
			c.min_flt = v[0];
			c.maj_flt = v[1];
		} else if (n == 3 && v[0] > 0 && v[0] <= INT32_MAX) {
			c = (struct pft_proc_counters){(int)v[0], v[1], v[2]};
		} else {
			continue;
		}
		if (pft_grow((void **)&d->counters, &d->cap_counters, d->nr_counters + 1,
			     sizeof(*d->counters)) == 0)
			d->counters[d->nr_counters++] = c;
	}
}

static void on_option(void *data, unsigned int id, char *buf, uint32_t size, int64_t off)
{
	struct dat *d = data;
	uint64_t n;
	const char *cut;

	if (id == PFT_DAT_OPT_PFTRACE_PERF) {
		perf_found(d, buf, size, off);
		return;
	}
	if (id == PFT_DAT_OPT_KALLSYMS) { /* text, not NUL-terminated */
		free(d->kallsyms);
		d->kallsyms = strndup(buf, size);
		return;
	}
	if (id == PFT_DAT_OPT_PFTRACE_JITMAPS) { /* length-prefixed texts */
		free(d->jitmaps);
		d->jitmaps_len = 0;
		if ((d->jitmaps = malloc(size ? size : 1))) {
			memcpy(d->jitmaps, buf, size);
			d->jitmaps_len = size;
		}
		return;
	}
	if (id == PFT_DAT_OPT_CPUCOUNT) {
		if (size >= 4)
			memcpy(&d->cpus, buf, 4);
		return;
	}
	if (id == PFT_DAT_OPT_TSC2NSEC) { /* u32 mult, u32 shift, u64 offset (not applied) */
		if (size >= 16) {
			memcpy(&d->ts_mult, buf, 4);
			memcpy(&d->ts_shift, buf + 4, 4);
		}
		return;
	}
	if (!size || buf[size - 1])
		return; /* every other option we read is NUL-terminated text */
	switch (id) {
	case PFT_DAT_OPT_PFTRACE_MAPS:
		pftrace_maps(d, buf);
		break;
	case PFT_DAT_OPT_PROCMAPS:
		procmaps(d, buf);
		break;
	case PFT_DAT_OPT_CPUSTAT: {
		const char *o = strstr(buf, "\noverrun: "), *dr = strstr(buf, "dropped events: ");

		n = (o ? strtoull(o + 10, NULL, 10) : 0) + (dr ? strtoull(dr + 16, NULL, 10) : 0);
		d->lost_stats += (int64_t)n;
		d->have_stats = true;
		break;
	}
	case PFT_DAT_OPT_PFTRACE_COUNTERS:
		counters(d, buf);
		break;
	case PFT_DAT_OPT_PFTRACE_BUILD_IDS:
		free(d->build_ids);
		d->build_ids = strdup(buf);
		break;
	case PFT_DAT_OPT_PFTRACE_CGROUP: {
		int at = 0;

		free(d->cgroup);
		d->cgroup = NULL;
		if (sscanf(buf, "%" SCNu64 " %" SCNu64 " %n", &d->cg_pgfault, &d->cg_pgmajfault,
			   &at) == 2 &&
		    at)
			d->cgroup = strdup(buf + at);
		break;
	}
	case PFT_DAT_OPT_UNAME: /* "sysname nodename release machine": trace-cmd's and ours */
		free(d->machine);
		d->machine = (cut = strrchr(buf, ' ')) ? strdup(cut + 1) : NULL;
		break;
	case PFT_DAT_OPT_PFTRACE_INFO:
		d->sideband = strstr(buf, "\nsideband 1\n") != NULL;
		d->completions = strstr(buf, "\ncompletions 1\n") != NULL ||
				 strstr(buf, "\ncompletions major\n") != NULL;
		d->major_only = strstr(buf, "\ncompletions major\n") != NULL;
		d->perf_faults = strstr(buf, "\nfaults perf\n") != NULL;
		cut = strstr(buf, "\ncut ");
		d->cut = cut ? strtoull(cut + 5, NULL, 10) : 0;
		break;
	case PFT_DAT_OPT_DATE: /* microseconds, "0x..." */
		d->ts_offset =
		    (int64_t)((uint64_t)d->ts_offset + (uint64_t)strtoll(buf, NULL, 0) * 1000);
		break;
	case PFT_DAT_OPT_OFFSET:
		d->ts_offset = (int64_t)((uint64_t)d->ts_offset + (uint64_t)strtoll(buf, NULL, 0));
		break;
	}
}

/* ---------------------------------------------------------------- formats and CPU data */

static const char *digits(const char *p, int max)
{
	const char *s = p;

	while (p - s < max && *p >= '0' && *p <= '9')
		p++;
	return p > s ? p : NULL;
}

static const char *word(const char *p, const char *chars)
{
	const char *s = p;

	while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
	       (*p && strchr(chars, *p)))
		p++;
	return p > s ? p : NULL;
}

static const char *lit(const char *p, const char *s)
{
	size_t n = strlen(s);

	return p && !strncmp(p, s, n) ? p + n : NULL;
}

/*
 * A format as the kernel writes it, to the end of its fields, or -1: "name: N", "ID: N",
 * "format:", then "\tfield:DECL;\toffset:N;\tsize:N;\tsigned:N;" lines and blank ones. Its
 * length, to put "print fmt" after. libtraceevent trusts what it parses (a malformed format
 * crashes it), and pftrace reads fields only: the print format is never handed over.
 */
static long format_fields(const char *buf)
{
	const char *p = buf;

	p = lit(p, "name: ");
	p = p ? word(p, "_") : NULL;
	p = lit(p, "\nID: ");
	p = p ? digits(p, 9) : NULL;
	p = lit(p, "\nformat:\n");
	while (p && *p != 'p') {
		if (*p == '\n' || ((*p == ' ' || *p == '\t') && p[1] == '\n')) {
			p += *p == '\n' ? 1 : 2;
			continue;
		}
		while (*p == ' ' || *p == '\t')
			p++;
		p = lit(p, "field:");
		p = p ? word(p, "_ *[]") : NULL;
		p = lit(p, ";\toffset:");
		p = p ? digits(p, 6) : NULL;
		p = lit(p, ";\tsize:");
		p = p ? digits(p, 6) : NULL;
		p = lit(p, ";\tsigned:");
		p = p ? digits(p, 1) : NULL;
		p = lit(p, ";\n");
	}
	return p && lit(p, "print fmt:") ? p - buf : -1;
}

/* The print format handed over for buf's event: empty, or where raw.c reads a symbol of the
 * event's (a kernel enum's number, see pft_why_event), one made here with that symbol alone. */
static void print_of(const char *sys, const char *buf, uint64_t size, char *out, size_t out_size)
{
	const char *name = buf + 6, *end = memchr(name, '\n', strnlen(name, 64));
	const struct pft_why_event *w;
	char ev[64];
	long long v;

	snprintf(out, out_size, "print fmt: \"\"\n");
	if (!end || end - name >= (long)sizeof(ev))
		return;
	memcpy(ev, name, (size_t)(end - name));
	ev[end - name] = '\0';
	w = pft_why_event_find(sys, ev);
	if (w && w->symbol && pft_format_symbol(buf, size, w->field, w->symbol, &v) == 0)
		snprintf(out, out_size, "print fmt: \"%%d\", __print_symbolic(REC->%s, { %lld, \"%s\" })\n",
			 w->field, v, w->symbol);
}

/* The events raw.c decodes are parsed; the other ~2,000 formats of a trace-cmd file are not. */
static void on_format(void *data, const char *sys, char *buf, uint64_t size)
{
	char print[256];
	struct dat *d = data;
	long n = format_fields(buf);
	size_t plen;
	char *text;

	if (n >= 0)
		print_of(sys, buf, size, print, sizeof(print));
	plen = n >= 0 ? strlen(print) + 1 : 0;
	if (n < 0 || !(text = malloc((size_t)n + plen))) {
		d->err = n < 0 ? EBADMSG : ENOMEM;
		return;
	}
	memcpy(text, buf, (size_t)n);
	memcpy(text + n, print, plen);
	/* a format libtraceevent cannot parse leaves that event unknown, as trace-cmd does */
	tep_parse_event(d->tep, text, (unsigned long)n + plen - 1, sys);
	free(text);
}

/* The ring-buffer page header's commit is a long of the kernel's: raw.c walks 8-byte ones. */
static void on_header_page(void *data, char *buf, uint64_t size)
{
	struct dat *d = data;
	const char *c = strstr(buf, "commit;");
	int n;

	(void)size;
	d->long_commit_ok =
	    c && sscanf(c, "commit;%*[ \t]offset:%*d;%*[ \t]size:%d", &n) == 1 && n == 8;
}

static void on_cmdlines(void *data, char *buf, uint64_t size)
{
	struct dat *d = data;

	(void)size;
	tep_parse_saved_cmdlines(d->tep, buf);
}

static void on_cpu_data(void *data, const char *buffer, int cpu, uint64_t off, uint64_t size,
			uint32_t page_size, enum pft_dat_comp comp)
{
	struct dat *d = data;
	struct stream *s;

	(void)buffer;
	if (page_size < 64 || page_size > (1u << 24) ||
	    pft_grow((void **)&d->streams, &d->cap_streams, d->nr_streams + 1,
		     sizeof(*d->streams)) < 0) {
		d->err = page_size < 64 || page_size > (1u << 24) ? EBADMSG : ENOMEM;
		return;
	}
	s = &d->streams[d->nr_streams++];
	*s = (struct stream){.cpu = cpu, .page_size = page_size, .off = off, .end = off + size};
	if (comp == PFT_DAT_NONE) {
		s->base = d->file + off;
		s->len = size;
		return;
	}
	s->comp = comp;
	/* u32 count of chunks, then each: u32 compressed size, u32 size, data. The size trace-cmd
	 * writes leaves the count out (and libtracecmd does not use it): the chunks are bounded by
	 * the file. */
	s->end = d->file_size;
	if (size < 4) {
		d->err = EBADMSG;
		return;
	}
	memcpy(&s->chunks, d->file + off, 4);
	s->off += 4;
}

/* The next chunk of a compressed stream into its buffer: 1, 0 at the end, -1 if malformed. */
static int next_chunk(struct dat *d, struct stream *s)
{
	uint32_t csize, usize;

	if (!s->comp || !s->chunks)
		return 0;
	if (s->end - s->off < 8)
		return -1;
	memcpy(&csize, d->file + s->off, 4);
	memcpy(&usize, d->file + s->off + 4, 4);
	s->off += 8;
	/* sizes are the file's word: inside the data, a chunk of at most 64 MiB, zstd under
	 * 1:1032 */
	if (csize > s->end - s->off || usize > (64u << 20) ||
	    (uint64_t)usize > (uint64_t)csize * 1032 + 4096)
		return -1;
	if (usize > s->cap) {
		char *c = realloc(s->chunk, usize);

		if (!c)
			return -1;
		s->chunk = c;
		s->cap = usize;
	}
	if (pft_dat_decompress(s->comp, &d->unz, s->chunk, usize, d->file + s->off, csize) < 0)
		return -1;
	s->off += csize;
	s->chunks--;
	s->base = s->chunk;
	s->len = usize;
	s->pos = 0;
	return 1;
}

static uint64_t file_ts(const struct dat *d, uint64_t ts)
{
	if (d->ts_mult)
		ts = (uint64_t)(((unsigned __int128)ts * d->ts_mult) >> (d->ts_shift & 127));
	return ts + (uint64_t)d->ts_offset;
}

/* The file's pages a plain stream has read, given back to the kernel once there are 8 MiB of
 * them: read once, they need not stay in the process's memory (a file of many GB is mapped).
 * The page being walked stays. */
static void drop(struct dat *d, struct stream *s)
{
	uintptr_t from = ((uintptr_t)s->base + s->dropped) & ~(uintptr_t)4095,
		  to = ((uintptr_t)s->base + s->pos - s->page_size) & ~(uintptr_t)4095;

	if (!d->map || s->pos < s->page_size || to < from + (8u << 20))
		return;
	madvise((void *)from, to - from, MADV_DONTNEED);
	s->dropped = (size_t)(to - (uintptr_t)s->base);
}

/* s->rec := the stream's next record (s->have false at its end). -1 with d->err if the data is
 * malformed. */
static int advance(struct dat *d, struct stream *s)
{
	struct pft_page_rec pr;
	const char *page;
	int r;

	s->have = false;
	for (;;) {
		if (s->in_page) {
			r = pft_page_next(&s->page, &pr);
			/* the walk hands out what kbuffer would, a length that wrapped below zero
			 * (a type-0 record whose length word is under 4) included: no record is
			 * that, and dat_next copies a chunk's last one by its size */
			if (r > 0 && pr.size < 0)
				goto bad;
			if (r > 0) {
				s->rec = (struct tep_record){.ts = file_ts(d, pr.ts),
							     .data = pr.data,
							     .size = pr.size,
							     .cpu = s->cpu};
				s->rec.missed_events = pr.first ? s->page.lost : 0;
				s->have = true;
				return 1;
			}
			if (r < 0)
				goto bad;
			s->in_page = false;
		}
		if (s->pos >= s->len) {
			r = next_chunk(d, s);
			if (r < 0)
				goto bad;
			if (!r)
				return 0;
			continue; /* an empty chunk is passed over */
		}
		page = s->base + s->pos;
		if (s->len - s->pos < s->page_size) {
			if (s->len - s->pos < 16) {
				s->pos = s->len; /* padding at the end */
				continue;
			}
			if (!s->tail && !(s->tail = malloc(s->page_size)))
				goto bad;
			memset(s->tail, 0, s->page_size);
			memcpy(s->tail, page, s->len - s->pos);
			page = s->tail;
		}
		if (pft_page_open(&s->page, page, s->page_size) < 0)
			goto bad;
		s->pos += s->page_size;
		if (s->comp == PFT_DAT_NONE)
			drop(d, s);
		s->in_page = true;
	}
bad:
	d->err = EBADMSG;
	return -1;
}

/* ---------------------------------------------------------------- the source */

/* ftrace's stacktrace options write the stacks of an event right after it on its CPU (trace-cmd
 * record -T, --user-stack): they are the fault's. */
static void take_stacks(struct dat *d, struct stream *s, struct pft_event *ev)
{
	bool user;
	int n;

	while (s->have &&
	       (n = pft_decode_stack(d->dec, &s->rec, d->tmp_ips, PFT_MAX_FRAMES, &user)) >= 0) {
		struct pft_stack *st = user ? &ev->ustack : &ev->kstack;

		memcpy(d->stack_ips[user], d->tmp_ips, (size_t)n * sizeof(*d->tmp_ips));
		*st = (struct pft_stack){.nr = (size_t)n, .ips = d->stack_ips[user]};
		/* the stack record is the event's, not an event of its own */
		if (advance(d, s) < 0)
			return;
	}
}

/* What a live recording does not count as its source's events, and its replay need not either:
 * pftrace's own markers (ticks, snapshots, --pidns's) and the tasks known at the start (COMMs
 * at time 0). */
static void count_event(struct pft_source *src, const struct pft_event *ev)
{
	if (ev->type == PFT_EV_COMM && !ev->ts)
		return;
	if (ev->type == PFT_EV_MARKER && ev->text &&
	    !strncmp(ev->text, PFT_MARKER_PREFIX, strlen(PFT_MARKER_PREFIX)))
		return;
	src->st.events++;
	if (ev->type != PFT_EV_FAULT_USER && ev->type != PFT_EV_FAULT_KERNEL)
		src->st.other_events++;
}

static int dat_next(struct pft_source *src, struct pft_event *ev)
{
	struct dat *d = src->priv;
	struct stream *s = NULL;
	struct tep_record rec;
	int i;

	if (d->err) {
		errno = d->err;
		return -1;
	}
	for (i = 0; i < d->nr_streams; i++) {
		/* a file cut short (ulimit -f) keeps whole pages: what they hold past the cut
		 * has lost its side-band records and completions, and is not read */
		if (d->cut && d->streams[i].rec.ts >= file_ts(d, d->cut))
			d->streams[i].have = false;
		if (d->streams[i].have && (!s || d->streams[i].rec.ts < s->rec.ts))
			s = &d->streams[i];
	}
	/* perf's completions and mappings, merged by time with the trace's events */
	if (d->perf.valid && (!s || d->perf.ev.ts < s->rec.ts)) {
		*ev = d->perf.ev;
		ev->comm = "<...>";
		perf_next(&d->perf); /* into the other slot */
		count_event(src, ev);
		return 1;
	}
	if (!s)
		return 0;
	if (s->rec.missed_events > 0 && !d->have_stats) {
		d->lost_missed += s->rec.missed_events;
		src->st.lost_events = d->lost_missed;
	}
	/* the event's strings point into its record, which must outlive the stream's move: to
	 * the next chunk, when this record is on the chunk's last page */
	rec = s->rec;
	if (s->comp != PFT_DAT_NONE && s->pos >= s->len) {
		memcpy(d->recbuf, rec.data, (size_t)rec.size);
		rec.data = d->recbuf;
	}
	pft_decode(d->dec, &rec, s->cpu, ev);
	if (advance(d, s) > 0 && (ev->type == PFT_EV_FAULT_USER || ev->type == PFT_EV_FAULT_KERNEL))
		take_stacks(d, s, ev);
	if (ev->tid != d->comm_tid || !d->comm) {
		d->comm = tep_data_comm_from_pid(d->tep, ev->tid);
		d->comm_tid = ev->tid;
	}
	ev->comm = d->comm ? d->comm : "<...>";
	count_event(src, ev);
	return 1;
}

static void dat_free(struct dat *d)
{
	int k;

	if (!d)
		return;
	for (k = 0; k < d->nr_streams; k++) {
		free(d->streams[k].chunk);
		free(d->streams[k].tail);
	}
	free(d->streams);
	free(d->recbuf);
	pft_dat_decompress_end(d->hdr.comp, d->unz);
	pft_decoder_free(d->dec);
	if (d->tep)
		tep_free(d->tep);
	if (d->map)
		munmap(d->map, d->file_size);
	free_snaps(d->snaps, d->nr_snaps);
	free_snaps(d->tc_snaps, d->nr_tc_snaps);
	perf_free(&d->perf);
	free(d->counters);
	free(d->build_ids);
	free(d->machine);
	free(d->cgroup);
	free(d->kallsyms);
	free(d->jitmaps);
	free(d);
}

static void dat_close(struct pft_source *src)
{
	dat_free(src->priv);
}

/*
 * Reads the layout and options of the trace.dat in f (whose bytes are file, size bytes) and
 * readies its CPU streams. f stays open (as the perf option's stream) when the perf option is
 * read from it. -1 with errno: EBADMSG if the file is malformed.
 */
static int dat_open(struct dat *d, FILE *f, const char *file, size_t size)
{
	struct pft_dat_walk w = {.data = d,
				 .option = on_option,
				 .want = pft_decoder_wants,
				 .format = on_format,
				 .header_page = on_header_page,
				 .cmdlines = on_cmdlines,
				 .cpu_data = on_cpu_data};
	uint32_t max_page = 0;
	int i, r;

	d->file = file;
	d->file_size = size;
	d->perf.off = -1;
	d->completions = -1;
	d->tep = tep_alloc();
	if (!d->tep)
		return -1;
	tep_set_file_bigendian(d->tep, TEP_LITTLE_ENDIAN);
	tep_set_local_bigendian(d->tep, tep_is_bigendian() ? TEP_BIG_ENDIAN : TEP_LITTLE_ENDIAN);
	tep_set_long_size(d->tep, 8);
	r = pft_dat_walk(f, &w, &d->hdr);
	tep_set_page_size(d->tep, (int)d->hdr.page_size);
	if (perf_start(d, f) < 0)
		return -1;
	if (d->perf.f == f)
		d->perf.own = f;
	else
		fclose(f);
	if (r < 0)
		return -1;
	if (d->nr_streams && !d->long_commit_ok) {
		/* a 32-bit kernel's pages: raw.c walks 64-bit ones */
		errno = ENOTSUP;
		return -1;
	}
	if (d->err) {
		errno = d->err;
		return -1;
	}
	if (!d->have_pftrace_maps) {
		/* trace-cmd's file: its path-only maps are what there is */
		free_snaps(d->snaps, d->nr_snaps);
		d->snaps = d->tc_snaps;
		d->nr_snaps = d->nr_tc_snaps;
		d->cap_snaps = d->cap_tc_snaps;
		d->tc_snaps = NULL;
		d->nr_tc_snaps = 0;
	}
	d->dec = pft_decoder_new(d->tep);
	if (!d->dec)
		return -1;
	for (i = 0; i < d->nr_streams; i++)
		if (d->streams[i].page_size > max_page)
			max_page = d->streams[i].page_size;
	d->recbuf = malloc(max_page ? max_page : 1);
	if (!d->recbuf)
		return -1;
	for (i = 0; i < d->nr_streams; i++)
		if (advance(d, &d->streams[i]) < 0)
			break; /* the first read fails with d->err */
	return 0;
}

static void set_stats(struct pft_source *src, struct dat *d)
{
	src->st.cpus = d->cpus > 0 ? d->cpus : d->hdr.cpus > 0 ? d->hdr.cpus : -1;
	/* the kernel's counts when the file has them, else the pages' missed-events marks */
	src->st.lost_events = d->have_stats ? d->lost_stats : 0;
	/* older files say nothing: completions are there if the perf option is */
	src->st.completions = perf_next(&d->perf) || d->perf.f;
	if (d->completions >= 0)
		src->st.completions = d->completions;
	src->st.major_only = d->major_only;
	src->st.sideband = d->sideband;
	src->st.perf_faults = d->perf_faults;
	src->st.signals = d->dec && pft_decoder_has_signals(d->dec);
	/* the scheduler's events split the faults' time where every fault has its end */
	src->st.why = src->st.completions && !d->major_only && d->dec && pft_decoder_has_why(d->dec);
	src->st.why_full = src->st.why && pft_decoder_has_why_full(d->dec);
	src->st.cut_ts = d->cut;
	src->st.machine = d->machine;
	src->st.cgroup = d->cgroup;
	src->st.cg_pgfault = d->cg_pgfault;
	src->st.cg_pgmajfault = d->cg_pgmajfault;
}

int pft_dat_check(const void *buf, size_t size)
{
	struct pft_source src = {.priv = calloc(1, sizeof(struct dat))};
	FILE *f = size ? fmemopen((void *)buf, size, "r") : NULL;
	struct pft_event ev;
	int n = 0, r;

	if (!src.priv || !f) {
		if (f)
			fclose(f);
		free(src.priv);
		return -1;
	}
	if (dat_open(src.priv, f, buf, size) < 0) {
		dat_free(src.priv);
		return -1;
	}
	set_stats(&src, src.priv);
	while ((r = dat_next(&src, &ev)) > 0)
		n++;
	dat_free(src.priv);
	return r < 0 ? -1 : n;
}

static int dat_counters(struct pft_source *src, pft_counters_cb cb, void *data)
{
	const struct dat *d = src->priv;
	size_t i;

	for (i = 0; i < d->nr_counters; i++)
		if (cb(data, d->counters[i].pid, d->counters[i].min_flt, d->counters[i].maj_flt) <
		    0)
			return -1;
	return (int)d->nr_counters;
}

/* "PID LEN\n" and LEN bytes, each a JIT map, to the symbolizer; what does not parse ends it. */
static int give_jitmaps(const char *p, size_t len, struct pft_syms *syms)
{
	const char *end = p + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		unsigned long long pid, n;
		char head[48];

		if (!nl || nl - p >= (ptrdiff_t)sizeof(head))
			break;
		memcpy(head, p, (size_t)(nl - p));
		head[nl - p] = '\0';
		if (sscanf(head, "%llu %llu", &pid, &n) != 2 || pid > INT32_MAX ||
		    n > (unsigned long long)(end - nl - 1))
			break;
		if (pft_syms_jitmap(syms, (int)pid, nl + 1, (size_t)n) < 0)
			return -1;
		p = nl + 1 + n;
	}
	return 0;
}

/* "hexid inode path" lines to the symbolizer. */
static int give_build_ids(const char *text, struct pft_syms *syms)
{
	const char *line, *nl;

	for (line = text; line && *line; line = nl ? nl + 1 : NULL) {
		uint8_t id[64];
		uint64_t inode;
		size_t n = 0;
		const char *p = line;
		char *path;

		nl = strchr(line, '\n');
		while (n < sizeof(id) && isxdigit((unsigned char)p[0]) &&
		       isxdigit((unsigned char)p[1])) {
			sscanf(p, "%2hhx", &id[n++]);
			p += 2;
		}
		if (!n || *p != ' ' || !(p = pft_parse_dec(p + 1, &inode)) || *p != ' ')
			continue; /* not ours to read: nothing is checked for that file */
		path = strndup(p + 1, nl ? (size_t)(nl - p - 1) : strlen(p + 1));
		if (!path || pft_syms_expect(syms, path, inode, id, n) < 0) {
			free(path);
			return -1;
		}
		free(path);
	}
	return 0;
}

/* The kernel's symbols the file has: kernel addresses are named with them, not this machine's. */
static int give_kallsyms(const char *text, struct pft_syms *syms)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int r;

	if (!f)
		return -1;
	r = pft_syms_kallsyms(syms, f);
	fclose(f);
	return r;
}

static int dat_prepare(struct pft_source *src, struct pft_aspace *as, struct pft_syms *syms)
{
	struct dat *d = src->priv;
	size_t i;

	if (syms && d->build_ids && give_build_ids(d->build_ids, syms) < 0)
		return -1;
	if (syms && d->jitmaps && give_jitmaps(d->jitmaps, d->jitmaps_len, syms) < 0)
		return -1;
	if (syms && d->kallsyms && give_kallsyms(d->kallsyms, syms) < 0)
		return -1;
	if (d->sideband)
		pft_aspace_set_exact(as);
	else if (d->completions >= 0) /* a pftrace recording made with --no-history */
		pft_aspace_set_lazy(as);
	for (i = 0; i < d->nr_snaps; i++) {
		struct dat_snapshot *s = &d->snaps[i];
		int r = pft_aspace_add_snapshot(as, s->pid, s->ts, s->maps, s->exe);

		s->maps = NULL; /* the aspace owns it now, even on failure */
		if (r < 0)
			return -1;
	}
	free_snaps(d->snaps, d->nr_snaps); /* the exe names were copied */
	d->snaps = NULL;
	d->nr_snaps = d->cap_snaps = 0;
	return 0;
}

int pft_dat_attach(struct pft_source *src, const char *path)
{
	struct dat *d = calloc(1, sizeof(*d));
	FILE *f;
	struct stat st;
	void *map;

	if (!d)
		return -1;
	src->priv = d;
	src->next = dat_next;
	src->prepare = dat_prepare;
	src->counters = dat_counters;
	src->close = dat_close;
	src->st.format = "trace.dat";
	f = fopen(path, "re");
	if (!f)
		return -1;
	if (fstat(fileno(f), &st) < 0 || st.st_size <= 0) {
		fclose(f);
		errno = EBADMSG;
		return -1;
	}
	/* mapped: plain pages are read in place, without a copy */
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fileno(f), 0);
	if (map == MAP_FAILED) {
		fclose(f);
		return -1;
	}
	d->map = map;
	d->file_size = (size_t)st.st_size;
	if (dat_open(d, f, map, (size_t)st.st_size) < 0)
		return -1;
	set_stats(src, d);
	return 0;
}
