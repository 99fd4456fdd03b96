/* SPDX-License-Identifier: MIT */
/* Fuzz target: the whole report pipeline on a text trace, every --by, both output paths. The
 * first byte picks --by, --kernel and whether faults wait for completions (all, or majors
 * only: the held faults, their restarts after signals, the slots of ended threads), whether
 * faults come without an error code (perf's event: the access inferred) and whether the maps
 * may be stale (perf's records alone: a refused fault told unknown); exited processes' areas
 * fold by program; maps come from a fixed set. */
#include <stdint.h>
#include <stdio.h>
#include "../../lib/pftrace.h"

static const char maps[] = "55cbb9f00000-55cbb9f50000 rw-p 00000000 00:00 0 [heap]\n"
			   "7fc4f4800000-7fc4f4900000 r-xp 00001000 fe:00 42 /usr/lib/libc.so.6\n"
			   "7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0 [stack]\n";

static int sink(void *data, const struct pft_fault *f)
{
	json_t *o = pft_fault_json(f);

	if (o)
		json_dumpf(o, data, JSON_COMPACT);
	json_decref(o);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pft_report_opts o = {.by = size ? data[0] % 6 : 0,
				    .kernel = size && data[0] & 8,
				    .completions = size && data[0] & 16,
				    .major_only = size && data[0] & 32,
				    .fold_exited = true, /* the last 0-2 exited apart */
				    .keep_exited = size ? data[0] % 3 : 0};
	FILE *f = size > 1 ? fmemopen((void *)(data + 1), size - 1, "r") : NULL;
	FILE *mf = fmemopen((void *)maps, sizeof(maps) - 1, "r"), *null = fopen("/dev/null", "w");
	struct pft_aspace *as = pft_aspace_new();
	struct pft_source *src = f ? pft_source_text(f, "fuzz") : NULL;
	struct pft_report *rep;
	struct pft_event ev;

	if (size && data[0] & 128)
		pft_aspace_set_unmaps_unseen(as);
	pft_aspace_set_maps(as, -1, pft_maps_load_file(mf, NULL));
	rep = pft_report_new(&o, as);
	pft_report_set_sink(rep, sink, null);
	while (src && pft_source_next(src, &ev) > 0) {
		if (data[0] & 64 && (ev.type == PFT_EV_FAULT_USER || ev.type == PFT_EV_FAULT_KERNEL)) {
			ev.no_code = true;
			ev.error_code = 0;
		}
		pft_report_add(rep, &ev);
	}
	if (src)
		pft_report_add_source(rep, src);
	pft_report_finish(rep);
	pft_report_write_json(rep, null);
	pft_render_table(rep, null);
	pft_report_free(rep);
	pft_aspace_free(as);
	pft_source_close(src);
	fclose(null);
	fclose(mf);
	if (f)
		fclose(f);
	return 0;
}
