/* SPDX-License-Identifier: MIT */
/* The report as JSON: the document head, the rows (streamed one at a time), one fault. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "report.h"

static json_t *lat_json(const struct lat *l)
{
	json_t *o;

	if (!l || !l->n)
		return json_null();
	o = json_object();
	json_object_set_new(o, "p50", json_integer((json_int_t)pft_rep_lat_pct(l, 0.50)));
	json_object_set_new(o, "p99", json_integer((json_int_t)pft_rep_lat_pct(l, 0.99)));
	json_object_set_new(o, "max", json_integer((json_int_t)l->max));
	return o;
}

/* Each cause's nanoseconds, every cause named. */
json_t *pft_cause_ns_json(const uint64_t *ns)
{
	json_t *o = json_object();
	int c;

	for (c = 0; c < PFT_CAUSE_COUNT; c++)
		json_object_set_new(o, pft_cause_names[c], json_integer((json_int_t)ns[c]));
	return o;
}

/* Where the time of the faults whose time was split went (record --why), or null. */
static json_t *why_json(const struct lat *l)
{
	json_t *o;

	if (!l || !l->why_n)
		return json_null();
	o = json_object();
	json_object_set_new(o, "faults", json_integer((json_int_t)l->why_n));
	json_object_set_new(o, "ns", pft_cause_ns_json(l->why_ns));
	json_object_set_new(o, "io_bytes", json_integer((json_int_t)l->why_io_bytes));
	return o;
}

/* traced / counted, or null where the kernel counted nothing (nothing to trace). */
static json_t *ratio(uint64_t traced, uint64_t counted)
{
	return counted ? json_real((double)traced / (double)counted) : json_null();
}

/* Of these faults, those the kernel's counters count when they are traced: a fault given up
 * for a signal (restarted) is counted once, when it is taken again. */
static uint64_t counted_of(const struct counts *c)
{
	return c->faults - c->restarted;
}

/* The kernel's counters next to what was traced, for the same processes: GUP faults
 * (get_user_pages: exec's arguments, futexes, direct I/O) are counted but have no tracepoint;
 * kernel-mode faults on user memory are traced only with --kernel; a fault that fails
 * (SIGSEGV) is traced but not counted; one given up for a signal (restarted) is counted once
 * it is taken again, so "traced" leaves it out. */
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
		traced += counted_of(&g->c);
		major += g->c.major;
	}
	if (!procs && rep->have_total) {
		/* an older trace.dat: one total for every process */
		kmin = rep->total_min;
		kmaj = rep->total_maj;
		traced = counted_of(&rep->total);
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

/* A source saw user mode only (perf_event_paranoid): kernel-mode faults untraced. */
static bool user_mode_only(const struct pft_report *rep)
{
	size_t i;

	for (i = 0; i < rep->nr_inputs; i++)
		if (rep->inputs[i].st.user_only)
			return true;
	return false;
}

/* record --cgroup's own count of faults (memory.stat) beside what was traced, or null. */
static json_t *cgroup_counters_json(const struct pft_report *rep)
{
	uint64_t traced = counted_of(&rep->total); /* as pgfault counts them */
	const struct pft_source_stats *st = NULL;
	json_t *o;
	size_t i;

	for (i = 0; i < rep->nr_inputs && !st; i++)
		if (rep->inputs[i].st.cgroup)
			st = &rep->inputs[i].st;
	if (!st)
		return json_null();
	o = json_object();
	json_object_set_new(o, "cgroup", pft_json_str(st->cgroup));
	json_object_set_new(o, "pgfault", json_integer((json_int_t)st->cg_pgfault));
	json_object_set_new(o, "pgmajfault", json_integer((json_int_t)st->cg_pgmajfault));
	json_object_set_new(o, "traced", json_integer((json_int_t)traced));
	json_object_set_new(o, "coverage", ratio(traced, st->cg_pgfault));
	return o;
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

/* Faults on a present page, or null when an error_code of them did not say (riscv's). */
static json_t *protection_json(const struct counts *c)
{
	return c->prot_unknown ? json_null() : json_integer((json_int_t)c->protection);
}

/* A process's pid in record --pidns's namespace, or null (not told, or not in it). */
static json_t *ns_pid_json(const struct pft_report *rep, int pid)
{
	uint32_t nspid;

	if (!pft_hmap_get(&rep->nspids, (uint64_t)(uint32_t)pid, 0, &nspid))
		return json_null();
	return json_integer(nspid);
}

/* pages: the row counts distinct pages (not per process: a set of every page is not worth it) */
static void counts_json(json_t *o, const struct counts *c, const struct lat *lat, bool known,
			bool signals, bool pages)
{
	json_object_set_new(o, "major", verdict(known, c->major));
	json_object_set_new(o, "minor", verdict(known, c->minor));
	json_object_set_new(o, "restarted", verdict(known && signals, c->restarted));
	json_object_set_new(o, "major_ns", verdict(known, c->major_ns));
	json_object_set_new(o, "latency_ns", lat_json(lat));
	json_object_set_new(o, "why", why_json(lat));
	json_object_set_new(o, "faults", json_integer((json_int_t)c->faults));
	json_object_set_new(o, "reads", json_integer((json_int_t)c->reads));
	json_object_set_new(o, "writes", json_integer((json_int_t)c->writes));
	json_object_set_new(o, "execs", json_integer((json_int_t)c->execs));
	json_object_set_new(o, "access_unknown", json_integer((json_int_t)c->access_unknown));
	json_object_set_new(o, "protection", protection_json(c));
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

/* The code at an address: its function (null when not found: no file with the recorded build
 * ID, no symbols), the file and the offset in it, the source line. */
static json_t *symbol_json(const struct pft_symbol *s)
{
	json_t *o;

	if (!s)
		return json_null();
	o = json_object();
	json_object_set_new(o, "function", pft_json_str(s->function));
	json_object_set_new(o, "offset", s->function ? pft_json_hex(s->offset) : json_null());
	json_object_set_new(o, "file", pft_json_str(s->module));
	json_object_set_new(o, "file_offset",
			    s->module ? pft_json_hex(s->module_offset) : json_null());
	json_object_set_new(o, "source", pft_json_str(s->source));
	json_object_set_new(o, "kernel", json_boolean(s->kernel));
	return o;
}

/* "function+0x12": the trace's own name for the ip (a kernel symbol in text), else the
 * symbolizer's; null if neither names it. */
static json_t *ip_symbol_json(const char *given, const struct pft_symbol *s)
{
	char text[512];

	if (given)
		return pft_json_str(given);
	if (!s || !s->function)
		return json_null();
	pft_symbol_text(s, text, sizeof(text));
	return pft_json_str(text);
}

static json_t *row_json(const struct pft_report *rep, const struct table *t, const struct group *g)
{
	json_t *o;
	char key[64];

	switch (t->by) {
	case PFT_BY_VMA:
		/* the area: its extent; the first VMA's permissions, offset and file */
		o = vma_json(g->vma);
		json_object_set_new(o, "start", g->procs ? json_null() : pft_json_hex(g->lo));
		json_object_set_new(o, "end", g->procs ? json_null() : pft_json_hex(g->hi));
		if (!g->procs && g->vma->inode && g->lo < g->vma->start)
			json_object_set_new(o, "offset",
					    pft_json_hex(g->vma->offset - (g->vma->start - g->lo)));
		json_object_set_new(o, "perms_changed", json_boolean(g->perms_changed));
		/* an area of exited processes folded by program: no one pid */
		json_object_set_new(o, "pid", g->procs ? json_null() : json_integer(g->pid));
		json_object_set_new(o, "processes", json_integer(g->procs ? g->procs : 1));
		json_object_set_new(o, "comm",
				    pft_json_str(g->has_str ? rep->strs.s[g->str] : NULL));
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
		    o, "coverage",
		    g->kernel ? ratio(counted_of(&g->c), g->kmin + g->kmaj) : json_null());
		json_object_set_new(o, "exec_calls", json_integer((json_int_t)g->execs));
		json_object_set_new(o, "ns_pid", ns_pid_json(rep, g->pid));
		json_object_set_new(o, "cgroup", pft_json_str(pft_rep_cgroup(rep, g->pid)));
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
				    ip_symbol_json(g->has_str ? rep->strs.s[g->str] : NULL,
						   rep->syms ? &g->sym : NULL));
		json_object_set_new(o, "location", location_json(g->vma, g->addr));
		json_object_set_new(o, "symbol",
				    symbol_json(rep->syms && !g->has_str ? &g->sym : NULL));
		if (json_is_string(json_object_get(o, "ip_symbol")))
			json_object_set(o, "key", json_object_get(o, "ip_symbol"));
		else if (g->vma)
			json_object_set(o, "key", json_object_get(o, "location"));
		else
			json_object_set(o, "key", json_object_get(o, "ip"));
		break;
	case PFT_BY_SYM:
		o = json_object();
		json_object_set_new(o, "function", pft_json_str(g->sym.function));
		json_object_set_new(o, "file", pft_json_str(g->sym.module));
		json_object_set_new(o, "source", pft_json_str(g->sym.source));
		json_object_set_new(o, "key", pft_json_str(rep->strs.s[g->str]));
		break;
	case PFT_BY_TID:
		o = json_object();
		json_object_set_new(o, "tid", json_integer(g->tid));
		json_object_set_new(o, "pid", json_integer(g->pid));
		json_object_set_new(o, "comm", pft_json_str(rep->strs.s[g->str]));
		snprintf(key, sizeof(key), "%d", g->tid);
		json_object_set_new(o, "key", json_string(key));
		break;
	case PFT_BY_COMM:
		o = json_object();
		json_object_set_new(o, "comm", pft_json_str(rep->strs.s[g->str]));
		json_object_set_new(o, "key", pft_json_str(rep->strs.s[g->str]));
		break;
	case PFT_BY_CGROUP:
		o = json_object();
		json_object_set_new(o, "cgroup",
				    g->has_str ? pft_json_str(rep->strs.s[g->str]) : json_null());
		json_object_set_new(o, "key",
				    g->has_str ? pft_json_str(rep->strs.s[g->str]) : json_null());
		break;
	case PFT_BY_PATH:
		o = json_object();
		json_object_set_new(o, "path", json_string(pft_path_names[g->path]));
		json_object_set_new(o, "key", json_string(pft_path_names[g->path]));
		break;
	case PFT_BY_CAUSE:
		o = json_object();
		json_object_set_new(o, "cause", json_string(pft_cause_name(g->cause)));
		json_object_set_new(o, "key", json_string(pft_cause_name(g->cause)));
		break;
	default:
		o = json_object();
		json_object_set_new(o, "kind", json_string(pft_kind_name(g->kind)));
		json_object_set_new(o, "key", json_string(pft_kind_name(g->kind)));
		break;
	}
	counts_json(o, &g->c, g->lat, rep->opts.completions, rep->signals, t->by != PFT_BY_PID);
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

/* Rows of t most faults first, up to top (0: all). */
static int rows_open(const struct pft_report *rep, const struct table *t, int top,
		     struct pft_rows *it)
{
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
	if (top > 0 && (size_t)top < it->n)
		it->n = top;
	return 0;
}

int pft_rows_open(const struct pft_report *rep, enum pft_rows_of of, struct pft_rows *it)
{
	const struct table *t = of == PFT_ROWS_PROCS				    ? &rep->procs
				: of == PFT_ROWS_VMAS || rep->opts.by == PFT_BY_VMA ? &rep->vmas
				: rep->opts.by == PFT_BY_PID			    ? &rep->procs
										    : &rep->groups;

	return rows_open(rep, t, rep->opts.top, it);
}

/* Every row of an opened iterator as a JSON array, the iterator closed; NULL on ENOMEM. */
static json_t *rows_array(struct pft_rows *it);

json_t *pft_report_rows(const struct pft_report *rep, enum pft_by by)
{
	const struct table *t = by == PFT_BY_VMA     ? &rep->vmas
				: by == PFT_BY_PID   ? &rep->procs
				: by == rep->opts.by ? &rep->groups
				: by < PFT_BY_COUNT && (rep->opts.tables & (1u << by))
				    ? &rep->extra[by]
				    : NULL;
	struct pft_rows it;

	if (!t) {
		errno = ENOENT;
		return NULL;
	}
	return rows_open(rep, t, 0, &it) < 0 ? NULL : rows_array(&it);
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

static json_t *rows_array(struct pft_rows *it)
{
	json_t *arr = json_array(), *row;

	while (arr && (row = pft_rows_next(it)))
		json_array_append_new(arr, row);
	pft_rows_close(it);
	return arr;
}

static json_t *rows_json(const struct pft_report *rep, enum pft_rows_of of)
{
	struct pft_rows it;

	return pft_rows_open(rep, of, &it) < 0 ? NULL : rows_array(&it);
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

static json_t *ts_json(uint64_t ts)
{
	/* past 2^63 ns is no clock's (a damaged trace.dat): not a negative number */
	return ts == PFT_NO_TS || ts > INT64_MAX ? json_null() : json_integer((json_int_t)ts);
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
		json_object_set_new(o, "cut_at", st->cut_ts ? ts_json(st->cut_ts) : json_null());
		json_object_set_new(o, "machine", st->machine ? pft_json_str(st->machine)
							      : json_null());
		json_object_set_new(o, "arch", json_string(pft_arch_name(rep->inputs[i].arch)));
		/* perf's page-faults event: no error_code, access inferred (pftrace(1)) */
		json_object_set_new(o, "fault_event",
				    json_string(st->perf_faults ? "perf:page-faults"
								: "exceptions:page_fault"));
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

/* {"path", "why": "missing"|"mismatch"|"unreadable"|"not-regular"}, the first 100 */
static int add_unusable(void *data, const char *path, const char *why)
{
	json_t *arr = data, *o;

	if (json_array_size(arr) >= 100)
		return -1;
	o = json_object();
	json_object_set_new(o, "path", pft_json_str(path));
	json_object_set_new(o, "why", json_string(why));
	return json_array_append_new(arr, o) < 0 ? -1 : 0;
}

/* What could not be named: null when code was not named at all. */
static json_t *symbols_json(const struct pft_report *rep)
{
	const struct pft_syms_stats *st;
	json_t *o;

	if (!rep->syms)
		return json_null();
	st = pft_syms_stats(rep->syms);
	o = json_object();
	json_object_set_new(o, "files", json_integer((json_int_t)st->files));
	json_object_set_new(o, "missing", json_integer((json_int_t)st->missing));
	json_object_set_new(o, "mismatched", json_integer((json_int_t)st->mismatched));
	json_object_set_new(o, "unreadable", json_integer((json_int_t)st->unreadable));
	json_object_set_new(o, "not_regular", json_integer((json_int_t)st->not_regular));
	json_object_set_new(o, "no_symbols", json_integer((json_int_t)st->no_symbols));
	json_object_set_new(o, "lookups", json_integer((json_int_t)st->lookups));
	json_object_set_new(o, "resolved", json_integer((json_int_t)st->resolved));
	json_object_set_new(o, "named", json_integer((json_int_t)st->names));
	json_object_set_new(o, "unusable_files", json_array());
	pft_syms_foreach_unusable(rep->syms, add_unusable, json_object_get(o, "unusable_files"));
	return o;
}

/* How many faults had a call stack, and how many of those were cut short; null when stacks
 * were not named (no output shows them). */
static json_t *stacks_json(const struct pft_report *rep)
{
	json_t *o;

	if (!rep->syms || !(rep->opts.stacks || rep->opts.stack_tree))
		return json_null();
	o = json_object();
	json_object_set_new(o, "with_stack", json_integer((json_int_t)rep->stacks_seen));
	json_object_set_new(o, "truncated", json_integer((json_int_t)rep->stacks_truncated));
	return o;
}

/* The rebuilt maps against the snapshots of the same moments. */
/* The split of all faults' time (record --why): the parts' sums, and each cause's part
 * among the faults that had some of it. Null where nothing told it. */
static json_t *summary_why_json(const struct pft_report *rep)
{
	json_t *o, *by;
	int c;

	if (!rep->why)
		return json_null();
	o = json_object();
	json_object_set_new(o, "events", json_integer((json_int_t)rep->why_events));
	/* --why=full: the events of every fault were there (swap-cache hits, huge pages) */
	json_object_set_new(o, "full", json_boolean(rep->why_full));
	json_object_set_new(o, "faults",
			    json_integer((json_int_t)(rep->lat ? rep->lat->why_n : 0)));
	json_object_set_new(o, "ns", rep->lat ? pft_cause_ns_json(rep->lat->why_ns)
					      : pft_cause_ns_json((uint64_t[PFT_CAUSE_COUNT]){0}));
	json_object_set_new(o, "io_bytes",
			    json_integer((json_int_t)(rep->lat ? rep->lat->why_io_bytes : 0)));
	by = json_object();
	for (c = 0; c < PFT_CAUSE_COUNT; c++) {
		const struct lat *l = rep->lat_cause[c];
		json_t *x = lat_json(l);

		if (l && l->n)
			json_object_set_new(x, "faults", json_integer((json_int_t)l->n));
		json_object_set_new(by, pft_cause_names[c], x);
	}
	json_object_set_new(o, "by_cause", by);
	by = json_object();
	for (c = 0; c < PFT_PATH_COUNT; c++) {
		const struct lat *l = rep->lat_path[c];
		json_t *x = json_object();

		/* each path: how many, their latency, and where their time went */
		json_object_set_new(x, "faults", json_integer((json_int_t)(l ? l->n : 0)));
		json_object_set_new(x, "latency_ns", lat_json(l));
		json_object_set_new(x, "ns", l ? pft_cause_ns_json(l->why_ns) : json_null());
		json_object_set_new(by, pft_path_names[c], x);
	}
	json_object_set_new(o, "by_path", by);
	return o;
}

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
	json_object_set_new(sum, "access_unknown",
			    json_integer((json_int_t)rep->total.access_unknown));
	json_object_set_new(sum, "protection", protection_json(&rep->total));
	json_object_set_new(sum, "no_vma",
			    json_integer((json_int_t)rep->total.kind[PFT_KIND_NO_VMA]));
	json_object_set_new(sum, "no_maps", json_integer((json_int_t)rep->no_maps));
	json_object_set_new(sum, "unknown_late_maps",
			    json_integer((json_int_t)rep->unknown_late_maps));
	json_object_set_new(sum, "skipped_lines", json_integer((json_int_t)skipped));
	json_object_set_new(sum, "lost_events", lost < 0 ? json_null() : json_integer(lost));
	json_object_set_new(sum, "other_events", json_integer((json_int_t)rep->other_events));
	json_object_set_new(sum, "history_events",
			    json_integer((json_int_t)pft_aspace_history_events(rep->as)));
	json_object_set_new(sum, "kernel_mode", json_integer((json_int_t)rep->kernel_mode));
	json_object_set_new(sum, "user_mode_only", json_boolean(user_mode_only(rep)));
	json_object_set_new(sum, "folded_processes", json_integer((json_int_t)rep->folded));
	json_object_set_new(sum, "kernel_faults_excluded",
			    json_integer((json_int_t)rep->kernel_excluded));
	json_object_set_new(sum, "kernel_faults_atomic",
			    json_integer((json_int_t)rep->kernel_atomic));
	json_object_set_new(sum, "filtered_faults", json_integer((json_int_t)rep->filtered));
	json_object_set_new(sum, "pids", json_integer((json_int_t)rep->seen_pids.len));
	json_object_set_new(sum, "tids", json_integer((json_int_t)rep->seen_tids.len));
	json_object_set_new(sum, "vmas", json_integer((json_int_t)rep->vmas.nr));
	json_object_set_new(sum, "first_ts", ts_json(rep->first_ts));
	json_object_set_new(sum, "last_ts",
			    rep->first_ts == PFT_NO_TS ? json_null() : ts_json(rep->last_ts));
	json_object_set_new(sum, "by_kind", kinds_json(&rep->total));
	json_object_set_new(sum, "completions", json_boolean(rep->opts.completions));
	json_object_set_new(sum, "latency_of",
			    !rep->opts.completions ? json_null()
			    : rep->opts.major_only ? json_string("major")
						   : json_string("all"));
	json_object_set_new(sum, "major", verdict(rep->opts.completions, rep->total.major));
	json_object_set_new(sum, "minor", verdict(rep->opts.completions, rep->total.minor));
	json_object_set_new(sum, "major_ns", verdict(rep->opts.completions, rep->total.major_ns));
	json_object_set_new(sum, "major_unknown",
			    verdict(rep->opts.completions, rep->major_unknown));
	json_object_set_new(sum, "restarted",
			    verdict(rep->opts.completions && rep->signals, rep->total.restarted));
	json_object_set_new(sum, "lost_completions",
			    verdict(rep->opts.completions, lost_completions));
	json_object_set_new(sum, "completions_without_fault",
			    verdict(rep->opts.completions, rep->completions_unmatched));
	json_object_set_new(sum, "latency_ns", lat_json(rep->lat));
	json_object_set_new(sum, "why", summary_why_json(rep));
	kinds = json_object();
	for (k = 0; k < PFT_KIND_COUNT; k++)
		json_object_set_new(kinds, pft_kind_name(k), lat_json(rep->lat_kind[k]));
	json_object_set_new(sum, "latency_by_kind", kinds);
	json_object_set_new(sum, "kernel_counters", counters_json(rep));
	json_object_set_new(sum, "cgroup_counters", cgroup_counters_json(rep));
	json_object_set_new(sum, "exact_maps", json_boolean(pft_aspace_is_exact(rep->as)));
	/* a mapping record too damaged to apply is a hole in the history like a lost one */
	json_object_set_new(
	    sum, "lost_mapping_records",
	    json_integer((json_int_t)(lost_sideband + pft_aspace_bad_mappings(rep->as))));
	json_object_set_new(sum, "bad_pages", json_integer((json_int_t)bad_pages));
	json_object_set_new(sum, "maps_checks", checks_json(rep));
	json_object_set_new(sum, "symbols", symbols_json(rep));
	json_object_set_new(sum, "stacks", stacks_json(rep));
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

/* The call stack, innermost first: each frame's ip and what it is; null without one. */
static json_t *stack_json(const struct pft_fault *f)
{
	json_t *arr;
	size_t i;

	if (!f->stack_depth)
		return json_null();
	arr = json_array();
	for (i = 0; i < f->stack_depth; i++) {
		const struct pft_frame *fr = &f->stack[i];
		json_t *o = symbol_json(&fr->sym);

		json_object_set_new(o, "ip", fr->ip ? pft_json_hex(fr->ip) : json_null());
		if (!fr->ip) { /* named by the trace: where it is is not known */
			json_object_set_new(o, "file_offset", json_null());
			if (!fr->sym.offset)
				json_object_set_new(o, "offset", json_null());
		}
		json_array_append_new(arr, o);
	}
	return arr;
}

/* A device as "major:minor" from the kernel's dev_t (major << 20 | minor). */
static json_t *dev_json(uint64_t dev)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%u:%u", (unsigned)(dev >> 20), (unsigned)(dev & 0xfffff));
	return json_string(buf);
}

/* One fault's split, and who woke it; null if its time was not split. */
static json_t *fault_why_json(const struct pft_fault *f)
{
	json_t *o;

	if (!f->why_ns)
		return json_null();
	o = json_object();
	json_object_set_new(o, "ns", pft_cause_ns_json(f->why_ns));
	json_object_set_new(o, "waker", f->waker >= 0 ? json_integer(f->waker) : json_null());
	json_object_set_new(o, "path", json_string(pft_path_names[f->path]));
	json_object_set_new(o, "io_bytes",
			    f->io_bytes ? json_integer((json_int_t)f->io_bytes) : json_null());
	json_object_set_new(o, "io_device", f->io_devs == 1 ? dev_json(f->io_dev) : json_null());
	json_object_set_new(o, "reclaimed_pages",
			    f->reclaimed ? json_integer((json_int_t)f->reclaimed) : json_null());
	json_object_set_new(o, "mmap_lock_holder",
			    f->lock_holder > 0 ? json_integer(f->lock_holder) : json_null());
	json_object_set_new(o, "readahead_pages", f->readahead_pages
						      ? json_integer(f->readahead_pages)
						      : json_null());
	return o;
}

json_t *pft_fault_json(const struct pft_fault *f)
{
	const struct pft_event *ev = f->ev;
	/* no error_code (perf's event): its flags are unknown, not none */
	json_t *o = json_object(), *flags = f->code.known ? json_array() : json_null();
	const char *names[64];
	int n, i;

	n = f->code.known ? pft_error_code_flags(f->arch, ev->error_code, names, 64) : 0;
	for (i = 0; i < n; i++)
		json_array_append_new(flags, json_string(names[i]));
	json_object_set_new(o, "ts", ts_json(ev->ts));
	json_object_set_new(o, "cpu", ev->cpu < 0 ? json_null() : json_integer(ev->cpu));
	json_object_set_new(o, "pid", json_integer(f->pid));
	json_object_set_new(o, "tid", json_integer(f->tid));
	json_object_set_new(o, "comm", pft_json_str(ev->comm));
	json_object_set_new(o, "cgroup", pft_json_str(f->cgroup));
	json_object_set_new(
	    o, "event",
	    json_string(ev->type == PFT_EV_FAULT_KERNEL ? "page_fault_kernel" : "page_fault_user"));
	/* who touched the memory: the program, or the kernel for it (copy_to_user) */
	json_object_set_new(o, "mode",
			    json_string(ev->type == PFT_EV_FAULT_KERNEL ? "kernel" : "user"));
	json_object_set_new(o, "address",
			    ev->address_symbol ? pft_json_str(ev->address_symbol)
					       : pft_json_hex(ev->address));
	json_object_set_new(o, "ip", ev->ip_symbol ? json_null() : pft_json_hex(ev->ip));
	json_object_set_new(o, "ip_symbol",
			    ip_symbol_json(ev->ip_symbol, f->has_symbol ? &f->symbol : NULL));
	json_object_set_new(o, "symbol",
			    symbol_json(f->has_symbol && !ev->ip_symbol ? &f->symbol : NULL));
	json_object_set_new(o, "error_code",
			    f->code.known ? pft_json_hex(ev->error_code) : json_null());
	json_object_set_new(o, "flags", flags);
	json_object_set_new(o, "access", pft_json_str(pft_access_name(f->access)));
	json_object_set_new(o, "kind", json_string(pft_kind_name(f->kind)));
	json_object_set_new(o, "page", pft_json_hex(f->page));
	json_object_set_new(o, "vma", f->vma ? vma_json(f->vma) : json_null());
	json_object_set_new(o, "major", f->major < 0 ? json_null() : json_boolean(f->major));
	json_object_set_new(o, "restarted", json_boolean(f->restarted));
	json_object_set_new(o, "latency_ns",
			    f->has_latency ? json_integer((json_int_t)f->latency_ns) : json_null());
	json_object_set_new(o, "why", fault_why_json(f));
	json_object_set_new(o, "file_offset",
			    f->has_file_offset ? pft_json_hex(f->file_offset) : json_null());
	json_object_set_new(o, "irq_flags", pft_json_str(ev->irq_flags));
	json_object_set_new(o, "stack", stack_json(f));
	json_object_set_new(o, "stack_truncated",
			    f->stack_depth ? json_boolean(f->stack_truncated) : json_null());
	return o;
}
