/* SPDX-License-Identifier: MIT */
/* Fuzz target: the part of trace.dat reading that pftrace does itself (the options walker,
 * maps snapshots, trace-cmd's PROCMAPS, perf records, counters). */
#include <stdint.h>
#include <stdio.h>
#include "../../lib/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *f = size ? fmemopen((void *)data, size, "r") : NULL;

	if (f) {
		pft_dat_check(f);
		fclose(f);
	}
	return 0;
}
