/* SPDX-License-Identifier: MIT */
/*
 * Live tracing in pftrace's own tracefs instance. It writes only that instance's files (event
 * enables, set_event_pid, options, buffer size, tracing_on, trace_marker): never the global
 * tracer, function-tracer files or other instances, which locked-down kernels refuse.
 *
 * Records are read raw, page by page, from per_cpu/cpuN/trace_pipe_raw (libtracefs), decoded
 * by pftrace's own page walk (raw.c), and optionally spooled as pages for a trace.dat.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <pthread.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <event-parse.h>
#include <tracefs.h>
#include "internal.h"
#include "live.h"
#include "perf.h"

/* Without tracefs: how old a perf record must be to have surely been read (pft_live_read). */
#define PERF_SETTLE_NS 10000000ull

/* A decoded event waiting for its turn (its text is its own). */
struct qev {
	struct pft_event ev;
	void *own; /* what ev points to (text, stacks), in one block */
};

/* Events read from one buffer, in its (time) order, waiting to be merged. */
struct queue {
	struct qev *q;
	size_t head, nr, cap;
};

struct live_cpu {
	int fd;
	struct tracefs_cpu *tcpu;
	int spool; /* -1: not spooling */
	uint64_t spooled;
	bool spool_full; /* at the file-size limit */
};

struct pft_live {
	struct tracefs_instance *inst;
	struct tep_handle *tep;
	struct pft_decoder *dec;
	struct live_cpu *cpus;
	int nr_cpus, page_size;
	void *page;
	bool armed, pids_set;
	bool all; /* the whole machine: no pid filter, pftrace's own tasks left out */
	uint64_t events, missed_pages, bad_pages;
	uint64_t watermark;   /* every event older than this has been read */
	struct pft_hmap pids; /* in set_event_pid already */
	struct queue *queues; /* each CPU's ftrace events, then each CPU's perf events */
	int nr_queues;
	struct pft_perf *perf; /* completions and side-band records, or NULL */
	FILE *perf_spool;      /* perf's events in time order, for a trace.dat */
	/* the spools stop at the file-size limit (ulimit -f): a spool never meets it, and the
	 * trace.dat, cut to fit by its writer, keeps what came before */
	uint64_t perf_spooled, spool_limit;
	bool perf_spool_full;
	uint64_t spool_cut;  /* the earliest moment not spooled (0: none) */
	int history_missing; /* history events this kernel does not have */
	int why_missing;     /* and --why events */
	char why_missing_names[512]; /* "sys:name, ..." */
	void
	    *popped; /* what the event pft_live_pop returned last points to: lives until the next */
	int lock;    /* flock on the instance's directory: "in use" to other runs */
	pthread_t clock_thread; /* switching trace_clock, until pft_live_arm */
	bool clock_pending;
	int clock_err;
	int marker; /* trace_marker, opened once (-1: not yet) */
	/* without tracefs (inst NULL) marks are queued with their CLOCK_MONOTONIC time, the
	 * watermark is that clock's (see pft_live_read), and the filter pft_live_pids tells
	 * is the tasks added, in order */
	int *added;
	size_t nr_added, cap_added;
};

/* Whether something still holds the instance: the run whose pid it is named after, or the
 * process that removes it after that run (see destroy_instance), which holds its lock. */
static bool instance_owner_alive(const char *name)
{
	char comm[64], *path;
	long pid = strtol(name + strlen(PFT_INSTANCE_PREFIX), NULL, 10);
	bool locked = false;
	int fd;

	/* a pid can be reused: it is ours only if it still runs pftrace; a killed one that is
	 * not reaped yet (a zombie) is gone all the same */
	if (pid > 0 && !(kill((pid_t)pid, 0) < 0 && errno == ESRCH) &&
	    pft_proc_comm((int)pid, comm, sizeof(comm)) == 0 && !strcmp(comm, "pftrace") &&
	    !pft_proc_dead((int)pid))
		return true;
	path = tracefs_instance_get_dir(NULL);
	if (path) {
		char dir[4096];

		snprintf(dir, sizeof(dir), "%s/instances/%s", path, name);
		fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		locked = fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK;
		if (fd >= 0)
			close(fd);
	}
	tracefs_put_tracing_file(path);
	return locked;
}

/* Our instance's lock, held as long as it exists (the remover inherits it). -1 on failure. It
 * waits: the instance is new, so whoever holds the lock is another run looking whether it is a
 * leftover (flock -n, released at once), never an owner. */
static int lock_instance(struct tracefs_instance *inst)
{
	char *dir = tracefs_instance_get_dir(inst);
	int fd = dir ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;

	tracefs_put_tracing_file(dir);
	if (fd >= 0 && flock(fd, LOCK_EX) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A killed run's descriptors are closed while it is taken down: rmdir says EBUSY until then. */
static int destroy_stale(struct tracefs_instance *inst)
{
	struct timespec pause = {0, 20 * 1000 * 1000};
	int tries;

	for (tries = 0; tries < 50; tries++) {
		/* disable first: rmdir fails while events are being written on some kernels */
		tracefs_trace_off(inst);
		tracefs_instance_file_write(inst, "events/enable", "0");
		if (tracefs_instance_destroy(inst) == 0)
			return 0;
		if (errno == ENOENT || errno == ENODEV)
			return 0; /* another run removed it meanwhile */
		if (errno != EBUSY)
			return -1;
		nanosleep(&pause, NULL);
	}
	return -1;
}

int pft_live_remove_stale(void (*cb)(void *data, const char *name, int err), void *data)
{
	/* a basic regex: libtracefs compiles it without REG_EXTENDED, so no "+" */
	char **names = tracefs_instances("^" PFT_INSTANCE_PREFIX "[0-9][0-9]*$");
	int i, n = 0;

	for (i = 0; names && names[i]; i++) {
		struct tracefs_instance *inst;
		int err = 0;

		if (instance_owner_alive(names[i]))
			continue;
		inst = tracefs_instance_alloc(NULL, names[i]);
		if (!inst || destroy_stale(inst) < 0)
			err = errno ? errno : EIO;
		if (cb)
			cb(data, names[i], err);
		n += !err;
		tracefs_instance_free(inst);
	}
	tracefs_list_free(names);
	return n;
}

int pft_live_tracefs(const char **dir)
{
	char *enable;
	int r = tracefs_tracing_dir_is_mounted(true, dir);

	if (r < 0)
		return -1;
	/* tracefs is 0700: without permission every probe below would say "not found" */
	if (access(*dir, R_OK | W_OK | X_OK) < 0)
		return -1;
	enable = tracefs_get_tracing_file("events/exceptions/page_fault_user/enable");
	r = enable ? access(enable, W_OK) : -1;
	tracefs_put_tracing_file(enable);
	return r < 0 ? -1 : 0;
}

static int open_cpus(struct pft_live *l)
{
	int cpu;

	for (cpu = 0; cpu < l->nr_cpus; cpu++) {
		char file[64];
		int fd;

		snprintf(file, sizeof(file), "per_cpu/cpu%d/trace_pipe_raw", cpu);
		/* CLOEXEC: a command that kept it open would keep the instance from going away */
		fd = tracefs_instance_file_open(l->inst, file, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0)
			continue; /* an offline CPU: nothing will be recorded there */
		l->cpus[cpu].fd = fd;
		l->cpus[cpu].tcpu = tracefs_cpu_alloc_fd(fd, l->page_size, true);
		if (!l->cpus[cpu].tcpu)
			return -1;
	}
	return 0;
}

static FILE *spool_file(const char *dir)
{
	int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	FILE *f = fd >= 0 ? fdopen(fd, "w+") : NULL;

	if (!f && fd >= 0)
		close(fd);
	return f;
}

static int spool_open(struct pft_live *l, const char *dir)
{
	int cpu;

	for (cpu = 0; cpu < l->nr_cpus; cpu++) {
		/* unnamed: a killed run leaves nothing behind */
		int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

		if (fd < 0)
			return -1;
		l->cpus[cpu].spool = fd;
	}
	return 0;
}

/*
 * The events that tell how address spaces change, besides perf's records: exec, tasks, and the
 * syscalls the records miss or need to be read: munmap, mremap, shmdt (no record), brk (where
 * [heap] starts, and its shrinking), mmap (a new mapping, where a record alone could be an
 * mprotect). mprotect is recorded whole by MMAP2. And the signals taken: a fault a signal
 * interrupts is given up and taken again (pft_fault's restarted).
 */
const char *const pft_history_events[][2] = {
    {"sched", "sched_process_exec"}, {"sched", "sched_process_exit"},
    {"task", "task_newtask"},	     {"syscalls", "sys_enter_mmap"},
    {"syscalls", "sys_exit_mmap"},   {"syscalls", "sys_enter_munmap"},
    {"syscalls", "sys_exit_munmap"}, {"syscalls", "sys_enter_mremap"},
    {"syscalls", "sys_exit_mremap"}, {"syscalls", "sys_enter_brk"},
    {"syscalls", "sys_exit_brk"},    {"syscalls", "sys_enter_shmdt"},
    {"syscalls", "sys_exit_shmdt"},  {"signal", "signal_deliver"},
    {NULL, NULL},
};

static void parse_format(struct tep_handle *tep, const char *sys, const char *name)
{
	const struct pft_why_event *w = pft_why_event_find(sys, name);
	char path[128], *buf, *named = NULL;
	size_t len = 0;
	int size;

	snprintf(path, sizeof(path), "events/%s/%s/format", sys, name);
	buf = tracefs_instance_file_read(NULL, path, &size);
	/* a number the format does not name: named from BTF, as the trace.dat will have it */
	if (buf && w && w->btf_enum)
		named = pft_why_format(w, buf, (size_t)size, &len);
	/* a missing one (page_fault_kernel, a syscall on some kernels) is the decoder's business;
	 * an enum BTF does not name leaves the event without its symbol: not used */
	if (named)
		tep_parse_event(tep, named, len, sys);
	else if (buf)
		tep_parse_event(tep, buf, size, sys);
	free(named);
	free(buf);
}

/* A tep_handle with just the formats we decode: tracefs_local_events() would also parse every
 * event of the systems, kallsyms and saved_cmdlines (70 ms here) for nothing. */
static struct tep_handle *local_tep(void)
{
	struct tep_handle *tep = tep_alloc();
	char *buf;
	size_t i;
	int size;

	if (!tep)
		return NULL;
	tep_set_long_size(tep, sizeof(long));
	tep_set_page_size(tep, getpagesize());
	buf = tracefs_instance_file_read(NULL, "events/header_page", &size);
	if (!buf || tep_parse_header_page(tep, buf, size, sizeof(long)) < 0) {
		free(buf);
		tep_free(tep);
		errno = ENOENT;
		return NULL;
	}
	free(buf);
	parse_format(tep, "exceptions", "page_fault_user");
	parse_format(tep, "exceptions", "page_fault_kernel");
	parse_format(tep, "ftrace", "print");
	for (i = 0; pft_history_events[i][0]; i++)
		parse_format(tep, pft_history_events[i][0], pft_history_events[i][1]);
	for (i = 0; pft_why_events[i].name; i++)
		parse_format(tep, pft_why_events[i].sys, pft_why_events[i].name);
	return tep;
}

/* Enables one event by its own file: tracefs_event_enable() matches a regex against every event
 * of every system, 10,000 stat() calls for the syscalls alone. -1 with errno (ENOENT: this
 * kernel has no such event). */
static int enable_event(struct tracefs_instance *inst, const char *sys, const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "events/%s/%s/enable", sys, name);
	if (!tracefs_file_exists(inst, path)) {
		errno = ENOENT;
		return -1;
	}
	return tracefs_instance_file_write(inst, path, "1") < 0 ? -1 : 0;
}

/* Keeps a --why event that fires on every fault to the faults it marks, in the kernel (its
 * filter, with the symbol's value as this kernel numbers it). -1 with errno: not used. */
static int filter_why(struct pft_live *l, const struct pft_why_event *w)
{
	char path[128], filter[128];
	long long v = 0;

	if (!w->filter)
		return 0;
	if (w->symbol &&
	    pft_event_symbol(tep_find_event_by_name(l->tep, w->sys, w->name), w->field, w->symbol,
			     &v) < 0)
		return -1;
	snprintf(path, sizeof(path), "events/%s/%s/filter", w->sys, w->name);
	snprintf(filter, sizeof(filter), w->filter, v);
	return tracefs_instance_file_write(l->inst, path, filter) < 0 ? -1 : 0;
}

/* A --why event this kernel does not have (or whose symbol it does not name): its part is off. */
static void why_missing(struct pft_live *l, const struct pft_why_event *w)
{
	size_t n = strlen(l->why_missing_names);

	snprintf(l->why_missing_names + n, sizeof(l->why_missing_names) - n, "%s%s:%s",
		 n ? ", " : "", w->sys, w->name);
	l->why_missing++;
}

static void *set_clock(void *data)
{
	struct pft_live *l = data;

	if (tracefs_instance_file_write(l->inst, "trace_clock", "perf") < 0)
		l->clock_err = errno ? errno : EIO;
	return NULL;
}

/* The CPUs' slots and queues: each buffer's own, ftrace's then perf's rings. */
static int alloc_cpus(struct pft_live *l)
{
	int cpu;

	l->nr_cpus = (int)sysconf(_SC_NPROCESSORS_CONF);
	l->cpus = calloc(l->nr_cpus, sizeof(*l->cpus));
	l->nr_queues = (1 + PFT_PERF_RINGS) * l->nr_cpus;
	l->queues = calloc(l->nr_queues, sizeof(*l->queues));
	if (!l->cpus || !l->queues)
		return -1;
	/* before anything can fail: pft_live_close closes what is not -1 */
	for (cpu = 0; cpu < l->nr_cpus; cpu++)
		l->cpus[cpu].fd = l->cpus[cpu].spool = -1;
	return 0;
}

/* pftrace's instance, off, with its options, buffers and clock to be. */
static int open_instance(struct pft_live *l, const struct pft_live_opts *o)
{
	char name[64];

	snprintf(name, sizeof(name), PFT_INSTANCE_PREFIX "%d", (int)getpid());
	/* ours by name, so left by a run that had our pid (still being removed): never reused */
	if (tracefs_instance_exists(name)) {
		struct tracefs_instance *old = tracefs_instance_alloc(NULL, name);

		if (!old || destroy_stale(old) < 0) {
			tracefs_instance_free(old);
			return -1;
		}
		tracefs_instance_free(old);
	}
	l->inst = tracefs_instance_create(name);
	if (!l->inst || (l->lock = lock_instance(l->inst)) < 0)
		return -1;
	/* nothing is recorded until the pid filter is in place and pft_live_arm() runs */
	if (tracefs_trace_off(l->inst) < 0)
		return -1;
	if (o->buffer_kb && tracefs_instance_set_buffer_size(l->inst, o->buffer_kb, -1) < 0)
		return -1;
	if (tracefs_option_enable(l->inst, TRACEFS_OPTION_EVENT_FORK) < 0 ||
	    tracefs_option_disable(l->inst, TRACEFS_OPTION_OVERWRITE) < 0)
		return -1;
	l->tep = local_tep();
	if (!l->tep)
		return -1;
	l->dec = pft_decoder_new(l->tep);
	l->page_size = getpagesize();
	if (tracefs_file_exists(l->inst, "buffer_subbuf_size_kb")) {
		long long kb;

		if (tracefs_instance_file_read_number(l->inst, "buffer_subbuf_size_kb", &kb) == 0)
			l->page_size = (int)kb * 1024;
	}
	l->page = malloc(l->page_size);
	if (!l->dec || !l->page || open_cpus(l) < 0)
		return -1;
	if (o->spool_dir && spool_open(l, o->spool_dir) < 0)
		return -1;
	return 0;
}

/* The instance's events: the faults (unless perf's), the history, --why's. */
static int enable_events(struct pft_live *l, const struct pft_live_opts *o)
{
	int i;

	if (!o->perf_faults &&
	    (enable_event(l->inst, "exceptions", "page_fault_user") < 0 ||
	     (o->kernel && enable_event(l->inst, "exceptions", "page_fault_kernel") < 0))) {
		if (!errno)
			errno = ENOENT;
		return -1;
	}
	for (i = 0; o->history && pft_history_events[i][0]; i++)
		if (enable_event(l->inst, pft_history_events[i][0], pft_history_events[i][1]) < 0)
			l->history_missing++;
	for (i = 0; o->why && pft_why_events[i].name; i++)
		if ((!pft_why_events[i].filter || o->why >= PFT_WHY_FULL) &&
		    (filter_why(l, &pft_why_events[i]) < 0 ||
		     enable_event(l->inst, pft_why_events[i].sys, pft_why_events[i].name) < 0))
			why_missing(l, &pft_why_events[i]);
	return 0;
}

struct pft_live *pft_live_open(const struct pft_live_opts *o)
{
	struct pft_live *l = calloc(1, sizeof(*l));
	struct pft_perf_opts po = {
	    .faults = o->perf_faults,
	    .sideband = o->history,
	    /* without tracefs the process tree is perf's too, and time its own */
	    .tasks = o->no_tracefs,
	    .monotonic = o->no_tracefs,
	    .switches = o->why,
	    .completions = o->all_completions ? PFT_PERF_ALL
			   : o->completions   ? PFT_PERF_MAJOR
					      : PFT_PERF_NONE,
	    .stacks = o->stacks,
	    .sample_kb = o->perf_kb,
	};
	int err;

	if (!l)
		return NULL;
	l->lock = l->marker = -1;
	/* without tracefs: perf's events only, no trace.dat (its formats are tracefs's) */
	if (o->no_tracefs && (!o->perf_faults || o->spool_dir || o->why)) {
		errno = EOPNOTSUPP;
		goto fail;
	}
	if (alloc_cpus(l) < 0 || (!o->no_tracefs && open_instance(l, o) < 0))
		goto fail;
	l->spool_limit = pft_file_size_limit();
	if ((o->completions || o->history || o->stacks || o->perf_faults) &&
	    !(l->perf = pft_perf_new(&po)))
		goto fail;
	if (l->perf && o->spool_dir && !(l->perf_spool = spool_file(o->spool_dir)))
		goto fail;
	if (!o->no_tracefs && enable_events(l, o) < 0)
		goto fail;
	/* perf's records come with perf's clock, local_clock(): ftrace calls it "perf". The
	 * switch waits for an RCU grace period (~25 ms here) holding the lock every tracefs
	 * file's open and release take: a thread does it, last, while the command starts and
	 * perf's events are opened (10 ms the first time); pft_live_arm waits for it */
	if (l->perf && l->inst) {
		if (pthread_create(&l->clock_thread, NULL, set_clock, l) != 0)
			goto fail;
		l->clock_pending = true;
	}
	return l;
fail:
	err = errno ? errno : EIO;
	pft_live_close(l);
	errno = err;
	return NULL;
}

/*
 * set_event_pid: the first write replaces (an empty filter would trace every process), later
 * ones append. Threads are separate entries; event-fork adds children as they are created.
 * Each write costs the kernel an RCU grace period (~45 ms here): tids go in one write, and a
 * tid given twice is written once.
 */
/* The clock switch's outcome (see pft_live_open): 0, or -1 with errno. */
static int clock_done(struct pft_live *l)
{
	if (!l->clock_pending)
		return 0;
	l->clock_pending = false;
	pthread_join(l->clock_thread, NULL);
	if (l->clock_err) {
		errno = l->clock_err;
		return -1;
	}
	return 0;
}

/* running: the tasks may fork meanwhile. Their children must be followed by perf (inherit) and by
 * ftrace (event-fork) alike, so the two go in back to back: not with the clock switch between
 * them, which holds every tracefs write for ~25 ms. A task stopped (the command at its exec)
 * forks nothing: the switch can go on while its perf events open. */
static int add_pids(struct pft_live *l, const int *tids, size_t n, bool running)
{
	char *buf;
	size_t i, len = 0;
	uint32_t dummy;
	int r = 0;

	if (running && clock_done(l) < 0)
		return -1;
	if (l->all)
		return 0; /* traced already, as every task is */
	if (!(buf = malloc(n * 12 + 1)))
		return -1;
	for (i = 0; i < n; i++) {
		int added = pft_hmap_put(&l->pids, (uint64_t)(uint32_t)tids[i], 0, 0, &dummy);

		if (added < 0) {
			free(buf);
			return -1;
		}
		/* a thread that ended since it was listed is no error: it takes no more faults */
		if (l->perf && added && pft_perf_add_task(l->perf, tids[i]) < 0) {
			if (errno != ESRCH) {
				free(buf);
				return -1;
			}
			continue;
		}
		if (added)
			len += sprintf(buf + len, "%d ", tids[i]);
		if (added && !l->inst) {
			if (pft_grow((void **)&l->added, &l->cap_added, l->nr_added + 1,
				     sizeof(*l->added)) < 0) {
				free(buf);
				return -1;
			}
			l->added[l->nr_added++] = tids[i];
		}
	}
	if (len && l->inst)
		r = l->pids_set ? tracefs_instance_file_append(l->inst, "set_event_pid", buf)
				: tracefs_instance_file_write(l->inst, "set_event_pid", buf);
	free(buf);
	if (r < 0)
		return -1;
	l->pids_set = l->pids_set || len;
	return 0;
}

int pft_live_add_pids(struct pft_live *l, const int *tids, size_t n)
{
	return add_pids(l, tids, n, true);
}

int pft_live_add_pid(struct pft_live *l, int tid)
{
	return add_pids(l, &tid, 1, false);
}

/* Writes pids into a pid list of the instance: appended, or (rewrite) in place of it. */
static int write_pids(struct pft_live *l, const char *file, const int *tids, size_t n,
		      bool rewrite)
{
	char *buf = malloc(n * 12 + 2);
	size_t i, len = 0;
	int r;

	if (!buf)
		return -1;
	for (i = 0; i < n; i++)
		len += sprintf(buf + len, "%d ", tids[i]);
	/* a write of blanks alone empties the list */
	strcpy(buf + len, len ? "" : " ");
	r = rewrite ? tracefs_instance_file_write(l->inst, file, buf)
		    : tracefs_instance_file_append(l->inst, file, buf);
	free(buf);
	return r < 0 ? -1 : 0;
}

/* Every task but pftrace's own: those given (its threads; event-fork adds what they start)
 * go into set_event_notrace_pid, and perf's events are the CPUs'. */
int pft_live_all(struct pft_live *l, const int *own, size_t n)
{
	if (!l->inst) {
		errno = EOPNOTSUPP; /* perf's own events cannot leave pftrace out */
		return -1;
	}
	if (write_pids(l, "set_event_notrace_pid", own, n, true) < 0 ||
	    (l->perf && pft_perf_add_task(l->perf, -1) < 0))
		return -1;
	l->all = l->pids_set = true;
	return 0;
}

int pft_live_exclude_pids(struct pft_live *l, const int *tids, size_t n)
{
	if (n && !l->inst) {
		errno = EOPNOTSUPP;
		return -1;
	}
	return n ? write_pids(l, "set_event_notrace_pid", tids, n, false) : 0;
}

/* Without tracefs the filter is the tasks added (perf's events follow their children unlisted),
 * and nothing is left out. */
static int added_pids(struct pft_live *l, const char *file, int **pids, size_t *n)
{
	*pids = NULL;
	*n = 0;
	if (strcmp(file, "set_event_pid") || !l->nr_added)
		return 0;
	if (!(*pids = malloc(l->nr_added * sizeof(**pids))))
		return -1;
	memcpy(*pids, l->added, l->nr_added * sizeof(**pids));
	*n = l->nr_added;
	return 0;
}

int pft_live_pids(struct pft_live *l, const char *file, int **pids, size_t *n)
{
	char *list = l->inst ? tracefs_instance_file_read(l->inst, file, NULL) : NULL;
	char *p, *save = NULL;
	size_t cap = 0;
	int ret = 0;

	if (!l->inst)
		return added_pids(l, file, pids, n);
	*pids = NULL;
	*n = 0;
	for (p = list ? strtok_r(list, " \n", &save) : NULL; p && ret == 0;
	     p = strtok_r(NULL, " \n", &save))
		if ((ret = pft_grow((void **)pids, &cap, *n + 1, sizeof(**pids))) == 0)
			(*pids)[(*n)++] = atoi(p);
	free(list);
	return ret;
}

int pft_live_include_pids(struct pft_live *l, const int *tids, size_t n)
{
	size_t listed, kept = 0, i, j;
	int *pids, r;

	if (pft_live_pids(l, "set_event_notrace_pid", &pids, &listed) < 0)
		return -1;
	/* tids were left out: a list read empty is one that could not be read */
	if (!listed) {
		errno = EIO;
		return -1;
	}
	/* the list less tids, in place */
	for (i = 0; i < listed; i++) {
		for (j = 0; j < n && tids[j] != pids[i]; j++)
			;
		if (j == n)
			pids[kept++] = pids[i];
	}
	r = write_pids(l, "set_event_notrace_pid", pids, kept, true);
	free(pids);
	return r;
}

int pft_live_arm(struct pft_live *l)
{
	if (!l->pids_set) {
		errno = EINVAL;
		return -1;
	}
	if (clock_done(l) < 0)
		return -1;
	/* perf's events count from their opening (the tasks wait stopped till then) */
	if (l->inst && tracefs_trace_on(l->inst) < 0)
		return -1;
	l->armed = true;
	return 0;
}

static uint64_t monotonic_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static int enqueue(struct queue *c, const struct pft_event *ev);

/* Without tracefs a mark is an event of pftrace's own, dated now on perf's clock. */
static int queue_mark(struct pft_live *l, const char *text)
{
	struct pft_event ev = {.type = PFT_EV_MARKER, .name = "print", .ts = monotonic_ns(),
			       .cpu = -1, .tid = (int)getpid(), .tgid = (int)getpid(),
			       .comm = "pftrace", .text = text};

	return enqueue(&l->queues[0], &ev);
}

int pft_live_mark(struct pft_live *l, const char *text)
{
	if (!l->inst)
		return queue_mark(l, text);
	if (l->marker < 0) {
		char *path = tracefs_instance_get_file(l->inst, "trace_marker");

		l->marker = path ? open(path, O_WRONLY | O_CLOEXEC) : -1;
		tracefs_put_tracing_file(path);
		if (l->marker < 0)
			return -1;
	}
	return write(l->marker, text, strlen(text)) < 0 ? -1 : 0;
}

/*
 * Whether a piece of a spool (a page, a perf event) from moment ts on is left out: its spool,
 * at that size, would pass the file-size limit, or an earlier moment was left out of another.
 * Each spool is held to the limit on its own: the pages are spooled as read and perf's events
 * as merged, later, and a budget they shared let the pages take it all, so that the history
 * they need was left out (an empty trace.dat). The writer cuts the trace.dat to fit, at a
 * moment before the first one left out (spool_cut).
 */
static bool spool_full(struct pft_live *l, bool *full, uint64_t size, uint64_t ts)
{
	if (!*full && size > l->spool_limit)
		*full = true;
	if (*full && (!l->spool_cut || ts < l->spool_cut))
		l->spool_cut = ts;
	return *full || (l->spool_cut && ts >= l->spool_cut);
}

static int spool_page(struct pft_live *l, struct live_cpu *c, const void *page, int size)
{
	const char *p = page;
	int left = size;

	uint64_t ts;

	memcpy(&ts, page, sizeof(ts)); /* a page starts with its first event's time */
	if (spool_full(l, &c->spool_full, c->spooled + (uint64_t)size, ts))
		return 0;
	while (left > 0) {
		ssize_t n = write(c->spool, p, left);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		left -= (int)n;
	}
	c->spooled += size;
	return 0;
}

/* A perf event into its spool, held to the file-size limit. */
static int perf_spool(struct pft_live *l, const struct pft_event *ev)
{
	off_t after;

	if (spool_full(l, &l->perf_spool_full, l->perf_spooled + pft_perf_encoded_max(ev), ev->ts))
		return 0;
	if (pft_perf_encode(ev, l->perf_spool) < 0 || (after = ftello(l->perf_spool)) < 0)
		return -1;
	l->perf_spooled = (uint64_t)after;
	return 0;
}

/* A copy of what ev points to, in one block, and ev pointing to it; -1 on ENOMEM. */
static int own_event(struct pft_event *ev, void **own)
{
	size_t text = ev->text ? strlen(ev->text) + 1 : 0, nk = ev->kstack.nr, nu = ev->ustack.nr;
	size_t dump = ev->dump ? sizeof(*ev->dump) + ev->dump->size : 0;
	char *p;

	*own = NULL;
	if (!text && !nk && !nu && !dump)
		return 0;
	p = malloc(8 * (nk + nu) + dump + text);
	if (!p)
		return -1;
	*own = p;
	if (nk || nu) {
		memcpy(p, ev->kstack.ips, 8 * nk);
		memcpy(p + 8 * nk, ev->ustack.ips, 8 * nu);
		ev->kstack.ips = (const uint64_t *)p;
		ev->ustack.ips = (const uint64_t *)p + nk;
		p += 8 * (nk + nu);
	}
	if (dump) {
		struct pft_stack_dump *d = (struct pft_stack_dump *)p;

		*d = *ev->dump;
		memcpy(d + 1, ev->dump->data, d->size);
		d->data = (const uint8_t *)(d + 1);
		ev->dump = d;
		p += dump;
	}
	if (text) {
		memcpy(p, ev->text, text);
		ev->text = p;
	}
	return 0;
}

static int enqueue(struct queue *c, const struct pft_event *ev)
{
	struct qev *e;

	if (pft_grow((void **)&c->q, &c->cap, c->nr + 1, sizeof(*c->q)) < 0)
		return -1;
	e = &c->q[c->nr];
	e->ev = *ev;
	if (own_event(&e->ev, &e->own) < 0)
		return -1;
	c->nr++;
	return 0;
}

static int handle_page(struct pft_live *l, int cpu, void *page)
{
	struct pft_page it;
	struct pft_page_rec pr;
	struct pft_event ev;
	int r;

	if (l->cpus[cpu].spool >= 0 && spool_page(l, &l->cpus[cpu], page, l->page_size) < 0)
		return -1;
	/* the kernel's own pages: still, never trusted past what they claim */
	if (pft_page_open(&it, page, l->page_size) < 0) {
		l->bad_pages++;
		return 0;
	}
	l->missed_pages += it.missed;
	while ((r = pft_page_next(&it, &pr)) > 0) {
		struct tep_record rec = {.ts = pr.ts, .data = pr.data, .size = pr.size, .cpu = cpu};

		pft_decode(l->dec, &rec, cpu, &ev);
		if (ev.type == PFT_EV_MARKER && !strcmp(ev.text, PFT_TICK_MARKER)) {
			if (ev.ts > l->watermark)
				l->watermark = ev.ts;
			continue;
		}
		l->events++;
		if (enqueue(&l->queues[cpu], &ev) < 0)
			return -1;
	}
	l->bad_pages += r < 0;
	return 0;
}

/* Drops the events taken from the front of each queue. */
static void compact(struct pft_live *l)
{
	int i;

	for (i = 0; i < l->nr_queues; i++) {
		struct queue *c = &l->queues[i];

		if (!c->head)
			continue; /* nothing taken (and maybe nothing ever queued: q is NULL) */
		memmove(c->q, c->q + c->head, (c->nr - c->head) * sizeof(*c->q));
		c->nr -= c->head;
		c->head = 0;
	}
}

int pft_live_pop(struct pft_live *l, struct pft_event *ev, bool all)
{
	struct queue *best = NULL;
	struct qev *e;
	int i;

	free(l->popped);
	l->popped = NULL;
	for (i = 0; i < l->nr_queues; i++) {
		struct queue *c = &l->queues[i];

		if (c->head < c->nr && (!best || c->q[c->head].ev.ts < best->q[best->head].ev.ts))
			best = c;
	}
	if (!best || (!all && best->q[best->head].ev.ts >= l->watermark)) {
		compact(l);
		return 0;
	}
	e = &best->q[best->head++];
	l->popped = e->own; /* the queue may move before the caller is done with it */
	/* perf's events go into the trace.dat in time order, as an option of ours (the queues
	 * after the CPUs' are perf's rings) */
	if (l->perf_spool && best >= l->queues + l->nr_cpus && perf_spool(l, &e->ev) < 0)
		return -1;
	*ev = e->ev;
	return 1;
}

int pft_live_spool_event(struct pft_live *l, const struct pft_event *ev)
{
	return l->perf_spool ? perf_spool(l, ev) : 0;
}

/* Where a perf ring's records go: its queue, but pftrace's own under -a (its maps, its faults'
 * completions: the CPUs' events are everyone's). */
struct perf_sink {
	struct queue *q;
	int self; /* -a: pftrace's pid; 0 otherwise */
};

static int enqueue_perf(void *data, const struct pft_event *ev)
{
	const struct perf_sink *s = data;

	if (s->self && ev->tgid == s->self)
		return 0;
	return enqueue(s->q, ev);
}

/* Every CPU's pages into the queues, without blocking. */
static int drain(struct pft_live *l)
{
	int cpu, n, ring;

	/* what is taken is dropped before more comes: the queues hold only what waits */
	compact(l);
	for (cpu = 0; cpu < l->nr_cpus; cpu++) {
		if (!l->cpus[cpu].tcpu)
			continue;
		/* partial pages are fine: the rest of the page comes in the next read */
		while ((n = tracefs_cpu_read(l->cpus[cpu].tcpu, l->page, true)) > 0)
			if (handle_page(l, cpu, l->page) < 0)
				return -1;
		if (n < 0 && errno != EAGAIN)
			return -1;
	}
	for (cpu = 0; l->perf && cpu < l->nr_cpus; cpu++)
		for (ring = 0; ring < PFT_PERF_RINGS; ring++) {
			struct perf_sink s = {&l->queues[(1 + ring) * l->nr_cpus + cpu],
					      l->all ? (int)getpid() : 0};

			if (pft_perf_read(l->perf, cpu, ring, enqueue_perf, &s) < 0)
				return -1;
		}
	return 0;
}

/*
 * The CPUs' buffers are each in time order, not with each other: an mmap read from one CPU must
 * be applied before a fault read from another. A tick marker written before the buffers are
 * read bounds what can still come: every event older than it has been read.
 */
int pft_live_read(struct pft_live *l)
{
	/* perf's rings alone: a record is visible within microseconds of its time (written with
	 * preemption off); one older than PERF_SETTLE_NS has been read, as perf's own reader
	 * flushes its queue by rounds */
	if (!l->inst) {
		uint64_t now = monotonic_ns();

		if (now > PERF_SETTLE_NS && now - PERF_SETTLE_NS > l->watermark)
			l->watermark = now - PERF_SETTLE_NS;
		return drain(l);
	}
	if (l->armed)
		pft_live_mark(l, PFT_TICK_MARKER);
	return drain(l);
}

int pft_live_stop(struct pft_live *l)
{
	int cpu;

	if (!l->armed)
		return 0;
	if (l->inst)
		tracefs_trace_off(l->inst);
	l->armed = false;
	if (drain(l) < 0)
		return -1;
	for (cpu = 0; cpu < l->nr_cpus; cpu++) {
		if (!l->cpus[cpu].tcpu)
			continue;
		/* after tracing_on=0 the last, partial pages come out only through flush */
		while (tracefs_cpu_flush(l->cpus[cpu].tcpu, l->page) > 0)
			if (handle_page(l, cpu, l->page) < 0)
				return -1;
	}
	return 0;
}

int pft_live_fds(const struct pft_live *l, int *fds, int max)
{
	int cpu, n = 0;

	for (cpu = 0; cpu < l->nr_cpus && n < max; cpu++)
		if (l->cpus[cpu].fd >= 0)
			fds[n++] = l->cpus[cpu].fd;
	return n + (l->perf ? pft_perf_fds(l->perf, fds + n, max - n) : 0);
}

static uint64_t stat_field(const char *text, const char *key)
{
	const char *p = strstr(text, key);

	return p ? strtoull(p + strlen(key), NULL, 10) : 0;
}

int pft_live_stats(struct pft_live *l, struct pft_live_stats *st)
{
	int cpu;

	memset(st, 0, sizeof(*st));
	st->events = l->events;
	/* a lost completion leaves its fault traced, without a verdict: counted apart; a lost
	 * side-band record is a hole in the history */
	if (l->perf && pft_perf_lost(l->perf, &st->lost_sideband, &st->lost_completions) < 0)
		return -1;
	st->told_twice = l->perf ? pft_perf_duplicates(l->perf) : 0;
	st->missed_pages = l->missed_pages;
	st->bad_pages = l->bad_pages;
	for (cpu = 0; cpu < l->nr_cpus; cpu++) {
		char file[64], *text;

		if (!l->cpus[cpu].tcpu)
			continue;
		snprintf(file, sizeof(file), "per_cpu/cpu%d/stats", cpu);
		text = tracefs_instance_file_read(l->inst, file, NULL);
		if (!text)
			return -1;
		/* overwrite is off: a full buffer drops new events ("dropped events") */
		st->lost += stat_field(text, "\noverrun: ") + stat_field(text, "dropped events: ");
		free(text);
	}
	return 0;
}

FILE *pft_live_perf_spool(const struct pft_live *l)
{
	return l->perf_spool;
}

int pft_live_why_missing(const struct pft_live *l, const char **names)
{
	*names = l->why_missing_names;
	return l->why_missing;
}

bool pft_live_user_only(const struct pft_live *l)
{
	return l->perf && pft_perf_user_only(l->perf);
}

int pft_live_history_missing(const struct pft_live *l)
{
	return l->history_missing;
}

int pft_live_cpus(const struct pft_live *l)
{
	return l->nr_cpus;
}

int pft_live_page_size(const struct pft_live *l)
{
	return l->page_size;
}

uint64_t pft_live_spool_cut(const struct pft_live *l)
{
	return l->spool_cut;
}

int pft_live_spool_fd(const struct pft_live *l, int cpu, uint64_t *size)
{
	*size = l->cpus[cpu].spooled;
	return l->cpus[cpu].spool;
}

struct tracefs_instance *pft_live_instance(const struct pft_live *l)
{
	return l->inst;
}

/*
 * Removing an instance waits for the kernel's RCU grace periods (~100 ms here): a process of its
 * own does it, so that pftrace's exit does not wait. Its events are off and nothing of ours reads
 * it any more; a remover killed before it is done leaves what a SIGKILLed run leaves, which the
 * next run removes.
 */
static void destroy_instance(struct tracefs_instance *inst, int lock)
{
	pid_t child = fork();

	if (child == 0) {
		/* the remover: in a session of its own (a ^C meant for pftrace's job is not for
		 * it), holding none of pftrace's files but the instance's lock (a pipe's reader
		 * sees its end now; another run sees the instance is being removed) */
		if (fork() == 0) {
			int null = open("/dev/null", O_RDWR);

			setsid();
			if (null >= 0) {
				dup2(null, 0);
				dup2(null, 1);
				dup2(null, 2);
			}
			if (lock >= 0 && lock != 3)
				lock = dup2(lock, 3);
			close_range(lock >= 0 ? 4 : 3, ~0u, 0);
			destroy_stale(inst);
		}
		_exit(0);
	}
	if (child > 0 && waitpid(child, NULL, 0) == child)
		return;
	destroy_stale(inst); /* no process to do it: here, then */
}

void pft_live_close(struct pft_live *l)
{
	int cpu;

	if (!l)
		return;
	for (cpu = 0; l->cpus && cpu < l->nr_cpus; cpu++) {
		if (l->cpus[cpu].tcpu)
			tracefs_cpu_free_fd(l->cpus[cpu].tcpu);
		if (l->cpus[cpu].fd >= 0)
			close(l->cpus[cpu].fd);
		if (l->cpus[cpu].spool >= 0)
			close(l->cpus[cpu].spool);
	}
	free(l->popped);
	for (int q = 0; l->queues && q < l->nr_queues; q++) {
		for (size_t i = l->queues[q].head; i < l->queues[q].nr; i++)
			free(l->queues[q].q[i].own);
		free(l->queues[q].q);
	}
	free(l->queues);
	pft_hmap_release(&l->pids);
	free(l->added);
	pft_perf_free(l->perf); /* the events stop with their descriptors */
	if (l->perf_spool)
		fclose(l->perf_spool);
	if (l->inst) {
		/* the machine's tracing state as we found it: nothing recorded from now on, then
		 * (the remover) the events off and our instance gone */
		clock_done(l);
		if (l->marker >= 0)
			close(l->marker);
		tracefs_trace_off(l->inst);
		destroy_instance(l->inst, l->lock);
		tracefs_instance_free(l->inst);
	}
	if (l->lock >= 0)
		close(l->lock);
	pft_decoder_free(l->dec);
	tep_free(l->tep);
	free(l->page);
	free(l->cpus);
	free(l);
}
