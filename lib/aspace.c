/* SPDX-License-Identifier: MIT */
/*
 * Address spaces over time. Events come in time order; for each process:
 *
 *   - a maps snapshot is the truth at its time: the process's current address space becomes it;
 *   - between snapshots, mmap/munmap/mprotect/mremap/brk (their syscall exits) edit it;
 *   - exec replaces it with the new image (the first snapshot taken at or after the exec);
 *   - fork copies the parent's; threads (CLONE_THREAD) share their process's;
 *   - a fault is joined with the VMA that holds its address at that moment.
 *
 * Without history events (a text trace, a trace without syscalls) the same code degrades to
 * snapshots alone: the latest at or before the fault that holds the address, else the next one.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

#define CLONE_THREAD_FLAG 0x00010000ull
#define MAP_SHARED_FLAG   0x01ull
#define MAP_ANON_FLAG     0x20ull
#define PROT_READ_FLAG    0x1ull
#define PROT_WRITE_FLAG   0x2ull
#define PROT_EXEC_FLAG    0x4ull

struct snapshot {
	uint64_t ts; /* PFT_NO_TS: valid at any time; PFT_TS_PENDING: taken now, not dated yet */
	unsigned int id;
	struct pft_maps *maps;
	char *exe;
};

struct proc {
	int pid;
	bool asked;            /* the resolver was asked for a first snapshot */
	uint64_t last_refresh; /* trace time of the fault that last asked for a fresh snapshot */
	uint64_t last_page;    /* and its page */
	struct snapshot *snaps;
	size_t nr, cap;
	size_t next;          /* snaps[next..] are not applied yet */
	struct pft_maps *cur; /* the address space now, once a snapshot or a fork gave one */
	bool history;         /* syscalls edited cur: trust it, do not look ahead */
	bool exec_pending;    /* exec'd, and no snapshot of the new image applied yet */
	uint64_t brk_start;   /* the heap's start (brk(0) of a fresh image), 0 if unknown */
	struct pft_maps *named; /* perf's MMAP2 of mappings the next mmap exits will make */
};

/* A syscall entry, waiting for its exit on the same thread. */
struct pending_sys {
	enum pft_sys sys;
	uint64_t args[6];
};

struct pft_aspace {
	struct pft_maps *all; /* --maps FILE: for every pid without its own */
	struct proc *procs;
	size_t nr, cap;
	struct pft_hmap by_pid; /* pid -> procs index */
	struct pft_hmap tgids;  /* tid -> tgid + 1 (0: unknown) */
	struct pft_hmap sys_by_tid;
	struct pending_sys *sys;
	size_t nr_sys, cap_sys;
	struct pft_resolver r;
	unsigned int next_id;
	int last_tid, last_pid; /* the thread of the previous fault: usually the next one's too */
	uint64_t history_events;
};

/* A live process may have mapped something since its last snapshot: look again, for the same
 * page not more often than this in trace time (events are processed in batches: wall time says
 * nothing). */
#define REFRESH_NS 1000000ull

struct pft_aspace *pft_aspace_new(void)
{
	struct pft_aspace *as = calloc(1, sizeof(*as));

	if (as)
		as->last_tid = -1;
	return as;
}

static struct proc *proc_find(const struct pft_aspace *as, int pid)
{
	uint32_t idx;

	return pft_hmap_get(&as->by_pid, (uint64_t)(uint32_t)pid, 0, &idx) ? &as->procs[idx] : NULL;
}

static struct proc *proc_get(struct pft_aspace *as, int pid)
{
	uint32_t idx;
	int r = pft_hmap_put(&as->by_pid, (uint64_t)(uint32_t)pid, 0, (uint32_t)as->nr, &idx);

	if (r < 0)
		return NULL;
	if (r == 1) {
		if (pft_grow((void **)&as->procs, &as->cap, as->nr + 1, sizeof(*as->procs)) < 0)
			return NULL;
		memset(&as->procs[as->nr], 0, sizeof(*as->procs));
		as->procs[as->nr++].pid = pid;
	}
	return &as->procs[idx];
}

/* ---------------------------------------------------------------- snapshots */

/* Keeps the not-applied snapshots sorted by time; undated ones after dated ones. */
static void sort_snap(struct proc *p, size_t i)
{
	struct snapshot s = p->snaps[i];

	for (; i > p->next && p->snaps[i - 1].ts > s.ts; i--)
		p->snaps[i] = p->snaps[i - 1];
	for (; i + 1 < p->nr && p->snaps[i + 1].ts < s.ts; i++)
		p->snaps[i] = p->snaps[i + 1];
	p->snaps[i] = s;
}

unsigned int pft_aspace_next_snapshot_id(const struct pft_aspace *as)
{
	return as->next_id + 1;
}

int pft_aspace_add_snapshot(struct pft_aspace *as, int pid, uint64_t ts, struct pft_maps *maps,
			    const char *exe)
{
	struct proc *p = pid < 0 ? NULL : proc_get(as, pid);
	char *e = exe ? strdup(exe) : NULL;

	if (!p || (exe && !e) ||
	    pft_grow((void **)&p->snaps, &p->cap, p->nr + 1, sizeof(*p->snaps)) < 0) {
		pft_maps_free(maps);
		free(e);
		if (pid < 0)
			errno = EINVAL;
		return -1;
	}
	p->snaps[p->nr++] = (struct snapshot){ts, ++as->next_id, maps, e};
	sort_snap(p, p->nr - 1);
	return (int)as->next_id;
}

int pft_aspace_date_snapshot(struct pft_aspace *as, int pid, unsigned int id, uint64_t ts)
{
	struct proc *p = proc_find(as, pid);
	size_t i;

	for (i = 0; p && i < p->nr; i++)
		if (p->snaps[i].id == id) {
			p->snaps[i].ts = ts;
			/* an applied one (an exec's image) keeps its place: only its time was missing */
			if (i >= p->next)
				sort_snap(p, i);
			return 0;
		}
	errno = ENOENT;
	return -1;
}

int pft_aspace_set_maps(struct pft_aspace *as, int pid, struct pft_maps *maps)
{
	if (pid < 0) {
		pft_maps_free(as->all);
		as->all = maps;
		return 0;
	}
	return pft_aspace_add_snapshot(as, pid, PFT_NO_TS, maps, NULL) < 0 ? -1 : 0;
}

/* cur becomes snapshot i, and every snapshot before it is spent. */
static int apply(struct proc *p, size_t i)
{
	struct pft_maps *m = pft_maps_copy(p->snaps[i].maps);

	if (!m)
		return -1;
	pft_maps_free(p->cur);
	p->cur = m;
	p->next = i + 1;
	p->history = false;
	p->exec_pending = false;
	return 0;
}

/* Applies the snapshots dated at or before ts ("valid at any time" ones at once). */
static void advance(struct proc *p, uint64_t ts)
{
	size_t last = p->next;

	while (last < p->nr && (p->snaps[last].ts <= ts || p->snaps[last].ts == PFT_NO_TS ||
				ts == PFT_NO_TS) && p->snaps[last].ts != PFT_TS_PENDING)
		last++;
	if (last > p->next)
		apply(p, last - 1);
}

/* ---------------------------------------------------------------- tasks */

void pft_aspace_set_resolver(struct pft_aspace *as, const struct pft_resolver *r)
{
	as->r = *r;
}

int pft_aspace_pid_of(struct pft_aspace *as, int tid, int tgid_hint, const char *comm)
{
	uint32_t v;
	int tgid = tgid_hint;

	if (tgid > 0)
		return tgid;
	if (tid == as->last_tid)
		return as->last_pid;
	if (pft_hmap_get(&as->tgids, (uint64_t)(uint32_t)tid, 0, &v)) {
		tgid = v ? (int)v - 1 : tid;
	} else {
		if (as->r.tgid)
			tgid = as->r.tgid(as->r.data, tid, comm);
		/* a failed insert only costs asking again */
		pft_hmap_put(&as->tgids, (uint64_t)(uint32_t)tid, 0,
			     tgid > 0 ? (uint32_t)tgid + 1 : 0, &v);
		if (tgid <= 0)
			tgid = tid;
	}
	as->last_tid = tid;
	as->last_pid = tgid;
	return tgid;
}

int pft_aspace_set_tgid(struct pft_aspace *as, int tid, int tgid)
{
	if (tid == as->last_tid)
		as->last_tid = -1;
	return pft_hmap_set(&as->tgids, (uint64_t)(uint32_t)tid, 0, (uint32_t)tgid + 1);
}

/* Asks the resolver for a snapshot: the first of a pid, a fresh one for an address that no
 * snapshot holds, or the new image after an exec. 1 if it added one. */
static int ask(struct pft_aspace *as, int pid, const char *comm, bool refresh, uint64_t ts,
	       uint64_t addr)
{
	struct proc *p = proc_find(as, pid);
	uint64_t page = addr & PFT_PAGE_MASK;

	if (!as->r.snapshot)
		return 0;
	if (!refresh) {
		if (p && p->asked)
			return 0;
	} else {
		/* a new page always gets a look; faults on one page, once a millisecond */
		if (!as->r.refresh || !p || ts == PFT_NO_TS ||
		    (page == p->last_page && ts - p->last_refresh < REFRESH_NS))
			return 0;
		p->last_refresh = ts;
		p->last_page = page;
	}
	p = proc_get(as, pid);
	if (!p)
		return 0;
	p->asked = true;
	return as->r.snapshot(as->r.data, as, pid, comm) == 0;
}

static void on_exec(struct pft_aspace *as, const struct pft_event *ev, int pid)
{
	struct proc *p = proc_get(as, pid);

	if (!p)
		return;
	advance(p, ev->ts);
	pft_maps_free(p->cur);
	p->cur = NULL;
	p->history = false;
	p->exec_pending = true;
	p->brk_start = 0;
	/* the new image's mappings are made by the kernel, not by syscalls: they come from the
	 * first snapshot at or after the exec (a live recording takes one now) */
	if (p->next == p->nr && as->r.snapshot && as->r.refresh)
		as->r.snapshot(as->r.data, as, pid, ev->text);
	if (p->next < p->nr)
		apply(p, p->next);
}

static void on_newtask(struct pft_aspace *as, const struct pft_event *ev, int parent_pid)
{
	struct proc *parent, *child;

	if (ev->child <= 0)
		return;
	if (ev->clone_flags & CLONE_THREAD_FLAG) {
		pft_aspace_set_tgid(as, ev->child, parent_pid);
		return;
	}
	pft_aspace_set_tgid(as, ev->child, ev->child);
	parent = proc_get(as, parent_pid);
	if (parent)
		advance(parent, ev->ts);
	child = proc_get(as, ev->child);
	parent = proc_find(as, parent_pid); /* proc_get may have moved the array */
	if (!child || !parent || !parent->cur)
		return;
	/* fork: the child starts with a copy of the parent's address space */
	pft_maps_free(child->cur);
	child->cur = pft_maps_copy(parent->cur);
	child->history = parent->history;
	child->brk_start = parent->brk_start;
}

/* ---------------------------------------------------------------- syscalls */

static void rwx(uint64_t prot, char out[4])
{
	out[0] = prot & PROT_READ_FLAG ? 'r' : '-';
	out[1] = prot & PROT_WRITE_FLAG ? 'w' : '-';
	out[2] = prot & PROT_EXEC_FLAG ? 'x' : '-';
	out[3] = '\0';
}

/* perf's MMAP2 comes, inside the mmap, before the syscall's exit: the file, exactly. */
static void on_mmap2(struct pft_aspace *as, const struct pft_event *ev)
{
	struct proc *p = proc_get(as, ev->tgid > 0 ? ev->tgid : ev->tid);
	struct pft_vma t = {.start = ev->args[0], .end = ev->args[0] + ev->args[1]};
	const char *slash;

	if (!p || ev->text[0] != '/' || ev->text[1] == '/' || !ev->args[1])
		return; /* anonymous ("//anon"), or [heap], [stack], [vdso]: nothing to name */
	if (!p->named && !(p->named = pft_maps_copy(NULL)))
		return;
	t.offset = ev->args[2] << 12;
	t.dev_major = (unsigned int)(ev->args[3] >> 32);
	t.dev_minor = (unsigned int)ev->args[3];
	t.inode = ev->args[4];
	slash = strstr(ev->text, " (deleted)");
	t.deleted = slash && !slash[10];
	memcpy(t.perms, "r--p", 5);
	t.name = t.path = ev->text;
	if (t.deleted) {
		char *copy = strndup(ev->text, slash - ev->text);

		if (!copy)
			return;
		t.name = t.path = copy;
		pft_maps_insert(p->named, &t);
		free(copy);
		return;
	}
	pft_maps_insert(p->named, &t);
}

/* The file of a new mapping: perf's MMAP2 of it, else the first later snapshot that has a
 * mapping starting there. */
static const struct pft_vma *name_ahead(const struct proc *p, uint64_t start)
{
	const struct pft_vma *v = pft_maps_lookup(p->named, start);
	size_t i;

	if (v && v->start == start)
		return v;

	for (i = p->next; i < p->nr; i++) {
		v = pft_maps_lookup(p->snaps[i].maps, start);
		if (v && v->start == start)
			return v;
	}
	return NULL;
}

static void do_mmap(struct pft_aspace *as, struct proc *p, const struct pending_sys *s,
		    const struct pft_event *ev)
{
	uint64_t len = (s->args[1] + 0xfff) & PFT_PAGE_MASK, flags = s->args[3];
	uint64_t start = (uint64_t)ev->ret;
	const struct pft_vma *later = name_ahead(p, start);
	struct pft_vma t = {.start = start, .end = start + len};
	bool anon = flags & MAP_ANON_FLAG;
	int pid = p->pid;

	/* live without perf: the name is in /proc/PID/maps while the mapping lasts; look now */
	if (!anon && !later && ask(as, pid, ev->comm, true, ev->ts, start)) {
		p = proc_find(as, pid);
		later = name_ahead(p, start);
	}

	rwx(s->args[2], t.perms);
	t.perms[3] = flags & MAP_SHARED_FLAG ? 's' : 'p';
	t.offset = anon ? 0 : s->args[5];
	if (later && (later->inode != 0) == !anon) {
		t.name = later->name;
		t.path = later->path;
		t.inode = later->inode;
		t.dev_major = later->dev_major;
		t.dev_minor = later->dev_minor;
		t.deleted = later->deleted;
	} else {
		/* a file we never saw mapped (closed and unmapped before any snapshot) */
		t.name = anon ? "[anon]" : "[file]";
		t.inode = !anon;
	}
	pft_maps_insert(p->cur, &t);
}

static void do_mremap(struct proc *p, const struct pending_sys *s, int64_t ret)
{
	const struct pft_vma *old = pft_maps_lookup(p->cur, s->args[0]);
	uint64_t new_len = (s->args[2] + 0xfff) & PFT_PAGE_MASK;
	struct pft_vma t;

	if (!old)
		return;
	t = *old;
	t.offset = old->inode ? old->offset + (s->args[0] - old->start) : 0;
	t.start = (uint64_t)ret;
	t.end = (uint64_t)ret + new_len;
	pft_vma_ref(old); /* unmap drops the maps' reference; t's strings are old's */
	pft_maps_unmap(p->cur, s->args[0], s->args[0] + ((s->args[1] + 0xfff) & PFT_PAGE_MASK));
	pft_maps_insert(p->cur, &t);
	pft_vma_unref(old);
}

/* brk(0) of a fresh image says where the heap starts; later ones move its end. */
static void do_brk(struct proc *p, const struct pending_sys *s, int64_t ret)
{
	const struct pft_vma *heap = NULL;
	struct pft_vma t = {0};
	size_t i;

	for (i = 0; i < pft_maps_count(p->cur); i++)
		if (!strcmp(pft_maps_at(p->cur, i)->name, "[heap]"))
			heap = pft_maps_at(p->cur, i);
	if (!s->args[0] && !heap)
		p->brk_start = (uint64_t)ret;
	t.start = heap ? heap->start : p->brk_start;
	t.end = ((uint64_t)ret + 0xfff) & PFT_PAGE_MASK;
	if (!t.start || t.end <= t.start) {
		if (heap)
			pft_maps_unmap(p->cur, heap->start, heap->end);
		return;
	}
	memcpy(t.perms, "rw-p", 5);
	t.name = "[heap]";
	pft_maps_insert(p->cur, &t);
}

static void on_syscall(struct pft_aspace *as, const struct pft_event *ev, int pid)
{
	uint32_t i;
	struct proc *p;
	struct pending_sys s;
	char perms[4];
	uint64_t len;

	if (!ev->sys_exit) {
		s = (struct pending_sys){ev->sys, {0}};
		memcpy(s.args, ev->args, sizeof(s.args));
		if (pft_hmap_put(&as->sys_by_tid, (uint64_t)(uint32_t)ev->tid, 0,
				 (uint32_t)as->nr_sys, &i) < 0)
			return;
		if (i == as->nr_sys &&
		    pft_grow((void **)&as->sys, &as->cap_sys, as->nr_sys + 1, sizeof(*as->sys)) == 0)
			as->nr_sys++;
		if (i < as->nr_sys)
			as->sys[i] = s;
		return;
	}
	if (!pft_hmap_get(&as->sys_by_tid, (uint64_t)(uint32_t)ev->tid, 0, &i) ||
	    as->sys[i].sys != ev->sys)
		return; /* the entry was before the trace began */
	s = as->sys[i];
	as->sys[i].sys = PFT_SYS_COUNT; /* spent */
	p = proc_get(as, pid);
	if (!p)
		return;
	advance(p, ev->ts);
	/* -4095..-1 are errors: nothing changed */
	if (!p->cur || (ev->ret < 0 && ev->ret >= -4095))
		return;
	p->history = true;
	len = (s.args[1] + 0xfff) & PFT_PAGE_MASK;
	switch (s.sys) {
	case PFT_SYS_MMAP:
		do_mmap(as, p, &s, ev);
		break;
	case PFT_SYS_MUNMAP:
		pft_maps_unmap(p->cur, s.args[0], s.args[0] + len);
		break;
	case PFT_SYS_MPROTECT:
	case PFT_SYS_PKEY_MPROTECT:
		rwx(s.args[2], perms);
		pft_maps_protect(p->cur, s.args[0], s.args[0] + len, perms);
		break;
	case PFT_SYS_MREMAP:
		do_mremap(p, &s, ev->ret);
		break;
	case PFT_SYS_BRK:
		do_brk(p, &s, ev->ret);
		break;
	default:
		break;
	}
}

int pft_aspace_event(struct pft_aspace *as, const struct pft_event *ev)
{
	struct proc *p;
	int pid;

	if (ev->type != PFT_EV_EXEC && ev->type != PFT_EV_NEWTASK && ev->type != PFT_EV_EXIT &&
	    ev->type != PFT_EV_SYSCALL && ev->type != PFT_EV_MMAP)
		return 0; /* faults and the rest: not a change of an address space */
	as->history_events++;
	if (ev->type == PFT_EV_MMAP) {
		on_mmap2(as, ev); /* perf names the process itself */
		return 1;
	}
	pid = pft_aspace_pid_of(as, ev->tid, ev->tgid, ev->comm);
	switch (ev->type) {
	case PFT_EV_EXEC:
		/* the exec'ing thread becomes the process's only thread */
		on_exec(as, ev, pid);
		break;
	case PFT_EV_NEWTASK:
		on_newtask(as, ev, pid);
		break;
	case PFT_EV_EXIT:
		p = ev->group_dead ? proc_find(as, pid) : NULL;
		if (p) {
			pft_maps_free(p->cur); /* nothing faults in it any more */
			p->cur = NULL;
		}
		break;
	default:
		on_syscall(as, ev, pid);
		break;
	}
	return 1;
}

uint64_t pft_aspace_history_events(const struct pft_aspace *as)
{
	return as->history_events;
}

/* ---------------------------------------------------------------- lookups */

/* Snapshots alone: the latest at or before ts that holds addr, else the next ones, else older. */
static const struct pft_vma *search_snapshots(const struct proc *p, uint64_t ts, uint64_t addr,
					      const struct pft_maps **maps)
{
	size_t base = p->nr, i;
	const struct pft_vma *v;

	while (base > 1 && p->snaps[base - 1].ts != PFT_NO_TS && p->snaps[base - 1].ts > ts)
		base--;
	base--;
	*maps = p->snaps[base].maps;
	if ((v = pft_maps_lookup(p->snaps[base].maps, addr)))
		return v;
	for (i = base + 1; i < p->nr; i++)
		if ((v = pft_maps_lookup(p->snaps[i].maps, addr)))
			return v;
	for (i = base; i-- > 0;)
		if ((v = pft_maps_lookup(p->snaps[i].maps, addr)))
			return v;
	return NULL;
}

static const struct pft_vma *search(struct proc *p, uint64_t ts, uint64_t addr,
				    const struct pft_maps **maps)
{
	const struct pft_vma *v;

	advance(p, ts);
	if (!p->cur)
		return search_snapshots(p, ts, addr, maps);
	*maps = p->cur;
	v = pft_maps_lookup(p->cur, addr);
	/* without syscall history, the next snapshot may show a mapping made since */
	if (!v && !p->history && p->next < p->nr)
		v = pft_maps_lookup(p->snaps[p->next].maps, addr);
	return v;
}

const struct pft_vma *pft_aspace_lookup(struct pft_aspace *as, int pid, uint64_t ts, uint64_t addr,
					const char *comm, const struct pft_maps **maps)
{
	struct proc *p = proc_find(as, pid);
	const struct pft_vma *v;

	if ((!p || (!p->nr && !p->cur)) && !as->all && ask(as, pid, comm, false, ts, addr))
		p = proc_find(as, pid);
	if (!p || (!p->nr && !p->cur)) {
		*maps = as->all;
		return pft_maps_lookup(as->all, addr);
	}
	v = search(p, ts, addr, maps);
	if (!v && !p->history && ask(as, pid, comm, true, ts, addr))
		v = search(proc_find(as, pid), ts, addr, maps);
	return v;
}

int pft_aspace_foreach_snapshot(const struct pft_aspace *as,
				int (*cb)(void *data, int pid, uint64_t ts,
					  const struct pft_maps *maps, const char *exe),
				void *data)
{
	size_t i, j;

	for (i = 0; i < as->nr; i++)
		for (j = 0; j < as->procs[i].nr; j++) {
			const struct snapshot *s = &as->procs[i].snaps[j];

			if (cb(data, as->procs[i].pid, s->ts, s->maps, s->exe) < 0)
				return -1;
		}
	return 0;
}

void pft_aspace_free(struct pft_aspace *as)
{
	size_t i, j;

	if (!as)
		return;
	for (i = 0; i < as->nr; i++) {
		for (j = 0; j < as->procs[i].nr; j++) {
			pft_maps_free(as->procs[i].snaps[j].maps);
			free(as->procs[i].snaps[j].exe);
		}
		free(as->procs[i].snaps);
		pft_maps_free(as->procs[i].cur);
		pft_maps_free(as->procs[i].named);
	}
	free(as->procs);
	pft_hmap_release(&as->by_pid);
	pft_hmap_release(&as->tgids);
	pft_hmap_release(&as->sys_by_tid);
	free(as->sys);
	pft_maps_free(as->all);
	free(as);
}
