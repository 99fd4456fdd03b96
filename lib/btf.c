/* SPDX-License-Identifier: MIT */
/*
 * The kernel's own enums by name (BTF), for the --why events whose values print as numbers
 * (memcg:mod_memcg_lruvec_state's item is an enum node_stat_item: its numbers move between
 * kernel versions, and its format says only "item=%d"). The number is read from
 * /sys/kernel/btf/vmlinux with libbpf, and the event's format is given a print format that
 * names it, so that the decoders, the trace.dat and trace-cmd read the symbol as they read
 * any __print_symbolic() (see pft_event_symbol).
 */
#include <bpf/btf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

int pft_btf_enum(const char *type, const char *member, long long *value)
{
	struct btf *btf = btf__load_vmlinux_btf();
	const struct btf_type *t;
	const struct btf_enum *e;
	int id, i, ret = -1;

	if (!btf) {
		errno = ENOENT;
		return -1;
	}
	id = btf__find_by_name_kind(btf, type, BTF_KIND_ENUM);
	t = id > 0 ? btf__type_by_id(btf, id) : NULL;
	errno = ENOENT;
	for (i = 0, e = t ? btf_enum(t) : NULL; e && i < btf_vlen(t); i++, e++)
		if (!strcmp(btf__name_by_offset(btf, e->name_off), member)) {
			*value = e->val;
			ret = 0;
			break;
		}
	btf__free(btf);
	return ret;
}

char *pft_why_format(const struct pft_why_event *w, const char *text, size_t len, size_t *out_len)
{
	const char *print = memmem(text, len, "\nprint fmt:", 11);
	long long v;
	char *out;
	int n;

	if (!w->btf_enum || !print) {
		errno = ENOENT;
		return NULL;
	}
	if (pft_btf_enum(w->btf_enum, w->symbol, &v) < 0)
		return NULL;
	n = (int)(print + 1 - text);
	if (asprintf(&out, "%.*sprint fmt: \"%s=%%s\", __print_symbolic(REC->%s, { %lld, \"%s\" })\n",
		     n, text, w->field, w->field, v, w->symbol) < 0)
		return NULL;
	*out_len = strlen(out);
	return out;
}
