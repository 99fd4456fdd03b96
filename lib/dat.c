/* SPDX-License-Identifier: MIT */
/*
 * Reading trace.dat (v6 and v7, compressed or not) through libtracecmd: events from every buffer
 * instance, merged by time. What libtracecmd does not expose (trace-cmd's PROCMAPS, pftrace's
 * maps option, CPU stats) is read from the options sections by a small walker of our own.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>
#include <sys/mman.h>
#include <trace-cmd.h>
#include "internal.h"
#include "dat.h"
#include "perf.h"

/* ---------------------------------------------------------------- the options walker */

struct rd {
	FILE *f;
	int64_t size;
	uint32_t page_size;
	bool bad, zstd; /* zstd: v7 sections compressed with it */
};

static void get(struct rd *r, void *p, size_t n)
{
	if (!r->bad && fread(p, 1, n, r->f) != n)
		r->bad = true;
	if (r->bad)
		memset(p, 0, n);
}

static uint64_t get_n(struct rd *r, int width)
{
	uint64_t v = 0;

	get(r, &v, width);
	return v;
}

static void skip(struct rd *r, uint64_t n)
{
	if (r->bad || n > (uint64_t)r->size || fseeko(r->f, (off_t)n, SEEK_CUR) < 0 ||
	    ftello(r->f) > r->size)
		r->bad = true;
}

static void skip_str(struct rd *r)
{
	int c;

	while ((c = getc(r->f)) != EOF && c)
		;
	if (c == EOF)
		r->bad = true;
}

/* A sized blob (the size may lie: it is checked against the file). */
static void *get_blob(struct rd *r, uint64_t n)
{
	char *p;

	if (r->bad || n > (uint64_t)(r->size - ftello(r->f)) || !(p = malloc(n + 1))) {
		r->bad = true;
		return NULL;
	}
	get(r, p, n);
	p[n] = '\0';
	return p;
}

/* An option: its data in buf, or, for pftrace's perf option of a v6 file (too big to load), buf
 * NULL and its place in the file at off. */
typedef void (*option_cb)(void *data, unsigned int id, char *buf, uint32_t size, int64_t off);

/*
 * libtracecmd 3.1.6 trusts the data extents of a trace.dat, and its error path for a truncated
 * file crashes (tracecmd_close on a half-made handle): the extents are checked here first.
 */
static void check_extent(struct rd *r, uint64_t off, uint64_t size)
{
	if (off > (uint64_t)r->size || size > (uint64_t)r->size - off)
		r->bad = true;
}

/* Every page must walk cleanly (raw.c): libtracecmd hands them to kbuffer, which trusts them. */
static void check_pages(struct rd *r, uint64_t off, uint64_t size)
{
	char *page = NULL, *map = MAP_FAILED;
	uint64_t p;

	/* the page size is the file's word: bounded before anything is sized by it */
	if (r->page_size < 64 || r->page_size > (1u << 24) || !(page = malloc(r->page_size)))
		r->bad = true;
	/* mapped, not read: the pages are looked at in place, without a copy of the file */
	if (!r->bad && size && fileno(r->f) >= 0)
		map = mmap(NULL, size + (off & 4095), PROT_READ, MAP_PRIVATE, fileno(r->f),
			   (off_t)(off & ~4095ull));
	if (!r->bad && map == MAP_FAILED && fseeko(r->f, (off_t)off, SEEK_SET) < 0)
		r->bad = true;
	for (p = off; p + 16 <= off + size && !r->bad; p += r->page_size) {
		size_t n = off + size - p < r->page_size ? off + size - p : r->page_size;

		if (map != MAP_FAILED)
			memcpy(page, map + (off & 4095) + (p - off), n);
		else
			n = fread(page, 1, n, r->f);
		if (n < 16)
			r->bad = true;
		memset(page + n, 0, r->page_size - n);
		if (!r->bad && !pft_page_ok(page, r->page_size))
			r->bad = true;
	}
	if (map != MAP_FAILED)
		munmap(map, size + (off & 4095));
	free(page);
}

/* v6: "flyrecord\0" (or "latency  \0") then cpus x {u64 offset, u64 size}. */
static void check_flyrecord(struct rd *r, int cpus)
{
	char tag[10];
	int cpu;

	get(r, tag, sizeof(tag));
	if (r->bad || (memcmp(tag, "flyrecord", 10) && memcmp(tag, "latency  ", 10))) {
		r->bad = true;
		return;
	}
	if (!memcmp(tag, "latency  ", 10))
		return;
	if (cpus < 0 || cpus > 65536) {
		r->bad = true;
		return;
	}
	for (cpu = 0; cpu < cpus && !r->bad; cpu++) {
		uint64_t off = get_n(r, 8), size = get_n(r, 8);
		int64_t here = ftello(r->f);

		check_extent(r, off, size);
		if (!r->bad)
			check_pages(r, off, size);
		fseeko(r->f, here, SEEK_SET);
	}
}

/* v7 BUFFER option: u64 section offset, name, clock, u32 page size, u32 cpus, then per CPU
 * u32 id, u64 offset, u64 size. */
static void check_buffer_option(struct rd *r, const char *buf, uint32_t size)
{
	const char *p = buf + 8, *end = buf + size;
	uint64_t off, sz;
	uint32_t cpus, i;

	if (size < 8)
		goto bad;
	memcpy(&off, buf, 8);
	check_extent(r, off, 0);
	for (i = 0; i < 2; i++) { /* name, clock */
		const char *nul = memchr(p, '\0', end - p);

		if (!nul)
			goto bad;
		p = nul + 1;
	}
	if (end - p < 8)
		goto bad;
	memcpy(&cpus, p + 4, 4);
	p += 8;
	if ((uint64_t)(end - p) < (uint64_t)cpus * 20)
		goto bad;
	for (i = 0; i < cpus; i++, p += 20) {
		memcpy(&off, p + 4, 8);
		memcpy(&sz, p + 12, 8);
		check_extent(r, off, sz);
	}
	return;
bad:
	r->bad = true;
}

/* Options {u16 id, u32 size, data} up to DONE (id 0); in v7 DONE holds the next section. */
static char *v7_section(struct rd *r, uint16_t want, uint64_t *len);

/* "u32 size, text": kallsyms, as both versions keep it; passed on as its text. */
static void kallsyms_text(char *buf, uint64_t len, option_cb cb, void *data)
{
	uint32_t size;

	if (len < 4)
		return;
	memcpy(&size, buf, 4);
	if (size && size <= len - 4)
		cb(data, PFT_DAT_OPT_KALLSYMS, buf + 4, size, -1);
}

/* v7: the option holds where the kallsyms section is. */
static void v7_kallsyms(struct rd *r, const char *opt, option_cb cb, void *data)
{
	int64_t here = ftello(r->f);
	uint64_t off, len;
	char *sec;

	memcpy(&off, opt, 8);
	if (off >= (uint64_t)r->size || fseeko(r->f, (off_t)off, SEEK_SET) < 0)
		return;
	sec = v7_section(r, PFT_DAT_OPT_KALLSYMS, &len);
	if (sec)
		kallsyms_text(sec, len, cb, data);
	free(sec);
	fseeko(r->f, here, SEEK_SET);
}

static uint64_t options_in(struct rd *r, const char *buf, uint64_t len, bool v7, option_cb cb,
			   void *data)
{
	uint64_t off = 0;

	while (off + 6 <= len) {
		uint16_t id;
		uint32_t size;

		memcpy(&id, buf + off, 2);
		memcpy(&size, buf + off + 2, 4);
		off += 6;
		if (size > len - off) {
			r->bad = true;
			return 0;
		}
		if (id == PFT_DAT_OPT_DONE) {
			uint64_t next = 0;

			if (v7 && size >= 8)
				memcpy(&next, buf + off, 8);
			return next;
		}
		if (v7 && id == PFT_DAT_OPT_BUFFER)
			check_buffer_option(r, buf + off, size);
		if (v7 && id == PFT_DAT_OPT_KALLSYMS && size >= 8)
			v7_kallsyms(r, buf + off, cb, data);
		else
			cb(data, id, (char *)buf + off, size, -1);
		off += size;
	}
	return 0;
}

static void v6_options(struct rd *r, option_cb cb, void *data, int *cpus)
{
	uint64_t n, i, j, sys;
	char tag[16], *kall = NULL;

	get(r, tag, 12);
	skip(r, get_n(r, 8)); /* header_page */
	get(r, tag, 13);
	skip(r, get_n(r, 8)); /* header_event */
	n = get_n(r, 4);
	for (i = 0; i < n && !r->bad; i++)
		skip(r, get_n(r, 8));
	sys = get_n(r, 4);
	for (i = 0; i < sys && !r->bad; i++) {
		skip_str(r);
		n = get_n(r, 4);
		for (j = 0; j < n && !r->bad; j++)
			skip(r, get_n(r, 8));
	}
	n = get_n(r, 4); /* kallsyms: its text, for naming kernel addresses */
	if (n && (kall = get_blob(r, n)))
		cb(data, PFT_DAT_OPT_KALLSYMS, kall, (uint32_t)n, -1);
	free(kall);
	skip(r, get_n(r, 4)); /* printk formats */
	skip(r, get_n(r, 8)); /* cmdlines */
	*cpus = (int)get_n(r, 4);
	get(r, tag, 10);
	if (r->bad || memcmp(tag, "options  ", 10))
		return;
	/* v6 options are not in a section: read them one by one */
	for (;;) {
		uint16_t id = (uint16_t)get_n(r, 2);
		uint32_t size;
		char *buf;

		if (r->bad)
			return;
		if (id == PFT_DAT_OPT_DONE) {
			check_flyrecord(r, *cpus);
			return;
		}
		size = (uint32_t)get_n(r, 4);
		if (id == PFT_DAT_OPT_PFTRACE_PERF) {
			cb(data, id, NULL, size, ftello(r->f));
			skip(r, size);
			continue;
		}
		buf = get_blob(r, size);
		if (!buf)
			return;
		cb(data, id, buf, size, -1);
		free(buf);
	}
}

/* Options sections hold text and small binaries: a larger claim is a lie. */
#define MAX_OPTIONS_SIZE (256u << 20)

/* A v7 section's content (id want), decompressed when its flags say so. */
static char *v7_section(struct rd *r, uint16_t want, uint64_t *len)
{
	uint16_t id = (uint16_t)get_n(r, 2), flags = (uint16_t)get_n(r, 2);
	uint64_t size;
	uint32_t csize, usize;
	char *raw, *out;

	get_n(r, 4); /* string id */
	size = get_n(r, 8);
	if (r->bad || id != want) {
		r->bad = true;
		return NULL;
	}
	if (!(flags & 1)) {
		*len = size;
		return get_blob(r, size);
	}
	csize = (uint32_t)get_n(r, 4);
	usize = (uint32_t)get_n(r, 4);
	/* the claimed size is the file's word: options are small, zstd stays under 1:1024 here */
	if (usize > MAX_OPTIONS_SIZE || (uint64_t)usize > (uint64_t)csize * 1024 + 4096) {
		r->bad = true;
		return NULL;
	}
	if (!r->zstd || (raw = get_blob(r, csize)) == NULL || !(out = malloc(usize + 1))) {
		r->bad = true;
		return NULL;
	}
	if (ZSTD_decompress(out, usize, raw, csize) != usize) {
		free(raw);
		free(out);
		r->bad = true;
		return NULL;
	}
	free(raw);
	*len = usize;
	return out;
}

static void v7_options(struct rd *r, option_cb cb, void *data)
{
	char name[32] = "";
	uint64_t next;
	int i, hops = 0;

	for (i = 0; i < (int)sizeof(name) - 1; i++) {
		int c = getc(r->f);

		if (c == EOF || !c)
			break;
		name[i] = (char)c;
	}
	skip_str(r); /* compression version */
	r->zstd = !strcmp(name, "zstd");
	next = get_n(r, 8);
	/* a lying DONE chain must not loop forever */
	while (next && !r->bad && hops++ < 64) {
		uint64_t len;
		char *buf;

		if (next >= (uint64_t)r->size || fseeko(r->f, (off_t)next, SEEK_SET) < 0)
			break;
		buf = v7_section(r, 0, &len);
		if (!buf)
			break;
		next = options_in(r, buf, len, true, cb, data);
		free(buf);
	}
}

/* Walks the options of a trace.dat. -1 if the file is not one we can walk. */
static int walk_options(FILE *f, option_cb cb, void *data, int *cpus)
{
	struct rd r = {.f = f};
	char magic[10], version[8] = "";
	int i;

	fseeko(r.f, 0, SEEK_END);
	r.size = ftello(r.f);
	rewind(r.f);
	get(&r, magic, sizeof(magic));
	for (i = 0; i < (int)sizeof(version) - 1; i++) {
		int c = getc(r.f);

		if (c == EOF || !c)
			break;
		version[i] = (char)c;
	}
	if (get_n(&r, 1) != 0) /* big endian: not from this kind of machine */
		r.bad = true;
	get_n(&r, 1);
	r.page_size = (uint32_t)get_n(&r, 4);
	if (!r.bad && atoi(version) >= 7)
		v7_options(&r, cb, data);
	else if (!r.bad)
		v6_options(&r, cb, data, cpus);
	return r.bad ? -1 : 0;
}

/* ---------------------------------------------------------------- options we use */

struct dat_snapshot {
	int pid;
	uint64_t ts;
	char *exe;
	struct pft_maps *maps;
};

struct dat {
	struct tracecmd_input *top;
	struct tracecmd_input **handles;
	int nr_handles;
	struct pft_decoder **decs; /* one per buffer with page-fault events */
	size_t nr_decs, cap_decs;
	struct stream {
		struct tracecmd_input *h;
		struct pft_decoder *dec;
		struct tep_handle *tep;
		int cpu;
		struct tep_record *rec;
	} * streams;
	int nr_streams;
	size_t cap_streams;
	struct tep_record *returned;
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
	struct tep_handle *comm_tep;
	char *path;
	struct pft_proc_counters *counters;
	size_t nr_counters, cap_counters;
	char *build_ids; /* the option's text */
	char *kallsyms;	 /* the kallsyms section's text */
	bool sideband;	 /* pftrace's info: the kernel's mapping records are in the perf option */
	int completions; /* pftrace's info: completions were recorded (-1: no info, older file) */
	bool major_only; /* of major faults only */
	uint64_t maps_skipped;
};

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

	if (id == PFT_DAT_OPT_PFTRACE_PERF) {
		perf_found(d, buf, size, off);
		return;
	}
	if (id == PFT_DAT_OPT_KALLSYMS) { /* text, not NUL-terminated */
		free(d->kallsyms);
		d->kallsyms = strndup(buf, size);
		return;
	}
	if (!size || buf[size - 1])
		return; /* every option we read is NUL-terminated text */
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
	case PFT_DAT_OPT_PFTRACE_INFO:
		d->sideband = strstr(buf, "\nsideband 1\n") != NULL;
		d->completions = strstr(buf, "\ncompletions 1\n") != NULL ||
				 strstr(buf, "\ncompletions major\n") != NULL;
		d->major_only = strstr(buf, "\ncompletions major\n") != NULL;
		break;
	case PFT_DAT_OPT_CPUCOUNT:
		if (size >= 4)
			memcpy(&d->cpus, buf, 4);
		break;
	}
}

/* ---------------------------------------------------------------- the source */

static int add_streams(struct dat *d, struct tracecmd_input *h)
{
	struct tep_handle *tep = tracecmd_get_tep(h);
	struct pft_decoder *dec = tep ? pft_decoder_new(tep) : NULL;
	int cpu, max = d->cpus > 0 ? d->cpus : 1024;

	if (!dec)
		return 0; /* a buffer without page-fault events */
	if (pft_grow((void **)&d->decs, &d->cap_decs, d->nr_decs + 1, sizeof(*d->decs)) < 0) {
		pft_decoder_free(dec);
		return -1;
	}
	d->decs[d->nr_decs++] = dec;
	for (cpu = 0; cpu < max; cpu++) {
		struct tep_record *rec = tracecmd_read_cpu_first(h, cpu);

		if (!rec)
			continue;
		if (pft_grow((void **)&d->streams, &d->cap_streams, d->nr_streams + 1,
			     sizeof(*d->streams)) < 0) {
			tracecmd_free_record(rec);
			return -1;
		}
		d->streams[d->nr_streams++] = (struct stream){h, dec, tep, cpu, rec};
	}
	return 0;
}

/* ftrace's stacktrace options write the stacks of an event right after it on its CPU (trace-cmd
 * record -T, --user-stack): they are the fault's. */
static void take_stacks(struct dat *d, struct stream *s, struct pft_event *ev)
{
	bool user;
	int n;

	while (s->rec &&
	       (n = pft_decode_stack(s->dec, s->rec, d->tmp_ips, PFT_MAX_FRAMES, &user)) >= 0) {
		struct pft_stack *st = user ? &ev->ustack : &ev->kstack;

		memcpy(d->stack_ips[user], d->tmp_ips, (size_t)n * sizeof(*d->tmp_ips));
		*st = (struct pft_stack){.nr = (size_t)n, .ips = d->stack_ips[user]};
		/* the stack record is the event's, not an event of its own */
		if (d->returned != s->rec)
			tracecmd_free_record(s->rec);
		s->rec = tracecmd_read_data(s->h, s->cpu);
	}
}

static int dat_next(struct pft_source *src, struct pft_event *ev)
{
	struct dat *d = src->priv;
	struct stream *s = NULL;
	int i;

	if (d->returned) {
		tracecmd_free_record(d->returned);
		d->returned = NULL;
	}
	for (i = 0; i < d->nr_streams; i++)
		if (d->streams[i].rec && (!s || d->streams[i].rec->ts < s->rec->ts))
			s = &d->streams[i];
	/* perf's completions and mappings, merged by time with the trace's events */
	if (d->perf.valid && (!s || d->perf.ev.ts < s->rec->ts)) {
		*ev = d->perf.ev;
		ev->comm = "<...>";
		perf_next(&d->perf); /* into the other slot */
		src->st.events++;
		src->st.other_events++;
		return 1;
	}
	if (!s)
		return 0;
	d->returned = s->rec;
	if (s->rec->missed_events > 0 && !d->have_stats) {
		d->lost_missed += s->rec->missed_events;
		src->st.lost_events = d->lost_missed;
	}
	pft_decode(s->dec, s->rec, s->cpu, ev);
	s->rec = tracecmd_read_data(s->h, s->cpu);
	if (ev->type == PFT_EV_FAULT_USER || ev->type == PFT_EV_FAULT_KERNEL)
		take_stacks(d, s, ev);
	if (ev->tid != d->comm_tid || s->tep != d->comm_tep) {
		d->comm = tep_data_comm_from_pid(s->tep, ev->tid);
		d->comm_tid = ev->tid;
		d->comm_tep = s->tep;
	}
	ev->comm = d->comm ? d->comm : "<...>";
	src->st.events++;
	if (ev->type != PFT_EV_FAULT_USER && ev->type != PFT_EV_FAULT_KERNEL)
		src->st.other_events++;
	return 1;
}

static void dat_close(struct pft_source *src)
{
	struct dat *d = src->priv;
	size_t i;
	int k;

	if (d->returned)
		tracecmd_free_record(d->returned);
	for (k = 0; k < d->nr_streams; k++)
		if (d->streams[k].rec)
			tracecmd_free_record(d->streams[k].rec);
	free(d->streams);
	for (i = 0; i < d->nr_decs; i++)
		pft_decoder_free(d->decs[i]);
	free(d->decs);
	for (k = 0; k < d->nr_handles; k++)
		tracecmd_close(d->handles[k]);
	free(d->handles);
	if (d->top)
		tracecmd_close(d->top);
	free_snaps(d->snaps, d->nr_snaps);
	free_snaps(d->tc_snaps, d->nr_tc_snaps);
	perf_free(&d->perf);
	free(d->path);
	free(d->counters);
	free(d->build_ids);
	free(d->kallsyms);
	free(d);
}

/* The options of the file at path; its descriptor stays open when the perf option is streamed
 * from it. */
static int read_options(struct dat *d, const char *path)
{
	FILE *f = fopen(path, "re");
	int r;

	if (!f)
		return -1;
	r = walk_options(f, on_option, d, &d->cpus);
	if (perf_start(d, f) < 0)
		r = -1;
	if (d->perf.f == f)
		d->perf.own = f;
	else
		fclose(f);
	return r;
}

int pft_dat_check(FILE *f)
{
	struct dat *d = calloc(1, sizeof(*d));
	int n = 0;

	if (!d)
		return -1;
	d->perf.off = -1;
	if (walk_options(f, on_option, d, &d->cpus) < 0)
		n = -1;
	if (perf_start(d, f) < 0)
		n = -1;
	while (perf_next(&d->perf))
		n += n >= 0;
	perf_free(&d->perf);
	free_snaps(d->snaps, d->nr_snaps);
	free_snaps(d->tc_snaps, d->nr_tc_snaps);
	free(d->counters);
	free(d->build_ids);
	free(d->kallsyms);
	free(d);
	return n;
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
	if (syms && d->kallsyms && give_kallsyms(d->kallsyms, syms) < 0)
		return -1;
	if (d->sideband)
		pft_aspace_set_exact(as);
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
	int i, n;

	if (!d)
		return -1;
	d->perf.off = -1;
	d->completions = -1;
	src->priv = d;
	src->next = dat_next;
	src->prepare = dat_prepare;
	src->counters = dat_counters;
	src->close = dat_close;
	src->st.format = "trace.dat";
	d->path = strdup(path);
	if (!d->path)
		return -1;
	tracecmd_set_loglevel(TEP_LOG_NONE);
	if (read_options(d, path) < 0) {
		/* truncated, or sizes and offsets that lie: libtracecmd would not survive it */
		errno = EBADMSG;
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
	d->top =
	    tracecmd_open(path, TRACECMD_FL_LOAD_NO_PLUGINS | TRACECMD_FL_LOAD_NO_SYSTEM_PLUGINS);
	if (!d->top) {
		errno = EBADMSG;
		return -1;
	}
	n = tracecmd_buffer_instances(d->top);
	d->handles = calloc(n > 0 ? n : 1, sizeof(*d->handles));
	if (!d->handles || add_streams(d, d->top) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		struct tracecmd_input *h = tracecmd_buffer_instance_handle(d->top, i);

		if (!h)
			continue;
		d->handles[d->nr_handles++] = h;
		if (add_streams(d, h) < 0)
			return -1;
	}
	src->st.cpus = d->cpus > 0 ? d->cpus : -1;
	/* the kernel's counts when the file has them, else the pages' missed-events marks */
	src->st.lost_events = d->have_stats ? d->lost_stats : 0;
	/* older files say nothing: completions are there if the perf option is */
	src->st.completions = perf_next(&d->perf) || d->perf.f;
	if (d->completions >= 0)
		src->st.completions = d->completions;
	src->st.major_only = d->major_only;
	src->st.sideband = d->sideband;
	return 0;
}
