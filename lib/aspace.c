/* SPDX-License-Identifier: MIT */
/*
 * Address spaces over time: for each process, maps snapshots ordered by time. A fault is joined
 * with the latest snapshot at or before it that holds the address, else the earliest later one
 * (the mapping appeared in between), else an older one. Exact per-mapping history (mmap/munmap/
 * exec events) drops in here without touching sources or sinks.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

struct snapshot {
	uint64_t ts; /* PFT_NO_TS: valid at any time; PFT_TS_PENDING: taken now, not dated yet */
	unsigned int id;
	struct pft_maps *maps;
	char *exe;
};

struct proc {
	int pid;
	bool asked;	       /* the resolver was asked for a first snapshot */
	uint64_t last_refresh; /* trace time of the fault that last asked for a fresh snapshot */
	uint64_t last_page;    /* and its page */
	struct snapshot *snaps;
	size_t nr, cap;
};

struct pft_aspace {
	struct pft_maps *all; /* --maps FILE: for every pid without its own */
	struct proc *procs;
	size_t nr, cap;
	struct pft_hmap by_pid; /* pid -> procs index */
	struct pft_hmap tgids;	/* tid -> tgid + 1 (0: unknown) */
	struct pft_resolver r;
	unsigned int next_id;
	int last_tid, last_pid; /* the thread of the previous fault: usually the next one's too */
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

/* Keeps p->snaps sorted by time; undated snapshots after dated ones. */
static void sort_snap(struct proc *p, size_t i)
{
	struct snapshot s = p->snaps[i];

	for (; i > 0 && p->snaps[i - 1].ts > s.ts; i--)
		p->snaps[i] = p->snaps[i - 1];
	for (; i + 1 < p->nr && p->snaps[i + 1].ts < s.ts; i++)
		p->snaps[i] = p->snaps[i + 1];
	p->snaps[i] = s;
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

/* Asks the resolver for a snapshot: the first of a pid, or a fresh one for an address that no
 * snapshot holds. 1 if it added one. */
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

/* The snapshot a fault at ts is classified against: the latest at or before it, else the first. */
static size_t base_snapshot(const struct proc *p, uint64_t ts)
{
	size_t i = p->nr;

	while (i > 1 && p->snaps[i - 1].ts != PFT_NO_TS && p->snaps[i - 1].ts > ts)
		i--;
	return i - 1;
}

static const struct pft_vma *search(const struct proc *p, uint64_t ts, uint64_t addr,
				    const struct pft_maps **maps)
{
	size_t base = base_snapshot(p, ts), i;
	const struct pft_vma *v;

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

const struct pft_vma *pft_aspace_lookup(struct pft_aspace *as, int pid, uint64_t ts, uint64_t addr,
					const char *comm, const struct pft_maps **maps)
{
	struct proc *p = proc_find(as, pid);
	const struct pft_vma *v;

	if ((!p || !p->nr) && !as->all && ask(as, pid, comm, false, ts, addr))
		p = proc_find(as, pid);
	if (!p || !p->nr) {
		*maps = as->all;
		return pft_maps_lookup(as->all, addr);
	}
	v = search(p, ts, addr, maps);
	if (!v && ask(as, pid, comm, true, ts, addr))
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
	}
	free(as->procs);
	pft_hmap_release(&as->by_pid);
	pft_hmap_release(&as->tgids);
	pft_maps_free(as->all);
	free(as);
}
