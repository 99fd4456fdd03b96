/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: a saved report document from anywhere (pftrace diff's baseline): checked against
 * the report's JSON Schema, then diffed against a report of pftrace's own both ways, by every
 * --by, rendered as text and markdown, and gates held against the diff and the document.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "../../lib/pftrace.h"

/* A report document pftrace made (tests/fixtures/workload's trace, by the first byte's --by). */
static json_t *own(enum pft_by by)
{
	static const char trace[] =
	    " a-10 [001] d.... 1.000000: page_fault_user: address=0x100000000000 ip=0x400000 "
	    "error_code=0x6\n"
	    " a-10 [001] d.... 1.000100: page_fault_user: address=0x100000001000 ip=0x400000 "
	    "error_code=0x4\n"
	    " b-11 [000] d.... 1.000200: page_fault_user: address=0x7f0000000000 ip=0x400000 "
	    "error_code=0x14\n";
	static const char maps[] = "100000000000-100000400000 rw-p 00000000 00:00 0 [heap]\n"
				   "7f0000000000-7f0000100000 r-xp 00000000 fe:00 7 /lib/libc.so\n";
	struct pft_report_opts o = {.by = by};
	FILE *tf = fmemopen((void *)trace, sizeof(trace) - 1, "r"),
	     *mf = fmemopen((void *)maps, sizeof(maps) - 1, "r");
	struct pft_aspace *as = pft_aspace_new();
	struct pft_source *src = tf ? pft_source_text(tf, "own") : NULL;
	struct pft_report *rep = NULL;
	struct pft_event ev;
	json_t *doc = NULL;

	if (src && as && mf && !pft_aspace_set_maps(as, -1, pft_maps_load_file(mf, NULL)) &&
	    (rep = pft_report_new(&o, as))) {
		while (pft_source_next(src, &ev) > 0)
			pft_report_add(rep, &ev);
		pft_report_add_source(rep, src);
		if (!pft_report_finish(rep))
			doc = pft_report_json(rep);
	}
	pft_report_free(rep);
	pft_source_close(src);
	pft_aspace_free(as);
	if (tf)
		fclose(tf);
	if (mf)
		fclose(mf);
	return doc;
}

static void gates(const json_t *doc, const json_t *rows)
{
	static const char *const exprs[] = {"faults > 10",	 "major > 1%",
					    "no-vma >= 1",	 "file:/lib/libc.so.faults > 0",
					    "kind:cow.major > 2", "vma:[heap].faults >= 1e4"};
	char err[256];
	double v, pct;
	size_t i;

	for (i = 0; i < sizeof(exprs) / sizeof(exprs[0]); i++) {
		struct pft_gate *g = pft_gate_parse(exprs[i], err, sizeof(err));

		if (g)
			pft_gate_eval(g, doc, rows, &v, &pct, err, sizeof(err));
		pft_gate_free(g);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pft_diff_opts d = {.min_delta = 2, .top = 4};
	FILE *null = fopen("/dev/null", "w");
	json_t *base, *mine = NULL, *diff;
	char err[512];
	int side;

	if (size < 1 || !null)
		goto out;
	d.by = (enum pft_by)(data[0] % PFT_BY_COUNT);
	base = json_loadb((const char *)data + 1, size - 1, 0, NULL);
	if (!base || pft_diff_check_doc(base, err, sizeof(err)) < 0 || !(mine = own(d.by))) {
		json_decref(base);
		goto out;
	}
	gates(base, json_object_get(base, "groups"));
	for (side = 0; side < 2; side++) {
		diff = side ? pft_diff(mine, base, &d, err, sizeof(err))
			    : pft_diff(base, mine, &d, err, sizeof(err));
		if (!diff)
			continue;
		pft_render_diff(diff, false, null);
		pft_render_diff(diff, true, null);
		json_dumpf(diff, null, JSON_INDENT(1));
		gates(diff, json_object_get(diff, "rows"));
		json_decref(diff);
	}
	json_decref(base);
	json_decref(mine);
out:
	if (null)
		fclose(null);
	return 0;
}
