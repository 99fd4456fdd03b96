/* SPDX-License-Identifier: MIT */
/*
 * Command-line options from one table (as git's parse-options): each entry gives getopt_long
 * its option and --help its line, so a new flag is one entry.
 */
#ifndef PFT_OPTS_H
#define PFT_OPTS_H

#include <stdbool.h>
#include <stdio.h>

struct opt;
/* Sets what an option means from its argument (NULL for a flag); -1 after a message if bad. */
typedef int (*opt_fn)(const struct opt *o, const char *arg);

struct opt {
	int shortopt;	     /* 0: none */
	const char *longopt; /* NULL: the end of the table */
	/* the argument's name in --help ("N", "FILE"; "[=MODE]": optional, set gets NULL when
	 * it is left out); NULL: none */
	const char *arg;
	const char *help; /* its lines in --help ('\n' between lines) */
	opt_fn set;	  /* NULL: a flag, *(bool *)value = true */
	void *value;
	long min, max; /* opt_int's range */
};

int opt_int(const struct opt *o, const char *arg);    /* value: int *, in [min, max] */
int opt_long(const struct opt *o, const char *arg);   /* value: long *, in [min, max] */
int opt_double(const struct opt *o, const char *arg); /* value: double *, > 0 */
int opt_string(const struct opt *o, const char *arg); /* value: const char ** */

#define OPT_FLAG(s, l, v, h)                                                                       \
	{                                                                                          \
		(s), (l), NULL, (h), NULL, (v), 0, 0                                               \
	}
#define OPT_INT(s, l, a, v, lo, hi, h)                                                             \
	{                                                                                          \
		(s), (l), (a), (h), opt_int, (v), (lo), (hi)                                       \
	}
#define OPT_LONG(s, l, a, v, lo, hi, h)                                                            \
	{                                                                                          \
		(s), (l), (a), (h), opt_long, (v), (lo), (hi)                                      \
	}
#define OPT_DOUBLE(s, l, a, v, h)                                                                  \
	{                                                                                          \
		(s), (l), (a), (h), opt_double, (v), 0, 0                                          \
	}
#define OPT_STRING(s, l, a, v, h)                                                                  \
	{                                                                                          \
		(s), (l), (a), (h), opt_string, (v), 0, 0                                          \
	}
#define OPT_CALL(s, l, a, fn, v, h)                                                                \
	{                                                                                          \
		(s), (l), (a), (h), (fn), (v), 0, 0                                                \
	}
#define OPT_END                                                                                    \
	{                                                                                          \
		0, NULL, NULL, NULL, NULL, NULL, 0, 0                                              \
	}

/* How a command's --help reads around its options. */
struct opts_usage {
	const char *synopsis; /* "usage: pftrace report [options] FILE..." lines */
	const char *about;    /* what it does, before the options */
	const char *after;    /* signals, exit status: after the options */
};

/* Parses argv (argv[0] is the command's name) with table, plus -h/--help. stop: the first word
 * that is not an option ends the options (a command to run follows). Returns the index of the
 * first argument that is not an option; -1 after a message (a usage error); -2 after printing
 * --help. */
int opts_parse(const struct opt *table, const struct opts_usage *u, int argc, char **argv,
	       bool stop);
/* The help: synopsis, about, one line per option, after. */
void opts_help(FILE *f, const struct opt *table, const struct opts_usage *u);

#endif
