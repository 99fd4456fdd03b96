/* SPDX-License-Identifier: MIT */
/* Fuzz target: the maps parser, lookups, and writing maps back. */
#include <stdint.h>
#include <stdio.h>
#include "../../lib/pftrace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *f = size ? fmemopen((void *)data, size, "r") : NULL, *null;
	struct pft_skipped sk = {0};
	struct pft_maps *m = f ? pft_maps_load_file(f, &sk) : NULL;
	size_t i;

	for (i = 0; m && i < pft_maps_count(m); i++) {
		const struct pft_vma *v = pft_maps_at(m, i);

		if (pft_maps_lookup(m, v->start) != v || pft_maps_lookup(m, v->end - 1) != v)
			__builtin_trap(); /* a VMA must be found at both of its ends */
		pft_maps_next(m, v->start);
		pft_classify(0x6, v, m, v->start);
	}
	null = fopen("/dev/null", "w");
	if (m && null)
		pft_maps_write(m, null);
	if (null)
		fclose(null);
	pft_maps_free(m);
	if (f)
		fclose(f);
	return 0;
}
