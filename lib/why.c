/* SPDX-License-Identifier: MIT */
/*
 * Why a fault took its time (record --why): the events that tell it, and each fault's latency
 * split into causes. Between a fault's entry and its completion, the faulting thread's
 * sched_switch (how it left its CPU), the sched_waking of it (by whom) and the switch back, and
 * the spans the kernel traces around its slow paths (an mmap_lock wait, reclaim, compaction)
 * cut the time into intervals. Each interval goes to one cause, so the parts sum to the
 * latency exactly: waiting for a CPU first (whatever the task was doing, it was not running),
 * then the innermost span, then how the task was (running, blocked in D, blocked in S).
 * These events fire only when a fault sleeps, waits or takes a slow path: a fast fault costs
 * nothing more.
 */
#include <string.h>
#include "internal.h"

const char *const pft_cause_names[PFT_CAUSE_COUNT] = {
    [PFT_CAUSE_ON_CPU] = "on-cpu",
    [PFT_CAUSE_RUN_QUEUE] = "run-queue",
    [PFT_CAUSE_IO] = "io",
    [PFT_CAUSE_SLEEP] = "sleep",
    [PFT_CAUSE_MMAP_LOCK] = "mmap-lock",
    [PFT_CAUSE_RECLAIM] = "reclaim",
    [PFT_CAUSE_COMPACTION] = "compaction",
    [PFT_CAUSE_RETRY] = "retry",
};

const struct pft_why_event pft_why_events[] = {
    {"sched", "sched_switch", PFT_EV_SWITCH, 0, false},
    {"sched", "sched_waking", PFT_EV_WAKEUP, 0, false},
    {"mmap_lock", "mmap_lock_start_locking", PFT_EV_SPAN, PFT_CAUSE_MMAP_LOCK, false},
    {"mmap_lock", "mmap_lock_acquire_returned", PFT_EV_SPAN, PFT_CAUSE_MMAP_LOCK, true},
    {"mmap_lock", "mmap_lock_released", PFT_EV_MARK, .mark = PFT_MARK_MMAP_UNLOCK},
    {"vmscan", "mm_vmscan_direct_reclaim_begin", PFT_EV_SPAN, PFT_CAUSE_RECLAIM, false},
    {"vmscan", "mm_vmscan_direct_reclaim_end", PFT_EV_SPAN, PFT_CAUSE_RECLAIM, true,
     .field = "nr_reclaimed", .key = "nr_reclaimed"},
    {"vmscan", "mm_vmscan_memcg_reclaim_begin", PFT_EV_SPAN, PFT_CAUSE_RECLAIM, false},
    {"vmscan", "mm_vmscan_memcg_reclaim_end", PFT_EV_SPAN, PFT_CAUSE_RECLAIM, true,
     .field = "nr_reclaimed", .key = "nr_reclaimed"},
    {"compaction", "mm_compaction_begin", PFT_EV_SPAN, PFT_CAUSE_COMPACTION, false},
    {"compaction", "mm_compaction_end", PFT_EV_SPAN, PFT_CAUSE_COMPACTION, true},
    /* the path: file faults' steps fire once per fault that takes them (fault-around's map
     * on most file faults); swap-ins, huge pages and refaults have no event of their own, so
     * events that fire on every fault are kept to those by kernel filters (a filter
     * evaluation each: --why=full only, see BENCHMARKS.md) */
    {"filemap", "mm_filemap_fault", PFT_EV_MARK, .mark = PFT_MARK_FILEMAP_FAULT},
    {"filemap", "mm_filemap_map_pages", PFT_EV_MARK, .mark = PFT_MARK_MAP_PAGES},
    {"filemap", "mm_filemap_add_to_page_cache", PFT_EV_MARK, .mark = PFT_MARK_ADD_TO_CACHE},
    {"readahead", "page_cache_sync_ra", PFT_EV_MARK, .mark = PFT_MARK_SYNC_RA, .field = "size",
     .key = "size"},
    {"readahead", "page_cache_async_ra", PFT_EV_MARK, .mark = PFT_MARK_ASYNC_RA,
     .field = "size", .key = "size"},
    /* (a fault's own readahead does not go through page_cache_sync_ra: these read it) */
    {"readahead", "page_cache_ra_order", PFT_EV_MARK, .mark = PFT_MARK_SYNC_RA, .field = "size",
     .key = "size"},
    {"readahead", "page_cache_ra_unbounded", PFT_EV_MARK, .mark = PFT_MARK_SYNC_RA,
     .field = "nr_to_read", .key = "nr_to_read"},
    {"kmem", "rss_stat", PFT_EV_MARK, .mark = PFT_MARK_SWAP_IN, .field = "member", .key = "type",
     .symbol = "MM_SWAPENTS", .filter = "member == %lld"},
    {"kmem", "mm_page_alloc", PFT_EV_MARK, .mark = PFT_MARK_HUGE_ALLOC, .field = "order",
     .key = "order", .filter = "order >= 9"},
    /* (a bio, in the task that submits it: the fault's own reads) */
    {"block", "block_io_start", PFT_EV_MARK, .mark = PFT_MARK_IO, .field = "nr_sector",
     .field2 = "dev"},
    {"memcg", "mod_memcg_lruvec_state", PFT_EV_MARK, .mark = PFT_MARK_REFAULT, .field = "item",
     .key = "item", .symbol = "WORKINGSET_REFAULT_FILE", .filter = "item == %lld",
     .btf_enum = "node_stat_item"},
    /* (THP_FAULT_FALLBACK is not a memory cgroup's event: a fallback is a huge page allocated
     * and not used, its charge refused) */
    {"memcg", "count_memcg_events", PFT_EV_MARK, .mark = PFT_MARK_THP, .field = "item",
     .key = "item", .symbol = "THP_FAULT_ALLOC", .filter = "item == %lld",
     .btf_enum = "vm_event_item"},
    {NULL, NULL, 0, 0, false},
};

const char *const pft_path_names[PFT_PATH_COUNT] = {
    [PFT_PATH_UNKNOWN] = "unknown",
    [PFT_PATH_FAULT_AROUND] = "fault-around",
    [PFT_PATH_CACHE_HIT] = "cache-hit",
    [PFT_PATH_CACHE_MISS] = "cache-miss",
    [PFT_PATH_REFAULT] = "refault",
    [PFT_PATH_READAHEAD_ASYNC] = "readahead-async",
    [PFT_PATH_IO_IN_FLIGHT] = "io-in-flight",
    [PFT_PATH_ZERO_FILL] = "zero-fill",
    [PFT_PATH_SWAP_IN] = "swap-in",
    [PFT_PATH_THP] = "thp",
    [PFT_PATH_THP_FALLBACK] = "thp-fallback",
    [PFT_PATH_COW] = "cow",
    [PFT_PATH_USERFAULT] = "userfault",
};

const struct pft_why_event *pft_why_event_find(const char *sys, const char *name)
{
	const struct pft_why_event *w;

	for (w = pft_why_events; w->name; w++)
		if ((!sys || !strcmp(sys, w->sys)) && !strcmp(name, w->name))
			return w;
	return NULL;
}

enum pft_task_state pft_task_state(uint64_t prev_state)
{
	/* the state's bits are TASK_REPORT's (S 1, D 2, ... I 0x80); above, the preemption */
	if (!(prev_state & 0xff))
		return PFT_STATE_RUNNABLE;
	return prev_state & 0x82 ? PFT_STATE_IO : PFT_STATE_SLEEP;
}

enum pft_task_state pft_task_state_text(const char *s)
{
	return *s == 'R'		? PFT_STATE_RUNNABLE
	       : *s == 'D' || *s == 'I' ? PFT_STATE_IO
					: PFT_STATE_SLEEP;
}

enum {
	RUNNING,
	RUNNABLE,
	BLOCKED_IO,
	BLOCKED_SLEEP
};

static enum pft_cause cause_now(const struct pft_why *w)
{
	if (w->state == RUNNABLE)
		return PFT_CAUSE_RUN_QUEUE;
	if (w->depth)
		return (enum pft_cause)w->spans[w->depth - 1];
	return w->state == RUNNING	? (w->retried ? PFT_CAUSE_RETRY : PFT_CAUSE_ON_CPU)
	       : w->state == BLOCKED_IO ? PFT_CAUSE_IO
					: PFT_CAUSE_SLEEP;
}

/* The time up to ts goes to what the task is doing; events out of order add nothing. */
static void advance(struct pft_why *w, uint64_t ts)
{
	if (ts == PFT_NO_TS || ts <= w->at)
		return;
	w->ns[cause_now(w)] += ts - w->at;
	w->at = ts;
}

void pft_why_start(struct pft_why *w, uint64_t ts)
{
	memset(w, 0, sizeof(*w));
	w->at = ts;
	w->state = RUNNING;
	w->waker = -1;
	w->early = -1;
	w->lock_holder = -1;
}

/* A step of the fault's own path; what reclaim does in it (a swap-out, a page freed and
 * allocated) is not. */
static void mark(struct pft_why *w, int tid, const struct pft_event *ev)
{
	if (ev->tid != tid || ev->mark >= PFT_MARK_MMAP_UNLOCK ||
	    (w->depth && w->spans[w->depth - 1] == PFT_CAUSE_RECLAIM))
		return;
	if (((ev->mark == PFT_MARK_SWAP_IN || ev->mark == PFT_MARK_REFAULT ||
	      ev->mark == PFT_MARK_THP) &&
	     !ev->args[0]) ||
	    (ev->mark == PFT_MARK_HUGE_ALLOC && ev->args[0] < 9))
		return;
	if (ev->mark == PFT_MARK_SYNC_RA || ev->mark == PFT_MARK_ASYNC_RA)
		w->ra_pages = ev->args[0] > UINT32_MAX ? UINT32_MAX : (uint32_t)ev->args[0];
	if (ev->mark == PFT_MARK_IO) {
		w->io_bytes += ev->args[0] * 512;
		if (!w->io_devs) {
			w->io_dev = ev->args[1];
			w->io_devs = 1;
		} else if (w->io_dev != ev->args[1]) {
			w->io_devs = 2;
		}
	}
	w->marks |= 1u << ev->mark;
}

void pft_why_event(struct pft_why *w, int tid, const struct pft_event *ev)
{
	advance(w, ev->ts);
	switch (ev->type) {
	case PFT_EV_SWITCH:
		if (ev->tid == tid) {
			w->state = ev->state == PFT_STATE_RUNNABLE ? RUNNABLE
				   : ev->state == PFT_STATE_IO	   ? BLOCKED_IO
								   : BLOCKED_SLEEP;
			w->blocked |= w->state != RUNNABLE;
		} else if (ev->child == tid) {
			w->unwoken = w->state == BLOCKED_IO || w->state == BLOCKED_SLEEP;
			w->state = RUNNING;
			/* woken while it was still on its way to sleep: that wake-up ends this
			 * block */
			if (w->unwoken && w->early >= 0) {
				w->waker = w->early;
				w->unwoken = false;
			}
			w->early = -1;
		}
		break;
	case PFT_EV_WAKEUP:
		if (ev->child != tid)
			break;
		if (w->state == BLOCKED_IO || w->state == BLOCKED_SLEEP) {
			w->state = RUNNABLE;
			w->waker = ev->atomic ? 0 : ev->tid;
		} else if (w->unwoken) {
			/* a running task is not woken: this is the wake-up of its last block, on a
			 * CPU whose clock is a little behind the one it ran on again (its moments
			 * went to the block) */
			w->waker = ev->atomic ? 0 : ev->tid;
		} else if (w->state == RUNNING) {
			/* or of the block it is about to enter: the I/O it waits for ended before
			 * it left its CPU (its switch comes after, still in D) */
			w->early = ev->atomic ? 0 : ev->tid;
		}
		w->unwoken = false;
		break;
	case PFT_EV_MARK:
		mark(w, tid, ev);
		break;
	case PFT_EV_SPAN:
		if (ev->tid != tid)
			break;
		/* a fault that slept gave its lock up first (it may not sleep holding it): its
		 * taking the mmap lock now is the retry (the kernel's VM_FAULT_RETRY) */
		if (!ev->span_end && ev->cause == PFT_CAUSE_MMAP_LOCK && w->blocked)
			w->retried = true;
		if (!ev->span_end) {
			if (w->depth < sizeof(w->spans))
				w->spans[w->depth++] = (uint8_t)ev->cause;
			else
				w->overflow++;
		} else if (w->overflow) {
			w->overflow--;
		} else if (w->depth && w->spans[w->depth - 1] == ev->cause) {
			w->depth--; /* an end with no begin (a trylock's) is no span */
			if (ev->cause == PFT_CAUSE_RECLAIM)
				w->reclaimed += ev->args[0];
		}
		break;
	default:
		break;
	}
}

void pft_why_end(struct pft_why *w, uint64_t ts)
{
	advance(w, ts);
}

/* The steps say the path, the most telling first: a file fault that read back pages of the
 * evicted working set (the page cache thrashes), paid for the next
 * readahead window, read its page in, took filemap's ->fault (and slept on I/O it had not
 * started, or not), or was mapped by fault-around; an anonymous one swapped in, got a huge
 * page, copied, or zero-filled. A file fault with none of its steps (a write to a page
 * mapped already, shmem's own fault) says nothing. Without --why=full's events a minor
 * swap-in (from the swap cache) and a huge page are zero-fills. */
enum pft_path pft_fault_path(enum pft_kind kind, int major, const struct pft_vma *vma,
			     const struct pft_why *w)
{
	uint32_t m;

	if (!w)
		return PFT_PATH_UNKNOWN;
	m = w->marks;
	/* the kernel's own waits in a fault are uninterruptible (D); userfaultfd's, for the
	 * program's handler, interruptible (S) */
	if (w->ns[PFT_CAUSE_SLEEP])
		return PFT_PATH_USERFAULT;
	if (m & 1u << PFT_MARK_REFAULT)
		return PFT_PATH_REFAULT;
	if (m & 1u << PFT_MARK_ASYNC_RA)
		return PFT_PATH_READAHEAD_ASYNC;
	if (m & (1u << PFT_MARK_SYNC_RA | 1u << PFT_MARK_ADD_TO_CACHE))
		return PFT_PATH_CACHE_MISS;
	if (m & 1u << PFT_MARK_FILEMAP_FAULT)
		return w->ns[PFT_CAUSE_IO] ? PFT_PATH_IO_IN_FLIGHT : PFT_PATH_CACHE_HIT;
	if (m & 1u << PFT_MARK_MAP_PAGES)
		return PFT_PATH_FAULT_AROUND;
	if (kind == PFT_KIND_COW)
		return PFT_PATH_COW;
	if (!vma || vma->inode)
		return PFT_PATH_UNKNOWN;
	/* (an anonymous page read in can only be from swap: a major fault) */
	if (m & 1u << PFT_MARK_SWAP_IN || major == 1)
		return PFT_PATH_SWAP_IN;
	/* a huge page mapped; one allocated and not mapped fell back (its memory cgroup refused
	 * the charge; a huge page the allocator could not give leaves no event: a zero-fill) */
	if (m & 1u << PFT_MARK_THP)
		return PFT_PATH_THP;
	if (m & 1u << PFT_MARK_HUGE_ALLOC)
		return PFT_PATH_THP_FALLBACK;
	return kind == PFT_KIND_ANON_FIRST_TOUCH || kind == PFT_KIND_STACK_GROWTH
		   ? PFT_PATH_ZERO_FILL
		   : PFT_PATH_UNKNOWN;
}

enum pft_cause pft_fault_cause(const struct pft_fault *f)
{
	enum pft_cause c, top = PFT_CAUSE_COUNT;

	for (c = 0; f->why_ns && c < PFT_CAUSE_COUNT; c++)
		if (top == PFT_CAUSE_COUNT || f->why_ns[c] > f->why_ns[top])
			top = c;
	return top;
}

const char *pft_cause_name(enum pft_cause c)
{
	return c < PFT_CAUSE_COUNT ? pft_cause_names[c] : "unknown";
}
