/* SPDX-License-Identifier: MIT */
/*
 * The kernel's verdict on each fault. The page_fault_user tracepoint fires at fault entry and
 * does not say how the fault ended; mm_account_fault() decides major or minor at completion and
 * reports it as the software perf events PAGE_FAULTS_MAJ / PAGE_FAULTS_MIN (with the address).
 * A dummy event with mmap2 adds PERF_RECORD_MMAP2: each new mapping's file, as it is made.
 *
 * Events are per traced task and per CPU, inherited by what the task starts later (the kernel
 * refuses to mmap inherited per-task events on "any CPU"); a CPU's events all write into one
 * ring. Time is perf's clock, local_clock(), which ftrace calls "perf": the instance uses it.
 */
#include <errno.h>
#include <linux/perf_event.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "internal.h"
#include "perf.h"

#define RING_PAGES 256 /* data pages per CPU ring (1 MiB): read every 200 ms at least */

enum { EV_MAJ, EV_MIN, EV_MAPS, NR_EV };

struct ring {
	int fd; /* the ring's own event; the others on this CPU write into it */
	void *base;
	size_t size; /* data area */
	uint64_t ids[NR_EV];
	struct qev_buf {
		char text[4096];
	} name;
};

struct pft_perf {
	struct ring *rings;
	int nr_cpus, page;
	int *fds;
	size_t nr_fds, cap_fds;
	uint64_t lost, samples;
	struct pft_hmap tasks; /* tids whose events are open */
	int nr_kinds;          /* EV_MAPS too, only when the history is followed */
};

static int perf_open(struct perf_event_attr *a, pid_t pid, int cpu, int group)
{
	return (int)syscall(SYS_perf_event_open, a, pid, cpu, group, PERF_FLAG_FD_CLOEXEC);
}

static void attr_of(int kind, struct perf_event_attr *a)
{
	static const uint64_t config[NR_EV] = {PERF_COUNT_SW_PAGE_FAULTS_MAJ,
					       PERF_COUNT_SW_PAGE_FAULTS_MIN, PERF_COUNT_SW_DUMMY};

	memset(a, 0, sizeof(*a));
	a->size = sizeof(*a);
	a->type = PERF_TYPE_SOFTWARE;
	a->config = config[kind];
	a->sample_period = 1;
	a->sample_type = PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_TID | PERF_SAMPLE_TIME |
			 PERF_SAMPLE_ADDR;
	a->sample_id_all = 1;
	a->inherit = 1;
	a->disabled = 0;
	/* pftrace reads on its own schedule: no wake-up per sample (an irq_work each) */
	a->watermark = 1;
	a->wakeup_watermark = RING_PAGES * 4096 / 2;
	/* faults the kernel takes on user memory (copy_to_user) complete in kernel mode */
	a->exclude_kernel = 0;
	if (kind == EV_MAPS) {
		a->mmap2 = 1;
		a->mmap_data = 1;
	}
}

static int keep_fd(struct pft_perf *p, int fd)
{
	if (pft_grow((void **)&p->fds, &p->cap_fds, p->nr_fds + 1, sizeof(*p->fds)) < 0) {
		close(fd);
		return -1;
	}
	p->fds[p->nr_fds++] = fd;
	return 0;
}

struct pft_perf *pft_perf_new(bool maps)
{
	struct pft_perf *p = calloc(1, sizeof(*p));
	int cpu;

	if (!p)
		return NULL;
	p->nr_cpus = (int)sysconf(_SC_NPROCESSORS_CONF);
	p->nr_kinds = maps ? NR_EV : EV_MAPS;
	p->page = getpagesize();
	p->rings = calloc(p->nr_cpus, sizeof(*p->rings));
	if (!p->rings) {
		free(p);
		return NULL;
	}
	for (cpu = 0; cpu < p->nr_cpus; cpu++)
		p->rings[cpu].fd = -1;
	return p;
}

/* The events of one task on one CPU; the first ones on a CPU get the ring. */
static int open_on(struct pft_perf *p, pid_t tid, int cpu)
{
	struct ring *r = &p->rings[cpu];
	struct perf_event_attr a;
	int kind;

	for (kind = 0; kind < p->nr_kinds; kind++) {
		int fd;
		uint64_t id;

		attr_of(kind, &a);
		fd = perf_open(&a, tid, cpu, -1);
		if (fd < 0)
			return errno == ENODEV ? 0 : -1; /* an offline CPU */
		if (keep_fd(p, fd) < 0)
			return -1;
		if (ioctl(fd, PERF_EVENT_IOC_ID, &id) < 0)
			return -1;
		if (r->fd < 0) {
			r->size = (size_t)RING_PAGES * p->page;
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
		r->ids[kind] = id;
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
			return -1;
	return 0;
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

static int emit_mmap2(struct pft_perf *p, struct ring *r, const char *rec, size_t size,
		      pft_perf_cb cb, void *data)
{
	struct {
		uint32_t pid, tid;
		uint64_t addr, len, pgoff;
		uint32_t maj, min;
		uint64_t ino, ino_gen;
		uint32_t prot, flags;
	} m;
	struct pft_event ev = {.type = PFT_EV_MMAP, .name = "mmap2", .tgid = -1, .cpu = -1};
	struct trailer t;
	size_t name_len;

	if (size < 8 + sizeof(m) + sizeof(t))
		return 0;
	memcpy(&m, rec + 8, sizeof(m));
	memcpy(&t, rec + size - sizeof(t), sizeof(t));
	name_len = size - 8 - sizeof(m) - sizeof(t);
	if (name_len >= sizeof(r->name.text))
		name_len = sizeof(r->name.text) - 1;
	memcpy(r->name.text, rec + 8 + sizeof(m), name_len);
	r->name.text[name_len] = '\0';
	ev.ts = t.time;
	ev.tid = (int)m.tid;
	ev.tgid = (int)m.pid;
	ev.text = r->name.text;
	ev.args[0] = m.addr;
	ev.args[1] = m.len;
	ev.args[2] = m.pgoff;
	ev.args[3] = (uint64_t)m.maj << 32 | m.min;
	ev.args[4] = m.ino;
	ev.args[5] = m.prot;
	ev.clone_flags = m.flags;
	(void)p;
	return cb(data, &ev);
}

static int emit_sample(struct pft_perf *p, struct ring *r, const char *rec, size_t size,
		       pft_perf_cb cb, void *data)
{
	struct {
		uint64_t id;
		uint32_t pid, tid;
		uint64_t time, addr;
	} s;
	struct pft_event ev = {.type = PFT_EV_COMPLETION, .name = "fault_done", .cpu = -1};

	if (size < 8 + sizeof(s))
		return 0;
	memcpy(&s, rec + 8, sizeof(s));
	ev.ts = s.time;
	ev.tid = (int)s.tid;
	ev.tgid = (int)s.pid;
	ev.address = s.addr;
	ev.major = s.id == r->ids[EV_MAJ];
	p->samples++;
	return cb(data, &ev);
}

int pft_perf_read(struct pft_perf *p, int cpu, pft_perf_cb cb, void *data)
{
	struct ring *r = &p->rings[cpu];
	struct perf_event_mmap_page *meta = r->base;
	uint64_t head, tail;
	char rec[65536];

	if (!r->base)
		return 0;
	head = __atomic_load_n(&meta->data_head, __ATOMIC_ACQUIRE);
	tail = meta->data_tail;
	while (tail < head) {
		struct perf_event_header h;
		int ret = 0;

		ring_copy(r, tail, &h, sizeof(h));
		if (h.size < sizeof(h)) /* rec holds any record: sizes are 16 bits */
			break;
		ring_copy(r, tail, rec, h.size);
		if (h.type == PERF_RECORD_SAMPLE)
			ret = emit_sample(p, r, rec, h.size, cb, data);
		else if (h.type == PERF_RECORD_MMAP2)
			ret = emit_mmap2(p, r, rec, h.size, cb, data);
		else if (h.type == PERF_RECORD_LOST && h.size >= 24)
			p->lost += *(uint64_t *)(rec + 16);
		tail += h.size;
		if (ret < 0) {
			__atomic_store_n(&meta->data_tail, tail, __ATOMIC_RELEASE);
			return -1;
		}
	}
	__atomic_store_n(&meta->data_tail, tail, __ATOMIC_RELEASE);
	return 0;
}

int pft_perf_cpus(const struct pft_perf *p)
{
	return p->nr_cpus;
}

uint64_t pft_perf_lost(const struct pft_perf *p)
{
	return p->lost;
}

void pft_perf_free(struct pft_perf *p)
{
	size_t i;
	int cpu;

	if (!p)
		return;
	for (cpu = 0; cpu < p->nr_cpus; cpu++)
		if (p->rings[cpu].base)
			munmap(p->rings[cpu].base, p->rings[cpu].size + p->page);
	for (i = 0; i < p->nr_fds; i++)
		close(p->fds[i]);
	free(p->fds);
	free(p->rings);
	pft_hmap_release(&p->tasks);
	free(p);
}

/* ---------------------------------------------------------------- trace.dat form */

struct enc {
	uint64_t ts, addr;
	uint32_t tid, pid;
	uint16_t kind; /* 0 minor, 1 major, 2 mmap */
	uint16_t name_len;
	uint32_t pad;
};

struct enc_mmap {
	uint64_t len, pgoff, dev, ino, prot, flags;
};

int pft_perf_encode(const struct pft_event *ev, FILE *out)
{
	struct enc e = {ev->ts, ev->address, (uint32_t)ev->tid, (uint32_t)ev->tgid, 0, 0, 0};
	struct enc_mmap m;

	if (ev->type == PFT_EV_COMPLETION) {
		e.kind = ev->major;
		return fwrite(&e, sizeof(e), 1, out) == 1 ? 0 : -1;
	}
	e.kind = 2;
	e.addr = ev->args[0];
	e.name_len = (uint16_t)strnlen(ev->text, 4095);
	m = (struct enc_mmap){ev->args[1], ev->args[2], ev->args[3], ev->args[4], ev->args[5],
			      ev->clone_flags};
	if (fwrite(&e, sizeof(e), 1, out) != 1 || fwrite(&m, sizeof(m), 1, out) != 1 ||
	    fwrite(ev->text, 1, e.name_len, out) != e.name_len)
		return -1;
	return 0;
}

long pft_perf_decode(const void *buf, size_t len, struct pft_event *ev, char *name, size_t size)
{
	struct enc e;
	struct enc_mmap m;

	if (!len)
		return 0;
	if (len < sizeof(e))
		return -1;
	memcpy(&e, buf, sizeof(e));
	memset(ev, 0, sizeof(*ev));
	ev->ts = e.ts;
	ev->tid = (int)e.tid;
	ev->tgid = (int)e.pid;
	ev->cpu = -1;
	if (e.kind < 2) {
		ev->type = PFT_EV_COMPLETION;
		ev->name = "fault_done";
		ev->address = e.addr;
		ev->major = e.kind;
		return sizeof(e);
	}
	if (e.kind != 2 || len < sizeof(e) + sizeof(m) + e.name_len || e.name_len >= size)
		return -1;
	memcpy(&m, (const char *)buf + sizeof(e), sizeof(m));
	memcpy(name, (const char *)buf + sizeof(e) + sizeof(m), e.name_len);
	name[e.name_len] = '\0';
	ev->type = PFT_EV_MMAP;
	ev->name = "mmap2";
	ev->text = name;
	ev->args[0] = e.addr;
	ev->args[1] = m.len;
	ev->args[2] = m.pgoff;
	ev->args[3] = m.dev;
	ev->args[4] = m.ino;
	ev->args[5] = m.prot;
	ev->clone_flags = m.flags;
	return (long)(sizeof(e) + sizeof(m) + e.name_len);
}
