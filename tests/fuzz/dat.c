/* SPDX-License-Identifier: MIT */
/* Fuzz target: trace.dat reading, all of it pftrace's own (the layout walker, the options, the
 * chunks and pages, every event decoded). */
#include <stdint.h>
#include <stdio.h>
#include "../../lib/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pft_dat_check(data, size);
	return 0;
}
