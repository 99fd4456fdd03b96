/* SPDX-License-Identifier: MIT */
/* One table of options: getopt_long's, and the lines of --help. */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "opts.h"

#define HELP_COLUMN 25 /* where the help text of an option starts */
#define MAX_OPTS    64
#define HELP_VAL    0x10000 /* getopt values above any char: long-only options */
/* an argument named "[=X]" may be left out (--opt or --opt=X) */
#define OPTIONAL(o) ((o)->arg && !strncmp((o)->arg, "[=", 2))

/* "--name" as the user wrote it, for messages. */
static const char *shown(const struct opt *o, char buf[64])
{
	snprintf(buf, 64, "--%s", o->longopt);
	return buf;
}

int opt_long(const struct opt *o, const char *arg)
{
	char *end, name[64];
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < o->min || v > o->max) {
		fprintf(stderr, "pftrace: %s '%s': not a whole number from %ld to %ld\n",
			shown(o, name), arg, o->min, o->max);
		return -1;
	}
	*(long *)o->value = v;
	return 0;
}

int opt_int(const struct opt *o, const char *arg)
{
	long v;
	struct opt l = *o;

	l.value = &v;
	if (opt_long(&l, arg) < 0)
		return -1;
	*(int *)o->value = (int)v;
	return 0;
}

int opt_double(const struct opt *o, const char *arg)
{
	char *end, name[64];
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (errno || end == arg || *end || !(v > 0)) {
		fprintf(stderr, "pftrace: %s '%s': not a positive number\n", shown(o, name), arg);
		return -1;
	}
	*(double *)o->value = v;
	return 0;
}

int opt_string(const struct opt *o, const char *arg)
{
	*(const char **)o->value = arg;
	return 0;
}

void opts_help(FILE *f, const struct opt *table, const struct opts_usage *u)
{
	const struct opt *o;

	fprintf(f, "%s\n", u->synopsis);
	if (u->about)
		fprintf(f, "\n%s\n", u->about);
	fputc('\n', f);
	for (o = table; o->longopt; o++) {
		char lead[64];
		const char *h = o->help, *nl;
		int n;

		n = snprintf(lead, sizeof(lead), "  %c%c%c --%s%s%s", o->shortopt ? '-' : ' ',
			     o->shortopt ? o->shortopt : ' ', o->shortopt ? ',' : ' ', o->longopt,
			     o->arg && !OPTIONAL(o) ? " " : "", o->arg ? o->arg : "");
		/* a long lead gets its help on the next line */
		fprintf(f, "%s%*s", lead, n < HELP_COLUMN ? HELP_COLUMN - n : 0, "");
		if (n >= HELP_COLUMN)
			fprintf(f, "\n%*s", HELP_COLUMN, "");
		for (; (nl = strchr(h, '\n')); h = nl + 1)
			fprintf(f, "%.*s\n%*s", (int)(nl - h), h, HELP_COLUMN, "");
		fprintf(f, "%s\n", h);
	}
	fprintf(f, "  -h, --help             this help\n");
	if (u->after)
		fprintf(f, "\n%s\n", u->after);
}

int opts_parse(const struct opt *table, const struct opts_usage *u, int argc, char **argv,
	       bool stop)
{
	struct option longopts[MAX_OPTS + 2];
	char shortopts[3 * MAX_OPTS + 4], *s = shortopts;
	int n = 0, c, idx;

	if (stop)
		*s++ = '+';
	for (; table[n].longopt && n < MAX_OPTS; n++) {
		const struct opt *o = &table[n];

		longopts[n] = (struct option){o->longopt,
					      !o->arg	    ? no_argument
					      : OPTIONAL(o) ? optional_argument
							    : required_argument,
					      NULL, o->shortopt ? o->shortopt : HELP_VAL + 1 + n};
		if (o->shortopt) {
			*s++ = (char)o->shortopt;
			if (o->arg)
				*s++ = ':';
			if (OPTIONAL(o))
				*s++ = ':';
		}
	}
	longopts[n] = (struct option){"help", no_argument, NULL, 'h'};
	longopts[n + 1] = (struct option){NULL, 0, NULL, 0};
	strcpy(s, "h");
	optind = 1;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		const struct opt *o = NULL;

		if (c == 'h') {
			opts_help(stdout, table, u);
			return -2;
		}
		if (c > HELP_VAL)
			o = &table[c - HELP_VAL - 1];
		for (idx = 0; !o && idx < n; idx++)
			if (table[idx].shortopt == c)
				o = &table[idx];
		if (!o) { /* getopt said what was wrong */
			opts_help(stderr, table, u);
			return -1;
		}
		if (!o->set)
			*(bool *)o->value = true;
		else if (o->set(o, o->arg ? optarg : NULL) < 0)
			return -1;
	}
	return optind;
}
