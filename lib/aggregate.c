/* SPDX-License-Identifier: MIT */
/* The tables of a report: rows keyed by area, file, page, ip, thread, process or kind, their
 * counters and latency histograms, distinct pages, interned strings. Memory grows with distinct
 * keys, never with the number of events. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "report.h"

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

int pft_rep_lat_add(struct lat **l, uint64_t v)
{
	if (!*l && !(*l = calloc(1, sizeof(**l))))
		return -1;
	(*l)->n++;
	(*l)->b[lat_bucket(v)]++;
	if (v > (*l)->max)
		(*l)->max = v;
	return 0;
}

int pft_rep_lat_fault(struct lat **l, const struct pft_fault *f)
{
	int c;

	if (pft_rep_lat_add(l, f->latency_ns) < 0)
		return -1;
	if (f->why_ns) {
		(*l)->why_n++;
		(*l)->why_io_bytes += f->io_bytes;
		for (c = 0; c < PFT_CAUSE_COUNT; c++)
			(*l)->why_ns[c] += f->why_ns[c];
	}
	return 0;
}

uint64_t pft_rep_lat_pct(const struct lat *l, double p)
{
	uint64_t want = (uint64_t)(p * l->n + 0.999999), seen = 0;
	int i;

	for (i = 0; i < 256; i++)
		if ((seen += l->b[i]) >= want)
			return lat_upper(i) < l->max ? lat_upper(i) : l->max;
	return l->max;
}

void pft_rep_count(struct counts *c, const struct pft_fault *f)
{
	c->major += f->major == 1;
	c->minor += f->major == 0;
	c->restarted += f->restarted;
	if (f->major == 1)
		c->major_ns += f->latency_ns;
	c->faults++;
	c->reads += f->access == PFT_ACCESS_READ;
	c->writes += f->access == PFT_ACCESS_WRITE;
	c->execs += f->access == PFT_ACCESS_EXEC;
	c->access_unknown += f->access == PFT_ACCESS_UNKNOWN;
	c->protection += (f->code.bits & PFT_PF_PROT) != 0;
	c->prot_unknown += !f->code.prot_known;
	c->kind[f->kind]++;
}

/* Gives a row its string (file name, ip symbol, comm), interned. */
int pft_rep_set_str(struct pft_report *rep, struct group *proto, const char *str)
{
	proto->has_str = true;
	return pft_strtab_put(&rep->strs, str, &proto->str);
}

/* A copy of text that lives as long as the report (a name the trace gave lives as long as its
 * event), or NULL. */
static int keep(struct pft_report *rep, const char *text, size_t len, const char **out)
{
	char buf[1024];
	uint32_t id;

	*out = NULL;
	if (!text)
		return 0;
	snprintf(buf, sizeof(buf), "%.*s", (int)(len < sizeof(buf) ? len : sizeof(buf) - 1), text);
	if (pft_strtab_put(&rep->strs, buf, &id) < 0)
		return -1;
	*out = rep->strs.s[id];
	return 0;
}

/* A function and the file it is in, across processes; code that cannot be named is grouped by
 * its file ("[/usr/lib/libfoo.so]"), or as "[unknown]". The row's source is the function's file. */
static int sym_key(struct pft_report *rep, const struct pft_fault *f, struct group *proto,
		   uint64_t *a, uint64_t *b)
{
	const struct pft_symbol *s = &f->symbol;
	const char *mod = s->module ? strrchr(s->module, '/') : NULL, *colon;
	char key[1024];
	uint32_t m = 0;

	mod = mod ? mod + 1 : s->module;
	if (s->function)
		snprintf(key, sizeof(key), "%s (%s)", s->function, mod ? mod : "?");
	else /* code not named: its whole file, as two files may share a name (two [git]s) */
		snprintf(key, sizeof(key), s->module && *s->module == '[' ? "%s" : "[%s]",
			 s->module ? s->module : "unknown");
	colon = s->source ? strrchr(s->source, ':') : NULL;
	proto->sym = (struct pft_symbol){.kernel = s->kernel};
	if (pft_rep_set_str(rep, proto, key) < 0 ||
	    keep(rep, s->function, SIZE_MAX, &proto->sym.function) < 0 ||
	    keep(rep, s->module, SIZE_MAX, &proto->sym.module) < 0 ||
	    keep(rep, s->source, colon ? (size_t)(colon - s->source) : SIZE_MAX,
		 &proto->sym.source) < 0 ||
	    (s->module && pft_strtab_put(&rep->strs, s->module, &m) < 0))
		return -1;
	*a = proto->str;
	*b = m;
	return 0;
}

/* A process is named by its main thread (its comm as the trace has told it by now, an exec
 * or a rename included), not by whichever thread faulted: a JVM is "java", not "C1
 * CompilerThre", and the same live and in replay. The fault's own comm where the trace never
 * named the main thread. */
static const char *proc_comm(const struct pft_report *rep, const struct pft_fault *f)
{
	const char *comm = pft_aspace_comm(rep->as, f->pid);

	return comm ? comm : f->ev->comm ? f->ev->comm : "<...>";
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
		/* (the process's row is the fault's by now: pft_rep_proc_add came first) */
		proto->gen = rep->last_proc >= 0 ? rep->procs.rows[rep->last_proc].gen : 0;
		*a = f->vma->area;
		*b = (uint64_t)(uint32_t)f->pid | (uint64_t)proto->gen << 32;
		return 0;
	case PFT_BY_FILE:
		name = f->vma			     ? f->vma->name
		       : f->kind == PFT_KIND_UNKNOWN ? "[unknown]"
						     : "[no-vma]";
		if (pft_rep_set_str(rep, proto, name) < 0)
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
			if (pft_rep_set_str(rep, proto, ev->ip_symbol) < 0)
				return -1;
			*a = proto->str;
			*b = 1ull << 40; /* symbols: apart from every (ip, pid) key */
			return 0;
		}
		proto->addr = ev->ip;
		proto->sym = f->symbol; /* the symbolizer's: lives as long as it */
		proto->vma = pft_aspace_lookup(rep->as, f->pid, ev->ts, ev->ip, ev->comm, &maps);
		*a = ev->ip;
		*b = (uint64_t)(uint32_t)f->pid;
		return 0;
	case PFT_BY_SYM:
		return sym_key(rep, f, proto, a, b);
	case PFT_BY_TID:
		if (pft_rep_set_str(rep, proto, ev->comm) < 0)
			return -1;
		*a = (uint64_t)(uint32_t)f->tid;
		*b = 0;
		return 0;
	case PFT_BY_PID:
		if (pft_rep_set_str(rep, proto, proc_comm(rep, f)) < 0)
			return -1;
		*a = (uint64_t)(uint32_t)f->pid;
		*b = 0;
		return 0;
	case PFT_BY_COMM:
		if (pft_rep_set_str(rep, proto, proc_comm(rep, f)) < 0)
			return -1;
		*a = proto->str;
		*b = 0;
		return 0;
	case PFT_BY_CGROUP: /* folded from the process table at the end: no key per fault */
		*a = *b = 0;
		return 0;
	case PFT_BY_PATH:
		proto->path = f->path;
		*a = f->path;
		*b = 0;
		return 0;
	case PFT_BY_CAUSE:
		proto->cause = pft_fault_cause(f);
		*a = proto->cause;
		*b = 0;
		return 0;
	case PFT_BY_KIND:
	case PFT_BY_COUNT: /* not a table */
		proto->kind = f->kind;
		*a = f->kind;
		*b = 0;
		return 0;
	}
	return 0;
}

/* Makes the bitmap of g (by VMA) cover page: from the lowest page seen to the top of the area's
 * extent, in whole bytes of bits. 0 when it does, 1 when that would be over BITMAP_MAX_PAGES (the
 * hash set takes the page: a page the bitmap covers once, it covers for good, so no page is
 * counted in both), -1 on ENOMEM. */
static int bitmap_cover(struct group *g, uint64_t page)
{
	static const uint64_t TOP = UINT64_MAX - (1ull << 40);
	/* whole pages: a VMA's start from a corrupt input need not be one, and a bit is a page */
	uint64_t lo = g->base & ~0xfffull, hi = lo + (g->nbits << 12), shift = 0, npages;
	size_t want, had = g->nbits / 8;
	uint8_t *bits;

	if (g->seen && page >= lo && page < hi)
		return 0;
	/* (no bitmap at the top of the address space: its ends could wrap) */
	if (page >= TOP || g->hi >= TOP)
		return 1;
	if (page < lo) {
		/* an area that grows down (a stack, mappings merged below it) */
		shift = (((lo - page + 0xfff) >> 12) + 7) / 8;
		if (shift > lo >> 15)
			return 1;
		lo -= shift << 15;
	}
	hi = g->hi > hi ? g->hi : hi;
	hi = page + 4096 > hi ? page + 4096 : hi;
	npages = (hi - lo) >> 12;
	if (npages > BITMAP_MAX_PAGES)
		return 1;
	want = (npages + 7) / 8;
	bits = realloc(g->seen, want);
	if (!bits)
		return -1;
	memmove(bits + shift, bits, had);
	memset(bits, 0, shift);
	memset(bits + shift + had, 0, want - shift - had);
	g->seen = bits;
	g->base = lo;
	g->nbits = want * 8;
	return 0;
}

/* 1 if this is the row's first fault on the page, 0 if not, -1 on ENOMEM. */
static int first_touch(struct table *t, uint32_t idx, const struct pft_fault *f)
{
	struct group *g = &t->rows[idx];
	uint64_t bit;
	uint32_t dummy;
	int r;

	if (t->by == PFT_BY_PAGE)
		return g->c.pages == 0;
	if (t->by == PFT_BY_VMA) {
		r = bitmap_cover(g, f->page);
		if (r < 0)
			return -1;
		if (r == 0) {
			bit = (f->page - g->base) >> 12;
			if (g->seen[bit / 8] & (1u << bit % 8))
				return 0;
			g->seen[bit / 8] |= 1u << bit % 8;
			return 1;
		}
	}
	return pft_hmap_put(&t->pages, idx | (uint64_t)(uint32_t)f->pid << 32, f->page, 0, &dummy);
}

/* The row of key (a, b), made from proto if new: its index, or -1 on ENOMEM. */
int64_t pft_rep_row_get(struct table *t, uint64_t a, uint64_t b, const struct group *proto)
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
		t->rows[t->nr].base = proto->lo & ~0xfffull; /* the page of the bitmap's bit 0 */
		t->rows[t->nr].born = t->exits;
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
int64_t pft_rep_table_add(struct pft_report *rep, struct table *t, const struct pft_fault *f)
{
	struct group proto;
	uint64_t a = 0, b = 0;
	int64_t idx;
	int r;

	if (t->by == PFT_BY_VMA && !f->vma)
		return -2; /* faults outside any VMA are in the summary, not the VMA table */
	if (t->by == PFT_BY_CGROUP)
		return -2; /* a process's cgroup may be told after its faults: folded at the end */
	if (t->by == PFT_BY_VMA && t->last_row1 && t->last_area == f->vma->area &&
	    t->last_pid == f->pid && t->last_start == f->vma->start && t->last_end == f->vma->end &&
	    !memcmp(t->last_perms, f->vma->perms, 4)) {
		idx = (int64_t)t->last_row1 - 1;
	} else {
		if (row_key(rep, t->by, f, &proto, &a, &b) < 0 ||
		    (idx = pft_rep_row_get(t, a, b, &proto)) < 0)
			return -1;
		if (t->by == PFT_BY_VMA) {
			t->last_row1 = (size_t)idx + 1;
			t->last_area = f->vma->area;
			t->last_pid = f->pid;
			t->last_start = f->vma->start;
			t->last_end = f->vma->end;
			memcpy(t->last_perms, f->vma->perms, 4);
		}
	}
	/* a new area row: the program it is of (interned once, not per fault) */
	if (t->by == PFT_BY_VMA && !t->rows[idx].has_str &&
	    pft_rep_set_str(rep, &t->rows[idx], proc_comm(rep, f)) < 0)
		return -1;
	pft_rep_count(&t->rows[idx].c, f);
	if (f->has_latency && t->by != PFT_BY_PAGE && t->by != PFT_BY_IP &&
	    pft_rep_lat_fault(&t->rows[idx].lat, f) < 0)
		return -1;
	if (t->by == PFT_BY_PID)
		return idx; /* pages per process: not worth a set of every page */
	r = first_touch(t, (uint32_t)idx, f);
	if (r < 0)
		return -1;
	t->rows[idx].c.pages += r;
	return idx;
}

bool pft_rep_pid_selected(const struct pft_report *rep, int pid, int tid)
{
	size_t i;

	if (!rep->opts.nr_pids)
		return true;
	for (i = 0; i < rep->opts.nr_pids; i++)
		if (rep->opts.pids[i] == pid || rep->opts.pids[i] == tid)
			return true;
	return false;
}

/* strcmp's answer for short strings (comms), without a call per fault */
static bool same_str(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

/* The process table: every fault once, whatever the --by; a run of one thread's faults reuses
 * its row. */
int pft_rep_proc_add(struct pft_report *rep, const struct pft_fault *f)
{
	const char *comm = proc_comm(rep, f);
	struct group *g;

	if (rep->last_proc < 0 || f->pid != rep->last_pid || !same_str(comm, rep->last_comm)) {
		rep->last_proc = pft_rep_table_add(rep, &rep->procs, f);
		snprintf(rep->last_comm, sizeof(rep->last_comm), "%s", comm);
		return rep->last_proc < 0 ? -1 : 0;
	}
	g = &rep->procs.rows[rep->last_proc];
	pft_rep_count(&g->c, f);
	if (f->has_latency && pft_rep_lat_fault(&g->lat, f) < 0)
		return -1;
	return 0;
}

/* The row of process pid, made if it has none (a process that took no traced fault). */
int64_t pft_rep_proc_row(struct pft_report *rep, int pid)
{
	struct group proto = {.pid = pid};
	const char *comm = pft_aspace_comm(rep->as, pid);

	if (pft_rep_set_str(rep, &proto, comm ? comm : "<...>") < 0)
		return -1;
	return pft_rep_row_get(&rep->procs, (uint64_t)(uint32_t)pid, 0, &proto);
}

const char *pft_rep_cgroup(const struct pft_report *rep, int pid)
{
	uint32_t v;
	int hops;

	/* a process untold (ended before record looked) is in the cgroup it was forked in */
	for (hops = 0; hops < 64 && pid > 0; hops++) {
		if (pft_hmap_get(&rep->cgroups, (uint64_t)(uint32_t)pid, 0, &v))
			return rep->strs.s[v];
		if (!pft_hmap_get(&rep->parents, (uint64_t)(uint32_t)pid, 0, &v) || (int)v == pid)
			break;
		pid = (int)v;
	}
	return NULL;
}

static int lat_merge(struct lat **into, const struct lat *l)
{
	int i;

	if (!l)
		return 0;
	if (!*into && !(*into = calloc(1, sizeof(**into))))
		return -1;
	(*into)->n += l->n;
	(*into)->max = l->max > (*into)->max ? l->max : (*into)->max;
	for (i = 0; i < 256; i++)
		(*into)->b[i] += l->b[i];
	(*into)->why_n += l->why_n;
	(*into)->why_io_bytes += l->why_io_bytes;
	for (i = 0; i < PFT_CAUSE_COUNT; i++)
		(*into)->why_ns[i] += l->why_ns[i];
	return 0;
}

static void counts_merge(struct counts *into, const struct counts *c)
{
	int k;

	into->faults += c->faults;
	into->reads += c->reads;
	into->writes += c->writes;
	into->execs += c->execs;
	into->protection += c->protection;
	into->prot_unknown += c->prot_unknown;
	into->access_unknown += c->access_unknown;
	into->major += c->major;
	into->minor += c->minor;
	into->restarted += c->restarted;
	into->major_ns += c->major_ns;
	for (k = 0; k < PFT_KIND_COUNT; k++)
		into->kind[k] += c->kind[k];
}

int pft_rep_fold_cgroups(struct pft_report *rep, struct table *t)
{
	size_t i, nr = rep->procs.nr;
	int64_t idx;

	for (i = 0; i < nr; i++) {
		const struct group *p = &rep->procs.rows[i];
		const char *cg = pft_rep_cgroup(rep, p->pid);
		struct group proto = {0};

		if (!p->c.faults)
			continue;
		if (cg && pft_rep_set_str(rep, &proto, cg) < 0)
			return -1;
		/* the key: the interned path, 0 for processes whose cgroup is not known */
		if ((idx = pft_rep_row_get(t, cg ? (uint64_t)proto.str + 1 : 0, 0, &proto)) < 0)
			return -1;
		p = &rep->procs.rows[i];
		counts_merge(&t->rows[idx].c, &p->c);
		if (lat_merge(&t->rows[idx].lat, p->lat) < 0)
			return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------- exited processes, folded */

/* Exits batched per fold: a fold rewrites the area table, bounded by what is alive and kept. */
#define FOLD_BATCH 64

void pft_rep_forked(struct pft_report *rep, int pid)
{
	uint32_t proc;

	if (!pft_hmap_get(&rep->procs.index, (uint64_t)(uint32_t)pid, 0, &proc))
		return;
	rep->procs.rows[proc].gen++;
	rep->vmas.last_row1 = 0;
}

int pft_rep_exited(struct pft_report *rep, int pid)
{
	if (!rep->opts.fold_exited)
		return 0;
	if (pft_grow((void **)&rep->exited, &rep->cap_exited, rep->nr_exited + 1,
		     sizeof(*rep->exited)) < 0)
		return -1;
	rep->exited[rep->nr_exited++] = (struct exited){pid, ++rep->vmas.exits};
	if (rep->nr_exited < rep->opts.keep_exited + FOLD_BATCH)
		return 0;
	return pft_rep_fold_exited(rep, rep->opts.keep_exited);
}

/* The row g of an exited process is folded into: its program, file or name, permissions and
 * offset, as diff keys areas; b's top bit keeps it apart from every (area, pid) key. */
static int fold_key(struct pft_report *rep, const struct group *g, uint64_t *a, uint64_t *b)
{
	const struct pft_vma *v = g->vma;
	uint32_t name, perms = 0;
	int i;

	if (pft_strtab_put(&rep->strs, v->name ? v->name : "", &name) < 0)
		return -1;
	for (i = 0; i < 4; i++)
		perms = perms << 1 | (v->perms[i] != '-');
	*a = (uint64_t)(g->has_str ? g->str : UINT32_MAX) << 32 | name;
	*b = 1ull << 63 | (uint64_t)perms << 52 | (v->offset >> 12 & ((1ull << 52) - 1));
	return 0;
}

/* Row g (of a process that ended: no fault comes to it again) into row into. */
static int fold_into(struct group *into, struct group *g)
{
	counts_merge(&into->c, &g->c);
	into->c.pages += g->c.pages;
	into->procs += g->procs;
	into->perms_changed |= g->perms_changed;
	if (lat_merge(&into->lat, g->lat) < 0)
		return -1;
	free(g->lat);
	free(g->seen);
	pft_vma_unref(g->vma);
	return 0;
}

/* The area table with the rows of gone's processes folded, into nt (remap[old] = new; what
 * moved is nt's). gone: pid -> the table's exits when it last ended; a row of that pid made
 * before is its, one made since is a new process's of the same pid (its pid is added to
 * reused). */
static int fold_areas(struct pft_report *rep, const struct pft_hmap *gone, struct table *nt,
		      uint32_t *remap, struct pft_hmap *reused)
{
	struct table *t = &rep->vmas;
	struct pft_hmap counted = {0}; /* (row, pid): each process counted once in a row */
	uint64_t a, b;
	uint32_t idx, dummy;
	size_t i;
	int r, ret = -1;

	for (i = 0; i < t->nr; i++) {
		struct group *g = &t->rows[i];
		uint32_t exits;
		bool ended = !g->procs && pft_hmap_get(gone, (uint64_t)(uint32_t)g->pid, 0, &exits);
		bool fold = ended && g->born < exits;

		if (ended && !fold && pft_hmap_set(reused, (uint64_t)(uint32_t)g->pid, 0, 0) < 0)
			goto out;
		if (fold || g->procs) {
			if (fold_key(rep, g, &a, &b) < 0)
				goto out;
		} else {
			a = g->vma->area;
			b = (uint64_t)(uint32_t)g->pid | (uint64_t)g->gen << 32;
		}
		if ((r = pft_hmap_put(&nt->index, a, b, (uint32_t)nt->nr, &idx)) < 0)
			goto out;
		if (r == 1) {
			if (pft_grow((void **)&nt->rows, &nt->cap, nt->nr + 1, sizeof(*nt->rows)) < 0)
				goto out;
			nt->rows[nt->nr++] = *g;
			if (fold) { /* the first of its program's: it counts no page again */
				free(g->seen);
				nt->rows[idx].seen = NULL;
				nt->rows[idx].nbits = 0;
				nt->rows[idx].pid = 0;
			}
		} else if (fold_into(&nt->rows[idx], g) < 0) {
			goto out;
		}
		g->seen = NULL, g->lat = NULL, g->vma = NULL; /* nt's now, or freed */
		if (fold && (r = pft_hmap_put(&counted, idx, (uint64_t)(uint32_t)g->pid, 0, &dummy)) < 0)
			goto out;
		nt->rows[idx].procs += fold && r == 1;
		remap[i] = idx;
	}
	/* the pages seen of the rows kept (rows are the low half of a page's key) */
	for (i = 0; i < t->pages.cap; i++) {
		const struct pft_hslot *s = &t->pages.slots[i];
		uint32_t row = (uint32_t)s->a;

		if (s->val == PFT_HMAP_EMPTY || row >= t->nr || nt->rows[remap[row]].procs)
			continue;
		if (pft_hmap_put(&nt->pages, (s->a & ~0xffffffffull) | remap[row], s->b, 0, &dummy) <
		    0)
			goto out;
	}
	ret = 0;
out:
	pft_hmap_release(&counted);
	return ret;
}

/* Forgets the pages seen of gone's processes in t (none faults again), but for those reused. */
static int forget_pages(struct table *t, const struct pft_hmap *gone, const struct pft_hmap *reused)
{
	struct pft_hmap kept = {0};
	uint32_t dummy;
	size_t i;

	for (i = 0; i < t->pages.cap; i++) {
		const struct pft_hslot *s = &t->pages.slots[i];
		uint64_t pid = s->a >> 32;

		if (s->val == PFT_HMAP_EMPTY ||
		    (pft_hmap_get(gone, pid, 0, &dummy) && !pft_hmap_get(reused, pid, 0, &dummy)))
			continue;
		if (pft_hmap_put(&kept, s->a, s->b, s->val, &dummy) < 0) {
			pft_hmap_release(&kept);
			return -1;
		}
	}
	pft_hmap_release(&t->pages);
	t->pages = kept;
	return 0;
}

int pft_rep_fold_exited(struct pft_report *rep, size_t keep)
{
	struct table nt = {.by = PFT_BY_VMA, .exits = rep->vmas.exits};
	struct pft_hmap gone = {0}, reused = {0};
	size_t i, n = rep->nr_exited > keep ? rep->nr_exited - keep : 0;
	uint32_t *remap = NULL;
	int ret = -1;

	if (!n)
		return 0;
	for (i = 0; i < n; i++)
		if (pft_hmap_set(&gone, (uint64_t)(uint32_t)rep->exited[i].pid, 0,
				 rep->exited[i].exits) < 0)
			goto out;
	if (!(remap = malloc((rep->vmas.nr ? rep->vmas.nr : 1) * sizeof(*remap))) ||
	    fold_areas(rep, &gone, &nt, remap, &reused) < 0 ||
	    forget_pages(&rep->procs, &gone, &reused) < 0 ||
	    (rep->opts.by != PFT_BY_VMA && forget_pages(&rep->groups, &gone, &reused) < 0))
		goto out;
	for (i = 0; i < PFT_BY_COUNT; i++)
		if (rep->extra[i].nr && forget_pages(&rep->extra[i], &gone, &reused) < 0)
			goto out;
	for (i = 0; i < rep->heat.nr; i++) { /* a folded area's points at its first one's place */
		struct heat_point *hp = &rep->heat.p[i];
		const struct group *to = &nt.rows[remap[hp->area]];

		if (to->procs)
			hp->addr = hp->addr - rep->vmas.rows[hp->area].lo + to->lo;
		hp->area = remap[hp->area];
	}
	pft_rep_table_release(&rep->vmas);
	rep->vmas = nt;
	memset(&nt, 0, sizeof(nt));
	memmove(rep->exited, rep->exited + n, (rep->nr_exited - n) * sizeof(*rep->exited));
	rep->nr_exited -= n;
	rep->folded += n;
	ret = 0;
out:
	pft_rep_table_release(&nt);
	pft_hmap_release(&gone);
	pft_hmap_release(&reused);
	free(remap);
	return ret;
}

void pft_rep_table_release(struct table *t)
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
