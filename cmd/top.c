/* SPDX-License-Identifier: MIT */
/*
 * pftrace top: a live view of a recording, as top and perf top are: the processes, areas,
 * files, cgroups or kinds faulting now, each interval's faults per second, major faults and
 * p99 latency and (--why) where their time went, redrawn on a terminal (keys: q quit, g
 * grouping, s sort) or written as one JSON line per interval (--jsonl, --jsonl-file) for
 * programs. The recording is record's own; this file only keeps each interval's rows and shows
 * them.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include "cli.h"

/* What top groups by (g cycles through them, in this order). */
static const enum pft_by groupings[] = {PFT_BY_PID,	 PFT_BY_COMM, PFT_BY_VMA, PFT_BY_FILE,
					PFT_BY_SYM,	 PFT_BY_CGROUP, PFT_BY_KIND};
#define NR_GROUPINGS (sizeof(groupings) / sizeof(groupings[0]))

enum sort_by {
	SORT_FAULTS,
	SORT_MAJOR,
	SORT_P99,
	NR_SORTS,
};
static const char *const sort_names[NR_SORTS] = {"faults", "major", "p99"};

/* One row of an interval: a key and what its faults were. */
struct row {
	char key[256]; /* what the row is, as shown (the process, area, file, ...) */
	int pid;       /* by pid and vma: the process; else 0 */
	char comm[32]; /* by pid and vma: its comm */
	uint64_t faults, major;
	uint32_t *lat; /* each fault's latency (ns, at most UINT32_MAX) */
	size_t nr_lat, cap_lat;
	uint64_t p99; /* once the interval is over */
	/* --why: the faults whose time was split, and the parts' sums */
	uint64_t why_faults, why_ns[PFT_CAUSE_COUNT];
};

struct top {
	enum pft_by by;
	enum sort_by sort;
	double interval;	 /* seconds */
	int rows;		 /* rows shown on the screen (0: as many as fit) */
	bool screen;		 /* standard output is a terminal, redrawn each interval */
	bool jsonl;		 /* standard output gets the JSON lines instead */
	struct pft_outfile *log; /* --jsonl-file: each interval's JSON line too, or NULL */
	const char *log_path;
	bool why;  /* each row's time split into causes (record --why) */
	bool keys; /* standard input is a terminal, read for keys */
	struct termios saved;
	struct row *v;
	size_t nr, cap;
	uint64_t faults, major;
	unsigned int n; /* intervals shown so far */
	struct timespec start, since;
};

/* Room for n elements of size elem in *arr (*cap of them now): 0, or -1 (ENOMEM). */
static int grow(void **arr, size_t *cap, size_t n, size_t elem)
{
	size_t want = *cap ? *cap : 16;
	void *p;

	if (n <= *cap)
		return 0;
	while (want < n)
		want *= 2;
	if (!(p = realloc(*arr, want * elem)))
		return -1;
	*arr = p;
	*cap = want;
	return 0;
}

static double seconds(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (b->tv_nsec - a->tv_nsec) / 1e9;
}

/* ---------------------------------------------------------------- rows */

/* The function that faulted and its file's name ("memset (libc.so.6)"); code not named, its
 * file's (a row per unnamed address would flood the screen). */
static void sym_key(const struct pft_fault *f, char *key, size_t size)
{
	const char *m = f->has_symbol && f->symbol.module ? f->symbol.module : NULL;
	const char *base = m && strrchr(m, '/') ? strrchr(m, '/') + 1 : m;

	if (f->has_symbol && f->symbol.function)
		snprintf(key, size, "%s (%s)", f->symbol.function, base ? base : "?");
	else
		snprintf(key, size, "(%s)", base ? base : "not named");
}

/* The key of f's row, as shown, and its process when the row is of one. */
static void key_of(const struct top *t, const struct pft_fault *f, char *key, size_t size, int *pid)
{
	const struct pft_vma *v = f->vma;

	*pid = 0;
	switch (t->by) {
	case PFT_BY_PID:
		*pid = f->pid;
		snprintf(key, size, "%d", f->pid);
		return;
	case PFT_BY_COMM:
		snprintf(key, size, "%s", f->ev->comm ? f->ev->comm : "?");
		return;
	case PFT_BY_VMA:
		*pid = f->pid;
		snprintf(key, size, "%s", v ? v->name : "(no vma)");
		return;
	case PFT_BY_FILE:
		snprintf(key, size, "%s", v ? v->name : "(no vma)");
		return;
	case PFT_BY_CGROUP:
		snprintf(key, size, "%s", f->cgroup ? f->cgroup : "(not known)");
		return;
	case PFT_BY_SYM:
		sym_key(f, key, size);
		return;
	default:
		snprintf(key, size, "%s", pft_kind_name(f->kind));
	}
}

/* An interval holds a few hundred rows at most: looked for from the last one used (faults
 * come in runs of one process and area). */
static struct row *row_of(struct top *t, const char *key, int pid, const char *comm)
{
	static size_t last;
	size_t i;

	for (i = 0; i < t->nr; i++) {
		struct row *r = &t->v[(last + i) % t->nr];

		if (r->pid == pid && !strcmp(r->key, key)) {
			last = (size_t)(r - t->v);
			return r;
		}
	}
	if (grow((void **)&t->v, &t->cap, t->nr + 1, sizeof(*t->v)) < 0)
		return NULL;
	last = t->nr;
	t->v[t->nr] = (struct row){.pid = pid};
	snprintf(t->v[t->nr].key, sizeof(t->v[t->nr].key), "%s", key);
	snprintf(t->v[t->nr].comm, sizeof(t->v[t->nr].comm), "%s", comm ? comm : "?");
	return &t->v[t->nr++];
}

int top_fault(struct top *t, const struct pft_fault *f)
{
	char key[256];
	struct row *r;
	int pid, i;

	key_of(t, f, key, sizeof(key), &pid);
	if (!(r = row_of(t, key, pid, f->ev->comm)))
		return -1;
	/* the process's name as it is now (a row of a process that exec'd shows its new one) */
	if (pid && f->ev->comm && strcmp(r->comm, f->ev->comm))
		snprintf(r->comm, sizeof(r->comm), "%s", f->ev->comm);
	r->faults++;
	r->major += f->major == 1;
	t->faults++;
	t->major += f->major == 1;
	if (f->why_ns) {
		for (i = 0; i < PFT_CAUSE_COUNT; i++)
			r->why_ns[i] += f->why_ns[i];
		r->why_faults++;
	}
	if (!f->has_latency)
		return 0;
	if (grow((void **)&r->lat, &r->cap_lat, r->nr_lat + 1, sizeof(*r->lat)) < 0)
		return -1;
	r->lat[r->nr_lat++] = f->latency_ns > UINT32_MAX ? UINT32_MAX : (uint32_t)f->latency_ns;
	return 0;
}

static int by_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static int rows_order(const void *a, const void *b, void *data)
{
	const struct row *x = a, *y = b;
	enum sort_by s = *(const enum sort_by *)data;
	uint64_t vx = s == SORT_MAJOR ? x->major : s == SORT_P99 ? x->p99 : x->faults;
	uint64_t vy = s == SORT_MAJOR ? y->major : s == SORT_P99 ? y->p99 : y->faults;

	if (vx != vy)
		return vx > vy ? -1 : 1;
	if (x->faults != y->faults)
		return x->faults > y->faults ? -1 : 1;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return strcmp(x->key, y->key);
}

/* The interval is over: each row's p99, the rows in order. */
static void close_rows(struct top *t)
{
	enum sort_by s = t->sort;
	size_t i;

	for (i = 0; i < t->nr; i++) {
		struct row *r = &t->v[i];

		r->p99 = 0;
		if (!r->nr_lat)
			continue;
		qsort(r->lat, r->nr_lat, sizeof(*r->lat), by_u32);
		r->p99 = r->lat[(size_t)(0.99 * (double)(r->nr_lat - 1) + 0.5)];
	}
	if (t->nr) /* (an interval without faults has no rows: v may be NULL) */
		qsort_r(t->v, t->nr, sizeof(*t->v), rows_order, &s);
}

static void reset_rows(struct top *t)
{
	size_t i;

	for (i = 0; i < t->nr; i++)
		free(t->v[i].lat);
	t->nr = 0;
	t->faults = t->major = 0;
}

/* ---------------------------------------------------------------- the frame */

/* The cause that took most of a row's time (the first of equals), or PFT_CAUSE_COUNT. */
static enum pft_cause top_cause(const struct row *r)
{
	enum pft_cause best = PFT_CAUSE_COUNT;
	int i;

	for (i = 0; i < PFT_CAUSE_COUNT; i++)
		if (r->why_ns[i] && (best == PFT_CAUSE_COUNT || r->why_ns[i] > r->why_ns[best]))
			best = (enum pft_cause)i;
	return best;
}

/* --why: a row's split, as report's rows have it ({"faults", "ns": {CAUSE: ns}}), or null. */
static json_t *why_json(const struct top *t, const struct row *r)
{
	json_t *o;

	if (!t->why || !r->why_faults)
		return json_null();
	o = json_object();
	json_object_set_new(o, "faults", json_integer((json_int_t)r->why_faults));
	json_object_set_new(o, "ns", pft_cause_ns_json(r->why_ns));
	return o;
}

/* One interval as a JSON line: every row, in the screen's order. */
static json_t *interval_json(const struct top *t, double from, double secs)
{
	json_t *o = json_object(), *rows = json_array();
	size_t i;

	for (i = 0; i < t->nr; i++) {
		const struct row *r = &t->v[i];
		json_t *j = json_object();

		json_object_set_new(j, "key", pft_json_str(r->key));
		json_object_set_new(j, "pid", r->pid ? json_integer(r->pid) : json_null());
		json_object_set_new(j, "comm", r->pid ? pft_json_str(r->comm) : json_null());
		json_object_set_new(j, "faults", json_integer((json_int_t)r->faults));
		json_object_set_new(j, "faults_per_s",
				    json_real(secs > 0 ? (double)r->faults / secs : 0));
		json_object_set_new(j, "major", json_integer((json_int_t)r->major));
		json_object_set_new(j, "p99_ns",
				    r->nr_lat ? json_integer((json_int_t)r->p99) : json_null());
		json_object_set_new(j, "why", why_json(t, r));
		json_array_append_new(rows, j);
	}
	json_object_set_new(o, "pftrace_json_version", json_integer(PFT_JSON_VERSION));
	json_object_set_new(o, "interval", json_integer(t->n));
	json_object_set_new(o, "start_s", json_real(from));
	json_object_set_new(o, "seconds", json_real(secs));
	json_object_set_new(o, "by", json_string(pft_by_name(t->by)));
	json_object_set_new(o, "sort", json_string(sort_names[t->sort]));
	json_object_set_new(o, "faults", json_integer((json_int_t)t->faults));
	json_object_set_new(o, "major", json_integer((json_int_t)t->major));
	json_object_set_new(o, "rows", rows);
	return o;
}

static int put_line(FILE *out, const json_t *o)
{
	if (json_dumpf(o, out, JSON_COMPACT | JSON_ENSURE_ASCII) < 0 || fputc('\n', out) == EOF ||
	    fflush(out) == EOF)
		return -1;
	return 0;
}

/* The rows that fit the terminal (or -n), under the two lines of the header. */
static size_t rows_shown(const struct top *t)
{
	struct winsize ws;
	size_t fit = 20;

	if (t->rows > 0)
		return (size_t)t->rows;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 4)
		fit = ws.ws_row - 4;
	return fit;
}

/* --why: the cause that took most of the row's time and its share ("io 71%"), in 15 columns */
static void put_cause(const struct row *r)
{
	enum pft_cause c = top_cause(r);
	uint64_t sum = 0;
	char s[32];
	int i;

	for (i = 0; i < PFT_CAUSE_COUNT; i++)
		sum += r->why_ns[i];
	if (c == PFT_CAUSE_COUNT)
		snprintf(s, sizeof(s), "-");
	else
		snprintf(s, sizeof(s), "%s %.0f%%", pft_cause_name(c), 100.0 * r->why_ns[c] / sum);
	printf("%-15s  ", s);
}

static void put_screen(const struct top *t, double secs)
{
	size_t i, n = rows_shown(t);
	bool proc = t->by == PFT_BY_PID || t->by == PFT_BY_VMA;

	fputs("\033[H\033[2J", stdout);
	printf("pftrace top: interval %u (%.2f s), by %s, sorted by %s: %.0f faults/s, %.0f "
	       "major/s   [q quit, g group, s sort]\n\n",
	       t->n, secs, pft_by_name(t->by), sort_names[t->sort],
	       secs > 0 ? t->faults / secs : 0.0, secs > 0 ? t->major / secs : 0.0);
	printf("%s  FAULTS/S    FAULTS   MAJOR    P99-US%s%s%s\n",
	       proc ? "    PID COMM            " : "", t->why ? "  TIME WENT TO   " : "",
	       t->by == PFT_BY_PID ? "" : "  ", t->by == PFT_BY_PID ? "" : pft_by_name(t->by));
	for (i = 0; i < t->nr && i < n; i++) {
		const struct row *r = &t->v[i];

		if (proc) {
			printf("%7d ", r->pid);
			pft_put_padded(stdout, r->comm, PFT_TEXT_TERM, 16, false);
		}
		printf("%10.0f %9llu %7llu ", secs > 0 ? r->faults / secs : 0.0,
		       (unsigned long long)r->faults, (unsigned long long)r->major);
		if (r->nr_lat)
			printf("%9.1f  ", r->p99 / 1e3);
		else
			printf("%9s  ", "-");
		if (t->why)
			put_cause(r);
		/* by pid, the row is its PID and COMM */
		if (t->by != PFT_BY_PID)
			pft_put_text(stdout, r->key, PFT_TEXT_TERM, 0);
		fputc('\n', stdout);
	}
	fflush(stdout);
}

/* The interval now over: shown, written, and its rows started again. */
static int show(struct top *t)
{
	struct timespec now;
	double secs, from;
	json_t *o = NULL;
	int ret = 0;

	clock_gettime(CLOCK_MONOTONIC, &now);
	secs = seconds(&t->since, &now);
	from = seconds(&t->start, &t->since);
	t->n++;
	close_rows(t);
	if (t->jsonl || t->log) {
		if (!(o = interval_json(t, from, secs)))
			return -1;
		if (t->jsonl && put_line(stdout, o) < 0 && errno != EPIPE)
			ret = -1;
		if (t->log && put_line(pft_outfile_file(t->log), o) < 0) {
			fprintf(stderr, "pftrace: cannot write '%s': %s\n", t->log_path,
				strerror(errno));
			ret = -1;
		}
		json_decref(o);
	}
	if (t->screen)
		put_screen(t, secs);
	reset_rows(t);
	t->since = now;
	return ret;
}

/* ---------------------------------------------------------------- keys */

static void keys_on(struct top *t)
{
	struct termios raw;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &t->saved) < 0)
		return;
	raw = t->saved;
	raw.c_lflag &= ~(ICANON | ECHO);
	raw.c_cc[VMIN] = 0;
	raw.c_cc[VTIME] = 0;
	t->keys = tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
}

static void keys_off(struct top *t)
{
	if (t->keys)
		tcsetattr(STDIN_FILENO, TCSANOW, &t->saved);
	t->keys = false;
}

/* The keys typed since the last tick: q stops the recording; g ends the interval now (its rows
 * are of the grouping they were counted by) and groups the next one the next way; s sorts the
 * rows the next way from this interval's frame on. */
static int read_keys(struct top *t, struct pft_record *rec)
{
	struct pollfd p = {.fd = STDIN_FILENO, .events = POLLIN};
	char c;
	size_t i;

	while (t->keys && poll(&p, 1, 0) > 0 && read(STDIN_FILENO, &c, 1) == 1) {
		if (c == 'q') {
			pft_record_stop(rec);
		} else if (c == 'g') {
			if (show(t) < 0)
				return -1;
			for (i = 0; i < NR_GROUPINGS && groupings[i] != t->by; i++)
				;
			t->by = groupings[(i + 1) % NR_GROUPINGS];
		} else if (c == 's') {
			t->sort = (t->sort + 1) % NR_SORTS;
		}
	}
	return 0;
}

int top_tick(struct top *t, struct pft_record *rec)
{
	struct timespec now;

	if (read_keys(t, rec) < 0)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (seconds(&t->since, &now) < t->interval)
		return 0;
	return show(t);
}

int top_end(struct top *t)
{
	int ret = t->nr || !t->n ? show(t) : 0;

	keys_off(t);
	return ret;
}

/* ---------------------------------------------------------------- options */

static const struct opts_usage usage = {
    .synopsis = "usage: pftrace top [options] -p PID[,PID...]\n"
		"       pftrace top [options] [--] COMMAND [ARGS...]\n"
		"       pftrace top [options] -a [[--] COMMAND [ARGS...]]\n"
		"       pftrace top [options] --cgroup CGROUP",
    .about = "A live view of a recording, as top: the processes (or areas, files, cgroups,\n"
	     "kinds) faulting now, each interval's faults per second, major faults and p99\n"
	     "latency. On a terminal: q quits, g changes the grouping, s the sort. Needs what\n"
	     "record needs.",
    .after = "Exit status: 0 ok, 1 failure, 2 usage; with COMMAND, the command's own status\n"
	     "(as record's).",
};

static int opt_top_by(const struct opt *o, const char *arg)
{
	struct top *t = o->value;
	int by = pft_by_parse(arg);
	size_t i;

	for (i = 0; by >= 0 && i < NR_GROUPINGS && groupings[i] != (enum pft_by)by; i++)
		;
	if (by < 0 || i == NR_GROUPINGS) {
		fprintf(stderr,
			"pftrace: top: --by '%s': use pid, comm, vma, file, sym, cgroup or kind\n",
			arg);
		return -1;
	}
	t->by = (enum pft_by)by;
	return 0;
}

static int opt_sort(const struct opt *o, const char *arg)
{
	struct top *t = o->value;
	int s;

	for (s = 0; s < NR_SORTS && strcmp(arg, sort_names[s]); s++)
		;
	if (s == NR_SORTS) {
		fprintf(stderr, "pftrace: top: --sort '%s': use faults, major or p99\n", arg);
		return -1;
	}
	t->sort = (enum sort_by)s;
	return 0;
}

static int parse(int argc, char **argv, struct record_args *a, struct top *t)
{
	const struct opt table[] = {
	    OPT_FLAG('a', "all", &a->all, "every process of the machine (as record -a)"),
	    OPT_STRING(0, "cgroup", "CGROUP", &a->cgroup, "a cgroup's processes (as record)"),
	    OPT_CALL('p', "pid", "PID[,PID]", opt_pids, &a->targets,
		     "these running processes and what they start"),
	    OPT_INT(0, "pidns", "PID", &a->pidns, 1, INT32_MAX,
		    "-p's pids as the PID namespace of process PID\nsees them (as record)"),
	    OPT_DOUBLE('d', "duration", "SECS", &a->duration, "stop after SECS seconds"),
	    OPT_CALL('b', "by", "KEY", opt_top_by, t,
		     "group by pid (default), comm, vma, file, sym\n(function), cgroup or kind"),
	    OPT_CALL('s', "sort", "KEY", opt_sort, t, "sort by faults (default), major or p99"),
	    OPT_FLAG(0, "why", &t->why,
		     "each row's fault time split into causes (as record\n--why): the screen shows the "
		     "cause that took\nmost of it"),
	    OPT_DOUBLE('i', "interval", "SECS", &t->interval,
		       "seconds per interval (default 1; at least 0.2)"),
	    OPT_INT('n', "top", "N", &t->rows, 0, INT32_MAX,
		    "rows on the screen (default: as many as fit)"),
	    OPT_FLAG(0, "jsonl", &t->jsonl,
		     "one JSON line per interval on stdout instead of\nthe screen"),
	    OPT_STRING(0, "jsonl-file", "FILE", &t->log_path,
		       "and a copy of each interval's JSON line in FILE"),
	    OPT_CALL(0, "source", "auto|tracefs|perf", opt_source, &a->source,
		     "what tells the faults (as record)"),
	    OPT_FLAG('q', "quiet", &a->quiet, "no notices"),
	    OPT_END,
	};
	int first;

	a->out.top = -1;
	a->out.keep_exited = -1;
	a->out.arch = -1;
	t->interval = 1;
	first = opts_parse(table, &usage, argc, argv, true);
	if (first < 0)
		return first == -2 ? 1 : -1;
	if (first < argc)
		a->argv = argv + first;
	if (t->interval < 0.2) {
		fprintf(stderr,
			"pftrace: top: --interval %g: at least 0.2 (a read of the buffers)\n",
			t->interval);
		return -1;
	}
	/* every fault's latency: the p99 */
	a->latency = true;
	a->why = t->why ? 1 : 0;
	a->top = t;
	return record_check(a);
}

/* The file of JSON lines: written whole at the end or not at all, never through a link
 * another user planted (as every output file is); checked before the recording starts. */
static int open_log(struct top *t)
{
	const char *why = NULL;

	if (!t->log_path)
		return 0;
	if (!(t->log = pft_outfile_open(t->log_path, 0644, &why))) {
		out_cannot_write(t->log_path, why ? why : strerror(errno));
		return -1;
	}
	return 0;
}

int cmd_top(int argc, char **argv)
{
	struct record_args a = {0};
	struct top t = {.by = PFT_BY_PID};
	int ret = parse(argc, argv, &a, &t);

	if (ret) {
		free(a.targets.v);
		return ret < 0 ? EXIT_USAGE : EXIT_OK;
	}
	if (open_log(&t) < 0) {
		free(a.targets.v);
		return EXIT_FAIL;
	}
	t.screen = !t.jsonl && isatty(STDOUT_FILENO);
	if (!t.screen && !t.jsonl && !t.log) {
		fprintf(stderr, "pftrace: top: standard output is not a terminal: use --jsonl\n");
		free(a.targets.v);
		return EXIT_USAGE;
	}
	/* the command's output would tear the screen: it goes to stderr only with --jsonl */
	a.out.out = t.jsonl ? SINK_JSONL : SINK_TABLE;
	a.top = &t;
	/* functions are named from the start: g may group by them at any moment */
	if (!(a.out.syms = pft_syms_new(NULL))) {
		fprintf(stderr, "pftrace: %s\n", strerror(errno));
		free(a.targets.v);
		return EXIT_FAIL;
	}
	if (t.screen)
		keys_on(&t);
	clock_gettime(CLOCK_MONOTONIC, &t.start);
	t.since = t.start;
	ret = record_main(&a);
	keys_off(&t);
	reset_rows(&t);
	free(t.v);
	/* what it holds is whole lines, whatever ended the run */
	if (t.log && pft_outfile_commit(t.log) < 0) {
		out_cannot_write(t.log_path, strerror(errno));
		ret = EXIT_FAIL;
	}
	return ret;
}
