/* SPDX-License-Identifier: MIT */
/* tid -> comm, for sources whose records carry no comm (the live ring buffer). */
#include <stdlib.h>
#include <string.h>
#include "internal.h"

struct pft_comms {
	struct pft_hmap index; /* tid -> entry */
	struct entry {
		int tid;
		char comm[32];
	} * e;
	size_t nr, cap;
};

struct pft_comms *pft_comms_new(void)
{
	return calloc(1, sizeof(struct pft_comms));
}

const char *pft_comms_get(const struct pft_comms *c, int tid)
{
	uint32_t i;

	return pft_hmap_get(&c->index, (uint64_t)(uint32_t)tid, 0, &i) ? c->e[i].comm : NULL;
}

int pft_comms_set(struct pft_comms *c, int tid, const char *comm)
{
	uint32_t i;
	int r = pft_hmap_put(&c->index, (uint64_t)(uint32_t)tid, 0, (uint32_t)c->nr, &i);

	if (r < 0)
		return -1;
	if (r == 1) {
		if (pft_grow((void **)&c->e, &c->cap, c->nr + 1, sizeof(*c->e)) < 0)
			return -1;
		c->e[c->nr++].tid = tid;
	}
	snprintf(c->e[i].comm, sizeof(c->e[i].comm), "%s", comm);
	return 0;
}

size_t pft_comms_count(const struct pft_comms *c)
{
	return c->nr;
}

void pft_comms_at(const struct pft_comms *c, size_t i, int *tid, const char **comm)
{
	*tid = c->e[i].tid;
	*comm = c->e[i].comm;
}

void pft_comms_free(struct pft_comms *c)
{
	if (!c)
		return;
	pft_hmap_release(&c->index);
	free(c->e);
	free(c);
}
