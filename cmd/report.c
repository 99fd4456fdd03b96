/* SPDX-License-Identifier: MIT */
/* pftrace report: the analysis of saved traces. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

struct report_args {
	struct out_opts out;
	char **files;
	int nr_files;
};

static const struct opts_usage usage = {
    .synopsis = "usage: pftrace report [options] FILE...    (FILE '-' = standard input)",
    .about = "Reads ftrace text (trace, trace_pipe, trace-cmd report output) or trace.dat,\n"
	     "joins each page fault with the VMA that held its address, and reports.",
    .after = "Exit status: 0 ok (a trace with no events too), 1 failure (unreadable input,\n"
	     "not a trace), 2 usage.",
};

static int parse(int argc, char **argv, struct report_args *a)
{
	const struct opt table[] = {
	    OPT_CALL('m', "maps", "[PID=]FILE", opt_maps, &a->out,
		     "a saved /proc/PID/maps, for every pid or for PID\n(repeatable); without it, "
		     "live pids' maps are read"),
	    OUT_OPTIONS(&a->out),
	    OPT_CALL('p', "pid", "PID[,PID]", opt_pids, &a->out.pids,
		     "only these processes or threads (repeatable)"),
	    OPT_STRING(0, "symfs", "DIR", &a->out.symfs,
		       "look for the recorded files under DIR (DIR/path, then\nDIR/name) before "
		       "debuginfod; only a file with the\nbuild ID recorded names code"),
	    OPT_END,
	};
	int first;

	a->out.top = -1;
	first = opts_parse(table, &usage, argc, argv, false);
	if (first < 0)
		return first == -2 ? 1 : -1;
	if (first >= argc) {
		fprintf(stderr, "pftrace: report: no input file (use - for standard input)\n");
		return -1;
	}
	a->files = argv + first;
	a->nr_files = argc - first;
	return 0;
}

static void open_error(const char *path)
{
	if (errno == EBADMSG)
		fprintf(stderr, "pftrace: '%s': not a readable trace.dat (truncated or corrupt)\n",
			path);
	else
		fprintf(stderr, "pftrace: cannot open '%s': %s\n", path, strerror(errno));
}

/* Why a source gave no trace at all, or NULL if it did. */
static const char *empty_reason(const struct pft_source_stats *st)
{
	if (!strcmp(st->format, "trace.dat"))
		return NULL; /* a recording in which nothing happened is still a recording */
	if (st->binary && !st->events)
		return "binary data, not an ftrace text trace or trace.dat";
	if (!st->lines)
		return "empty file, no trace data";
	if (!st->events && st->unrecognized.count && !st->malformed.count)
		return "no trace events found: not an ftrace text trace";
	return NULL;
}

static int run_one(struct pft_report *rep, struct pft_aspace *as, struct pft_syms *syms,
		   const char *path)
{
	struct pft_source *src = pft_source_open(path);
	const char *why;
	struct pft_event ev;
	int r, ret = -1;

	if (!src) {
		open_error(path);
		return -1;
	}
	if (pft_source_prepare(src, as, syms) < 0) {
		fprintf(stderr, "pftrace: %s\n", strerror(errno));
		goto out;
	}
	if (pft_source_stats(src)->completions)
		pft_report_expect_completions(rep);
	while ((r = pft_source_next(src, &ev)) > 0)
		if ((r = pft_report_add(rep, &ev)) < 0)
			break;
	if (r < 0 && errno == EPIPE) {
		/* a closed pipe (head, jq -n) ends the run: not an error of ours */
		ret = 1;
		goto out;
	}
	if (r < 0) {
		fprintf(stderr, "pftrace: cannot read '%s': %s\n", path, strerror(errno));
		goto out;
	}
	out_source_warnings(src);
	if (out_counters(src, rep) < 0)
		goto out;
	why = empty_reason(pft_source_stats(src));
	if (why) {
		fprintf(stderr, "pftrace: '%s': %s\n", pft_source_name(src), why);
		goto out;
	}
	if (pft_report_add_source(rep, src) < 0)
		goto out;
	ret = 0;
out:
	pft_source_close(src);
	return ret;
}

static int run(struct report_args *a)
{
	struct pft_aspace *as = pft_aspace_new();
	struct pft_report_opts ro = out_report_opts(&a->out);
	struct pft_report *rep = NULL;
	int i, r, ret = EXIT_FAIL;

	if (!as || out_maps(&a->out, as) < 0 || out_syms(&a->out) < 0)
		goto out;
	rep = pft_report_new(&ro, as);
	if (!rep)
		goto out;
	pft_report_set_syms(rep, a->out.syms);
	out_stream(&a->out, rep);
	for (i = 0; i < a->nr_files; i++) {
		r = run_one(rep, as, a->out.syms, a->files[i]);
		if (r < 0)
			goto out;
		if (r > 0) {
			ret = EXIT_OK;
			goto out;
		}
	}
	if (pft_report_finish(rep) < 0) {
		if (errno != EPIPE)
			fprintf(stderr, "pftrace: %s\n", strerror(errno));
		else
			ret = EXIT_OK; /* the reader went away: nothing of ours failed */
		goto out;
	}
	if (out_finish(&a->out, rep, true) < 0)
		goto out;
	out_symbol_warnings(&a->out);
	ret = EXIT_OK;
out:
	pft_report_free(rep);
	pft_aspace_free(as);
	return ret;
}

int cmd_report(int argc, char **argv)
{
	struct report_args a = {0};
	int ret = parse(argc, argv, &a);

	if (ret) {
		out_free(&a.out);
		return ret < 0 ? EXIT_USAGE : EXIT_OK;
	}
	ret = run(&a);
	out_free(&a.out);
	return ret;
}
