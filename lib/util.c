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
	uint64_t *ka = malloc(cap * sizeof(*ka)), *kb = malloc(cap * sizeof(*kb));
	uint32_t *val = malloc(cap * sizeof(*val));
	size_t i;

	if (!ka || !kb || !val) {
		free(ka);
		free(kb);
		free(val);
		errno = ENOMEM;
		return -1;
	}
	memset(val, 0xff, cap * sizeof(*val));
	for (i = 0; i < h->cap; i++) {
		size_t j;

		if (h->val[i] == PFT_HMAP_EMPTY)
			continue;
		j = mix(h->ka[i], h->kb[i]) & (cap - 1);
		while (val[j] != PFT_HMAP_EMPTY)
			j = (j + 1) & (cap - 1);
		ka[j] = h->ka[i];
		kb[j] = h->kb[i];
		val[j] = h->val[i];
	}
	free(h->ka);
	free(h->kb);
	free(h->val);
	h->ka = ka;
	h->kb = kb;
	h->val = val;
	h->cap = cap;
	return 0;
}

int pft_hmap_put(struct pft_hmap *h, uint64_t a, uint64_t b, uint32_t v, uint32_t *out)
{
	size_t j;

	/* keep the load under 1/2: probes stay short on the hot path */
	if ((h->len + 1) * 2 > h->cap && rehash(h, h->cap ? h->cap * 2 : 64) < 0)
		return -1;
	j = mix(a, b) & (h->cap - 1);
	while (h->val[j] != PFT_HMAP_EMPTY) {
		if (h->ka[j] == a && h->kb[j] == b) {
			*out = h->val[j];
			return 0;
		}
		j = (j + 1) & (h->cap - 1);
	}
	h->ka[j] = a;
	h->kb[j] = b;
	h->val[j] = v;
	h->len++;
	*out = v;
	return 1;
}

int pft_hmap_get(const struct pft_hmap *h, uint64_t a, uint64_t b, uint32_t *out)
{
	size_t j;

	if (!h->cap)
		return 0;
	j = mix(a, b) & (h->cap - 1);
	while (h->val[j] != PFT_HMAP_EMPTY) {
		if (h->ka[j] == a && h->kb[j] == b) {
			*out = h->val[j];
			return 1;
		}
		j = (j + 1) & (h->cap - 1);
	}
	return 0;
}

void pft_hmap_release(struct pft_hmap *h)
{
	free(h->ka);
	free(h->kb);
	free(h->val);
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

const char *pft_parse_hex(const char *p, uint64_t *out)
{
	uint64_t v = 0;
	const char *s = p;

	for (;; p++) {
		unsigned int d;

		if (*p >= '0' && *p <= '9')
			d = *p - '0';
		else if ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'f')
			d = (*p | 0x20) - 'a' + 10;
		else
			break;
		if (p - s >= 16)
			return NULL; /* over 64 bits */
		v = v << 4 | d;
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
