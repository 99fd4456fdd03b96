/* SPDX-License-Identifier: MIT */
/* pftrace report: the analysis of saved traces. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

struct report_args {
	struct out_opts out;
	char **files;
	int nr_files;
};

static void usage(FILE *f)
{
	fprintf(
	    f, "usage: pftrace report [options] FILE...    (FILE '-' = standard input)\n"
	       "\n"
	       "Reads ftrace text (trace, trace_pipe, trace-cmd report output) or trace.dat,\n"
	       "joins each page fault with the VMA that holds its address, and reports.\n"
	       "\n"
	       "  -m, --maps [PID=]FILE  a saved /proc/PID/maps, for every pid or for PID\n"
	       "                         (repeatable); without it, live pids' maps are read\n"
	       "  -b, --by KEY           group by vma (default), file, page, ip, tid, pid or kind\n"
	       "  -n, --top N            rows to show (table: 20; JSON: all; 0 = all)\n"
	       "  -p, --pid PID[,PID]    only these processes or threads (repeatable)\n"
	       "  -k, --kernel           include page_fault_kernel events\n"
	       "  -j, --json             one JSON document on stdout\n"
	       "      --jsonl            one JSON object per fault on stdout\n"
	       "  -h, --help             this help\n"
	       "\n"
	       "Exit status: 0 ok, 1 failure (unreadable input, no trace data), 2 usage.\n");
}

static int parse(int argc, char **argv, struct report_args *a)
{
	static const struct option longopts[] = {OUT_LONGOPTS,
						 {"pid", required_argument, NULL, 'p'},
						 {"maps", required_argument, NULL, 'm'},
						 {"help", no_argument, NULL, 'h'},
						 {NULL, 0, NULL, 0}};
	int c;

	a->out.top = -1;
	optind = 1;
	while ((c = getopt_long(argc, argv, OUT_SHORTOPTS "p:m:h", longopts, NULL)) != -1) {
		int r;

		if (c == 'h') {
			usage(stdout);
			return 1;
		}
		r = out_opt(&a->out, c, optarg);
		if (r < 0)
			return -1;
		if (!r) {
			usage(stderr);
			return -1;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "pftrace: report: no input file (use - for standard input)\n");
		return -1;
	}
	a->files = argv + optind;
	a->nr_files = argc - optind;
	return out_check(&a->out);
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

static int run_one(struct pft_report *rep, struct pft_aspace *as, const char *path)
{
	struct pft_source *src = pft_source_open(path);
	const char *why;
	struct pft_event ev;
	int r, ret = -1;

	if (!src) {
		open_error(path);
		return -1;
	}
	if (pft_source_prepare(src, as) < 0) {
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

static int run(const struct report_args *a)
{
	struct pft_aspace *as = pft_aspace_new();
	struct pft_report_opts ro = out_report_opts(&a->out);
	struct pft_report *rep = NULL;
	int i, r, ret = EXIT_FAIL;

	if (!as || out_maps(&a->out, as) < 0)
		goto out;
	rep = pft_report_new(&ro, as);
	if (!rep)
		goto out;
	if (a->out.jsonl)
		pft_report_set_sink(rep, out_jsonl_sink, NULL);
	for (i = 0; i < a->nr_files; i++) {
		r = run_one(rep, as, a->files[i]);
		if (r < 0)
			goto out;
		if (r > 0) {
			ret = EXIT_OK;
			goto out;
		}
	}
	if (pft_report_finish(rep) < 0 || out_finish(&a->out, rep) < 0) {
		if (errno != EPIPE)
			fprintf(stderr, "pftrace: cannot write the report: %s\n", strerror(errno));
		else
			ret = EXIT_OK; /* the reader went away: nothing of ours failed */
		goto out;
	}
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
