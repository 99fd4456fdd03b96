/* SPDX-License-Identifier: MIT */
/* pftrace: which memory areas of a process take page faults, how and how often. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include "cli.h"

static const struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} cmds[] = {
    {"report", cmd_report, "analyse a saved trace (ftrace text or trace.dat)"},
    {"record", cmd_record, "trace a running process or a command, live"},
    {"diff", cmd_diff, "compare two runs (traces or saved --json reports), for CI"},
    {"top", cmd_top, "a live view: what faults now, refreshed each interval"},
};

static void usage(FILE *out)
{
	size_t i;

	fprintf(out, "usage: pftrace <command> [options]\n\ncommands:\n");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(out, "  %-8s %s\n", cmds[i].name, cmds[i].help);
	fprintf(out, "\n  -h, --help     this help\n  -V, --version  pftrace's version\n"
		     "\n'pftrace <command> --help' describes a command; see also pftrace(1).\n"
		     "Exit status: 0 ok, 1 failure, 2 usage, 3 a --fail-if condition held\n"
		     "(record -- COMMAND: the command's, see pftrace(1)).\n");
}

/* What standard output was given went out, or it is a failure: a full disk is not a success
 * (a reader that went away is: EPIPE). */
static int flushed(int status)
{
	/* a run that failed has said why already */
	if (status != EXIT_OK && status != EXIT_GATE)
		return status;
	/* the close too: a file system may say only then that the data did not fit (NFS); a
	 * standard output that was never open (>&-) and got nothing is no failure */
	if (((fflush(stdout) == EOF || ferror(stdout)) && errno != EPIPE) ||
	    (fclose(stdout) == EOF && errno != EPIPE && errno != EBADF)) {
		fprintf(stderr, "pftrace: cannot write to standard output: %s\n", strerror(errno));
		return EXIT_FAIL;
	}
	return status;
}

static int run(int argc, char **argv)
{
	size_t i;

	/* a reader that goes away (head, jq) shows as EPIPE: the run ends cleanly, nothing lost */
	signal(SIGPIPE, SIG_IGN);
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("pftrace %s\n", PFTRACE_VERSION);
		return 0;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "pftrace: '%s' is not a command\n", argv[1]);
	usage(stderr);
	return 2;
}

int main(int argc, char **argv)
{
	/* a line at a time: a message escaped byte by byte is one write, not one per byte, so a
	 * traced command's own output on the same terminal never lands inside it */
	setvbuf(stderr, NULL, _IOLBF, BUFSIZ);
	return flushed(run(argc, argv));
}
