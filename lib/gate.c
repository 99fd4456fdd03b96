/* SPDX-License-Identifier: MIT */
/*
 * Gates for CI: "METRIC OP NUMBER[%]" held against a report's or a diff's document. METRIC is a
 * summary value (faults, major, no_vma, lost_events, a kind such as cow, latency_p99 in µs) or
 * a row's ("file:/usr/lib/libfoo.so.major", "sym:load_config.faults": TABLE:KEY.METRIC, the
 * rows of that table whose key matches, summed). In a diff every value is the change from OLD to
 * NEW and a percentage is of OLD's value; in a report a percentage is of all its faults.
 * A cause of record --why (reclaim, io, mmap-lock...) is the time its faults spent in it: of
 * all faults in the summary, of a row's in TABLE:KEY.CAUSE. Times are in µs (latency_p99,
 * the causes; major_ns in ns), or with a unit: "reclaim > 10ms".
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

struct pft_gate {
	char *text;   /* as written, for messages */
	char *metric; /* "major", "cow", "latency_p99" */
	char *shown;  /* the metric as written: "sym:load_config.faults" */
	int table;    /* -1: the summary; else the enum pft_by whose rows are meant */
	char *key;    /* the rows' key */
	enum {
		OP_GT,
		OP_GE,
		OP_LT,
		OP_LE,
		OP_EQ,
		OP_NE
	} op;
	double value;
	bool pct;
};

static const char *const row_metrics[] = {"faults", "reads", "writes",	 "execs", "protection",
					  "major",  "minor", "major_ns", "pages"};

/* The summary's numbers a gate can name (and every kind). */
static const char *const summary_metrics[] = {"faults",
					      "reads",
					      "writes",
					      "execs",
					      "protection",
					      "major",
					      "minor",
					      "major_ns",
					      "major_unknown",
					      "no_vma",
					      "no_maps",
					      "lost_events",
					      "lost_completions",
					      "skipped_lines",
					      "other_events",
					      "pids",
					      "tids",
					      "vmas",
					      "kernel_faults_excluded",
					      "kernel_faults_atomic",
					      "filtered_faults",
					      "latency_p50",
					      "latency_p99",
					      "latency_max"};

static bool is_cause(const char *m)
{
	int c;

	for (c = 0; c < PFT_CAUSE_COUNT; c++)
		if (!strcmp(m, pft_cause_names[c]))
			return true;
	return false;
}

/* The unit of a time metric in ns (1000: µs), or 0 for a count. */
static double time_unit(const char *m)
{
	const char *dot = strrchr(m, '.');

	m = dot ? dot + 1 : m;
	if (!strncmp(m, "latency_", 8) || is_cause(m))
		return 1000;
	return strlen(m) > 3 && !strcmp(m + strlen(m) - 3, "_ns") ? 1 : 0;
}

static bool is_summary_metric(const char *m)
{
	size_t i;

	if (is_cause(m))
		return true;
	for (i = 0; i < sizeof(summary_metrics) / sizeof(summary_metrics[0]); i++)
		if (!strcmp(m, summary_metrics[i]))
			return true;
	for (i = 0; i < PFT_KIND_COUNT; i++)
		if (!strcmp(m, pft_kind_name((enum pft_kind)i)))
			return true;
	return false;
}

static bool is_row_metric(const char *m)
{
	size_t i;

	if (is_cause(m))
		return true;
	for (i = 0; i < sizeof(row_metrics) / sizeof(row_metrics[0]); i++)
		if (!strcmp(m, row_metrics[i]))
			return true;
	return false;
}

static char *trimmed(const char *s, size_t n)
{
	while (n && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return strndup(s, n);
}

/* A unit of time after a number ("ns", "us", "ms", "s"): its ns, *p past it; 0 if none. */
static double unit_ns(char **p)
{
	static const struct {
		const char *s;
		double ns;
	} units[] = {{"ns", 1}, {"us", 1e3}, {"ms", 1e6}, {"s", 1e9}};
	size_t i, n;

	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		n = strlen(units[i].s);
		if (!strncmp(*p, units[i].s, n) && !isalnum((unsigned char)(*p)[n])) {
			*p += n;
			return units[i].ns;
		}
	}
	return 0;
}

static struct pft_gate *fail(struct pft_gate *g, char *err, size_t size, const char *fmt,
			     const char *part)
{
	snprintf(err, size, fmt, part);
	pft_gate_free(g);
	return NULL;
}

/* "file:/usr/lib/libfoo.so.major": the table, the key, the metric. */
static int split_row(struct pft_gate *g, char *err, size_t size)
{
	char *colon = strchr(g->metric, ':'), *dot, *m;
	int by;

	*colon = '\0';
	by = pft_by_parse(g->metric);
	if (by < 0 || by == PFT_BY_PAGE) {
		snprintf(err, size, "'%s' is not a table (vma, file, ip, sym, tid, pid, kind)",
			 g->metric);
		return -1;
	}
	dot = strrchr(colon + 1, '.');
	if (!dot || dot == colon + 1 || !is_row_metric(dot + 1)) {
		snprintf(err, size,
			 "'%s' does not end in .METRIC (faults, reads, writes, execs, "
			 "protection, major, minor, major_ns, pages)",
			 colon + 1);
		return -1;
	}
	g->table = by;
	g->key = strndup(colon + 1, (size_t)(dot - colon - 1));
	m = strdup(dot + 1);
	if (!g->key || !m) {
		free(m);
		snprintf(err, size, "%s", strerror(ENOMEM));
		return -1;
	}
	free(g->metric);
	g->metric = m;
	return 0;
}

struct pft_gate *pft_gate_parse(const char *text, char *err, size_t size)
{
	static const struct {
		const char *s;
		int op;
	} ops[] = {{">=", OP_GE}, {"<=", OP_LE}, {"==", OP_EQ},
		   {"!=", OP_NE}, {">", OP_GT},	 {"<", OP_LT}};
	struct pft_gate *g = calloc(1, sizeof(*g));
	const char *at = NULL, *num;
	double unit;
	char *end;
	size_t i, oplen = 0;

	if (!g || !(g->text = strdup(text)))
		return fail(g, err, size, "%s", strerror(ENOMEM));
	g->table = -1;
	at = strpbrk(text, "<>=!");
	for (i = 0; at && i < sizeof(ops) / sizeof(ops[0]); i++)
		if (!strncmp(at, ops[i].s, strlen(ops[i].s))) {
			g->op = ops[i].op;
			oplen = strlen(ops[i].s);
			break;
		}
	if (!at || !oplen)
		return fail(g, err, size, "no comparison (> >= < <= == !=) in '%s'", text);
	if (!(g->metric = trimmed(text, (size_t)(at - text))) || !*g->metric ||
	    !(g->shown = strdup(g->metric)))
		return fail(g, err, size, "no metric before '%s'", at);
	num = at + oplen;
	while (*num == ' ' || *num == '\t')
		num++;
	errno = 0;
	g->value = strtod(num, &end);
	if (end == num || errno || !isfinite(g->value))
		return fail(g, err, size, "'%s' is not a number", num);
	while (*end == ' ')
		end++;
	if (*end == '%') {
		g->pct = true;
		end++;
	} else if (*end && (unit = unit_ns(&end)) > 0) {
		if (!time_unit(g->metric))
			return fail(g, err, size, "'%s' is a count, not a time: no unit", g->shown);
		g->value = g->value * unit / time_unit(g->metric);
	}
	while (*end == ' ')
		end++;
	if (*end)
		return fail(g, err, size, "'%s' after the number", end);
	if (strchr(g->metric, ':')) {
		if (split_row(g, err, size) < 0) {
			pft_gate_free(g);
			return NULL;
		}
	} else if (!is_summary_metric(g->metric)) {
		return fail(
		    g, err, size,
		    "'%s' is not a metric (faults, major, minor, no_vma, lost_events, a kind, "
		    "latency_p99, a cause such as reclaim, ..., or TABLE:KEY.METRIC)",
		    g->metric);
	}
	return g;
}

const char *pft_gate_text(const struct pft_gate *g)
{
	return g->text;
}

const char *pft_gate_metric(const struct pft_gate *g)
{
	return g->shown;
}

const char *pft_gate_unit(const struct pft_gate *g)
{
	double u = time_unit(g->shown);

	return u == 1000 ? " us" : u == 1 ? " ns" : "";
}

bool pft_gate_pct(const struct pft_gate *g)
{
	return g->pct;
}

int pft_gate_table(const struct pft_gate *g)
{
	return g->table;
}

/* ---------------------------------------------------------------- values */

/* A number, or NaN for null (not known in this input). */
static double num(const json_t *v)
{
	return json_is_number(v) ? json_number_value(v) : NAN;
}

/* A summary value of a report: its key, a kind's count, or a latency in µs. */
static int summary_value(const json_t *sum, const char *m, double *v)
{
	const json_t *x;

	if (!strncmp(m, "latency_", 8)) {
		static const char *const lat[] = {"p50", "p99", "max"};
		size_t i;

		for (i = 0; i < 3; i++)
			if (!strcmp(m + 8, lat[i])) {
				x = json_object_get(json_object_get(sum, "latency_ns"), lat[i]);
				*v = num(x) / 1000;
				return 0;
			}
		return -1;
	}
	if (is_cause(m)) {
		x = json_object_get(json_object_get(json_object_get(sum, "why"), "ns"), m);
		*v = num(x) / 1000;
		return 0;
	}
	if ((x = json_object_get(json_object_get(sum, "by_kind"), m)) ||
	    (x = json_object_get(sum, m))) {
		if (!json_is_number(x) && !json_is_null(x))
			return -1;
		*v = num(x);
		return 0;
	}
	return -1;
}

/* The key a row answers to, as the diff keys rows (see diff.c), and its short forms. */
static bool row_matches(const json_t *row, int table, const char *key)
{
	const char *base, *s;

	switch (table) {
	case PFT_BY_FILE:
		s = json_string_value(json_object_get(row, "file"));
		base = s ? strrchr(s, '/') : NULL;
		return s && (!strcmp(s, key) || (base && !strcmp(base + 1, key)));
	case PFT_BY_SYM:
		s = json_string_value(json_object_get(row, "function"));
		if (s && !strcmp(s, key))
			return true;
		break;
	case PFT_BY_TID:
	case PFT_BY_PID:
		s = json_string_value(json_object_get(row, "comm"));
		if (s && !strcmp(s, key))
			return true;
		break;
	case PFT_BY_VMA:
		s = json_string_value(json_object_get(row, "name"));
		if (s && !strcmp(s, key))
			return true;
		break;
	case PFT_BY_IP:
		s = json_string_value(json_object_get(row, "ip_symbol"));
		if (s && !strcmp(s, key))
			return true;
		s = json_string_value(json_object_get(row, "location"));
		if (s && !strcmp(s, key))
			return true;
		break;
	}
	s = json_string_value(json_object_get(row, "key"));
	return s && !strcmp(s, key);
}

/* The metric summed over the rows that match; *n: how many did. */
static double rows_value(const json_t *rows, const struct pft_gate *g, const char *side, size_t *n)
{
	double sum = 0;
	size_t i;
	json_t *row;

	*n = 0;
	json_array_foreach(rows, i, row)
	{
		const json_t *m = side ? json_object_get(row, side) : row;

		if (!row_matches(row, g->table, g->key))
			continue;
		(*n)++;
		if (json_is_null(m))
			continue;
		/* a cause: a report row's why, a diff's side (the diff's own keys) */
		if (is_cause(g->metric) && !side)
			sum += num(json_object_get(json_object_get(json_object_get(m, "why"), "ns"),
						   g->metric)) /
			       1000;
		else if (is_cause(g->metric))
			sum += num(json_object_get(m, g->metric)) / 1000;
		else
			sum += num(json_object_get(m, g->metric));
	}
	return sum;
}

int pft_gate_eval(const struct pft_gate *g, const json_t *doc, const json_t *rows, double *value,
		  double *pct, char *err, size_t size)
{
	*err = '\0';
	bool diff = json_object_get(doc, "delta") != NULL;
	const json_t *sum = json_object_get(doc, "summary");
	double v, base = NAN;
	size_t n = 0;

	if (g->table >= 0) {
		if (!rows) {
			snprintf(err, size, "no %s rows here", pft_by_name(g->table));
			return -1;
		}
		v = rows_value(rows, g, diff ? "delta" : NULL, &n);
		if (diff)
			base = rows_value(rows, g, "old", &n);
		else
			base = num(json_object_get(sum, "faults"));
		if (!n) /* said, not silent: a typo would otherwise pass every gate */
			snprintf(err, size, "no %s row '%s': taken as 0", pft_by_name(g->table),
				 g->key);
	} else if (diff) {
		if (summary_value(json_object_get(doc, "delta"), g->metric, &v) < 0) {
			snprintf(err, size, "'%s' is not a metric", g->metric);
			return -1;
		}
		summary_value(json_object_get(json_object_get(doc, "old"), "summary"), g->metric,
			      &base);
	} else {
		if (summary_value(sum, g->metric, &v) < 0) {
			snprintf(err, size, "'%s' is not a metric", g->metric);
			return -1;
		}
		base = num(json_object_get(sum, "faults"));
	}
	if (isnan(v)) {
		snprintf(err, size, "%s is not known in this input", g->metric);
		return -1;
	}
	*value = v;
	*pct = base > 0 ? 100 * v / base : v > 0 ? INFINITY : v < 0 ? -INFINITY : 0;
	if (g->pct)
		v = *pct;
	switch (g->op) {
	case OP_GT:
		return v > g->value;
	case OP_GE:
		return v >= g->value;
	case OP_LT:
		return v < g->value;
	case OP_LE:
		return v <= g->value;
	case OP_EQ:
		return v == g->value;
	case OP_NE:
		return v != g->value;
	}
	return 0;
}

void pft_gate_free(struct pft_gate *g)
{
	if (!g)
		return;
	free(g->text);
	free(g->metric);
	free(g->shown);
	free(g->key);
	free(g);
}
