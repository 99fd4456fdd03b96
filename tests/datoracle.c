/* SPDX-License-Identifier: MIT */
/*
 * pftrace's trace.dat reader against libtracecmd's, on the same files: every event of every
 * CPU of every buffer, decoded from libtracecmd's records by the same decoder, must be the one
 * pftrace's reader gives, in the same order, with the same stacks.
 *
 *   tests/datoracle FILE...   prints "FILE: N events, identical" per file; exit 1 on the first
 *                             difference (printed), 2 if a file cannot be read by either.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <trace-cmd.h>
#include "../lib/internal.h"

struct tc_stream {
	struct tracecmd_input *h;
	struct pft_decoder *dec;
	struct tep_handle *tep;
	int cpu;
	struct tep_record *rec;
};

struct tc {
	struct tracecmd_input *top, *handles[256];
	struct pft_decoder *decs[257];
	int nr_handles, nr_decs;
	struct tc_stream s[4096];
	int n;
	uint64_t ips[2][PFT_MAX_FRAMES];
};

static void add(struct tc *t, struct tracecmd_input *h)
{
	struct tep_handle *tep = tracecmd_get_tep(h);
	struct pft_decoder *dec = pft_decoder_new(tep);
	int cpu;

	if (!dec)
		return;
	t->decs[t->nr_decs++] = dec;
	for (cpu = 0; cpu < 256 && t->n < 4096; cpu++) { /* no count is exported: NULL past it */
		struct tep_record *rec = tracecmd_read_cpu_first(h, cpu);

		if (rec)
			t->s[t->n++] = (struct tc_stream){h, dec, tep, cpu, rec};
	}
}

/* The next event as pftrace's reader makes it: the stacks after a fault are the fault's. */
static int tc_next(struct tc *t, struct pft_event *ev, struct tep_record **hold)
{
	struct tc_stream *s = NULL;
	uint64_t tmp[PFT_MAX_FRAMES];
	bool user;
	int i, n;

	if (*hold)
		tracecmd_free_record(*hold);
	*hold = NULL;
	for (i = 0; i < t->n; i++)
		if (t->s[i].rec && (!s || t->s[i].rec->ts < s->rec->ts))
			s = &t->s[i];
	if (!s)
		return 0;
	*hold = s->rec;
	pft_decode(s->dec, s->rec, s->cpu, ev);
	s->rec = tracecmd_read_data(s->h, s->cpu);
	if (ev->type != PFT_EV_FAULT_USER && ev->type != PFT_EV_FAULT_KERNEL)
		return 1;
	while (s->rec && (n = pft_decode_stack(s->dec, s->rec, tmp, PFT_MAX_FRAMES, &user)) >= 0) {
		memcpy(t->ips[user], tmp, (size_t)n * sizeof(*tmp));
		*(user ? &ev->ustack : &ev->kstack) = (struct pft_stack){(size_t)n, t->ips[user]};
		tracecmd_free_record(s->rec);
		s->rec = tracecmd_read_data(s->h, s->cpu);
	}
	return 1;
}

static bool same_stack(const struct pft_stack *a, const struct pft_stack *b)
{
	return a->nr == b->nr && (!a->nr || !memcmp(a->ips, b->ips, a->nr * sizeof(*a->ips)));
}

static bool same(const struct pft_event *a, const struct pft_event *b)
{
	return a->type == b->type && a->ts == b->ts && a->cpu == b->cpu && a->tid == b->tid &&
	       a->address == b->address && a->ip == b->ip && a->error_code == b->error_code &&
	       same_stack(&a->kstack, &b->kstack) && same_stack(&a->ustack, &b->ustack);
}

static int check(const char *path)
{
	struct tc *t = calloc(1, sizeof(*t));
	struct pft_source *src = pft_source_open(path);
	struct tep_record *hold = NULL;
	struct pft_event ours, theirs;
	uint64_t n = 0;
	int i, r1, r2, ret = 2;

	if (!t || !src) {
		fprintf(stderr, "%s: pftrace cannot read it\n", path);
		goto out;
	}
	t->top =
	    tracecmd_open(path, TRACECMD_FL_LOAD_NO_PLUGINS | TRACECMD_FL_LOAD_NO_SYSTEM_PLUGINS);
	if (!t->top) {
		fprintf(stderr, "%s: libtracecmd cannot read it\n", path);
		goto out;
	}
	add(t, t->top);
	for (i = 0; i < tracecmd_buffer_instances(t->top); i++) {
		struct tracecmd_input *h = tracecmd_buffer_instance_handle(t->top, i);

		if (h && t->nr_handles < 256) {
			t->handles[t->nr_handles++] = h;
			add(t, h);
		}
	}
	ret = 1;
	for (;;) {
		memset(&ours, 0, sizeof(ours));
		memset(&theirs, 0, sizeof(theirs));
		/* pftrace's own perf records are not libtracecmd's to read */
		do
			r1 = pft_source_next(src, &ours);
		while (r1 > 0 && ours.type != PFT_EV_FAULT_USER &&
		       ours.type != PFT_EV_FAULT_KERNEL && ours.cpu < 0);
		r2 = tc_next(t, &theirs, &hold);
		if (r1 < 0 || r1 != r2) {
			printf("%s: event %" PRIu64 ": pftrace %s, libtracecmd %s\n", path, n,
			       r1 < 0 ? "fails"
			       : r1   ? "has one"
				      : "has ended",
			       r2 ? "has one" : "has ended");
			goto out;
		}
		if (!r1)
			break;
		if (!same(&ours, &theirs)) {
			printf("%s: event %" PRIu64 " differs: pftrace type %d ts %" PRIu64
			       " cpu %d tid %d addr 0x%" PRIx64 ", libtracecmd type %d ts %" PRIu64
			       " cpu %d tid %d addr 0x%" PRIx64 "\n",
			       path, n, ours.type, ours.ts, ours.cpu, ours.tid, ours.address,
			       theirs.type, theirs.ts, theirs.cpu, theirs.tid, theirs.address);
			goto out;
		}
		n++;
	}
	printf("%s: %" PRIu64 " events, identical\n", path, n);
	ret = 0;
out:
	if (hold)
		tracecmd_free_record(hold);
	if (t) {
		for (i = 0; i < t->n; i++)
			if (t->s[i].rec)
				tracecmd_free_record(t->s[i].rec);
		for (i = 0; i < t->nr_decs; i++)
			pft_decoder_free(t->decs[i]);
		for (i = 0; i < t->nr_handles; i++)
			tracecmd_close(t->handles[i]);
		if (t->top)
			tracecmd_close(t->top);
	}
	free(t);
	pft_source_close(src);
	return ret;
}

int main(int argc, char **argv)
{
	int i, r, worst = 0;

	tracecmd_set_loglevel(TEP_LOG_NONE);
	for (i = 1; i < argc; i++)
		if ((r = check(argv[i])) > worst)
			worst = r;
	return worst;
}
