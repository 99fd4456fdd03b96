/* SPDX-License-Identifier: MIT */
/*
 * The code a JIT made, by process: the perf map a runtime writes as /tmp/perf-PID.map (the JVM
 * with an agent or jcmd Compiler.perfmap, node --perf-basic-prof, LuaJIT, .NET, Julia...), one
 * "START SIZE name" per line in hex, as perf reads it. Written by the traced program: bounded,
 * and a line that does not parse is counted, not trusted.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

#define MAX_JIT_NAME 4096

struct jit_sym {
	uint64_t start, end;
	uint32_t name; /* in the table's strings */
};

struct jit_map {
	int pid;
	char *text; /* as given: it goes into a trace.dat */
	size_t len;
	struct jit_sym *syms;
	size_t nr, cap;
};

struct pft_jitmaps {
	struct jit_map *maps;
	size_t nr, cap;
	struct pft_strtab names;
	uint64_t bad_lines;
};

struct pft_jitmaps *pft_jitmaps_new(void)
{
	return calloc(1, sizeof(struct pft_jitmaps));
}

static struct jit_map *map_of(const struct pft_jitmaps *j, int pid)
{
	for (size_t i = 0; i < j->nr; i++)
		if (j->maps[i].pid == pid)
			return &j->maps[i];
	return NULL;
}

static int by_start(const void *a, const void *b)
{
	const struct jit_sym *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* One line, "START SIZE name": into m, or counted as bad. -1 on ENOMEM. */
static int parse_line(struct pft_jitmaps *j, struct jit_map *m, char *line)
{
	unsigned long long start, size;
	char *end, *name;

	errno = 0;
	start = strtoull(line, &end, 16);
	if (end == line || *end != ' ' || errno)
		goto bad;
	line = end + 1;
	size = strtoull(line, &end, 16);
	if (end == line || *end != ' ' || errno || !size || start + size < start)
		goto bad;
	name = end + 1;
	if (!*name || strlen(name) >= MAX_JIT_NAME)
		goto bad;
	if (pft_grow((void **)&m->syms, &m->cap, m->nr + 1, sizeof(*m->syms)) < 0 ||
	    pft_strtab_put(&j->names, name, &m->syms[m->nr].name) < 0)
		return -1;
	m->syms[m->nr].start = start;
	m->syms[m->nr++].end = start + size;
	return 0;
bad:
	j->bad_lines++;
	return 0;
}

int pft_jitmaps_set(struct pft_jitmaps *j, int pid, const char *text, size_t len)
{
	struct jit_map *m = map_of(j, pid), fresh = {.pid = pid};
	char *copy = malloc(len + 1), *line, *save = NULL;

	if (!copy)
		return -1;
	memcpy(copy, text, len);
	copy[len] = '\0';
	fresh.text = strndup(copy, len);
	fresh.len = fresh.text ? strlen(fresh.text) : 0;
	for (line = strtok_r(copy, "\n", &save); fresh.text && line;
	     line = strtok_r(NULL, "\n", &save))
		if (parse_line(j, &fresh, line) < 0)
			break;
	free(copy);
	if (!fresh.text || line) {
		free(fresh.text);
		free(fresh.syms);
		errno = ENOMEM;
		return -1;
	}
	/* entries that overlap (a JIT reusing its code space): the nearest start below wins */
	qsort(fresh.syms, fresh.nr, sizeof(*fresh.syms), by_start);
	if (!m) {
		if (pft_grow((void **)&j->maps, &j->cap, j->nr + 1, sizeof(*j->maps)) < 0) {
			free(fresh.text);
			free(fresh.syms);
			return -1;
		}
		m = &j->maps[j->nr++];
	} else {
		free(m->text);
		free(m->syms);
	}
	*m = fresh;
	return 0;
}

const char *pft_jitmaps_find(const struct pft_jitmaps *j, int pid, uint64_t addr, uint64_t *off)
{
	const struct jit_map *m = j ? map_of(j, pid) : NULL;
	size_t lo = 0, hi = m ? m->nr : 0;

	/* the last entry starting at or below addr */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->syms[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || addr >= m->syms[lo - 1].end)
		return NULL;
	*off = addr - m->syms[lo - 1].start;
	return j->names.s[m->syms[lo - 1].name];
}

bool pft_jitmaps_has(const struct pft_jitmaps *j, int pid)
{
	return j && map_of(j, pid);
}

int pft_jitmaps_foreach(const struct pft_jitmaps *j,
			int (*cb)(void *data, int pid, const char *text, size_t len), void *data)
{
	for (size_t i = 0; j && i < j->nr; i++)
		if (cb(data, j->maps[i].pid, j->maps[i].text, j->maps[i].len) < 0)
			return -1;
	return 0;
}

uint64_t pft_jitmaps_bad_lines(const struct pft_jitmaps *j)
{
	return j ? j->bad_lines : 0;
}

void pft_jitmaps_free(struct pft_jitmaps *j)
{
	if (!j)
		return;
	for (size_t i = 0; i < j->nr; i++) {
		free(j->maps[i].text);
		free(j->maps[i].syms);
	}
	free(j->maps);
	pft_strtab_release(&j->names);
	free(j);
}
