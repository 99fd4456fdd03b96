/* SPDX-License-Identifier: MIT */
/* Fuzz target: raw record decoding. A ring-buffer page goes through pftrace's page walk and
 * decoder, with the event formats of a 6.18 kernel (tests/fixtures/formats/; run from the
 * repository's top). A page the walk accepts then goes through libtraceevent's kbuffer, which
 * libtracecmd uses on trace.dat pages: it must end and give exactly the same records (a
 * difference aborts), which is what lets the walk vouch for pages before kbuffer sees them. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <event-parse.h>
#include <kbuffer.h>
#include "../../lib/internal.h"

#define FORMATS "tests/fixtures/formats"

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf = malloc(1 << 16);

	*len = f && buf ? fread(buf, 1, (1 << 16) - 1, f) : 0;
	if (f)
		fclose(f);
	return buf;
}

static struct tep_handle *formats(void)
{
	struct tep_handle *tep = tep_alloc();
	struct dirent *d;
	size_t len;
	char path[512], *buf;
	DIR *dir = opendir(FORMATS);

	if (!tep || !dir) {
		fprintf(stderr, "page fuzz: run from the repository's top (%s)\n", FORMATS);
		exit(1);
	}
	tep_set_long_size(tep, 8);
	buf = slurp(FORMATS "/header_page", &len);
	tep_parse_header_page(tep, buf, len, 8);
	free(buf);
	while ((d = readdir(dir))) {
		char sys[64];

		if (d->d_name[0] == '.' || !strcmp(d->d_name, "header_page"))
			continue;
		snprintf(path, sizeof(path), FORMATS "/%s", d->d_name);
		snprintf(sys, sizeof(sys), "%.*s", (int)strcspn(d->d_name, "."), d->d_name);
		buf = slurp(path, &len);
		tep_parse_event(tep, buf, len, sys);
		free(buf);
	}
	closedir(dir);
	return tep;
}

/* kbuffer on a page the walk accepted: the same records, or abort */
static void same_as_kbuffer(struct kbuffer *kb, uint8_t *page)
{
	struct pft_page it;
	struct pft_page_rec pr;
	unsigned long long ts;
	void *rec;

	pft_page_open(&it, page, 4096);
	kbuffer_load_subbuffer(kb, page);
	for (rec = kbuffer_read_event(kb, &ts); rec; rec = kbuffer_next_event(kb, &ts))
		if (pft_page_next(&it, &pr) != 1 || pr.data != rec || pr.ts != ts ||
		    pr.size != kbuffer_event_size(kb))
			abort();
	if (pft_page_next(&it, &pr) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tep_handle *tep;
	static struct pft_decoder *dec;
	static struct kbuffer *kb;
	static uint8_t page[4096];
	struct pft_page it;
	struct pft_page_rec pr;
	struct pft_event ev;
	int r;

	if (!tep) {
		tep = formats();
		dec = pft_decoder_new(tep);
		kb = kbuffer_alloc(KBUFFER_LSIZE_8, KBUFFER_ENDIAN_LITTLE);
	}
	memset(page, 0, sizeof(page));
	memcpy(page, data, size < sizeof(page) ? size : sizeof(page));
	if (pft_page_open(&it, page, sizeof(page)) < 0)
		return 0;
	while ((r = pft_page_next(&it, &pr)) > 0) {
		struct tep_record rec = {.ts = pr.ts, .data = pr.data, .size = pr.size};

		pft_decode(dec, &rec, 0, &ev);
	}
	if (r == 0)
		same_as_kbuffer(kb, page);
	return 0;
}
