/* SPDX-License-Identifier: MIT */
/* What the subcommands share: output options and sinks, --maps, messages. */
#ifndef PFT_CLI_H
#define PFT_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "../lib/pftrace.h"
#include "opts.h"

#define EXIT_OK	   0
#define EXIT_FAIL  1
#define EXIT_USAGE 2
#define EXIT_GATE  3 /* a --fail-if condition held */

int cmd_report(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_top(int argc, char **argv);

/* Where a report goes: one of the standard-output sinks (the table unless told), and files. */
enum sink_id {
	SINK_TABLE,
	SINK_JSON,
	SINK_JSONL,
	SINK_FOLDED,
	SINK_MARKDOWN,
	SINK_FLAMEGRAPH,
	SINK_HEATMAP,
	NR_SINKS,
};

/* --fail-if EXPR, repeatable. */
struct gates {
	struct pft_gate **v;
	size_t n;
};

/* -p PID[,PID...], repeatable. */
struct pidlist {
	int *v;
	size_t n;
};

struct maps_arg {
	int pid; /* -1: every pid */
	const char *path;
};

struct top;
/* Options that shape the analysis and its output, the same for report and record. */
struct out_opts {
	enum sink_id out;	    /* on standard output */
	const char *file[NR_SINKS]; /* the file sinks asked for: their paths */
	enum pft_by by;
	bool by_given;	     /* --by was given (record -a groups by process otherwise) */
	int top;	     /* -1: not given */
	struct pidlist pids; /* report --pid: only these */
	bool kernel;
	struct maps_arg *maps;
	size_t nr_maps;
	const char *symfs;     /* report --symfs */
	struct pft_syms *syms; /* out_syms: when the output names code */
	struct gates gates;
	bool weight_ns; /* --weight ns */
	int arch;	/* report --arch: how error_codes read (enum pft_arch); -1: as the input says */
	int keep_exited; /* --keep-exited: -1 not given */
};

int opt_by(const struct opt *o, const char *arg);
int opt_sink(const struct opt *o, const char *arg);    /* value: struct out_opts *; min: the sink */
int opt_pids(const struct opt *o, const char *arg);    /* value: struct pidlist * */
int opt_maps(const struct opt *o, const char *arg);    /* value: struct out_opts * */
int opt_format(const struct opt *o, const char *arg);  /* value: struct out_opts * */
int opt_fail_if(const struct opt *o, const char *arg); /* value: struct gates * */
int opt_weight(const struct opt *o, const char *arg);  /* value: struct out_opts * */
int opt_arch(const struct opt *o, const char *arg);   /* value: struct out_opts * */
int opt_source(const struct opt *o, const char *arg); /* value: int * (pft_fault_source) */

/* A sink as a command-line option. */
#define OPT_SINK(s, l, a, o, id, h)                                                                \
	{                                                                                          \
		(s), (l), (a), (h), opt_sink, (o), (id), 0                                         \
	}

/* The options of out_opts that report and record share. */
#define OUT_OPTIONS(o)                                                                             \
	OPT_CALL('b', "by", "KEY", opt_by, (o),                                                    \
		 "group by vma (default: memory areas), file, page, ip,\nsym (function), tid, "    \
		 "pid, comm (program), cgroup, kind, path\nor cause (--why)"),                     \
	    OPT_INT('n', "top", "N", &(o)->top, 0, INT32_MAX,                                      \
		    "rows to show (table: 20; JSON: all; 0 = all)"),                               \
	    OPT_FLAG('k', "kernel", &(o)->kernel,                                                  \
		     "also the kernel's faults on kernel addresses (those\non the program's "      \
		     "memory are always in)"),                                                     \
	    OPT_SINK('j', "json", NULL, (o), SINK_JSON, "one JSON document on stdout"),            \
	    OPT_SINK(0, "jsonl", NULL, (o), SINK_JSONL,                                            \
		     "one JSON object per fault on stdout, as they come"),                         \
	    OPT_SINK(0, "folded", NULL, (o), SINK_FOLDED,                                          \
		     "the call stacks, folded (flamegraph.pl, inferno,\nspeedscope) on stdout"),   \
	    OPT_SINK(0, "flamegraph", "FILE", (o), SINK_FLAMEGRAPH,                                \
		     "the call stacks as a flame graph: a self-contained SVG"),                    \
	    OPT_SINK(0, "heatmap", "FILE", (o), SINK_HEATMAP,                                      \
		     "address x time, coloured by faults: a self-contained SVG"),                  \
	    OPT_CALL(0, "weight", "faults|ns", opt_weight, (o),                                    \
		     "what the flame graph, folded stacks and heatmap\nweigh: faults (the "          \
		     "default) or ns, each fault's\nlatency (needs every fault's: --latency, --why)"), \
	    OPT_INT(0, "keep-exited", "N", &(o)->keep_exited, 0, INT32_MAX,                         \
		    "the last N exited processes keep their own memory\nareas (default 1000); "     \
		    "older ones fold into a row\nper program and area: memory bounded by what "      \
		    "is alive"),                                                                   \
	    OPT_CALL(0, "format", "FMT", opt_format, (o),                                          \
		     "stdout as table (default), json, jsonl, folded or\nmarkdown (a CI job's "    \
		     "summary page)"),                                                             \
	    OPT_CALL(                                                                              \
		0, "fail-if", "EXPR", opt_fail_if, &(o)->gates,                                    \
		"exit 3 if EXPR holds, e.g. 'major > 100',\n'sym:load_config.faults >= 1e4', "     \
		"'no-vma > 1%',\n'reclaim > 10ms' (repeatable)")

/* Frees what the options hold (the symbolizer too: after the report that borrows it). */
void out_free(struct out_opts *o);
/* Makes o->syms when the output names code (--by ip/sym, --jsonl...). -1 after a message. */
int out_syms(struct out_opts *o);
/* "symbols: 3 files missing, 1 build-id mismatch" on stderr, when some were. */
void out_symbol_warnings(const struct out_opts *o);

/* Loads the --maps files into as and sets the /proc resolver when none was given. */
int out_maps(const struct out_opts *o, struct pft_aspace *as);
/* The report options for the library. */
struct pft_report_opts out_report_opts(const struct out_opts *o);
/* Sets rep's per-fault sink (for the sinks that stream faults). */
void out_stream(const struct out_opts *o, struct pft_report *rep);
/* The per-fault function of the standard-output sink, or NULL if it does not stream. */
pft_fault_sink out_fault_sink(const struct out_opts *o);
/* Prints one fault as a JSON line (the per-fault sink of --jsonl). -1 on a write error (EPIPE
 * included). */
int out_jsonl(void *data, const struct pft_fault *f);
/* "pftrace: cannot write 'PATH': WHY" (errno's text without a why). */
void out_cannot_write(const char *path, const char *why);
/* Checks, before any work, that every output file (the file sinks, and also if not NULL) can
 * be written: 0, or -1 after a message. */
int out_check_files(const struct out_opts *o, const char *also);
/* Writes the final report to every sink: its files, and (if to_stdout) its table, JSON... on
 * stdout; warnings on stderr. -1 after a message. */
int out_finish(const struct out_opts *o, const struct pft_report *rep, bool to_stdout);
/* Reads files into a new report made with o (o->syms made when the output names code), the
 * faults streaming to the per-fault sink if stream. 0; 1 when the reader of stdout went away
 * (nothing failed); -1 after a message. The caller frees *rep, then *as. */
int out_report_files(struct out_opts *o, char *const *files, int n, bool stream,
		     struct pft_report **rep, struct pft_aspace **as);
/* The tables the gates read rows of (pft_report_opts.tables). */
unsigned int out_gate_tables(const struct gates *g);
/* Holds every gate against doc (a report's or a diff's), rows from rep (a report) or the diff's
 * own: a line on stderr for each that holds. EXIT_GATE if one held, 0 if none, EXIT_FAIL if one
 * could not be decided (said). */
int out_gates(const struct gates *g, const json_t *doc, const struct pft_report *rep);
void gates_free(struct gates *g);

/* "pftrace: MSG" on stderr, MSG escaped for a terminal: the library's messages quote comms and
 * paths that traced processes chose. */
void out_say(const char *msg);

/* Warns about what a source skipped or lost. */
void out_source_warnings(const struct pft_source *src);
/* Gives rep the kernel's counters per process that src has. -1 (said) on ENOMEM. */
int out_counters(struct pft_source *src, struct pft_report *rep);
/* How src's error_codes read: --arch, else the machine it was recorded on, else x86's (text
 * does not say). -1 (said) for a machine whose error_code pftrace cannot read. */
int out_arch(const struct out_opts *o, const struct pft_source *src, struct pft_report *rep);

/* ---------------------------------------------------------------- record, and top */

/* What record (and top, a view of the same recording) is asked. */
struct record_args {
	struct out_opts out;
	struct pidlist targets;
	char **argv; /* -- COMMAND */
	double duration;
	long buffer_kb, perf_buffer_kb;
	const char *output;
	const char *cgroup; /* --cgroup as given */
	char *cgroup_dir;   /* the directory it names */
	bool all, quiet, no_history, no_major, latency;
	int pidns; /* --pidns: a process of the namespace -p's pids are of */
	int source; /* enum pft_fault_source */
	int why; /* 1, or PFT_WHY_FULL */
	unsigned int stacks; /* PFT_STACKS_* */
	struct top *top; /* pftrace top: its view of the recording, instead of a report */
};

/* The scope's rules (one of -p, COMMAND, -a, --cgroup; what goes with what), after parsing:
 * 0, or -1 (said). */
int record_check(struct record_args *a);
/* --cgroup and --pidns resolved, then the recording to its end: the exit status. */
int record_main(struct record_args *a);

/* top.c: pftrace top's view, fed by the recording. */
int top_fault(struct top *t, const struct pft_fault *f);
/* Each read of the buffers: a frame when an interval is over; keys read (q stops rec). */
int top_tick(struct top *t, struct pft_record *rec);
/* The recording ended: the last interval's frame. 0, or -1 (said). */
int top_end(struct top *t);

#endif
