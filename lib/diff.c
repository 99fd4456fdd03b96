/* SPDX-License-Identifier: MIT */
/*
 * Two runs compared: their report documents, row by row. Rows are keyed so that two runs of the
 * same program match despite ASLR and other pids: a file by its path, a function by its name and
 * file, a kind by name, threads and processes by comm, an ip by its function+offset (else
 * file+offset), a memory area by comm, name, permissions and file offset (anonymous areas by
 * their name: all of a program's [anon] rw-p is one row). Rows that share a key are summed.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

/* The counts a row has that add up. */
static const char *const metrics[] = {"faults",     "reads",	 "writes",    "execs",
				      "protection", "major",	 "minor",     "major_ns",
				      /* record --why: each cause's ns (the row's why.ns) */
				      "on-cpu",	    "run-queue", "io",	      "sleep",
				      "mmap-lock",  "reclaim",	 "compaction", "retry"};
#define NR_METRICS (sizeof(metrics) / sizeof(metrics[0]))
#define FIRST_CAUSE 8 /* metrics[FIRST_CAUSE + c]: pft_cause_names[c] */
_Static_assert(FIRST_CAUSE + PFT_CAUSE_COUNT == NR_METRICS, "a cause without its metric");

/* A row's value of metric m: a count, or a cause's time from the row's why. */
static const json_t *metric_of(const json_t *row, size_t m)
{
	if (m >= FIRST_CAUSE)
		return json_object_get(json_object_get(json_object_get(row, "why"), "ns"),
				       metrics[m]);
	return json_object_get(row, metrics[m]);
}
/* What a row is, besides its key: copied from the first row of the key (gates match on it). */
static const char *const identity[] = {"file", "function", "comm", "name", "ip_symbol", "location"};

struct entry {
	char *key;
	json_t *id; /* the identity fields */
	double c[2][NR_METRICS];
	bool known[2][NR_METRICS]; /* false: null in a row (major without completions) */
	bool seen[2];
};

struct acc {
	struct entry *e;
	size_t nr, cap;
	json_t *index; /* key -> position in e */
};

static int fail(char *err, size_t size, const char *fmt, const char *a, const char *b)
{
	snprintf(err, size, fmt, a, b);
	return -1;
}

/* The rows of one side for by. */
static const json_t *side_rows(const json_t *doc, enum pft_by by, const char *side, char *err,
			       size_t size)
{
	const json_t *src = json_object_get(doc, "source");
	const char *doc_by = json_string_value(json_object_get(src, "by"));
	json_int_t top = json_integer_value(json_object_get(src, "top"));

	if (by == PFT_BY_VMA || by == PFT_BY_PID) {
		/* every document has all of these (a --top of the table does not cut them) */
		if (top > 0 && by == PFT_BY_VMA && doc_by && !strcmp(doc_by, "vma")) {
			fail(err, size, "%s keeps only its top rows (--top): a diff needs all%s",
			     side, "");
			return NULL;
		}
		return json_object_get(doc, by == PFT_BY_VMA ? "vmas" : "processes");
	}
	if (!doc_by || strcmp(doc_by, pft_by_name(by))) {
		fail(err, size, "%s was reported by %s: diff it by that, or save it --by the same",
		     side, doc_by ? doc_by : "?");
		return NULL;
	}
	if (top > 0) {
		fail(err, size, "%s keeps only its top rows (--top): a diff needs all%s", side, "");
		return NULL;
	}
	return json_object_get(doc, "groups");
}

static const char *str(const json_t *row, const char *k)
{
	return json_string_value(json_object_get(row, k));
}

/* The key of a row; into buf. */
static const char *row_key(enum pft_by by, const json_t *row, char *buf, size_t size)
{
	const char *s;

	switch (by) {
	case PFT_BY_VMA:
		if (str(row, "path"))
			snprintf(buf, size, "%s: %s %s +%s",
				 str(row, "comm") ? str(row, "comm") : "?", str(row, "name"),
				 str(row, "perms"), str(row, "offset"));
		else
			snprintf(buf, size, "%s: %s %s", str(row, "comm") ? str(row, "comm") : "?",
				 str(row, "name") ? str(row, "name") : "[anon]", str(row, "perms"));
		return buf;
	case PFT_BY_FILE:
		return str(row, "file");
	case PFT_BY_IP:
		s = str(row, "ip_symbol");
		return s ? s : str(row, "location") ? str(row, "location") : str(row, "ip");
	case PFT_BY_TID:
	case PFT_BY_PID:
		return str(row, "comm");
	default:
		return str(row, "key");
	}
}

static struct entry *entry_of(struct acc *a, const char *key, const json_t *row)
{
	json_t *at = json_object_get(a->index, key);
	struct entry *e;
	size_t i;

	if (at)
		return &a->e[json_integer_value(at)];
	if (pft_grow((void **)&a->e, &a->cap, a->nr + 1, sizeof(*a->e)) < 0)
		return NULL;
	e = &a->e[a->nr];
	memset(e, 0, sizeof(*e));
	if (!(e->key = strdup(key)) || !(e->id = json_object()))
		return NULL;
	for (i = 0; i < sizeof(identity) / sizeof(identity[0]); i++) {
		json_t *v = json_object_get(row, identity[i]);

		json_object_set_new(e->id, identity[i], v ? json_incref(v) : json_null());
	}
	json_object_set_new(a->index, key, json_integer((json_int_t)a->nr));
	a->nr++;
	return e;
}

static int add_side(struct acc *a, enum pft_by by, const json_t *rows, int side)
{
	char buf[8192];
	size_t i, m;
	json_t *row;

	json_array_foreach(rows, i, row)
	{
		const char *key = row_key(by, row, buf, sizeof(buf));
		struct entry *e = entry_of(a, key ? key : "(none)", row);

		if (!e)
			return -1;
		if (!e->seen[side])
			for (m = 0; m < NR_METRICS; m++)
				e->known[side][m] = true;
		e->seen[side] = true;
		for (m = 0; m < NR_METRICS; m++) {
			const json_t *v = metric_of(row, m);

			if (json_is_number(v))
				e->c[side][m] += json_number_value(v);
			else
				e->known[side][m] = false;
		}
	}
	return 0;
}

/* A count or change as JSON: an integer where it is one, a real past 64 bits (sums of many
 * large counts), never a conversion out of range. */
static json_t *int_json(double d)
{
	if (d >= -0x1p63 && d < 0x1p63)
		return json_integer((json_int_t)d);
	return json_real(d);
}

static json_t *counts_json(const struct entry *e, int side)
{
	json_t *o;
	size_t m;

	if (!e->seen[side])
		return json_null();
	o = json_object();
	for (m = 0; m < NR_METRICS; m++)
		json_object_set_new(o, metrics[m],
				    e->known[side][m] ? int_json(e->c[side][m]) : json_null());
	return o;
}

/* A side that has no such row counts 0; a count one side does not know is not known. */
static bool delta_of(const struct entry *e, size_t m, double *d)
{
	bool ko = !e->seen[0] || e->known[0][m], kn = !e->seen[1] || e->known[1][m];

	*d = e->c[1][m] - e->c[0][m];
	return ko && kn;
}

static json_t *delta_json(const struct entry *e)
{
	json_t *o = json_object();
	double d;
	size_t m;

	for (m = 0; m < NR_METRICS; m++)
		json_object_set_new(o, metrics[m], delta_of(e, m, &d) ? int_json(d) : json_null());
	delta_of(e, 0, &d);
	json_object_set_new(o, "faults_pct",
			    e->c[0][0] > 0 ? json_real(100 * d / e->c[0][0]) : json_null());
	return o;
}

static int by_change(const void *x, const void *y)
{
	const struct entry *a = x, *b = y;
	double da = fabs(a->c[1][0] - a->c[0][0]), db = fabs(b->c[1][0] - b->c[0][0]);

	if (da != db)
		return da > db ? -1 : 1;
	return strcmp(a->key, b->key);
}

/* Too small a change to be a row of its own. */
static bool small(const struct entry *e, const struct pft_diff_opts *o)
{
	double d = fabs(e->c[1][0] - e->c[0][0]);

	if (o->min_delta && d < (double)o->min_delta)
		return true;
	return o->min_delta_pct > 0 && e->c[0][0] > 0 && 100 * d / e->c[0][0] < o->min_delta_pct;
}

static void fold_into(struct entry *to, const struct entry *e)
{
	size_t s, m;

	for (s = 0; s < 2; s++) {
		if (!e->seen[s])
			continue;
		if (!to->seen[s])
			for (m = 0; m < NR_METRICS; m++)
				to->known[s][m] = true;
		to->seen[s] = true;
		for (m = 0; m < NR_METRICS; m++) {
			to->c[s][m] += e->c[s][m];
			to->known[s][m] &= e->known[s][m];
		}
	}
}

static json_t *entry_json(const struct entry *e)
{
	json_t *o = json_object();

	json_object_set_new(o, "key", json_string(e->key));
	if (e->id) /* "(the rest)" has no key fields */
		json_object_update(o, e->id);
	json_object_set_new(o, "old", counts_json(e, 0));
	json_object_set_new(o, "new", counts_json(e, 1));
	json_object_set_new(o, "delta", delta_json(e));
	return o;
}

/* NEW - OLD of every number of the summaries (kinds and latencies inside too); null where a
 * side does not know it. Text and flags are not changes. */
static json_t *numbers_delta(const json_t *old, const json_t *new)
{
	json_t *o = json_object(), *nv;
	const char *k;

	json_object_foreach((json_t *)new, k, nv)
	{
		const json_t *ov = json_object_get(old, k);
		json_int_t di;
		double dr;

		if (json_is_string(nv) || json_is_boolean(nv) || json_is_array(nv))
			continue;
		if (json_is_object(nv) && json_is_object(ov))
			json_object_set_new(o, k, numbers_delta(ov, nv));
		else if (json_is_integer(nv) && json_is_integer(ov) &&
			 !__builtin_sub_overflow(json_integer_value(nv), json_integer_value(ov),
						 &di))
			json_object_set_new(o, k, json_integer(di));
		else if (json_is_number(nv) && json_is_number(ov) &&
			 isfinite(dr = json_number_value(nv) - json_number_value(ov)))
			/* (64-bit integers whose difference is not: as a real) */
			json_object_set_new(o, k, json_real(dr));
		else
			json_object_set_new(o, k, json_null());
	}
	return o;
}

static json_t *side_json(const json_t *doc)
{
	json_t *o = json_object();

	json_object_set(o, "source", json_object_get(doc, "source"));
	json_object_set(o, "summary", json_object_get(doc, "summary"));
	return o;
}

static void acc_free(struct acc *a)
{
	size_t i;

	for (i = 0; i < a->nr; i++) {
		free(a->e[i].key);
		json_decref(a->e[i].id);
	}
	free(a->e);
	json_decref(a->index);
}

int pft_diff_check_doc(const json_t *doc, char *err, size_t size)
{
	json_int_t v = json_integer_value(json_object_get(doc, "pftrace_json_version"));
	json_t *schema;
	int r;

	if (v != PFT_JSON_VERSION) {
		snprintf(err, size, "not a pftrace report document of version %d (it says %lld)",
			 PFT_JSON_VERSION, (long long)v);
		errno = EINVAL;
		return -1;
	}
	schema = json_loads(pft_report_schema_text, 0, NULL);
	if (!schema) {
		/* the built-in schema is checked by the tests: only memory can fail here */
		snprintf(err, size, "out of memory");
		errno = ENOMEM;
		return -1;
	}
	r = pft_json_check(schema, doc, err, size);
	json_decref(schema);
	return r;
}

json_t *pft_diff(const json_t *old, const json_t *new, const struct pft_diff_opts *o, char *err,
		 size_t size)
{
	const json_t *ro, *rn;
	struct acc a = {0};
	struct entry rest = {.key = "(the rest)"};
	json_t *doc = NULL, *rows;
	json_int_t vo = json_integer_value(json_object_get(old, "pftrace_json_version")),
		   vn = json_integer_value(json_object_get(new, "pftrace_json_version"));
	size_t i, shown = 0;

	if (vo != PFT_JSON_VERSION || vn != PFT_JSON_VERSION) {
		snprintf(err, size,
			 "%s is not a pftrace report document of version %d (it says %lld)",
			 vo != PFT_JSON_VERSION ? "OLD" : "NEW", PFT_JSON_VERSION,
			 (long long)(vo != PFT_JSON_VERSION ? vo : vn));
		return NULL;
	}
	if (o->by == PFT_BY_PAGE) {
		snprintf(err, size, "--by page: pages are other addresses in another run (ASLR)");
		return NULL;
	}
	if (!(ro = side_rows(old, o->by, "OLD", err, size)) ||
	    !(rn = side_rows(new, o->by, "NEW", err, size)))
		return NULL;
	if (!(a.index = json_object()) || add_side(&a, o->by, ro, 0) < 0 ||
	    add_side(&a, o->by, rn, 1) < 0)
		goto nomem;
	if (a.nr) /* no rows on either side: no array to sort (qsort's is nonnull) */
		qsort(a.e, a.nr, sizeof(*a.e), by_change);
	doc = json_object();
	rows = json_array();
	json_object_set_new(doc, "pftrace_json_version", json_integer(PFT_JSON_VERSION));
	json_object_set_new(doc, "by", json_string(pft_by_name(o->by)));
	json_object_set_new(doc, "old", side_json(old));
	json_object_set_new(doc, "new", side_json(new));
	json_object_set_new(
	    doc, "delta",
	    numbers_delta(json_object_get(old, "summary"), json_object_get(new, "summary")));
	for (i = 0; i < a.nr; i++) {
		if (small(&a.e[i], o) || (o->top > 0 && shown >= (size_t)o->top)) {
			fold_into(&rest, &a.e[i]);
			continue;
		}
		json_array_append_new(rows, entry_json(&a.e[i]));
		shown++;
	}
	if (rest.seen[0] || rest.seen[1])
		json_array_append_new(rows, entry_json(&rest));
	json_object_set_new(doc, "rows", rows);
	acc_free(&a);
	return doc;
nomem:
	acc_free(&a);
	json_decref(doc);
	snprintf(err, size, "%s", strerror(ENOMEM));
	return NULL;
}

/* ---------------------------------------------------------------- the table */

static void put_num(FILE *out, const json_t *v, bool sign, int width)
{
	if (!json_is_number(v))
		fprintf(out, "%*s", width, "-");
	else if (sign)
		fprintf(out, "%+*" JSON_INTEGER_FORMAT, width, (json_int_t)json_number_value(v));
	else
		fprintf(out, "%*" JSON_INTEGER_FORMAT, width, (json_int_t)json_number_value(v));
}

/* One line (text) or table row (markdown) of a summary value: old -> new, change. */
static void summary_line(const json_t *d, const char *k, bool md, FILE *out)
{
	const json_t *o = json_object_get(json_object_get(json_object_get(d, "old"), "summary"), k),
		     *n = json_object_get(json_object_get(json_object_get(d, "new"), "summary"), k),
		     *dl = json_object_get(json_object_get(d, "delta"), k);

	if (md) {
		fprintf(out, "| %s | ", k);
		put_num(out, o, false, 0);
		fputs(" | ", out);
		put_num(out, n, false, 0);
		fputs(" | ", out);
		put_num(out, dl, true, 0);
		if (json_is_number(o) && json_number_value(o) > 0 && json_is_number(dl))
			fprintf(out, " (%+.1f%%)",
				100 * json_number_value(dl) / json_number_value(o));
		fputs(" |\n", out);
		return;
	}
	fprintf(out, "%-14s", k);
	put_num(out, o, false, 10);
	fputs(" -> ", out);
	put_num(out, n, false, 10);
	put_num(out, dl, true, 10);
	if (json_is_number(o) && json_number_value(o) > 0 && json_is_number(dl))
		fprintf(out, " (%+.1f%%)", 100 * json_number_value(dl) / json_number_value(o));
	fputc('\n', out);
}

int pft_render_diff(const json_t *d, bool md, FILE *out)
{
	static const char *const lines[] = {"faults", "major", "minor", "no_vma", "lost_events"};
	const json_t *rows = json_object_get(d, "rows"), *row,
		     *inputs[2] = {
			 json_object_get(json_object_get(json_object_get(d, "old"), "source"),
					 "inputs"),
			 json_object_get(json_object_get(json_object_get(d, "new"), "source"),
					 "inputs")};
	const char *by = json_string_value(json_object_get(d, "by"));
	size_t i;

	/* names came from the runs (and a baseline from another machine): escaped for the sink */
	if (md) {
		fputs("### pftrace diff by ", out);
		pft_put_text(out, by, PFT_TEXT_MD, 0);
		fputs("\n\n| | old | new | change |\n|---|---:|---:|---:|\n", out);
	} else {
		fputs("diff by ", out);
		pft_put_text(out, by, PFT_TEXT_TERM, 0);
		for (i = 0; i < 2; i++) {
			const char *name = str(json_array_get(inputs[i], 0), "name");

			fputs(i ? ", NEW " : ": OLD ", out);
			pft_put_text(out, name ? name : "?", PFT_TEXT_TERM, 0);
		}
		fputc('\n', out);
	}
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		summary_line(d, lines[i], md, out);
	if (md) {
		fputs("\n| ", out);
		pft_put_text(out, by, PFT_TEXT_MD, 0);
		fputs(" | old faults | new faults | change | % | old major | new major | "
		      "major change |\n|---|---:|---:|---:|---:|---:|---:|---:|\n",
		      out);
	} else {
		fprintf(out, "\n%9s %9s %9s %8s %8s %8s %8s  %s\n", "OLD", "NEW", "DELTA", "%",
			"MAJ-OLD", "MAJ-NEW", "MAJ-DLT", "KEY");
	}
	json_array_foreach(rows, i, row)
	{
		const json_t *o = json_object_get(row, "old"), *n = json_object_get(row, "new"),
			     *dl = json_object_get(row, "delta"),
			     *pct = json_object_get(dl, "faults_pct");
		const char *key = str(row, "key");

		if (md) {
			fputs("| ", out);
			pft_put_text(out, key, PFT_TEXT_MD, 0);
			fputs(" | ", out);
		}
		put_num(out, json_object_get(o, "faults"), false, md ? 0 : 9);
		fputs(md ? " | " : " ", out);
		put_num(out, json_object_get(n, "faults"), false, md ? 0 : 9);
		fputs(md ? " | " : " ", out);
		put_num(out, json_object_get(dl, "faults"), true, md ? 0 : 9);
		fputs(md ? " | " : " ", out);
		if (json_is_number(pct))
			fprintf(out, md ? "%+.1f%%" : "%+7.1f%%", json_number_value(pct));
		else
			fprintf(out, md ? "new" : "%8s", "new");
		fputs(md ? " | " : " ", out);
		put_num(out, json_object_get(o, "major"), false, md ? 0 : 8);
		fputs(md ? " | " : " ", out);
		put_num(out, json_object_get(n, "major"), false, md ? 0 : 8);
		fputs(md ? " | " : " ", out);
		put_num(out, json_object_get(dl, "major"), true, md ? 0 : 8);
		if (md) {
			fputs(" |\n", out);
		} else {
			fputs("  ", out);
			pft_put_text(out, key, PFT_TEXT_TERM, 0);
			fputc('\n', out);
		}
	}
	fflush(out);
	return ferror(out) ? -1 : 0;
}
