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
	     "not a trace, a gate that cannot be decided), 2 usage, 3 a --fail-if condition\n"
	     "held.",
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
	    OPT_CALL(0, "arch", "ARCH", opt_arch, &a->out,
		     "read error_code as x86's or riscv's (scause); default:\nthe trace.dat's "
		     "machine, x86 for text"),
	    OPT_STRING(0, "symfs", "DIR", &a->out.symfs,
		       "look for the recorded files under DIR (DIR/path, then\nDIR/name) before "
		       "debuginfod; only a file with the\nbuild ID recorded names code"),
	    OPT_END,
	};
	int first;

	a->out.top = -1;
	a->out.keep_exited = -1;
	a->out.arch = -1;
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

static int run(struct report_args *a)
{
	struct pft_report *rep = NULL;
	struct pft_aspace *as = NULL;
	int ret = EXIT_FAIL, r;
	json_t *doc;

	/* an output that cannot be written is said before the input is read */
	if (out_check_files(&a->out, NULL) < 0)
		return EXIT_FAIL;
	r = out_report_files(&a->out, a->files, a->nr_files, true, &rep, &as);
	if (r != 0) { /* r > 0: the reader went away, nothing of ours failed */
		ret = r > 0 ? EXIT_OK : EXIT_FAIL;
		goto out;
	}
	if (out_finish(&a->out, rep, true) < 0)
		goto out;
	out_symbol_warnings(&a->out);
	ret = EXIT_OK;
	if (a->out.gates.n) {
		doc = pft_report_json(rep);
		ret = doc ? out_gates(&a->out.gates, doc, rep) : EXIT_FAIL;
		json_decref(doc);
	}
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
