/* SPDX-License-Identifier: MIT */
/*
 * The layout of a trace.dat (v6, and v7 with its sections, compressed or not): what is where,
 * handed over in file order to the reader (dat.c). Every size and offset is the file's word and
 * is checked against the file before anything is read or sized by it.
 *
 * Not libtracecmd: its open parses every event format of the file (~2,000 here) and all of
 * kallsyms, and a compressed file's CPU data is decompressed whole into memory, before the first
 * event: half the time of a report that is meant to take a tenth of trace-cmd's. Here only the
 * formats the reader wants are handed over, and CPU data is left where it is (see dat.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>
#include "internal.h"
#include "dat.h"

struct rd {
	FILE *f;
	int64_t size;
	uint32_t page_size;
	bool bad, unsupported;
	enum pft_dat_comp comp; /* v7: sections and data compressed with it */
	void *ctx;		/* its decompression context */
	const struct pft_dat_walk *w;
	int cpus;
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

static int64_t left(struct rd *r)
{
	int64_t here = ftello(r->f);

	return here < 0 || here > r->size ? 0 : r->size - here;
}

static void skip(struct rd *r, uint64_t n)
{
	if (r->bad || n > (uint64_t)left(r) || fseeko(r->f, (off_t)n, SEEK_CUR) < 0)
		r->bad = true;
}

/* A NUL-terminated string into buf (cut to size - 1). */
static void get_str(struct rd *r, char *buf, size_t size)
{
	size_t i = 0;
	int c;

	while (!r->bad && (c = getc(r->f)) != EOF && c)
		if (i + 1 < size)
			buf[i++] = (char)c;
	if (!r->bad && c == EOF)
		r->bad = true;
	buf[i] = '\0';
}

/* A sized blob, NUL-terminated (the size may lie: it is checked against the file). */
static char *get_blob(struct rd *r, uint64_t n)
{
	char *p;

	if (r->bad || n > (uint64_t)left(r) || !(p = malloc(n + 1))) {
		r->bad = true;
		return NULL;
	}
	get(r, p, n);
	p[n] = '\0';
	return p;
}

int pft_dat_decompress(enum pft_dat_comp comp, void **ctx, void *out, size_t usize, const void *in,
		       size_t csize)
{
	if (comp != PFT_DAT_ZSTD)
		return -1;
	/* one context for every chunk: ZSTD_decompress makes one per call, a quarter of a
	 * report's time on a file of small chunks */
	if (!*ctx && !(*ctx = ZSTD_createDCtx()))
		return -1;
	return ZSTD_decompressDCtx(*ctx, out, usize, in, csize) == usize ? 0 : -1;
}

void pft_dat_decompress_end(enum pft_dat_comp comp, void *ctx)
{
	if (comp == PFT_DAT_ZSTD)
		ZSTD_freeDCtx(ctx);
}

/* Options sections and format blocks hold text and small binaries: a larger claim is a lie. */
#define MAX_SECTION_SIZE (256u << 20)

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
	/* zstd stays under 1:1032 */
	if (usize > MAX_SECTION_SIZE || (uint64_t)usize > (uint64_t)csize * 1032 + 4096) {
		r->bad = true;
		return NULL;
	}
	if ((raw = get_blob(r, csize)) == NULL || !(out = malloc(usize + 1))) {
		free(raw);
		r->bad = true;
		return NULL;
	}
	if (pft_dat_decompress(r->comp, &r->ctx, out, usize, raw, csize) < 0) {
		free(raw);
		free(out);
		r->bad = true;
		return NULL;
	}
	free(raw);
	out[usize] = '\0';
	*len = usize;
	return out;
}

/* Runs fn on the v7 section (id) at the offset an option holds, as a reader of its own. */
static void at_section(struct rd *r, const char *opt, uint32_t size, uint16_t id,
		       void (*fn)(struct rd *sub))
{
	int64_t here = ftello(r->f);
	struct rd sub = *r;
	uint64_t off, len;
	char *sec;

	if (size < 8) {
		r->bad = true;
		return;
	}
	memcpy(&off, opt, 8);
	if (off >= (uint64_t)r->size || fseeko(r->f, (off_t)off, SEEK_SET) < 0) {
		r->bad = true;
		return;
	}
	sec = v7_section(r, id, &len);
	fseeko(r->f, here, SEEK_SET);
	if (!sec)
		return;
	sub.f = fmemopen(sec, len ? len : 1, "r");
	sub.size = (int64_t)len;
	if (!sub.f) {
		r->bad = true;
	} else {
		fn(&sub);
		fclose(sub.f);
		r->bad |= sub.bad;
	}
	free(sec);
}

/* ---------------------------------------------------------------- the parts */

/* "header_page\0" u64 size, text; "header_event\0" u64 size, text. */
static void header_info(struct rd *r)
{
	char tag[16];
	uint64_t n;
	char *text;

	get(r, tag, 12);
	if (r->bad || memcmp(tag, "header_page", 12)) {
		r->bad = true;
		return;
	}
	n = get_n(r, 8);
	text = get_blob(r, n);
	if (text && r->w->header_page)
		r->w->header_page(r->w->data, text, n);
	free(text);
	get(r, tag, 13);
	if (r->bad || memcmp(tag, "header_event", 13))
		r->bad = true;
	skip(r, get_n(r, 8));
}

/* One event's format: "name: NAME\n" first. Only those wanted are read whole. */
static void format_one(struct rd *r, const char *sys)
{
	uint64_t size = get_n(r, 8);
	char head[128], name[64];
	size_t n = size < sizeof(head) - 1 ? (size_t)size : sizeof(head) - 1;
	char *text;

	if (size > (uint64_t)left(r)) {
		r->bad = true;
		return;
	}
	get(r, head, n);
	head[n] = '\0';
	if (!r->w->format || sscanf(head, "name: %63s", name) != 1 || !r->w->want(sys, name)) {
		skip(r, size - n);
		return;
	}
	text = malloc(size + 1);
	if (!text) {
		r->bad = true;
		return;
	}
	memcpy(text, head, n);
	get(r, text + n, size - n);
	text[size] = '\0';
	if (!r->bad)
		r->w->format(r->w->data, sys, text, size);
	free(text);
}

/* u32 count, formats (ftrace's own events). */
static void ftrace_formats(struct rd *r)
{
	uint64_t i, n = get_n(r, 4);

	for (i = 0; i < n && !r->bad; i++)
		format_one(r, "ftrace");
}

/* u32 systems; each: name, u32 count, formats. */
static void event_formats(struct rd *r)
{
	uint64_t i, j, n, sys = get_n(r, 4);
	char name[256];

	for (i = 0; i < sys && !r->bad; i++) {
		get_str(r, name, sizeof(name));
		n = get_n(r, 4);
		for (j = 0; j < n && !r->bad; j++)
			format_one(r, name);
	}
}

/* "u32 size, text": kallsyms, as both versions keep it; passed on as its text. */
static void kallsyms(struct rd *r)
{
	uint64_t n = get_n(r, 4);
	char *text;

	if (!n)
		return;
	text = get_blob(r, n);
	if (text)
		r->w->option(r->w->data, PFT_DAT_OPT_KALLSYMS, text, (uint32_t)n, -1);
	free(text);
}

/* u64 size, text: saved_cmdlines. */
static void cmdlines(struct rd *r)
{
	uint64_t n = get_n(r, 8);
	char *text = get_blob(r, n);

	if (text && r->w->cmdlines)
		r->w->cmdlines(r->w->data, text, n);
	free(text);
}

static void check_extent(struct rd *r, uint64_t off, uint64_t size)
{
	if (off > (uint64_t)r->size || size > (uint64_t)r->size - off)
		r->bad = true;
}

/* v6: "flyrecord\0" (or "latency  \0", text: no events) then cpus x {u64 offset, u64 size}. */
static void flyrecord(struct rd *r, const char *buffer)
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
	if (r->cpus < 0 || r->cpus > 65536) {
		r->bad = true;
		return;
	}
	for (cpu = 0; cpu < r->cpus && !r->bad; cpu++) {
		uint64_t off = get_n(r, 8), size = get_n(r, 8);

		check_extent(r, off, size);
		if (!r->bad && size && r->w->cpu_data)
			r->w->cpu_data(r->w->data, buffer, cpu, off, size, r->page_size,
				       PFT_DAT_NONE);
	}
}

/* v7 BUFFER option: u64 section offset, name, clock, u32 page size, u32 cpus, then per CPU
 * u32 id, u64 offset, u64 size. The section's flags say if the data is compressed. */
static void buffer_option(struct rd *r, const char *buf, uint32_t size)
{
	const char *p = buf + 8, *end = buf + size, *name = p;
	uint32_t cpus, page_size, i;
	uint64_t off, sz;
	uint16_t flags;
	int64_t here = ftello(r->f);

	if (size < 8)
		goto bad;
	memcpy(&off, buf, 8);
	check_extent(r, off, 16);
	if (r->bad || fseeko(r->f, (off_t)off + 2, SEEK_SET) < 0)
		goto bad;
	flags = (uint16_t)get_n(r, 2);
	fseeko(r->f, here, SEEK_SET);
	for (i = 0; i < 2; i++) { /* name, clock */
		const char *nul = memchr(p, '\0', end - p);

		if (!nul)
			goto bad;
		p = nul + 1;
	}
	if (end - p < 8)
		goto bad;
	memcpy(&page_size, p, 4);
	memcpy(&cpus, p + 4, 4);
	p += 8;
	if ((uint64_t)(end - p) < (uint64_t)cpus * 20)
		goto bad;
	for (i = 0; i < cpus && !r->bad; i++, p += 20) {
		uint32_t cpu;

		memcpy(&cpu, p, 4);
		memcpy(&off, p + 4, 8);
		memcpy(&sz, p + 12, 8);
		check_extent(r, off, sz);
		if (cpu > 65536)
			goto bad;
		if (!r->bad && sz && r->w->cpu_data)
			r->w->cpu_data(r->w->data, name, (int)cpu, off, sz, page_size,
				       flags & 1 ? r->comp : PFT_DAT_NONE);
	}
	return;
bad:
	r->bad = true;
}

/* ---------------------------------------------------------------- options */

/* v7: the options that hold where a section is, and the reader of each (v6 reads the same parts
 * in file order). */
static void (*section_reader(uint16_t id))(struct rd *)
{
	static const struct {
		uint16_t id;
		void (*read)(struct rd *);
	} readers[] = {
	    {PFT_DAT_OPT_HEADER_INFO, header_info},	{PFT_DAT_OPT_FTRACE_EVENTS, ftrace_formats},
	    {PFT_DAT_OPT_EVENT_FORMATS, event_formats}, {PFT_DAT_OPT_KALLSYMS, kallsyms},
	    {PFT_DAT_OPT_CMDLINES, cmdlines},
	};
	size_t i;

	for (i = 0; i < sizeof(readers) / sizeof(*readers); i++)
		if (readers[i].id == id)
			return readers[i].read;
	return NULL;
}

/* Options {u16 id, u32 size, data} up to DONE (id 0); in v7 DONE holds the next section. */
static uint64_t options_in(struct rd *r, const char *buf, uint64_t len)
{
	const struct pft_dat_walk *w = r->w;
	void (*read)(struct rd *);
	uint64_t off = 0;

	while (off + 6 <= len && !r->bad) {
		uint16_t id;
		uint32_t size;

		memcpy(&id, buf + off, 2);
		memcpy(&size, buf + off + 2, 4);
		off += 6;
		if (size > len - off) {
			r->bad = true;
			return 0;
		}
		switch (id) {
		case PFT_DAT_OPT_DONE: {
			uint64_t next = 0;

			if (size >= 8)
				memcpy(&next, buf + off, 8);
			return next;
		}
		case PFT_DAT_OPT_BUFFER:
			buffer_option(r, buf + off, size);
			break;
		case PFT_DAT_OPT_BUFFER_TEXT:
			break; /* latency text: no events */
		default:
			if ((read = section_reader(id)))
				at_section(r, buf + off, size, id, read);
			else
				w->option(w->data, id, (char *)buf + off, size, -1);
		}
		off += size;
	}
	return 0;
}

static void v6(struct rd *r)
{
	struct buf6 {
		uint64_t off;
		char name[256];
	} *bufs = NULL;
	size_t nr = 0, i;

	header_info(r);
	ftrace_formats(r);
	event_formats(r);
	kallsyms(r);
	skip(r, get_n(r, 4)); /* printk formats */
	cmdlines(r);
	r->cpus = (int)get_n(r, 4);
	{
		char tag[10];

		get(r, tag, 10);
		if (r->bad || memcmp(tag, "options  ", 10)) {
			r->bad = true;
			return;
		}
	}
	/* v6 options are not in a section: read them one by one */
	for (;;) {
		uint16_t id = (uint16_t)get_n(r, 2);
		uint32_t size;
		char *buf;

		if (r->bad || id == PFT_DAT_OPT_DONE)
			break;
		size = (uint32_t)get_n(r, 4);
		if (id == PFT_DAT_OPT_PFTRACE_PERF) { /* too big to load: read where it is */
			r->w->option(r->w->data, id, NULL, size, ftello(r->f));
			skip(r, size);
			continue;
		}
		buf = get_blob(r, size);
		if (!buf)
			break;
		if (id == PFT_DAT_OPT_BUFFER && size > 8) { /* an instance: u64 offset, name */
			struct buf6 *more = realloc(bufs, (nr + 1) * sizeof(*bufs));

			if (!more) {
				free(buf);
				r->bad = true;
				break;
			}
			bufs = more;
			memcpy(&bufs[nr].off, buf, 8);
			snprintf(bufs[nr++].name, sizeof(bufs->name), "%s", buf + 8);
		} else {
			r->w->option(r->w->data, id, buf, size, -1);
		}
		free(buf);
	}
	flyrecord(r, "");
	for (i = 0; i < nr && !r->bad; i++) {
		check_extent(r, bufs[i].off, 10);
		if (!r->bad && fseeko(r->f, (off_t)bufs[i].off, SEEK_SET) == 0)
			flyrecord(r, bufs[i].name);
	}
	free(bufs);
}

static void v7(struct rd *r)
{
	char name[32], version[32];
	uint64_t next;
	int hops = 0;

	get_str(r, name, sizeof(name));
	get_str(r, version, sizeof(version)); /* of the compression */
	r->comp = !strcmp(name, "zstd") ? PFT_DAT_ZSTD : PFT_DAT_NONE;
	if (!r->bad && strcmp(name, "zstd") && strcmp(name, "none")) {
		/* zlib (trace-cmd's other choice; Debian's libtracecmd reads zstd only too) */
		r->bad = r->unsupported = true;
		return;
	}
	next = get_n(r, 8);
	/* a lying DONE chain must not loop forever */
	while (next && !r->bad && hops++ < 64) {
		uint64_t len;
		char *buf;

		if (next >= (uint64_t)r->size || fseeko(r->f, (off_t)next, SEEK_SET) < 0) {
			r->bad = true;
			break;
		}
		buf = v7_section(r, 0, &len);
		if (!buf)
			break;
		next = options_in(r, buf, len);
		free(buf);
	}
}

int pft_dat_walk(FILE *f, const struct pft_dat_walk *w, struct pft_dat_header *h)
{
	struct rd r = {.f = f, .w = w, .cpus = -1};
	char magic[10], version[8];

	fseeko(r.f, 0, SEEK_END);
	r.size = ftello(r.f);
	rewind(r.f);
	get(&r, magic, sizeof(magic));
	if (memcmp(magic, "\x17\x08\x44tracing", 10))
		r.bad = true;
	get_str(&r, version, sizeof(version));
	if (get_n(&r, 1) != 0) /* big endian: not from this kind of machine */
		r.bad = true;
	get_n(&r, 1); /* user space's long size */
	r.page_size = (uint32_t)get_n(&r, 4);
	/* the page size is the file's word: bounded before anything is sized by it */
	if (r.page_size < 64 || r.page_size > (1u << 24))
		r.bad = true;
	h->page_size = r.page_size;
	h->version = atoi(version);
	if (!r.bad && h->version >= 7)
		v7(&r);
	else if (!r.bad)
		v6(&r);
	h->comp = r.comp;
	h->cpus = r.cpus;
	pft_dat_decompress_end(r.comp, r.ctx);
	if (r.bad)
		errno = r.unsupported ? ENOTSUP : EBADMSG;
	return r.bad ? -1 : 0;
}
