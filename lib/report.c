/* SPDX-License-Identifier: MIT */
/*
 * The per-fault stage (join, classify) and the aggregation sink. Memory grows with distinct
 * VMAs, pages and group keys, never with the number of events.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "live.h"

/* Above this an address is in the kernel's half of the address space. */
#define KERNEL_HALF (1ull << 63)

struct counts {
	uint64_t faults, reads, writes, execs, protection, pages;
	uint64_t kind[PFT_KIND_COUNT];
	uint64_t major, minor, major_ns; /* the kernel's verdict, when the source has it */
};

/* Fault latency: log-linear buckets (4 per power of two: within 25%), and the exact max. */
struct lat {
	uint64_t n, max;
	uint32_t b[256];
};

static int lat_bucket(uint64_t v)
{
	int e;

	if (v < 4)
		return (int)v;
	e = 63 - __builtin_clzll(v);
	return e * 4 + (int)((v >> (e - 2)) & 3);
}

static uint64_t lat_upper(int idx)
{
	int e = idx / 4, sub = idx % 4;

	return idx < 4 ? (uint64_t)idx : ((4ull + sub + 1) << (e - 2)) - 1;
}

static int lat_add(struct lat **l, uint64_t v)
{
	if (!*l && !(*l = calloc(1, sizeof(**l))))
		return -1;
	(*l)->n++;
	(*l)->b[lat_bucket(v)]++;
	if (v > (*l)->max)
		(*l)->max = v;
	return 0;
}

static uint64_t lat_pct(const struct lat *l, double p)
{
	uint64_t want = (uint64_t)(p * l->n + 0.999999), seen = 0;
	int i;

	for (i = 0; i < 256; i++)
		if ((seen += l->b[i]) >= want)
			return lat_upper(i) < l->max ? lat_upper(i) : l->max;
	return l->max;
}

static json_t *lat_json(const struct lat *l)
{
	json_t *o;

	if (!l || !l->n)
		return json_null();
	o = json_object();
	json_object_set_new(o, "p50", json_integer((json_int_t)lat_pct(l, 0.50)));
	json_object_set_new(o, "p99", json_integer((json_int_t)lat_pct(l, 0.99)));
	json_object_set_new(o, "max", json_integer((json_int_t)l->max));
	return o;
}

/* A fault waiting for its completion: one per thread (a thread is in one fault at a time). */
struct held {
	struct pft_event ev;
	struct pft_fault f;
	char comm[32], sym[128];
	bool used;
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
	/* vma rows: an area's extent (the VMAs it was, that faulted), whether their
	 * permissions differed, and its pages seen, one bit each from base while the extent
	 * is not huge */
	uint64_t lo, hi, base, nbits;
	bool perms_changed;
	uint8_t *seen;
	struct lat *lat; /* latency, for the rows of vma, file, tid, pid and kind tables */
	/* pid rows: the kernel's own counters of the process, when the input has them, and
	 * how many times it exec'd (each exec's argument pages are counted, not traced) */
	bool kernel;
	uint64_t kmin, kmaj, execs;
};

/* An area up to this size counts its distinct pages in a bitmap (64 GiB: 2 MiB of bits). */
#define BITMAP_MAX_PAGES (16ull << 20)

struct table {
	enum pft_by by;
	struct pft_hmap index; /* key -> row */
	struct pft_hmap pages; /* (row, pid, page) seen */
	struct group *rows;
	size_t nr, cap;
};

/* Interned strings: ids are stable, text is compared on a hash match. */
struct strtab {
	struct pft_hmap index;
	char **s;
	size_t nr, cap;
};

struct input {
	char *name;
	struct pft_source_stats st;
};

struct pft_report {
	struct pft_report_opts opts;
	int *pids;
	struct pft_aspace *as;
	struct table vmas, groups, procs;
	struct strtab strs;
	struct pft_hmap seen_pids, seen_tids;
	struct counts total;
	uint64_t events, other_events, kernel_excluded, filtered, no_maps;
	uint64_t first_ts, last_ts;
	int last_pid, last_tid; /* consecutive faults are mostly of one thread */
	int64_t last_proc;	/* and its process's row, under the comm last_comm */
	char last_comm[32];
	pft_fault_sink sink;
	void *sink_data;
	struct pft_hmap held_by_tid;
	struct held *held;
	size_t nr_held, cap_held;
	uint64_t major_unknown, completions_unmatched;
	bool have_total; /* counters of all processes as one total (older trace.dat) */
	uint64_t total_min, total_maj;
	struct lat *lat, *lat_kind[PFT_KIND_COUNT];
	struct input *inputs;
	size_t nr_inputs, cap_inputs;
};

static uint64_t hash_str(const char *s, size_t *len)
{
	uint64_t h = 0xcbf29ce484222325ull;
	const char *p = s;

	for (; *p; p++)
		h = (h ^ (unsigned char)*p) * 0x100000001b3ull;
	*len = p - s;
	return h;
}

static int intern(struct strtab *t, const char *s, uint32_t *id)
{
	size_t len;
	uint64_t h = hash_str(s, &len), salt;

	for (salt = 0;; salt++) {
		int r = pft_hmap_put(&t->index, h, len | salt << 32, (uint32_t)t->nr, id);

		if (r < 0)
			return -1;
		if (r == 0) {
			if (!strcmp(t->s[*id], s))
				return 0;
			continue; /* a hash collision: the next salt */
		}
		if (pft_grow((void **)&t->s, &t->cap, t->nr + 1, sizeof(*t->s)) < 0)
			return -1;
		t->s[t->nr] = strdup(s);
		if (!t->s[t->nr])
			return -1;
		t->nr++;
		return 0;
	}
}

struct pft_report *pft_report_new(const struct pft_report_opts *opts, struct pft_aspace *as)
{
	struct pft_report *rep = calloc(1, sizeof(*rep));

	if (!rep)
		return NULL;
	rep->opts = *opts;
	rep->as = as;
	rep->vmas.by = PFT_BY_VMA;
	rep->groups.by = opts->by;
	rep->procs.by = PFT_BY_PID;
	rep->first_ts = PFT_NO_TS;
	rep->last_pid = rep->last_tid = -1;
	rep->last_proc = -1;
	if (opts->nr_pids) {
		rep->pids = malloc(opts->nr_pids * sizeof(*rep->pids));
		if (!rep->pids) {
			free(rep);
			return NULL;
		}
		memcpy(rep->pids, opts->pids, opts->nr_pids * sizeof(*rep->pids));
		rep->opts.pids = rep->pids;
	}
	return rep;
}

static void count(struct counts *c, const struct pft_fault *f)
{
	c->major += f->major == 1;
	c->minor += f->major == 0;
	if (f->major == 1)
		c->major_ns += f->latency_ns;
	c->faults++;
	c->reads += f->access == PFT_ACCESS_READ;
	c->writes += f->access == PFT_ACCESS_WRITE;
	c->execs += f->access == PFT_ACCESS_EXEC;
	c->protection += (f->ev->error_code & PFT_PF_PROT) != 0;
	c->kind[f->kind]++;
}

/* Gives a row its string (file name, ip symbol, comm), interned. */
static int set_str(struct pft_report *rep, struct group *proto, const char *str)
{
	proto->has_str = true;
	return intern(&rep->strs, str, &proto->str);
}

/* The row key of a fault in a table: (a, b) pairs that cannot collide across row types. */
static int row_key(struct pft_report *rep, enum pft_by by, const struct pft_fault *f,
		   struct group *proto, uint64_t *a, uint64_t *b)
{
	const struct pft_event *ev = f->ev;
	const struct pft_maps *maps;
	const char *name;

	memset(proto, 0, sizeof(*proto));
	proto->pid = f->pid;
	proto->tid = f->tid;
	proto->vma = f->vma;
	switch (by) {
	case PFT_BY_VMA:
		/* a memory area: the VMAs a mapping was over time, and mappings made again where
		 * an equal one was (see aspace.c) */
		proto->lo = f->vma->start;
		proto->hi = f->vma->end;
		*a = f->vma->area;
		*b = (uint64_t)(uint32_t)f->pid;
		return 0;
	case PFT_BY_FILE:
		name = f->vma			     ? f->vma->name
		       : f->kind == PFT_KIND_UNKNOWN ? "[unknown]"
						     : "[no-vma]";
		if (set_str(rep, proto, name) < 0)
			return -1;
		*a = proto->str;
		*b = 0;
		return 0;
	case PFT_BY_PAGE:
		proto->addr = f->page;
		*a = f->page;
		*b = (uint64_t)(uint32_t)f->pid;
		return 0;
	case PFT_BY_IP:
		if (ev->ip_symbol) {
			if (set_str(rep, proto, ev->ip_symbol) < 0)
				return -1;
			*a = proto->str;
			*b = 1ull << 40; /* symbols: apart from every (ip, pid) key */
			return 0;
		}
		proto->addr = ev->ip;
		proto->vma = pft_aspace_lookup(rep->as, f->pid, ev->ts, ev->ip, ev->comm, &maps);
		*a = ev->ip;
		*b = (uint64_t)(uint32_t)f->pid;
		return 0;
	case PFT_BY_TID:
		if (set_str(rep, proto, ev->comm) < 0)
			return -1;
		*a = (uint64_t)(uint32_t)f->tid;
		*b = 0;
		return 0;
	case PFT_BY_PID:
		if (set_str(rep, proto, ev->comm) < 0)
			return -1;
		*a = (uint64_t)(uint32_t)f->pid;
		*b = 0;
		return 0;
	case PFT_BY_KIND:
		proto->kind = f->kind;
		*a = f->kind;
		*b = 0;
		return 0;
	}
	return 0;
}

/* 1 if this is the row's first fault on the page, 0 if not, -1 on ENOMEM. */
static int first_touch(struct table *t, uint32_t idx, const struct pft_fault *f)
{
	struct group *g = &t->rows[idx];
	uint64_t npages, bit;
	uint32_t dummy;

	if (t->by == PFT_BY_PAGE)
		return g->c.pages == 0;
	if (t->by == PFT_BY_VMA && f->page >= g->base &&
	    (npages = ((g->hi - g->base) >> 12)) <= BITMAP_MAX_PAGES) {
		/* the extent grows (a heap, a stack moves its start down: the hash set takes it) */
		if (npages > g->nbits) {
			size_t want = (npages + 7) / 8, had = (g->nbits + 7) / 8;
			uint8_t *bits = realloc(g->seen, want);

			if (!bits)
				return -1;
			memset(bits + had, 0, want - had);
			g->seen = bits;
			g->nbits = want * 8;
		}
		bit = (f->page - g->base) >> 12;
		if (g->seen[bit / 8] & (1u << bit % 8))
			return 0;
		g->seen[bit / 8] |= 1u << bit % 8;
		return 1;
	}
	return pft_hmap_put(&t->pages, idx | (uint64_t)(uint32_t)f->pid << 32, f->page, 0, &dummy);
}

/* The row of key (a, b), made from proto if new: its index, or -1 on ENOMEM. */
static int64_t row_get(struct table *t, uint64_t a, uint64_t b, const struct group *proto)
{
	struct group *g;
	uint32_t idx;
	int r = pft_hmap_put(&t->index, a, b, (uint32_t)t->nr, &idx);

	if (r < 0)
		return -1;
	if (r == 1) {
		if (pft_grow((void **)&t->rows, &t->cap, t->nr + 1, sizeof(*t->rows)) < 0)
			return -1;
		/* the row outlives the address space it came from */
		if (proto->vma)
			pft_vma_ref(proto->vma);
		t->rows[t->nr] = *proto;
		t->rows[t->nr].base = proto->lo;
		return (int64_t)t->nr++;
	}
	g = &t->rows[idx];
	if (t->by == PFT_BY_TID || t->by == PFT_BY_PID) {
		/* a task renames itself (or execs): show its latest comm */
		g->str = proto->str;
		g->has_str = proto->has_str;
	} else if (t->by == PFT_BY_VMA) {
		/* an area takes new shapes: its extent, and whether its permissions changed */
		g->lo = proto->lo < g->lo ? proto->lo : g->lo;
		g->hi = proto->hi > g->hi ? proto->hi : g->hi;
		g->perms_changed |= memcmp(g->vma->perms, proto->vma->perms, 4) != 0;
	}
	return idx;
}

/* Counts f in its row of t: the row's index, or -1 on ENOMEM (-2: not a fault for t). */
static int64_t table_add(struct pft_report *rep, struct table *t, const struct pft_fault *f)
{
	struct group proto;
	uint64_t a = 0, b = 0;
	int64_t idx;
	int r;

	if (t->by == PFT_BY_VMA && !f->vma)
		return -2; /* faults outside any VMA are in the summary, not the VMA table */
	if (row_key(rep, t->by, f, &proto, &a, &b) < 0 || (idx = row_get(t, a, b, &proto)) < 0)
		return -1;
	/* a new area row: the program it is of (interned once, not per fault) */
	if (t->by == PFT_BY_VMA && !t->rows[idx].has_str &&
	    set_str(rep, &t->rows[idx], f->ev->comm ? f->ev->comm : "<...>") < 0)
		return -1;
	count(&t->rows[idx].c, f);
	if (f->major >= 0 && t->by != PFT_BY_PAGE && t->by != PFT_BY_IP &&
	    lat_add(&t->rows[idx].lat, f->latency_ns) < 0)
		return -1;
	if (t->by == PFT_BY_PID)
		return idx; /* pages per process: not worth a set of every page */
	r = first_touch(t, (uint32_t)idx, f);
	if (r < 0)
		return -1;
	t->rows[idx].c.pages += r;
	return idx;
}

static bool pid_selected(const struct pft_report *rep, int pid, int tid)
{
	size_t i;

	if (!rep->opts.nr_pids)
		return true;
	for (i = 0; i < rep->opts.nr_pids; i++)
		if (rep->opts.pids[i] == pid || rep->opts.pids[i] == tid)
			return true;
	return false;
}

static void join(struct pft_report *rep, const struct pft_event *ev, struct pft_fault *f)
{
	bool kernel_addr = ev->address_symbol || ev->address >= KERNEL_HALF;
	const struct pft_maps *maps = NULL;

	if (!kernel_addr)
		f->vma = pft_aspace_lookup(rep->as, f->pid, ev->ts, ev->address, ev->comm, &maps);
	f->page = ev->address & PFT_PAGE_MASK;
	f->access = pft_access_of(ev->error_code);
	f->has_file_offset = f->vma && f->vma->inode;
	if (f->has_file_offset)
		f->file_offset = ev->address - f->vma->start + f->vma->offset;
	if (kernel_addr)
		f->kind = PFT_KIND_OTHER;
	else
		f->kind = pft_classify(ev->error_code, f->vma, maps, ev->address);
}

/* The process table: every fault once, whatever the --by; a run of one thread's faults reuses
 * its row. */
static int proc_add(struct pft_report *rep, const struct pft_fault *f)
{
	const char *comm = f->ev->comm ? f->ev->comm : "<...>";
	struct group *g;

	if (rep->last_proc < 0 || f->pid != rep->last_pid || strcmp(comm, rep->last_comm)) {
		rep->last_proc = table_add(rep, &rep->procs, f);
		snprintf(rep->last_comm, sizeof(rep->last_comm), "%s", comm);
		return rep->last_proc < 0 ? -1 : 0;
	}
	g = &rep->procs.rows[rep->last_proc];
	count(&g->c, f);
	if (f->major >= 0 && lat_add(&g->lat, f->latency_ns) < 0)
		return -1;
	return 0;
}

/* The row of process pid, made if it has none (a process that took no traced fault). */
static int64_t proc_row(struct pft_report *rep, int pid)
{
	struct group proto = {.pid = pid};
	const char *comm = pft_aspace_comm(rep->as, pid);

	if (set_str(rep, &proto, comm ? comm : "<...>") < 0)
		return -1;
	return row_get(&rep->procs, (uint64_t)(uint32_t)pid, 0, &proto);
}

/* An exec of a selected process: it has a row, and one more exec. */
static int count_exec(struct pft_report *rep, const struct pft_event *ev)
{
	int pid = pft_aspace_pid_of(rep->as, ev->tid, ev->tgid, ev->comm);
	int64_t idx;

	if (!pid_selected(rep, pid, ev->tid))
		return 0;
	if ((idx = proc_row(rep, pid)) < 0)
		return -1;
	rep->procs.rows[idx].execs++;
	return 0;
}

/* A fault is complete: it is counted and goes to the sink. */
static int finalize(struct pft_report *rep, const struct pft_fault *f)
{
	uint32_t dummy;

	count(&rep->total, f);
	rep->major_unknown += f->major < 0;
	if (f->major >= 0 && (lat_add(&rep->lat, f->latency_ns) < 0 ||
			      lat_add(&rep->lat_kind[f->kind], f->latency_ns) < 0))
		return -1;
	if ((f->pid != rep->last_pid &&
	     pft_hmap_put(&rep->seen_pids, (uint64_t)(uint32_t)f->pid, 0, 0, &dummy) < 0) ||
	    (f->tid != rep->last_tid &&
	     pft_hmap_put(&rep->seen_tids, (uint64_t)(uint32_t)f->tid, 0, 0, &dummy) < 0) ||
	    table_add(rep, &rep->vmas, f) == -1 || proc_add(rep, f) < 0 ||
	    (rep->opts.by != PFT_BY_VMA && rep->opts.by != PFT_BY_PID &&
	     table_add(rep, &rep->groups, f) == -1))
		return -1;
	rep->last_pid = f->pid;
	rep->last_tid = f->tid;
	return rep->sink ? rep->sink(rep->sink_data, f) : 0;
}

static struct held *held_of(struct pft_report *rep, int tid, bool create)
{
	uint32_t i;

	if (!create)
		return pft_hmap_get(&rep->held_by_tid, (uint64_t)(uint32_t)tid, 0, &i)
			   ? &rep->held[i]
			   : NULL;
	if (pft_hmap_put(&rep->held_by_tid, (uint64_t)(uint32_t)tid, 0, (uint32_t)rep->nr_held,
			 &i) < 0)
		return NULL;
	if (i == rep->nr_held) {
		if (pft_grow((void **)&rep->held, &rep->cap_held, rep->nr_held + 1,
			     sizeof(*rep->held)) < 0)
			return NULL;
		rep->held[rep->nr_held++].used = false;
	}
	return &rep->held[i];
}

/* A held fault is complete: with its completion's verdict, or without one (its thread faulted
 * again, exited, or the input ended: a SIGSEGV has none). */
static int release_held(struct pft_report *rep, struct held *h)
{
	int r;

	if (!h || !h->used)
		return 0;
	h->used = false;
	r = finalize(rep, &h->f);
	pft_vma_unref(h->f.vma);
	return r;
}

/* strlcpy: a fault is held per event, snprintf's parsing is too slow for that */
static void copy_str(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* Keeps a copy of the fault (and what its event points to) until its completion comes. */
static int hold(struct pft_report *rep, const struct pft_fault *f)
{
	struct held *h = held_of(rep, f->tid, true);

	if (!h)
		return -1;
	if (release_held(rep, h) < 0)
		return -1;
	h->ev = *f->ev;
	h->f = *f;
	h->f.ev = &h->ev;
	/* the mapping may be gone (munmap) before the fault completes: keep it */
	if (h->f.vma)
		pft_vma_ref(h->f.vma);
	copy_str(h->comm, sizeof(h->comm), f->ev->comm ? f->ev->comm : "<...>");
	h->ev.comm = h->comm;
	if (f->ev->ip_symbol) {
		copy_str(h->sym, sizeof(h->sym), f->ev->ip_symbol);
		h->ev.ip_symbol = h->sym;
	}
	h->ev.irq_flags = NULL;
	h->ev.address_symbol = NULL;
	h->ev.kstack = h->ev.ustack = (struct pft_stack){0, NULL};
	h->used = true;
	return 0;
}

/* The kernel finished a fault of this thread: the one held, if it is on the same page. */
static int complete(struct pft_report *rep, const struct pft_event *ev)
{
	struct held *h = held_of(rep, ev->tid, false);

	if (!h || !h->used || (ev->address & PFT_PAGE_MASK) != h->f.page || ev->ts < h->ev.ts) {
		/* GUP has no completion event, so this is a fault whose entry is not in the trace:
		 * page_fault_kernel without --kernel, or one lost */
		rep->completions_unmatched++;
		return 0;
	}
	h->f.major = ev->major;
	h->f.latency_ns = ev->ts - h->ev.ts;
	return release_held(rep, h);
}

int pft_report_finish(struct pft_report *rep)
{
	size_t i;

	for (i = 0; i < rep->nr_held; i++)
		if (release_held(rep, &rep->held[i]) < 0)
			return -1;
	return 0;
}

int pft_report_process_counters(struct pft_report *rep, int pid, uint64_t min_flt, uint64_t maj_flt)
{
	int64_t idx;

	if (pid < 0) {
		rep->have_total = true;
		rep->total_min += min_flt;
		rep->total_maj += maj_flt;
		return 0;
	}
	if (!pid_selected(rep, pid, pid))
		return 0;
	/* a process that took no traced fault still has a row: 0 traced of what it counted */
	if ((idx = proc_row(rep, pid)) < 0)
		return -1;
	rep->procs.rows[idx].kernel = true;
	rep->procs.rows[idx].kmin += min_flt;
	rep->procs.rows[idx].kmaj += maj_flt;
	return 0;
}

/* traced / counted, or null where the kernel counted nothing (nothing to trace). */
static json_t *ratio(uint64_t traced, uint64_t counted)
{
	return counted ? json_real((double)traced / (double)counted) : json_null();
}

/* The kernel's counters next to what was traced, for the same processes: GUP faults
 * (get_user_pages: exec's arguments, futexes, direct I/O) are counted but have no tracepoint;
 * kernel-mode faults on user memory are traced only with --kernel; a fault that fails
 * (SIGSEGV) is traced but not counted. */
static json_t *counters_json(const struct pft_report *rep)
{
	uint64_t kmin = 0, kmaj = 0, traced = 0, major = 0, procs = 0;
	json_t *o;
	size_t i;

	for (i = 0; i < rep->procs.nr; i++) {
		const struct group *g = &rep->procs.rows[i];

		if (!g->kernel)
			continue;
		procs++;
		kmin += g->kmin;
		kmaj += g->kmaj;
		traced += g->c.faults;
		major += g->c.major;
	}
	if (!procs && rep->have_total) {
		/* an older trace.dat: one total for every process */
		kmin = rep->total_min;
		kmaj = rep->total_maj;
		traced = rep->total.faults;
		major = rep->total.major;
	} else if (!procs) {
		return json_null();
	}
	o = json_object();
	json_object_set_new(o, "processes", procs ? json_integer((json_int_t)procs) : json_null());
	json_object_set_new(o, "min_flt", json_integer((json_int_t)kmin));
	json_object_set_new(o, "maj_flt", json_integer((json_int_t)kmaj));
	json_object_set_new(o, "traced", json_integer((json_int_t)traced));
	json_object_set_new(o, "coverage", ratio(traced, kmin + kmaj));
	json_object_set_new(o, "major_coverage",
			    rep->opts.completions ? ratio(major, kmaj) : json_null());
	return o;
}

void pft_report_expect_completions(struct pft_report *rep)
{
	rep->opts.completions = true;
}

void pft_report_set_sink(struct pft_report *rep, pft_fault_sink sink, void *data)
{
	rep->sink = sink;
	rep->sink_data = data;
}

int pft_report_add(struct pft_report *rep, const struct pft_event *ev)
{
	struct pft_fault f = {.tid = ev->tid, .major = -1};
	struct pft_event named;
	const char *comm;

	/* pftrace's own bookkeeping is not an event of the traced program */
	if (ev->type == PFT_EV_MARKER && ev->text &&
	    !strncmp(ev->text, PFT_MARKER_PREFIX, strlen(PFT_MARKER_PREFIX)))
		return 0;
	rep->events++;
	if (ev->type == PFT_EV_COMPLETION)
		return complete(rep, ev);
	if (ev->type == PFT_EV_EXIT && release_held(rep, held_of(rep, ev->tid, false)) < 0)
		return -1;
	if (ev->type == PFT_EV_EXEC && count_exec(rep, ev) < 0)
		return -1;
	if (pft_aspace_event(rep->as, ev))
		return 0;
	if (ev->type == PFT_EV_OTHER || ev->type == PFT_EV_MARKER) {
		rep->other_events++;
		return 0;
	}
	if (ev->type == PFT_EV_FAULT_KERNEL && !rep->opts.kernel) {
		rep->kernel_excluded++;
		return 0;
	}
	/* the comm the trace has told for the task by now (an exec, a rename), else the line's */
	comm = pft_aspace_comm(rep->as, ev->tid);
	if (comm || !ev->comm) {
		named = *ev;
		named.comm = comm ? comm : "<...>";
		ev = &named;
	}
	f.ev = ev;
	f.pid = pft_aspace_pid_of(rep->as, ev->tid, ev->tgid, ev->comm);
	if (!pid_selected(rep, f.pid, f.tid)) {
		rep->filtered++;
		return 0;
	}
	if (ev->ts != PFT_NO_TS) {
		if (rep->first_ts == PFT_NO_TS || ev->ts < rep->first_ts)
			rep->first_ts = ev->ts;
		if (ev->ts > rep->last_ts)
			rep->last_ts = ev->ts;
	}
	join(rep, ev, &f);
	rep->no_maps += f.kind == PFT_KIND_UNKNOWN;
	return rep->opts.completions ? hold(rep, &f) : finalize(rep, &f);
}

int pft_report_add_input(struct pft_report *rep, const char *name,
			 const struct pft_source_stats *st)
{
	struct input *in;

	if (pft_grow((void **)&rep->inputs, &rep->cap_inputs, rep->nr_inputs + 1,
		     sizeof(*rep->inputs)) < 0)
		return -1;
	in = &rep->inputs[rep->nr_inputs];
	in->st = *st;
	in->name = strdup(name);
	if (!in->name)
		return -1;
	rep->nr_inputs++;
	return 0;
}

int pft_report_add_source(struct pft_report *rep, const struct pft_source *src)
{
	return pft_report_add_input(rep, pft_source_name(src), pft_source_stats(src));
}

/* ---------------------------------------------------------------- JSON */

static json_t *kinds_json(const struct counts *c)
{
	json_t *o = json_object();
	int k;

	for (k = 0; k < PFT_KIND_COUNT; k++)
		json_object_set_new(o, pft_kind_name(k), json_integer((json_int_t)c->kind[k]));
	return o;
}

static const char *top_kind(const struct counts *c)
{
	int k, best = 0;

	for (k = 1; k < PFT_KIND_COUNT; k++)
		if (c->kind[k] > c->kind[best])
			best = k;
	return pft_kind_name(best);
}

/* The kernel's verdict, or null where the source has none (a text trace). */
static json_t *verdict(bool known, uint64_t n)
{
	return known ? json_integer((json_int_t)n) : json_null();
}

/* pages: the row counts distinct pages (not per process: a set of every page is not worth it) */
static void counts_json(json_t *o, const struct counts *c, const struct lat *lat, bool known,
			bool pages)
{
	json_object_set_new(o, "major", verdict(known, c->major));
	json_object_set_new(o, "minor", verdict(known, c->minor));
	json_object_set_new(o, "major_ns", verdict(known, c->major_ns));
	json_object_set_new(o, "latency_ns", lat_json(lat));
	json_object_set_new(o, "faults", json_integer((json_int_t)c->faults));
	json_object_set_new(o, "reads", json_integer((json_int_t)c->reads));
	json_object_set_new(o, "writes", json_integer((json_int_t)c->writes));
	json_object_set_new(o, "execs", json_integer((json_int_t)c->execs));
	json_object_set_new(o, "protection", json_integer((json_int_t)c->protection));
	json_object_set_new(o, "pages", pages ? json_integer((json_int_t)c->pages) : json_null());
	json_object_set_new(o, "top_kind", json_string(top_kind(c)));
	json_object_set_new(o, "by_kind", kinds_json(c));
}

static json_t *vma_json(const struct pft_vma *v)
{
	json_t *o = json_object();
	char dev[16];

	snprintf(dev, sizeof(dev), "%02x:%02x", v->dev_major, v->dev_minor);
	json_object_set_new(o, "start", pft_json_hex(v->start));
	json_object_set_new(o, "end", pft_json_hex(v->end));
	json_object_set_new(o, "perms", json_string(v->perms));
	json_object_set_new(o, "offset", pft_json_hex(v->offset));
	json_object_set_new(o, "dev", json_string(dev));
	json_object_set_new(o, "inode", json_integer((json_int_t)v->inode));
	json_object_set_new(o, "path", pft_json_str(v->path));
	json_object_set_new(o, "name", pft_json_str(v->name));
	json_object_set_new(o, "deleted", json_boolean(v->deleted));
	return o;
}

/* "libc.so.6+0x9a3f0" style location of an address inside a VMA. */
static json_t *location_json(const struct pft_vma *v, uint64_t addr)
{
	const char *base;
	char *buf;
	json_t *j;

	if (!v)
		return json_null();
	base = v->path ? strrchr(v->path, '/') + 1 : v->name;
	if (asprintf(&buf, "%s+0x%" PRIx64, base, addr - v->start + v->offset) < 0)
		return NULL;
	j = pft_json_str(buf);
	free(buf);
	return j;
}

static json_t *row_json(const struct pft_report *rep, const struct table *t, const struct group *g)
{
	json_t *o;
	char key[64];

	switch (t->by) {
	case PFT_BY_VMA:
		/* the area: its extent; the first VMA's permissions, offset and file */
		o = vma_json(g->vma);
		json_object_set_new(o, "start", pft_json_hex(g->lo));
		json_object_set_new(o, "end", pft_json_hex(g->hi));
		if (g->vma->inode && g->lo < g->vma->start)
			json_object_set_new(o, "offset",
					    pft_json_hex(g->vma->offset - (g->vma->start - g->lo)));
		json_object_set_new(o, "perms_changed", json_boolean(g->perms_changed));
		json_object_set_new(o, "pid", json_integer(g->pid));
		json_object_set_new(o, "comm", pft_json_str(g->has_str ? rep->strs.s[g->str] : NULL));
		json_object_set_new(o, "key", pft_json_str(g->vma->name));
		break;
	case PFT_BY_PID:
		o = json_object();
		json_object_set_new(o, "pid", json_integer(g->pid));
		json_object_set_new(o, "comm", pft_json_str(rep->strs.s[g->str]));
		snprintf(key, sizeof(key), "%d", g->pid);
		json_object_set_new(o, "key", json_string(key));
		json_object_set_new(o, "kernel_min_flt",
				    g->kernel ? json_integer((json_int_t)g->kmin) : json_null());
		json_object_set_new(o, "kernel_maj_flt",
				    g->kernel ? json_integer((json_int_t)g->kmaj) : json_null());
		json_object_set_new(
		    o, "coverage", g->kernel ? ratio(g->c.faults, g->kmin + g->kmaj) : json_null());
		json_object_set_new(o, "exec_calls", json_integer((json_int_t)g->execs));
		break;
	case PFT_BY_FILE:
		o = json_object();
		json_object_set_new(o, "file", pft_json_str(rep->strs.s[g->str]));
		json_object_set_new(o, "key", pft_json_str(rep->strs.s[g->str]));
		break;
	case PFT_BY_PAGE:
		o = json_object();
		snprintf(key, sizeof(key), "0x%" PRIx64, g->addr);
		json_object_set_new(o, "pid", json_integer(g->pid));
		json_object_set_new(o, "page", json_string(key));
		json_object_set_new(o, "key", json_string(key));
		json_object_set_new(o, "vma", g->vma ? pft_json_str(g->vma->name) : json_null());
		json_object_set_new(o, "perms", g->vma ? json_string(g->vma->perms) : json_null());
		break;
	case PFT_BY_IP:
		o = json_object();
		json_object_set_new(o, "pid", g->has_str ? json_null() : json_integer(g->pid));
		json_object_set_new(o, "ip", g->has_str ? json_null() : pft_json_hex(g->addr));
		json_object_set_new(o, "ip_symbol",
				    g->has_str ? pft_json_str(rep->strs.s[g->str]) : json_null());
		json_object_set_new(o, "location", location_json(g->vma, g->addr));
		if (g->has_str)
			json_object_set(o, "key", json_object_get(o, "ip_symbol"));
		else if (g->vma)
			json_object_set(o, "key", json_object_get(o, "location"));
		else
			json_object_set(o, "key", json_object_get(o, "ip"));
		break;
	case PFT_BY_TID:
		o = json_object();
		json_object_set_new(o, "tid", json_integer(g->tid));
		json_object_set_new(o, "pid", json_integer(g->pid));
		json_object_set_new(o, "comm", pft_json_str(rep->strs.s[g->str]));
		snprintf(key, sizeof(key), "%d", g->tid);
		json_object_set_new(o, "key", json_string(key));
		break;
	default:
		o = json_object();
		json_object_set_new(o, "kind", json_string(pft_kind_name(g->kind)));
		json_object_set_new(o, "key", json_string(pft_kind_name(g->kind)));
		break;
	}
	counts_json(o, &g->c, g->lat, rep->opts.completions, t->by != PFT_BY_PID);
	return o;
}

static int by_faults(const void *a, const void *b)
{
	const struct group *x = *(const struct group *const *)a,
			   *y = *(const struct group *const *)b;

	if (x->c.faults != y->c.faults)
		return x->c.faults > y->c.faults ? -1 : 1;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	if (x->vma && y->vma && x->vma->start != y->vma->start)
		return x->vma->start < y->vma->start ? -1 : 1;
	if (x->tid != y->tid)
		return x->tid < y->tid ? -1 : 1;
	if (x->str != y->str)
		return x->str < y->str ? -1 : 1;
	return (int)x->kind - (int)y->kind;
}

/* Rows most faults first, up to --top. */
int pft_rows_open(const struct pft_report *rep, enum pft_rows_of of, struct pft_rows *it)
{
	const struct table *t = of == PFT_ROWS_PROCS				    ? &rep->procs
				: of == PFT_ROWS_VMAS || rep->opts.by == PFT_BY_VMA ? &rep->vmas
				: rep->opts.by == PFT_BY_PID			    ? &rep->procs
										    : &rep->groups;
	size_t i;

	memset(it, 0, sizeof(*it));
	it->rep = rep;
	it->table = t;
	it->order = malloc((t->nr ? t->nr : 1) * sizeof(*it->order));
	if (!it->order)
		return -1;
	for (i = 0; i < t->nr; i++)
		it->order[i] = &t->rows[i];
	qsort(it->order, t->nr, sizeof(*it->order), by_faults);
	it->n = t->nr;
	if (rep->opts.top > 0 && (size_t)rep->opts.top < it->n)
		it->n = rep->opts.top;
	return 0;
}

json_t *pft_rows_next(struct pft_rows *it)
{
	if (it->i == it->n)
		return NULL;
	return row_json(it->rep, it->table, it->order[it->i++]);
}

void pft_rows_close(struct pft_rows *it)
{
	free(it->order);
	it->order = NULL;
}

static json_t *rows_json(const struct pft_report *rep, enum pft_rows_of of)
{
	struct pft_rows it;
	json_t *arr = json_array(), *row;

	if (!arr || pft_rows_open(rep, of, &it) < 0) {
		json_decref(arr);
		return NULL;
	}
	while ((row = pft_rows_next(&it)))
		json_array_append_new(arr, row);
	pft_rows_close(&it);
	return arr;
}

static json_t *skipped_json(const struct pft_skipped *s)
{
	char *buf;
	json_t *j;

	if (!s->count)
		return json_null();
	if (asprintf(&buf, "line %" PRIu64 ": %s", s->first_line, s->first_text) < 0)
		return NULL;
	j = pft_json_str(buf);
	free(buf);
	return j;
}

static json_t *inputs_json(const struct pft_report *rep, uint64_t *skipped, int64_t *lost,
			   uint64_t *lost_completions, uint64_t *lost_sideband, uint64_t *bad_pages)
{
	json_t *arr = json_array();
	size_t i;

	*lost_completions = *lost_sideband = *bad_pages = 0;
	*skipped = 0;
	*lost = 0;
	for (i = 0; i < rep->nr_inputs; i++) {
		const struct pft_source_stats *st = &rep->inputs[i].st;
		const struct pft_skipped *first =
		    st->malformed.count ? &st->malformed : &st->unrecognized;
		json_t *o = json_object();

		json_object_set_new(o, "name", pft_json_str(rep->inputs[i].name));
		json_object_set_new(o, "format", json_string(st->format));
		json_object_set_new(o, "lines", json_integer((json_int_t)st->lines));
		json_object_set_new(o, "events", json_integer((json_int_t)st->events));
		json_object_set_new(o, "malformed_lines",
				    json_integer((json_int_t)st->malformed.count));
		json_object_set_new(o, "unrecognized_lines",
				    json_integer((json_int_t)st->unrecognized.count));
		json_object_set_new(o, "first_skipped", skipped_json(first));
		json_object_set_new(o, "lost_events",
				    st->lost_events < 0 ? json_null()
							: json_integer(st->lost_events));
		json_object_set_new(o, "cpus", st->cpus < 0 ? json_null() : json_integer(st->cpus));
		json_object_set_new(o, "ts_unit", json_string(st->ts_raw ? "raw" : "ns"));
		json_array_append_new(arr, o);
		*skipped += st->malformed.count + st->unrecognized.count;
		*lost_completions += st->lost_completions;
		*lost_sideband += st->lost_sideband;
		*bad_pages += st->bad_pages;
		if (st->lost_events < 0 || *lost < 0)
			*lost = -1;
		else
			*lost += st->lost_events;
	}
	return arr;
}

static json_t *ts_json(uint64_t ts)
{
	return ts == PFT_NO_TS ? json_null() : json_integer((json_int_t)ts);
}

/* The rebuilt maps against the snapshots of the same moments. */
static json_t *checks_json(const struct pft_report *rep)
{
	const struct pft_maps_check *c = pft_aspace_checks(rep->as);
	json_t *o = json_object();
	char *first = NULL;

	json_object_set_new(o, "snapshots", json_integer((json_int_t)c->snapshots));
	json_object_set_new(o, "disagreed", json_integer((json_int_t)c->disagreed));
	json_object_set_new(o, "pages", json_integer((json_int_t)c->pages));
	if (c->disagreed &&
	    asprintf(&first, "pid %d at %" PRIu64 ": 0x%" PRIx64 " %s %s", c->first_pid,
		     c->first_ts, c->first_addr, c->first_text,
		     c->first_in_snapshot ? "in /proc, not rebuilt" : "rebuilt, not in /proc") < 0)
		first = NULL;
	json_object_set_new(o, "first", pft_json_str(first));
	free(first);
	return o;
}

json_t *pft_report_head(const struct pft_report *rep)
{
	json_t *doc = json_object(), *src = json_object(), *sum = json_object();
	json_t *inputs, *pids = json_array(), *kinds;
	uint64_t skipped, lost_completions, lost_sideband, bad_pages;
	int64_t lost;
	size_t i;
	int k;

	if (!doc || !src || !sum || !pids)
		goto fail;
	inputs = inputs_json(rep, &skipped, &lost, &lost_completions, &lost_sideband, &bad_pages);
	json_object_set_new(doc, "pftrace_json_version", json_integer(PFT_JSON_VERSION));
	json_object_set_new(src, "inputs", inputs);
	json_object_set_new(src, "kernel_faults", json_boolean(rep->opts.kernel));
	for (i = 0; i < rep->opts.nr_pids; i++)
		json_array_append_new(pids, json_integer(rep->opts.pids[i]));
	json_object_set_new(src, "pid_filter", rep->opts.nr_pids ? pids : json_null());
	if (!rep->opts.nr_pids)
		json_decref(pids);
	json_object_set_new(src, "by", json_string(pft_by_name(rep->opts.by)));
	json_object_set_new(src, "top",
			    rep->opts.top > 0 ? json_integer(rep->opts.top) : json_null());
	json_object_set_new(doc, "source", src);

	json_object_set_new(sum, "events", json_integer((json_int_t)rep->events));
	json_object_set_new(sum, "faults", json_integer((json_int_t)rep->total.faults));
	json_object_set_new(sum, "reads", json_integer((json_int_t)rep->total.reads));
	json_object_set_new(sum, "writes", json_integer((json_int_t)rep->total.writes));
	json_object_set_new(sum, "execs", json_integer((json_int_t)rep->total.execs));
	json_object_set_new(sum, "protection", json_integer((json_int_t)rep->total.protection));
	json_object_set_new(sum, "no_vma",
			    json_integer((json_int_t)rep->total.kind[PFT_KIND_NO_VMA]));
	json_object_set_new(sum, "no_maps", json_integer((json_int_t)rep->no_maps));
	json_object_set_new(sum, "skipped_lines", json_integer((json_int_t)skipped));
	json_object_set_new(sum, "lost_events", lost < 0 ? json_null() : json_integer(lost));
	json_object_set_new(sum, "other_events", json_integer((json_int_t)rep->other_events));
	json_object_set_new(sum, "history_events",
			    json_integer((json_int_t)pft_aspace_history_events(rep->as)));
	json_object_set_new(sum, "kernel_faults_excluded",
			    json_integer((json_int_t)rep->kernel_excluded));
	json_object_set_new(sum, "filtered_faults", json_integer((json_int_t)rep->filtered));
	json_object_set_new(sum, "pids", json_integer((json_int_t)rep->seen_pids.len));
	json_object_set_new(sum, "tids", json_integer((json_int_t)rep->seen_tids.len));
	json_object_set_new(sum, "vmas", json_integer((json_int_t)rep->vmas.nr));
	json_object_set_new(sum, "first_ts", ts_json(rep->first_ts));
	json_object_set_new(sum, "last_ts",
			    rep->first_ts == PFT_NO_TS ? json_null() : ts_json(rep->last_ts));
	json_object_set_new(sum, "by_kind", kinds_json(&rep->total));
	json_object_set_new(sum, "completions", json_boolean(rep->opts.completions));
	json_object_set_new(sum, "major", verdict(rep->opts.completions, rep->total.major));
	json_object_set_new(sum, "minor", verdict(rep->opts.completions, rep->total.minor));
	json_object_set_new(sum, "major_ns", verdict(rep->opts.completions, rep->total.major_ns));
	json_object_set_new(sum, "major_unknown",
			    verdict(rep->opts.completions, rep->major_unknown));
	json_object_set_new(sum, "lost_completions",
			    verdict(rep->opts.completions, lost_completions));
	json_object_set_new(sum, "completions_without_fault",
			    verdict(rep->opts.completions, rep->completions_unmatched));
	json_object_set_new(sum, "latency_ns", lat_json(rep->lat));
	kinds = json_object();
	for (k = 0; k < PFT_KIND_COUNT; k++)
		json_object_set_new(kinds, pft_kind_name(k), lat_json(rep->lat_kind[k]));
	json_object_set_new(sum, "latency_by_kind", kinds);
	json_object_set_new(sum, "kernel_counters", counters_json(rep));
	json_object_set_new(sum, "exact_maps", json_boolean(pft_aspace_is_exact(rep->as)));
	json_object_set_new(sum, "lost_mapping_records", json_integer((json_int_t)lost_sideband));
	json_object_set_new(sum, "bad_pages", json_integer((json_int_t)bad_pages));
	json_object_set_new(sum, "maps_checks", checks_json(rep));
	json_object_set_new(doc, "summary", sum);
	return doc;
fail:
	json_decref(doc);
	json_decref(src);
	json_decref(sum);
	json_decref(pids);
	return NULL;
}

json_t *pft_report_json(const struct pft_report *rep)
{
	json_t *doc = pft_report_head(rep);

	if (doc) {
		json_object_set_new(doc, "vmas", rows_json(rep, PFT_ROWS_VMAS));
		json_object_set_new(doc, "groups", rows_json(rep, PFT_ROWS_GROUPS));
		json_object_set_new(doc, "processes", rows_json(rep, PFT_ROWS_PROCS));
	}
	return doc;
}

/* One array, a row per line, built and freed one row at a time. */
static int write_rows(const struct pft_report *rep, enum pft_rows_of of, FILE *out)
{
	struct pft_rows it;
	json_t *row;
	int r = 0;

	if (pft_rows_open(rep, of, &it) < 0)
		return -1;
	fputs("[", out);
	while (r == 0 && (row = pft_rows_next(&it))) {
		fputs(it.i > 1 ? ",\n    " : "\n    ", out);
		r = json_dumpf(row, out, JSON_COMPACT);
		json_decref(row);
	}
	fputs(it.n ? "\n  ]" : "]", out);
	pft_rows_close(&it);
	return r;
}

int pft_report_write_json(const struct pft_report *rep, FILE *out)
{
	json_t *head = pft_report_head(rep), *v;
	const char *key;
	int r = 0;

	if (!head)
		return -1;
	fputs("{", out);
	json_object_foreach(head, key, v)
	{
		fprintf(out, "\n  \"%s\": ", key);
		if (json_dumpf(v, out, JSON_COMPACT | JSON_ENCODE_ANY) < 0)
			r = -1;
		fputs(",", out);
	}
	json_decref(head);
	fputs("\n  \"vmas\": ", out);
	if (write_rows(rep, PFT_ROWS_VMAS, out) < 0)
		r = -1;
	fputs(",\n  \"groups\": ", out);
	if (write_rows(rep, PFT_ROWS_GROUPS, out) < 0)
		r = -1;
	fputs(",\n  \"processes\": ", out);
	if (write_rows(rep, PFT_ROWS_PROCS, out) < 0)
		r = -1;
	fputs("\n}\n", out);
	if (fflush(out) == EOF || ferror(out))
		r = -1;
	return r;
}

json_t *pft_fault_json(const struct pft_fault *f)
{
	const struct pft_event *ev = f->ev;
	json_t *o = json_object(), *flags = json_array();
	const char *names[64];
	int n, i;

	n = pft_error_code_flags(ev->error_code, names, 64);
	for (i = 0; i < n; i++)
		json_array_append_new(flags, json_string(names[i]));
	json_object_set_new(o, "ts", ts_json(ev->ts));
	json_object_set_new(o, "cpu", ev->cpu < 0 ? json_null() : json_integer(ev->cpu));
	json_object_set_new(o, "pid", json_integer(f->pid));
	json_object_set_new(o, "tid", json_integer(f->tid));
	json_object_set_new(o, "comm", pft_json_str(ev->comm));
	json_object_set_new(
	    o, "event",
	    json_string(ev->type == PFT_EV_FAULT_KERNEL ? "page_fault_kernel" : "page_fault_user"));
	json_object_set_new(o, "address",
			    ev->address_symbol ? pft_json_str(ev->address_symbol)
					       : pft_json_hex(ev->address));
	json_object_set_new(o, "ip", ev->ip_symbol ? json_null() : pft_json_hex(ev->ip));
	json_object_set_new(o, "ip_symbol", pft_json_str(ev->ip_symbol));
	json_object_set_new(o, "error_code", pft_json_hex(ev->error_code));
	json_object_set_new(o, "flags", flags);
	json_object_set_new(o, "access", json_string(pft_access_name(f->access)));
	json_object_set_new(o, "kind", json_string(pft_kind_name(f->kind)));
	json_object_set_new(o, "page", pft_json_hex(f->page));
	json_object_set_new(o, "vma", f->vma ? vma_json(f->vma) : json_null());
	json_object_set_new(o, "major", f->major < 0 ? json_null() : json_boolean(f->major));
	json_object_set_new(o, "latency_ns",
			    f->major < 0 ? json_null() : json_integer((json_int_t)f->latency_ns));
	json_object_set_new(o, "file_offset",
			    f->has_file_offset ? pft_json_hex(f->file_offset) : json_null());
	json_object_set_new(o, "irq_flags", pft_json_str(ev->irq_flags));
	for (i = 0; i < 2; i++) {
		const struct pft_stack *st = i ? &ev->ustack : &ev->kstack;
		json_t *arr;
		size_t j;

		if (!st->nr) {
			json_object_set_new(o, i ? "user_stack" : "kernel_stack", json_null());
			continue;
		}
		arr = json_array();
		for (j = 0; j < st->nr; j++)
			json_array_append_new(arr, pft_json_str(st->frames[j]));
		json_object_set_new(o, i ? "user_stack" : "kernel_stack", arr);
	}
	return o;
}

static void table_release(struct table *t)
{
	size_t i;

	for (i = 0; i < t->nr; i++) {
		free(t->rows[i].seen);
		free(t->rows[i].lat);
		pft_vma_unref(t->rows[i].vma);
	}
	pft_hmap_release(&t->index);
	pft_hmap_release(&t->pages);
	free(t->rows);
}

void pft_report_free(struct pft_report *rep)
{
	size_t i;

	if (!rep)
		return;
	table_release(&rep->vmas);
	table_release(&rep->groups);
	table_release(&rep->procs);
	for (i = 0; i < rep->strs.nr; i++)
		free(rep->strs.s[i]);
	free(rep->strs.s);
	pft_hmap_release(&rep->strs.index);
	pft_hmap_release(&rep->seen_pids);
	pft_hmap_release(&rep->seen_tids);
	for (i = 0; i < rep->nr_inputs; i++)
		free(rep->inputs[i].name);
	free(rep->inputs);
	free(rep->pids);
	for (i = 0; i < rep->nr_held; i++)
		if (rep->held[i].used) /* a report freed without pft_report_finish */
			pft_vma_unref(rep->held[i].f.vma);
	free(rep->held);
	pft_hmap_release(&rep->held_by_tid);
	free(rep->lat);
	for (i = 0; i < PFT_KIND_COUNT; i++)
		free(rep->lat_kind[i]);
	free(rep);
}
