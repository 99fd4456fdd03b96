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

int opt_by(const struct opt *o, const char *arg)
{
	struct out_opts *out = o->value;
	int by = pft_by_parse(arg);

	if (by < 0) {
		fprintf(stderr,
			"pftrace: --by '%s': use vma, file, page, ip, sym, tid, pid or kind\n",
			arg);
		return -1;
	}
	out->by = (enum pft_by)by;
	return 0;
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
	bool to_file;	      /* written to the file its option names (else standard output) */
	bool names_code;      /* shows the code that faults: needs a symbolizer */
	bool stacks;	      /* draws the tree of call stacks */
	pft_fault_sink fault; /* each fault as it completes, or NULL */
	int (*finish)(const struct pft_report *rep, FILE *out);
} sinks[NR_SINKS] = {
    [SINK_TABLE] = {"(table)", false, false, false, NULL, write_table},
    [SINK_JSON] = {"--json", false, false, false, NULL, write_json},
    [SINK_JSONL] = {"--jsonl", false, true, false, out_jsonl, flush_lines},
    [SINK_FOLDED] = {"--folded", false, true, true, NULL, write_folded},
    [SINK_FLAMEGRAPH] = {"--flamegraph", true, true, true, NULL, write_flamegraph},
};

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

int out_finish(const struct out_opts *o, const struct pft_report *rep, bool to_stdout)
{
	int id;

	for (id = 0; id < NR_SINKS; id++) {
		FILE *f;
		int r;

		if (!o->file[id])
			continue;
		if (!(f = fopen(o->file[id], "we"))) {
			fprintf(stderr, "pftrace: cannot write '%s': %s\n", o->file[id],
				strerror(errno));
			return -1;
		}
		r = sinks[id].finish(rep, f);
		if (fclose(f) == EOF || r < 0) {
			fprintf(stderr, "pftrace: cannot write '%s': %s\n", o->file[id],
				strerror(errno));
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
	bool need = o->by == PFT_BY_IP || o->by == PFT_BY_SYM || sinks[o->out].names_code;
	int id;

	for (id = 0; id < NR_SINKS; id++)
		need |= o->file[id] && sinks[id].names_code;
	if (!need)
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
	if (!st || (!st->missing && !st->mismatched) || o->out == SINK_TABLE)
		return;
	fprintf(stderr,
		"pftrace: symbols: %" PRIu64 " file%s missing, %" PRIu64
		" build-id mismatch%s (shown as file+offset%s)\n",
		st->missing, st->missing == 1 ? "" : "s", st->mismatched,
		st->mismatched == 1 ? "" : "es", o->symfs ? "" : "; see --symfs");
}

void out_free(struct out_opts *o)
{
	pft_syms_free(o->syms);
	free(o->pids.v);
	free(o->maps);
}

static void warn_skipped(const char *name, const char *what, const struct pft_skipped *sk)
{
	if (sk->count)
		fprintf(stderr,
			"pftrace: %s: skipped %" PRIu64 " %s (first: line %" PRIu64 ": %s)\n", name,
			sk->count, what, sk->first_line, sk->first_text);
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
		fprintf(stderr,
			"pftrace: pid %d is alive but runs '%s', not '%s' as in the trace: "
			"its maps are not used\n",
			pid, now, comm);
		return -1;
	}
	m = pft_maps_load_pid(pid);
	if (!m)
		return -1;
	fprintf(
	    stderr,
	    "pftrace: no --maps: using today's /proc/%d/maps (%s), not the maps at trace time\n",
	    pid, comm);
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
			fprintf(stderr, "pftrace: '%s': not a maps file (line %" PRIu64 ": %s)\n",
				o->maps[i].path, sk.first_line, sk.first_text);
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

struct pft_report_opts out_report_opts(const struct out_opts *o)
{
	/* the table shows 20 rows unless told; JSON carries every row unless told */
	int top = o->top >= 0 ? o->top : o->out == SINK_JSON ? 0 : 20;

	struct pft_report_opts ro = {o->by,	top,   o->pids.v, o->pids.n,
				     o->kernel, false, false,	  false};
	int id;

	for (id = 0; id < NR_SINKS; id++)
		ro.stack_tree |= (o->out == (enum sink_id)id || o->file[id]) && sinks[id].stacks;
	/* the per-fault sink shows each fault's stack */
	ro.stacks = ro.stack_tree || sinks[o->out].fault;
	return ro;
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
		fprintf(stderr,
			"pftrace: %s: %" PRIu64 " fault completions were lost: those faults have "
			"no major/minor verdict\n",
			name, st->lost_completions);
	if (st->lost_sideband)
		fprintf(stderr,
			"pftrace: %s: %" PRIu64 " mapping records were lost: some maps may be "
			"wrong (see maps checks)\n",
			name, st->lost_sideband);
	if (st->bad_pages)
		fprintf(stderr,
			"pftrace: %s: %" PRIu64 " ring-buffer pages were malformed: their events "
			"are lost\n",
			name, st->bad_pages);
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
