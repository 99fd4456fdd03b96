/* SPDX-License-Identifier: MIT */
/* Raw ring-buffer records to events, by field name (other architectures name fields alike). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <event-parse.h>
#include "internal.h"

struct fault_fields {
	int id; /* -1: the event is not in this trace */
	struct tep_format_field *address, *ip, *error_code;
};

struct pft_decoder {
	struct tep_handle *tep;
	struct fault_fields user, kernel;
	int print_id;
	struct tep_format_field *print_buf;
	char text[4096];
};

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
	int off = d->print_buf->offset, n = rec->size - off;

	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof(d->text))
		n = sizeof(d->text) - 1;
	memcpy(d->text, (char *)rec->data + off, n);
	d->text[n] = '\0';
	n = strlen(d->text);
	while (n && d->text[n - 1] == '\n')
		d->text[--n] = '\0';
	ev->text = d->text;
}

void pft_decode(struct pft_decoder *d, struct tep_record *rec, int cpu, struct pft_event *ev)
{
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
}

void pft_decoder_free(struct pft_decoder *d)
{
	free(d);
}
