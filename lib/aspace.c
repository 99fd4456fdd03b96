/* SPDX-License-Identifier: MIT */
/*
 * Address spaces over time: for each process, maps snapshots ordered by time. A lookup takes
 * the latest snapshot at or before the fault, else the earliest one. Exact per-mapping history
 * (mmap/munmap/exec events) drops in here without touching sources or sinks.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

struct snapshot {
	uint64_t ts; /* PFT_NO_TS: valid at any time */
	struct pft_maps *maps;
};

struct proc {
	int pid;
	bool asked; /* the resolver was asked already */
	struct snapshot *snaps;
	size_t nr, cap;
};

struct pft_aspace {
	struct pft_maps *all; /* --maps FILE: for every pid without its own */
	struct proc *procs;
	size_t nr, cap;
	struct pft_hmap by_pid; /* pid -> procs index */
	struct pft_hmap tgids;  /* tid -> tgid + 1 (0: unknown) */
	struct pft_resolver r;
};

struct pft_aspace *pft_aspace_new(void)
{
	return calloc(1, sizeof(struct pft_aspace));
}

static struct proc *proc_get(struct pft_aspace *as, int pid)
{
	uint32_t idx;
	int r = pft_hmap_put(&as->by_pid, (uint64_t)pid, 0, (uint32_t)as->nr, &idx);

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

static int add_snapshot(struct proc *p, uint64_t ts, struct pft_maps *maps)
{
	size_t i;

	if (pft_grow((void **)&p->snaps, &p->cap, p->nr + 1, sizeof(*p->snaps)) < 0)
		return -1;
	for (i = p->nr; i > 0 && p->snaps[i - 1].ts > ts; i--)
		p->snaps[i] = p->snaps[i - 1];
	p->snaps[i] = (struct snapshot){ts, maps};
	p->nr++;
	return 0;
}

int pft_aspace_set_maps(struct pft_aspace *as, int pid, struct pft_maps *maps)
{
	struct proc *p;

	if (pid < 0) {
		pft_maps_free(as->all);
		as->all = maps;
		return 0;
	}
	p = proc_get(as, pid);
	if (!p || add_snapshot(p, PFT_NO_TS, maps) < 0) {
		pft_maps_free(maps);
		return -1;
	}
	return 0;
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
	if (pft_hmap_get(&as->tgids, (uint64_t)tid, 0, &v))
		return v ? (int)v - 1 : tid;
	if (as->r.tgid)
		tgid = as->r.tgid(as->r.data, tid, comm);
	/* a failed insert only costs asking again */
	pft_hmap_put(&as->tgids, (uint64_t)tid, 0, tgid > 0 ? (uint32_t)tgid + 1 : 0, &v);
	return tgid > 0 ? tgid : tid;
}

const struct pft_maps *pft_aspace_maps(struct pft_aspace *as, int pid, uint64_t ts,
				       const char *comm)
{
	uint32_t idx;
	struct proc *p = NULL;
	size_t i;

	if (pft_hmap_get(&as->by_pid, (uint64_t)pid, 0, &idx))
		p = &as->procs[idx];
	if ((!p || !p->nr) && !as->all && as->r.maps && (!p || !p->asked)) {
		struct pft_maps *m = as->r.maps(as->r.data, pid, comm);

		p = proc_get(as, pid);
		if (!p) {
			pft_maps_free(m);
			return NULL;
		}
		p->asked = true;
		if (m && add_snapshot(p, PFT_NO_TS, m) < 0)
			pft_maps_free(m);
	}
	if (!p || !p->nr)
		return as->all;
	for (i = p->nr; i > 1 && p->snaps[i - 1].ts != PFT_NO_TS && p->snaps[i - 1].ts > ts; i--)
		;
	return p->snaps[i - 1].maps;
}

void pft_aspace_free(struct pft_aspace *as)
{
	size_t i, j;

	if (!as)
		return;
	for (i = 0; i < as->nr; i++) {
		for (j = 0; j < as->procs[i].nr; j++)
			pft_maps_free(as->procs[i].snaps[j].maps);
		free(as->procs[i].snaps);
	}
	free(as->procs);
	pft_hmap_release(&as->by_pid);
	pft_hmap_release(&as->tgids);
	pft_maps_free(as->all);
	free(as);
}
