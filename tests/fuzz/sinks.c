/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the whole pipeline, as `pftrace report` runs it, to every sink: the table, JSON,
 * JSON Lines (each fault), folded stacks, markdown, the flame graph and the heatmap, and a diff
 * of the report against itself (text, markdown) with gates held against it.
 *
 * The first byte picks --by, --kernel and the pids; the rest is either a trace.dat (its magic
 * first: read from an unnamed file, as a trace.dat on standard input is) or a maps file, a line
 * "----", then a text trace: the maps are the input's too (unaligned, reversed, overlapping,
 * huge). Code is named under an empty --symfs, so nothing the input names is opened.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "../../lib/pftrace.h"

#ifdef PFT_LIBFUZZER
#include "datmut.h" /* its trace.dat inputs mutated record by record */
#endif

static const char dat_magic[10] = "\x17\x08\x44tracing";

static int jsonl(void *data, const struct pft_fault *f)
{
	json_t *o = pft_fault_json(f);

	if (o)
		json_dumpf(o, data, JSON_COMPACT);
	json_decref(o);
	return 0;
}

static int counters(void *data, int pid, uint64_t min_flt, uint64_t maj_flt)
{
	return pft_report_process_counters(data, pid, min_flt, maj_flt);
}

/* A trace.dat, through a file as the CLI reads one. */
static struct pft_source *open_dat(const uint8_t *data, size_t size, int *fd)
{
	char path[64];

	*fd = memfd_create("fuzz.dat", MFD_CLOEXEC);
	if (*fd < 0 || write(*fd, data, size) != (ssize_t)size)
		return NULL;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", *fd);
	return pft_source_open(path);
}

/* maps "\n----\n" text */
static struct pft_source *open_text(const uint8_t *data, size_t size, struct pft_aspace *as,
				    FILE **mf, FILE **tf)
{
	const uint8_t *sep = memmem(data, size, "\n----\n", 6);
	size_t mlen = sep ? (size_t)(sep - data) + 1 : 0;

	if (mlen && (*mf = fmemopen((void *)data, mlen, "r")))
		pft_aspace_set_maps(as, -1, pft_maps_load_file(*mf, NULL));
	data += sep ? mlen + 5 : 0;
	size -= sep ? mlen + 5 : 0;
	*tf = size ? fmemopen((void *)data, size, "r") : NULL;
	return *tf ? pft_source_text(*tf, "fuzz") : NULL;
}

static void diffs(const json_t *doc, enum pft_by by, FILE *null)
{
	static const char *const gates[] = {"faults > 10", "major > 1%", "vma:[heap].faults > 3",
					    "sym:main.faults >= 1"};
	struct pft_diff_opts d = {.by = by, .min_delta = 1, .top = 5};
	char err[256];
	json_t *diff = pft_diff(doc, doc, &d, err, sizeof(err));
	double v, pct;
	size_t i;

	if (diff) {
		pft_render_diff(diff, false, null);
		pft_render_diff(diff, true, null);
	}
	for (i = 0; i < sizeof(gates) / sizeof(gates[0]); i++) {
		struct pft_gate *g = pft_gate_parse(gates[i], err, sizeof(err));

		if (g && diff)
			pft_gate_eval(g, diff, json_object_get(diff, "rows"), &v, &pct, err,
				      sizeof(err));
		if (g)
			pft_gate_eval(g, doc, json_object_get(doc, "groups"), &v, &pct, err,
				      sizeof(err));
		pft_gate_free(g);
	}
	json_decref(diff);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int pids[] = {1, 4242};
	/* (exited processes fold: the heatmap's points follow their rows) */
	struct pft_report_opts o = {.stacks = true, .stack_tree = true, .heatmap = true,
				    .fold_exited = true};
	FILE *null = fopen("/dev/null", "w"), *mf = NULL, *tf = NULL;
	struct pft_aspace *as = pft_aspace_new();
	struct pft_syms *syms = pft_syms_new("/nonexistent-symfs");
	struct pft_source *src = NULL;
	struct pft_report *rep = NULL;
	struct pft_event ev;
	json_t *doc;
	int fd = -1;

	if (size < 1 || !null || !as || !syms)
		goto out;
	o.by = (enum pft_by)(data[0] % PFT_BY_COUNT);
	o.kernel = data[0] & 8;
	o.pids = data[0] & 16 ? pids : NULL;
	o.nr_pids = data[0] & 16 ? 2 : 0;
	o.top = data[0] & 32 ? 3 : 0;
	o.weight_ns = data[0] & 64;
	data++, size--;
	src = size >= sizeof(dat_magic) && !memcmp(data, dat_magic, sizeof(dat_magic))
		  ? open_dat(data, size, &fd)
		  : open_text(data, size, as, &mf, &tf);
	if (!src || !(rep = pft_report_new(&o, as)) || pft_source_prepare(src, as, syms) < 0)
		goto out;
	if (pft_source_stats(src)->completions)
		pft_report_expect_completions(rep, pft_source_stats(src)->major_only);
	if (pft_source_stats(src)->why)
		pft_report_expect_why(rep, pft_source_stats(src)->why_full);
	pft_report_set_syms(rep, syms);
	pft_report_set_sink(rep, jsonl, null);
	while (pft_source_next(src, &ev) > 0)
		if (pft_report_add(rep, &ev) < 0)
			break;
	pft_source_counters(src, counters, rep);
	pft_report_add_source(rep, src);
	if (pft_report_finish(rep) < 0)
		goto out;
	pft_render_table(rep, null);
	pft_report_write_json(rep, null);
	pft_report_write_folded(rep, null);
	pft_render_markdown(rep, null);
	pft_report_write_flamegraph(rep, null);
	pft_report_write_heatmap(rep, null);
	if ((doc = pft_report_json(rep))) {
		diffs(doc, o.by, null);
		json_decref(doc);
	}
out:
	pft_report_free(rep);
	pft_source_close(src);
	pft_syms_free(syms);
	pft_aspace_free(as);
	if (mf)
		fclose(mf);
	if (tf)
		fclose(tf);
	if (fd >= 0)
		close(fd);
	if (null)
		fclose(null);
	return 0;
}
