/* SPDX-License-Identifier: MIT */
/* pftrace diff: two runs compared, row by row, for CI. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

enum diff_out {
	DIFF_TABLE,
	DIFF_JSON,
	DIFF_MARKDOWN,
};

struct diff_args {
	struct out_opts out; /* how each side is read (--by, --maps, --symfs, --kernel) */
	enum diff_out fmt;
	const char *min_delta;
	struct pft_diff_opts d;
	char *old, *new;
};

static const struct opts_usage usage = {
    .synopsis = "usage: pftrace diff [options] OLD NEW",
    .about = "Compares two runs: OLD and NEW are anything report reads (trace.dat, text traces\n"
	     "with --maps) or a saved 'pftrace report --json' document (a CI baseline). Rows\n"
	     "are keyed so that runs with other pids and addresses (ASLR) match; largest change\n"
	     "first.",
    .after = "Exit status: 0 ok, 1 failure (an input unreadable, or a gate that cannot be\n"
	     "decided), 2 usage, 3 a --fail-if condition held.",
};

static int opt_diff_format(const struct opt *o, const char *arg)
{
	enum diff_out *f = o->value;

	if (!strcmp(arg, "table"))
		*f = DIFF_TABLE;
	else if (!strcmp(arg, "json"))
		*f = DIFF_JSON;
	else if (!strcmp(arg, "markdown"))
		*f = DIFF_MARKDOWN;
	else {
		fprintf(stderr, "pftrace: --format '%s': use table, json or markdown\n", arg);
		return -1;
	}
	return 0;
}

static int opt_json(const struct opt *o, const char *arg)
{
	(void)arg;
	*(enum diff_out *)o->value = DIFF_JSON;
	return 0;
}

/* "N" faults or "N%" of OLD's. */
static int min_delta(const char *s, struct pft_diff_opts *d)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || v < 0 || (*end && strcmp(end, "%"))) {
		fprintf(stderr,
			"pftrace: --min-delta '%s': a number of faults, or a percent (5%%)\n", s);
		return -1;
	}
	if (*end)
		d->min_delta_pct = v;
	else
		d->min_delta = (uint64_t)v;
	return 0;
}

static int parse(int argc, char **argv, struct diff_args *a)
{
	const struct opt table[] = {
	    OPT_CALL('b', "by", "KEY", opt_by, &a->out,
		     "vma (default: areas by comm, name, perms, offset),\nfile, sym, ip, tid or "
		     "pid (by comm), comm, cgroup, kind, path or cause\n(--why)"),
	    OPT_INT('n', "top", "N", &a->out.top, 0, INT32_MAX,
		    "rows to show; the rest are one row (table: 20; JSON:\nall; 0 = all)"),
	    OPT_STRING(0, "min-delta", "N[%]", &a->min_delta,
		       "changes smaller than N faults (or N% of OLD's) are\none row, "
		       "\"(smaller changes)\""),
	    OPT_CALL('j', "json", NULL, opt_json, &a->fmt, "one JSON document on stdout"),
	    OPT_CALL(0, "format", "FMT", opt_diff_format, &a->fmt,
		     "stdout as table (default), json or markdown"),
	    OPT_CALL(0, "fail-if", "EXPR", opt_fail_if, &a->out.gates,
		     "exit 3 if the change holds EXPR: 'faults > 10%',\n'major > 100', "
		     "'sym:load_config.faults > 0'\n(% of OLD's; repeatable)"),
	    OPT_CALL('m', "maps", "[PID=]FILE", opt_maps, &a->out,
		     "a saved /proc/PID/maps for text traces (both sides)"),
	    OPT_FLAG('k', "kernel", &a->out.kernel, "also the kernel's faults on kernel addresses"),
	    OPT_STRING(0, "symfs", "DIR", &a->out.symfs, "where the recorded files are now"),
	    OPT_END,
	};
	int first;

	a->out.top = -1;
	a->out.keep_exited = -1;
	a->out.arch = -1;
	first = opts_parse(table, &usage, argc, argv, false);
	if (first < 0)
		return first == -2 ? 1 : -1;
	if (argc - first != 2) {
		fprintf(stderr, "pftrace: diff: give OLD and NEW\n");
		return -1;
	}
	a->old = argv[first];
	a->new = argv[first + 1];
	return a->min_delta && min_delta(a->min_delta, &a->d) < 0 ? -1 : 0;
}

/* A saved JSON document starts with '{'; a trace never does. The document is read from the
 * same stream (a pipe, <(...), cannot be opened again from its start): f, at its '{', or NULL
 * (a trace, or a file that does not open: the report's reader says why). */
static FILE *open_json(const char *path)
{
	FILE *f = fopen(path, "re");
	int c = ' ';

	while (f && (c = fgetc(f)) != EOF && (c == ' ' || c == '\n' || c == '\t' || c == '\r'))
		;
	if (f && c == '{' && ungetc(c, f) == c)
		return f;
	if (f)
		fclose(f);
	return NULL;
}

/* "pftrace: 'path': msg" ("diff: msg" without a path), escaped: a baseline's messages quote
 * its fields and keys. */
static void say_about(const char *path, const char *msg)
{
	char line[1024];

	if (path)
		snprintf(line, sizeof(line), "'%s': %s", path, msg);
	else
		snprintf(line, sizeof(line), "diff: %s", msg);
	out_say(line);
}

/* One side's report document. NULL after a message. */
static json_t *side(const struct diff_args *a, char *path)
{
	struct out_opts o = a->out;
	struct pft_report *rep = NULL;
	struct pft_aspace *as = NULL;
	json_error_t jerr;
	json_t *doc = NULL;
	FILE *f;
	int r;

	if ((f = open_json(path))) {
		char err[400];

		doc = json_loadf(f, 0, &jerr);
		fclose(f);
		if (!doc)
			fprintf(stderr, "pftrace: '%s': not a JSON document: %s (line %d)\n", path,
				jerr.text, jerr.line);
		/* from anywhere: in the shape pftrace writes, or not used */
		if (doc && pft_diff_check_doc(doc, err, sizeof(err)) < 0) {
			say_about(path, err);
			json_decref(doc);
			doc = NULL;
		}
		return doc;
	}
	/* every row: the diff decides what is shown */
	o.top = 0;
	o.out = SINK_JSON;
	o.syms = NULL;
	o.gates = (struct gates){0};
	r = out_report_files(&o, &path, 1, false, &rep, &as);
	if (r == 0 && !(doc = pft_report_json(rep)))
		fprintf(stderr, "pftrace: %s\n", strerror(errno));
	pft_report_free(rep);
	pft_aspace_free(as);
	pft_syms_free(o.syms);
	return doc;
}

static int run(const struct diff_args *a)
{
	struct pft_diff_opts d = a->d;
	json_t *old = NULL, *new = NULL, *diff = NULL, *all = NULL;
	int ret = EXIT_FAIL, r;
	char err[512];

	d.by = a->out.by;
	d.top = a->out.top >= 0 ? a->out.top : a->fmt == DIFF_JSON ? 0 : 20;
	if (!(old = side(a, a->old)) || !(new = side(a, a->new)))
		goto out;
	diff = pft_diff(old, new, &d, err, sizeof(err));
	/* the gates see every row, not the ones shown */
	if (diff && a->out.gates.n)
		all = pft_diff(old, new, &(struct pft_diff_opts){.by = d.by}, err, sizeof(err));
	if (!diff || (a->out.gates.n && !all)) {
		say_about(NULL, err);
		goto out;
	}
	if (a->fmt == DIFF_JSON)
		r = json_dumpf(diff, stdout, JSON_INDENT(1)) < 0 || putchar('\n') == EOF ? -1 : 0;
	else
		r = pft_render_diff(diff, a->fmt == DIFF_MARKDOWN, stdout);
	if (r < 0 && errno != EPIPE) {
		fprintf(stderr, "pftrace: cannot write the diff: %s\n", strerror(errno));
		goto out;
	}
	ret = all ? out_gates(&a->out.gates, all, NULL) : EXIT_OK;
out:
	json_decref(all);
	json_decref(old);
	json_decref(new);
	json_decref(diff);
	return ret;
}

int cmd_diff(int argc, char **argv)
{
	struct diff_args a = {0};
	int ret = parse(argc, argv, &a);

	if (ret) {
		out_free(&a.out);
		return ret < 0 ? EXIT_USAGE : EXIT_OK;
	}
	ret = run(&a);
	out_free(&a.out);
	return ret;
}
