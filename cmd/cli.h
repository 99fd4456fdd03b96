/* SPDX-License-Identifier: MIT */
/* What the subcommands share: output options, --maps, messages. */
#ifndef PFT_CLI_H
#define PFT_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include "../lib/pftrace.h"

#define EXIT_OK	   0
#define EXIT_FAIL  1
#define EXIT_USAGE 2

int cmd_report(int argc, char **argv);
int cmd_record(int argc, char **argv);

/* Options that shape the analysis and its output, the same for report and record. */
struct out_opts {
	bool json, jsonl;
	enum pft_by by;
	int top; /* -1: not given */
	int *pids;
	size_t nr_pids;
	bool kernel;
	struct maps_arg {
		int pid; /* -1: every pid */
		const char *path;
	} * maps;
	size_t nr_maps;
};

/* Option letters/longs of out_opts shared by report and record, for getopt_long tables;
 * report adds -p/--pid (a filter) and -m/--maps, which out_opt handles too. */
#define OUT_SHORTOPTS "jb:n:k"
#define OUT_LONGOPTS                                                                               \
	{"json", no_argument, NULL, 'j'}, {"jsonl", no_argument, NULL, 'J'},                       \
	    {"by", required_argument, NULL, 'b'}, {"top", required_argument, NULL, 'n'},           \
	{                                                                                          \
		"kernel", no_argument, NULL, 'k'                                                   \
	}

/* Handles one out_opts option; 1 if it was one, 0 if not, -1 (message printed) if bad. */
int out_opt(struct out_opts *o, int c, const char *arg);
/* -1 and a message if the combination is wrong. */
int out_check(const struct out_opts *o);
void out_free(struct out_opts *o);

/* Loads the --maps files into as and sets the /proc resolver when none was given. */
int out_maps(const struct out_opts *o, struct pft_aspace *as);
/* The report options for the library. */
struct pft_report_opts out_report_opts(const struct out_opts *o);
/* Writes the final report: table or JSON on stdout (nothing with --jsonl), warnings on stderr. */
int out_finish(const struct out_opts *o, const struct pft_report *rep);
/* Prints one fault as a JSON line. -1 on a write error (EPIPE included). */
int out_jsonl(const struct pft_fault *f);
/* The same as a pft_fault_sink. */
int out_jsonl_sink(void *data, const struct pft_fault *f);
/* Warns about what a source skipped or lost. */
void out_source_warnings(const struct pft_source *src);
/* Gives rep the kernel's counters per process that src has. -1 (said) on ENOMEM. */
int out_counters(struct pft_source *src, struct pft_report *rep);

/* Appends the pids of "PID[,PID...]" to *pids (realloc'ed, caller frees); -1 and a message if
 * one is not a pid. */
int parse_pids(const char *arg, int **pids, size_t *n);
/* Whole-number argument in [min, max]; -1 and a message if not. */
int parse_int(const char *what, const char *s, long min, long max, long *out);

#endif
