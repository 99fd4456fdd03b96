/* SPDX-License-Identifier: MIT */
/* Opening inputs: the format is recognised by content, never by file name. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "internal.h"

static const char dat_magic[10] = "\x17\x08\x44tracing";

struct pft_source *pft_source_alloc(const char *name)
{
	struct pft_source *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->name = strdup(name);
	if (!s->name) {
		free(s);
		errno = ENOMEM;
		return NULL;
	}
	s->st.cpus = -1;
	s->st.lost_events = -1;
	s->st.own_faults = -1;
	return s;
}

struct pft_source *pft_source_text(FILE *f, const char *name)
{
	struct pft_source *s = pft_source_alloc(name);

	if (s && pft_text_attach(s, f, "", 0) < 0) {
		pft_source_close(s);
		return NULL;
	}
	return s;
}

/* A trace.dat is mapped: one on standard input is first copied to an unnamed file. */
static int attach_dat(struct pft_source *s, FILE *f, const char *path, bool is_stdin,
		      const char *head, size_t n)
{
	char buf[65536], fdpath[64];
	FILE *tmp;
	size_t got;

	if (!is_stdin)
		return pft_dat_attach(s, path);
	tmp = tmpfile();
	if (!tmp)
		return -1;
	fwrite(head, 1, n, tmp);
	while ((got = fread(buf, 1, sizeof(buf), f)) > 0)
		if (fwrite(buf, 1, got, tmp) != got)
			break;
	if (ferror(f) || fflush(tmp) == EOF) {
		fclose(tmp);
		errno = EIO;
		return -1;
	}
	s->owned = tmp;
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fileno(tmp));
	return pft_dat_attach(s, fdpath);
}

struct pft_source *pft_source_open(const char *path)
{
	bool is_stdin = !strcmp(path, "-");
	struct pft_source *s = pft_source_alloc(is_stdin ? "<stdin>" : path);
	FILE *f = is_stdin ? stdin : fopen(path, "re");
	char head[sizeof(dat_magic)];
	struct stat sb;
	size_t n;
	int err;

	if (!s || !f)
		goto fail;
	if (fstat(fileno(f), &sb) == 0 && S_ISDIR(sb.st_mode)) {
		errno = EISDIR;
		goto fail;
	}
	n = fread(head, 1, sizeof(head), f);
	if (ferror(f)) {
		errno = EIO;
		goto fail;
	}
	if (n == sizeof(head) && !memcmp(head, dat_magic, sizeof(head))) {
		if (attach_dat(s, f, path, is_stdin, head, n) < 0)
			goto fail;
		if (!is_stdin)
			fclose(f); /* the reader opens the file itself */
		return s;
	}
	if (pft_text_attach(s, f, head, n) < 0)
		goto fail;
	s->owned = is_stdin ? NULL : f;
	return s;
fail:
	err = errno;
	if (f && !is_stdin)
		fclose(f);
	pft_source_close(s);
	errno = err;
	return NULL;
}

int pft_source_next(struct pft_source *src, struct pft_event *ev)
{
	return src->next(src, ev);
}

int pft_source_prepare(struct pft_source *src, struct pft_aspace *as, struct pft_syms *syms)
{
	return src->prepare ? src->prepare(src, as, syms) : 0;
}

int pft_source_counters(struct pft_source *src, pft_counters_cb cb, void *data)
{
	return src->counters ? src->counters(src, cb, data) : 0;
}

const struct pft_source_stats *pft_source_stats(const struct pft_source *src)
{
	return &src->st;
}

const char *pft_source_name(const struct pft_source *src)
{
	return src->name;
}

void pft_source_close(struct pft_source *src)
{
	if (!src)
		return;
	if (src->close)
		src->close(src);
	if (src->owned)
		fclose(src->owned);
	free(src->name);
	free(src);
}
