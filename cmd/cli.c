/* SPDX-License-Identifier: MIT */
/* Option handling and output shared by report and record. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

/* Appends the pids of "PID[,PID...]" to l (realloc'ed, caller frees); -1 and a message if one
 * is not a pid. */
static int parse_pids(const char *what, const char *arg, struct pidlist *l)
{
	char *copy = strdup(arg), *tok, *save = NULL, *end;
	int ret = copy ? 0 : -1;

	for (tok = copy ? strtok_r(copy, ",", &save) : NULL; tok;
	     tok = strtok_r(NULL, ",", &save)) {
		long v;
		int *p;

		errno = 0;
		v = strtol(tok, &end, 10);
		if (errno || end == tok || *end || v < 1 || v > INT32_MAX) {
			fprintf(stderr, "pftrace: %s '%s': not a whole number from 1 to %d\n", what,
				tok, INT32_MAX);
			ret = -1;
			break;
		}
		if (!(p = realloc(l->v, (l->n + 1) * sizeof(*p)))) {
			ret = -1;
			break;
		}
		l->v = p;
		l->v[l->n++] = (int)v;
	}
	free(copy);
	return ret;
}

int opt_pids(const struct opt *o, const char *arg)
{
	return parse_pids("--pid", arg, o->value);
}

/* "FILE" or "PID=FILE" */
int opt_maps(const struct opt *o, const char *arg)
{
	struct out_opts *out = o->value;
	const char *eq = strchr(arg, '=');
	struct maps_arg *m = realloc(out->maps, (out->nr_maps + 1) * sizeof(*m));
	char *end;
	long pid = -1;

	if (!m)
		return -1;
	out->maps = m;
	if (eq && eq > arg && strspn(arg, "0123456789") == (size_t)(eq - arg)) {
		errno = 0;
		pid = strtol(arg, &end, 10);
		if (errno || end != eq || pid < 1 || pid > INT32_MAX) {
			fprintf(stderr, "pftrace: --maps '%s': not a pid before '='\n", arg);
			return -1;
		}
		arg = eq + 1;
	}
	out->maps[out->nr_maps++] = (struct maps_arg){(int)pid, arg};
	return 0;
}

int opt_weight(const struct opt *o, const char *arg)
{
	struct out_opts *out = o->value;

	if (strcmp(arg, "faults") && strcmp(arg, "ns")) {
		fprintf(stderr, "pftrace: --weight '%s': use faults or ns\n", arg);
		return -1;
	}
	out->weight_ns = !strcmp(arg, "ns");
	return 0;
}

int opt_by(const struct opt *o, const char *arg)
{
	struct out_opts *out = o->value;
	int by = pft_by_parse(arg);

	if (by < 0) {
		fprintf(stderr,
			"pftrace: --by '%s': use vma, file, page, ip, sym, tid, pid, comm, "
			"cgroup, kind, path or cause\n",
			arg);
		return -1;
	}
	out->by = (enum pft_by)by;
	out->by_given = true;
	return 0;
}

int opt_arch(const struct opt *o, const char *arg)
{
	struct out_opts *out = o->value;

	if ((out->arch = pft_arch_of(arg)) < 0) {
		fprintf(stderr, "pftrace: --arch '%s': use x86 (x86_64) or riscv (riscv64)\n", arg);
		return -1;
	}
	return 0;
}

int opt_source(const struct opt *o, const char *arg)
{
	static const char *const names[] = {
	    [PFT_FAULTS_AUTO] = "auto", [PFT_FAULTS_TRACEPOINT] = "tracefs",
	    [PFT_FAULTS_PERF] = "perf"};
	int *source = o->value, i;

	for (i = 0; i < (int)(sizeof(names) / sizeof(names[0])); i++)
		if (!strcmp(arg, names[i])) {
			*source = i;
			return 0;
		}
	fprintf(stderr, "pftrace: --source '%s': use auto, tracefs or perf\n", arg);
	return -1;
}

/* ---------------------------------------------------------------- sinks */

static int write_table(const struct pft_report *rep, FILE *out)
{
	return pft_render_table(rep, out);
}

static int write_json(const struct pft_report *rep, FILE *out)
{
	return pft_report_write_json(rep, out);
}

static int write_folded(const struct pft_report *rep, FILE *out)
{
	return pft_report_write_folded(rep, out);
}

static int write_flamegraph(const struct pft_report *rep, FILE *out)
{
	return pft_report_write_flamegraph(rep, out);
}

static int write_heatmap(const struct pft_report *rep, FILE *out)
{
	return pft_report_write_heatmap(rep, out);
}

static int write_markdown(const struct pft_report *rep, FILE *out)
{
	return pft_render_markdown(rep, out);
}

/* the faults went out one by one */
static int flush_lines(const struct pft_report *rep, FILE *out)
{
	(void)rep;
	return fflush(out) == EOF ? -1 : 0;
}

int out_jsonl(void *data, const struct pft_fault *f)
{
	json_t *o = pft_fault_json(f);
	int r;

	(void)data;
	if (!o)
		return -1;
	r = json_dumpf(o, stdout, JSON_COMPACT);
	json_decref(o);
	if (r < 0 || putchar('\n') == EOF)
		return -1;
	return 0;
}

/* Every output a report can have: a new one is an entry here and its option. */
static const struct sink {
	const char *option;   /* for messages */
	const char *format;   /* its --format name (standard output), or NULL */
	bool to_file;	      /* written to the file its option names (else standard output) */
	bool names_code;      /* shows the code that faults: needs a symbolizer */
	bool stacks;	      /* draws the tree of call stacks */
	bool points;	      /* draws each fault's time and address */
	pft_fault_sink fault; /* each fault as it completes, or NULL */
	int (*finish)(const struct pft_report *rep, FILE *out);
} sinks[NR_SINKS] = {
    [SINK_TABLE] = {"(table)", "table", false, false, false, false, NULL, write_table},
    [SINK_JSON] = {"--json", "json", false, false, false, false, NULL, write_json},
    [SINK_JSONL] = {"--jsonl", "jsonl", false, true, false, false, out_jsonl, flush_lines},
    [SINK_FOLDED] = {"--folded", "folded", false, true, true, false, NULL, write_folded},
    [SINK_MARKDOWN] = {"--format markdown", "markdown", false, false, false, false, NULL,
		       write_markdown},
    [SINK_FLAMEGRAPH] = {"--flamegraph", NULL, true, true, true, false, NULL, write_flamegraph},
    [SINK_HEATMAP] = {"--heatmap", NULL, true, false, false, true, NULL, write_heatmap},
};

int opt_format(const struct opt *o, const char *arg)
{
	struct opt as_sink = *o;
	int id;

	for (id = 0; id < NR_SINKS; id++)
		if (sinks[id].format && !strcmp(sinks[id].format, arg)) {
			as_sink.min = id;
			return opt_sink(&as_sink, NULL);
		}
	fprintf(stderr, "pftrace: --format '%s': use table, json, jsonl, folded or markdown\n",
		arg);
	return -1;
}

int opt_fail_if(const struct opt *o, const char *arg)
{
	struct gates *g = o->value;
	char err[256];
	struct pft_gate *gate = pft_gate_parse(arg, err, sizeof(err)), **v;

	if (!gate) {
		fprintf(stderr, "pftrace: --fail-if '%s': %s\n", arg, err);
		return -1;
	}
	v = realloc(g->v, (g->n + 1) * sizeof(*g->v));
	if (!v) {
		pft_gate_free(gate);
		fprintf(stderr, "pftrace: %s\n", strerror(errno));
		return -1;
	}
	g->v = v;
	g->v[g->n++] = gate;
	return 0;
}

unsigned int out_gate_tables(const struct gates *g)
{
	unsigned int mask = 0;
	size_t i;

	for (i = 0; i < g->n; i++)
		if (pft_gate_table(g->v[i]) >= 0)
			mask |= 1u << pft_gate_table(g->v[i]);
	return mask;
}

int out_gates(const struct gates *g, const json_t *doc, const struct pft_report *rep)
{
	int ret = 0, r;
	size_t i;

	for (i = 0; i < g->n; i++) {
		int table = pft_gate_table(g->v[i]);
		json_t *rows = NULL;
		char err[512];
		double v, pct;

		if (table >= 0)
			rows = rep ? pft_report_rows(rep, (enum pft_by)table)
				   : json_incref(json_object_get(doc, "rows"));
		if (table >= 0 && !rep &&
		    strcmp(json_string_value(json_object_get(doc, "by")), pft_by_name(table))) {
			fprintf(stderr,
				"pftrace: fail-if '%s': a diff by %s has no %s rows (--by %s)\n",
				pft_gate_text(g->v[i]),
				json_string_value(json_object_get(doc, "by")), pft_by_name(table),
				pft_by_name(table));
			json_decref(rows);
			ret = EXIT_FAIL;
			continue;
		}
		r = pft_gate_eval(g->v[i], doc, rows, &v, &pct, err, sizeof(err));
		json_decref(rows);
		if (*err) { /* the message may quote a row's key: escaped */
			char line[1024];

			snprintf(line, sizeof(line), "fail-if '%s': %s", pft_gate_text(g->v[i]),
				 err);
			out_say(line);
		}
		if (r < 0) {
			ret = EXIT_FAIL;
			continue;
		}
		if (r > 0) {
			/* a diff's values are changes (signed), with their share of OLD's */
			const char *unit = pft_gate_unit(g->v[i]);

			if (json_object_get(doc, "delta"))
				fprintf(stderr, "pftrace: fail-if '%s': %s = %+g%s (%+.1f%%)\n",
					pft_gate_text(g->v[i]), pft_gate_metric(g->v[i]), v, unit,
					pct);
			else if (pft_gate_pct(g->v[i]))
				fprintf(stderr, "pftrace: fail-if '%s': %s = %.2f%% (%g%s)\n",
					pft_gate_text(g->v[i]), pft_gate_metric(g->v[i]), pct, v,
					unit);
			else
				fprintf(stderr, "pftrace: fail-if '%s': %s = %g%s\n",
					pft_gate_text(g->v[i]), pft_gate_metric(g->v[i]), v, unit);
			if (ret != EXIT_FAIL)
				ret = EXIT_GATE;
		}
	}
	return ret;
}

void gates_free(struct gates *g)
{
	size_t i;

	for (i = 0; i < g->n; i++)
		pft_gate_free(g->v[i]);
	free(g->v);
	g->v = NULL;
	g->n = 0;
}

int opt_sink(const struct opt *o, const char *arg)
{
	struct out_opts *out = o->value;
	enum sink_id id = (enum sink_id)o->min;

	if (sinks[id].to_file) {
		out->file[id] = arg;
		return 0;
	}
	if (out->out != SINK_TABLE && out->out != id) {
		fprintf(stderr, "pftrace: %s and %s exclude each other (one goes to stdout)\n",
			sinks[out->out].option, sinks[id].option);
		return -1;
	}
	out->out = id;
	return 0;
}

pft_fault_sink out_fault_sink(const struct out_opts *o)
{
	return sinks[o->out].fault;
}

void out_stream(const struct out_opts *o, struct pft_report *rep)
{
	if (sinks[o->out].fault)
		pft_report_set_sink(rep, sinks[o->out].fault, NULL);
}

void out_cannot_write(const char *path, const char *why)
{
	fprintf(stderr, "pftrace: cannot write '%s': %s\n", path, why ? why : strerror(errno));
}

int out_check_files(const struct out_opts *o, const char *also)
{
	const char *why;
	int id;

	for (id = 0; id <= NR_SINKS; id++) {
		const char *path = id < NR_SINKS ? o->file[id] : also;

		if (path && pft_outfile_check(path, &why) < 0) {
			out_cannot_write(path, why);
			return -1;
		}
	}
	return 0;
}

int out_finish(const struct out_opts *o, const struct pft_report *rep, bool to_stdout)
{
	int id;

	for (id = 0; id < NR_SINKS; id++) {
		struct pft_outfile *f;
		const char *why;

		if (!o->file[id])
			continue;
		/* what standard output holds goes first: the file may be it (/dev/stdout) */
		fflush(stdout);
		if (!(f = pft_outfile_open(o->file[id], 0666, &why))) {
			out_cannot_write(o->file[id], why);
			return -1;
		}
		if (sinks[id].finish(rep, pft_outfile_file(f)) < 0) {
			pft_outfile_abort(f);
			out_cannot_write(o->file[id], NULL);
			return -1;
		}
		if (pft_outfile_commit(f) < 0) {
			out_cannot_write(o->file[id], NULL);
			return -1;
		}
	}
	if (to_stdout && sinks[o->out].finish(rep, stdout) < 0 && errno != EPIPE) {
		fprintf(stderr, "pftrace: cannot write the report: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

int out_syms(struct out_opts *o)
{
	unsigned int gated = out_gate_tables(&o->gates);
	bool need = o->by == PFT_BY_IP || o->by == PFT_BY_SYM || sinks[o->out].names_code ||
		    (gated & (1u << PFT_BY_IP | 1u << PFT_BY_SYM));
	int id;

	for (id = 0; id < NR_SINKS; id++)
		need |= o->file[id] && sinks[id].names_code;
	if (!need || o->syms) /* (top names code whatever it shows) */
		return 0;
	o->syms = pft_syms_new(o->symfs);
	if (!o->syms) {
		fprintf(stderr, "pftrace: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

void out_symbol_warnings(const struct out_opts *o)
{
	const struct pft_syms_stats *st = o->syms ? pft_syms_stats(o->syms) : NULL;

	/* the table's summary says it */
	if (!st || (!st->missing && !st->mismatched && !st->unreadable && !st->not_regular) ||
	    o->out == SINK_TABLE)
		return;
	fprintf(stderr,
		"pftrace: symbols: %" PRIu64 " file%s missing, %" PRIu64 " build-id mismatch%s",
		st->missing, st->missing == 1 ? "" : "s", st->mismatched,
		st->mismatched == 1 ? "" : "es");
	if (st->unreadable)
		fprintf(stderr, ", %" PRIu64 " not readable", st->unreadable);
	if (st->not_regular)
		fprintf(stderr, ", %" PRIu64 " not regular files (not opened)", st->not_regular);
	fprintf(stderr, " (shown as file+offset%s)\n", o->symfs ? "" : "; see --symfs");
}

void out_free(struct out_opts *o)
{
	pft_syms_free(o->syms);
	gates_free(&o->gates);
	free(o->pids.v);
	free(o->maps);
}

void out_say(const char *msg)
{
	fputs("pftrace: ", stderr);
	pft_put_text(stderr, msg, PFT_TEXT_TERM, 0);
	fputc('\n', stderr);
}

static void warn_skipped(const char *name, const char *what, const struct pft_skipped *sk)
{
	if (!sk->count)
		return;
	fprintf(stderr, "pftrace: %s: skipped %" PRIu64 " %s (first: line %" PRIu64 ": ", name,
		sk->count, what, sk->first_line);
	pft_put_text(stderr, sk->first_text, PFT_TEXT_TERM, 0);
	fputs(")\n", stderr);
}

/* Without --maps: today's /proc/PID/maps, for a pid that is alive and still runs the comm the
 * trace shows (a pid from another machine or an old trace is someone else now). */
static int live_snapshot(void *data, struct pft_aspace *as, int pid, const char *comm)
{
	char now[64];
	struct pft_maps *m;

	(void)data;
	if (pft_proc_comm(pid, now, sizeof(now)) < 0)
		return -1;
	if (strcmp(now, comm)) {
		fprintf(stderr, "pftrace: pid %d is alive but runs '", pid);
		pft_put_text(stderr, now, PFT_TEXT_TERM, 0);
		fputs("', not '", stderr);
		pft_put_text(stderr, comm, PFT_TEXT_TERM, 0);
		fputs("' as in the trace: its maps are not used\n", stderr);
		return -1;
	}
	m = pft_maps_load_pid(pid);
	if (!m)
		return -1;
	fprintf(stderr, "pftrace: no --maps: using today's /proc/%d/maps (", pid);
	pft_put_text(stderr, comm, PFT_TEXT_TERM, 0);
	fputs("), not the maps at trace time\n", stderr);
	return pft_aspace_add_snapshot(as, pid, PFT_NO_TS, m, NULL) < 0 ? -1 : 0;
}

static int live_tgid(void *data, int tid, const char *comm)
{
	char now[64];

	(void)data;
	if (pft_proc_comm(tid, now, sizeof(now)) < 0 || strcmp(now, comm))
		return -1;
	return pft_proc_tgid(tid);
}

int out_maps(const struct out_opts *o, struct pft_aspace *as)
{
	static const struct pft_resolver live = {live_tgid, live_snapshot, false, NULL};
	size_t i;

	for (i = 0; i < o->nr_maps; i++) {
		struct pft_skipped sk = {0};
		struct pft_maps *m = pft_maps_load_path(o->maps[i].path, &sk);

		if (!m && errno == EINVAL) {
			fprintf(stderr, "pftrace: '%s': not a maps file (line %" PRIu64 ": ",
				o->maps[i].path, sk.first_line);
			pft_put_text(stderr, sk.first_text, PFT_TEXT_TERM, 0);
			fputs(")\n", stderr);
			return -1;
		}
		/* what `cat /proc/PID/maps` gives once the process is gone: every fault would be
		 * no-vma */
		if (m && !pft_maps_count(m)) {
			fprintf(stderr,
				"pftrace: '%s': empty maps file (was the process gone when it was "
				"saved?)\n",
				o->maps[i].path);
			pft_maps_free(m);
			return -1;
		}
		if (!m) {
			fprintf(stderr, "pftrace: cannot read maps '%s': %s\n", o->maps[i].path,
				strerror(errno));
			return -1;
		}
		warn_skipped(o->maps[i].path, "maps lines", &sk);
		if (pft_aspace_set_maps(as, o->maps[i].pid, m) < 0) {
			fprintf(stderr, "pftrace: %s\n", strerror(errno));
			return -1;
		}
	}
	if (!o->nr_maps)
		pft_aspace_set_resolver(as, &live);
	return 0;
}

/* Exited processes whose areas are kept apart unless told (--keep-exited): a build's, a test
 * run's; a server's day folds. */
#define KEEP_EXITED 1000

struct pft_report_opts out_report_opts(const struct out_opts *o)
{
	/* the table shows 20 rows unless told; JSON carries every row unless told */
	int top = o->top >= 0 ? o->top : o->out == SINK_JSON ? 0 : 20;

	struct pft_report_opts ro = {o->by,	top,   o->pids.v, o->pids.n,
				     o->kernel, false, false,	  false};
	int id;

	for (id = 0; id < NR_SINKS; id++) {
		bool used = o->out == (enum sink_id)id || o->file[id];

		ro.stack_tree |= used && sinks[id].stacks;
		ro.heatmap |= used && sinks[id].points;
	}
	/* the per-fault sink shows each fault's stack */
	ro.stacks = ro.stack_tree || sinks[o->out].fault;
	ro.tables = out_gate_tables(&o->gates);
	ro.weight_ns = o->weight_ns;
	ro.fold_exited = true;
	ro.keep_exited = o->keep_exited >= 0 ? (size_t)o->keep_exited : KEEP_EXITED;
	return ro;
}

int out_arch(const struct out_opts *o, const struct pft_source *src, struct pft_report *rep)
{
	const char *machine = pft_source_stats(src)->machine;
	int arch = o->arch;
	char msg[256];

	if (arch < 0 && machine && (arch = pft_arch_of(machine)) < 0) {
		snprintf(msg, sizeof(msg),
			 "'%s': recorded on %s, whose error_code pftrace cannot read (--arch x86 or "
			 "riscv says how to)",
			 pft_source_name(src), machine);
		out_say(msg);
		return -1;
	}
	pft_report_set_arch(rep, arch < 0 ? PFT_ARCH_X86 : (enum pft_arch)arch);
	return 0;
}

void out_source_warnings(const struct pft_source *src)
{
	const struct pft_source_stats *st = pft_source_stats(src);
	const char *name = pft_source_name(src);

	warn_skipped(name, "malformed page-fault lines", &st->malformed);
	warn_skipped(name, "unrecognized lines", &st->unrecognized);
	if (st->lost_events > 0)
		fprintf(stderr, "pftrace: %s: %" PRId64 " events were lost by the tracer%s\n", name,
			st->lost_events,
			strcmp(st->format, "live") ? "" : ": try a larger --buffer-kb");
	if (st->lost_completions)
		fprintf(stderr, "pftrace: %s: %" PRIu64 " fault completions were lost: %s%s\n", name,
			st->lost_completions,
			st->major_only ? "as many faults counted minor may have been major"
				       : "those faults have no major/minor verdict (nor stack)",
			strcmp(st->format, "live") ? "" : "; try a larger --perf-buffer-kb");
	if (st->lost_sideband)
		fprintf(stderr,
			"pftrace: %s: %" PRIu64 " mapping records were lost: some maps may be "
			"wrong (see maps checks)\n",
			name, st->lost_sideband);
	if (st->own_faults >= 0)
		fprintf(stderr, "pftrace: %s: pftrace's own %" PRId64 " faults were left out (-a)\n",
			name, st->own_faults);
	if (st->bad_pages)
		fprintf(stderr,
			"pftrace: %s: %" PRIu64 " ring-buffer pages were malformed: their events "
			"are lost\n",
			name, st->bad_pages);
	if (st->told_twice)
		fprintf(stderr,
			"pftrace: %s: %" PRIu64 " perf records of threads made while the events "
			"were being opened came twice (inherited, and their own): taken once\n",
			name, st->told_twice);
}

static int add_counters(void *data, int pid, uint64_t min_flt, uint64_t maj_flt)
{
	return pft_report_process_counters(data, pid, min_flt, maj_flt);
}

int out_counters(struct pft_source *src, struct pft_report *rep)
{
	if (pft_source_counters(src, add_counters, rep) >= 0)
		return 0;
	fprintf(stderr, "pftrace: %s\n", strerror(errno));
	return -1;
}

/* ---------------------------------------------------------------- reading traces */

static void open_error(const char *path)
{
	if (errno == EBADMSG)
		fprintf(stderr, "pftrace: '%s': not a readable trace.dat (truncated or corrupt)\n",
			path);
	else if (errno == ENOTSUP)
		fprintf(stderr,
			"pftrace: '%s': a trace.dat pftrace cannot read (compressed with other "
			"than zstd, or a 32-bit kernel's)\n",
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
	if (!st->events && !st->malformed.count && !st->trace_header)
		return "no trace line found (only blank lines and comments): not an ftrace text "
		       "trace";
	return NULL;
}

static int run_one(struct pft_report *rep, struct pft_aspace *as, const struct out_opts *o,
		   const char *path)
{
	struct pft_syms *syms = o->syms;
	struct pft_source *src = pft_source_open(path);
	const char *why;
	struct pft_event ev;
	bool adding = false;
	int r, ret = -1;

	if (!src) {
		open_error(path);
		return -1;
	}
	if (pft_source_prepare(src, as, syms) < 0) {
		fprintf(stderr, "pftrace: %s\n", strerror(errno));
		goto out;
	}
	if (o->weight_ns &&
	    (!pft_source_stats(src)->completions || pft_source_stats(src)->major_only)) {
		fprintf(stderr,
			"pftrace: '%s': --weight ns needs every fault's latency: record with "
			"--latency or --why\n",
			pft_source_name(src));
		goto out;
	}
	if (out_arch(o, src, rep) < 0)
		goto out;
	if (pft_source_stats(src)->completions)
		pft_report_expect_completions(rep, pft_source_stats(src)->major_only);
	if (pft_source_stats(src)->why)
		pft_report_expect_why(rep, pft_source_stats(src)->why_full);
	while ((r = pft_source_next(src, &ev)) > 0)
		if ((r = pft_report_add(rep, &ev)) < 0) {
			adding = true; /* where faults go out (--jsonl): writing, not reading */
			break;
		}
	if (r < 0 && errno == EPIPE) {
		/* a closed pipe (head, jq -n) ends the run: not an error of ours */
		ret = 1;
		goto out;
	}
	if (r < 0) {
		if (adding)
			fprintf(stderr, "pftrace: cannot write the report: %s\n", strerror(errno));
		else
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

int out_report_files(struct out_opts *o, char *const *files, int n, bool stream,
		     struct pft_report **rep, struct pft_aspace **as)
{
	struct pft_report_opts ro;
	int i, r;

	*rep = NULL;
	*as = pft_aspace_new();
	if (!*as) {
		fprintf(stderr, "pftrace: %s\n", strerror(errno));
		return -1;
	}
	if (out_maps(o, *as) < 0 || out_syms(o) < 0)
		return -1;
	ro = out_report_opts(o);
	*rep = pft_report_new(&ro, *as);
	if (!*rep) {
		fprintf(stderr, "pftrace: %s\n", strerror(errno));
		return -1;
	}
	pft_report_set_syms(*rep, o->syms);
	if (stream)
		out_stream(o, *rep);
	for (i = 0; i < n; i++) {
		r = run_one(*rep, *as, o, files[i]);
		if (r != 0)
			return r;
	}
	if (pft_report_finish(*rep) < 0) {
		if (errno == EPIPE)
			return 1; /* the reader went away: nothing of ours failed */
		fprintf(stderr, "pftrace: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}
