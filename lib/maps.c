/* SPDX-License-Identifier: MIT */
/*
 * /proc/PID/maps: a sorted array of VMAs, looked up by binary search. VMAs are immutable and
 * reference-counted: a change to an address space (mmap, munmap, mprotect ...) makes new ones,
 * so whoever kept a VMA (a report row, an older snapshot) still sees it as it was.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include "internal.h"

struct vma_obj {
	struct pft_vma v; /* first: a struct pft_vma * is a struct vma_obj * */
	unsigned int refs;
};

struct pft_maps {
	struct pft_vma **v;
	size_t nr, cap;
};

static const char anon_name[] = "[anon]";

uint64_t pft_area_id(void)
{
	static uint64_t last;

	return ++last;
}

/* A new VMA like tmpl (its strings copied), with one reference. */
struct pft_vma *pft_vma_new(const struct pft_vma *tmpl)
{
	struct vma_obj *o = malloc(sizeof(*o));

	if (!o)
		return NULL;
	o->v = *tmpl;
	o->refs = 1;
	if (tmpl->name != anon_name) {
		char *name = strdup(tmpl->name);

		if (!name) {
			free(o);
			return NULL;
		}
		o->v.name = name;
		o->v.path = tmpl->path ? name : NULL;
	}
	/* a VMA of its own unless it is a piece of an area (a report row) already */
	if (!o->v.area)
		o->v.area = pft_area_id();
	return &o->v;
}

struct pft_vma *pft_vma_ref(const struct pft_vma *v)
{
	((struct vma_obj *)v)->refs++;
	return (struct pft_vma *)v;
}

void pft_vma_unref(const struct pft_vma *v)
{
	struct vma_obj *o = (struct vma_obj *)v;

	if (!o || --o->refs)
		return;
	if (o->v.name != anon_name)
		free((char *)o->v.name);
	free(o);
}

/* "????": maps from trace-cmd's PROCMAPS, which keep only the path. */
static bool valid_perms(const char *p)
{
	if (!strncmp(p, "???? ", 5))
		return true;
	return (p[0] == 'r' || p[0] == '-') && (p[1] == 'w' || p[1] == '-') &&
	       (p[2] == 'x' || p[2] == '-') && (p[3] == 'p' || p[3] == 's') && p[4] == ' ';
}

/* "[anon:x]" and friends are names, not paths; a path is absolute. The names point into rest
 * until vma_new copies them. */
static void set_names(struct pft_vma *v, char *rest)
{
	static const char deleted[] = " (deleted)";
	size_t len = strlen(rest), dl = sizeof(deleted) - 1;

	if (len >= dl && !strcmp(rest + len - dl, deleted)) {
		v->deleted = true;
		rest[len -= dl] = '\0';
	}
	v->name = len ? rest : anon_name;
	v->path = rest[0] == '/' ? rest : NULL;
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
	/* the kernel's VMAs are whole pages: bounds that are not came from a damaged file */
	if (v->end <= v->start || (v->start | v->end) & ~PFT_PAGE_MASK || !valid_perms(p))
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
	set_names(v, (char *)p);
	return 0;
}

struct parsed {
	struct pft_vma *vma;
	uint64_t line;
};

static int by_start(const void *a, const void *b)
{
	const struct parsed *x = a, *y = b;

	if (x->vma->start != y->vma->start)
		return x->vma->start < y->vma->start ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

/* Sorted; a VMA overlapping the one before it is dropped and counted. */
static int build(struct pft_maps *m, struct parsed *ps, size_t n, struct pft_skipped *sk)
{
	size_t i;

	if (n) /* qsort(NULL, 0, ...) is undefined */
		qsort(ps, n, sizeof(*ps), by_start);
	m->v = calloc(n ? n : 1, sizeof(*m->v));
	if (!m->v)
		return -1;
	m->cap = n ? n : 1;
	for (i = 0; i < n; i++) {
		if (m->nr && ps[i].vma->start < m->v[m->nr - 1]->end) {
			pft_skip(sk, ps[i].line, "overlaps the line before it", 27);
			pft_vma_unref(ps[i].vma);
			continue;
		}
		m->v[m->nr++] = ps[i].vma;
	}
	return 0;
}

/* Bounds of a maps file: a line is some 75 bytes of fields and a path the kernel cuts at
 * PATH_MAX; a JVM's maps are ~100k lines, some 10 MB. Past them it is not a maps file (/dev/zero
 * would be read for ever, into one line). */
#define MAPS_LINE_MAX 8192
#define MAPS_SIZE_MAX (64ull << 20)

/* The next line of f into buf (cap bytes, NUL-terminated, without its newline; the rest of a
 * longer line is read and dropped, *overlong set): its length, -1 at the end, -2 once *total
 * (bytes read so far) passes MAPS_SIZE_MAX. *nul: the line held a NUL byte (with stop_at_nul,
 * the line ends there). */
static ssize_t read_line(FILE *f, char *buf, size_t cap, uint64_t *total, bool *overlong, bool *nul,
			 bool stop_at_nul)
{
	size_t len = 0;
	int c;

	*overlong = *nul = false;
	while ((c = getc_unlocked(f)) != EOF) {
		if (++*total > MAPS_SIZE_MAX)
			return -2;
		if (c == '\n')
			break;
		*nul |= c == '\0';
		if (*nul && stop_at_nul)
			break;
		if (len + 1 < cap)
			buf[len++] = (char)c;
		else
			*overlong = true;
	}
	buf[len] = '\0';
	return c == EOF && !len && !*overlong ? -1 : (ssize_t)len;
}

struct pft_maps *pft_maps_load_file(FILE *f, struct pft_skipped *skipped)
{
	struct pft_maps *m = calloc(1, sizeof(*m));
	struct parsed *ps = NULL;
	size_t n = 0, cap = 0, i;
	char *buf = malloc(MAPS_LINE_MAX);
	uint64_t lineno = 0, total = 0;
	struct pft_vma tmp;
	bool overlong, nul;
	ssize_t len;

	if (!m || !buf)
		goto fail;
	while ((len = read_line(f, buf, MAPS_LINE_MAX, &total, &overlong, &nul, !n)) != -1) {
		if (len == -2) {
			errno = EFBIG;
			goto fail;
		}
		lineno++;
		if (nul && !n) {
			/* binary data from the start: not read on */
			pft_skip(skipped, lineno, "binary data (NUL bytes)", 23);
			errno = EINVAL;
			goto fail;
		}
		if (!len && !overlong)
			continue;
		if (pft_grow((void **)&ps, &cap, n + 1, sizeof(*ps)) < 0)
			goto fail;
		if (overlong) {
			pft_skip(skipped, lineno, "line longer than 8 KiB", 22);
			continue;
		}
		if (nul || parse_line(buf, &tmp) < 0) {
			pft_skip(skipped, lineno, buf, (size_t)len);
			continue;
		}
		if (!(ps[n].vma = pft_vma_new(&tmp)))
			goto fail;
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
	/* once build() has run, the VMAs belong to m */
	for (i = 0; (!m || !m->v) && i < n; i++)
		pft_vma_unref(ps[i].vma);
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

/* A file really named "x (deleted)" reads in maps as the deleted file x: the kernel writes both
 * alike. While the process lives, a file by the whole name, seen from its root, with the
 * mapping's inode and device, says it is the name. (A saved maps file or a trace.dat cannot tell:
 * there the kernel's reading stands.) */
static int undelete_named(struct pft_maps *m, int pid)
{
	size_t i;

	for (i = 0; i < m->nr; i++) {
		struct vma_obj *o = (struct vma_obj *)m->v[i];
		char full[4200], *name;
		struct stat sb;

		if (!o->v.deleted || !o->v.path || !o->v.inode)
			continue;
		snprintf(full, sizeof(full), "/proc/%d/root%s (deleted)", pid, o->v.path);
		if (stat(full, &sb) < 0 || sb.st_ino != o->v.inode ||
		    major(sb.st_dev) != o->v.dev_major || minor(sb.st_dev) != o->v.dev_minor)
			continue;
		if (asprintf(&name, "%s (deleted)", o->v.name) < 0)
			return -1;
		/* the VMAs are new, this set's only: changed in place */
		free((char *)o->v.name);
		o->v.name = o->v.path = name;
		o->v.deleted = false;
	}
	return 0;
}

struct pft_maps *pft_maps_load_pid(int pid)
{
	struct pft_maps *m;
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	m = pft_maps_load_path(path, NULL);
	if (m && undelete_named(m, pid) < 0) {
		pft_maps_free(m);
		errno = ENOMEM;
		return NULL;
	}
	return m;
}

/* Binary search: the index of the first VMA that starts above addr (m->nr if none). */
static size_t first_above(const struct pft_maps *m, uint64_t addr)
{
	size_t lo = 0, hi = m->nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->v[mid]->start <= addr)
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
	return i && addr < m->v[i - 1]->end ? m->v[i - 1] : NULL;
}

const struct pft_vma *pft_maps_next(const struct pft_maps *m, uint64_t addr)
{
	size_t i = m ? first_above(m, addr) : 0;

	return m && i < m->nr ? m->v[i] : NULL;
}

int pft_maps_write(const struct pft_maps *m, FILE *out)
{
	size_t i;

	for (i = 0; m && i < m->nr; i++) {
		const struct pft_vma *v = m->v[i];

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
	return m && i < m->nr ? m->v[i] : NULL;
}

void pft_maps_free(struct pft_maps *m)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; i < m->nr; i++)
		pft_vma_unref(m->v[i]);
	free(m->v);
	free(m);
}

/* ---------------------------------------------------------------- editing (history) */

struct pft_maps *pft_maps_copy(const struct pft_maps *m)
{
	struct pft_maps *c = calloc(1, sizeof(*c));
	size_t i;

	if (!c || (m && m->nr && !(c->v = malloc(m->nr * sizeof(*c->v))))) {
		free(c);
		return NULL;
	}
	for (i = 0; m && i < m->nr; i++)
		c->v[i] = pft_vma_ref(m->v[i]);
	c->nr = c->cap = m ? m->nr : 0;
	return c;
}

static int insert_at(struct pft_maps *m, size_t i, struct pft_vma *v)
{
	if (pft_grow((void **)&m->v, &m->cap, m->nr + 1, sizeof(*m->v)) < 0) {
		pft_vma_unref(v);
		return -1;
	}
	memmove(&m->v[i + 1], &m->v[i], (m->nr - i) * sizeof(*m->v));
	m->v[i] = v;
	m->nr++;
	return 0;
}

/* A piece [start, end) of v, as a new VMA (its file offset follows). */
static struct pft_vma *piece(const struct pft_vma *v, uint64_t start, uint64_t end)
{
	struct pft_vma t = *v;

	t.start = start;
	t.end = end;
	if (v->inode)
		t.offset = v->offset + (start - v->start);
	return pft_vma_new(&t);
}

/* Makes addr a VMA boundary: a VMA across it becomes two. */
static int split_at(struct pft_maps *m, uint64_t addr)
{
	size_t i = first_above(m, addr);
	struct pft_vma *v, *lo, *hi;

	if (!i || (v = m->v[i - 1])->start == addr || addr >= v->end)
		return 0;
	lo = piece(v, v->start, addr);
	hi = piece(v, addr, v->end);
	if (!lo || !hi) {
		pft_vma_unref(lo);
		pft_vma_unref(hi);
		return -1;
	}
	m->v[i - 1] = lo;
	pft_vma_unref(v);
	return insert_at(m, i, hi);
}

int pft_maps_unmap(struct pft_maps *m, uint64_t start, uint64_t end)
{
	size_t i, j;

	if (split_at(m, start) < 0 || split_at(m, end) < 0)
		return -1;
	i = first_above(m, start - (start > 0));
	while (i > 0 && m->v[i - 1]->start >= start)
		i--;
	for (j = i; j < m->nr && m->v[j]->end <= end && m->v[j]->start >= start; j++)
		pft_vma_unref(m->v[j]);
	if (j > i) /* m->v may be NULL for an empty set: no memmove of nothing */
		memmove(&m->v[i], &m->v[j], (m->nr - j) * sizeof(*m->v));
	m->nr -= j - i;
	return 0;
}

int pft_maps_insert(struct pft_maps *m, const struct pft_vma *tmpl)
{
	struct pft_vma *v;

	if (pft_maps_unmap(m, tmpl->start, tmpl->end) < 0 || !(v = pft_vma_new(tmpl)))
		return -1;
	return insert_at(m, first_above(m, tmpl->start), v);
}

int pft_maps_protect(struct pft_maps *m, uint64_t start, uint64_t end, const char *rwx)
{
	size_t i;

	if (split_at(m, start) < 0 || split_at(m, end) < 0)
		return -1;
	for (i = 0; i < m->nr; i++) {
		struct pft_vma t, *v = m->v[i];

		if (v->start < start || v->end > end || !memcmp(v->perms, rwx, 3))
			continue;
		t = *v;
		memcpy(t.perms, rwx, 3);
		if (!(m->v[i] = pft_vma_new(&t))) {
			m->v[i] = v;
			return -1;
		}
		pft_vma_unref(v);
	}
	return 0;
}