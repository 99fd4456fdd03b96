/* SPDX-License-Identifier: MIT */
/* Small containers: a 128-bit-key hash map and a growable array. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

static inline uint64_t mix(uint64_t a, uint64_t b)
{
	uint64_t x = a * 0x9e3779b97f4a7c15ull ^ (b + 0x632be59bd9b4e019ull + (a << 6));

	x ^= x >> 31;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 29;
	return x;
}

static int rehash(struct pft_hmap *h, size_t cap)
{
	struct pft_hslot *slots = malloc(cap * sizeof(*slots));
	size_t i;

	if (!slots) {
		errno = ENOMEM;
		return -1;
	}
	for (i = 0; i < cap; i++)
		slots[i].val = PFT_HMAP_EMPTY;
	for (i = 0; i < h->cap; i++) {
		size_t j;

		if (h->slots[i].val == PFT_HMAP_EMPTY)
			continue;
		j = mix(h->slots[i].a, h->slots[i].b) & (cap - 1);
		while (slots[j].val != PFT_HMAP_EMPTY)
			j = (j + 1) & (cap - 1);
		slots[j] = h->slots[i];
	}
	free(h->slots);
	h->slots = slots;
	h->cap = cap;
	return 0;
}

int pft_hmap_put(struct pft_hmap *h, uint64_t a, uint64_t b, uint32_t v, uint32_t *out)
{
	size_t j;

	/* keep the load under 3/4: probes stay short on the hot path */
	if ((h->len + 1) * 4 > h->cap * 3 && rehash(h, h->cap ? h->cap * 2 : 64) < 0)
		return -1;
	j = mix(a, b) & (h->cap - 1);
	while (h->slots[j].val != PFT_HMAP_EMPTY) {
		if (h->slots[j].a == a && h->slots[j].b == b) {
			*out = h->slots[j].val;
			return 0;
		}
		j = (j + 1) & (h->cap - 1);
	}
	h->slots[j] = (struct pft_hslot){a, b, v};
	h->len++;
	*out = v;
	return 1;
}

int pft_hmap_set(struct pft_hmap *h, uint64_t a, uint64_t b, uint32_t v)
{
	uint32_t old;
	size_t j;
	int r = pft_hmap_put(h, a, b, v, &old);

	if (r != 0)
		return r < 0 ? -1 : 0;
	for (j = mix(a, b) & (h->cap - 1); h->slots[j].a != a || h->slots[j].b != b;)
		j = (j + 1) & (h->cap - 1);
	h->slots[j].val = v;
	return 0;
}

int pft_hmap_get(const struct pft_hmap *h, uint64_t a, uint64_t b, uint32_t *out)
{
	size_t j;

	if (!h->cap)
		return 0;
	j = mix(a, b) & (h->cap - 1);
	while (h->slots[j].val != PFT_HMAP_EMPTY) {
		if (h->slots[j].a == a && h->slots[j].b == b) {
			*out = h->slots[j].val;
			return 1;
		}
		j = (j + 1) & (h->cap - 1);
	}
	return 0;
}

void pft_hmap_release(struct pft_hmap *h)
{
	free(h->slots);
	memset(h, 0, sizeof(*h));
}

int pft_grow(void **arr, size_t *cap, size_t n, size_t elem)
{
	size_t ncap = *cap ? *cap : 16;
	void *p;

	if (n <= *cap)
		return 0;
	while (ncap < n)
		ncap *= 2;
	p = realloc(*arr, ncap * elem);
	if (!p) {
		errno = ENOMEM;
		return -1;
	}
	*arr = p;
	*cap = ncap;
	return 0;
}

void pft_excerpt(char *dst, size_t size, const char *s, size_t len)
{
	size_t i;

	if (len > size - 1)
		len = size - 1;
	for (i = 0; i < len; i++)
		dst[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	dst[len] = '\0';
}

void pft_skip(struct pft_skipped *sk, uint64_t line, const char *text, size_t len)
{
	if (!sk)
		return;
	if (!sk->count++) {
		sk->first_line = line;
		pft_excerpt(sk->first_text, sizeof(sk->first_text), text, len);
	}
}

/* A character's value as a hex digit plus one, 0 if it is none: a table, as every address, ip
 * and error code of a text trace goes through here. */
static const uint8_t hex1[256] = {
    ['0'] = 1,	['1'] = 2,  ['2'] = 3,	['3'] = 4,  ['4'] = 5,	['5'] = 6,  ['6'] = 7,	['7'] = 8,
    ['8'] = 9,	['9'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
    ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

const char *pft_parse_hex(const char *p, uint64_t *out)
{
	uint64_t v = 0;
	const char *s = p;
	unsigned int d;

	for (; (d = hex1[(unsigned char)*p]); p++) {
		if (p - s >= 16)
			return NULL; /* over 64 bits */
		v = v << 4 | (d - 1);
	}
	*out = v;
	return p == s ? NULL : p;
}

const char *pft_parse_dec(const char *p, uint64_t *out)
{
	uint64_t v = 0;
	const char *s = p;

	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - 9) / 10)
			return NULL;
		v = v * 10 + (*p - '0');
	}
	*out = v;
	return p == s ? NULL : p;
}

static uint64_t hash_str(const char *s, size_t *len)
{
	uint64_t h = 0xcbf29ce484222325ull;
	const char *p = s;

	for (; *p; p++)
		h = (h ^ (unsigned char)*p) * 0x100000001b3ull;
	*len = p - s;
	return h;
}

int pft_strtab_put(struct pft_strtab *t, const char *s, uint32_t *id)
{
	size_t len;
	uint64_t h = hash_str(s, &len), salt;

	for (salt = 0;; salt++) {
		int r = pft_hmap_put(&t->index, h, len | salt << 32, (uint32_t)t->nr, id);

		if (r < 0)
			return -1;
		if (r == 0) {
			if (!strcmp(t->s[*id], s))
				return 0;
			continue; /* a hash collision: the next salt */
		}
		if (pft_grow((void **)&t->s, &t->cap, t->nr + 1, sizeof(*t->s)) < 0)
			return -1;
		t->s[t->nr] = strdup(s);
		if (!t->s[t->nr])
			return -1;
		t->nr++;
		return 0;
	}
}

void pft_strtab_release(struct pft_strtab *t)
{
	size_t i;

	for (i = 0; i < t->nr; i++)
		free(t->s[i]);
	free(t->s);
	pft_hmap_release(&t->index);
}
