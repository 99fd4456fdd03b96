/* SPDX-License-Identifier: MIT */
/* pftrace record: trace running processes or a command, live, into a report or a trace.dat. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "cli.h"


/* What the hooks of the recording need. */
struct cli_rec {
	const struct record_args *a;
	struct pft_record *rec;
	int sigfd;
	bool pipe_closed, progress;
	bool failed; /* top's view could not be written */
	uint64_t faults;
	struct timespec start, last_tick;
};

static const struct opts_usage usage = {
    .synopsis = "usage: pftrace record [options] -p PID[,PID...]\n"
		"       pftrace record [options] [--] COMMAND [ARGS...]\n"
		"       pftrace record [options] -a [[--] COMMAND [ARGS...]]\n"
		"       pftrace record [options] --cgroup CGROUP",
    .about = "Traces page faults live in a tracefs instance of its own, then reports them\n"
	     "(as pftrace report does) or writes a trace.dat. Needs root (or tracefs access);\n"
	     "without, a command of one's own is traced by perf's events (see --source).\n"
	     "Every process the command or the targets start is traced too.",
    .after = "Signals: with COMMAND, a signal to pftrace is passed on to the command (unless it\n"
	     "got it too, as from a terminal or a process-group kill), and pftrace records until\n"
	     "the command ends; the same signal again a second later ends the recording now.\n"
	     "^Z stops the command, then pftrace. With -p, a signal ends the recording.\n"
	     "\n"
	     "Exit status: 0 ok, 1 failure, 2 usage, 3 a --fail-if condition held; with\n"
	     "COMMAND, the command's own status (128+N if a signal N ended it; 127 not found,\n"
	     "126 not executable), or 0 if the recording ended first (-d), 128+N if signal N\n"
	     "ended it; 3 replaces only a status of 0 (a command that failed keeps its own).",
};

/* --stacks[=fp|dwarf][,kernel] */
static int opt_why(const struct opt *o, const char *arg)
{
	int *why = o->value;

	if (arg && strcmp(arg, "full")) {
		fprintf(stderr, "pftrace: --why '%s': only --why=full\n", arg);
		return -1;
	}
	*why = arg ? PFT_WHY_FULL : 1;
	return 0;
}

static int opt_stacks(const struct opt *o, const char *arg)
{
	unsigned int *stacks = o->value, how = PFT_STACKS_USER, kernel = 0;
	char *copy = strdup(arg ? arg : "fp"), *tok, *save = NULL;
	int ret = 0;

	for (tok = strtok_r(copy, ",", &save); copy && tok; tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "fp")) {
			how = PFT_STACKS_USER;
		} else if (!strcmp(tok, "dwarf")) {
			how = PFT_STACKS_DWARF;
		} else if (!strcmp(tok, "kernel")) {
			kernel = PFT_STACKS_KERNEL;
		} else {
			fprintf(stderr, "pftrace: --stacks '%s': use fp or dwarf, and kernel\n",
				arg);
			ret = -1;
			break;
		}
	}
	if (!copy) {
		fprintf(stderr, "pftrace: %s\n", strerror(errno));
		ret = -1;
	}
	free(copy);
	*stacks = how | kernel;
	return ret;
}

static int parse(int argc, char **argv, struct record_args *a)
{
	const struct opt table[] = {
	    OPT_FLAG('a', "all", &a->all,
		     "trace every process of the machine, those running and\nthose started "
		     "meanwhile (with COMMAND: while it runs;\nelse until -d or a signal), by "
		     "process unless --by;\npftrace's own faults are left out and counted"),
	    OPT_STRING(0, "cgroup", "CGROUP", &a->cgroup,
		       "trace the processes of a cgroup (v1 or v2: a path under\na hierarchy, a "
		       "unit's name such as nginx.service,\nor a container id) and those that join "
		       "it, until -d\nor a signal"),
	    OPT_CALL('p', "pid", "PID[,PID]", opt_pids, &a->targets,
		     "trace these running processes, every thread, their\ndescendants running now "
		     "(a server's workers) and what\nthey start later (repeatable)"),
	    OPT_INT(0, "pidns", "PID", &a->pidns, 1, INT32_MAX,
		    "-p's pids are as seen in the PID namespace of process\nPID (a container's: "
		    "its init's pid here), and each\nprocess in it is told with its pid there "
		    "too"),
	    OPT_DOUBLE('d', "duration", "SECS", &a->duration,
		       "stop recording after SECS seconds (a command still\nrunning is left "
		       "running)"),
	    OPT_STRING('o', "output", "FILE", &a->output,
		       "write a trace.dat (trace-cmd's format) instead of a table"),
	    OPT_LONG(0, "buffer-kb", "N", &a->buffer_kb, 4, 1L << 30,
		     "ring buffer per CPU in KiB (default: the kernel's, 1.4 MiB;\na resize "
		     "costs ~20 ms at the start)"),
	    OPT_LONG(0, "perf-buffer-kb", "N", &a->perf_buffer_kb, 4, 1L << 22,
		     "perf's ring of fault completions per CPU in KiB\n(default: 2048; 8192 "
		     "with --stacks, 32768 with\n--stacks=dwarf; at least 8, 16, 128)"),
	    OPT_CALL(0, "source", "auto|tracefs|perf", opt_source, &a->source,
		     "what tells the faults: tracefs's exceptions:page_fault_*\n(the error code: "
		     "the access and kind), or perf's\npage-faults event (no error code: access "
		     "inferred;\nno faults on kernel addresses); auto (default):\ntracefs where "
		     "the kernel has it (arm64 has not)"),
	    OPT_FLAG('q', "quiet", &a->quiet, "no progress line, no notices"),
	    OPT_FLAG(0, "no-history", &a->no_history,
		     "do not follow exec, fork and mappings: join faults with\nmaps snapshots "
		     "only"),
	    OPT_FLAG(0, "no-major", &a->no_major,
		     "do not sample fault completions (perf): no major/minor,\nno latency"),
	    OPT_FLAG(0, "latency", &a->latency,
		     "a completion sample of every fault, not only of major\nones: the latency of "
		     "minor faults too (about doubles\nthe cost per fault)"),
	    OPT_CALL(0, "why", "[=full]", opt_why, &a->why,
		     "split each fault's latency into causes (on-cpu,\nrun-queue, io, sleep, "
		     "mmap-lock, reclaim,\ncompaction, retry) and name the path it took,\nfrom "
		     "the scheduler's and the memory code's events\n(implies --latency); full: and "
		     "events of every\nfault (kernel-filtered) that tell refaults,\nswap-ins from "
		     "the swap cache and huge pages"),
	    OPT_CALL(0, "stacks", "[=fp|dwarf][,kernel]", opt_stacks, &a->stacks,
		     "the user call stack of every fault: by frame pointers\n(fp, the default: "
		     "full depth), or unwound from an 8 KiB\ncopy of the stack (dwarf: code "
		     "without frame pointers,\n~10x the cost); kernel: kernel frames of faults "
		     "in\nkernel mode too"),
	    OUT_OPTIONS(&a->out),
	    OPT_END,
	};
	int first;

	a->out.top = -1;
	a->out.keep_exited = -1;
	a->out.arch = -1;
	/* the first word that is not an option starts the command */
	first = opts_parse(table, &usage, argc, argv, true);
	if (first < 0)
		return first == -2 ? 1 : -1;
	if (first < argc)
		a->argv = argv + first;
	return record_check(a);
}

int record_check(struct record_args *a)
{
	const char *who = a->top ? "top" : "record";

	if (a->all && a->targets.n) {
		fprintf(stderr, "pftrace: %s: -a traces every process: no -p with it\n", who);
		return -1;
	}
	if (a->cgroup && (a->all || a->targets.n || a->argv)) {
		fprintf(stderr,
			"pftrace: %s: --cgroup traces a cgroup's processes: no -a, -p or COMMAND "
			"with it\n",
			who);
		return -1;
	}
	if (!a->all && !a->cgroup && !!a->argv == !!a->targets.n) {
		fprintf(stderr, "pftrace: %s: give -p PID, -- COMMAND, -a or --cgroup CGROUP\n",
			who);
		return -1;
	}
	/* perf's events follow a task wherever it goes: a task that leaves the cgroup would
	 * still be traced */
	if (a->cgroup && a->source == PFT_FAULTS_PERF) {
		fprintf(stderr, "pftrace: %s: --cgroup needs the tracepoints: not with --source "
				"perf\n",
			who);
		return -1;
	}
	if ((a->stacks || a->latency || a->why || a->out.weight_ns) && a->no_major) {
		fprintf(stderr, "pftrace: --%s comes with the completions --no-major leaves out\n",
			a->stacks ? "stacks" : a->why ? "why" : a->latency ? "latency" : "weight ns");
		return -1;
	}
	/* the whole machine: which processes fault, first */
	if (a->all && !a->out.by_given)
		a->out.by = PFT_BY_PID;
	/* a fault's time is split up to its completion, and weighed by its latency */
	if (a->why || a->out.weight_ns)
		a->latency = true;
	return 0;
}

/* ---------------------------------------------------------------- hooks */

static double elapsed(const struct timespec *since)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - since->tv_sec) + (now.tv_nsec - since->tv_nsec) / 1e9;
}

/* The signals pftrace reads from its signalfd: the recording decides what they mean. */
static void on_wake(void *data)
{
	struct cli_rec *c = data;
	struct signalfd_siginfo si;

	while (read(c->sigfd, &si, sizeof(si)) == sizeof(si)) {
		/* a file-size limit met by pftrace's own write: that write failed (EFBIG) and
		 * says so; not a signal to pass on */
		if (si.ssi_signo == SIGXFSZ && si.ssi_code == SI_KERNEL)
			continue;
		if (si.ssi_signo != SIGCHLD)
			pft_record_signal(c->rec, (int)si.ssi_signo, si.ssi_code);
	}
}

/* ^Z: stop as a job does, with SIGTSTP unblocked for the moment; SIGCONT resumes here. */
static void on_stop_self(void *data)
{
	sigset_t tstp;

	(void)data;
	sigemptyset(&tstp);
	sigaddset(&tstp, SIGTSTP);
	signal(SIGTSTP, SIG_DFL);
	sigprocmask(SIG_UNBLOCK, &tstp, NULL);
	raise(SIGTSTP);
	sigprocmask(SIG_BLOCK, &tstp, NULL);
}

static void on_tick(void *data)
{
	struct cli_rec *c = data;
	const struct pft_source_stats *st;
	double t;

	if (c->a->top && top_tick(c->a->top, c->rec) < 0) {
		c->failed = true;
		pft_record_stop(c->rec);
	}
	/* --jsonl: a batch at a time, so that a pipe sees faults while they happen */
	if (out_fault_sink(&c->a->out) && !c->pipe_closed && fflush(stdout) == EOF &&
	    errno == EPIPE) {
		c->pipe_closed = true;
		pft_record_stop(c->rec);
	}
	if (!c->progress || elapsed(&c->last_tick) < 0.5)
		return;
	clock_gettime(CLOCK_MONOTONIC, &c->last_tick);
	st = pft_record_stats(c->rec);
	t = elapsed(&c->start);
	fprintf(stderr, "\rpftrace: %.1f s, %" PRIu64 " faults, %.0f/s, %" PRId64 " lost\033[K", t,
		c->faults, t > 0 ? c->faults / t : 0.0, st->lost_events);
	fflush(stderr); /* no newline: drawn now */
}

static void on_notice(void *data, const char *msg)
{
	const struct cli_rec *c = data;

	if (!c->a->quiet || !strncmp(msg, "removed instance", 16) ||
	    !strncmp(msg, "cannot remove instance", 22))
		out_say(msg);
}

/* Each fault, once complete: counted for the progress line, and streamed (--jsonl). */
static int on_fault(void *data, const struct pft_fault *f)
{
	struct cli_rec *c = data;
	pft_fault_sink stream = out_fault_sink(&c->a->out);

	c->faults++;
	if (c->a->top)
		return top_fault(c->a->top, f);
	if (!stream || c->pipe_closed || stream(NULL, f) == 0)
		return 0;
	if (errno != EPIPE)
		return -1;
	/* the reader (head, jq) is done: end the recording cleanly */
	c->pipe_closed = true;
	pft_record_stop(c->rec);
	return 0;
}

static int block_signals(void)
{
	/* every signal whose default ends a process, but those of a fault (SEGV, BUS, FPE, ILL,
	 * TRAP, SYS) and SIGPIPE (ignored: a write says EPIPE): each ends the recording cleanly
	 * or is passed on to the command (pft_record_signal) */
	static const int sigs[] = {SIGINT,  SIGTERM, SIGHUP,  SIGQUIT,	SIGTSTP,   SIGCONT,
				   SIGCHLD, SIGUSR1, SIGUSR2, SIGALRM,	SIGVTALRM, SIGPROF,
				   SIGXCPU, SIGXFSZ, SIGPWR,  SIGSTKFLT};
	sigset_t set;
	size_t i;

	sigemptyset(&set);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaddset(&set, sigs[i]);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -1;
	return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

/* ---------------------------------------------------------------- the run */

/* The trace.dat; a file-size limit that cut it short (*cut, the first moment left out) is said
 * here, and fails the run once the rest is done. */
static int write_dat(struct cli_rec *c, const struct pft_source_stats *st, uint64_t *cut)
{
	const struct record_args *a = c->a;

	if (pft_record_write(c->rec, a->output, cut) < 0) {
		fprintf(stderr, "pftrace: cannot write '%s': %s\n", a->output, strerror(errno));
		return -1;
	}
	if (*cut)
		fprintf(stderr,
			"pftrace: cannot write all of '%s': %s (ulimit -f): it holds the recording "
			"up to %.6f s\n",
			a->output, strerror(EFBIG), *cut / 1e9);
	else if (!a->quiet)
		fprintf(stderr,
			"pftrace: wrote '%s': %" PRIu64 " events, %" PRIu64 " faults, %" PRId64
			" lost\n",
			a->output, st->events, c->faults, st->lost_events);
	return 0;
}

/* The report, or the trace.dat (and a report with --json, --jsonl, file sinks), then the gates:
 * 0, EXIT_GATE if one held, -1 after a message. */
static int finish(struct cli_rec *c, struct pft_report *rep, struct pft_source *src)
{
	const struct record_args *a = c->a;
	const struct pft_source_stats *st = pft_record_stats(c->rec);
	uint64_t cut = 0;
	json_t *doc;
	int g;

	out_source_warnings(src);
	if (out_counters(src, rep) < 0 || pft_report_add_input(rep, "live", st) < 0)
		return -1;
	/* top: its last interval instead of a report */
	if (a->top)
		return c->failed || top_end(a->top) < 0 ? -1 : 0;
	if (a->output && write_dat(c, st, &cut) < 0)
		return -1;
	/* -o writes the trace.dat instead of the table; any other output is still wanted */
	if (out_finish(&a->out, rep, !c->pipe_closed && !(a->output && a->out.out == SINK_TABLE)) <
	    0)
		return -1;
	out_symbol_warnings(&a->out);
	if (!a->out.gates.n)
		return cut ? -1 : 0;
	doc = pft_report_json(rep);
	g = doc ? out_gates(&a->out.gates, doc, rep) : EXIT_FAIL;
	json_decref(doc);
	/* a trace.dat cut short is a failure the gates do not undo */
	return g == EXIT_FAIL || cut ? -1 : g;
}

/* With -o, the raw pages wait beside the output: a full disk is the output's problem. */
static void recording_failed(const struct record_args *a)
{
	if (a->output && (errno == ENOSPC || errno == EDQUOT || errno == EFBIG || errno == EIO))
		fprintf(stderr, "pftrace: cannot write '%s': %s\n", a->output, strerror(errno));
	else
		fprintf(stderr, "pftrace: recording failed: %s\n", strerror(errno));
}

/* The command's status; if the recording ended before it: 0 (a duration), or 128+N (a signal). */
/* A gate that held (ret EXIT_GATE) is 3 where the command succeeded: a command that failed
 * keeps its own status, the first failure a CI job should see. */
static int exit_status(const struct record_args *a, struct pft_record *rec, int ret, int sig)
{
	int st = pft_record_command_status(rec), base;

	if (ret < 0)
		return EXIT_FAIL;
	if (!a->argv) {
		base = EXIT_OK;
	} else if (st >= 0) {
		base = st;
	} else {
		/* even with -q: a process left running is not a detail */
		fprintf(stderr, "pftrace: recording ended; '%s' is still running\n", a->argv[0]);
		base = sig ? 128 + sig : EXIT_OK;
	}
	return base == EXIT_OK && ret == EXIT_GATE ? EXIT_GATE : base;
}

/* The progress line redraws one line of stderr's terminal: it is drawn only where no traced
 * process writes to that terminal, or their lines and it would share one ("... 0 lostline 2").
 * A command writes to it (its stderr is pftrace's); a running process's stdout and stderr are
 * looked at. */
static bool progress_line(const struct record_args *a)
{
	struct stat tty, st;
	char path[64];
	size_t i;
	int fd;

	if (a->quiet || a->top || !isatty(STDERR_FILENO) || fstat(STDERR_FILENO, &tty) < 0 ||
	    a->argv)
		return false;
	for (i = 0; i < a->targets.n; i++)
		for (fd = 1; fd <= 2; fd++) {
			snprintf(path, sizeof(path), "/proc/%d/fd/%d", a->targets.v[i], fd);
			if (!stat(path, &st) && S_ISCHR(st.st_mode) && st.st_rdev == tty.st_rdev)
				return false;
		}
	return true;
}

static int run(struct record_args *a)
{
	struct pft_report_opts ro = out_report_opts(&a->out);
	struct cli_rec c = {.a = a, .sigfd = -1};
	struct pft_record_opts o = {
	    .all = a->all,
	    .cgroup = a->cgroup_dir,
	    .pidns = a->pidns,
	    .pids = a->targets.v,
	    .nr_pids = a->targets.n,
	    .argv = a->argv,
	    /* JSON on stdout stays JSON: the command's own output goes to stderr then */
	    .stdout_to_stderr = a->out.out != SINK_TABLE,
	    /* the kernel's faults on the program's memory are the program's (the report keeps
	     * those on kernel addresses out unless --kernel) */
	    .kernel = true,
	    .source = (enum pft_fault_source)a->source,
	    .history = !a->no_history,
	    .completions = !a->no_major,
	    .latency = a->latency,
	    .why = a->why,
	    .stacks = a->stacks,
	    .buffer_kb = (unsigned int)a->buffer_kb,
	    .perf_buffer_kb = (unsigned int)a->perf_buffer_kb,
	    .output = a->output,
	    .duration = a->duration,
	    .on_wake = on_wake,
	    .on_tick = on_tick,
	    .on_stop_self = on_stop_self,
	    .notice = on_notice,
	    .data = &c,
	};
	struct pft_aspace *as = pft_aspace_new();
	struct pft_report *rep = NULL;
	struct pft_source *src;
	struct pft_event ev;
	int ret = -1, r, s;

	ro.completions = !a->no_major;
	ro.major_only = !a->latency && !a->stacks;
	c.sigfd = o.wake_fd = block_signals();
	c.rec = pft_record_new(&o);
	rep = as ? pft_report_new(&ro, as) : NULL;
	if (!as || !rep || !c.rec || c.sigfd < 0) {
		fprintf(stderr, "pftrace: %s\n", strerror(errno));
		goto out;
	}
	if (a->why)
		pft_report_expect_why(rep, a->why >= PFT_WHY_FULL);
	/* before the command runs: a recording must not be lost to an output it cannot write */
	if (out_check_files(&a->out, a->output) < 0 || out_syms(&a->out) < 0)
		goto out;
	pft_report_set_syms(rep, a->out.syms);
	pft_report_set_sink(rep, on_fault, &c);
	c.progress = progress_line(a);
	clock_gettime(CLOCK_MONOTONIC, &c.start);
	c.last_tick = c.start;
	s = pft_record_start(c.rec);
	if (s > 0) { /* the command could not run: its status says why (127, 126) */
		out_say(pft_record_error(c.rec));
		ret = 0;
		goto out;
	}
	if (s < 0) {
		out_say(pft_record_error(c.rec));
		goto out;
	}
	src = pft_record_source(c.rec);
	if (!src || pft_source_prepare(src, as, a->out.syms) < 0) {
		fprintf(stderr, "pftrace: %s\n", strerror(errno));
		goto out;
	}
	if (out_arch(&a->out, src, rep) < 0)
		goto out;
	/* what the recording chose (without tracefs: every fault's completion) */
	if (pft_source_stats(src)->completions)
		pft_report_expect_completions(rep, pft_source_stats(src)->major_only);
	while ((r = pft_source_next(src, &ev)) > 0)
		if ((r = pft_report_add(rep, &ev)) < 0)
			break;
	if (c.progress) {
		fprintf(stderr, "\r\033[K");
		fflush(stderr);
	}
	if (r < 0) {
		recording_failed(a);
	} else if (pft_report_finish(rep) < 0) {
		fprintf(stderr, "pftrace: %s\n", strerror(errno));
	} else {
		ret = finish(&c, rep, src);
	}
out:
	s = pft_record_stopped_by(c.rec);
	r = c.rec ? exit_status(a, c.rec, ret, s) : EXIT_FAIL;
	pft_record_free(c.rec); /* before anything else: the machine's tracing state first */
	if (c.sigfd >= 0)
		close(c.sigfd);
	pft_report_free(rep);
	pft_aspace_free(as);
	return r;
}

/* --cgroup: the directory it names, or a one-line error (names from the cgroup tree, which a
 * delegated user may have made: escaped for the terminal). */
static int resolve_cgroup(struct record_args *a)
{
	FILE *mounts = fopen("/proc/self/mounts", "re");
	char *other = NULL, msg[8192 * 3];

	if (!mounts) {
		fprintf(stderr, "pftrace: cannot open '/proc/self/mounts': %s\n", strerror(errno));
		return -1;
	}
	if (pft_cgroup_resolve(a->cgroup, mounts, &a->cgroup_dir, &other) == 0) {
		fclose(mounts);
		return 0;
	}
	if (errno == EEXIST)
		snprintf(msg, sizeof(msg),
			 "--cgroup '%s': names more than one cgroup ('%s', '%s'): give its path",
			 a->cgroup, a->cgroup_dir, other);
	else if (errno == ENOENT)
		snprintf(msg, sizeof(msg),
			 "--cgroup '%s': no such cgroup (a path under a cgroup hierarchy, a unit's "
			 "name, or a container id)",
			 a->cgroup);
	else
		snprintf(msg, sizeof(msg), "--cgroup '%s': %s", a->cgroup, strerror(errno));
	out_say(msg);
	free(other);
	fclose(mounts);
	return -1;
}

/* --pidns: -p's pids are the namespace's; each becomes this one's, said, or is an error. */
static int resolve_pidns(struct record_args *a)
{
	size_t i;
	int pid;

	if (pft_proc_same_pidns(a->pidns, a->pidns) < 0) {
		fprintf(stderr, "pftrace: --pidns %d: %s\n", a->pidns,
			errno == ENOENT ? "no such process" : strerror(errno));
		return -1;
	}
	for (i = 0; i < a->targets.n; i++) {
		if ((pid = pft_proc_pidns_host(a->pidns, a->targets.v[i])) < 0) {
			fprintf(stderr, "pftrace: -p %d: no process %d in the PID namespace of %d\n",
				a->targets.v[i], a->targets.v[i], a->pidns);
			return -1;
		}
		if (!a->quiet)
			fprintf(stderr, "pftrace: -p %d in the PID namespace of %d: process %d\n",
				a->targets.v[i], a->pidns, pid);
		a->targets.v[i] = pid;
	}
	return 0;
}

int record_main(struct record_args *a)
{
	int ret;

	if ((a->cgroup && resolve_cgroup(a) < 0) || (a->pidns && resolve_pidns(a) < 0))
		ret = EXIT_FAIL;
	else
		ret = run(a);
	out_free(&a->out);
	free(a->targets.v);
	free(a->cgroup_dir);
	return ret;
}

int cmd_record(int argc, char **argv)
{
	struct record_args a = {0};
	int ret = parse(argc, argv, &a);

	if (ret) {
		out_free(&a.out);
		free(a.targets.v);
		return ret < 0 ? EXIT_USAGE : EXIT_OK;
	}
	return record_main(&a);
}
