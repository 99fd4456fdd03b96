/* SPDX-License-Identifier: MIT */
/* pftrace record: live tracing (issue 3). */
#include "cli.h"

int cmd_record(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "pftrace: record is not built yet\n");
	return EXIT_FAIL;
}
