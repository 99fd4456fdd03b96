/* SPDX-License-Identifier: MIT */
/*
 * Naming code: an address in a process becomes function+offset (and file:line where debug
 * information has it) through elfutils' libdwfl, the library perf uses.
 *
 * An address is named through the VMA that held it: its file, and its offset in that file. The
 * file is one module per (file, build ID), reported on its own at its own addresses, so a
 * library mapped at a different place in each of 100 processes is read once; the offset becomes
 * the ELF's virtual address through its PT_LOAD headers. Every distinct (file, offset) is named
 * once, then cached.
 *
 * Offline, the file is found by its build ID as the trace recorded it: at the recorded path,
 * under --symfs (the same path, then the name alone), in /usr/lib/debug/.build-id, through
 * debuginfod when DEBUGINFOD_URLS is set. A candidate whose build ID differs is never used: the
 * address shows as file+0xoffset and the file is counted as mismatched (or missing), never named
 * wrongly. Separate debug files are found by build ID (/usr/lib/debug/.build-id) or by their
 * debuglink name (find_debuginfo). Every path a trace names is opened only if it is a regular
 * file, without blocking: a FIFO or a device there is counted as not_regular, never read.
 *
 * Kernel addresses are named from kallsyms: the trace's own subset, or /proc/kallsyms.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <elfutils/libdwelf.h>
#include <elfutils/libdwfl.h>
#include <gelf.h>
#include <libiberty/demangle.h>
#include "internal.h"

#define MAX_BUILD_ID 64
#define VCACHE	     256

enum file_state {
	FILE_UNOPENED,
	FILE_OK,	  /* found, with its symbols (or at least its segments) */
	FILE_MISSING,	  /* no candidate */
	FILE_MISMATCH,	  /* candidates, all with another build ID */
	FILE_UNREADABLE,  /* a candidate the caller may not read */
	FILE_NOT_REGULAR, /* a FIFO, device or directory by that name: never opened */
};

/* One mapped file: where it was, what it should be, and its module once found. */
struct symfile {
	uint32_t path;	/* interned */
	uint64_t inode; /* 0 for trace-cmd's maps */
	enum file_state state;
	char *found; /* where it is now */
	Dwfl *dwfl;
	Dwfl_Module *mod;
	GElf_Addr bias;
	GElf_Phdr *loads; /* PT_LOAD headers: file offset -> virtual address */
	size_t nr_loads;
	bool has_symbols; /* a symbol table (.symtab or .dynsym) */
};

struct ksym {
	uint64_t addr;
	uint32_t name; /* interned */
};

struct pft_syms {
	char *symfs;
	struct pft_strtab strs;
	struct symfile *files;
	size_t nr_files, cap_files;
	struct pft_hmap file_idx; /* (path id, inode) -> files */
	struct pft_hmap expect;	  /* (path id, inode) -> the build ID recorded (expected) */
	struct expected {
		uint8_t id[MAX_BUILD_ID];
		size_t len;
	} * expected;
	size_t nr_expected, cap_expected;
	struct pft_symbol *results;
	size_t nr_results, cap_results;
	struct pft_hmap result_idx; /* (file, offset) -> results */
	struct ksym *ksyms;
	size_t nr_ksyms, cap_ksyms;
	bool ksyms_sorted, ksyms_loaded;
	bool ksyms_live; /* this machine's: /proc/kallsyms */
	struct pft_syms_stats st;
	/* debuginfod, loaded on first use when DEBUGINFOD_URLS is set */
	void *dbgd_lib, *dbgd;
	int (*dbgd_find_executable)(void *client, const unsigned char *id, int len, char **path);
	bool dbgd_tried;
	struct pft_unwinder *unw; /* unwind.c's, made on first use */
	struct pft_jitmaps *jit;  /* the JITs' perf maps, by process */
	int (*jit_refresh)(void *data, struct pft_syms *s, int pid);
	void *jit_data;
	/* the file of a VMA, by the VMA (held: the pointer stays its own): a lookup does not
	 * intern the path again */
	struct {
		const struct pft_vma *v;
		uint32_t file;
	} vcache[VCACHE];
};

/* ---------------------------------------------------------------- opening files */

int pft_open_regular(const char *path)
{
	/* O_NONBLOCK: the open of a FIFO returns at once (to be refused), never waits */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	struct stat st;

	if (fd >= 0 && (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))) {
		close(fd);
		errno = ENOEXEC;
		return -1;
	}
	return fd;
}

/* The CRC-32 a .gnu_debuglink gives of its debug file, of what fd holds: 0 and *crc, or -1. */
static int crc32_fd(int fd, uint32_t *crc)
{
	static uint32_t table[256];
	unsigned char buf[1 << 16];
	uint32_t c = 0xffffffff;
	off_t off = 0;
	ssize_t n, i;

	if (!table[1])
		for (uint32_t b = 0; b < 256; b++) {
			uint32_t v = b;

			for (int k = 0; k < 8; k++)
				v = v & 1 ? 0xedb88320 ^ (v >> 1) : v >> 1;
			table[b] = v;
		}
	/* pread: libdwfl reads the descriptor from its start */
	while ((n = pread(fd, buf, sizeof(buf), off)) > 0) {
		for (i = 0; i < n; i++)
			c = table[(c ^ buf[i]) & 0xff] ^ (c >> 8);
		off += n;
	}
	*crc = ~c;
	return n < 0 ? -1 : 0;
}

/* Whether fd is mod's debug file, as libdwfl judges: by build ID if mod has one, else by the
 * CRC its debuglink gives. */
static bool is_debug_of(Dwfl_Module *mod, int fd, GElf_Word crc)
{
	const unsigned char *want;
	const void *have;
	GElf_Addr vaddr;
	int len = dwfl_module_build_id(mod, &want, &vaddr);
	ssize_t n = -1;
	uint32_t got;
	Elf *elf;

	if (len <= 0)
		return crc32_fd(fd, &got) == 0 && got == crc;
	if ((elf = elf_begin(fd, ELF_C_READ_MMAP, NULL))) {
		n = dwelf_elf_gnu_build_id(elf, &have);
		n = n == len && !memcmp(have, want, (size_t)len) ? n : -1;
		elf_end(elf);
	}
	return n > 0;
}

/*
 * A module's separate debug file. libdwfl's standard search opens each candidate as it is
 * named (blocking), beside the file a trace named: a FIFO there with the name the file's
 * .gnu_debuglink gives, or a debuglink of "../x", would hang pftrace or read a device. Here:
 * by build ID under /usr/lib/debug first (libdwfl's, root's directories only), then by the
 * debuglink name (a name, not a path) beside the file, in its .debug/ and under
 * /usr/lib/debug/DIR/, each opened only if regular and used only if it is the module's (its
 * build ID, or the CRC the debuglink gives). A dwz file (given with no CRC) is found by build
 * ID only.
 */
static int find_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
			  const char *file_name, const char *debuglink, GElf_Word crc, char **found)
{
	int fd = dwfl_build_id_find_debuginfo(mod, userdata, modname, base, file_name, debuglink,
					      crc, found);
	char *real = NULL, *dirs[2] = {NULL, NULL}, *cand = NULL;
	struct stat main_st;

	if (fd >= 0 || !file_name || !debuglink || !crc || !*debuglink || strchr(debuglink, '/') ||
	    !strcmp(debuglink, "..") || stat(file_name, &main_st) < 0)
		return fd;
	/* beside the file as named, and as it is (a link's target's directory) */
	dirs[0] = strdup(file_name);
	real = realpath(file_name, NULL);
	if (real && strcmp(real, file_name))
		dirs[1] = real;
	else
		free(real);
	for (int d = 0; d < 2 && fd < 0; d++) {
		char *slash = dirs[d] ? strrchr(dirs[d], '/') : NULL;
		const char *dir = dirs[d];

		if (!dir)
			continue;
		if (slash)
			*slash = '\0';
		else
			dir = ".";
		for (int where = 0; where < 3 && fd < 0; where++) {
			struct stat st;

			free(cand);
			cand = NULL;
			if ((where == 0 && asprintf(&cand, "%s/%s", dir, debuglink) < 0) ||
			    (where == 1 && asprintf(&cand, "%s/.debug/%s", dir, debuglink) < 0) ||
			    (where == 2 && (dir[0] != '/' || asprintf(&cand, "/usr/lib/debug%s/%s",
								      dir, debuglink) < 0)))
				cand = NULL;
			if (!cand || (fd = pft_open_regular(cand)) < 0)
				continue;
			/* the file itself by another name is not its debug file */
			if (fstat(fd, &st) < 0 ||
			    (st.st_dev == main_st.st_dev && st.st_ino == main_st.st_ino) ||
			    !is_debug_of(mod, fd, crc)) {
				close(fd);
				fd = -1;
			}
		}
	}
	free(dirs[0]);
	free(dirs[1]);
	if (fd >= 0) {
		*found = cand;
		return fd;
	}
	free(cand);
	errno = 0; /* none: not an error */
	return -1;
}

static char *debuginfo_path; /* libdwfl's default search path (for build IDs) */
const Dwfl_Callbacks pft_dwfl_offline = {
    .find_elf = dwfl_build_id_find_elf,
    .find_debuginfo = find_debuginfo,
    .section_address = dwfl_offline_section_address,
    .debuginfo_path = &debuginfo_path,
};

struct pft_syms *pft_syms_new(const char *symfs)
{
	struct pft_syms *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	if (symfs && !(s->symfs = strdup(symfs))) {
		free(s);
		return NULL;
	}
	elf_version(EV_CURRENT);
	return s;
}

static const char *str(const struct pft_syms *s, uint32_t id)
{
	return s->strs.s[id];
}

/* ---------------------------------------------------------------- build IDs */

int pft_syms_expect(struct pft_syms *s, const char *path, uint64_t inode, const uint8_t *id,
		    size_t len)
{
	uint32_t p, at;
	int r;

	if (len == 0 || len > MAX_BUILD_ID)
		return 0; /* nothing to check against */
	if (pft_strtab_put(&s->strs, path, &p) < 0)
		return -1;
	r = pft_hmap_put(&s->expect, p, inode, (uint32_t)s->nr_expected, &at);
	if (r < 0 || (r == 1 && pft_grow((void **)&s->expected, &s->cap_expected,
					 s->nr_expected + 1, sizeof(*s->expected)) < 0))
		return -1;
	if (r == 1)
		s->nr_expected++;
	memcpy(s->expected[at].id, id, len);
	s->expected[at].len = len;
	return 0;
}

/* ---------------------------------------------------------------- finding a file */

/* A debuginfod client, if DEBUGINFOD_URLS says to use one and libdebuginfod is installed
 * (loaded at run time: pftrace does not need it otherwise). */
static bool debuginfod(struct pft_syms *s)
{
	void *(*begin)(void);

	if (s->dbgd_tried)
		return s->dbgd != NULL;
	s->dbgd_tried = true;
	if (!getenv("DEBUGINFOD_URLS") || !*getenv("DEBUGINFOD_URLS"))
		return false;
	s->dbgd_lib = dlopen("libdebuginfod.so.1", RTLD_NOW | RTLD_LOCAL);
	if (!s->dbgd_lib)
		return false;
	begin = (void *(*)(void))dlsym(s->dbgd_lib, "debuginfod_begin");
	s->dbgd_find_executable = (int (*)(void *, const unsigned char *, int, char **))dlsym(
	    s->dbgd_lib, "debuginfod_find_executable");
	if (begin && s->dbgd_find_executable)
		s->dbgd = begin();
	return s->dbgd != NULL;
}

/* FILE_OK if the file at path is the one wanted, FILE_MISMATCH if it is another one, else why
 * there is none. The one wanted has the build ID recorded; without one, at the recorded path, it
 * is the inode the maps gave (a file rebuilt since is another file); under --symfs, the user
 * says it is. A path comes from the trace: what is there may be a FIFO (its open would wait
 * forever) or a device, never opened. */
static enum file_state is_it(const char *path, const struct expected *e, uint64_t inode)
{
	uint8_t id[MAX_BUILD_ID];
	struct stat st;
	ssize_t n;

	if (stat(path, &st) < 0)
		return FILE_MISSING;
	if (!S_ISREG(st.st_mode))
		return FILE_NOT_REGULAR;
	if (access(path, R_OK) < 0)
		return FILE_UNREADABLE;
	if (!e)
		return !inode || st.st_ino == inode ? FILE_OK : FILE_MISMATCH;
	n = pft_build_id(path, id, sizeof(id));
	return n == (ssize_t)e->len && !memcmp(id, e->id, e->len) ? FILE_OK : FILE_MISMATCH;
}

/* Where the file is now: the first candidate with the build ID the trace recorded. Else NULL,
 * and in *why the most telling reason of the candidates' (a mismatch, then no permission, then
 * not a file, then none). */
static char *find_file(struct pft_syms *s, const struct symfile *f, enum file_state *why)
{
	const char *path = str(s, f->path), *base = strrchr(path, '/');
	const struct expected *e = NULL;
	char *cand = NULL, hex[2 * MAX_BUILD_ID + 1];
	enum file_state r;
	uint32_t at;
	size_t i;

	*why = FILE_MISSING;
	if (pft_hmap_get(&s->expect, f->path, f->inode, &at))
		e = &s->expected[at];
	for (i = 0; e && i < e->len; i++)
		sprintf(hex + 2 * i, "%02x", e->id[i]);
	for (int step = 0; step < 5; step++) {
		free(cand);
		cand = NULL;
		switch (step) {
		case 0:
			cand = strdup(path);
			break;
		case 1:
			if (s->symfs && asprintf(&cand, "%s%s", s->symfs, path) < 0)
				cand = NULL;
			break;
		case 2:
			if (s->symfs &&
			    asprintf(&cand, "%s/%s", s->symfs, base ? base + 1 : path) < 0)
				cand = NULL;
			break;
		case 3: /* a debug file has the symbols, and the same build ID */
			if (e && asprintf(&cand, "/usr/lib/debug/.build-id/%.2s/%s.debug", hex,
					  hex + 2) < 0)
				cand = NULL;
			break;
		case 4:
			if (e && debuginfod(s)) {
				char *got = NULL;
				int fd = s->dbgd_find_executable(s->dbgd, e->id, (int)e->len, &got);

				if (fd >= 0)
					close(fd);
				cand = fd >= 0 ? got : (free(got), NULL);
			}
			break;
		}
		if (!cand)
			continue;
		r = is_it(cand, e, step == 0 ? f->inode : 0);
		if (r == FILE_OK)
			return cand;
		if (r == FILE_MISMATCH || (r == FILE_UNREADABLE && *why != FILE_MISMATCH) ||
		    (r == FILE_NOT_REGULAR && *why == FILE_MISSING))
			*why = r;
	}
	free(cand);
	return NULL;
}

/* The count of files unusable for this reason. */
static void count_unusable(struct pft_syms *s, enum file_state why)
{
	s->st.missing += why == FILE_MISSING;
	s->st.mismatched += why == FILE_MISMATCH;
	s->st.unreadable += why == FILE_UNREADABLE;
	s->st.not_regular += why == FILE_NOT_REGULAR;
}

/* Opens f: its module, and its PT_LOAD headers. */
static void open_file(struct pft_syms *s, struct symfile *f)
{
	enum file_state why;
	char *path = find_file(s, f, &why);
	size_t n, i;
	int fd = path ? pft_open_regular(path) : -1;
	Elf *elf;

	s->st.files++;
	f->state = fd >= 0 ? FILE_OK : path ? FILE_NOT_REGULAR : why;
	if (fd < 0) {
		count_unusable(s, f->state);
		free(path);
		return;
	}
	/* libdwfl reads the descriptor checked here (it owns it), never the path again */
	f->dwfl = dwfl_begin(&pft_dwfl_offline);
	if (f->dwfl) {
		f->mod = dwfl_report_offline(f->dwfl, str(s, f->path), path, fd);
		dwfl_report_end(f->dwfl, NULL, NULL);
	}
	/* consumed on success only (libdwfl.h); still ours if it failed */
	if (!f->mod && fcntl(fd, F_GETFD) != -1)
		close(fd);
	f->found = path;
	elf = f->mod ? dwfl_module_getelf(f->mod, &f->bias) : NULL;
	if (!elf || elf_getphdrnum(elf, &n) < 0) {
		f->state = FILE_MISSING; /* not an ELF file we can read */
		s->st.missing++;
		return;
	}
	f->loads = calloc(n ? n : 1, sizeof(*f->loads));
	for (i = 0; f->loads && i < n; i++) {
		GElf_Phdr ph;

		if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_LOAD)
			f->loads[f->nr_loads++] = ph;
	}
	f->has_symbols = dwfl_module_getsymtab(f->mod) > 0;
	s->st.no_symbols += !f->has_symbols;
}

static struct symfile *file_of(struct pft_syms *s, const struct pft_vma *v)
{
	size_t slot = ((uintptr_t)v >> 4) % VCACHE;
	uint32_t p, at;
	int r;

	if (s->vcache[slot].v == v)
		return &s->files[s->vcache[slot].file];
	if (pft_strtab_put(&s->strs, v->path, &p) < 0)
		return NULL;
	r = pft_hmap_put(&s->file_idx, p, v->inode, (uint32_t)s->nr_files, &at);
	if (r < 0)
		return NULL;
	if (r == 1) {
		if (pft_grow((void **)&s->files, &s->cap_files, s->nr_files + 1,
			     sizeof(*s->files)) < 0)
			return NULL;
		s->files[s->nr_files++] = (struct symfile){.path = p, .inode = v->inode};
	}
	pft_vma_unref(s->vcache[slot].v);
	s->vcache[slot].v = pft_vma_ref(v);
	s->vcache[slot].file = at;
	return &s->files[at];
}

/* ---------------------------------------------------------------- naming */

int pft_syms_file(struct pft_syms *s, const struct pft_vma *v, const char **path, uint64_t *bias)
{
	struct symfile *f = v && v->path ? file_of(s, v) : NULL;
	size_t i;

	if (!f)
		return -1;
	if (f->state == FILE_UNOPENED)
		open_file(s, f);
	if (f->state != FILE_OK)
		return -1;
	for (i = 0; i < f->nr_loads; i++) {
		const GElf_Phdr *p = &f->loads[i];

		if (v->offset >= p->p_offset && v->offset < p->p_offset + p->p_filesz) {
			*path = f->found;
			*bias = v->start - (v->offset - p->p_offset + p->p_vaddr);
			return 0;
		}
	}
	return -1;
}

/* The virtual address of a file offset, through the PT_LOAD that maps it. */
static bool vaddr_of(const struct symfile *f, uint64_t off, GElf_Addr *addr)
{
	size_t i;

	for (i = 0; i < f->nr_loads; i++) {
		const GElf_Phdr *p = &f->loads[i];

		if (off >= p->p_offset &&
		    off < p->p_offset + (p->p_memsz > p->p_filesz ? p->p_memsz : p->p_filesz)) {
			*addr = off - p->p_offset + p->p_vaddr + f->bias;
			return true;
		}
	}
	return false;
}

static int add_result(struct pft_syms *s, const struct pft_symbol *r, uint32_t *idx)
{
	if (pft_grow((void **)&s->results, &s->cap_results, s->nr_results + 1,
		     sizeof(*s->results)) < 0)
		return -1;
	s->results[s->nr_results] = *r;
	*idx = (uint32_t)s->nr_results++;
	return 0;
}

const char *pft_syms_intern(struct pft_syms *s, const char *text)
{
	uint32_t id;

	if (!text || pft_strtab_put(&s->strs, text, &id) < 0)
		return NULL;
	return str(s, id);
}

/* A string of ours (interned), or NULL. */
static const char *keep(struct pft_syms *s, const char *text)
{
	uint32_t id;

	if (!text || pft_strtab_put(&s->strs, text, &id) < 0)
		return NULL;
	return str(s, id);
}

char *pft_demangle(const char *name)
{
	/* C++ and Rust (legacy, _ZN...17h<hash>E, and v0, _R...) as people write them, as
	 * perf and gdb show them: libiberty's demangler, which the toolchain's own tools use */
	if (strncmp(name, "_Z", 2) && strncmp(name, "_R", 2))
		return NULL;
	return cplus_demangle(name, DMGL_PARAMS | DMGL_ANSI | DMGL_AUTO);
}

static void name_in_file(struct pft_syms *s, struct symfile *f, uint64_t off, struct pft_symbol *r)
{
	GElf_Addr addr, sym_off;
	GElf_Sym sym;
	const char *name, *src, *at;
	char *plain = NULL;
	Dwfl_Line *line;
	int lineno = 0;
	char buf[4200];

	if (f->state != FILE_OK || !vaddr_of(f, off, &addr))
		return;
	name = dwfl_module_addrinfo(f->mod, addr, &sym_off, &sym, NULL, NULL, NULL);
	if (!name)
		return;
	/* "memcpy@@GLIBC_2.14": the function is memcpy */
	if ((at = strchr(name, '@')) && at > name) {
		snprintf(buf, sizeof(buf), "%.*s", (int)(at - name), name);
		name = buf;
	}
	if ((plain = pft_demangle(name)))
		name = plain;
	r->function = keep(s, name);
	free(plain);
	r->offset = sym_off;
	line = dwfl_module_getsrc(f->mod, addr);
	src = line ? dwfl_lineinfo(line, NULL, &lineno, NULL, NULL, NULL) : NULL;
	if (src) {
		snprintf(buf, sizeof(buf), "%s:%d", src, lineno);
		r->source = keep(s, buf);
	}
}

/* ---------------------------------------------------------------- kernel */

int pft_syms_kallsyms(struct pft_syms *s, FILE *in)
{
	char line[512], type, name[256];
	unsigned long long addr;

	s->ksyms_loaded = true;
	if (!in) {
		s->ksyms_live = true; /* read when a kernel address is first named */
		s->ksyms_loaded = false;
		return 0;
	}
	while (fgets(line, sizeof(line), in)) {
		uint32_t id;

		if (sscanf(line, "%llx %c %255s", &addr, &type, name) != 3 || !addr ||
		    (type != 't' && type != 'T' && type != 'w' && type != 'W'))
			continue;
		if (pft_strtab_put(&s->strs, name, &id) < 0 ||
		    pft_grow((void **)&s->ksyms, &s->cap_ksyms, s->nr_ksyms + 1,
			     sizeof(*s->ksyms)) < 0)
			return -1;
		s->ksyms[s->nr_ksyms++] = (struct ksym){addr, id};
		s->ksyms_sorted = false;
	}
	return ferror(in) ? -1 : 0;
}

static int by_addr(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* The symbol that holds addr: the index of the last one at or below it, or -1. */
static ssize_t ksym_at(struct pft_syms *s, uint64_t addr)
{
	size_t lo = 0, hi = s->nr_ksyms;

	if (!s->ksyms_sorted && s->nr_ksyms) {
		qsort(s->ksyms, s->nr_ksyms, sizeof(*s->ksyms), by_addr);
		s->ksyms_sorted = true;
	}
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->ksyms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (ssize_t)lo - 1;
}

static void name_kernel(struct pft_syms *s, uint64_t addr, struct pft_symbol *r)
{
	ssize_t i;

	if (!s->ksyms_loaded && s->ksyms_live) {
		FILE *f = fopen("/proc/kallsyms", "re");

		if (f) {
			pft_syms_kallsyms(s, f);
			fclose(f);
		}
		s->ksyms_loaded = true;
	}
	r->kernel = true;
	r->module = "[kernel]";
	r->module_offset = addr;
	i = ksym_at(s, addr);
	if (i < 0)
		return;
	r->function = str(s, s->ksyms[i].name);
	r->offset = addr - s->ksyms[i].addr;
}

int pft_kallsyms_subset(FILE *in, const uint64_t *addrs, size_t n, FILE *out)
{
	struct pft_syms *s = pft_syms_new(NULL);
	bool *keep = NULL;
	int ret = -1;
	size_t i;

	if (!s || pft_syms_kallsyms(s, in) < 0)
		goto out;
	keep = calloc(s->nr_ksyms ? s->nr_ksyms : 1, sizeof(*keep));
	if (!keep)
		goto out;
	for (i = 0; i < n; i++) {
		ssize_t k = ksym_at(s, addrs[i]);

		/* and the next one: where the function ends, for readers that look for it
		 * (trace-cmd names nothing past the last symbol it has) */
		if (k >= 0) {
			keep[k] = true;
			if ((size_t)k + 1 < s->nr_ksyms)
				keep[k + 1] = true;
		}
	}
	for (i = 0; i < s->nr_ksyms; i++)
		if (keep[i])
			fprintf(out, "%016" PRIx64 " T %s\n", s->ksyms[i].addr,
				str(s, s->ksyms[i].name));
	ret = ferror(out) ? -1 : 0;
out:
	free(keep);
	pft_syms_free(s);
	return ret;
}

/* ---------------------------------------------------------------- JIT code */

int pft_syms_jitmap(struct pft_syms *s, int pid, const char *text, size_t len)
{
	if (!s->jit && !(s->jit = pft_jitmaps_new()))
		return -1;
	return pft_jitmaps_set(s->jit, pid, text, len);
}

void pft_syms_set_jit_source(struct pft_syms *s,
			     int (*refresh)(void *data, struct pft_syms *s, int pid), void *data)
{
	s->jit_refresh = refresh;
	s->jit_data = data;
}

int pft_syms_foreach_jitmap(const struct pft_syms *s,
			    int (*cb)(void *data, int pid, const char *text, size_t len), void *data)
{
	return pft_jitmaps_foreach(s->jit, cb, data);
}

/* Code in anonymous memory named by pid's JIT map (read again where the source can, the JIT
 * having written more since): false if not (yet). */
static bool name_jit(struct pft_syms *s, int pid, uint64_t addr, struct pft_symbol *r)
{
	const char *name = pft_jitmaps_find(s->jit, pid, addr, &r->offset);

	if (!name && s->jit_refresh && s->jit_refresh(s->jit_data, s, pid) > 0)
		name = pft_jitmaps_find(s->jit, pid, addr, &r->offset);
	if (!name)
		return false;
	r->function = keep(s, name);
	r->module = keep(s, "[jit]");
	return r->function != NULL;
}

void pft_syms_lookup(struct pft_syms *s, int pid, const struct pft_vma *v, uint64_t addr,
		     struct pft_symbol *out)
{
	struct pft_symbol r = {0};
	struct symfile *f = NULL;
	uint64_t key_a, key_b;
	bool cache = true;
	uint32_t idx;
	int k;

	/* the key: (file, offset in it); the kernel's by address; anonymous memory by address */
	if (addr >= 1ull << 63) {
		key_a = UINT64_MAX;
		key_b = addr;
	} else if (v && v->path && (f = file_of(s, v))) {
		key_a = (uint64_t)(f - s->files);
		key_b = addr - v->start + v->offset;
	} else {
		/* anonymous memory: its code is a JIT's, of one process */
		key_a = 1ull << 62 | (uint32_t)pid;
		key_b = addr;
	}
	s->st.lookups++;
	k = pft_hmap_get(&s->result_idx, key_a, key_b, &idx);
	if (k) {
		*out = s->results[idx];
		return;
	}
	if (addr >= 1ull << 63) {
		name_kernel(s, addr, &r);
	} else if (f) {
		if (f->state == FILE_UNOPENED)
			open_file(s, f);
		r.module = str(s, f->path);
		r.module_offset = key_b;
		name_in_file(s, f, key_b, &r);
	} else {
		r.module = v ? keep(s, v->name) : NULL;
		r.module_offset = v ? addr - v->start : addr;
		/* JIT code the map does not name yet: asked again, the JIT may write it later */
		if (v && v->perms[2] == 'x')
			cache = name_jit(s, pid, addr, &r);
	}
	s->st.resolved++;
	s->st.names += r.function != NULL;
	*out = r;
	/* not cached if memory ran out: only asked again */
	if (cache && add_result(s, &r, &idx) == 0)
		pft_hmap_set(&s->result_idx, key_a, key_b, idx);
}

const struct pft_syms_stats *pft_syms_stats(const struct pft_syms *s)
{
	return &s->st;
}

int pft_syms_foreach_unusable(const struct pft_syms *s,
			      int (*cb)(void *data, const char *path, const char *why), void *data)
{
	static const char *const why[] = {[FILE_MISSING] = "missing",
					  [FILE_MISMATCH] = "mismatch",
					  [FILE_UNREADABLE] = "unreadable",
					  [FILE_NOT_REGULAR] = "not-regular"};
	size_t i;
	int r;

	for (i = 0; i < s->nr_files; i++) {
		const struct symfile *f = &s->files[i];

		if (f->state == FILE_OK || f->state == FILE_UNOPENED)
			continue;
		if ((r = cb(data, str(s, f->path), why[f->state])) < 0)
			return r;
	}
	return 0;
}

int pft_symbol_text(const struct pft_symbol *sym, char *buf, size_t size)
{
	const char *mod = sym->module ? strrchr(sym->module, '/') : NULL;

	mod = mod ? mod + 1 : sym->module;
	if (sym->function)
		return snprintf(buf, size, "%s+0x%" PRIx64, sym->function, sym->offset);
	if (mod)
		return snprintf(buf, size, "%s+0x%" PRIx64, mod, sym->module_offset);
	return snprintf(buf, size, "0x%" PRIx64, sym->module_offset);
}

struct pft_unwinder **pft_syms_unwinder(struct pft_syms *s)
{
	return &s->unw;
}

void pft_syms_free(struct pft_syms *s)
{
	size_t i;

	if (!s)
		return;
	pft_unwinder_free(s->unw); /* its Dwfls hold files found here */
	pft_jitmaps_free(s->jit);
	for (i = 0; i < VCACHE; i++)
		pft_vma_unref(s->vcache[i].v);
	for (i = 0; i < s->nr_files; i++) {
		if (s->files[i].dwfl)
			dwfl_end(s->files[i].dwfl);
		free(s->files[i].loads);
		free(s->files[i].found);
	}
	free(s->files);
	free(s->expected);
	free(s->results);
	free(s->ksyms);
	pft_hmap_release(&s->file_idx);
	pft_hmap_release(&s->expect);
	pft_hmap_release(&s->result_idx);
	pft_strtab_release(&s->strs);
	if (s->dbgd_lib) {
		void (*end)(void *) = (void (*)(void *))dlsym(s->dbgd_lib, "debuginfod_end");

		if (s->dbgd && end)
			end(s->dbgd);
		dlclose(s->dbgd_lib);
	}
	free(s->symfs);
	free(s);
}
