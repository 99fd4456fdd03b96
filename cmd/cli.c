/* SPDX-License-Identifier: MIT */
/* Option handling and output shared by report and record. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

int parse_int(const char *what, const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		fprintf(stderr, "pftrace: %s '%s': not a whole number from %ld to %ld\n", what, s,
			min, max);
		return -1;
	}
	*out = v;
	return 0;
}

int parse_pids(const char *arg, int **pids, size_t *n)
{
	char *copy = strdup(arg), *tok, *save = NULL;
	int ret = copy ? 0 : -1;

	for (tok = copy ? strtok_r(copy, ",", &save) : NULL; tok;
	     tok = strtok_r(NULL, ",", &save)) {
		long v;
		int *p;

		if (parse_int("--pid", tok, 1, INT32_MAX, &v) < 0 ||
		    !(p = realloc(*pids, (*n + 1) * sizeof(*p)))) {
			ret = -1;
			break;
		}
		*pids = p;
		(*pids)[(*n)++] = (int)v;
	}
	free(copy);
	return ret;
}

/* "FILE" or "PID=FILE" */
static int add_maps(struct out_opts *o, const char *arg)
{
	const char *eq = strchr(arg, '=');
	struct maps_arg *m = realloc(o->maps, (o->nr_maps + 1) * sizeof(*m));
	long pid = -1;

	if (!m)
		return -1;
	o->maps = m;
	if (eq && eq > arg && strspn(arg, "0123456789") == (size_t)(eq - arg)) {
		char num[16];

		if (eq - arg >= (long)sizeof(num)) {
			fprintf(stderr, "pftrace: --maps '%s': pid too large\n", arg);
			return -1;
		}
		memcpy(num, arg, eq - arg);
		num[eq - arg] = '\0';
		if (parse_int("--maps pid", num, 1, INT32_MAX, &pid) < 0)
			return -1;
		arg = eq + 1;
	}
	o->maps[o->nr_maps++] = (struct maps_arg){(int)pid, arg};
	return 0;
}

int out_opt(struct out_opts *o, int c, const char *arg)
{
	long v;

	switch (c) {
	case 'j':
		o->json = true;
		return 1;
	case 'J':
		o->jsonl = true;
		return 1;
	case 'b':
		if (pft_by_parse(arg) < 0) {
			fprintf(stderr,
				"pftrace: --by '%s': use vma, file, page, ip, tid, pid or kind\n",
				arg);
			return -1;
		}
		o->by = pft_by_parse(arg);
		return 1;
	case 'n':
		if (parse_int("--top", arg, 0, INT32_MAX, &v) < 0)
			return -1;
		o->top = (int)v;
		return 1;
	case 'p':
		return parse_pids(arg, &o->pids, &o->nr_pids) < 0 ? -1 : 1;
	case 'k':
		o->kernel = true;
		return 1;
	case 'm':
		return add_maps(o, arg) < 0 ? -1 : 1;
	}
	return 0;
}

int out_check(const struct out_opts *o)
{
	if (o->json && o->jsonl) {
		fprintf(stderr, "pftrace: --json and --jsonl exclude each other\n");
		return -1;
	}
	return 0;
}

void out_free(struct out_opts *o)
{
	free(o->pids);
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
	int top = o->top >= 0 ? o->top : o->json ? 0 : 20;

	return (struct pft_report_opts){o->by, top, o->pids, o->nr_pids, o->kernel, false};
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

int out_jsonl(const struct pft_fault *f)
{
	json_t *o = pft_fault_json(f);
	int r;

	if (!o)
		return -1;
	r = json_dumpf(o, stdout, JSON_COMPACT);
	json_decref(o);
	if (r < 0 || putchar('\n') == EOF)
		return -1;
	return 0;
}

int out_jsonl_sink(void *data, const struct pft_fault *f)
{
	(void)data;
	return out_jsonl(f);
}

int out_finish(const struct out_opts *o, const struct pft_report *rep)
{
	if (o->jsonl)
		return fflush(stdout) == EOF ? -1 : 0;
	if (o->json)
		return pft_report_write_json(rep, stdout);
	return pft_render_table(rep, stdout);
}
