/* SPDX-License-Identifier: MIT */
/*
 * What a recording keeps so that its code can be named on another machine: the GNU build ID of
 * each file mapped, read when the file is first seen (a file deleted or rebuilt later is still
 * known by what it was), and the kernel addresses seen, so that only their kallsyms entries are
 * saved.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <elfutils/libdwelf.h>
#include <gelf.h>
#include "internal.h"

ssize_t pft_build_id(const char *path, uint8_t *id, size_t size)
{
	/* a path from a trace: a FIFO there would block the open, a device is no ELF file */
	int fd = pft_open_regular(path);
	const void *bits;
	ssize_t len = -1;
	Elf *elf;

	if (fd < 0)
		return -1;
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (elf) {
		len = dwelf_elf_gnu_build_id(elf, &bits);
		if (len > 0 && (size_t)len <= size)
			memcpy(id, bits, len);
		else
			len = len > 0 ? -1 : 0;
		elf_end(elf);
	}
	close(fd);
	if (len < 0)
		errno = ENOEXEC;
	return len;
}

struct pft_buildids {
	struct pft_strtab paths;
	struct pft_hmap seen; /* (path id, inode): read already */
	char *text;	      /* "hexid inode path" lines */
	size_t size;
	FILE *mem;
	struct pft_hmap kseen; /* kernel address: kept already */
	uint64_t *kaddrs;
	size_t nr_kaddrs, cap_kaddrs;
};

struct pft_buildids *pft_buildids_new(void)
{
	struct pft_buildids *b = calloc(1, sizeof(*b));

	if (b && !(b->mem = open_memstream(&b->text, &b->size))) {
		free(b);
		return NULL;
	}
	return b;
}

int pft_buildids_note(struct pft_buildids *b, const char *path, uint64_t inode)
{
	uint8_t id[64];
	uint32_t p, at;
	ssize_t n, i;
	int r;

	if (!path || path[0] != '/')
		return 0;
	if (pft_strtab_put(&b->paths, path, &p) < 0)
		return -1;
	r = pft_hmap_put(&b->seen, p, inode, 0, &at);
	if (r <= 0)
		return r;
	n = pft_build_id(path, id, sizeof(id));
	if (n <= 0)
		return 0; /* gone already, not ELF, or no build ID: named as it is found */
	for (i = 0; i < n; i++)
		fprintf(b->mem, "%02x", id[i]);
	fprintf(b->mem, " %" PRIu64 " %s\n", inode, path);
	return 0;
}

int pft_buildids_note_kaddr(struct pft_buildids *b, uint64_t addr)
{
	uint32_t at;
	int r = pft_hmap_put(&b->kseen, addr, 0, 0, &at);

	if (r <= 0)
		return r;
	if (pft_grow((void **)&b->kaddrs, &b->cap_kaddrs, b->nr_kaddrs + 1, sizeof(*b->kaddrs)) < 0)
		return -1;
	b->kaddrs[b->nr_kaddrs++] = addr;
	return 0;
}

const char *pft_buildids_text(struct pft_buildids *b)
{
	if (fflush(b->mem) == EOF)
		return NULL;
	return b->text ? b->text : "";
}

const uint64_t *pft_buildids_kaddrs(const struct pft_buildids *b, size_t *n)
{
	*n = b->nr_kaddrs;
	return b->kaddrs;
}

void pft_buildids_free(struct pft_buildids *b)
{
	if (!b)
		return;
	fclose(b->mem);
	free(b->text);
	free(b->kaddrs);
	pft_hmap_release(&b->seen);
	pft_hmap_release(&b->kseen);
	pft_strtab_release(&b->paths);
	free(b);
}
