/* SPDX-License-Identifier: MIT */
/* The people's view, rendered from the same JSON document that --json prints. */
#include <inttypes.h>
#include <string.h>
#include "internal.h"

static json_int_t num(const json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

static const char *str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "-";
}

/* The faults given up for a signal and taken again: neither major nor minor to the kernel. */
static void restarted_clause(const json_t *sum, FILE *out)
{
	if (num(sum, "restarted"))
		fprintf(out, "; %" JSON_INTEGER_FORMAT " restarted (given up for a signal, taken again)",
			num(sum, "restarted"));
}

/* Major/minor as the kernel accounted them, with the fault latency; or why it is not known. */
static void verdict_line(const json_t *sum, FILE *out)
{
	const json_t *lat = json_object_get(sum, "latency_ns"), *kc, *cg;

	if (!json_is_true(json_object_get(sum, "completions"))) {
		fprintf(out, "major/minor: unknown (no fault completions in this trace)");
		restarted_clause(sum, out);
		fputc('\n', out);
		return;
	}
	bool major_only = !strcmp(str(sum, "latency_of"), "major");

	fprintf(out,
		"major: %" JSON_INTEGER_FORMAT ", minor: %" JSON_INTEGER_FORMAT
		" (the kernel's verdict%s); %" JSON_INTEGER_FORMAT " without one",
		num(sum, "major"), num(sum, "minor"),
		major_only ? ": majors sampled, the rest minor" : "", num(sum, "major_unknown"));
	restarted_clause(sum, out);
	if (major_only && num(sum, "lost_completions"))
		fprintf(out, "; %" JSON_INTEGER_FORMAT " completions lost: as many of the minor may be major",
			num(sum, "lost_completions"));
	if (json_is_object(lat))
		fprintf(out, "; latency%s p50 %.1f us, p99 %.1f us, max %.1f us",
			major_only ? " of major faults" : "", num(lat, "p50") / 1e3,
			num(lat, "p99") / 1e3, num(lat, "max") / 1e3);
	fputc('\n', out);
	cg = json_object_get(sum, "cgroup_counters");
	if (json_is_object(cg)) {
		fputs("the cgroup's counters (memory.stat) over the recording: ", out);
		fprintf(out, "%" JSON_INTEGER_FORMAT " faults, %" JSON_INTEGER_FORMAT " major",
			num(cg, "pgfault"), num(cg, "pgmajfault"));
		if (json_is_number(json_object_get(cg, "coverage")))
			fprintf(out, "; traced %" JSON_INTEGER_FORMAT " (%.1f%%)",
				num(cg, "traced"),
				100 * json_number_value(json_object_get(cg, "coverage")));
		fputc('\n', out);
	}
	kc = json_object_get(sum, "kernel_counters");
	if (!json_is_object(kc))
		return;
	fprintf(out,
		"kernel's counters over the recording: %" JSON_INTEGER_FORMAT
		" minor, %" JSON_INTEGER_FORMAT " major",
		num(kc, "min_flt"), num(kc, "maj_flt"));
	if (json_is_integer(json_object_get(kc, "processes")))
		fprintf(out, " in %" JSON_INTEGER_FORMAT " process%s", num(kc, "processes"),
			num(kc, "processes") == 1 ? "" : "es");
	if (json_is_number(json_object_get(kc, "coverage")))
		fprintf(out, "; traced %" JSON_INTEGER_FORMAT " (%.1f%%) of them%s\n",
			num(kc, "traced"),
			100 * json_number_value(json_object_get(kc, "coverage")),
			json_is_true(json_object_get(sum, "user_mode_only"))
			    ? " (user mode only: the faults the kernel takes on the program's "
			      "memory are counted, not traced)"
			    : "");
	else
		fprintf(out, ": nothing to trace\n");
}

/* Nanoseconds for people: "850 ns", "12.4 us", "3.1 ms", "2.50 s". */
static void put_ns(FILE *out, json_int_t ns)
{
	if (ns < 1000)
		fprintf(out, "%" JSON_INTEGER_FORMAT " ns", ns);
	else if (ns < 1000000)
		fprintf(out, "%.1f us", ns / 1e3);
	else if (ns < 1000000000)
		fprintf(out, "%.1f ms", ns / 1e6);
	else
		fprintf(out, "%.2f s", ns / 1e9);
}

/* The paths the kernel took, those taken: how many faults, and the slowest of them. */
static void path_line(const json_t *by, bool full, FILE *out)
{
	const char *sep = "";
	const json_t *p;
	int i;

	if (!json_is_object(by))
		return;
	fputs("the paths the kernel took: ", out);
	for (i = 0; i < PFT_PATH_COUNT; i++) {
		if (!json_is_object(p = json_object_get(by, pft_path_names[i])) || !num(p, "faults"))
			continue;
		fprintf(out, "%s%s %" JSON_INTEGER_FORMAT " (p99 ", sep, pft_path_names[i],
			num(p, "faults"));
		put_ns(out, num(json_object_get(p, "latency_ns"), "p99"));
		fputc(')', out);
		sep = ", ";
	}
	fputs(*sep ? "" : "none", out);
	fputs(full ? "\n" : " (without --why=full, swap-cache hits and huge pages are zero-fill)\n",
	      out);
}

/* Where the faults' time went (record --why): each cause's share, then the faults each
 * cause slowed and by how much, then the paths. */
static void why_lines(const json_t *sum, FILE *out)
{
	const json_t *why = json_object_get(sum, "why"), *ns, *by, *c;
	json_int_t total = 0;
	const char *sep = "";
	int i;

	if (!json_is_object(why))
		return;
	ns = json_object_get(why, "ns");
	by = json_object_get(why, "by_cause");
	for (i = 0; i < PFT_CAUSE_COUNT; i++)
		total += num(ns, pft_cause_names[i]);
	fprintf(out, "where the faults' time went (%" JSON_INTEGER_FORMAT " faults split): ",
		num(why, "faults"));
	for (i = 0; total && i < PFT_CAUSE_COUNT; i++) {
		json_int_t v = num(ns, pft_cause_names[i]);

		if (!v)
			continue;
		fprintf(out, "%s%s ", sep, pft_cause_names[i]);
		put_ns(out, v);
		fprintf(out, " (%.1f%%)", 100.0 * (double)v / (double)total);
		sep = ", ";
	}
	fputs(total ? "\n" : "nothing\n", out);
	for (i = 0; i < PFT_CAUSE_COUNT; i++) {
		if (i == PFT_CAUSE_ON_CPU || !json_is_object(c = json_object_get(by, pft_cause_names[i])))
			continue;
		fprintf(out, "  %s: %" JSON_INTEGER_FORMAT " fault%s, p50 ", pft_cause_names[i],
			num(c, "faults"), num(c, "faults") == 1 ? "" : "s");
		put_ns(out, num(c, "p50"));
		fputs(", p99 ", out);
		put_ns(out, num(c, "p99"));
		fputs(", max ", out);
		put_ns(out, num(c, "max"));
		fputc('\n', out);
	}
	path_line(json_object_get(why, "by_path"), json_is_true(json_object_get(why, "full")), out);
}

/* The maps rebuilt from the kernel's records against /proc's at the same moments. */
static void checks_line(const json_t *sum, FILE *out)
{
	const json_t *c = json_object_get(sum, "maps_checks");

	if (!num(c, "snapshots"))
		return;
	fprintf(out, "maps checked against /proc: %" JSON_INTEGER_FORMAT " snapshot%s, ",
		num(c, "snapshots"), num(c, "snapshots") == 1 ? "" : "s");
	if (!num(c, "disagreed")) {
		fprintf(out, "all agree\n");
	} else {
		fprintf(out,
			"%" JSON_INTEGER_FORMAT " disagree (%" JSON_INTEGER_FORMAT
			" pages; first: ",
			num(c, "disagreed"), num(c, "pages"));
		pft_put_text(out, str(c, "first"), PFT_TEXT_TERM, 0);
		fputs(")\n", out);
	}
}

/* Code that could not be named, and why: never a wrong name instead. */
static void symbols_line(const json_t *sum, FILE *out)
{
	const json_t *s = json_object_get(sum, "symbols");

	if (!json_is_object(s) || (!num(s, "missing") && !num(s, "mismatched") &&
				   !num(s, "unreadable") && !num(s, "not_regular")))
		return;
	fprintf(out,
		"symbols: %" JSON_INTEGER_FORMAT " file%s missing, %" JSON_INTEGER_FORMAT
		" build-id mismatch%s",
		num(s, "missing"), num(s, "missing") == 1 ? "" : "s", num(s, "mismatched"),
		num(s, "mismatched") == 1 ? "" : "es");
	if (num(s, "unreadable"))
		fprintf(out, ", %" JSON_INTEGER_FORMAT " not readable", num(s, "unreadable"));
	if (num(s, "not_regular"))
		fprintf(out, ", %" JSON_INTEGER_FORMAT " not regular files (not opened)",
			num(s, "not_regular"));
	fputs(" (their code shown as file+offset)\n", out);
}

static void stacks_line(const json_t *sum, FILE *out)
{
	const json_t *s = json_object_get(sum, "stacks");

	if (!json_is_object(s) || !num(s, "with_stack"))
		return;
	fprintf(out,
		"stacks: %" JSON_INTEGER_FORMAT " of %" JSON_INTEGER_FORMAT
		" faults; %" JSON_INTEGER_FORMAT
		" truncated (they end before the thread's entry: code without frame pointers; "
		"--stacks=dwarf walks through it where fp was used)\n",
		num(s, "with_stack"), num(sum, "faults"), num(s, "truncated"));
}

/* Inputs cut short when written: the kernel's counters and the last maps are of the whole run. */
static void cut_lines(const json_t *inputs, FILE *out)
{
	const json_t *in, *cut;
	size_t i;

	json_array_foreach(inputs, i, in)
	{
		cut = json_object_get(in, "cut_at");
		if (!json_is_integer(cut))
			continue;
		fputs("cut: ", out);
		pft_put_text(out, str(in, "name"), PFT_TEXT_TERM, 0);
		fprintf(out,
			" holds the recording up to %.6f s only (a file-size limit when it was "
			"written): the faults after it are not counted, the kernel's counters are\n",
			json_integer_value(cut) / 1e9);
	}
}

static void summary(const json_t *doc, FILE *out)
{
	const json_t *sum = json_object_get(doc, "summary"), *src = json_object_get(doc, "source");
	const json_t *inputs = json_object_get(src, "inputs"), *kinds, *in, *v;
	const json_t *first = json_object_get(sum, "first_ts"),
		     *last = json_object_get(sum, "last_ts");
	const char *k, *sep = "";
	size_t i;

	fprintf(out, "%" JSON_INTEGER_FORMAT " events from", num(sum, "events"));
	json_array_foreach(inputs, i, in)
	{
		fputs(i ? ", " : " ", out);
		pft_put_text(out, str(in, "name"), PFT_TEXT_TERM, 0);
		fprintf(out, " (%s)", str(in, "format"));
	}
	in = json_array_get(inputs, 0);
	if (json_is_integer(first) && json_is_integer(last)) {
		if (!strcmp(str(in, "ts_unit"), "ns"))
			/* in doubles: the difference of two timestamps from a trace may not fit */
			fprintf(
			    out, ", %.6f s to %.6f s (%.3f s)", json_integer_value(first) / 1e9,
			    json_integer_value(last) / 1e9,
			    ((double)json_integer_value(last) - (double)json_integer_value(first)) /
				1e9);
		else
			fprintf(out, ", clock %" JSON_INTEGER_FORMAT " to %" JSON_INTEGER_FORMAT,
				json_integer_value(first), json_integer_value(last));
	}
	fprintf(out,
		"\nfaults: %" JSON_INTEGER_FORMAT " in %" JSON_INTEGER_FORMAT
		" process%s, %" JSON_INTEGER_FORMAT " thread%s: %" JSON_INTEGER_FORMAT
		" read, %" JSON_INTEGER_FORMAT " write, %" JSON_INTEGER_FORMAT " exec",
		num(sum, "faults"), num(sum, "pids"), num(sum, "pids") == 1 ? "" : "es",
		num(sum, "tids"), num(sum, "tids") == 1 ? "" : "s", num(sum, "reads"),
		num(sum, "writes"), num(sum, "execs"));
	if (num(sum, "access_unknown"))
		fprintf(out, ", %" JSON_INTEGER_FORMAT " not told (no error_code)",
			num(sum, "access_unknown"));
	/* riscv's error_code does not say whether the page was present */
	if (json_is_null(json_object_get(sum, "protection")))
		fprintf(out, "; protection not told by the error_code");
	else
		fprintf(out, "; %" JSON_INTEGER_FORMAT " protection", num(sum, "protection"));
	if (num(sum, "kernel_mode"))
		fprintf(out,
			"; %" JSON_INTEGER_FORMAT " taken by the kernel on the program's memory",
			num(sum, "kernel_mode"));
	fputc('\n', out);
	if (num(sum, "folded_processes"))
		fprintf(out,
			"exited processes folded: %" JSON_INTEGER_FORMAT
			" (their areas are a row per program and area, PID *N: N processes)\n",
			num(sum, "folded_processes"));
	kinds = json_object_get(sum, "by_kind");
	fprintf(out, "kinds:");
	json_object_foreach((json_t *)kinds, k, v)
	{
		if (!json_integer_value(v))
			continue;
		fprintf(out, "%s %s %" JSON_INTEGER_FORMAT, sep, k, json_integer_value(v));
		sep = ",";
	}
	fprintf(out, "%s\n", *sep ? "" : " none");
	verdict_line(sum, out);
	why_lines(sum, out);
	checks_line(sum, out);
	fprintf(out, "no-vma: %" JSON_INTEGER_FORMAT "; skipped lines: %" JSON_INTEGER_FORMAT,
		num(sum, "no_vma"), num(sum, "skipped_lines"));
	v = json_object_get(sum, "lost_events");
	if (json_is_integer(v))
		fprintf(out, "; lost events: %" JSON_INTEGER_FORMAT, json_integer_value(v));
	else
		fprintf(out, "; lost events: unknown");
	fprintf(out, "; other events: %" JSON_INTEGER_FORMAT "\n", num(sum, "other_events"));
	cut_lines(inputs, out);
	if (num(sum, "kernel_faults_excluded"))
		fprintf(out,
			"excluded: %" JSON_INTEGER_FORMAT
			" faults on kernel addresses (page_fault_kernel: --kernel)\n",
			num(sum, "kernel_faults_excluded"));
	if (num(sum, "kernel_faults_atomic"))
		fprintf(out,
			"excluded: %" JSON_INTEGER_FORMAT
			" page_fault_kernel in atomic context (refused by the kernel: a tracer's "
			"reads of user memory, --stacks' own too)\n",
			num(sum, "kernel_faults_atomic"));
	if (num(sum, "filtered_faults"))
		fprintf(out,
			"excluded: %" JSON_INTEGER_FORMAT " faults of other processes (--pid)\n",
			num(sum, "filtered_faults"));
	symbols_line(sum, out);
	stacks_line(sum, out);
	if (num(sum, "no_maps") > num(sum, "unknown_late_maps"))
		fprintf(out,
			"unknown: %" JSON_INTEGER_FORMAT
			" faults of processes whose maps were never read (one that ended before "
			"pftrace read them; offline: --maps)\n",
			num(sum, "no_maps") - num(sum, "unknown_late_maps"));
	if (num(sum, "unknown_late_maps"))
		fprintf(out,
			"unknown: %" JSON_INTEGER_FORMAT
			" faults at addresses the maps do not hold as the fault needs, with no "
			"record of what was unmapped (--no-history, or perf's records alone): the "
			"answer is partial; no-vma and bad-access are not told\n",
			num(sum, "unknown_late_maps"));
}

/* first: the row starts with the counts (no space before them) */
static void counts_row(const json_t *r, FILE *out, bool first)
{
	const json_t *major = json_object_get(r, "major"), *lat = json_object_get(r, "latency_ns");

	fprintf(out, first ? "%8" JSON_INTEGER_FORMAT : " %8" JSON_INTEGER_FORMAT,
		num(r, "faults"));
	fprintf(out, " %7" JSON_INTEGER_FORMAT " %7" JSON_INTEGER_FORMAT " %6" JSON_INTEGER_FORMAT,
		num(r, "reads"), num(r, "writes"), num(r, "execs"));

	if (json_is_integer(major))
		fprintf(out, " %6" JSON_INTEGER_FORMAT " %8.1f", json_integer_value(major),
			num(r, "major_ns") / 1e6);
	else
		fprintf(out, " %6s %8s", "-", "-");
	if (json_is_object(lat))
		fprintf(out, " %8.1f", num(lat, "p99") / 1e3);
	else
		fprintf(out, " %8s", "-");
	if (json_is_integer(json_object_get(r, "pages")))
		fprintf(out, " %7" JSON_INTEGER_FORMAT, num(r, "pages"));
	else
		fprintf(out, " %7s", "-");
	fprintf(out, " %-16s", str(r, "top_kind"));
}

static const char counts_head[] =
    "   FAULTS    READ   WRITE   EXEC  MAJOR   MAJ-MS  P99-US   PAGES TOP KIND        ";
/* with --why: how much of the row's fault time was spent off the CPU, and on what most */
static const char why_head[] = " WAITED         ";

static void why_cell(const json_t *r, FILE *out)
{
	const json_t *ns = json_object_get(json_object_get(r, "why"), "ns");
	json_int_t total = 0, off = 0, top = 0, v;
	int i, best = -1;

	for (i = 0; i < PFT_CAUSE_COUNT; i++) {
		total += v = num(ns, pft_cause_names[i]);
		if (i == PFT_CAUSE_ON_CPU)
			continue;
		off += v;
		if (v > top)
			top = v, best = i;
	}
	if (!total)
		fprintf(out, " %-15s", "-");
	else if (best < 0)
		fprintf(out, " %3.0f%%           ", 0.0);
	else
		fprintf(out, " %3.0f%% %-10s", 100.0 * (double)off / (double)total,
			pft_cause_names[best]);
}

/* ---------------------------------------------------------------- one layout per --by */

/* " PID " of a row, or " *N " for the areas of N exited processes folded. */
static void pid_or_folded(const json_t *r, FILE *out)
{
	char n[24];

	if (json_is_integer(json_object_get(r, "pid"))) {
		fprintf(out, " %7" JSON_INTEGER_FORMAT " ", num(r, "pid"));
		return;
	}
	snprintf(n, sizeof(n), "*%" JSON_INTEGER_FORMAT, num(r, "processes"));
	fprintf(out, " %7s ", n);
}

static void vma_lead(const json_t *r, FILE *out)
{
	char range[40];

	if (json_is_string(json_object_get(r, "start")))
		snprintf(range, sizeof(range), "%s-%s", str(r, "start") + 2, str(r, "end") + 2);
	else /* exited processes' areas, folded: an address of each */
		snprintf(range, sizeof(range), "(exited, folded)");
	fprintf(out, "%-33s ", range);
	pft_put_padded(out, str(r, "perms"), PFT_TEXT_TERM, 4, false);
	pid_or_folded(r, out);
	pft_put_padded(out, str(r, "comm"), PFT_TEXT_TERM, 15, true);
}

static void vma_tail(const json_t *r, FILE *out)
{
	fputc(' ', out);
	pft_put_text(out, str(r, "name"), PFT_TEXT_TERM, 0);
	fputs(json_is_true(json_object_get(r, "deleted")) ? " (deleted)" : "", out);
}

static void tid_lead(const json_t *r, FILE *out)
{
	fprintf(out, "%7" JSON_INTEGER_FORMAT " %7" JSON_INTEGER_FORMAT " ", num(r, "tid"),
		num(r, "pid"));
	pft_put_padded(out, str(r, "comm"), PFT_TEXT_TERM, 16, false);
}

static void pid_lead(const json_t *r, FILE *out)
{
	fprintf(out, "%7" JSON_INTEGER_FORMAT " ", num(r, "pid"));
	pft_put_padded(out, str(r, "comm"), PFT_TEXT_TERM, 16, false);
}

static void pid_tail(const json_t *r, FILE *out)
{
	const json_t *cov = json_object_get(r, "coverage");

	if (json_is_integer(json_object_get(r, "kernel_min_flt")))
		fprintf(out, " %9" JSON_INTEGER_FORMAT,
			num(r, "kernel_min_flt") + num(r, "kernel_maj_flt"));
	else
		fprintf(out, " %9s", "-");
	if (json_is_number(cov))
		fprintf(out, " %7.1f%%", 100 * json_number_value(cov));
	else
		fprintf(out, " %8s", "-");
	/* record --pidns: its pid in the namespace too */
	if (json_is_integer(json_object_get(r, "ns_pid")))
		fprintf(out, " (pid %" JSON_INTEGER_FORMAT " in its namespace)", num(r, "ns_pid"));
}

static void page_lead(const json_t *r, FILE *out)
{
	fprintf(out, "%-18s %7" JSON_INTEGER_FORMAT, str(r, "page"), num(r, "pid"));
}

static void page_tail(const json_t *r, FILE *out)
{
	fputc(' ', out);
	pft_put_text(out, str(r, "vma"), PFT_TEXT_TERM, 0);
}

/* a kernel symbol of the trace's own has no pid and no ip */
static void ip_lead(const json_t *r, FILE *out)
{
	if (json_is_integer(json_object_get(r, "pid")))
		fprintf(out, "%7" JSON_INTEGER_FORMAT " %-18s", num(r, "pid"), str(r, "ip"));
	else
		fprintf(out, "%7s %-18s", "-", "-");
}

/* the function (else where in which file), and its source line */
static void ip_tail(const json_t *r, FILE *out)
{
	const json_t *sym = json_object_get(r, "symbol");

	fputc(' ', out);
	pft_put_text(out,
		     json_is_string(json_object_get(r, "ip_symbol")) ? str(r, "ip_symbol")
								     : str(r, "location"),
		     PFT_TEXT_TERM, 0);
	if (json_is_string(json_object_get(sym, "source"))) {
		fputs(" (", out);
		pft_put_text(out, str(sym, "source"), PFT_TEXT_TERM, 0);
		fputc(')', out);
	}
}

static void key_lead(const json_t *r, FILE *out)
{
	pft_put_padded(out, str(r, "key"), PFT_TEXT_TERM, 40, false);
}

static void key_tail(const json_t *r, FILE *out)
{
	fputc(' ', out);
	pft_put_text(out, str(r, "key"), PFT_TEXT_TERM, 0);
}

/* a cgroup's path, or what stands for processes whose cgroup was not told */
static void cgroup_tail(const json_t *r, FILE *out)
{
	fputc(' ', out);
	if (json_is_string(json_object_get(r, "key")))
		pft_put_text(out, str(r, "key"), PFT_TEXT_TERM, 0);
	else
		fputs("(not known)", out);
}

static const struct layout {
	const char *by;
	const char *lead_head, *tail_head;
	void (*lead)(const json_t *r, FILE *out); /* before the counts */
	void (*tail)(const json_t *r, FILE *out); /* after them: long names last */
} layouts[] = {
    {"vma", "VMA                               PERM     PID COMM           ", " NAME", vma_lead,
     vma_tail},
    {"tid", "    TID     PID COMM            ", "", tid_lead, NULL},
    {"pid", "    PID COMM            ", "    KERNEL   TRACED", pid_lead, pid_tail},
    {"page", "PAGE                   PID", " VMA", page_lead, page_tail},
    {"ip", "    PID IP                ", " CODE", ip_lead, ip_tail},
    {"sym", "", " FUNCTION (FILE)", NULL, key_tail},
    /* a path can be long: last, as a VMA's name is */
    {"file", "", " FILE", NULL, key_tail},
    {"cgroup", "", " CGROUP", NULL, cgroup_tail},
    {"path", "PATH                                    ", "", key_lead, NULL},
    {"cause", "CAUSE                                   ", "", key_lead, NULL},
    {"comm", "COMM                                    ", "", key_lead, NULL},
    {"kind", "KIND                                    ", "", key_lead, NULL},
};

static const struct layout *layout_of(const char *by)
{
	size_t i;

	for (i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++)
		if (!strcmp(layouts[i].by, by))
			return &layouts[i];
	return &layouts[sizeof(layouts) / sizeof(layouts[0]) - 1];
}

int pft_render_table(const struct pft_report *rep, FILE *out)
{
	json_t *doc = pft_report_head(rep), *r;
	const struct layout *l;
	struct pft_rows it;
	bool why;

	if (!doc || pft_rows_open(rep, PFT_ROWS_GROUPS, &it) < 0) {
		json_decref(doc);
		return -1;
	}
	l = layout_of(str(json_object_get(doc, "source"), "by"));
	why = json_is_object(json_object_get(json_object_get(doc, "summary"), "why"));
	summary(doc, out);
	fputc('\n', out);
	fprintf(out, "%s%s%s%s\n", l->lead_head, *l->lead_head ? counts_head : counts_head + 1,
		why ? why_head : "", l->tail_head);
	while ((r = pft_rows_next(&it))) {
		if (l->lead)
			l->lead(r, out);
		counts_row(r, out, !l->lead);
		if (why)
			why_cell(r, out);
		if (l->tail)
			l->tail(r, out);
		fputc('\n', out);
		json_decref(r);
	}
	pft_rows_close(&it);
	json_decref(doc);
	fflush(out);
	return ferror(out) ? -1 : 0;
}

/* ---------------------------------------------------------------- markdown */

static void md_text(const char *s, FILE *out)
{
	pft_put_text(out, s, PFT_TEXT_MD, 0);
}

/* What a row is, in words. */
static void md_name(const char *by, const json_t *r, FILE *out)
{
	char buf[64];

	if (!strcmp(by, "vma")) {
		md_text(str(r, "name"), out);
		fputc(' ', out);
		md_text(str(r, "perms"), out);
		fputs(" (", out);
		md_text(str(r, "comm"), out);
		if (json_is_integer(json_object_get(r, "pid")))
			fprintf(out, " %" JSON_INTEGER_FORMAT ")", num(r, "pid"));
		else
			fprintf(out, ", %" JSON_INTEGER_FORMAT " exited)", num(r, "processes"));
	} else if (!strcmp(by, "pid") || !strcmp(by, "tid")) {
		md_text(str(r, "comm"), out);
		fprintf(out, " (%" JSON_INTEGER_FORMAT ")", num(r, by));
	} else if (!strcmp(by, "ip")) {
		md_text(json_is_string(json_object_get(r, "ip_symbol")) ? str(r, "ip_symbol")
									: str(r, "location"),
			out);
		snprintf(buf, sizeof(buf), " (%" JSON_INTEGER_FORMAT ")", num(r, "pid"));
		fputs(json_is_integer(json_object_get(r, "pid")) ? buf : "", out);
	} else if (!json_is_string(json_object_get(r, "key"))) {
		fputs("(not known)", out);
	} else {
		md_text(str(r, "key"), out);
	}
}

static void md_count(const json_t *r, const char *k, FILE *out)
{
	if (json_is_number(json_object_get(r, k)))
		fprintf(out, " %" JSON_INTEGER_FORMAT " |", num(r, k));
	else
		fputs(" - |", out);
}

int pft_render_markdown(const struct pft_report *rep, FILE *out)
{
	json_t *doc = pft_report_head(rep), *r;
	const char *by;
	char *text = NULL, *line, *nl;
	size_t size = 0;
	struct pft_rows it;
	FILE *mem;

	if (!doc || pft_rows_open(rep, PFT_ROWS_GROUPS, &it) < 0) {
		json_decref(doc);
		return -1;
	}
	by = str(json_object_get(doc, "source"), "by");
	/* the table's summary lines, as a list */
	if ((mem = open_memstream(&text, &size))) {
		summary(doc, mem);
		fclose(mem);
	}
	fprintf(out, "### pftrace report\n\n");
	for (line = text; line && *line; line = nl + 1) {
		if (!(nl = strchr(line, '\n')))
			break;
		*nl = '\0';
		fputs("- ", out);
		md_text(line, out);
		fputc('\n', out);
	}
	free(text);
	fprintf(out,
		"\n| %s | faults | read | write | exec | major | p99 µs | pages | top kind |\n"
		"|---|---:|---:|---:|---:|---:|---:|---:|---|\n",
		by);
	while ((r = pft_rows_next(&it))) {
		const json_t *lat = json_object_get(r, "latency_ns");

		fputs("| ", out);
		md_name(by, r, out);
		fputs(" |", out);
		md_count(r, "faults", out);
		md_count(r, "reads", out);
		md_count(r, "writes", out);
		md_count(r, "execs", out);
		md_count(r, "major", out);
		if (json_is_object(lat))
			fprintf(out, " %.1f |", num(lat, "p99") / 1e3);
		else
			fputs(" - |", out);
		md_count(r, "pages", out);
		fputc(' ', out);
		md_text(str(r, "top_kind"), out);
		fputs(" |\n", out);
		json_decref(r);
	}
	pft_rows_close(&it);
	json_decref(doc);
	fflush(out);
	return ferror(out) ? -1 : 0;
}
