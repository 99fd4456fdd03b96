/* SPDX-License-Identifier: MIT */
/*
 * The kernel's verdict on each fault. The page_fault_user tracepoint fires at fault entry and
 * does not say how the fault ended; mm_account_fault() decides major or minor at completion and
 * reports it as the software perf events PAGE_FAULTS_MAJ / PAGE_FAULTS_MIN (with the address).
 * A dummy event adds the side-band records: PERF_RECORD_MMAP2 (each VMA the kernel makes or
 * changes, whole) and PERF_RECORD_COMM (with the exec flag: a new image begins), and for
 * --why PERF_RECORD_SWITCH: the moment a traced task runs again, which ftrace's pid filter
 * leaves out (a switch from the idle task to a traced one is not recorded: measured on 6.18,
 * 0 of 20 after a read's D-sleep).
 *
 * With --source perf the faults themselves come from here too: the software event PAGE_FAULTS,
 * which do_user_addr_fault() fires at entry (after the checks that refuse a fault in atomic
 * context, before the VMA is looked up) with the address and the registers: no error_code, and
 * none for a fault on a kernel address (do_kern_addr_fault). It needs no tracefs, and every
 * architecture has it (arm64 has no page-fault tracepoint).
 *
 * Events are per traced task and per CPU, inherited by what the task starts later (the kernel
 * refuses to mmap inherited per-task events on "any CPU"), or per CPU only for the whole
 * machine (record -a); a CPU's events all write into one ring. Time is perf's clock,
 * local_clock(), which ftrace calls "perf": the instance uses it.
 */
#include <errno.h>
#include <linux/perf_event.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "internal.h"
#include "perf.h"

/* Data pages per CPU ring: the side-band records are few; completions come with every fault,
 * and the ring is read when half full (the watermark wakes pftrace's poll) or every 200 ms. */
#define SIDEBAND_PAGES 64  /* 256 KiB */
#define SAMPLE_PAGES   512 /* 2 MiB */
/* with stacks a sample is ~10 times larger (frame pointers), ~200 times (8 KiB of stack) */
#define STACK_PAGES 2048 /* 8 MiB */
#define DWARF_PAGES 8192 /* 32 MiB */

/* --stacks=dwarf: the stack copied at each fault, as perf's --call-graph dwarf */
#define DWARF_STACK 8192
/* the smallest ring: 8 of the largest samples (a dwarf one is its stack and registers, one
 * with frame pointers up to 127 frames) */
#define MIN_RING_KB(stacks) ((stacks) & PFT_STACKS_DWARF ? 128u : (stacks) ? 16u : 8u)
/* the registers libdw needs to start unwinding (x86_64: perf's numbering, see pftrace.h) */
#define DWARF_REGS_MASK 0xff01ffull
/* read() of an event gives what it could not write (Linux 6.0; older headers lack it) */
#ifndef PERF_FORMAT_LOST
#define PERF_FORMAT_LOST (1u << 4)
#endif

enum {
	EV_SIDEBAND,
	EV_MAJ,
	EV_MIN,
	EV_FAULT, /* --source perf: every fault's entry */
	NR_EV
};
enum {
	RING_SIDEBAND,
	RING_SAMPLES,
	NR_RINGS = PFT_PERF_RINGS
};

struct ring {
	int fd; /* the ring's own event; the others of its kind on this CPU write into it */
	void *base;
	size_t size;   /* data area */
	uint64_t lost; /* as its LOST records said: those that came */
	/* the last record read, but for its event's id: its beginning and its end (see
	 * told_twice) */
	uint8_t last[128];
	uint16_t last_len;
};

/* An open event and the ring it writes into. */
struct event_fd {
	int fd;
	int cpu, ring;
};

struct pft_perf {
	struct ring (*rings)[NR_RINGS];
	/* each event's id -> its kind: a sample names the event that wrote it (its parent's,
	 * for an inherited one), one of each task's on each CPU */
	struct pft_hmap kind_of;
	int nr_cpus, page;
	bool kinds[NR_EV];
	bool history, switches; /* the side-band's records: mappings and comms; switches */
	bool fork_exit;		/* and forks and exits */
	bool monotonic;		/* CLOCK_MONOTONIC times */
	bool user_only;		/* kernel mode refused: every event excludes it */
	unsigned int stacks;	/* PFT_STACKS_* */
	uint64_t bad_samples;
	size_t sample_pages;
	uint64_t ips[2][PFT_MAX_FRAMES]; /* of the sample just passed on: kernel, user */
	struct pft_stack_dump dump;
	struct event_fd *fds;
	size_t nr_fds, cap_fds;
	bool no_lost_format; /* a kernel before 6.0: losses are known by LOST records only */
	struct pft_hmap tasks; /* tids whose events are open */
	uint64_t duplicates; /* records told twice, dropped (see told_twice) */
	char name[4096];       /* the file of the MMAP2 record just passed on */
};

static int perf_open(struct perf_event_attr *a, pid_t pid, int cpu, int group)
{
	return (int)syscall(SYS_perf_event_open, a, pid, cpu, group, PERF_FLAG_FD_CLOEXEC);
}

static void attr_of(const struct pft_perf *p, int kind, struct perf_event_attr *a)
{
	unsigned int stacks = p->stacks;
	size_t pages = p->sample_pages;
	static const uint64_t config[NR_EV] = {PERF_COUNT_SW_DUMMY, PERF_COUNT_SW_PAGE_FAULTS_MAJ,
					       PERF_COUNT_SW_PAGE_FAULTS_MIN,
					       PERF_COUNT_SW_PAGE_FAULTS};

	memset(a, 0, sizeof(*a));
	a->size = sizeof(*a);
	a->type = PERF_TYPE_SOFTWARE;
	/* a loss is told by a LOST record when the ring next has room: a ring full until the
	 * end never tells it, its events' own count does */
	a->read_format = PERF_FORMAT_LOST;
	a->config = config[kind];
	a->sample_period = 1;
	a->sample_type = PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_TID | PERF_SAMPLE_TIME |
			 (kind == EV_SIDEBAND ? 0 : PERF_SAMPLE_IP | PERF_SAMPLE_ADDR);
	a->sample_id_all = 1;
	a->inherit = 1;
	a->disabled = 0;
	/* pftrace reads on its own schedule: no wake-up per record (an irq_work each), only
	 * when a ring is half full */
	a->watermark = 1;
	a->wakeup_watermark = (kind == EV_SIDEBAND ? SIDEBAND_PAGES : pages) * 4096 / 2;
	/* faults the kernel takes on user memory (copy_to_user) complete in kernel mode; an
	 * unprivileged user may count user mode only */
	a->exclude_kernel = p->user_only;
	if (p->monotonic) {
		a->use_clockid = 1;
		a->clockid = CLOCK_MONOTONIC;
	}
	if (kind == EV_SIDEBAND) {
		/* every mapping (data ones too), and comms with the exec that starts an image */
		a->mmap = a->mmap2 = a->mmap_data = p->history;
		a->comm = a->comm_exec = p->history;
		a->task = p->fork_exit;
		a->context_switch = p->switches;
		return;
	}
	if (kind == EV_FAULT)
		return; /* the stacks come with the completion */
	/* the completion's callchain: to perf_event_max_stack frames (ftrace's userstacktrace
	 * stops at 8); kernel frames only of faults taken in kernel mode (a user fault's
	 * registers are the user's) */
	if (stacks) {
		a->sample_type |= PERF_SAMPLE_CALLCHAIN;
		a->exclude_callchain_kernel = !(stacks & PFT_STACKS_KERNEL);
		a->exclude_callchain_user = !!(stacks & PFT_STACKS_DWARF);
	}
	if (stacks & PFT_STACKS_DWARF) {
		a->sample_type |= PERF_SAMPLE_REGS_USER | PERF_SAMPLE_STACK_USER;
		a->sample_regs_user = DWARF_REGS_MASK;
		a->sample_stack_user = DWARF_STACK;
	}
	if (!(stacks & (PFT_STACKS_USER | PFT_STACKS_DWARF)) && stacks)
		a->exclude_callchain_user = 1;
}

static int keep_fd(struct pft_perf *p, int fd, int cpu, int ring)
{
	if (pft_grow((void **)&p->fds, &p->cap_fds, p->nr_fds + 1, sizeof(*p->fds)) < 0) {
		close(fd);
		return -1;
	}
	p->fds[p->nr_fds++] = (struct event_fd){fd, cpu, ring};
	return 0;
}

unsigned int pft_perf_default_kb(unsigned int stacks)
{
	return (stacks & PFT_STACKS_DWARF ? DWARF_PAGES
		: stacks		  ? STACK_PAGES
					  : SAMPLE_PAGES) *
	       4;
}

struct pft_perf *pft_perf_new(const struct pft_perf_opts *o)
{
	struct pft_perf *p = calloc(1, sizeof(*p));
	unsigned int stacks = o->stacks, sample_kb = o->sample_kb;
	int cpu, k;

	if (!p)
		return NULL;
	p->nr_cpus = (int)sysconf(_SC_NPROCESSORS_CONF);
	p->kinds[EV_SIDEBAND] = o->sideband || o->switches || o->tasks;
	p->history = o->sideband;
	p->fork_exit = o->tasks;
	p->switches = o->switches;
	p->monotonic = o->monotonic;
	/* a minor fault's sample costs as much as the fault's tracepoint: only on request */
	p->kinds[EV_MAJ] = o->completions != PFT_PERF_NONE || stacks;
	p->kinds[EV_MIN] = o->completions == PFT_PERF_ALL || stacks;
	p->kinds[EV_FAULT] = o->faults;
	p->stacks = stacks;
	p->page = getpagesize();
	/* a ring is a power of two pages, of 8 samples at least: a sample that does not fit
	 * in an empty ring is lost without a count */
	if (!sample_kb)
		sample_kb = pft_perf_default_kb(stacks);
	if (sample_kb < MIN_RING_KB(stacks))
		sample_kb = MIN_RING_KB(stacks);
	for (p->sample_pages = 1; p->sample_pages * (p->page / 1024) < sample_kb;
	     p->sample_pages *= 2)
		;
	p->rings = calloc(p->nr_cpus, sizeof(*p->rings));
	if (!p->rings) {
		pft_perf_free(p);
		return NULL;
	}
	for (cpu = 0; cpu < p->nr_cpus; cpu++)
		for (k = 0; k < NR_RINGS; k++)
			p->rings[cpu][k].fd = -1;
	return p;
}

/* The event of kind for tid on cpu, as this kernel and these rights allow: without the count
 * of what it lost (before Linux 6.0), in user mode only (perf_event_paranoid 2 without
 * CAP_PERFMON: from the first refusal on). Its descriptor, or -1 with errno. */
static int open_event(struct pft_perf *p, int kind, pid_t tid, int cpu)
{
	struct perf_event_attr a;
	int fd;

	for (;;) {
		attr_of(p, kind, &a);
		/* the whole machine (tid -1): a CPU's events are every task's already */
		a.inherit = tid != -1;
		if (p->no_lost_format)
			a.read_format = 0;
		fd = perf_open(&a, tid, cpu, -1);
		if (fd < 0 && errno == EINVAL && !p->no_lost_format)
			p->no_lost_format = true;
		else if (fd < 0 && errno == EACCES && !p->user_only && !p->nr_fds)
			p->user_only = true;
		else
			return fd;
	}
}

/* The events of one task on one CPU; the first of a ring's kind there gets the ring. */
static int open_on(struct pft_perf *p, pid_t tid, int cpu)
{
	int kind;

	for (kind = 0; kind < NR_EV; kind++) {
		int ring = kind == EV_SIDEBAND ? RING_SIDEBAND : RING_SAMPLES;
		struct ring *r = &p->rings[cpu][ring];
		size_t pages = kind == EV_SIDEBAND ? SIDEBAND_PAGES : p->sample_pages;
		uint64_t id;
		int fd;

		if (!p->kinds[kind])
			continue;
		fd = open_event(p, kind, tid, cpu);
		if (fd < 0)
			return errno == ENODEV ? 0 : -1; /* an offline CPU */
		if (keep_fd(p, fd, cpu, ring) < 0)
			return -1;
		if (ioctl(fd, PERF_EVENT_IOC_ID, &id) < 0)
			return -1;
		if (pft_hmap_set(&p->kind_of, id, 0, (uint32_t)kind) < 0)
			return -1;
		if (r->fd < 0) {
			r->size = pages * p->page;
			r->base = mmap(NULL, r->size + p->page, PROT_READ | PROT_WRITE, MAP_SHARED,
				       fd, 0);
			if (r->base == MAP_FAILED) {
				r->base = NULL;
				return -1;
			}
			r->fd = fd;
		} else if (ioctl(fd, PERF_EVENT_IOC_SET_OUTPUT, r->fd) < 0) {
			return -1;
		}
	}
	return 0;
}

int pft_perf_add_task(struct pft_perf *p, int tid)
{
	uint32_t dummy;
	int cpu, r = pft_hmap_put(&p->tasks, (uint64_t)(uint32_t)tid, 0, 0, &dummy);

	if (r <= 0)
		return r; /* open already (inherited events cover its threads), or ENOMEM */

	for (cpu = 0; cpu < p->nr_cpus; cpu++)
		if (open_on(p, tid, cpu) < 0)
			return -1; /* ESRCH: the task ended meanwhile */
	return 0;
}

uint64_t pft_perf_duplicates(const struct pft_perf *p)
{
	return p->duplicates;
}

bool pft_perf_user_only(const struct pft_perf *p)
{
	return p->user_only;
}

int pft_perf_fds(const struct pft_perf *p, int *fds, int max)
{
	int cpu, k, n = 0;

	for (cpu = 0; cpu < p->nr_cpus; cpu++)
		for (k = 0; k < NR_RINGS; k++)
			if (p->rings[cpu][k].fd >= 0 && n < max)
				fds[n++] = p->rings[cpu][k].fd;
	return n;
}

/* Copies len bytes at offset off of the ring's data area (it wraps). */
static void ring_copy(const struct ring *r, uint64_t off, void *dst, size_t len)
{
	const char *data = (const char *)r->base + getpagesize();
	size_t at = off % r->size, first = r->size - at < len ? r->size - at : len;

	memcpy(dst, data + at, first);
	memcpy((char *)dst + first, data, len - first);
}

/* sample_id_all trailer: pid, tid, time, identifier. */
struct trailer {
	uint32_t pid, tid;
	uint64_t time, id;
};

/* A record's name: what is left between its fixed part and the trailer (NUL-padded). */
static const char *record_name(struct pft_perf *p, const char *rec, size_t size, size_t fixed)
{
	size_t len;

	if (size < fixed + sizeof(struct trailer))
		return NULL;
	len = size - fixed - sizeof(struct trailer);
	if (len >= sizeof(p->name))
		len = sizeof(p->name) - 1;
	memcpy(p->name, rec + fixed, len);
	p->name[len] = '\0';
	return p->name;
}

static int emit_mmap2(struct pft_perf *p, const char *rec, size_t size, pft_perf_cb cb, void *data)
{
	struct {
		uint32_t pid, tid;
		uint64_t addr, len, pgoff;
		uint32_t maj, min;
		uint64_t ino, ino_gen;
		uint32_t prot, flags;
	} m;
	struct pft_event ev = {.type = PFT_EV_MMAP, .name = "mmap2", .cpu = -1};
	struct trailer t;

	if (!(ev.text = record_name(p, rec, size, 8 + sizeof(m))))
		return 0;
	memcpy(&m, rec + 8, sizeof(m));
	memcpy(&t, rec + size - sizeof(t), sizeof(t));
	ev.ts = t.time;
	ev.tid = (int)m.tid;
	ev.tgid = (int)m.pid;
	ev.args[0] = m.addr;
	ev.args[1] = m.len;
	ev.args[2] = m.pgoff; /* bytes */
	ev.args[3] = (uint64_t)m.maj << 32 | m.min;
	ev.args[4] = m.ino;
	ev.args[5] = m.prot;
	ev.clone_flags = m.flags;
	return cb(data, &ev);
}

static int emit_comm(struct pft_perf *p, const char *rec, size_t size, uint16_t misc,
		     pft_perf_cb cb, void *data)
{
	struct pft_event ev = {.type = PFT_EV_COMM, .name = "comm", .cpu = -1};
	uint32_t ids[2];
	struct trailer t;

	if (!(ev.text = record_name(p, rec, size, 8 + sizeof(ids))))
		return 0;
	memcpy(ids, rec + 8, sizeof(ids));
	memcpy(&t, rec + size - sizeof(t), sizeof(t));
	ev.ts = t.time;
	ev.tgid = (int)ids[0];
	ev.tid = (int)ids[1];
	ev.exec = misc & PERF_RECORD_MISC_COMM_EXEC;
	return cb(data, &ev);
}

/* FORK: a task made by ptid (pid == ppid: a thread of the same process); EXIT: a task ended,
 * the whole process with its leader (the leader's EXIT comes last unless it ended first,
 * by pthread_exit: its process is then taken as ended early, its later faults unknown). */
static int emit_task(const char *rec, size_t size, bool fork, pft_perf_cb cb, void *data)
{
	struct {
		uint32_t pid, ppid, tid, ptid;
		uint64_t time;
	} t;
	struct pft_event ev = {.cpu = -1};

	if (size < 8 + sizeof(t))
		return 0;
	memcpy(&t, rec + 8, sizeof(t));
	ev.ts = t.time;
	if (fork) {
		ev.type = PFT_EV_NEWTASK;
		ev.name = "fork";
		ev.tid = (int)t.ptid;
		ev.tgid = (int)t.ppid;
		ev.child = (int)t.tid;
		ev.clone_flags = t.pid == t.ppid ? CLONE_THREAD_FLAG : 0;
	} else {
		ev.type = PFT_EV_EXIT;
		ev.name = "exit";
		ev.tid = (int)t.tid;
		ev.tgid = (int)t.pid;
		ev.group_dead = t.pid == t.tid;
	}
	return cb(data, &ev);
}

/* A traced task runs again: a switch to it from a task unknown (see the top). */
static int emit_switch_in(const char *rec, size_t size, pft_perf_cb cb, void *data)
{
	struct pft_event ev = {.type = PFT_EV_SWITCH, .name = "switch_in", .cpu = -1, .tid = -1};
	struct trailer t;

	if (size < 8 + sizeof(t))
		return 0;
	memcpy(&t, rec + size - sizeof(t), sizeof(t));
	ev.ts = t.time;
	ev.child = (int)t.tid;
	ev.tgid = (int)t.pid;
	return cb(data, &ev);
}

/* The callchain: kernel frames, then user frames, each after its context marker. */
static const char *parse_callchain(struct pft_perf *p, const char *at, const char *end,
				   struct pft_event *ev)
{
	uint64_t nr, i, ip, ctx = PERF_CONTEXT_USER;
	size_t n[2] = {0, 0};

	if (end - at < 8)
		return NULL;
	memcpy(&nr, at, 8);
	at += 8;
	if (nr > (uint64_t)(end - at) / 8)
		return NULL;
	for (i = 0; i < nr; i++, at += 8) {
		int user;

		memcpy(&ip, at, 8);
		if (ip >= (uint64_t)PERF_CONTEXT_MAX) {
			ctx = ip;
			continue;
		}
		user = ctx == PERF_CONTEXT_USER;
		/* a frame pointer walk into a zeroed frame repeats 0 to the limit: no caller */
		if (!ip)
			ctx = PERF_CONTEXT_MAX;
		if ((ctx == PERF_CONTEXT_USER || ctx == PERF_CONTEXT_KERNEL) &&
		    n[user] < PFT_MAX_FRAMES)
			p->ips[user][n[user]++] = ip;
	}
	ev->kstack = (struct pft_stack){.nr = n[0], .ips = p->ips[0]};
	ev->ustack = (struct pft_stack){.nr = n[1], .ips = p->ips[1]};
	return at;
}

/* The user registers and the copy of the stack, for DWARF unwinding. */
static const char *parse_dump(struct pft_perf *p, const char *at, const char *end,
			      struct pft_event *ev)
{
	uint64_t abi, size, dyn;
	int i;

	if (end - at < 8)
		return NULL;
	memcpy(&abi, at, 8);
	at += 8;
	if (abi != PERF_SAMPLE_REGS_ABI_NONE) {
		if ((size_t)(end - at) < 8 * PFT_DUMP_REGS)
			return NULL;
		for (i = 0; i < PFT_DUMP_REGS; i++, at += 8)
			memcpy(&p->dump.regs[i], at, 8);
	}
	if (end - at < 8)
		return NULL;
	memcpy(&size, at, 8);
	at += 8;
	if (size > (uint64_t)(end - at) || (size && (uint64_t)(end - at) - size < 8))
		return NULL;
	p->dump.data = (const uint8_t *)at;
	at += size;
	dyn = 0;
	if (size) {
		memcpy(&dyn, at, 8);
		at += 8;
	}
	p->dump.size = dyn < size ? dyn : size;
	if (p->dump.size > PFT_MAX_DUMP)
		p->dump.size = PFT_MAX_DUMP;
	if (abi != PERF_SAMPLE_REGS_ABI_NONE && p->dump.size)
		ev->dump = &p->dump;
	return at;
}

/* A fault's entry (--source perf): taken in kernel mode, it is page_fault_kernel's. */
static int emit_fault(const struct pft_event *sample, int cpu, uint16_t misc, pft_perf_cb cb,
		      void *data)
{
	struct pft_event ev = *sample;
	bool kernel = (misc & PERF_RECORD_MISC_CPUMODE_MASK) == PERF_RECORD_MISC_KERNEL;

	ev.type = kernel ? PFT_EV_FAULT_KERNEL : PFT_EV_FAULT_USER;
	ev.cpu = cpu; /* the ring's: the sample was taken there */
	ev.name = kernel ? "page_fault_kernel" : "page_fault_user";
	ev.no_code = true;
	return cb(data, &ev);
}

static int emit_sample(struct pft_perf *p, const char *rec, size_t size, int cpu, uint16_t misc,
		       pft_perf_cb cb, void *data)
{
	struct {
		uint64_t id, ip;
		uint32_t pid, tid;
		uint64_t time, addr;
	} s;
	struct pft_event ev = {.type = PFT_EV_COMPLETION, .name = "fault_done", .cpu = -1};
	const char *at = rec + 8 + sizeof(s), *end = rec + size;
	uint32_t kind;

	if (size < 8 + sizeof(s))
		return 0;
	memcpy(&s, rec + 8, sizeof(s));
	ev.ts = s.time;
	ev.tid = (int)s.tid;
	ev.tgid = (int)s.pid;
	ev.address = s.addr;
	ev.ip = s.ip;
	if (!pft_hmap_get(&p->kind_of, s.id, 0, &kind))
		kind = EV_MIN;
	if (kind == EV_FAULT)
		return emit_fault(&ev, cpu, misc, cb, data);
	ev.major = kind == EV_MAJ;
	/* the kernel's own record, but never read past its end: counted as lost if it lies */
	if ((p->stacks && !(at = parse_callchain(p, at, end, &ev))) ||
	    ((p->stacks & PFT_STACKS_DWARF) && !parse_dump(p, at, end, &ev))) {
		p->bad_samples++;
		return 0;
	}
	return cb(data, &ev);
}

/* A task made while its creator's events were being opened can have two sets: those it
 * inherited, and those opened on it when a listing found it. Both write each record, the same
 * but for the event's id (a sample's first field, the others' last), one after the other into
 * the CPU's ring: the second is dropped, counted. The beginning and the end of a record (its
 * task and time among them) tell it. One task opened (a command, the machine): none such. */
static bool told_twice(struct pft_perf *p, struct ring *r, const struct perf_event_header *h,
		       const char *rec)
{
	uint8_t key[sizeof(r->last)];
	size_t tail = h->type == PERF_RECORD_SAMPLE ? 0 : h->size < 24 ? h->size : 24;
	size_t head = h->size - tail < sizeof(key) - tail ? h->size - tail : sizeof(key) - tail;
	bool same;

	if (p->tasks.len < 2 || h->type == PERF_RECORD_LOST)
		return false;
	memcpy(key, rec, head);
	memcpy(key + head, rec + h->size - tail, tail);
	if (tail == 24)
		memset(key + head + 16, 0, 8);
	else if (!tail && head >= 16)
		memset(key + 8, 0, 8);
	same = head + tail == r->last_len && !memcmp(key, r->last, head + tail);
	memcpy(r->last, key, head + tail);
	r->last_len = (uint16_t)(head + tail);
	p->duplicates += same;
	return same;
}

/* One record of a ring to cb (those of ours: a sample's, a mapping, a task...). */
static int emit_record(struct pft_perf *p, int cpu, struct ring *r,
		       const struct perf_event_header *h, const char *rec, pft_perf_cb cb,
		       void *data)
{
	if (told_twice(p, r, h, rec))
		return 0;
	if (h->type == PERF_RECORD_SAMPLE)
		return emit_sample(p, rec, h->size, cpu, h->misc, cb, data);
	if (h->type == PERF_RECORD_MMAP2)
		return emit_mmap2(p, rec, h->size, cb, data);
	if (h->type == PERF_RECORD_COMM)
		return emit_comm(p, rec, h->size, h->misc, cb, data);
	/* (they come with mmap and comm records too: wanted only where no tracepoint tells the
	 * process tree) */
	if ((h->type == PERF_RECORD_FORK || h->type == PERF_RECORD_EXIT) && p->fork_exit)
		return emit_task(rec, h->size, h->type == PERF_RECORD_FORK, cb, data);
	if (h->type == PERF_RECORD_SWITCH && !(h->misc & PERF_RECORD_MISC_SWITCH_OUT))
		return emit_switch_in(rec, h->size, cb, data);
	if (h->type == PERF_RECORD_LOST && h->size >= 24)
		r->lost += *(uint64_t *)(rec + 16);
	return 0;
}

static int read_ring(struct pft_perf *p, int cpu, struct ring *r, pft_perf_cb cb, void *data)
{
	struct perf_event_mmap_page *meta = r->base;
	uint64_t head, tail;
	char rec[65536];

	if (!r->base)
		return 0;
	head = __atomic_load_n(&meta->data_head, __ATOMIC_ACQUIRE);
	tail = meta->data_tail;
	while (tail < head) {
		struct perf_event_header h;
		int ret;

		ring_copy(r, tail, &h, sizeof(h));
		if (h.size < sizeof(h)) /* rec holds any record: sizes are 16 bits */
			break;
		ring_copy(r, tail, rec, h.size);
		ret = emit_record(p, cpu, r, &h, rec, cb, data);
		tail += h.size;
		if (ret < 0) {
			__atomic_store_n(&meta->data_tail, tail, __ATOMIC_RELEASE);
			return -1;
		}
	}
	__atomic_store_n(&meta->data_tail, tail, __ATOMIC_RELEASE);
	return 0;
}

int pft_perf_read(struct pft_perf *p, int cpu, int ring, pft_perf_cb cb, void *data)
{
	return read_ring(p, cpu, &p->rings[cpu][ring], cb, data);
}

/* What the events writing into each ring could not write, as they count it: the same losses
 * as its LOST records, those not told yet too. read() gives {value, lost}. */
static int events_lost(const struct pft_perf *p, uint64_t (*lost)[NR_RINGS])
{
	uint64_t v[2];
	size_t i;

	memset(lost, 0, sizeof(*lost) * (size_t)p->nr_cpus);
	for (i = 0; i < p->nr_fds; i++) {
		if (read(p->fds[i].fd, v, sizeof(v)) != (ssize_t)sizeof(v))
			return -1;
		lost[p->fds[i].cpu][p->fds[i].ring] += v[1];
	}
	return 0;
}

int pft_perf_lost(const struct pft_perf *p, uint64_t *sideband, uint64_t *completions)
{
	uint64_t(*counted)[NR_RINGS] = NULL;
	int cpu, k, ret = -1;

	*sideband = *completions = 0;
	if (!p->no_lost_format && (!(counted = calloc(p->nr_cpus, sizeof(*counted))) ||
				   events_lost(p, counted) < 0))
		goto out;
	for (cpu = 0; cpu < p->nr_cpus; cpu++)
		for (k = 0; k < NR_RINGS; k++) {
			uint64_t n = p->rings[cpu][k].lost;

			if (counted && counted[cpu][k] > n)
				n = counted[cpu][k];
			*(k == RING_SIDEBAND ? sideband : completions) += n;
		}
	*completions += p->bad_samples;
	ret = 0;
out:
	free(counted);
	return ret;
}

void pft_perf_free(struct pft_perf *p)
{
	size_t i;
	int cpu, k;

	if (!p)
		return;
	for (cpu = 0; p->rings && cpu < p->nr_cpus; cpu++)
		for (k = 0; k < NR_RINGS; k++)
			if (p->rings[cpu][k].base)
				munmap(p->rings[cpu][k].base, p->rings[cpu][k].size + p->page);
	for (i = 0; i < p->nr_fds; i++)
		close(p->fds[i].fd);
	free(p->fds);
	free(p->rings);
	pft_hmap_release(&p->kind_of);
	pft_hmap_release(&p->tasks);
	free(p);
}

/* ---------------------------------------------------------------- trace.dat form */

struct enc {
	uint64_t ts, addr; /* comm: addr = 1 at an exec */
	uint32_t tid, pid;
	uint16_t kind; /* ENC_* */
	uint16_t name_len;
	uint32_t pad;
};

struct enc_mmap {
	uint64_t len, pgoff, dev, ino, prot, flags;
};

/* After a completion with stacks: the frames (kernel, then user), the registers, the stack. */
struct enc_stack {
	uint16_t nr_kernel, nr_user, nr_regs, pad;
	uint32_t dump_size, pad2;
};

enum {
	ENC_MINOR,
	ENC_MAJOR,
	ENC_MMAP,
	ENC_COMM,
	ENC_MINOR_STACK, /* new kinds: a reader that does not know them stops, never misreads */
	ENC_MAJOR_STACK,
	ENC_SWITCH_IN, /* tid runs again */
	ENC_FAULT_USER, /* --source perf: a fault's entry (addr), then its ip */
	ENC_FAULT_KERNEL,
};

static int encode_completion(const struct pft_event *ev, struct enc *e, FILE *out)
{
	const struct pft_stack_dump *d = ev->dump;
	struct enc_stack st = {(uint16_t)ev->kstack.nr,	  (uint16_t)ev->ustack.nr,
			       d ? PFT_DUMP_REGS : 0,	  0,
			       d ? (uint32_t)d->size : 0, 0};
	static const char zeros[8];
	size_t pad = (8 - st.dump_size % 8) % 8;

	e->kind = ev->major ? ENC_MAJOR : ENC_MINOR;
	if (!st.nr_kernel && !st.nr_user && !d)
		return fwrite(e, sizeof(*e), 1, out) == 1 ? 0 : -1;
	e->kind += ENC_MINOR_STACK;
	if (fwrite(e, sizeof(*e), 1, out) != 1 || fwrite(&st, sizeof(st), 1, out) != 1 ||
	    fwrite(ev->kstack.ips, 8, st.nr_kernel, out) != st.nr_kernel ||
	    fwrite(ev->ustack.ips, 8, st.nr_user, out) != st.nr_user)
		return -1;
	if (d && (fwrite(d->regs, 8, PFT_DUMP_REGS, out) != PFT_DUMP_REGS ||
		  fwrite(d->data, 1, d->size, out) != d->size || fwrite(zeros, 1, pad, out) != pad))
		return -1;
	return 0;
}

size_t pft_perf_encoded_max(const struct pft_event *ev)
{
	size_t n = sizeof(struct enc) + sizeof(struct enc_mmap) + sizeof(struct enc_stack);

	if (ev->type == PFT_EV_COMPLETION)
		return n + 8 * (ev->kstack.nr + ev->ustack.nr) +
		       (ev->dump ? 8 * PFT_DUMP_REGS + ev->dump->size + 7 : 0);
	return n + (ev->text ? strnlen(ev->text, 4095) : 0);
}

int pft_perf_encode(const struct pft_event *ev, FILE *out)
{
	struct enc e = {ev->ts, ev->address, (uint32_t)ev->tid, (uint32_t)ev->tgid, 0, 0, 0};
	struct enc_mmap m;

	switch (ev->type) {
	case PFT_EV_COMPLETION:
		return encode_completion(ev, &e, out);
	case PFT_EV_FAULT_USER:
	case PFT_EV_FAULT_KERNEL:
		e.kind = ev->type == PFT_EV_FAULT_USER ? ENC_FAULT_USER : ENC_FAULT_KERNEL;
		e.pad = (uint32_t)ev->cpu;
		return fwrite(&e, sizeof(e), 1, out) == 1 && fwrite(&ev->ip, 8, 1, out) == 1 ? 0
											       : -1;
	case PFT_EV_COMM:
		e.kind = ENC_COMM;
		e.addr = ev->exec;
		e.name_len = (uint16_t)strnlen(ev->text, 4095);
		return fwrite(&e, sizeof(e), 1, out) == 1 &&
			       fwrite(ev->text, 1, e.name_len, out) == e.name_len
			   ? 0
			   : -1;
	case PFT_EV_SWITCH:
		e.kind = ENC_SWITCH_IN;
		e.tid = (uint32_t)ev->child;
		return fwrite(&e, sizeof(e), 1, out) == 1 ? 0 : -1;
	case PFT_EV_MMAP:
		break;
	default:
		errno = EINVAL;
		return -1;
	}
	e.kind = ENC_MMAP;
	e.addr = ev->args[0];
	e.name_len = (uint16_t)strnlen(ev->text, 4095);
	m = (struct enc_mmap){ev->args[1], ev->args[2], ev->args[3],
			      ev->args[4], ev->args[5], ev->clone_flags};
	if (fwrite(&e, sizeof(e), 1, out) != 1 || fwrite(&m, sizeof(m), 1, out) != 1 ||
	    fwrite(ev->text, 1, e.name_len, out) != e.name_len)
		return -1;
	return 0;
}

/* The stacks after a completion: their size, or -1 if they do not fit. */
static long decode_stacks(const char *p, size_t len, struct pft_event *ev,
			  uint64_t (*ips)[PFT_MAX_FRAMES], struct pft_stack_dump *dump)
{
	struct enc_stack st;
	size_t need, pad;

	if (len < sizeof(st))
		return -1;
	memcpy(&st, p, sizeof(st));
	pad = (8 - st.dump_size % 8) % 8;
	need =
	    sizeof(st) + 8 * ((size_t)st.nr_kernel + st.nr_user + st.nr_regs) + st.dump_size + pad;
	if (st.nr_kernel > PFT_MAX_FRAMES || st.nr_user > PFT_MAX_FRAMES ||
	    st.dump_size > PFT_MAX_DUMP || (st.nr_regs != 0 && st.nr_regs != PFT_DUMP_REGS) ||
	    (!st.nr_regs && st.dump_size) || len < need)
		return -1;
	p += sizeof(st);
	memcpy(ips[0], p, 8 * st.nr_kernel);
	p += 8 * st.nr_kernel;
	memcpy(ips[1], p, 8 * st.nr_user);
	p += 8 * st.nr_user;
	ev->kstack = (struct pft_stack){.nr = st.nr_kernel, .ips = ips[0]};
	ev->ustack = (struct pft_stack){.nr = st.nr_user, .ips = ips[1]};
	if (st.nr_regs) {
		memcpy(dump->regs, p, 8 * PFT_DUMP_REGS);
		p += 8 * PFT_DUMP_REGS;
		dump->data = (const uint8_t *)p;
		dump->size = st.dump_size;
		ev->dump = dump;
	}
	return (long)need;
}

long pft_perf_decode(const void *buf, size_t len, struct pft_event *ev, char *name, size_t size,
		     uint64_t (*ips)[PFT_MAX_FRAMES], struct pft_stack_dump *dump)
{
	const char *p = buf;
	struct enc e;
	struct enc_mmap m;
	size_t fixed;
	long n;

	if (!len)
		return 0;
	if (len < sizeof(e))
		return -1;
	memcpy(&e, p, sizeof(e));
	memset(ev, 0, sizeof(*ev));
	ev->ts = e.ts;
	ev->tid = (int)e.tid;
	ev->tgid = (int)e.pid;
	ev->cpu = -1;
	if (e.kind == ENC_MINOR || e.kind == ENC_MAJOR || e.kind == ENC_MINOR_STACK ||
	    e.kind == ENC_MAJOR_STACK) {
		ev->type = PFT_EV_COMPLETION;
		ev->name = "fault_done";
		ev->address = e.addr;
		ev->major = e.kind == ENC_MAJOR || e.kind == ENC_MAJOR_STACK;
		if (e.kind < ENC_MINOR_STACK)
			return sizeof(e);
		n = decode_stacks(p + sizeof(e), len - sizeof(e), ev, ips, dump);
		return n < 0 ? -1 : (long)sizeof(e) + n;
	}
	if (e.kind == ENC_FAULT_USER || e.kind == ENC_FAULT_KERNEL) {
		if (len < sizeof(e) + 8)
			return -1;
		ev->type = e.kind == ENC_FAULT_USER ? PFT_EV_FAULT_USER : PFT_EV_FAULT_KERNEL;
		ev->name = e.kind == ENC_FAULT_USER ? "page_fault_user" : "page_fault_kernel";
		ev->address = e.addr;
		memcpy(&ev->ip, p + sizeof(e), 8);
		ev->no_code = true;
		ev->cpu = (int)e.pad;
		return sizeof(e) + 8;
	}
	if (e.kind == ENC_SWITCH_IN) {
		*ev = (struct pft_event){.type = PFT_EV_SWITCH, .name = "switch_in", .ts = e.ts,
					 .tid = -1, .tgid = (int)e.pid, .child = (int)e.tid,
					 .cpu = -1};
		return sizeof(e);
	}
	fixed = sizeof(e) + (e.kind == ENC_MMAP ? sizeof(m) : 0);
	if ((e.kind != ENC_MMAP && e.kind != ENC_COMM) || len < fixed + e.name_len ||
	    e.name_len >= size)
		return -1;
	memcpy(name, p + fixed, e.name_len);
	name[e.name_len] = '\0';
	ev->text = name;
	if (e.kind == ENC_COMM) {
		ev->type = PFT_EV_COMM;
		ev->name = "comm";
		ev->exec = e.addr != 0;
		return (long)fixed + e.name_len;
	}
	memcpy(&m, p + sizeof(e), sizeof(m));
	ev->type = PFT_EV_MMAP;
	ev->name = "mmap2";
	ev->args[0] = e.addr;
	ev->args[1] = m.len;
	ev->args[2] = m.pgoff;
	ev->args[3] = m.dev;
	ev->args[4] = m.ino;
	ev->args[5] = m.prot;
	ev->clone_flags = m.flags;
	return (long)fixed + e.name_len;
}
