/* SPDX-License-Identifier: MIT */
/*
 * Call stacks: each fault's frames named (a user frame through the VMA that held it at the
 * fault's moment, as the faulting ip is), and the tree of all stacks that folded stacks and
 * flame graphs are drawn from.
 *
 * A frame past the first is a return address: it is named one byte back, inside the call (the
 * call may be a function's last instruction). The tree's root has one child per comm; a path
 * goes from the outermost user frame to the innermost kernel frame, and a node counts the
 * faults whose stacks pass through it, by kind and major.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "report.h"

/* Where threads start: a user stack that ends anywhere else was cut short. */
static const char *const entries[] = {
    "_start",
    "__libc_start_main",
    "__libc_start_call_main",
    "__libc_start_main_impl",
    "start_thread",
    "clone",
    "clone3",
    "__clone",
    "__clone3",
    "_dl_start_user",
    "thread_start",
    "runtime.goexit",
    "runtime.rt0_go",
    "runtime.mstart",
    "runtime.clone", /* a new thread's first frame, on its own stack */
    "_rt0_amd64_linux",
    "_rt0_arm64_linux",
    "_rt0_riscv64_linux",
};

static bool tracer_frame(const char *function)
{
	return function && (!strncmp(function, "trace_event_raw_event_", 22) ||
			    !strncmp(function, "perf_trace_", 11) ||
			    !strcmp(function, "__ftrace_trace_stack") ||
			    !strcmp(function, "ftrace_trace_stack"));
}

/* Go's assembly functions carry their ABI as a suffix (runtime.goexit.abi0). */
static bool is_entry(const char *function)
{
	size_t i, len;

	for (i = 0; function && i < sizeof(entries) / sizeof(entries[0]); i++) {
		len = strlen(entries[i]);
		if (!strncmp(function, entries[i], len) &&
		    (!function[len] || !strncmp(function + len, ".abi", 4)))
			return true;
	}
	return false;
}

/* A user stack is whole when one of its frames is where threads start: a frame pointer walk
 * goes on past it (libc's start code keeps no frame pointer, so the next "frame" is whatever
 * its register held), which does not make it cut short. */
static bool reaches_entry(const struct pft_frame *frames, size_t from, size_t n)
{
	size_t i;

	for (i = n; i > from; i--)
		if (is_entry(frames[i - 1].sym.function))
			return true;
	return false;
}

/* A frame the source gave as text: "func+0x1e0/0x6a0" names func. */
static void name_text(struct pft_report *rep, const char *text, bool kernel, struct pft_frame *fr)
{
	const char *plus = strchr(text, '+');
	char buf[512];

	snprintf(buf, sizeof(buf), "%.*s", (int)(plus ? (size_t)(plus - text) : strlen(text)),
		 text);
	fr->sym = (struct pft_symbol){.module = kernel ? "[kernel]" : NULL, .kernel = kernel};
	if (*buf)
		fr->sym.function = pft_syms_intern(rep->syms, buf);
	if (plus)
		pft_parse_hex(plus + 1 + (plus[1] == '0' && plus[2] == 'x') * 2, &fr->sym.offset);
}

/* Names frame i of st into fr. false if it cannot be a caller: a return address is in code,
 * and a frame pointer walk through code without frame pointers reads data as addresses. */
static bool name_frame(struct pft_report *rep, const struct pft_fault *f,
		       const struct pft_stack *st, size_t i, bool after_call, struct pft_frame *fr)
{
	const struct pft_event *ev = f->ev;
	const struct pft_maps *maps = NULL;
	const struct pft_vma *v = NULL;
	uint64_t ip = st->ips ? st->ips[i] : 0;

	/* all of it set, whatever follows: a frame refused below is still in the array */
	*fr = (struct pft_frame){.ip = ip};
	if (st->frames && st->frames[i]) { /* the source named it */
		name_text(rep, st->frames[i], st == &ev->kstack, fr);
		return true;
	}
	ip -= after_call && ip;
	if (ip < KERNEL_HALF)
		v = pft_aspace_lookup(rep->as, f->pid, ev->ts, ip, ev->comm, &maps);
	if (after_call && ip < KERNEL_HALF && maps && (!v || v->perms[2] != 'x'))
		return false;
	pft_syms_lookup(rep->syms, f->pid, v, ip, &fr->sym);
	return true;
}

int pft_rep_stack(struct pft_report *rep, struct pft_fault *f)
{
	const struct pft_event *ev = f->ev;
	const struct pft_stack *k = &ev->kstack, *u = &ev->ustack;
	struct pft_stack unwound = {0};
	size_t i, n = 0, user;

	f->stack = NULL;
	f->stack_depth = 0;
	f->stack_truncated = false;
	if (!rep->syms)
		return 0;
	if (!u->nr && ev->dump) {
		int got = pft_syms_unwind(rep->syms, rep->as, f->pid, ev->ts, ev->dump,
					  rep->unwound, PFT_MAX_FRAMES);

		if (got > 0) {
			unwound = (struct pft_stack){.nr = (size_t)got, .ips = rep->unwound};
			u = &unwound;
		}
	}
	if (!k->nr && !u->nr)
		return 0;
	/* the tracer's own frames (ftrace's stacktrace option) are not the fault's */
	for (i = 0; i < k->nr; i++) {
		/* a user-half address in a kernel stack (a damaged record) is no caller either */
		if (!name_frame(rep, f, k, i, i > 0, &rep->frames[n]))
			break;
		n += n || !tracer_frame(rep->frames[n].sym.function);
	}
	user = n;
	for (i = 0; i < u->nr; i++) {
		if (!name_frame(rep, f, u, i, i > 0 || k->nr || ev->type == PFT_EV_FAULT_KERNEL,
				&rep->frames[n]))
			break; /* not code: what follows is not the stack either */
		n++;
	}
	if (!n)
		return 0;
	f->stack = rep->frames;
	f->stack_depth = n;
	f->stack_truncated = u->nr && !reaches_entry(rep->frames, user, n);
	rep->stacks_seen++;
	rep->stacks_truncated += f->stack_truncated;
	return 0;
}

/* ---------------------------------------------------------------- the tree */

/* A frame's name in the tree: its function, else its file ("[libfoo.so]"): the offsets of code
 * that cannot be named would split it into as many frames as addresses. Names are the
 * symbolizer's interned strings: one pointer per name. NULL on ENOMEM. */
static const char *frame_name(struct pft_report *rep, const struct pft_frame *fr)
{
	const char *mod = fr->sym.module ? strrchr(fr->sym.module, '/') : NULL;
	char buf[512];

	if (fr->sym.function)
		return fr->sym.function;
	if (rep->tree.last_module == fr->sym.module && rep->tree.last_bracket)
		return rep->tree.last_bracket;
	mod = mod ? mod + 1 : fr->sym.module;
	snprintf(buf, sizeof(buf), mod && *mod == '[' ? "%s" : "[%s]", mod ? mod : "unknown");
	rep->tree.last_module = fr->sym.module;
	return rep->tree.last_bracket = pft_syms_intern(rep->syms, buf);
}

static int64_t child(struct pft_report *rep, uint32_t parent, const char *name, bool kernel)
{
	struct stack_tree *t = &rep->tree;
	uint32_t at;
	int r;

	if (!name)
		return -1;
	r = pft_hmap_put(&t->index, parent, (uint64_t)(uintptr_t)name << 1 | kernel,
			 (uint32_t)t->nr, &at);
	if (r < 0)
		return -1;
	if (r == 1) {
		struct stack_node *n;

		if (pft_grow((void **)&t->nodes, &t->cap, t->nr + 1, sizeof(*t->nodes)) < 0)
			return -1;
		n = &t->nodes[t->nr++];
		memset(n, 0, sizeof(*n));
		n->parent = parent;
		n->name = name;
		n->kernel = kernel;
		n->first_child = n->next = UINT32_MAX;
		n->next = t->nodes[parent].first_child;
		t->nodes[parent].first_child = at;
	}
	return at;
}

static void count(struct stack_node *n, const struct pft_fault *f)
{
	n->total++;
	n->ns += f->has_latency ? f->latency_ns : 0;
	n->major += f->major == 1;
	n->kind[f->kind]++;
}

/* The comm, interned: faults in a row are mostly of one. */
static const char *comm_name(struct pft_report *rep, const char *comm)
{
	struct stack_tree *t = &rep->tree;

	comm = comm ? comm : "<...>";
	if (!t->last_comm || strcmp(t->last_comm, comm))
		t->last_comm = pft_syms_intern(rep->syms, comm);
	return t->last_comm;
}

int pft_rep_tree_add(struct pft_report *rep, const struct pft_fault *f)
{
	struct stack_tree *t = &rep->tree;
	int64_t at;
	size_t i;

	if (!t->nr) { /* the root */
		if (pft_grow((void **)&t->nodes, &t->cap, 1, sizeof(*t->nodes)) < 0)
			return -1;
		memset(t->nodes, 0, sizeof(*t->nodes));
		t->nodes[0].first_child = t->nodes[0].next = UINT32_MAX;
		t->nr = 1;
	}
	count(&t->nodes[0], f);
	if ((at = child(rep, 0, comm_name(rep, f->ev->comm), false)) < 0)
		return -1;
	count(&t->nodes[at], f);
	if (!f->stack_depth || f->stack_truncated) {
		/* said, not hidden: a stack that is not whole starts at a frame of its own */
		if ((at = child(
			 rep, (uint32_t)at,
			 pft_syms_intern(rep->syms, f->stack_depth ? "[truncated]" : "[no stack]"),
			 false)) < 0)
			return -1;
		count(&t->nodes[at], f);
	}
	if (!f->stack_depth) { /* the faulting function, as the one frame known */
		struct pft_frame fr = {f->ev->ip, f->symbol};

		/* a name the trace gave lives as long as its event */
		fr.sym.function = pft_syms_intern(rep->syms, f->symbol.function);
		if ((at = child(rep, (uint32_t)at, frame_name(rep, &fr), f->symbol.kernel)) < 0)
			return -1;
		count(&t->nodes[at], f);
	}
	for (i = f->stack_depth; i-- > 0;) {
		const struct pft_frame *fr = &f->stack[i];

		if ((at = child(rep, (uint32_t)at, frame_name(rep, fr), fr->sym.kernel)) < 0)
			return -1;
		count(&t->nodes[at], f);
	}
	t->nodes[at].self++;
	t->nodes[at].self_ns += f->has_latency ? f->latency_ns : 0;
	return 0;
}

void pft_rep_tree_release(struct stack_tree *t)
{
	free(t->nodes);
	pft_hmap_release(&t->index);
}

/* ---------------------------------------------------------------- folded */

static const char *node_name(const struct pft_report *rep, const struct stack_node *n)
{
	(void)rep;
	return n->name ? n->name : "all";
}

/* Children in name order: the output does not depend on the order faults came in. */
static int by_name(const void *a, const void *b, void *data)
{
	const struct pft_report *rep = data;
	const struct stack_node *x = &rep->tree.nodes[*(const uint32_t *)a],
				*y = &rep->tree.nodes[*(const uint32_t *)b];
	int c = strcmp(node_name(rep, x), node_name(rep, y));

	return c ? c : (int)x->kernel - (int)y->kernel;
}

uint32_t *pft_rep_tree_children(const struct pft_report *rep, uint32_t node, size_t *n)
{
	const struct stack_tree *t = &rep->tree;
	uint32_t c, *v;
	size_t k = 0;

	*n = 0;
	for (c = t->nodes[node].first_child; c != UINT32_MAX; c = t->nodes[c].next)
		k++;
	v = malloc((k ? k : 1) * sizeof(*v));
	if (!v)
		return NULL;
	for (c = t->nodes[node].first_child; c != UINT32_MAX; c = t->nodes[c].next)
		v[(*n)++] = c;
	qsort_r(v, *n, sizeof(*v), by_name, (void *)rep);
	return v;
}

/* A frame as the folded format can carry it (';' separates frames, a newline ends the line)
 * and a terminal shows it. */
static void put_frame(const struct pft_report *rep, const struct stack_node *n, FILE *out)
{
	pft_put_text(out, node_name(rep, n), PFT_TEXT_FOLDED, 0);
	if (n->kernel)
		fputs("_[k]", out);
}

static int folded(const struct pft_report *rep, uint32_t node, uint32_t *path, size_t depth,
		  FILE *out)
{
	const struct stack_node *n = &rep->tree.nodes[node];
	uint64_t self = rep->opts.weight_ns ? n->self_ns : n->self; /* --weight */
	uint32_t *kids;
	size_t nr, i;
	int r = 0;

	if (node)
		path[depth++] = node;
	if (self && depth) {
		for (i = 0; i < depth; i++) {
			if (i)
				fputc(';', out);
			put_frame(rep, &rep->tree.nodes[path[i]], out);
		}
		fprintf(out, " %" PRIu64 "\n", self);
	}
	if (!(kids = pft_rep_tree_children(rep, node, &nr)))
		return -1;
	for (i = 0; i < nr && r == 0; i++)
		r = folded(rep, kids[i], path, depth, out);
	free(kids);
	return r;
}

int pft_report_write_folded(const struct pft_report *rep, FILE *out)
{
	/* comm, [truncated], the frames */
	uint32_t *path = malloc((2 * PFT_MAX_FRAMES + 3) * sizeof(*path));
	int r = 0;

	if (!path)
		return -1;
	if (rep->tree.nr)
		r = folded(rep, 0, path, 0, out);
	free(path);
	if (fflush(out) == EOF || ferror(out))
		r = -1;
	return r;
}
