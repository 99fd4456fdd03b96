/* SPDX-License-Identifier: MIT */
/* Raw ring-buffer records to events, by field name (other architectures name fields alike). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <event-parse.h>
#include "internal.h"

struct fault_fields {
	int id; /* -1: the event is not in this trace */
	struct tep_format_field *address, *ip, *error_code;
};

/* Process and mapping events, by id. */
struct proc_event {
	int id;
	enum pft_event_type type;
	enum pft_sys sys;
	bool sys_exit;
	const char *name;
	enum pft_cause cause; /* a span's */
	bool span_end;
	enum pft_mark mark;    /* a mark's */
	bool by_symbol;	       /* a mark's value is whether f[0] == symbol */
	long long symbol;
	struct tep_format_field *lock[3]; /* mmap_lock events: mm, write, success */
	struct tep_format_field *f[6]; /* exec: filename; newtask: pid, clone_flags; exit: pid,
					* group_dead; syscall entry: args; exit: ret; switch:
					* prev_pid, prev_state, next_pid; wakeup: pid; signal:
					* sig */
};

/* A common field: offset and size, size 0 if the trace has none. */
struct common {
	int offset, size;
};

struct pft_decoder {
	struct tep_handle *tep;
	/* the file's byte order is the machine's: fields are read in place, not through
	 * libtraceevent's per-call lookups (a third of a trace.dat report's time) */
	bool native;
	struct common type, pid, flags, preempt;
	struct fault_fields user, kernel;
	int print_id;
	struct tep_format_field *print_buf, *print_ip;
	struct proc_event proc[2 * PFT_SYS_COUNT + 4 + 32];
	size_t nr_proc;
	/* ftrace's stacktrace / userstacktrace options: the stack of the event before */
	int kstack_id, ustack_id;
	struct tep_format_field *kstack_size, *kstack_caller, *ustack_caller;
	char text[4096];
};

const char *const pft_sys_names[PFT_SYS_COUNT] = {
    [PFT_SYS_MMAP] = "mmap",	     [PFT_SYS_MUNMAP] = "munmap",
    [PFT_SYS_MPROTECT] = "mprotect", [PFT_SYS_PKEY_MPROTECT] = "pkey_mprotect",
    [PFT_SYS_MREMAP] = "mremap",     [PFT_SYS_BRK] = "brk",
    [PFT_SYS_SHMDT] = "shmdt",
};

static struct proc_event *add_proc(struct pft_decoder *d, const char *sys, const char *name,
				   enum pft_event_type type)
{
	struct tep_event *ev = tep_find_event_by_name(d->tep, sys, name);
	struct proc_event *p;

	if (!ev || d->nr_proc >= sizeof(d->proc) / sizeof(d->proc[0]))
		return NULL;
	p = &d->proc[d->nr_proc++];
	memset(p, 0, sizeof(*p));
	p->id = ev->id;
	p->type = type;
	return p;
}

/* The syscall's own fields, after common_* and __syscall_nr, in order. */
static void syscall_fields(struct pft_decoder *d, struct proc_event *p, const char *name)
{
	struct tep_event *ev = tep_find_event_by_name(d->tep, "syscalls", name);
	struct tep_format_field *f;
	int n = 0;

	for (f = ev->format.fields; f && n < 6; f = f->next)
		if (strcmp(f->name, "__syscall_nr"))
			p->f[n++] = f;
}

static void find_proc_events(struct pft_decoder *d)
{
	const struct pft_why_event *w;
	struct tep_event *ev;
	struct proc_event *p;
	char name[64];
	int s, x;

	if ((p = add_proc(d, "sched", "sched_process_exec", PFT_EV_EXEC)))
		p->f[0] = tep_find_any_field(tep_find_event(d->tep, p->id), "filename");
	if ((p = add_proc(d, "task", "task_newtask", PFT_EV_NEWTASK))) {
		p->f[0] = tep_find_field(tep_find_event(d->tep, p->id), "pid");
		p->f[1] = tep_find_field(tep_find_event(d->tep, p->id), "clone_flags");
		p->f[2] = tep_find_field(tep_find_event(d->tep, p->id), "comm");
	}
	if ((p = add_proc(d, "signal", "signal_deliver", PFT_EV_SIGNAL)))
		p->f[0] = tep_find_field(tep_find_event(d->tep, p->id), "sig");
	if ((p = add_proc(d, "sched", "sched_process_exit", PFT_EV_EXIT))) {
		p->f[0] = tep_find_field(tep_find_event(d->tep, p->id), "pid");
		p->f[1] = tep_find_field(tep_find_event(d->tep, p->id), "group_dead");
	}
	for (w = pft_why_events; w->name; w++) {
		if (!(p = add_proc(d, w->sys, w->name, w->type)))
			continue;
		ev = tep_find_event(d->tep, p->id);
		p->name = w->name;
		p->cause = w->cause;
		p->span_end = w->end;
		if (w->type == PFT_EV_SPAN && w->field)
			p->f[0] = tep_find_field(ev, w->field);
		if (!strcmp(w->sys, "mmap_lock")) {
			p->lock[0] = tep_find_field(ev, "mm");
			p->lock[1] = tep_find_field(ev, "write");
			p->lock[2] = tep_find_field(ev, "success");
		}
		if (w->type == PFT_EV_SWITCH) {
			p->f[0] = tep_find_field(ev, "prev_pid");
			p->f[1] = tep_find_field(ev, "prev_state");
			p->f[2] = tep_find_field(ev, "next_pid");
		} else if (w->type == PFT_EV_WAKEUP) {
			p->f[0] = tep_find_field(ev, "pid");
		} else if (w->type == PFT_EV_MARK) {
			p->mark = w->mark;
			p->f[0] = w->field ? tep_find_field(ev, w->field) : NULL;
			p->f[1] = w->field2 ? tep_find_field(ev, w->field2) : NULL;
			/* a symbol this kernel does not print: no event is that step */
			p->by_symbol = w->symbol != NULL;
			if (w->symbol && pft_event_symbol(ev, w->field, w->symbol, &p->symbol) < 0)
				p->f[0] = NULL;
		}
	}
	for (s = 0; s < PFT_SYS_COUNT; s++)
		for (x = 0; x < 2; x++) {
			snprintf(name, sizeof(name), "sys_%s_%s", x ? "exit" : "enter",
				 pft_sys_names[s]);
			if (!(p = add_proc(d, "syscalls", name, PFT_EV_SYSCALL)))
				continue;
			p->sys = s;
			p->sys_exit = x;
			syscall_fields(d, p, name);
		}
}

static void find_fault(struct tep_handle *tep, const char *name, struct fault_fields *f)
{
	struct tep_event *ev = tep_find_event_by_name(tep, "exceptions", name);

	f->id = -1;
	if (!ev)
		return;
	f->address = tep_find_field(ev, "address");
	f->ip = tep_find_field(ev, "ip");
	f->error_code = tep_find_field(ev, "error_code");
	if (f->address && f->ip && f->error_code)
		f->id = ev->id;
}

static uint64_t field(const struct pft_decoder *d, const struct tep_format_field *f,
		      const struct tep_record *rec);

/* size bytes at p, as the machine's number (the file's order is the machine's) */
static uint64_t native_at(const char *p, int size)
{
	uint64_t v8;
	uint32_t v4;
	uint16_t v2;

	switch (size) {
	case 8:
		memcpy(&v8, p, 8);
		return v8;
	case 4:
		memcpy(&v4, p, 4);
		return v4;
	case 2:
		memcpy(&v2, p, 2);
		return v2;
	default:
		return (uint8_t)*p;
	}
}

static void find_common(struct tep_handle *tep, struct pft_decoder *d)
{
	static const char *const names[] = {"common_type", "common_pid", "common_flags",
					    "common_preempt_count"};
	struct common *c[] = {&d->type, &d->pid, &d->flags, &d->preempt};
	/* any event has them: a fault's, else (arm64: faults are perf's) the first there is */
	int id = d->user.id >= 0 ? d->user.id : d->kernel.id;
	struct tep_event *ev = id >= 0 ? tep_find_event(tep, id) : tep_get_first_event(tep);
	size_t i;

	d->native = ev && tep_is_file_bigendian(tep) == tep_is_local_bigendian(tep);
	for (i = 0; ev && i < 4; i++) {
		struct tep_format_field *f = tep_find_common_field(ev, names[i]);
		int size = f ? f->size : 0;

		if (f && f->offset >= 0 && (size == 1 || size == 2 || size == 4 || size == 8))
			*c[i] = (struct common){f->offset, size};
		else if (i < 2)
			d->native = false; /* type and pid: libtraceevent's way, then */
	}
}

/* A common field's value, -1 if the record does not hold it. */
static int common_at(const struct common *c, const struct tep_record *rec)
{
	if (!c->size || c->offset + c->size > rec->size)
		return -1;
	return (int)native_at((const char *)rec->data + c->offset, c->size);
}

/* common_type (u16) and common_pid (i32 at 4) must be inside the record */
static int event_type(const struct pft_decoder *d, struct tep_record *rec)
{
	if (rec->size < 8)
		return -1;
	return d->native ? common_at(&d->type, rec) : tep_data_type(d->tep, rec);
}

static void find_stacks(struct pft_decoder *d)
{
	struct tep_event *k = tep_find_event_by_name(d->tep, "ftrace", "kernel_stack");
	struct tep_event *u = tep_find_event_by_name(d->tep, "ftrace", "user_stack");

	d->kstack_id = d->ustack_id = -1;
	if (k && (d->kstack_size = tep_find_field(k, "size")) &&
	    (d->kstack_caller = tep_find_field(k, "caller")))
		d->kstack_id = k->id;
	if (u && (d->ustack_caller = tep_find_field(u, "caller")))
		d->ustack_id = u->id;
}

int pft_decode_stack(struct pft_decoder *d, struct tep_record *rec, uint64_t *ips, size_t max,
		     bool *user)
{
	int type = event_type(d, rec);
	struct tep_format_field *caller;
	size_t n, i, room;
	uint64_t v;

	if (type < 0 || (type != d->kstack_id && type != d->ustack_id))
		return -1;
	*user = type == d->ustack_id;
	caller = *user ? d->ustack_caller : d->kstack_caller;
	if (caller->offset < 0 || caller->offset > rec->size)
		return 0;
	/* the kernel's stack has "size" entries (the record is that long); the user's, 8 that
	 * end at the first 0; never past the record */
	room = (size_t)(rec->size - caller->offset) / 8;
	n = *user ? room : field(d, d->kstack_size, rec);
	if (n > room)
		n = room;
	if (n > max)
		n = max;
	for (i = 0; i < n; i++) {
		memcpy(&v, (const char *)rec->data + caller->offset + 8 * i, 8);
		if (!v || v == UINT64_MAX)
			break;
		ips[i] = v;
	}
	return (int)i;
}

int pft_format_symbol(const char *text, size_t len, const char *field, const char *symbol,
		      long long *value)
{
	char want[80], sym[80];
	const char *p, *end = text + len, *q;
	char *num_end;

	snprintf(want, sizeof(want), "__print_symbolic(REC->%s,", field);
	snprintf(sym, sizeof(sym), "\"%s\"", symbol);
	p = memmem(text, len, want, strlen(want));
	/* "{ N, "SYMBOL" }" within the call: N is what it names */
	for (q = p; q && (q = memmem(q, (size_t)(end - q), sym, strlen(sym))); q++) {
		const char *brace = q;

		while (brace > p && *brace != '{' && *brace != '}')
			brace--;
		if (*brace != '{')
			continue;
		errno = 0;
		*value = strtoll(brace + 1, &num_end, 0);
		while (*num_end == ' ')
			num_end++;
		if (!errno && num_end != brace + 1 && *num_end == ',')
			return 0;
	}
	errno = ENOENT;
	return -1;
}

int pft_event_symbol(const struct tep_event *ev, const char *field, const char *symbol,
		     long long *value)
{
	const struct tep_print_arg *a;
	const struct tep_print_flag_sym *s;
	char *end;

	for (a = ev ? ev->print_fmt.args : NULL; a; a = a->next) {
		if (a->type != TEP_PRINT_SYMBOL || !a->symbol.field ||
		    a->symbol.field->type != TEP_PRINT_FIELD || !a->symbol.field->field.name ||
		    strcmp(a->symbol.field->field.name, field))
			continue;
		for (s = a->symbol.symbols; s; s = s->next)
			if (s->str && s->value && !strcmp(s->str, symbol)) {
				errno = 0;
				*value = strtoll(s->value, &end, 0);
				if (!errno && end != s->value && !*end)
					return 0;
			}
	}
	errno = ENOENT;
	return -1;
}

/* The trace has events the decoder makes into this type. */
static bool has_type(const struct pft_decoder *d, enum pft_event_type type)
{
	size_t i;

	for (i = 0; i < d->nr_proc; i++)
		if (d->proc[i].type == type)
			return true;
	return false;
}

bool pft_decoder_has_signals(const struct pft_decoder *d)
{
	return has_type(d, PFT_EV_SIGNAL);
}

bool pft_decoder_has_why_full(const struct pft_decoder *d)
{
	size_t i;

	for (i = 0; i < d->nr_proc; i++)
		if (d->proc[i].type == PFT_EV_MARK && d->proc[i].mark == PFT_MARK_SWAP_IN &&
		    d->proc[i].f[0])
			return true;
	return false;
}

bool pft_decoder_has_why(const struct pft_decoder *d)
{
	return has_type(d, PFT_EV_SWITCH);
}

bool pft_decoder_wants(const char *sys, const char *name)
{
	static const char *const events[][2] = {
	    {"exceptions", "page_fault_user"},
	    {"exceptions", "page_fault_kernel"},
	    {"ftrace", "print"},
	    {"ftrace", "kernel_stack"},
	    {"ftrace", "user_stack"},
	    {"sched", "sched_process_exec"},
	    {"sched", "sched_process_exit"},
	    {"task", "task_newtask"},
	    {"signal", "signal_deliver"},
	};
	size_t i;
	int s;

	for (i = 0; i < sizeof(events) / sizeof(*events); i++)
		if (!strcmp(sys, events[i][0]) && !strcmp(name, events[i][1]))
			return true;
	if (pft_why_event_find(sys, name))
		return true;
	if (strcmp(sys, "syscalls") ||
	    (strncmp(name, "sys_enter_", 10) && strncmp(name, "sys_exit_", 9)))
		return false;
	name += name[4] == 'e' && name[5] == 'n' ? 10 : 9;
	for (s = 0; s < PFT_SYS_COUNT; s++)
		if (!strcmp(name, pft_sys_names[s]))
			return true;
	return false;
}

struct pft_decoder *pft_decoder_new(struct tep_handle *tep)
{
	struct pft_decoder *d = calloc(1, sizeof(*d));
	struct tep_event *print;

	if (!d)
		return NULL;
	d->tep = tep;
	find_fault(tep, "page_fault_user", &d->user);
	find_fault(tep, "page_fault_kernel", &d->kernel);
	d->print_id = -1;
	print = tep_find_event_by_name(tep, "ftrace", "print");
	if (print && (d->print_buf = tep_find_field(print, "buf")))
		d->print_id = print->id;
	if (print)
		d->print_ip = tep_find_field(print, "ip");
	find_proc_events(d);
	find_stacks(d);
	find_common(tep, d);
	return d;
}

/* A field's value; 0 where the record is too short to hold it (libtraceevent does not check). */
static uint64_t field(const struct pft_decoder *d, const struct tep_format_field *f,
		      const struct tep_record *rec)
{
	unsigned long long v = 0;

	if (f->offset < 0 || f->size <= 0 || f->offset + f->size > rec->size)
		return 0;
	if (d->native && (f->size == 1 || f->size == 2 || f->size == 4 || f->size == 8))
		return native_at((const char *)rec->data + f->offset, f->size);
	tep_read_number_field((struct tep_format_field *)f, rec->data, &v);
	return v;
}

static void marker_text(struct pft_decoder *d, struct tep_record *rec, struct pft_event *ev)
{
	int off = d->print_buf->offset;
	long n = rec->size > off ? (long)rec->size - off : 0;

	if ((size_t)n >= sizeof(d->text))
		n = (long)sizeof(d->text) - 1;
	memcpy(d->text, (char *)rec->data + off, n);
	d->text[n] = '\0';
	n = strlen(d->text);
	while (n && d->text[n - 1] == '\n')
		d->text[--n] = '\0';
	ev->text = d->text;
	ev->ip = d->print_ip ? field(d, d->print_ip, rec) : 0;
}

/* __data_loc strings: a u32 of offset (low 16 bits) and length (high 16 bits). */
static const char *data_loc_str(struct pft_decoder *d, struct tep_format_field *f,
				struct tep_record *rec)
{
	uint64_t loc = f ? field(d, f, rec) : 0;
	unsigned int off = loc & 0xffff, len = (loc >> 16) & 0xffff;

	if (!f || off + len > (unsigned int)rec->size || len >= sizeof(d->text))
		return "?";
	memcpy(d->text, (char *)rec->data + off, len);
	d->text[len] = '\0';
	return d->text;
}

/* char comm[16]: a fixed array, NUL-terminated inside it (or cut there). */
static const char *fixed_str(struct pft_decoder *d, struct tep_format_field *f,
			     struct tep_record *rec)
{
	int n;

	if (!f || f->offset < 0 || f->size <= 0 || f->offset + f->size > rec->size ||
	    (size_t)f->size >= sizeof(d->text))
		return NULL;
	memcpy(d->text, (char *)rec->data + f->offset, f->size);
	d->text[f->size] = '\0';
	n = (int)strlen(d->text);
	return n ? d->text : NULL;
}

/* In a hard or soft interrupt, or an NMI: the task the record names was interrupted. */
static bool in_interrupt(struct pft_decoder *d, struct tep_record *rec)
{
	int flags = d->native ? common_at(&d->flags, rec) : tep_data_flags(d->tep, rec);

	return flags > 0 && (flags & (TRACE_FLAG_HARDIRQ | TRACE_FLAG_SOFTIRQ | 0x40));
}

static void decode_proc(struct pft_decoder *d, const struct proc_event *p, struct tep_record *rec,
			struct pft_event *ev)
{
	int i;

	ev->type = p->type;
	if (p->lock[0]) {
		ev->lock_mm = field(d, p->lock[0], rec);
		ev->lock_write = p->lock[1] && field(d, p->lock[1], rec);
		ev->lock_success = p->lock[2] && field(d, p->lock[2], rec);
	}
	switch (p->type) {
	case PFT_EV_EXEC:
		ev->name = "sched_process_exec";
		ev->text = data_loc_str(d, p->f[0], rec);
		break;
	case PFT_EV_NEWTASK:
		ev->name = "task_newtask";
		ev->child = p->f[0] ? (int)field(d, p->f[0], rec) : -1;
		ev->clone_flags = p->f[1] ? field(d, p->f[1], rec) : 0;
		ev->text = fixed_str(d, p->f[2], rec);
		break;
	case PFT_EV_SIGNAL:
		ev->name = "signal_deliver";
		ev->args[0] = p->f[0] ? field(d, p->f[0], rec) : 0;
		break;
	case PFT_EV_EXIT:
		ev->name = "sched_process_exit";
		ev->group_dead = p->f[1] ? field(d, p->f[1], rec) != 0 : true;
		break;
	case PFT_EV_SWITCH:
		ev->name = "sched_switch";
		if (p->f[0])
			ev->tid = (int)field(d, p->f[0], rec);
		ev->state = p->f[1] ? pft_task_state(field(d, p->f[1], rec)) : PFT_STATE_SLEEP;
		ev->child = p->f[2] ? (int)field(d, p->f[2], rec) : -1;
		break;
	case PFT_EV_WAKEUP:
		ev->name = "sched_waking";
		ev->atomic = in_interrupt(d, rec);
		ev->child = p->f[0] ? (int)field(d, p->f[0], rec) : -1;
		break;
	case PFT_EV_SPAN:
		ev->name = p->name;
		ev->cause = p->cause;
		ev->span_end = p->span_end;
		ev->args[0] = p->f[0] ? field(d, p->f[0], rec) : 0;
		break;
	case PFT_EV_MARK:
		ev->name = p->name;
		ev->mark = p->mark;
		ev->args[0] = p->f[0] ? field(d, p->f[0], rec) : 0;
		ev->args[1] = p->f[1] ? field(d, p->f[1], rec) : 0;
		if (p->by_symbol)
			ev->args[0] = p->f[0] && (long long)ev->args[0] == p->symbol;
		break;
	default:
		ev->name = pft_sys_names[p->sys];
		ev->sys = p->sys;
		ev->sys_exit = p->sys_exit;
		for (i = 0; i < 6 && p->f[i]; i++)
			ev->args[i] = field(d, p->f[i], rec);
		ev->ret = (int64_t)ev->args[0];
		break;
	}
}

/* Preempt depth (the low nibble; the high one counts migrate-disable) or an interrupt. */
static bool atomic(struct pft_decoder *d, struct tep_record *rec)
{
	int pc = d->native ? common_at(&d->preempt, rec) : tep_data_preempt_count(d->tep, rec);

	return (pc > 0 && (pc & 0xf)) || in_interrupt(d, rec);
}

void pft_decode(struct pft_decoder *d, struct tep_record *rec, int cpu, struct pft_event *ev)
{
	int type = event_type(d, rec);
	struct fault_fields *f = type == d->user.id	? &d->user
				 : type == d->kernel.id ? &d->kernel
							: NULL;
	size_t i;

	memset(ev, 0, sizeof(*ev));
	ev->ts = rec->ts;
	ev->cpu = cpu;
	ev->tid = rec->size < 8 ? -1
		  : d->native	? common_at(&d->pid, rec)
				: tep_data_pid(d->tep, rec);
	ev->tgid = -1;
	if (f && type >= 0) {
		ev->type = f == &d->user ? PFT_EV_FAULT_USER : PFT_EV_FAULT_KERNEL;
		ev->name = f == &d->user ? "page_fault_user" : "page_fault_kernel";
		ev->address = field(d, f->address, rec);
		ev->ip = field(d, f->ip, rec);
		ev->error_code = field(d, f->error_code, rec);
		ev->atomic = atomic(d, rec);
		return;
	}
	if (type == d->print_id && type >= 0) {
		ev->type = PFT_EV_MARKER;
		ev->name = "print";
		marker_text(d, rec, ev);
		return;
	}
	ev->type = PFT_EV_OTHER;
	ev->name = "other";
	for (i = 0; i < d->nr_proc; i++)
		if (d->proc[i].id == type) {
			decode_proc(d, &d->proc[i], rec, ev);
			return;
		}
}

/*
 * Ring-buffer pages, walked by pftrace itself. libtraceevent's kbuffer trusts every length in a
 * page: a padding or data length that does not move forward makes it loop for ever, and nothing
 * stops it reading past the page. This walk follows kbuffer's arithmetic step for step (its
 * 32-bit offsets included), so that a page it accepts is one on which kbuffer ends, reads only
 * inside the page and returns the same records (the page fuzz target checks both, record by
 * record). A record header is a u32 of type_len:5, time_delta:27:
 *   0      a data record; its length (itself included) in the next u32, rounded up to 4
 *   1..28  a data record of type_len * 4 bytes
 *   29     padding: kbuffer reads the next u32 as the length of what follows it
 *   30     time extend: the next u32 holds the delta's high bits
 *   31     absolute time stamp (the same layout; the top 5 bits of the old time stay)
 */
#define PAGE_HDR    16 /* u64 time stamp, long (8 bytes here) commit */
#define COMMIT_MASK ((1u << 27) - 1)
#define MISSED	    (1ull << 31)
#define MISSED_KEPT (1ull << 30)
#define TS_SHIFT    27
#define TS_MSB	    (0xf8ull << 56)

static uint32_t u32_at(const char *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

int pft_page_open(struct pft_page *it, const void *page, uint32_t page_size)
{
	uint64_t commit;

	memset(it, 0, sizeof(*it));
	if (page_size < 64)
		return -1;
	memcpy(&it->ts, page, 8);
	memcpy(&commit, (const char *)page + 8, 8);
	it->data = (const char *)page + PAGE_HDR;
	it->cap = page_size - PAGE_HDR;
	it->used = (uint32_t)(commit & COMMIT_MASK);
	it->missed = (commit & MISSED) != 0;
	/* kbuffer reads the missed-events count after the data */
	if (it->used > it->cap || ((commit & MISSED_KEPT) && it->used + 8 > it->cap))
		return -1;
	if (commit & MISSED_KEPT) {
		uint64_t n;

		memcpy(&n, it->data + it->used, 8);
		it->lost = n > INT64_MAX ? -1 : (int64_t)n;
	} else {
		it->lost = it->missed ? -1 : 0;
	}
	return 0;
}

int pft_page_next(struct pft_page *it, struct pft_page_rec *rec)
{
	for (;;) {
		uint32_t h, type, word = 0, index, curr = it->next;
		uint64_t delta;
		int length;

		if (curr >= it->used)
			return 0;
		if (curr + 4 > it->cap)
			return -1;
		h = u32_at(it->data + curr);
		type = h & 31;
		delta = h >> 5;
		if (type == 0 || type >= 29) {
			if (curr + 8 > it->cap)
				return -1;
			word = u32_at(it->data + curr + 4);
		}
		switch (type) {
		case 29:
			length = (int)word;
			index = curr + 4;
			break;
		case 30:
		case 31:
			delta += (uint64_t)word << TS_SHIFT;
			if (type == 31)
				delta |= it->ts & TS_MSB;
			length = 0;
			index = curr + 8;
			break;
		case 0:
			/* kbuffer: length = word - 4, rounded up to 4, in an int (wrapping, as its
			 * compiled code does: the same bits, here without the undefined overflow)
			 */
			length = (int)((word - 4 + 3) & ~3u);
			index = curr + 8;
			break;
		default:
			length = (int)(type * 4);
			index = curr + 4;
		}
		it->ts = type == 31 ? delta : it->ts + delta;
		it->next = index + (uint32_t)length;
		/* kbuffer's next step starts at next: behind or at curr, it would go round for ever
		 */
		if (it->next <= curr)
			return -1;
		if (type >= 29)
			continue;
		/* a data record: kbuffer hands out next - index bytes, all of them in the data */
		if (it->next > it->used)
			return -1;
		rec->ts = it->ts;
		rec->data = (void *)(it->data + index);
		rec->size = (int)(it->next - index);
		rec->first = !curr;
		return 1;
	}
}

void pft_decoder_free(struct pft_decoder *d)
{
	free(d);
}
