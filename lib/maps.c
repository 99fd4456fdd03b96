/* SPDX-License-Identifier: MIT */
/* /proc/PID/maps: parse once into a sorted array, look up by binary search. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

struct pft_maps {
	struct pft_vma *vmas;
	size_t nr, cap;
};

static const char anon_name[] = "[anon]";

struct parsed {
	struct pft_vma vma;
	uint64_t line;
};

/* "????": maps from trace-cmd's PROCMAPS, which keep only the path. */
static bool valid_perms(const char *p)
{
	if (!strncmp(p, "???? ", 5))
		return true;
	return (p[0] == 'r' || p[0] == '-') && (p[1] == 'w' || p[1] == '-') &&
	       (p[2] == 'x' || p[2] == '-') && (p[3] == 'p' || p[3] == 's') && p[4] == ' ';
}

/* "[anon:x]" and friends are names, not paths; a path is absolute. */
static int set_names(struct pft_vma *v, const char *rest)
{
	static const char deleted[] = " (deleted)";
	size_t len = strlen(rest), dl = sizeof(deleted) - 1;
	char *s;

	if (len >= dl && !strcmp(rest + len - dl, deleted)) {
		v->deleted = true;
		len -= dl;
	}
	if (!len) {
		v->name = anon_name;
		return 0;
	}
	s = strndup(rest, len);
	if (!s)
		return -1;
	if (s[0] == '/')
		v->path = s;
	v->name = s;
	return 0;
}

/* One maps line (without newline) into *v; -1 if malformed. */
static int parse_line(char *line, struct pft_vma *v)
{
	const char *p = line;
	uint64_t maj, min;

	memset(v, 0, sizeof(*v));
	if (!(p = pft_parse_hex(p, &v->start)) || *p++ != '-' || !(p = pft_parse_hex(p, &v->end)) ||
	    *p++ != ' ')
		return -1;
	if (v->end <= v->start || !valid_perms(p))
		return -1;
	memcpy(v->perms, p, 4);
	p += 5;
	if (!(p = pft_parse_hex(p, &v->offset)) || *p++ != ' ')
		return -1;
	if (!(p = pft_parse_hex(p, &maj)) || *p++ != ':' || !(p = pft_parse_hex(p, &min)) ||
	    *p++ != ' ')
		return -1;
	if (maj > 0xfff || min > 0xfffff)
		return -1;
	v->dev_major = maj;
	v->dev_minor = min;
	if (!(p = pft_parse_dec(p, &v->inode)) || (*p && *p != ' '))
		return -1;
	while (*p == ' ' || *p == '\t')
		p++;
	return set_names(v, p);
}

static void free_vma_strings(struct pft_vma *v)
{
	/* name is allocated (and path, if set, is the same string) unless it is anon_name */
	if (v->name != anon_name)
		free((char *)v->name);
}

static int by_start(const void *a, const void *b)
{
	const struct parsed *x = a, *y = b;

	if (x->vma.start != y->vma.start)
		return x->vma.start < y->vma.start ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

/* Sorted; a VMA overlapping the one before it is dropped and counted. */
static int build(struct pft_maps *m, struct parsed *ps, size_t n, struct pft_skipped *sk)
{
	size_t i;

	qsort(ps, n, sizeof(*ps), by_start);
	m->vmas = calloc(n ? n : 1, sizeof(*m->vmas));
	if (!m->vmas)
		return -1;
	for (i = 0; i < n; i++) {
		if (m->nr && ps[i].vma.start < m->vmas[m->nr - 1].end) {
			pft_skip(sk, ps[i].line, "overlaps the line before it", 27);
			free_vma_strings(&ps[i].vma);
			continue;
		}
		m->vmas[m->nr++] = ps[i].vma;
	}
	return 0;
}

struct pft_maps *pft_maps_load_file(FILE *f, struct pft_skipped *skipped)
{
	struct pft_maps *m = calloc(1, sizeof(*m));
	struct parsed *ps = NULL;
	size_t n = 0, cap = 0, blen = 0, i;
	char *buf = NULL;
	uint64_t lineno = 0;
	ssize_t len;

	if (!m)
		goto fail;
	while ((len = getline(&buf, &blen, f)) >= 0) {
		lineno++;
		if (len && buf[len - 1] == '\n')
			buf[--len] = '\0';
		if (!len)
			continue;
		if (pft_grow((void **)&ps, &cap, n + 1, sizeof(*ps)) < 0)
			goto fail;
		if (strlen(buf) != (size_t)len || parse_line(buf, &ps[n].vma) < 0) {
			pft_skip(skipped, lineno, buf, len);
			continue;
		}
		ps[n++].line = lineno;
	}
	if (ferror(f)) {
		errno = EIO;
		goto fail;
	}
	if (build(m, ps, n, skipped) < 0)
		goto fail;
	free(ps);
	free(buf);
	if (!m->nr && lineno) {
		pft_maps_free(m);
		errno = EINVAL;
		return NULL;
	}
	return m;
fail:
	/* once build() has run, the strings belong to m */
	for (i = 0; (!m || !m->vmas) && i < n; i++)
		free_vma_strings(&ps[i].vma);
	free(ps);
	free(buf);
	pft_maps_free(m);
	return NULL;
}

struct pft_maps *pft_maps_load_path(const char *path, struct pft_skipped *skipped)
{
	struct pft_maps *m;
	FILE *f = fopen(path, "re");
	int err;

	if (!f)
		return NULL;
	m = pft_maps_load_file(f, skipped);
	err = errno;
	fclose(f);
	errno = err;
	return m;
}

struct pft_maps *pft_maps_load_pid(int pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	return pft_maps_load_path(path, NULL);
}

/* Binary search: the index of the first VMA that starts above addr (m->nr if none). */
static size_t first_above(const struct pft_maps *m, uint64_t addr)
{
	size_t lo = 0, hi = m->nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->vmas[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct pft_vma *pft_maps_lookup(const struct pft_maps *m, uint64_t addr)
{
	size_t i = m ? first_above(m, addr) : 0;

	/* the VMA before it is the only one that can hold addr */
	return i && addr < m->vmas[i - 1].end ? &m->vmas[i - 1] : NULL;
}

const struct pft_vma *pft_maps_next(const struct pft_maps *m, uint64_t addr)
{
	size_t i = m ? first_above(m, addr) : 0;

	return m && i < m->nr ? &m->vmas[i] : NULL;
}

int pft_maps_write(const struct pft_maps *m, FILE *out)
{
	size_t i;

	for (i = 0; m && i < m->nr; i++) {
		const struct pft_vma *v = &m->vmas[i];

		fprintf(out, "%08" PRIx64 "-%08" PRIx64 " %s %08" PRIx64 " %02x:%02x %" PRIu64,
			v->start, v->end, v->perms, v->offset, v->dev_major, v->dev_minor,
			v->inode);
		if (v->name != anon_name)
			fprintf(out, "%*s%s%s", 10, "", v->name, v->deleted ? " (deleted)" : "");
		fputc('\n', out);
	}
	return ferror(out) ? -1 : 0;
}

size_t pft_maps_count(const struct pft_maps *m)
{
	return m ? m->nr : 0;
}

const struct pft_vma *pft_maps_at(const struct pft_maps *m, size_t i)
{
	return m && i < m->nr ? &m->vmas[i] : NULL;
}

void pft_maps_free(struct pft_maps *m)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; i < m->nr; i++)
		free_vma_strings(&m->vmas[i]);
	free(m->vmas);
	free(m);
}
