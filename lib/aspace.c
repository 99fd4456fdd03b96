/* SPDX-License-Identifier: MIT */
/*
 * The process table and the address spaces over time. Events come in time order.
 *
 * Tasks: tid -> (process, comm), from the tasks a source knew at its start, task_newtask (a
 * thread, or a new process), COMM records (exec, renames) and exec events.
 *
 * Address spaces in exact mode (a recording that carries the kernel's own mapping records):
 *   - a process starts from a maps snapshot read while it was stopped or at attach (the
 *     command at its exec, a -p target), empty at an exec (a COMM exec record: the new image's
 *     mappings follow as records), or as a copy of its parent (fork);
 *   - each perf MMAP2 record puts the kernel's VMA as it now is (mmap, mprotect, brk and stack
 *     growth, the mappings exec makes) over what was there;
 *   - munmap, mremap, a shrinking brk and shmdt, which have no record, come from their
 *     syscalls; the first brk of an image says where [heap] starts;
 *   - a later snapshot is a cross-check: a disagreement is counted, never applied.
 * Otherwise (text traces, trace-cmd's files, --no-history) a snapshot is the truth at its time,
 * the mmap-family syscalls edit it, an exec takes the next snapshot, and without history the
 * latest snapshot that holds the address serves, else the next one.
 *
 * Areas: a report row is a memory area, not a VMA. The pieces a mapping becomes (growth,
 * mprotect, anonymous MAP_FIXED commits of a reservation) keep its area; a mapping made where
 * one of the same backing and permissions was, once that one is gone or in its place (a
 * map/unmap loop, a re-read snapshot), joins that one's area. A mapping is its syscall's range,
 * not the merged VMA the kernel reports, so neighbours keep their own areas.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

#define CLONE_VM_FLAG	   0x00000100ull
#define MAP_SHARED_FLAG	   0x01ull
#define MAP_FIXED_FLAG	   0x10ull
#define MAP_ANON_FLAG	   0x20ull
#define MAP_NOREPLACE_FLAG 0x100000ull
#define PROT_READ_FLAG	   0x1ull
#define PROT_WRITE_FLAG	   0x2ull
#define PROT_EXEC_FLAG	   0x4ull
/* Above this an address is in the kernel's half ([vsyscall]): not in any VMA of the process. */
#define KERNEL_HALF (1ull << 63)

struct snapshot {
	uint64_t ts; /* PFT_NO_TS: valid at any time; PFT_TS_PENDING: taken now, not dated yet */
	unsigned int id;
	struct pft_maps *maps;
	char *exe;
};

/* Every range an area has covered, its backing and its permissions at birth. */
struct area {
	uint64_t backing, start, end, id;
	char perms[4];
};

struct proc {
	int pid;
	bool asked;	       /* the resolver was asked for a first snapshot */
	uint64_t last_refresh; /* trace time of the fault that last asked for a fresh snapshot */
	uint64_t last_page;    /* and its page */
	struct snapshot *snaps;
	size_t nr, cap;
	size_t next; /* snaps[next..] are not applied yet */
	struct pft_maps
	    *cur;	   /* the address space now, once a snapshot, an exec or a fork gave one */
	bool history;	   /* syscalls edited cur: trust it, do not look ahead */
	bool exact;	   /* cur is the kernel's map, kept by its records since a known start */
	bool exec_pending; /* exec'd, and no snapshot of the new image applied yet */
	bool perf_exec;	   /* a COMM exec record began the image: the exec event adds nothing */
	uint64_t brk_start, brk_end; /* the heap: [start, end) per the brk syscalls, 0 if unknown */
	/* the time of the trace's last exec of this process, 0 if none is known: a snapshot
	 * without a time (--maps) was saved from the image after it, not from an earlier one */
	uint64_t last_exec;
	struct area *areas; /* sorted by (backing, perms, start) */
	size_t nr_areas, cap_areas;
};

struct task {
	int tid, tgid; /* tgid 0: not known */
	char comm[16];
};

/* A syscall entry, waiting for its exit on the same thread. */
struct pending_sys {
	enum pft_sys sys;
	uint64_t args[6];
	bool recorded; /* an MMAP2 record said what it did: its exit adds nothing */
};

struct pft_aspace {
	struct pft_maps *all; /* --maps FILE: for every pid without its own */
	struct proc *procs;
	size_t nr, cap;
	struct pft_hmap by_pid; /* pid -> procs index */
	struct task *tasks;
	size_t nr_tasks, cap_tasks;
	struct pft_hmap by_tid; /* tid -> tasks index */
	struct pft_hmap sys_by_tid;
	struct pending_sys *sys;
	size_t nr_sys, cap_sys;
	struct pft_resolver r;
	unsigned int next_id;
	bool exact_mode;
	bool lazy_mode; /* maps read after the faults they serve, and nothing else */
	bool unmaps_unseen; /* the records tell no munmap or mremap: a miss is not certain */
	int last_tid, last_pid; /* the thread of the previous lookup: usually the next one's too */
	uint64_t history_events;
	uint64_t bad_mappings; /* mapping records whose bounds are not whole pages: not applied */
	struct pft_maps_check check;
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

void pft_aspace_set_exact(struct pft_aspace *as)
{
	as->exact_mode = true;
}

bool pft_aspace_is_exact(const struct pft_aspace *as)
{
	return as->exact_mode;
}

void pft_aspace_set_lazy(struct pft_aspace *as)
{
	as->lazy_mode = true;
}

static struct proc *proc_find(const struct pft_aspace *as, int pid)
{
	uint32_t idx;

	return pft_hmap_get(&as->by_pid, (uint64_t)(uint32_t)pid, 0, &idx) ? &as->procs[idx] : NULL;
}

void pft_aspace_set_unmaps_unseen(struct pft_aspace *as)
{
	as->unmaps_unseen = true;
}

bool pft_aspace_miss_is_certain(const struct pft_aspace *as, int pid)
{
	const struct proc *p = proc_find(as, pid);

	if (as->unmaps_unseen)
		return false;
	return !as->lazy_mode || (p && (p->exact || p->history));
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

/* ---------------------------------------------------------------- tasks */

static struct task *task_find(const struct pft_aspace *as, int tid)
{
	uint32_t i;

	return pft_hmap_get(&as->by_tid, (uint64_t)(uint32_t)tid, 0, &i) ? &as->tasks[i] : NULL;
}

static struct task *task_get(struct pft_aspace *as, int tid)
{
	uint32_t i;
	int r = pft_hmap_put(&as->by_tid, (uint64_t)(uint32_t)tid, 0, (uint32_t)as->nr_tasks, &i);

	if (r < 0)
		return NULL;
	if (r == 1) {
		if (pft_grow((void **)&as->tasks, &as->cap_tasks, as->nr_tasks + 1,
			     sizeof(*as->tasks)) < 0)
			return NULL;
		as->tasks[as->nr_tasks++] = (struct task){.tid = tid};
	}
	return &as->tasks[i];
}

static void set_comm(struct task *t, const char *comm)
{
	size_t n = strnlen(comm, sizeof(t->comm) - 1);

	memcpy(t->comm, comm, n);
	t->comm[n] = '\0';
}

int pft_aspace_set_task(struct pft_aspace *as, int tid, int tgid, const char *comm)
{
	struct task *t = task_get(as, tid);

	if (!t)
		return -1;
	if (tgid > 0)
		t->tgid = tgid;
	if (comm && *comm)
		set_comm(t, comm);
	if (tid == as->last_tid)
		as->last_tid = -1;
	return 0;
}

int pft_aspace_set_tgid(struct pft_aspace *as, int tid, int tgid)
{
	return pft_aspace_set_task(as, tid, tgid, NULL);
}

const char *pft_aspace_comm(const struct pft_aspace *as, int tid)
{
	const struct task *t = task_find(as, tid);

	return t && t->comm[0] ? t->comm : NULL;
}

size_t pft_aspace_task_count(const struct pft_aspace *as)
{
	return as->nr_tasks;
}

void pft_aspace_task_at(const struct pft_aspace *as, size_t i, int *tid, int *tgid,
			const char **comm)
{
	*tid = as->tasks[i].tid;
	*tgid = as->tasks[i].tgid;
	*comm = as->tasks[i].comm;
}

int pft_aspace_pid_of(struct pft_aspace *as, int tid, int tgid_hint, const char *comm)
{
	struct task *t;
	int tgid = tgid_hint;

	if (tgid > 0)
		return tgid;
	if (tid == as->last_tid)
		return as->last_pid;
	t = task_find(as, tid);
	if (t && t->tgid > 0) {
		tgid = t->tgid;
	} else {
		if (as->r.tgid && (!t || !t->tgid))
			tgid = as->r.tgid(as->r.data, tid, comm);
		/* asked once: a failed answer is remembered as "the tid is its own process" */
		if ((t = task_get(as, tid)))
			t->tgid = tgid > 0 ? tgid : tid;
		if (tgid <= 0)
			tgid = tid;
	}
	as->last_tid = tid;
	as->last_pid = tgid;
	return tgid;
}

/* ---------------------------------------------------------------- areas */

static uint64_t backing_of(const struct pft_vma *v)
{
	uint64_t h = 0xcbf29ce484222325ull ^ v->inode * 0x9e3779b97f4a7c15ull ^
		     ((uint64_t)v->dev_major << 20 | v->dev_minor) * 0xc2b2ae3d27d4eb4full ^
		     v->deleted;
	const char *p;

	/* a file is its device and inode (and path: trace-cmd's maps have no inodes); anonymous
	 * memory is its name ([heap], [stack], [anon], [anon:x]) */
	for (p = v->name; *p; p++)
		h = (h ^ (unsigned char)*p) * 0x100000001b3ull;
	return h;
}

static int area_cmp(uint64_t b, const char *perms, uint64_t start, const struct area *a)
{
	int c = memcmp(perms, a->perms, 4);

	if (b != a->backing)
		return b < a->backing ? -1 : 1;
	if (c)
		return c;
	return start < a->start ? -1 : start > a->start;
}

/* Whether cur has a VMA of area id in [lo, hi). */
static bool area_has_piece(const struct proc *p, uint64_t id, uint64_t lo, uint64_t hi)
{
	const struct pft_vma *v = pft_maps_lookup(p->cur, lo);

	for (v = v ? v : pft_maps_next(p->cur, lo); v && v->start < hi;
	     v = pft_maps_next(p->cur, v->start))
		if (v->area == id)
			return true;
	return false;
}

/* Whether v is a part of area a made again: a's mapping replaced where it is (MAP_FIXED), or a
 * mapping made where a was once it is gone (a map/unmap loop, a re-read snapshot). An area
 * that lives on elsewhere is not joined where it was trimmed away: a malloc arena's reservation
 * would take in every thread stack later mapped in what it gave back. */
static bool area_remade(const struct proc *p, const struct area *a, const struct pft_vma *v)
{
	if (!p->cur)
		return true;
	return area_has_piece(p, a->id, v->start, v->end) ||
	       !area_has_piece(p, a->id, a->start, a->end);
}

/* The area for a VMA that is new to the process: one of the same backing and permissions it
 * overlaps and remakes, else a new one. */
static uint64_t area_of_new(struct proc *p, const struct pft_vma *v)
{
	uint64_t b = backing_of(v);
	size_t lo = 0, hi = p->nr_areas, i;
	struct area *a;

	/* areas of one key are sorted by start and hardly overlap: the candidates end just
	 * before the first that starts at or after v's end */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (area_cmp(b, v->perms, v->end, &p->areas[mid]) > 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (i = lo; i-- > 0;) {
		a = &p->areas[i];
		if (a->backing != b || memcmp(a->perms, v->perms, 4) || a->end <= v->start)
			break;
		if (!area_remade(p, a, v))
			continue;
		if (v->start < a->start)
			a->start = v->start;
		if (v->end > a->end)
			a->end = v->end;
		return a->id;
	}
	if (pft_grow((void **)&p->areas, &p->cap_areas, p->nr_areas + 1, sizeof(*p->areas)) < 0)
		return pft_area_id(); /* a row of its own: only the merging is lost */
	memmove(&p->areas[lo + 1], &p->areas[lo], (p->nr_areas - lo) * sizeof(*p->areas));
	a = &p->areas[lo];
	*a = (struct area){b, v->start, v->end, pft_area_id(), {0}};
	memcpy(a->perms, v->perms, 4);
	p->nr_areas++;
	return a->id;
}

/* Inserts a copy of t over whatever held its range; new: t is a new mapping (its area is found
 * or made), else it is what an existing one became (t->area is set). A VMA is whole pages: one
 * that is not came from a damaged record (a report's page bitmaps count from its start), and is
 * counted, not applied. */
static int put_vma(struct pft_aspace *as, struct proc *p, struct pft_vma *t, bool new)
{
	if ((t->start | t->end) & ~PFT_PAGE_MASK || t->end <= t->start) {
		as->bad_mappings++;
		return 0;
	}
	if (new || !t->area)
		t->area = area_of_new(p, t);
	return pft_maps_insert(p->cur, t);
}

/* Whether v, of a snapshot, is the uncommitted rest of the anonymous mapping prev ends where
 * it starts: a malloc arena's or a JVM heap's reservation, which the program makes accessible
 * a piece at a time. (A thread stack's guard page is taken with the stack below it; it never
 * becomes accessible.) */
static bool reserve_of(const struct pft_vma *prev, const struct pft_vma *v)
{
	return prev && prev->end == v->start && !v->inode && !prev->inode &&
	       !memcmp(v->perms, "---p", 4) && prev->perms[3] == 'p' &&
	       !strcmp(prev->name, v->name);
}

/* cur becomes a copy of m, each VMA in the area it belongs to in this process. */
static struct pft_maps *adopt(struct proc *p, const struct pft_maps *m)
{
	struct pft_maps *c = pft_maps_copy(NULL);
	const struct pft_vma *prev = NULL;
	size_t i;

	for (i = 0; c && i < pft_maps_count(m); i++) {
		struct pft_vma t = *pft_maps_at(m, i);

		t.area = reserve_of(prev, &t) ? prev->area : area_of_new(p, &t);
		if (pft_maps_insert(c, &t) < 0) {
			pft_maps_free(c);
			return NULL;
		}
		prev = pft_maps_lookup(c, t.start);
	}
	return c;
}

/* ---------------------------------------------------------------- snapshots */

/* Where a snapshot goes among the others: one valid at any time (the maps a process was
 * found with) first, then by time, those not dated yet last. */
static uint64_t snap_order(uint64_t ts)
{
	return ts == PFT_NO_TS ? 0 : ts;
}

/* Keeps the not-applied snapshots in that order. */
static void sort_snap(struct proc *p, size_t i)
{
	struct snapshot s = p->snaps[i];

	for (; i > p->next && snap_order(p->snaps[i - 1].ts) > snap_order(s.ts); i--)
		p->snaps[i] = p->snaps[i - 1];
	for (; i + 1 < p->nr && snap_order(p->snaps[i + 1].ts) < snap_order(s.ts); i++)
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
	/* without the kernel's records a snapshot is joined as it is: its VMAs join the areas of
	 * the process now (an exact map adopts it when it is applied, at its time) */
	struct pft_maps *own = !p ? NULL : as->exact_mode ? pft_maps_copy(maps) : adopt(p, maps);

	pft_maps_free(maps);
	if (!p || !own || (exe && !e) ||
	    pft_grow((void **)&p->snaps, &p->cap, p->nr + 1, sizeof(*p->snaps)) < 0) {
		pft_maps_free(own);
		free(e);
		if (pid < 0)
			errno = EINVAL;
		return -1;
	}
	p->snaps[p->nr++] = (struct snapshot){ts, ++as->next_id, own, e};
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
			/* an applied one (an exec's image) keeps its place: only its time was
			 * missing */
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

/* The kind of memory a VMA holds, for comparing a rebuilt map with /proc's: a file (and where
 * in it), or anonymous memory (whose names perf and /proc give differently). */
static bool same_memory(const struct pft_vma *a, uint64_t at_a, const struct pft_vma *b,
			uint64_t at_b)
{
	if (!a || !b)
		return a == b;
	if (memcmp(a->perms, b->perms, 4) || !a->path != !b->path)
		return false;
	if (!a->path)
		return true;
	return !strcmp(a->path, b->path) &&
	       a->offset + (at_a - a->start) == b->offset + (at_b - b->start);
}

/* Pages where the rebuilt map and a snapshot of the same moment disagree. */
static uint64_t differ(const struct pft_maps *mine, const struct pft_maps *snap,
		       struct pft_maps_check *c)
{
	uint64_t addr = 0, pages = 0;

	for (;;) {
		const struct pft_vma *a = pft_maps_lookup(mine, addr),
				     *b = pft_maps_lookup(snap, addr);
		const struct pft_vma *na = a ? NULL : pft_maps_next(mine, addr);
		const struct pft_vma *nb = b ? NULL : pft_maps_next(snap, addr);
		uint64_t end = UINT64_MAX;

		if (!a && !b && !na && !nb)
			break;
		/* the next address where either side changes */
		if (a)
			end = a->end;
		else if (na)
			end = na->start;
		if (b && b->end < end)
			end = b->end;
		else if (!b && nb && nb->start < end)
			end = nb->start;
		if (addr >= KERNEL_HALF)
			break;
		if (!same_memory(a, addr, b, addr)) {
			if (!pages) {
				const struct pft_vma *v = a ? a : b;

				c->first_addr = addr;
				pft_excerpt(c->first_text, sizeof(c->first_text), v->name,
					    strlen(v->name));
				c->first_in_snapshot = b != NULL;
			}
			pages += (end - addr) >> 12;
		}
		addr = end;
	}
	return pages;
}

static void check_against(struct pft_aspace *as, struct proc *p, const struct snapshot *s)
{
	struct pft_maps_check *c = &as->check;
	uint64_t n;

	c->snapshots++;
	n = differ(p->cur, s->maps, c);
	if (!n)
		return;
	if (!c->disagreed++) {
		c->first_pid = p->pid;
		c->first_ts = s->ts;
	}
	c->pages += n;
}

/* cur becomes snapshot i, and every snapshot before it is spent. */
static int apply(struct pft_aspace *as, struct proc *p, size_t i)
{
	struct pft_maps *m =
	    as->exact_mode ? adopt(p, p->snaps[i].maps) : pft_maps_copy(p->snaps[i].maps);
	size_t k;

	if (!m)
		return -1;
	pft_maps_free(p->cur);
	p->cur = m;
	p->next = i + 1;
	p->history = false;
	p->exec_pending = false;
	/* from a known start, the kernel's records keep it exact */
	p->exact = as->exact_mode;
	for (k = 0; k < pft_maps_count(m); k++)
		if (!strcmp(pft_maps_at(m, k)->name, "[heap]")) {
			p->brk_start = pft_maps_at(m, k)->start;
			p->brk_end = pft_maps_at(m, k)->end;
		}
	return 0;
}

/* Snapshots dated at or before ts ("valid at any time" ones at once): the latest is applied, or
 * with an exact map each is a cross-check. */
/* A snapshot without a time fits the image of the process at ts: the last one. */
static bool timeless_fits(const struct proc *p, uint64_t ts)
{
	return !p || !p->last_exec || ts > p->last_exec;
}

static void advance(struct pft_aspace *as, struct proc *p, uint64_t ts)
{
	size_t last = p->next;

	while (last < p->nr &&
	       (p->snaps[last].ts <= ts || ts == PFT_NO_TS ||
		(p->snaps[last].ts == PFT_NO_TS && timeless_fits(p, ts))) &&
	       p->snaps[last].ts != PFT_TS_PENDING) {
		if (p->exact && p->cur)
			check_against(as, p, &p->snaps[last]);
		last++;
	}
	if (last == p->next)
		return;
	if (p->exact && p->cur)
		p->next = last;
	else
		apply(as, p, last - 1);
}

/* ---------------------------------------------------------------- tasks and images */

bool pft_aspace_has_maps(const struct pft_aspace *as)
{
	return as->all || as->nr;
}

int pft_aspace_last_exec(struct pft_aspace *as, int pid, uint64_t ts)
{
	struct proc *p = proc_get(as, pid);

	if (!p)
		return -1;
	if (ts > p->last_exec)
		p->last_exec = ts;
	return 0;
}

void pft_aspace_set_resolver(struct pft_aspace *as, const struct pft_resolver *r)
{
	as->r = *r;
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

/* A process with no snapshot of its own starts from the maps given for every process
 * (--maps FILE), when events are to edit them. */
static void seed(struct proc *p, struct pft_aspace *as, bool fits)
{
	if (!p->cur && !p->nr && as->all && fits)
		p->cur = adopt(p, as->all);
}

/* A new image begins, empty: exact mode fills it from the kernel's records. */
static void new_image(struct proc *p)
{
	pft_maps_free(p->cur);
	p->cur = pft_maps_copy(NULL);
	p->history = false;
	p->exec_pending = false;
	p->exact = p->cur != NULL;
	p->perf_exec = true;
	p->brk_start = p->brk_end = 0;
	p->nr_areas = 0;
}

/* sched_process_exec: after the image's mappings were made (and recorded, in exact mode). */
static void on_exec(struct pft_aspace *as, const struct pft_event *ev, int pid)
{
	struct proc *p = proc_get(as, pid);

	if (!p)
		return;
	advance(as, p, ev->ts);
	if (p->perf_exec) {
		p->perf_exec = false;
		return;
	}
	pft_maps_free(p->cur);
	p->cur = NULL;
	p->history = p->exact = false;
	p->exec_pending = true;
	p->brk_start = p->brk_end = 0;
	p->nr_areas = 0;
	/* the new image's mappings are made by the kernel, not by syscalls: they come from the
	 * first snapshot at or after the exec (a live recording takes one now) */
	if (p->next == p->nr && as->r.snapshot && as->r.refresh)
		as->r.snapshot(as->r.data, as, pid, ev->text);
	if (p->next < p->nr)
		apply(as, p, p->next);
	else
		seed(p, as, ev->ts >= p->last_exec);
}

/* COMM: a rename, or with exec the start of a new image (before its MMAP2 records). */
static void on_comm(struct pft_aspace *as, const struct pft_event *ev)
{
	int pid = ev->tgid > 0 ? ev->tgid : pft_aspace_pid_of(as, ev->tid, -1, NULL);
	struct proc *p;

	pft_aspace_set_task(as, ev->tid, pid, ev->text);
	if (!ev->exec || !(p = proc_get(as, pid)))
		return;
	advance(as, p, ev->ts);
	new_image(p);
}

static void on_newtask(struct pft_aspace *as, const struct pft_event *ev, int parent_pid)
{
	const char *comm = ev->text, *from;
	struct proc *parent, *child;
	char own[32];
	size_t n;

	if (ev->child <= 0)
		return;
	/* perf's FORK record has no comm: a new task has its creator's (copied: the tasks'
	 * table may move as the child is added) */
	if (!comm) {
		from = pft_aspace_comm(as, ev->tid);
		snprintf(own, sizeof(own), "%s", from ? from : "");
		comm = own;
	}
	if (ev->clone_flags & CLONE_THREAD_FLAG) {
		pft_aspace_set_task(as, ev->child, parent_pid, comm);
		return;
	}
	pft_aspace_set_task(as, ev->child, ev->child, comm);
	parent = proc_get(as, parent_pid);
	if (parent)
		advance(as, parent, ev->ts);
	child = proc_get(as, ev->child);
	parent = proc_find(as, parent_pid); /* proc_get may have moved the array */
	if (!child || !parent || !parent->cur)
		return;
	/* fork (and vfork, whose child borrows the parent's memory until it execs): the child
	 * starts with a copy of the parent's address space, its areas too */
	pft_maps_free(child->cur);
	child->cur = pft_maps_copy(parent->cur);
	child->history = parent->history;
	child->exact = parent->exact && child->cur;
	child->brk_start = parent->brk_start;
	child->brk_end = parent->brk_end;
	n = parent->nr_areas;
	child->nr_areas = 0;
	if (n &&
	    pft_grow((void **)&child->areas, &child->cap_areas, n, sizeof(*child->areas)) == 0) {
		memcpy(child->areas, parent->areas, n * sizeof(*child->areas));
		child->nr_areas = n;
	}
}

/* ---------------------------------------------------------------- mappings */

static void rwx(uint64_t prot, char out[4])
{
	out[0] = prot & PROT_READ_FLAG ? 'r' : '-';
	out[1] = prot & PROT_WRITE_FLAG ? 'w' : '-';
	out[2] = prot & PROT_EXEC_FLAG ? 'x' : '-';
	out[3] = '\0';
}

static struct pending_sys *pending_of(struct pft_aspace *as, int tid)
{
	uint32_t i;

	if (!pft_hmap_get(&as->sys_by_tid, (uint64_t)(uint32_t)tid, 0, &i) ||
	    as->sys[i].sys == PFT_SYS_COUNT)
		return NULL;
	return &as->sys[i];
}

/* Whether v is a piece of the mapping t describes: what the kernel merges into one VMA. */
static bool same_mapping(const struct pft_vma *v, const struct pft_vma *t)
{
	if (strcmp(v->name, t->name) || memcmp(v->perms, t->perms, 4) || v->inode != t->inode)
		return false;
	/* (anonymous memory: a snapshot and a record disagree on device and offset) */
	return !t->inode ||
	       (v->dev_major == t->dev_major && v->dev_minor == t->dev_minor &&
		v->deleted == t->deleted && v->offset - v->start == t->offset - t->start);
}

/* The end of the run of pieces of t that covers [from, ...) in cur (from: none). */
static uint64_t run_up(const struct proc *p, const struct pft_vma *t, uint64_t from)
{
	const struct pft_vma *v;

	while (from < t->end && (v = pft_maps_lookup(p->cur, from)) && same_mapping(v, t))
		from = v->end;
	return from < t->end ? from : t->end;
}

/* The start of the run of pieces of t that ends at to in cur (to: none). */
static uint64_t run_down(const struct proc *p, const struct pft_vma *t, uint64_t to)
{
	const struct pft_vma *v;

	while (to > t->start && (v = pft_maps_lookup(p->cur, to - 1)) && same_mapping(v, t))
		to = v->start;
	return to > t->start ? to : t->start;
}

/* Whether [lo, hi) is all in VMAs of that name in cur. */
static bool named_across(const struct proc *p, const char *name, uint64_t lo, uint64_t hi)
{
	const struct pft_vma *v;

	while (lo < hi && (v = pft_maps_lookup(p->cur, lo)) && !strcmp(v->name, name))
		lo = v->end;
	return lo >= hi;
}

/*
 * The kernel reports a VMA merged with its neighbours: a thread's stack mapped beside another
 * comes as one record of both. Only the syscall's own range [lo, hi) changed; the neighbours
 * keep their areas, else one row swallows every stack, arena and heap piece mapped beside it.
 * A new mapping's range is the record less the pieces already there, unless MAP_FIXED says
 * it. What an mprotect changes keeps its areas, and so does anonymous memory mapped with
 * MAP_FIXED over anonymous memory: a JVM commits its reserved heap that way, a piece at a time,
 * as glibc commits an arena with mprotect; either way the reservation is one area. True when
 * the record was applied so; false when the map we keep does not have those neighbours (the
 * record is then taken whole).
 */
static bool apply_within(struct pft_aspace *as, struct proc *p, const struct pft_vma *t,
			 const struct pending_sys *s)
{
	uint64_t len = s ? (s->args[1] + 0xfff) & PFT_PAGE_MASK : 0, lo, hi;
	bool mmap = s && s->sys == PFT_SYS_MMAP;
	struct pft_vma sub;

	if ((t->start | t->end) & ~PFT_PAGE_MASK)
		return false; /* damaged: put_vma counts it */
	if (!s || (mmap && !(s->args[3] & (MAP_FIXED_FLAG | MAP_NOREPLACE_FLAG)))) {
		/* (no syscall: an mprotect, which is not traced with perf's records) */
		lo = run_up(p, t, t->start);
		hi = run_down(p, t, t->end);
	} else if (mmap || s->sys == PFT_SYS_MPROTECT || s->sys == PFT_SYS_PKEY_MPROTECT) {
		lo = s->args[0] > t->start ? s->args[0] : t->start;
		hi = s->args[0] + len < t->end ? s->args[0] + len : t->end;
		if (run_down(p, t, lo) != t->start || run_up(p, t, hi) != t->end)
			return false;
	} else {
		return false;
	}
	if (lo >= hi)
		return false;
	if ((!mmap || (!t->inode && t->perms[3] == 'p')) && named_across(p, t->name, lo, hi)) {
		/* each piece it changed keeps its own area */
		pft_maps_protect(p->cur, lo, hi, t->perms);
		return true;
	}
	if (!mmap || (lo == t->start && hi == t->end))
		return false;
	sub = *t;
	sub.start = lo;
	sub.end = hi;
	sub.offset = t->inode ? t->offset + (lo - t->start) : 0;
	put_vma(as, p, &sub, true);
	return true;
}

/* The heap, as the kernel names it: an anonymous VMA across [start_brk, brk). */
static bool is_heap(const struct proc *p, uint64_t start, uint64_t end, const struct pending_sys *s)
{
	uint64_t brk = p->brk_end;

	/* the brk in progress: its record comes before the syscall returns the new end */
	if (s && s->sys == PFT_SYS_BRK && s->args[0] > brk)
		brk = s->args[0];
	return p->brk_start && start < brk && end > p->brk_start;
}

/*
 * perf MMAP2: the kernel's VMA after a change, whole (merged with its neighbours). What the
 * thread is doing says what it is: inside mmap (or exec, or shmat: no syscall of ours) a new
 * mapping; inside mprotect or brk, or growing a stack, what an existing one became.
 */
static void on_mmap2(struct pft_aspace *as, const struct pft_event *ev)
{
	int pid = ev->tgid > 0 ? ev->tgid : pft_aspace_pid_of(as, ev->tid, -1, NULL);
	struct proc *p = proc_get(as, pid);
	struct pending_sys *s = pending_of(as, ev->tid);
	struct pft_vma t = {.start = ev->args[0], .end = ev->args[0] + ev->args[1]};
	const struct pft_vma *old;
	const char *name = ev->text, *del;
	char *copy = NULL;
	bool new = true;

	if (p)
		advance(as, p, ev->ts);
	if (!p || !p->cur || !p->exact || !ev->args[1])
		return; /* a map nobody follows (or not from a known start) */
	if (s)
		s->recorded = true;
	rwx(ev->args[5], t.perms);
	t.perms[3] = ev->clone_flags & MAP_SHARED_FLAG ? 's' : 'p';
	t.dev_major = (unsigned int)(ev->args[3] >> 32);
	t.dev_minor = (unsigned int)ev->args[3];
	t.inode = ev->args[4];
	if (!strcmp(name, "//anon")) {
		/* the first growth of a heap whose start no brk(0) told: it starts there */
		if (s && s->sys == PFT_SYS_BRK && !p->brk_start)
			p->brk_start = t.start;
		name = is_heap(p, t.start, t.end, s) ? "[heap]" : "[anon]";
		t.inode = 0;
	} else if (t.inode || name[0] == '/') {
		/* a file: its offset; " (deleted)" is a flag, as in pft_maps_load_file */
		t.offset = ev->args[2];
		del = strstr(name, " (deleted)");
		if (del && !del[10] && (copy = strndup(name, del - name))) {
			t.deleted = true;
			name = copy;
		}
		t.path = name[0] == '/' ? name : NULL;
	}
	t.name = name;
	/* an mprotect, a brk or a stack growth (not a mapping exec makes): the VMA it changes
	 * keeps its area */
	if (!p->perf_exec && apply_within(as, p, &t, s)) {
		free(copy);
		return;
	}
	old = pft_maps_lookup(p->cur, t.start);
	if (!old)
		old = pft_maps_lookup(p->cur, t.end - 1);
	if (old && !p->perf_exec && (!s || s->sys != PFT_SYS_MMAP) && !strcmp(old->name, name)) {
		t.area = old->area;
		new = false;
	}
	put_vma(as, p, &t, new);
	free(copy);
}

/* The file of a new mapping seen only by its syscall: the first later snapshot that has a
 * mapping starting there. */
static const struct pft_vma *name_ahead(const struct proc *p, uint64_t start)
{
	const struct pft_vma *v;
	size_t i;

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
	put_vma(as, p, &t, true);
}

static void do_mremap(struct pft_aspace *as, struct proc *p, const struct pending_sys *s,
		      int64_t ret)
{
	const struct pft_vma *old = pft_maps_lookup(p->cur, s->args[0]);
	uint64_t new_len = (s->args[2] + 0xfff) & PFT_PAGE_MASK;
	struct pft_vma t;

	if (!old)
		return;
	t = *old; /* the same mapping, moved or resized: its area */
	t.offset = old->inode ? old->offset + (s->args[0] - old->start) : 0;
	t.start = (uint64_t)ret;
	t.end = (uint64_t)ret + new_len;
	pft_vma_ref(old); /* unmap drops the maps' reference; t's strings are old's */
	pft_maps_unmap(p->cur, s->args[0], s->args[0] + ((s->args[1] + 0xfff) & PFT_PAGE_MASK));
	put_vma(as, p, &t, false);
	pft_vma_unref(old);
}

/* brk(0) of a fresh image says where the heap starts; later ones move its end. With the
 * kernel's records, growth is recorded: only a shrink (an unmap) is left to do here. */
static void do_brk(struct pft_aspace *as, struct proc *p, const struct pending_sys *s, int64_t ret)
{
	const struct pft_vma *heap = NULL, *v;
	struct pft_vma t = {0};
	uint64_t end = ((uint64_t)ret + 0xfff) & PFT_PAGE_MASK, lo = UINT64_MAX;
	size_t i;

	p->brk_end = (uint64_t)ret;
	/* the heap may be in pieces (madvise, mprotect split it): from the lowest to the last */
	for (i = 0; i < pft_maps_count(p->cur); i++)
		if (!strcmp((v = pft_maps_at(p->cur, i))->name, "[heap]")) {
			heap = v;
			lo = v->start < lo ? v->start : lo;
		}
	/* brk(0) with no heap yet returns where it will start (glibc's first call) */
	if (!s->args[0] && !heap)
		p->brk_start = (uint64_t)ret;
	/* a shrink unmaps all of [new end, old end), every piece of the heap there */
	if (heap && end < heap->end) {
		pft_maps_unmap(p->cur, end > lo ? end : lo, heap->end);
		return;
	}
	if (s->recorded || (p->exact && !heap))
		return;
	t.start = heap ? heap->start : p->brk_start;
	t.end = end;
	if (t.end <= t.start)
		return;
	memcpy(t.perms, "rw-p", 5);
	t.name = "[heap]";
	t.area = heap ? heap->area : 0;
	put_vma(as, p, &t, !heap);
}

/* shmdt(addr): the segment mapped at addr goes, whatever pieces mprotect made of it. */
static void do_shmdt(struct proc *p, uint64_t addr)
{
	const struct pft_vma *v = pft_maps_lookup(p->cur, addr);
	uint64_t end;

	if (!v || v->start != addr)
		return;
	end = v->end;
	while ((v = pft_maps_lookup(p->cur, end)) && v->start == end && v->inode &&
	       v->inode == pft_maps_lookup(p->cur, addr)->inode)
		end = v->end;
	pft_maps_unmap(p->cur, addr, end);
}

static void on_syscall(struct pft_aspace *as, const struct pft_event *ev, int pid)
{
	uint32_t i;
	struct proc *p;
	struct pending_sys s;
	char perms[4];
	uint64_t len;

	if (!ev->sys_exit) {
		s = (struct pending_sys){ev->sys, {0}, false};
		memcpy(s.args, ev->args, sizeof(s.args));
		if (pft_hmap_put(&as->sys_by_tid, (uint64_t)(uint32_t)ev->tid, 0,
				 (uint32_t)as->nr_sys, &i) < 0)
			return;
		if (i == as->nr_sys && pft_grow((void **)&as->sys, &as->cap_sys, as->nr_sys + 1,
						sizeof(*as->sys)) == 0)
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
	advance(as, p, ev->ts);
	seed(p, as, timeless_fits(p, ev->ts));
	/* -4095..-1 are errors: nothing changed */
	if (!p->cur || (ev->ret < 0 && ev->ret >= -4095))
		return;
	p->history = true;
	len = (s.args[1] + 0xfff) & PFT_PAGE_MASK;
	switch (s.sys) {
	case PFT_SYS_MMAP:
		if (!s.recorded)
			do_mmap(as, p, &s, ev);
		break;
	case PFT_SYS_MUNMAP:
		pft_maps_unmap(p->cur, s.args[0], s.args[0] + len);
		break;
	case PFT_SYS_MPROTECT:
	case PFT_SYS_PKEY_MPROTECT:
		rwx(s.args[2], perms);
		if (!s.recorded)
			pft_maps_protect(p->cur, s.args[0], s.args[0] + len, perms);
		break;
	case PFT_SYS_MREMAP:
		do_mremap(as, p, &s, ev->ret);
		break;
	case PFT_SYS_BRK:
		do_brk(as, p, &s, ev->ret);
		break;
	case PFT_SYS_SHMDT:
		do_shmdt(p, s.args[0]);
		break;
	default:
		break;
	}
}

int pft_aspace_event(struct pft_aspace *as, const struct pft_event *ev)
{
	struct proc *p;
	int pid;

	switch (ev->type) {
	case PFT_EV_COMM:
		on_comm(as, ev);
		return 1;
	case PFT_EV_MMAP:
		as->history_events++;
		on_mmap2(as, ev);
		return 1;
	case PFT_EV_EXEC:
	case PFT_EV_NEWTASK:
	case PFT_EV_EXIT:
	case PFT_EV_SYSCALL:
		break;
	default:
		return 0; /* faults and the rest: not a change of an address space */
	}
	as->history_events++;
	pid = pft_aspace_pid_of(as, ev->tid, ev->tgid, ev->comm);
	switch (ev->type) {
	case PFT_EV_EXEC:
		/* the exec'ing thread is the process's only thread now; without a COMM record its
		 * name is the file's */
		p = proc_find(as, pid);
		if (!p || !p->perf_exec)
			pft_aspace_set_task(as, ev->tid, pid,
					    ev->text && strrchr(ev->text, '/')
						? strrchr(ev->text, '/') + 1
						: ev->text);
		on_exec(as, ev, pid);
		break;
	case PFT_EV_NEWTASK:
		on_newtask(as, ev, pid);
		break;
	case PFT_EV_EXIT:
		p = ev->group_dead ? proc_find(as, pid) : NULL;
		if (p) {
			advance(as, p, ev->ts); /* a check taken at its exit stop comes first */
			pft_maps_free(p->cur);	/* nothing faults in it any more */
			p->cur = NULL;
			p->exact = false;
			free(p->areas); /* nor maps anything: its areas are its rows' now */
			p->areas = NULL;
			p->nr_areas = p->cap_areas = 0;
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

uint64_t pft_aspace_bad_mappings(const struct pft_aspace *as)
{
	return as->bad_mappings;
}

const struct pft_maps_check *pft_aspace_checks(struct pft_aspace *as)
{
	size_t i;

	/* checks taken at the very end (an exit stop with nothing after it) */
	for (i = 0; i < as->nr; i++)
		if (as->procs[i].exact && as->procs[i].cur)
			advance(as, &as->procs[i], PFT_TS_PENDING - 1);
	return &as->check;
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

static const struct pft_vma *search(struct pft_aspace *as, struct proc *p, uint64_t ts,
				    uint64_t addr, const struct pft_maps **maps)
{
	const struct pft_vma *v;

	advance(as, p, ts);
	if (!p->cur && !timeless_fits(p, ts)) {
		*maps = NULL;
		return NULL;
	}
	if (!p->cur)
		return search_snapshots(p, ts, addr, maps);
	*maps = p->cur;
	v = pft_maps_lookup(p->cur, addr);
	/* without syscall history, the next snapshot may show a mapping made since */
	if (!v && !p->history && !p->exact && p->next < p->nr)
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
		/* an image the trace shows replaced by a later exec: not the one --maps shows */
		*maps = timeless_fits(p, ts) ? as->all : NULL;
		return pft_maps_lookup(*maps, addr);
	}
	v = search(as, p, ts, addr, maps);
	if (!v && !p->history && !p->exact && ask(as, pid, comm, true, ts, addr))
		v = search(as, proc_find(as, pid), ts, addr, maps);
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
		free(as->procs[i].areas);
	}
	free(as->procs);
	free(as->tasks);
	pft_hmap_release(&as->by_pid);
	pft_hmap_release(&as->by_tid);
	pft_hmap_release(&as->sys_by_tid);
	free(as->sys);
	pft_maps_free(as->all);
	free(as);
}
