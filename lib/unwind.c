/* SPDX-License-Identifier: MIT */
/*
 * DWARF unwinding of a copy of the user stack (record --stacks=dwarf), as perf's --call-graph
 * dwarf does, through libdwfl: the registers at the fault start it, the stack copy answers its
 * memory reads, and each file's call-frame information (.eh_frame, .debug_frame) says how to
 * step from one frame to its caller.
 *
 * libdwfl needs the modules of the process at their run-time addresses: a Dwfl per process
 * keeps the files reported so far (each found as the symbolizer finds it: only the build ID
 * recorded), so a file is opened once per process, not once per fault. When the process maps
 * another file where a reported one was (after an exec, a munmap), its Dwfl is made again.
 */
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "internal.h"

#define MAX_PROCS 64 /* Dwfls kept; all are dropped when more processes unwind */

/* The unwind in progress: what the callbacks see. */
struct unw_ctx {
	struct pft_syms *syms;
	struct pft_aspace *as;
	int pid;
	uint64_t ts;
	const struct pft_stack_dump *dump;
	uint64_t *ips;
	size_t n, max;
	bool thread_given;
	bool stale; /* a module disagreed with the maps: the Dwfl is made again */
};

struct unw_proc {
	int pid;
	Dwfl *dwfl;
	struct unw_ctx *ctx; /* what dwfl's callbacks were attached with */
};

struct pft_unwinder {
	struct unw_proc procs[MAX_PROCS];
	int nr;
};

/* The module that holds pc: reported now if it is not yet. false if the maps have no file
 * there, the file cannot be used, or the Dwfl's module there is another file. */
static bool module_at(Dwfl *dwfl, struct unw_ctx *c, uint64_t pc)
{
	const struct pft_maps *maps;
	const struct pft_vma *v = pft_aspace_lookup(c->as, c->pid, c->ts, pc, NULL, &maps);
	Dwfl_Module *m = dwfl_addrmodule(dwfl, pc);
	const char *path, *mainfile = NULL;
	uint64_t bias;
	Dwarf_Addr mbias;
	int fd;

	if (!v || pft_syms_file(c->syms, v, &path, &bias) < 0)
		return false;
	if (m) {
		dwfl_module_info(m, NULL, NULL, NULL, NULL, NULL, &mainfile, NULL);
		if (dwfl_module_getelf(m, &mbias) && mbias == bias && mainfile &&
		    !strcmp(mainfile, path))
			return true;
		c->stale = true;
		return false;
	}
	/* the file the symbolizer checked may be another thing by now (a FIFO whose open would
	 * block): libdwfl is given a descriptor of a regular file, never the path to open */
	if ((fd = pft_open_regular(path)) < 0)
		return false;
	dwfl_report_begin_add(dwfl);
	m = dwfl_report_elf(dwfl, v->path, path, fd, bias, false);
	dwfl_report_end(dwfl, NULL, NULL);
	/* consumed on success only (libdwfl.h); still ours if it failed */
	if (!m && fcntl(fd, F_GETFD) != -1)
		close(fd);
	return m != NULL;
}

static pid_t next_thread(Dwfl *dwfl, void *arg, void **thread_argp)
{
	struct unw_ctx *c = *(struct unw_ctx **)arg;

	(void)dwfl;
	if (c->thread_given)
		return 0;
	c->thread_given = true;
	*thread_argp = arg;
	return c->pid;
}

static bool get_thread(Dwfl *dwfl, pid_t tid, void *arg, void **thread_argp)
{
	(void)dwfl, (void)tid;
	*thread_argp = arg;
	return true;
}

/* Memory is the stack copy, from sp up. */
static bool memory_read(Dwfl *dwfl, Dwarf_Addr addr, Dwarf_Word *result, void *arg)
{
	const struct unw_ctx *c = *(struct unw_ctx **)arg;
	uint64_t sp = c->dump->regs[7];

	(void)dwfl;
	if (addr < sp || addr + sizeof(*result) < addr ||
	    addr + sizeof(*result) - sp > c->dump->size)
		return false;
	memcpy(result, c->dump->data + (addr - sp), sizeof(*result));
	return true;
}

/* perf's order (ax bx cx dx si di bp sp ip r8..r15) to DWARF's (ax dx cx bx si di bp sp
 * r8..r15 ip) */
static bool set_initial_registers(Dwfl_Thread *thread, void *arg)
{
	static const int from[17] = {0, 3, 2, 1, 4, 5, 6, 7, 9, 10, 11, 12, 13, 14, 15, 16, 8};
	const struct unw_ctx *c = *(struct unw_ctx **)arg;
	Dwarf_Word regs[17];
	int i;

	for (i = 0; i < 17; i++)
		regs[i] = c->dump->regs[from[i]];
	return dwfl_thread_state_registers(thread, 0, 17, regs);
}

static const Dwfl_Thread_Callbacks thread_callbacks = {
    .next_thread = next_thread,
    .get_thread = get_thread,
    .memory_read = memory_read,
    .set_initial_registers = set_initial_registers,
};

static int frame(Dwfl_Frame *state, void *arg)
{
	struct unw_ctx *c = arg;
	Dwarf_Addr pc;
	bool activation;

	if (!dwfl_frame_pc(state, &pc, &activation) || !pc || c->n >= c->max)
		return DWARF_CB_ABORT;
	c->ips[c->n++] = pc;
	/* the caller's step needs the module of the frame it steps from */
	if (!module_at(dwfl_thread_dwfl(dwfl_frame_thread(state)), c, activation ? pc : pc - 1))
		return DWARF_CB_ABORT;
	return DWARF_CB_OK;
}

static void drop(struct unw_proc *p)
{
	if (p->dwfl)
		dwfl_end(p->dwfl);
	free(p->ctx);
	p->dwfl = NULL;
	p->ctx = NULL;
}

/* pid's Dwfl, with its state attached (made if there is none). */
static struct unw_proc *proc_of(struct pft_unwinder *u, struct unw_ctx *c)
{
	struct unw_proc *p = NULL;
	int i;

	for (i = 0; i < u->nr; i++)
		if (u->procs[i].pid == c->pid && u->procs[i].dwfl)
			return &u->procs[i];
	if (u->nr == MAX_PROCS) {
		for (i = 0; i < u->nr; i++)
			drop(&u->procs[i]);
		u->nr = 0;
	}
	p = &u->procs[u->nr];
	*p = (struct unw_proc){.pid = c->pid};
	p->dwfl = dwfl_begin(&pft_dwfl_offline);
	p->ctx = malloc(sizeof(*p->ctx));
	if (!p->dwfl || !p->ctx) {
		drop(p);
		return NULL;
	}
	*p->ctx = *c;
	/* libdwfl takes the architecture from a module: the first one before attaching */
	if (!module_at(p->dwfl, p->ctx, c->dump->regs[8]) ||
	    !dwfl_attach_state(p->dwfl, NULL, c->pid, &thread_callbacks, &p->ctx)) {
		drop(p);
		return NULL;
	}
	u->nr++;
	return p;
}

int pft_syms_unwind(struct pft_syms *s, struct pft_aspace *as, int pid, uint64_t ts,
		    const struct pft_stack_dump *dump, uint64_t *ips, size_t max)
{
	struct pft_unwinder **up = pft_syms_unwinder(s);
	struct unw_ctx c = {s, as, pid, ts, dump, ips, 0, max, false, false};
	struct unw_proc *p;
	size_t n;
	int tries;

	if (!*up && !(*up = calloc(1, sizeof(**up))))
		return -1;
	for (tries = 0; tries < 2; tries++) {
		p = proc_of(*up, &c);
		if (!p)
			return -1;
		*p->ctx = c;
		if (!module_at(p->dwfl, p->ctx, dump->regs[8]) && p->ctx->stale) {
			drop(p); /* another image: begin again */
			continue;
		}
		dwfl_getthread_frames(p->dwfl, pid, frame, p->ctx);
		n = p->ctx->n; /* drop() frees the context */
		if (!p->ctx->stale)
			return (int)n;
		/* a caller's module is another file now (a dlclose, then a dlopen at the same
		 * address): the walk stopped there, so it begins again with a new Dwfl */
		drop(p);
		if (tries)
			return (int)n;
	}
	return -1;
}

void pft_unwinder_free(struct pft_unwinder *u)
{
	int i;

	if (!u)
		return;
	for (i = 0; i < u->nr; i++)
		drop(&u->procs[i]);
	free(u);
}
