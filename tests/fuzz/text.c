/* SPDX-License-Identifier: MIT */
/* Fuzz target: the ftrace text source (line parser, stacks, headers, LOST lines). */
#include <stdint.h>
#include <stdio.h>
#include "../../lib/pftrace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *f = size ? fmemopen((void *)data, size, "r") : NULL;
	struct pft_source *src = f ? pft_source_text(f, "fuzz") : NULL;
	struct pft_event ev;

	while (src && pft_source_next(src, &ev) > 0)
		;
	pft_source_close(src);
	if (f)
		fclose(f);
	return 0;
}
