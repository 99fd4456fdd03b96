/* SPDX-License-Identifier: MIT */
/* pftrace record: trace running processes or a command, live, into a report or a trace.dat. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <libgen.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <dirent.h>
#include <time.h>
#include <unistd.h>
#include "cli.h"
#include "../lib/dat.h"
#include "../lib/live.h"
#include "../lib/ptrace.h"

#define DEFAULT_BUFFER_KB 16384 /* per CPU: about 2 s of a 260K faults/s storm */
#define MAX_FDS		  1024

struct record_args {
	struct out_opts out;
	int *targets;
	size_t nr_targets;
	char **argv; /* -- COMMAND */
	double duration;
	long buffer_kb;
	const char *output;
	bool quiet, no_history, no_major;
};

struct target {
	int pid;
	bool seized, gone;
	/* the kernel's fault counters when tracing began and at the end (exit stop, or now) */
	bool have0, have1;
	uint64_t min0, maj0, min1, maj1;
};

struct rec {
	const struct record_args *a;
	struct pft_live *live;
	struct pft_aspace *as;
	struct pft_report *rep;
	struct pft_comms *comms;
	struct pft_child child;
	struct target *targets;
	size_t nr_targets;
	int sigfd;
	bool stop, pipe_closed, child_done, progress;
	int child_status, signals;
	uint64_t faults, lost, lost_completions;
	struct timespec start, last_tick;
	struct pft_source_stats st;
};

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: pftrace record [options] -p PID[,PID...]\n"
	    "       pftrace record [options] [--] COMMAND [ARGS...]\n"
	    "\n"
	    "Traces page faults live in a tracefs instance of its own, then reports them\n"
	    "(as pftrace report does) or writes a trace.dat. Needs root (or tracefs access).\n"
	    "\n"
	    "  -p, --pid PID[,PID]    trace these running processes, every thread, and what\n"
	    "                         they start later (repeatable)\n"
	    "  -d, --duration SECS    stop after SECS seconds (default: Ctrl-C, or when every\n"
	    "                         traced process has exited)\n"
	    "  -o, --output FILE      write a trace.dat (trace-cmd's format) instead of a table\n"
	    "      --buffer-kb N      ring buffer per CPU in KiB (default %d)\n"
	    "  -k, --kernel           also record page_fault_kernel events\n"
	    "  -q, --quiet            no progress line\n"
	    "      --no-history       do not follow exec, fork and the mmap family: join\n"
	    "                         faults with maps snapshots only\n"
	    "      --no-major         do not sample fault completions (perf): no major/minor,\n"
	    "                         no latency\n"
	    "  -b, --by KEY           group by vma (default), file, page, ip, tid or kind\n"
	    "  -n, --top N            rows to show (table: 20; JSON: all; 0 = all)\n"
	    "  -j, --json             one JSON document on stdout at the end\n"
	    "      --jsonl            one JSON object per fault on stdout, while recording\n"
	    "  -h, --help             this help\n"
	    "\n"
	    "Exit status: 0 ok, 1 failure, 2 usage; with COMMAND, the command's own status\n"
	    "(128+N if a signal N ended it; 127 not found, 126 not executable).\n",
	    DEFAULT_BUFFER_KB);
}

static int parse(int argc, char **argv, struct record_args *a)
{
	static const struct option longopts[] = {
	    OUT_LONGOPTS,
	    {"pid", required_argument, NULL, 'p'},
	    {"duration", required_argument, NULL, 'd'},
	    {"output", required_argument, NULL, 'o'},
	    {"buffer-kb", required_argument, NULL, 'B'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"no-history", no_argument, NULL, 'H'},
	    {"no-major", no_argument, NULL, 'M'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	char *end;
	int c;

	a->out.top = -1;
	a->buffer_kb = DEFAULT_BUFFER_KB;
	optind = 1;
	/* '+': the first word that is not an option starts the command */
	while ((c = getopt_long(argc, argv, "+" OUT_SHORTOPTS "p:d:o:qh", longopts, NULL)) != -1) {
		int r;

		switch (c) {
		case 'h':
			usage(stdout);
			return 1;
		case 'p':
			if (parse_pids(optarg, &a->targets, &a->nr_targets) < 0)
				return -1;
			continue;
		case 'd':
			errno = 0;
			a->duration = strtod(optarg, &end);
			if (errno || *end || end == optarg || a->duration <= 0) {
				fprintf(stderr,
					"pftrace: --duration '%s': not a number of seconds\n",
					optarg);
				return -1;
			}
			continue;
		case 'o':
			a->output = optarg;
			continue;
		case 'B':
			if (parse_int("--buffer-kb", optarg, 4, 1L << 30, &a->buffer_kb) < 0)
				return -1;
			continue;
		case 'q':
			a->quiet = true;
			continue;
		case 'H':
			a->no_history = true;
			continue;
		case 'M':
			a->no_major = true;
			continue;
		}
		r = out_opt(&a->out, c, optarg);
		if (r <= 0) {
			if (!r)
				usage(stderr);
			return -1;
		}
	}
	if (optind < argc)
		a->argv = argv + optind;
	if (!!a->argv == !!a->nr_targets) {
		fprintf(stderr, "pftrace: record: give either -p PID or -- COMMAND\n");
		return -1;
	}
	return out_check(&a->out);
}

/* ---------------------------------------------------------------- targets and maps */

/* A -p target must be a live user process: one clear line says why not. */
static int check_target(int pid)
{
	char path[64], comm[64] = "?", state = 0, buf[512];
	FILE *f;
	int c;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "re");
	if (!f || !fgets(buf, sizeof(buf), f)) {
		if (f)
			fclose(f);
		fprintf(stderr, "pftrace: no process %d\n", pid);
		return -1;
	}
	fclose(f);
	if (strrchr(buf, ')'))
		state = strrchr(buf, ')')[2];
	pft_proc_comm(pid, comm, sizeof(comm));
	if (state == 'Z') {
		fprintf(stderr, "pftrace: process %d (%s) is a zombie: it takes no more faults\n",
			pid, comm);
		return -1;
	}
	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "re");
	if (!f) {
		fprintf(stderr, "pftrace: cannot read '%s': %s\n", path, strerror(errno));
		return -1;
	}
	c = getc(f);
	fclose(f);
	if (c == EOF) {
		fprintf(
		    stderr,
		    "pftrace: process %d (%s) is a kernel thread: it takes no user page faults\n",
		    pid, comm);
		return -1;
	}
	return 0;
}

static const char *comm_of(struct rec *r, int tid)
{
	const char *c = pft_comms_get(r->comms, tid);
	char now[64];

	if (c)
		return c;
	if (pft_proc_comm(tid, now, sizeof(now)) < 0)
		snprintf(now, sizeof(now), "<...>");
	pft_comms_set(r->comms, tid, now);
	return pft_comms_get(r->comms, tid);
}

/* Marks the moment in the trace, then reads pid's maps: the snapshot is dated in the trace's own
 * clock when the marker comes back, and a change made while reading is applied again after it
 * (mmap, munmap and mprotect are idempotent). */
static int snapshot(struct rec *r, int pid)
{
	char path[64], exe[4096] = "", mark[64];
	struct pft_maps *m;
	ssize_t n;

	snprintf(mark, sizeof(mark), PFT_SNAP_MARKER "%u %d", pft_aspace_next_snapshot_id(r->as),
		 pid);
	pft_live_mark(r->live, mark);
	m = pft_maps_load_pid(pid);
	if (!m)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	n = readlink(path, exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	return pft_aspace_add_snapshot(r->as, pid, PFT_TS_PENDING, m, exe) < 0 ? -1 : 0;
}

static int resolve_snapshot(void *data, struct pft_aspace *as, int pid, const char *comm)
{
	(void)as;
	(void)comm;
	return snapshot(data, pid);
}

static int resolve_tgid(void *data, int tid, const char *comm)
{
	(void)data;
	(void)comm;
	return pft_proc_tgid(tid);
}

/* Every thread of pid into set_event_pid, in one write. */
static int add_threads(struct rec *r, int pid)
{
	int *tids = NULL, *more;
	size_t n = 0;
	char path[64];
	struct dirent *d;
	DIR *dir;
	int ret;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	if (!dir)
		return -1;
	while ((d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		more = realloc(tids, (n + 1) * sizeof(*tids));
		if (!more) {
			free(tids);
			closedir(dir);
			return -1;
		}
		tids = more;
		tids[n++] = atoi(d->d_name);
	}
	closedir(dir);
	ret = pft_live_add_pids(r->live, tids, n);
	free(tids);
	return ret;
}

/* ---------------------------------------------------------------- events */

/* true if ev is one of our snapshot markers: it dates that snapshot */
static bool note_marker(struct rec *r, const struct pft_event *ev)
{
	unsigned int id;
	int pid;

	if (!ev->text || sscanf(ev->text, PFT_SNAP_MARKER "%u %d", &id, &pid) != 2)
		return false;
	pft_aspace_date_snapshot(r->as, pid, id, ev->ts);
	return true;
}

static int on_event(void *data, const struct pft_event *cev)
{
	struct rec *r = data;
	struct pft_event ev = *cev;

	if (ev.type == PFT_EV_MARKER && note_marker(r, &ev))
		return 0; /* pftrace's own, not the program's */
	if (ev.type == PFT_EV_EXEC) {
		const char *base = strrchr(ev.text, '/');

		pft_comms_set(r->comms, ev.tid, base ? base + 1 : ev.text);
	}
	ev.comm = comm_of(r, ev.tid);
	r->st.events++;
	return pft_report_add(r->rep, &ev);
}

/* Each fault, once complete: counted for the progress line, and streamed with --jsonl. */
static int on_fault(void *data, const struct pft_fault *f)
{
	struct rec *r = data;

	r->faults++;
	if (!r->a->out.jsonl || r->pipe_closed || out_jsonl(f) == 0)
		return 0;
	if (errno != EPIPE)
		return -1;
	/* the reader (head, jq) is done: end the recording cleanly */
	r->pipe_closed = r->stop = true;
	return 0;
}

/* ---------------------------------------------------------------- the loop */

static double elapsed(const struct timespec *since)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec - since->tv_sec + (now.tv_nsec - since->tv_nsec) / 1e9;
}

static void progress(struct rec *r, bool last)
{
	struct pft_live_stats st;
	double t = elapsed(&r->start);

	clock_gettime(CLOCK_MONOTONIC, &r->last_tick);
	if (pft_live_stats(r->live, &st) == 0) {
		r->lost = st.lost;
		r->lost_completions = st.lost_completions;
	}
	if (!r->progress)
		return;
	if (last) {
		fprintf(stderr, "\r\033[K");
		return;
	}
	fprintf(stderr, "\rpftrace: %.1f s, %" PRIu64 " faults, %.0f/s, %" PRIu64 " lost\033[K", t,
		r->faults, t > 0 ? r->faults / t : 0.0, r->lost);
}

static struct target *target_of(struct rec *r, int pid)
{
	size_t i;

	for (i = 0; i < r->nr_targets; i++)
		if (r->targets[i].pid == pid)
			return &r->targets[i];
	return NULL;
}

static bool all_gone(const struct rec *r)
{
	size_t i;

	if (r->a->argv)
		return r->child_done;
	for (i = 0; i < r->nr_targets; i++)
		if (!r->targets[i].gone)
			return false;
	return true;
}

/* What the tracees did: an exit stop is the last moment their maps can be read. */
static void tracees(struct rec *r)
{
	int status, k;
	pid_t pid;

	while ((k = pft_ptrace_poll(&pid, &status)) != PFT_STOP_NONE && k >= 0) {
		struct target *t = target_of(r, pid);

		if (k == PFT_STOP_EXIT_EVENT || k == PFT_STOP_EXEC_EVENT) {
			/* the last look at an image, or the first at a new one (a launcher's exec) */
			snapshot(r, pid);
			if (k == PFT_STOP_EXIT_EVENT && t)
				t->have1 = pft_proc_faults(pid, &t->min1, &t->maj1) == 0;
			pft_ptrace_resume(pid);
		} else if (k == PFT_STOP_EXITED) {
			if (pid == r->child.pid) {
				r->child_done = true;
				r->child_status = status;
			}
			if (t)
				t->gone = true;
		}
	}
	/* targets that could not be seized are watched by their pid */
	for (size_t i = 0; i < r->nr_targets; i++)
		if (!r->targets[i].seized && !r->targets[i].gone &&
		    kill(r->targets[i].pid, 0) < 0 && errno == ESRCH)
			r->targets[i].gone = true;
}

static void on_signals(struct rec *r)
{
	struct signalfd_siginfo si;

	while (read(r->sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGCHLD)
			continue; /* tracees() looks at every child */
		r->signals++;
		/* a command gets SIGTERM/SIGHUP passed on and the recording follows it to its end;
		 * ^C reaches it through the terminal. A second signal ends the recording now. */
		if (r->a->argv && r->signals == 1 && !r->child_done) {
			if (si.ssi_signo != SIGINT)
				kill(r->child.pid, (int)si.ssi_signo);
			continue;
		}
		r->stop = true;
	}
}

static int loop(struct rec *r)
{
	int fds[MAX_FDS], n = pft_live_fds(r->live, fds, MAX_FDS - 1), i;
	struct pollfd pfd[MAX_FDS];

	for (i = 0; i < n; i++)
		pfd[i] = (struct pollfd){.fd = fds[i], .events = POLLIN};
	pfd[n] = (struct pollfd){.fd = r->sigfd, .events = POLLIN};
	while (!r->stop) {
		if (poll(pfd, n + 1, 200) < 0 && errno != EINTR)
			return -1;
		on_signals(r);
		if (pft_live_read(r->live) < 0)
			return -1;
		/* --jsonl: a batch at a time, so that a pipe sees faults while they happen */
		if (r->a->out.jsonl && !r->pipe_closed && fflush(stdout) == EOF && errno == EPIPE)
			r->pipe_closed = r->stop = true;
		tracees(r);
		if (all_gone(r))
			break;
		if (r->a->duration > 0 && elapsed(&r->start) >= r->a->duration)
			break;
		if (elapsed(&r->last_tick) >= 0.5)
			progress(r, false);
	}
	return 0;
}

/* ---------------------------------------------------------------- setup */

static int start_command(struct rec *r, int *status)
{
	int err, rr;

	/* JSON on stdout stays JSON: the command's own output goes to stderr then */
	if (pft_child_spawn(r->a->argv, r->a->out.json || r->a->out.jsonl, &r->child) < 0) {
		fprintf(stderr, "pftrace: cannot start '%s': %s\n", r->a->argv[0], strerror(errno));
		return -1;
	}
	rr = pft_child_exec(&r->child, &err, status);
	if (rr < 0) {
		fprintf(stderr, "pftrace: cannot trace '%s': %s\n", r->a->argv[0], strerror(errno));
		pft_child_abandon(&r->child);
		return -1;
	}
	if (rr > 0) {
		fprintf(stderr, "pftrace: cannot run '%s': %s\n", r->a->argv[0],
			strerror(err ? err : ECHILD));
		r->child.pid = -1;
		return 1;
	}
	/* stopped at its first instruction: filter on it, arm, snapshot, let it go */
	if (pft_live_add_pid(r->live, r->child.pid) < 0 || pft_live_arm(r->live) < 0) {
		fprintf(stderr, "pftrace: cannot arm tracing: %s\n", strerror(errno));
		pft_child_abandon(&r->child);
		return -1;
	}
	snapshot(r, r->child.pid);
	/* the command is a target too: its fault counters are compared with what was traced */
	r->targets = calloc(1, sizeof(*r->targets));
	if (r->targets) {
		r->nr_targets = 1;
		r->targets[0].pid = r->child.pid;
		r->targets[0].seized = true;
		r->targets[0].have0 = pft_proc_faults(r->child.pid, &r->targets[0].min0,
						      &r->targets[0].maj0) == 0;
	}
	pft_ptrace_resume(r->child.pid);
	return 0;
}

static int start_targets(struct rec *r)
{
	size_t i;

	r->targets = calloc(r->a->nr_targets, sizeof(*r->targets));
	if (!r->targets)
		return -1;
	r->nr_targets = r->a->nr_targets;
	for (i = 0; i < r->nr_targets; i++) {
		int tgid = pft_proc_tgid(r->a->targets[i]);

		r->targets[i].pid = tgid > 0 ? tgid : r->a->targets[i];
		if (add_threads(r, r->targets[i].pid) < 0) {
			fprintf(stderr, "pftrace: cannot trace process %d: %s\n", r->targets[i].pid,
				strerror(errno));
			return -1;
		}
	}
	if (pft_live_arm(r->live) < 0) {
		fprintf(stderr, "pftrace: cannot arm tracing: %s\n", strerror(errno));
		return -1;
	}
	for (i = 0; i < r->nr_targets; i++) {
		/* threads born between the listing and arming: event-fork covers the later ones */
		add_threads(r, r->targets[i].pid);
		snapshot(r, r->targets[i].pid);
		r->targets[i].have0 = pft_proc_faults(r->targets[i].pid, &r->targets[i].min0,
						      &r->targets[i].maj0) == 0;
		r->targets[i].seized = pft_ptrace_seize(r->targets[i].pid) == 0;
		if (!r->targets[i].seized && !r->a->quiet)
			fprintf(stderr,
				"pftrace: cannot ptrace process %d (%s): its maps at exit will be "
				"missing\n",
				r->targets[i].pid, strerror(errno));
	}
	return 0;
}

static void said_removed(void *data, const char *name)
{
	(void)data;
	fprintf(stderr, "pftrace: removed instance '%s' left by a killed pftrace\n", name);
}

/* Before anything else: can we trace at all? One line that says why not. */
static int check_tracefs(void)
{
	const char *tdir = "/sys/kernel/tracing";

	if (pft_live_tracefs(&tdir) == 0)
		return 0;
	if (errno == ENOENT)
		fprintf(stderr, "pftrace: this kernel has no exceptions:page_fault_user tracepoint "
				"(x86 only)\n");
	else if (errno == EACCES || errno == EPERM)
		fprintf(stderr, "pftrace: no permission to use tracefs (%s): run as root\n", tdir);
	else
		fprintf(stderr,
			"pftrace: tracefs is not mounted and cannot be (%s): mount -t tracefs nodev "
			"/sys/kernel/tracing\n",
			strerror(errno));
	return -1;
}

static int open_tracing(struct rec *r)
{
	struct pft_live_opts lo = {
		.kernel = r->a->out.kernel,
		.history = !r->a->no_history,
		.completions = !r->a->no_major,
		.buffer_kb = (unsigned int)r->a->buffer_kb,
	};
	char *dir = NULL;

	pft_live_remove_stale(said_removed, NULL);
	if (r->a->output) {
		char *copy = strdup(r->a->output);

		dir = copy ? strdup(dirname(copy)) : NULL;
		free(copy);
		/* fail now, not after the whole recording */
		if (!dir || access(dir, W_OK | X_OK) < 0) {
			fprintf(stderr, "pftrace: cannot write '%s': %s\n", r->a->output,
				strerror(dir ? errno : ENOMEM));
			free(dir);
			return -1;
		}
		lo.spool_dir = dir;
	}
	r->live = pft_live_open(&lo);
	free(dir);
	if (!r->live) {
		fprintf(stderr, "pftrace: cannot set up tracing: %s\n", strerror(errno));
		return -1;
	}
	pft_live_set_callback(r->live, on_event, r);
	if (pft_live_history_missing(r->live) && !r->a->quiet)
		fprintf(stderr,
			"pftrace: %d of the events that follow address spaces are missing on this "
			"kernel: some faults will be joined with maps snapshots only\n",
			pft_live_history_missing(r->live));
	return 0;
}

static int block_signals(struct rec *r)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -1;
	r->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	return r->sigfd < 0 ? -1 : 0;
}

/* The counters' deltas over the recording, if every target has both ends. */
static void kernel_counters(struct rec *r, struct pft_dat_input *in)
{
	uint64_t min = 0, maj = 0;
	size_t i;

	for (i = 0; i < r->nr_targets; i++) {
		struct target *t = &r->targets[i];

		if (!t->have1 && !t->gone)
			t->have1 = pft_proc_faults(t->pid, &t->min1, &t->maj1) == 0;
		if (!t->have0 || !t->have1)
			return;
		min += t->min1 - t->min0;
		maj += t->maj1 - t->maj0;
	}
	if (!r->nr_targets)
		return;
	pft_report_kernel_counters(r->rep, min, maj);
	in->have_counters = true;
	in->min_flt = min;
	in->maj_flt = maj;
}

static int finish(struct rec *r)
{
	struct pft_dat_input in = {0};
	int ret = 0;

	kernel_counters(r, &in);
	r->st.format = "live";
	r->st.lost_events = (int64_t)r->lost;
	r->st.lost_completions = r->lost_completions;
	if (r->lost_completions)
		fprintf(stderr,
			"pftrace: %" PRIu64 " fault completions were lost: those faults have no "
			"major/minor verdict\n",
			r->lost_completions);
	r->st.cpus = pft_live_cpus(r->live);
	pft_report_add_input(r->rep, "live", &r->st);
	if (r->lost)
		fprintf(stderr, "pftrace: %" PRIu64 " events were lost: try a larger --buffer-kb\n",
			r->lost);
	if (r->a->output) {
		in.path = r->a->output;
		in.live = r->live;
		in.kernel = r->a->out.kernel;
		in.history = !r->a->no_history;
		in.as = r->as;
		in.comms = r->comms;
		if (pft_dat_write(&in) < 0) {
			fprintf(stderr, "pftrace: cannot write '%s': %s\n", r->a->output,
				strerror(errno));
			ret = -1;
		} else if (!r->a->quiet) {
			fprintf(stderr,
				"pftrace: wrote '%s': %" PRIu64 " events, %" PRIu64
				" faults, %" PRIu64 " lost\n",
				r->a->output, r->st.events, r->faults, r->lost);
		}
		if (!r->a->out.json && !r->a->out.jsonl)
			return ret;
	}
	if (!r->pipe_closed && out_finish(&r->a->out, r->rep) < 0 && errno != EPIPE) {
		fprintf(stderr, "pftrace: cannot write the report: %s\n", strerror(errno));
		ret = -1;
	}
	return ret;
}

/* With -o, the raw pages wait beside the output: a full disk is the output's problem. */
static void recording_failed(const struct record_args *a)
{
	if (a->output && (errno == ENOSPC || errno == EDQUOT || errno == EFBIG || errno == EIO))
		fprintf(stderr, "pftrace: cannot write '%s': %s\n", a->output, strerror(errno));
	else
		fprintf(stderr, "pftrace: recording failed: %s\n", strerror(errno));
}

static int exit_status(const struct rec *r, int ret)
{
	if (ret < 0)
		return EXIT_FAIL;
	if (!r->a->argv || !r->child_done)
		return EXIT_OK;
	if (WIFEXITED(r->child_status))
		return WEXITSTATUS(r->child_status);
	return WIFSIGNALED(r->child_status) ? 128 + WTERMSIG(r->child_status) : EXIT_FAIL;
}

static int run(const struct record_args *a)
{
	struct pft_report_opts ro = out_report_opts(&a->out);
	struct pft_resolver res = {resolve_tgid, resolve_snapshot, true, NULL};
	struct rec r = {.a = a, .sigfd = -1, .child = {-1, -1, -1}};
	int ret = -1, status = 0, i;

	if (check_tracefs() < 0)
		return EXIT_FAIL;
	for (i = 0; i < (int)a->nr_targets; i++)
		if (check_target(a->targets[i]) < 0)
			return EXIT_FAIL;
	r.as = pft_aspace_new();
	r.comms = pft_comms_new();
	ro.completions = !a->no_major;
	r.rep = r.as ? pft_report_new(&ro, r.as) : NULL;
	if (r.rep)
		pft_report_set_sink(r.rep, on_fault, &r);
	/* the trace holds pftrace's own markers: name their writer */
	if (r.comms)
		pft_comms_set(r.comms, getpid(), "pftrace");
	res.data = &r;
	if (!r.as || !r.comms || !r.rep || block_signals(&r) < 0) {
		fprintf(stderr, "pftrace: %s\n", strerror(errno));
		goto out;
	}
	pft_aspace_set_resolver(r.as, &res);
	r.progress = !a->quiet && isatty(STDERR_FILENO);
	if (open_tracing(&r) < 0)
		goto out;
	clock_gettime(CLOCK_MONOTONIC, &r.start);
	r.last_tick = r.start;
	if (a->argv) {
		int s = start_command(&r, &status);

		if (s > 0) {
			r.child_done = true;
			r.child_status = status;
			pft_live_close(r.live);
			r.live = NULL;
			ret = 0;
			goto out;
		}
		if (s < 0)
			goto out;
	} else if (start_targets(&r) < 0) {
		goto out;
	}
	if (loop(&r) < 0)
		recording_failed(a);
	else
		ret = 0;
	if (pft_live_stop(r.live) < 0 && ret == 0) {
		fprintf(stderr, "pftrace: reading the last events failed: %s\n", strerror(errno));
		ret = -1;
	}
	progress(&r, true);
	if (pft_report_finish(r.rep) < 0 && ret == 0) {
		fprintf(stderr, "pftrace: %s\n", strerror(errno));
		ret = -1;
	}
	if (ret == 0)
		ret = finish(&r);
out:
	pft_live_close(r.live); /* before anything else: the machine's tracing state first */
	if (r.sigfd >= 0)
		close(r.sigfd);
	pft_report_free(r.rep);
	pft_aspace_free(r.as);
	pft_comms_free(r.comms);
	free(r.targets);
	return exit_status(&r, ret);
}

int cmd_record(int argc, char **argv)
{
	struct record_args a = {0};
	int ret = parse(argc, argv, &a);

	if (ret) {
		out_free(&a.out);
		free(a.targets);
		return ret < 0 ? EXIT_USAGE : EXIT_OK;
	}
	ret = run(&a);
	out_free(&a.out);
	free(a.targets);
	return ret;
}
