/* SPDX-License-Identifier: MIT */
/*
 * The per-fault stage: each fault joined with its VMA (the address space at that moment),
 * classified, held until its completion (major/minor, latency) when the source has them, then
 * counted into the tables and passed to the sink.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include "report.h"
#include "live.h"

/* Tables kept besides the areas, the processes and --by's. */
static bool extra_table(const struct pft_report *rep, int by)
{
	return (rep->opts.tables & (1u << by)) && by != PFT_BY_VMA && by != PFT_BY_PID &&
	       by != (int)rep->opts.by;
}

struct pft_report *pft_report_new(const struct pft_report_opts *opts, struct pft_aspace *as)
{
	struct pft_report *rep = calloc(1, sizeof(*rep));
	int i;

	if (!rep)
		return NULL;
	rep->opts = *opts;
	rep->as = as;
	rep->vmas.by = PFT_BY_VMA;
	rep->groups.by = opts->by;
	rep->procs.by = PFT_BY_PID;
	for (i = 0; i < PFT_BY_COUNT; i++)
		rep->extra[i].by = (enum pft_by)i;
	rep->first_ts = PFT_NO_TS;
	rep->last_pid = rep->last_tid = -1;
	rep->last_proc = -1;
	/* zeroed: a frame is never read before it is named, and a damaged stack must not change
	 * that into heap garbage in the output */
	rep->frames = calloc(2 * PFT_MAX_FRAMES, sizeof(*rep->frames));
	rep->unwound = malloc(PFT_MAX_FRAMES * sizeof(*rep->unwound));
	if (!rep->frames || !rep->unwound)
		goto fail;
	if (opts->nr_pids) {
		rep->pids = malloc(opts->nr_pids * sizeof(*rep->pids));
		if (!rep->pids)
			goto fail;
		memcpy(rep->pids, opts->pids, opts->nr_pids * sizeof(*rep->pids));
		rep->opts.pids = rep->pids;
	}
	return rep;
fail:
	pft_report_free(rep);
	errno = ENOMEM;
	return NULL;
}

/* The code that faulted: the trace's own name for it (a kernel ip in text), else its ip in the
 * VMA that held it at that moment (or the kernel's). */
static void name_code(struct pft_report *rep, const struct pft_event *ev, struct pft_fault *f)
{
	const struct pft_maps *maps;
	const struct pft_vma *v = NULL;

	f->has_symbol = true;
	if (ev->ip_symbol) {
		f->symbol = (struct pft_symbol){
		    .function = ev->ip_symbol, .module = "[kernel]", .kernel = true};
		return;
	}
	if (ev->ip < KERNEL_HALF)
		v = pft_aspace_lookup(rep->as, f->pid, ev->ts, ev->ip, ev->comm, &maps);
	pft_syms_lookup(rep->syms, f->pid, v, ev->ip, &f->symbol);
}

static void join(struct pft_report *rep, const struct pft_event *ev, struct pft_fault *f)
{
	bool kernel_addr = ev->address_symbol || ev->address >= KERNEL_HALF;
	const struct pft_maps *maps = NULL;

	if (!kernel_addr)
		f->vma = pft_aspace_lookup(rep->as, f->pid, ev->ts, ev->address, ev->comm, &maps);
	f->page = ev->address & PFT_PAGE_MASK;
	f->arch = rep->arch;
	if (ev->no_code) {
		f->code = (struct pft_code){0, false, false};
		f->access = ev->type == PFT_EV_FAULT_USER
				? pft_access_infer(f->vma, ev->ip, ev->address)
				: PFT_ACCESS_UNKNOWN; /* the ip is the kernel's */
	} else {
		f->code = pft_code_of(rep->arch, ev->error_code);
		f->access = pft_access_of(f->code.bits);
	}
	f->has_file_offset = f->vma && f->vma->inode;
	if (f->has_file_offset)
		f->file_offset = ev->address - f->vma->start + f->vma->offset;
	if (kernel_addr)
		f->kind = PFT_KIND_OTHER;
	else if (ev->no_code)
		f->kind = pft_classify_access(f->access, f->vma, maps, ev->address);
	else
		f->kind = pft_classify_code(f->code, f->vma, maps, ev->address);
	/* maps read after the fault, nothing between: not a crash, but not known */
	if ((f->kind == PFT_KIND_NO_VMA || f->kind == PFT_KIND_BAD_ACCESS) &&
	    !pft_aspace_miss_is_certain(rep->as, f->pid)) {
		f->kind = PFT_KIND_UNKNOWN;
		rep->unknown_late_maps++;
	}
	if (rep->syms)
		name_code(rep, ev, f);
}

/* An exec of a selected process: it has a row, and one more exec. */
static int count_exec(struct pft_report *rep, const struct pft_event *ev)
{
	int pid = pft_aspace_pid_of(rep->as, ev->tid, ev->tgid, ev->comm);
	int64_t idx;

	if (!pft_rep_pid_selected(rep, pid, ev->tid))
		return 0;
	if ((idx = pft_rep_proc_row(rep, pid)) < 0)
		return -1;
	rep->procs.rows[idx].execs++;
	return 0;
}

/* The last thread of a selected process ended: its faults are all counted by now. */
static int process_ended(struct pft_report *rep, const struct pft_event *ev)
{
	int pid = pft_aspace_pid_of(rep->as, ev->tid, ev->tgid, ev->comm);

	return pft_rep_pid_selected(rep, pid, ev->tid) ? pft_rep_exited(rep, pid) : 0;
}

/* A fault is complete: its stack is named, it is counted and goes to the sink. */
static int finalize(struct pft_report *rep, struct pft_fault *f)
{
	uint32_t dummy;
	int64_t area;
	int i;

	if ((rep->opts.stacks || rep->opts.stack_tree) && pft_rep_stack(rep, f) < 0)
		return -1;
	if (rep->opts.stack_tree && pft_rep_tree_add(rep, f) < 0)
		return -1;
	pft_rep_count(&rep->total, f);
	rep->kernel_mode += f->ev->type == PFT_EV_FAULT_KERNEL;
	rep->major_unknown += f->major < 0 && !f->restarted;
	if (f->has_latency && (pft_rep_lat_fault(&rep->lat, f) < 0 ||
			       pft_rep_lat_fault(&rep->lat_kind[f->kind], f) < 0))
		return -1;
	for (i = 0; f->why_ns && i < PFT_CAUSE_COUNT; i++)
		if (f->why_ns[i] && pft_rep_lat_add(&rep->lat_cause[i], f->why_ns[i]) < 0)
			return -1;
	if (f->why_ns && pft_rep_lat_fault(&rep->lat_path[f->path], f) < 0)
		return -1;
	if ((f->pid != rep->last_pid &&
	     pft_hmap_put(&rep->seen_pids, (uint64_t)(uint32_t)f->pid, 0, 0, &dummy) < 0) ||
	    (f->tid != rep->last_tid &&
	     pft_hmap_put(&rep->seen_tids, (uint64_t)(uint32_t)f->tid, 0, 0, &dummy) < 0) ||
	    pft_rep_proc_add(rep, f) < 0 || (area = pft_rep_table_add(rep, &rep->vmas, f)) == -1 ||
	    (rep->opts.by != PFT_BY_VMA && rep->opts.by != PFT_BY_PID &&
	     pft_rep_table_add(rep, &rep->groups, f) == -1))
		return -1;
	for (i = 0; rep->opts.tables && i < PFT_BY_COUNT; i++)
		if (extra_table(rep, i) && pft_rep_table_add(rep, &rep->extra[i], f) == -1)
			return -1;
	if (rep->opts.heatmap && pft_rep_heat_add(rep, f, area) < 0)
		return -1;
	rep->last_pid = f->pid;
	rep->last_tid = f->tid;
	if (!rep->sink)
		return 0;
	/* for the sink only: the tables fold cgroups at the end */
	f->cgroup = pft_rep_cgroup(rep, f->pid);
	return rep->sink(rep->sink_data, f);
}

/* A thread's two slots: its fault (HELD) and one parked for its restart (PARKED). */
enum { HELD, PARKED };

/* A thread's slot that is no more: the thread ended, its slot went back to the free ones. */
#define NO_SLOT UINT32_MAX

static struct held *slot_of(struct pft_report *rep, int tid, int which, bool create)
{
	struct held *h;
	uint32_t i;

	if (pft_hmap_get(&rep->held_by_tid, (uint64_t)(uint32_t)tid, which, &i) && i != NO_SLOT)
		return rep->held[i];
	if (!create)
		return NULL;
	/* an ended thread's, if there is one: what is held is bounded by the threads alive */
	if (rep->nr_free) {
		i = rep->free_held[rep->nr_free - 1];
		if (pft_hmap_set(&rep->held_by_tid, (uint64_t)(uint32_t)tid, which, i) < 0)
			return NULL;
		rep->nr_free--;
		memset(rep->held[i], 0, sizeof(*rep->held[i]));
		return rep->held[i];
	}
	/* each one its own allocation: a held fault points into itself (its event, comm and
	 * symbol), and the array of them grows */
	if (pft_grow((void **)&rep->held, &rep->cap_held, rep->nr_held + 1, sizeof(*rep->held)) <
		0 ||
	    !(h = calloc(1, sizeof(*h))))
		return NULL;
	if (pft_hmap_set(&rep->held_by_tid, (uint64_t)(uint32_t)tid, which,
			 (uint32_t)rep->nr_held) < 0) {
		free(h);
		return NULL;
	}
	rep->held[rep->nr_held++] = h;
	return h;
}

static struct held *held_of(struct pft_report *rep, int tid, bool create)
{
	return slot_of(rep, tid, HELD, create);
}

/* The faults the kernel refuses (SIGSEGV): no completion, and not in its counters. */
static bool failed(enum pft_kind k)
{
	return k == PFT_KIND_NO_VMA || k == PFT_KIND_BAD_ACCESS || k == PFT_KIND_PKEY;
}

/* Every fault has a completion, and this one had none: the kernel refused it (or gave it up for
 * a signal). Where the maps may hold a mapping removed since (no record of unmaps), the VMA
 * found is not known to have been there: unknown, not a fault of that VMA. */
static void uncompleted(struct pft_report *rep, struct pft_fault *f)
{
	if (f->restarted || failed(f->kind) || f->kind == PFT_KIND_UNKNOWN || !f->vma ||
	    pft_aspace_miss_is_certain(rep->as, f->pid))
		return;
	pft_vma_unref(f->vma);
	f->vma = NULL;
	f->has_file_offset = false;
	f->kind = PFT_KIND_UNKNOWN;
	rep->no_maps++;
	rep->unknown_late_maps++;
}

/* A held fault is complete: with its completion's verdict, or without one (its thread faulted
 * again, exited, or the input ended: a SIGSEGV has none). Where only major faults have a
 * completion, one without is minor, as mm_account_fault() counts it, unless it failed. */
static int release_held(struct pft_report *rep, struct held *h)
{
	int r;

	if (!h || !h->used)
		return 0;
	h->used = false;
	h->signalled = false;
	if (h->f.major < 0 && rep->opts.major_only && !failed(h->f.kind) && !h->f.restarted)
		h->f.major = 0;
	if (h->f.major < 0 && !rep->opts.major_only)
		uncompleted(rep, &h->f);
	r = finalize(rep, &h->f);
	pft_vma_unref(h->f.vma);
	return r;
}

/* strlcpy: a fault is held per event, snprintf's parsing is too slow for that */
static void copy_str(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

/*
 * A process's forks (each write-protects its private memory) and execs: counted, so that the
 * same fault taken again across one is not a restart. A loop's fork and write (a server's) is
 * the same fault on the same stack page each time, a new one. A change of the mapping the
 * fault is in (munmap, mmap, mprotect) makes another VMA: same_fault sees it.
 */
static uint32_t epoch_of(const struct pft_report *rep, int pid)
{
	uint32_t e = 0;

	pft_hmap_get(&rep->epochs, (uint64_t)(uint32_t)pid, 0, &e);
	return e;
}

static int changed(struct pft_report *rep, const struct pft_event *ev)
{
	int pid;

	if (ev->type != PFT_EV_EXEC &&
	    (ev->type != PFT_EV_NEWTASK || (ev->clone_flags & CLONE_THREAD_FLAG)))
		return 0;
	pid = pft_aspace_pid_of(rep->as, ev->tid, ev->tgid, ev->comm);
	rep->changes++;
	return pft_hmap_set(&rep->epochs, (uint64_t)(uint32_t)pid, 0, epoch_of(rep, pid) + 1);
}

/* The same instruction faulting on the same address the same way, in the same mapping: the
 * kernel gave the first up, and the thread took it again. (h holds its VMA: a new one is
 * another object.) */
static bool same_fault(const struct held *h, const struct pft_fault *f)
{
	return h->ev.type == f->ev->type && h->ev.ip == f->ev->ip &&
	       h->ev.address == f->ev->address && h->ev.error_code == f->ev->error_code &&
	       h->f.vma == f->vma;
}

/* How many of its thread's faults a parked fault waits through for its restart: a handler
 * that faults more than this is taken as not returning to it. */
#define PARK_FAULTS 64

/* Puts the thread's held fault aside (the handler's own fault came first): the parked one
 * before it is done with. */
static int park(struct pft_report *rep, int tid)
{
	struct held *p = slot_of(rep, tid, PARKED, true);
	uint32_t hi, pi;

	if (!p || release_held(rep, p) < 0)
		return -1;
	pft_hmap_get(&rep->held_by_tid, (uint64_t)(uint32_t)tid, HELD, &hi);
	pft_hmap_get(&rep->held_by_tid, (uint64_t)(uint32_t)tid, PARKED, &pi);
	rep->held[hi]->left = PARK_FAULTS;
	rep->held[pi]->parked = true;
	/* the slots swap: no copy, so what the fault points into stays where it is */
	if (pft_hmap_set(&rep->held_by_tid, (uint64_t)(uint32_t)tid, HELD, pi) < 0 ||
	    pft_hmap_set(&rep->held_by_tid, (uint64_t)(uint32_t)tid, PARKED, hi) < 0)
		return -1;
	return 0;
}

/*
 * A fault a signal came to before its completion, and f its thread's next: f is that fault
 * taken again (it was given up: restarted), or the handler's own fault (the first is parked
 * and looked for in the faults that follow), or the fault had ended before the signal (the
 * parked one is released as it was after PARK_FAULTS, or once its address space changes).
 */
static int restart_of(struct pft_report *rep, struct held *h, const struct pft_fault *f)
{
	struct held *p = h->parked ? slot_of(rep, f->tid, PARKED, false) : NULL;
	uint32_t epoch = epoch_of(rep, f->pid);
	bool again = p && p->used && p->epoch == epoch && same_fault(p, f);

	/* the address space changed since: the fault had ended */
	if (p && p->used && (again || p->epoch != epoch || --p->left == 0)) {
		p->f.restarted = again;
		h->parked = false;
		if (release_held(rep, p) < 0)
			return -1;
	}
	if (!h->used || !h->signalled || h->epoch != epoch)
		return 0;
	if (same_fault(h, f)) {
		h->f.restarted = true;
		return 0;
	}
	return park(rep, f->tid);
}

/*
 * A signal was dequeued for tid (on its way back to user space): its fault without a completion
 * yet was given up for it. Where every fault has a completion, that is certain: it would have
 * come first. Where only majors have one, a minor fault that ended has none either: it is given
 * up if the thread takes it again (restart_of), and not across a fork (then it had ended). The
 * fault's own signal (SIGSEGV, SIGBUS: the kernel refused it) is not that; their numbers are
 * the same on x86, arm64 and riscv.
 */
static int signalled(struct pft_report *rep, const struct pft_event *ev)
{
	struct held *h = held_of(rep, ev->tid, false);

	if (!h || !h->used || h->f.major >= 0 || failed(h->f.kind) || ev->args[0] == SIGSEGV ||
	    ev->args[0] == SIGBUS || epoch_of(rep, h->f.pid) != h->epoch)
		return 0;
	if (rep->opts.major_only) {
		h->signalled = true;
		return 0;
	}
	h->f.restarted = true;
	return release_held(rep, h);
}

/* The thread ended: its faults are complete, and its slots free for a thread to come. */
static int release_thread(struct pft_report *rep, int tid)
{
	struct held *h = held_of(rep, tid, false);
	uint32_t i;
	int which;

	if (!h)
		return 0;
	if (h->parked && release_held(rep, slot_of(rep, tid, PARKED, false)) < 0)
		return -1;
	h->parked = false;
	if (release_held(rep, h) < 0)
		return -1;
	for (which = HELD; which <= PARKED; which++) {
		if (!pft_hmap_get(&rep->held_by_tid, (uint64_t)(uint32_t)tid, which, &i) ||
		    i == NO_SLOT)
			continue;
		if (pft_grow((void **)&rep->free_held, &rep->cap_free, rep->nr_free + 1,
			     sizeof(*rep->free_held)) < 0 ||
		    pft_hmap_set(&rep->held_by_tid, (uint64_t)(uint32_t)tid, which, NO_SLOT) < 0)
			return -1;
		rep->free_held[rep->nr_free++] = i;
	}
	return 0;
}

/* Keeps a copy of the fault (and what its event points to) until its completion comes. */
static int hold(struct pft_report *rep, const struct pft_fault *f)
{
	struct held *h = held_of(rep, f->tid, true);

	if (!h)
		return -1;
	/* a fault a signal came to, or one parked: is this one it taken again? (parking swaps
	 * the thread's slots) */
	if ((h->signalled || h->parked) &&
	    (restart_of(rep, h, f) < 0 || !(h = held_of(rep, f->tid, false))))
		return -1;
	if (release_held(rep, h) < 0)
		return -1;
	/* read again only after a change somewhere: a thread's process is its own (a tid
	 * reused by another process comes after a fork, a change) */
	if (h->changes != rep->changes) {
		h->epoch = epoch_of(rep, f->pid);
		h->changes = rep->changes;
	}
	h->ev = *f->ev;
	h->f = *f;
	h->f.ev = &h->ev;
	h->has_why = rep->why;
	if (h->has_why)
		pft_why_start(&h->why, f->ev->ts);
	/* the mapping may be gone (munmap) before the fault completes: keep it */
	if (h->f.vma)
		pft_vma_ref(h->f.vma);
	copy_str(h->comm, sizeof(h->comm), f->ev->comm ? f->ev->comm : "<...>");
	h->ev.comm = h->comm;
	if (f->ev->ip_symbol) {
		copy_str(h->sym, sizeof(h->sym), f->ev->ip_symbol);
		h->ev.ip_symbol = h->sym;
		if (h->f.has_symbol && h->f.symbol.function == f->ev->ip_symbol)
			h->f.symbol.function = h->sym;
	}
	h->ev.irq_flags = NULL;
	h->ev.address_symbol = NULL;
	h->ev.kstack = h->ev.ustack = (struct pft_stack){0};
	h->ev.dump = NULL;
	h->used = true;
	return 0;
}

/* The kernel finished a fault of this thread: the one held, if it is on the same page. */
static int complete(struct pft_report *rep, const struct pft_event *ev)
{
	struct held *h = held_of(rep, ev->tid, false);

	if (!h || !h->used || (ev->address & PFT_PAGE_MASK) != h->f.page || ev->ts < h->ev.ts) {
		/* GUP has no completion event, so this is a fault whose entry is not in the trace:
		 * page_fault_kernel without --kernel, or one lost */
		rep->completions_unmatched++;
		return 0;
	}
	h->f.major = ev->major;
	h->f.has_latency = true;
	h->f.latency_ns = ev->ts - h->ev.ts;
	if (h->has_why) {
		pft_why_end(&h->why, ev->ts);
		h->f.why_ns = h->why.ns;
		h->f.waker = h->why.waker;
		h->f.path = pft_fault_path(h->f.kind, h->f.major, h->f.vma, &h->why);
		h->f.readahead_pages = h->why.ra_pages;
		h->f.lock_holder = h->why.ns[PFT_CAUSE_MMAP_LOCK] ? h->why.lock_holder : -1;
		h->f.io_bytes = h->why.io_bytes;
		h->f.io_dev = h->why.io_dev;
		h->f.io_devs = h->why.io_devs;
		h->f.reclaimed = h->why.reclaimed;
	}
	/* the completion's stacks are the fault's: valid while it is finalized */
	h->ev.kstack = ev->kstack;
	h->ev.ustack = ev->ustack;
	h->ev.dump = ev->dump;
	return release_held(rep, h);
}

/* The mmap lock of mm, as the events have shown it; NULL on ENOMEM. */
static struct mm_lock *mm_lock(struct pft_report *rep, uint64_t mm)
{
	uint32_t i;
	int r = pft_hmap_put(&rep->lock_by_mm, mm, 0, (uint32_t)rep->nr_locks, &i);

	if (r < 0 || (r > 0 && pft_grow((void **)&rep->locks, &rep->cap_locks, rep->nr_locks + 1,
					 sizeof(*rep->locks)) < 0))
		return NULL;
	if (r > 0)
		rep->locks[rep->nr_locks++] = (struct mm_lock){0, 0, 0};
	return &rep->locks[i];
}

/* Who held the mmap lock a fault waited for: the writer that held it when the wait began, or
 * the last that released it during the wait (faults take it to read: only a writer makes
 * them wait). */
static int lock_event(struct pft_report *rep, const struct pft_event *ev)
{
	struct mm_lock *l = mm_lock(rep, ev->lock_mm);
	struct held *h = held_of(rep, ev->tid, false);

	if (!l)
		return -1;
	if (ev->type == PFT_EV_MARK && ev->lock_write) { /* released */
		l->holder = 0;
		l->last = ev->tid;
		l->last_ts = ev->ts;
	} else if (ev->type == PFT_EV_SPAN && ev->span_end && ev->lock_write && ev->lock_success) {
		l->holder = ev->tid;
	}
	if (!h || !h->used || !h->has_why || ev->type != PFT_EV_SPAN || ev->lock_write)
		return 0;
	if (!ev->span_end) { /* the fault's wait begins */
		h->why.lock_since = ev->ts;
		h->why.lock_mm = ev->lock_mm;
		h->why.lock_holder = l->holder > 0 && l->holder != ev->tid ? l->holder : -1;
	} else if (h->why.lock_mm == ev->lock_mm && l->last > 0 && l->last != ev->tid &&
		   l->last_ts >= h->why.lock_since) {
		h->why.lock_holder = l->last;
	}
	return 0;
}

/* An event that tells where a held fault's time goes or what path it takes: to the faults of
 * the threads it is about (a switch: the one leaving and the one coming; a wake-up: the woken;
 * a span or a mark: its own). */
static int why_event(struct pft_report *rep, const struct pft_event *ev)
{
	int tids[2] = {ev->type == PFT_EV_WAKEUP ? ev->child : ev->tid,
		       ev->type == PFT_EV_SWITCH ? ev->child : -1};
	struct held *h;
	int i;

	if (!rep->why) {
		rep->other_events++; /* a trace's scheduler events, not recorded to split faults */
		return 0;
	}
	rep->why_events++;
	if ((ev->type == PFT_EV_SPAN && ev->cause == PFT_CAUSE_MMAP_LOCK) ||
	    (ev->type == PFT_EV_MARK && ev->mark == PFT_MARK_MMAP_UNLOCK)) {
		if (lock_event(rep, ev) < 0)
			return -1;
		if (ev->type == PFT_EV_MARK)
			return 0;
	}
	for (i = 0; i < 2; i++)
		if (tids[i] > 0 && (h = held_of(rep, tids[i], false)) && h->used && h->has_why)
			pft_why_event(&h->why, tids[i], ev);
	return 0;
}

int pft_report_finish(struct pft_report *rep)
{
	size_t i;

	for (i = 0; i < rep->nr_held; i++)
		if (release_held(rep, rep->held[i]) < 0)
			return -1;
	if (rep->opts.fold_exited && pft_rep_fold_exited(rep, rep->opts.keep_exited) < 0)
		return -1;
	if (rep->opts.by == PFT_BY_CGROUP && pft_rep_fold_cgroups(rep, &rep->groups) < 0)
		return -1;
	if (extra_table(rep, PFT_BY_CGROUP) && pft_rep_fold_cgroups(rep, &rep->extra[PFT_BY_CGROUP]) < 0)
		return -1;
	return 0;
}

int pft_report_process_counters(struct pft_report *rep, int pid, uint64_t min_flt, uint64_t maj_flt)
{
	int64_t idx;

	if (pid < 0) {
		rep->have_total = true;
		rep->total_min += min_flt;
		rep->total_maj += maj_flt;
		return 0;
	}
	if (!pft_rep_pid_selected(rep, pid, pid))
		return 0;
	/* a process that took no traced fault still has a row: 0 traced of what it counted */
	if ((idx = pft_rep_proc_row(rep, pid)) < 0)
		return -1;
	rep->procs.rows[idx].kernel = true;
	rep->procs.rows[idx].kmin += min_flt;
	rep->procs.rows[idx].kmaj += maj_flt;
	return 0;
}

void pft_report_set_syms(struct pft_report *rep, struct pft_syms *syms)
{
	rep->syms = syms;
}

void pft_report_set_arch(struct pft_report *rep, enum pft_arch arch)
{
	rep->arch = arch;
}

void pft_report_expect_completions(struct pft_report *rep, bool major_only)
{
	rep->opts.completions = true;
	rep->opts.major_only = major_only;
}

void pft_report_expect_why(struct pft_report *rep, bool full)
{
	rep->why_full = full;
	rep->why = true;
}

void pft_report_set_sink(struct pft_report *rep, pft_fault_sink sink, void *data)
{
	rep->sink = sink;
	rep->sink_data = data;
}

/* A pid at *p (then a blank or the end), past which *p moves: 1..INT_MAX, or -1. Marker text
 * comes from trace.dat files of anywhere: nothing out of range is taken. */
static int marker_pid(const char **p)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(*p, &end, 10);
	if (end == *p || errno || v <= 0 || v > INT32_MAX || (*end && *end != ' '))
		return -1;
	*p = *end ? end + 1 : end;
	return (int)v;
}

/* record's own markers the report keeps: a process's cgroup (--by cgroup), its pid in
 * --pidns's namespace. */
static int own_marker(struct pft_report *rep, const char *text)
{
	size_t cg = strlen(PFT_CGROUP_MARKER), ns = strlen(PFT_NSPID_MARKER);
	const char *p = text + cg;
	int pid, nspid;
	uint32_t id;

	if (!strncmp(text, PFT_CGROUP_MARKER, cg)) {
		if ((pid = marker_pid(&p)) < 0 || !*p)
			return 0;
		return pft_strtab_put(&rep->strs, p, &id) < 0
			   ? -1
			   : pft_hmap_set(&rep->cgroups, (uint64_t)(uint32_t)pid, 0, id);
	}
	p = text + ns;
	if (strncmp(text, PFT_NSPID_MARKER, ns) || (pid = marker_pid(&p)) < 0 ||
	    (nspid = marker_pid(&p)) < 0)
		return 0;
	return pft_hmap_set(&rep->nspids, (uint64_t)(uint32_t)pid, 0, (uint32_t)nspid);
}

int pft_report_add(struct pft_report *rep, const struct pft_event *ev)
{
	struct pft_fault f = {.tid = ev->tid, .major = -1, .waker = -1, .lock_holder = -1};
	struct pft_event named;
	const char *comm;

	/* pftrace's own bookkeeping is not an event of the traced program */
	if (ev->type == PFT_EV_MARKER && ev->text &&
	    !strncmp(ev->text, PFT_MARKER_PREFIX, strlen(PFT_MARKER_PREFIX)))
		return own_marker(rep, ev->text);
	rep->events++;
	if (ev->type == PFT_EV_COMPLETION)
		return complete(rep, ev);
	if (ev->type == PFT_EV_SWITCH || ev->type == PFT_EV_WAKEUP || ev->type == PFT_EV_SPAN ||
	    ev->type == PFT_EV_MARK)
		return why_event(rep, ev);
	if (ev->type == PFT_EV_SIGNAL)
		return signalled(rep, ev);
	if (ev->type == PFT_EV_EXIT && release_thread(rep, ev->tid) < 0)
		return -1;
	if (ev->type == PFT_EV_EXIT && ev->group_dead && process_ended(rep, ev) < 0)
		return -1;
	if (ev->type == PFT_EV_EXEC && count_exec(rep, ev) < 0)
		return -1;
	if (ev->type == PFT_EV_NEWTASK && !(ev->clone_flags & CLONE_THREAD_FLAG)) {
		if (pft_hmap_set(&rep->parents, (uint64_t)(uint32_t)ev->child, 0,
				 (uint32_t)pft_aspace_pid_of(rep->as, ev->tid, ev->tgid, ev->comm)) <
		    0)
			return -1;
		pft_rep_forked(rep, ev->child);
	}
	if (pft_aspace_event(rep->as, ev))
		return changed(rep, ev);
	if (ev->type == PFT_EV_OTHER || ev->type == PFT_EV_MARKER) {
		rep->other_events++;
		return 0;
	}
	/* the kernel's faults on the program's memory (copy_to_user into a fresh buffer) are the
	 * program's: the kernel counts them in its min_flt. Those on kernel addresses are not,
	 * and stay out unless asked for */
	if (ev->type == PFT_EV_FAULT_KERNEL && !rep->opts.kernel &&
	    (ev->address_symbol || ev->address >= KERNEL_HALF)) {
		rep->kernel_excluded++;
		return 0;
	}
	/* refused by the kernel (a fixup, no fault handled, not in its counters): the reads of
	 * user memory a tracer makes, --stacks' own callchain walk among them; one comes in the
	 * middle of the fault it walks for, which must still wait for its completion */
	if (ev->type == PFT_EV_FAULT_KERNEL && ev->atomic) {
		rep->kernel_atomic++;
		return 0;
	}
	/* the comm the trace has told for the task by now (an exec, a rename), else the line's */
	comm = pft_aspace_comm(rep->as, ev->tid);
	if (comm || !ev->comm) {
		named = *ev;
		named.comm = comm ? comm : "<...>";
		ev = &named;
	}
	f.ev = ev;
	f.pid = pft_aspace_pid_of(rep->as, ev->tid, ev->tgid, ev->comm);
	if (!pft_rep_pid_selected(rep, f.pid, f.tid)) {
		rep->filtered++;
		return 0;
	}
	if (ev->ts != PFT_NO_TS) {
		if (rep->first_ts == PFT_NO_TS || ev->ts < rep->first_ts)
			rep->first_ts = ev->ts;
		if (ev->ts > rep->last_ts)
			rep->last_ts = ev->ts;
	}
	join(rep, ev, &f);
	rep->no_maps += f.kind == PFT_KIND_UNKNOWN;
	return rep->opts.completions ? hold(rep, &f) : finalize(rep, &f);
}

int pft_report_add_input(struct pft_report *rep, const char *name,
			 const struct pft_source_stats *st)
{
	struct input *in;

	if (pft_grow((void **)&rep->inputs, &rep->cap_inputs, rep->nr_inputs + 1,
		     sizeof(*rep->inputs)) < 0)
		return -1;
	in = &rep->inputs[rep->nr_inputs];
	in->st = *st;
	in->name = strdup(name);
	in->machine = st->machine ? strdup(st->machine) : NULL;
	in->st.machine = in->machine;
	in->cgroup = st->cgroup ? strdup(st->cgroup) : NULL;
	in->st.cgroup = in->cgroup;
	in->arch = rep->arch;
	rep->signals |= st->signals;
	if (!in->name || (st->machine && !in->machine) || (st->cgroup && !in->cgroup)) {
		free(in->name);
		free(in->machine);
		free(in->cgroup);
		return -1;
	}
	rep->nr_inputs++;
	return 0;
}

int pft_report_add_source(struct pft_report *rep, const struct pft_source *src)
{
	return pft_report_add_input(rep, pft_source_name(src), pft_source_stats(src));
}

void pft_report_free(struct pft_report *rep)
{
	size_t i;

	if (!rep)
		return;
	pft_rep_table_release(&rep->vmas);
	pft_rep_table_release(&rep->groups);
	pft_rep_table_release(&rep->procs);
	for (i = 0; i < PFT_BY_COUNT; i++)
		pft_rep_table_release(&rep->extra[i]);
	pft_strtab_release(&rep->strs);
	pft_hmap_release(&rep->seen_pids);
	pft_hmap_release(&rep->nspids);
	pft_hmap_release(&rep->cgroups);
	pft_hmap_release(&rep->parents);
	pft_hmap_release(&rep->seen_tids);
	for (i = 0; i < rep->nr_inputs; i++) {
		free(rep->inputs[i].name);
		free(rep->inputs[i].machine);
		free(rep->inputs[i].cgroup);
	}
	free(rep->inputs);
	free(rep->pids);
	for (i = 0; i < rep->nr_held; i++) {
		if (rep->held[i]->used) /* a report freed without pft_report_finish */
			pft_vma_unref(rep->held[i]->f.vma);
		free(rep->held[i]);
	}
	free(rep->held);
	free(rep->free_held);
	free(rep->exited);
	pft_hmap_release(&rep->held_by_tid);
	pft_hmap_release(&rep->epochs);
	pft_hmap_release(&rep->lock_by_mm);
	free(rep->locks);
	free(rep->lat);
	for (i = 0; i < PFT_KIND_COUNT; i++)
		free(rep->lat_kind[i]);
	for (i = 0; i < PFT_CAUSE_COUNT; i++)
		free(rep->lat_cause[i]);
	for (i = 0; i < PFT_PATH_COUNT; i++)
		free(rep->lat_path[i]);
	free(rep->frames);
	free(rep->unwound);
	free(rep->heat.p);
	pft_rep_tree_release(&rep->tree);
	free(rep);
}
