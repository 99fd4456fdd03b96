/* SPDX-License-Identifier: MIT */
/* Raw ring-buffer records to events, by field name (other architectures name fields alike). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <event-parse.h>
#include <kbuffer.h>
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
	struct tep_format_field *f[6]; /* exec: filename; newtask: pid, clone_flags; exit: pid,
					* group_dead; syscall entry: args; exit: ret */
};

struct pft_decoder {
	struct tep_handle *tep;
	struct fault_fields user, kernel;
	int print_id;
	struct tep_format_field *print_buf;
	struct proc_event proc[2 * PFT_SYS_COUNT + 3];
	size_t nr_proc;
	char text[4096];
};

static const char *const sys_names[PFT_SYS_COUNT] = {
	[PFT_SYS_MMAP] = "mmap",		 [PFT_SYS_MUNMAP] = "munmap",
	[PFT_SYS_MPROTECT] = "mprotect",	 [PFT_SYS_PKEY_MPROTECT] = "pkey_mprotect",
	[PFT_SYS_MREMAP] = "mremap",		 [PFT_SYS_BRK] = "brk",
};

static struct proc_event *add_proc(struct pft_decoder *d, const char *sys, const char *name,
				   enum pft_event_type type)
{
	struct tep_event *ev = tep_find_event_by_name(d->tep, sys, name);
	struct proc_event *p;

	if (!ev)
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
	struct proc_event *p;
	char name[64];
	int s, x;

	if ((p = add_proc(d, "sched", "sched_process_exec", PFT_EV_EXEC)))
		p->f[0] = tep_find_any_field(tep_find_event(d->tep, p->id), "filename");
	if ((p = add_proc(d, "task", "task_newtask", PFT_EV_NEWTASK))) {
		p->f[0] = tep_find_field(tep_find_event(d->tep, p->id), "pid");
		p->f[1] = tep_find_field(tep_find_event(d->tep, p->id), "clone_flags");
	}
	if ((p = add_proc(d, "sched", "sched_process_exit", PFT_EV_EXIT))) {
		p->f[0] = tep_find_field(tep_find_event(d->tep, p->id), "pid");
		p->f[1] = tep_find_field(tep_find_event(d->tep, p->id), "group_dead");
	}
	for (s = 0; s < PFT_SYS_COUNT; s++)
		for (x = 0; x < 2; x++) {
			snprintf(name, sizeof(name), "sys_%s_%s", x ? "exit" : "enter", sys_names[s]);
			if (!(p = add_proc(d, "syscalls", name, PFT_EV_SYSCALL)))
				continue;
			p->sys = s;
			p->sys_exit = x;
			syscall_fields(d, p, name);
		}
}

const char *pft_sys_name(enum pft_sys sys)
{
	return sys < PFT_SYS_COUNT ? sys_names[sys] : "?";
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
	find_proc_events(d);
	if (d->user.id < 0 && d->kernel.id < 0) {
		free(d);
		errno = ENOENT;
		return NULL;
	}
	return d;
}

static uint64_t field(struct tep_format_field *f, struct tep_record *rec)
{
	unsigned long long v = 0;

	tep_read_number_field(f, rec->data, &v);
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
}

/* __data_loc strings: a u32 of offset (low 16 bits) and length (high 16 bits). */
static const char *data_loc_str(struct pft_decoder *d, struct tep_format_field *f,
				struct tep_record *rec)
{
	uint64_t loc = f ? field(f, rec) : 0;
	unsigned int off = loc & 0xffff, len = (loc >> 16) & 0xffff;

	if (!f || off + len > (unsigned int)rec->size || len >= sizeof(d->text))
		return "?";
	memcpy(d->text, (char *)rec->data + off, len);
	d->text[len] = '\0';
	return d->text;
}

static void decode_proc(struct pft_decoder *d, const struct proc_event *p, struct tep_record *rec,
			struct pft_event *ev)
{
	int i;

	ev->type = p->type;
	switch (p->type) {
	case PFT_EV_EXEC:
		ev->name = "sched_process_exec";
		ev->text = data_loc_str(d, p->f[0], rec);
		break;
	case PFT_EV_NEWTASK:
		ev->name = "task_newtask";
		ev->child = p->f[0] ? (int)field(p->f[0], rec) : -1;
		ev->clone_flags = p->f[1] ? field(p->f[1], rec) : 0;
		break;
	case PFT_EV_EXIT:
		ev->name = "sched_process_exit";
		ev->group_dead = p->f[1] ? field(p->f[1], rec) != 0 : true;
		break;
	default:
		ev->name = sys_names[p->sys];
		ev->sys = p->sys;
		ev->sys_exit = p->sys_exit;
		for (i = 0; i < 6 && p->f[i]; i++)
			ev->args[i] = field(p->f[i], rec);
		ev->ret = (int64_t)ev->args[0];
		break;
	}
}

void pft_decode(struct pft_decoder *d, struct tep_record *rec, int cpu, struct pft_event *ev)
{
	size_t i;

	int type = tep_data_type(d->tep, rec);
	struct fault_fields *f = type == d->user.id	? &d->user
				 : type == d->kernel.id ? &d->kernel
							: NULL;

	memset(ev, 0, sizeof(*ev));
	ev->ts = rec->ts;
	ev->cpu = cpu;
	ev->tid = tep_data_pid(d->tep, rec);
	ev->tgid = -1;
	if (f && type >= 0) {
		ev->type = f == &d->user ? PFT_EV_FAULT_USER : PFT_EV_FAULT_KERNEL;
		ev->name = f == &d->user ? "page_fault_user" : "page_fault_kernel";
		ev->address = field(f->address, rec);
		ev->ip = field(f->ip, rec);
		ev->error_code = field(f->error_code, rec);
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
 * The record headers of a page, walked without kbuffer (which loops forever on some lengths):
 * a u32 of type_len:5, time_delta:27; type_len 0: the length in the next u32 (itself
 * included); 1-28: type_len * 4 bytes of data; 29: padding, its length in the next u32 (kbuffer
 * reads it even when time_delta is 0, unless no room is left); 30, 31: time stamps, 8 bytes.
 * Every record must advance and end inside the data.
 */
static bool headers_ok(const char *data, uint64_t used)
{
	uint64_t off = 0;

	while (off + 4 <= used) {
		uint32_t h, word = 0;
		uint64_t len;

		memcpy(&h, data + off, 4);
		/* a padding with no room for its length ends the page */
		if ((h & 31) == 29 && !(h >> 5) && off + 8 > used)
			return true;
		if ((h & 31) == 0 || (h & 31) == 29) {
			if (off + 8 > used)
				return false;
			memcpy(&word, data + off + 4, 4);
		}
		switch (h & 31) {
		case 0:
			len = 4 + (uint64_t)word;
			if (word < 4 || word % 4)
				return false;
			break;
		case 29: /* kbuffer reads the length whatever time_delta says */
			len = 4 + (uint64_t)word;
			if (word < 4 || word % 4)
				return false;
			break;
		case 30:
		case 31:
			len = 8;
			break;
		default:
			len = 4 + (uint64_t)(h & 31) * 4;
		}
		if (len > used - off)
			return false;
		off += len;
	}
	return true;
}

bool pft_page_ok(struct kbuffer *kb, void *page, uint32_t page_size)
{
	const char *data = (const char *)page + 16, *end, *prev = NULL;
	unsigned long long ts;
	uint64_t commit, used;
	void *rec;

	if (page_size < 64)
		return false;
	memcpy(&commit, (const char *)page + 8, 8);
	used = commit & ((1u << 27) - 1);
	/* bit 30: the missed-events count is stored after the data */
	if (used > page_size - 16 || ((commit & (1u << 30)) && used + 8 > page_size - 16) ||
	    !headers_ok(data, used))
		return false;
	if (!kb || kbuffer_load_subbuffer(kb, page) < 0)
		return true;
	/* each record's claimed length must stay in the data, and records must move forward:
	 * kbuffer checks neither */
	end = data + used;
	for (rec = kbuffer_read_event(kb, &ts); rec; rec = kbuffer_next_event(kb, &ts)) {
		int size = kbuffer_event_size(kb);

		if ((const char *)rec <= prev || (const char *)rec < data || size < 0 ||
		    (const char *)rec + size > end)
			return false;
		prev = rec;
	}
	return true;
}

void pft_decoder_free(struct pft_decoder *d)
{
	free(d);
}
