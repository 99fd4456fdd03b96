/* SPDX-License-Identifier: MIT */
/* error_code bits, access, and the kind of each fault (documented in pftrace(1)). */
#include <errno.h>
#include <string.h>
#include "internal.h"

/* The kernel grows a stack VMA down on a fault below it up to RLIMIT_STACK; 8 MiB by default. */
#define STACK_GROWTH_WINDOW (8ull << 20)

static const char *const kind_names[PFT_KIND_COUNT] = {
    [PFT_KIND_ANON_FIRST_TOUCH] = "anon-first-touch",
    [PFT_KIND_FILE_READ] = "file-read",
    [PFT_KIND_FILE_WRITE] = "file-write",
    [PFT_KIND_COW] = "cow",
    [PFT_KIND_WRITE_PROTECT] = "write-protect",
    [PFT_KIND_EXEC] = "exec",
    [PFT_KIND_STACK_GROWTH] = "stack-growth",
    [PFT_KIND_NO_VMA] = "no-vma",
    [PFT_KIND_BAD_ACCESS] = "bad-access",
    [PFT_KIND_PKEY] = "pkey",
    [PFT_KIND_OTHER] = "other",
    [PFT_KIND_UNKNOWN] = "unknown",
    [PFT_KIND_WRITE] = "write",
    [PFT_KIND_ANON] = "anon",
    [PFT_KIND_FILE] = "file",
};

/* riscv's scause values of a page fault */
#define RISCV_INSTR_PAGE_FAULT 12
#define RISCV_LOAD_PAGE_FAULT  13
#define RISCV_STORE_PAGE_FAULT 15

int pft_arch_of(const char *machine)
{
	static const char *const x86[] = {"x86_64", "x86", "i386", "i486", "i586", "i686"};
	size_t i;

	for (i = 0; i < sizeof(x86) / sizeof(x86[0]); i++)
		if (!strcmp(machine, x86[i]))
			return PFT_ARCH_X86;
	if (!strncmp(machine, "riscv", 5))
		return PFT_ARCH_RISCV;
	errno = ENOTSUP;
	return -1;
}

const char *pft_arch_name(enum pft_arch arch)
{
	return arch == PFT_ARCH_RISCV ? "riscv" : "x86";
}

/* The user bit is not set: the event (page_fault_user or _kernel) says who faulted. Another
 * exception than a page fault cannot reach handle_page_fault: as a reserved bit, "other". */
struct pft_code pft_code_of(enum pft_arch arch, uint64_t ec)
{
	if (arch != PFT_ARCH_RISCV)
		return (struct pft_code){ec, true, true};
	switch (ec) {
	case RISCV_INSTR_PAGE_FAULT:
		return (struct pft_code){PFT_PF_INSTR, false, true};
	case RISCV_LOAD_PAGE_FAULT:
		return (struct pft_code){0, false, true};
	case RISCV_STORE_PAGE_FAULT:
		return (struct pft_code){PFT_PF_WRITE, false, true};
	default:
		return (struct pft_code){PFT_PF_RSVD, false, true};
	}
}

enum pft_access pft_access_of(uint64_t ec)
{
	if (ec & PFT_PF_INSTR)
		return PFT_ACCESS_EXEC;
	return ec & PFT_PF_WRITE ? PFT_ACCESS_WRITE : PFT_ACCESS_READ;
}

const char *pft_access_name(enum pft_access a)
{
	static const char *const names[] = {"read", "write", "exec", NULL};

	return a <= PFT_ACCESS_UNKNOWN ? names[a] : NULL;
}

const char *pft_kind_name(enum pft_kind k)
{
	return k < PFT_KIND_COUNT ? kind_names[k] : "other";
}

/* Names of the error_code bits; the ones the kernel does not define are "bitN". */
static const char *const bit_names[64] = {
    "prot",  "write", "user",  "rsvd",	"instr", "pkey",  "shstk", "bit7",  "bit8",  "bit9",
    "bit10", "bit11", "bit12", "bit13", "bit14", "sgx",	  "bit16", "bit17", "bit18", "bit19",
    "bit20", "bit21", "bit22", "bit23", "bit24", "bit25", "bit26", "bit27", "bit28", "bit29",
    "bit30", "rmp",   "bit32", "bit33", "bit34", "bit35", "bit36", "bit37", "bit38", "bit39",
    "bit40", "bit41", "bit42", "bit43", "bit44", "bit45", "bit46", "bit47", "bit48", "bit49",
    "bit50", "bit51", "bit52", "bit53", "bit54", "bit55", "bit56", "bit57", "bit58", "bit59",
    "bit60", "bit61", "bit62", "bit63",
};

/* riscv's: one cause, named (the spec's exception codes; past them, "cause-other") */
static int riscv_flags(uint64_t ec, const char **names, int max)
{
	static const char *const causes[16] = {
	    "cause-0",	"cause-1",  "cause-2",		   "cause-3",
	    "cause-4",	"cause-5",  "cause-6",		   "cause-7",
	    "cause-8",	"cause-9",  "cause-10",		   "cause-11",
	    "instruction-page-fault", "load-page-fault", "cause-14", "store-page-fault",
	};

	if (max > 0)
		names[0] = ec < 16 ? causes[ec] : "cause-other";
	return 1;
}

int pft_error_code_flags(enum pft_arch arch, uint64_t ec, const char **names, int max)
{
	int bit, n = 0;

	if (arch == PFT_ARCH_RISCV)
		return riscv_flags(ec, names, max);

	for (bit = 0; bit < 64; bit++) {
		if (!(ec >> bit & 1))
			continue;
		if (n < max)
			names[n] = bit_names[bit];
		n++;
	}
	return n;
}

static bool allowed(const struct pft_vma *v, enum pft_access a)
{
	if (v->perms[0] == '?')
		return true; /* permissions not recorded (trace-cmd's PROCMAPS) */
	switch (a) {
	case PFT_ACCESS_EXEC:
		return v->perms[2] == 'x';
	case PFT_ACCESS_WRITE:
		return v->perms[1] == 'w';
	default:
		/* x86 cannot map write- or exec-only: either implies read */
		return v->perms[0] == 'r' || v->perms[1] == 'w' || v->perms[2] == 'x';
	}
}

/* The kernel's view: a mapping with an inode is file-backed (shmem and memfd included). */
static bool file_backed(const struct pft_vma *v)
{
	return v->inode != 0;
}

/* [vdso], [vvar], [vvar_vclock], [vsyscall]: pages the kernel's special-mapping handler installs.
 */
static bool special(const struct pft_vma *v)
{
	return !v->path && !strncmp(v->name, "[v", 2);
}

static bool below_stack(const struct pft_maps *maps, uint64_t addr)
{
	const struct pft_vma *next = pft_maps_next(maps, addr);

	return next && !strcmp(next->name, "[stack]") && next->start - addr <= STACK_GROWTH_WINDOW;
}

enum pft_kind pft_classify(uint64_t ec, const struct pft_vma *vma, const struct pft_maps *maps,
			   uint64_t addr)
{
	return pft_classify_code((struct pft_code){ec, true, true}, vma, maps, addr);
}

/* One order of decisions for every source: code.bits 0 and !code.known where there was no
 * error_code (perf's event), the access a then what could be inferred (or unknown). */
static enum pft_kind classify(struct pft_code code, enum pft_access a, const struct pft_vma *vma,
			      const struct pft_maps *maps, uint64_t addr)
{
	uint64_t ec = code.bits;

	if (ec & PFT_PF_PK)
		return PFT_KIND_PKEY;
	if (!maps)
		return PFT_KIND_UNKNOWN;
	if (!vma)
		return below_stack(maps, addr) ? PFT_KIND_STACK_GROWTH : PFT_KIND_NO_VMA;
	if (a != PFT_ACCESS_UNKNOWN && !allowed(vma, a))
		return PFT_KIND_BAD_ACCESS;
	if (ec & (PFT_PF_RSVD | PFT_PF_SHSTK | PFT_PF_SGX | PFT_PF_RMP))
		return PFT_KIND_OTHER;
	if (a == PFT_ACCESS_EXEC)
		return PFT_KIND_EXEC;
	if (special(vma))
		return PFT_KIND_OTHER;
	/* no error code: whether the page was there (a first touch, a copy) is not told */
	if (!code.known && a != PFT_ACCESS_READ)
		return file_backed(vma) ? PFT_KIND_FILE : PFT_KIND_ANON;
	/* a read is taken as of a page not present, as x86's would be: on riscv one that was
	 * present faults only to set its accessed bit (documented in pftrace(1)) */
	if (!code.prot_known && a == PFT_ACCESS_WRITE)
		return PFT_KIND_WRITE;
	if (ec & PFT_PF_PROT) {
		if (a != PFT_ACCESS_WRITE)
			return PFT_KIND_OTHER;
		return vma->perms[3] == 's' ? PFT_KIND_WRITE_PROTECT : PFT_KIND_COW;
	}
	if (file_backed(vma))
		return a == PFT_ACCESS_WRITE ? PFT_KIND_FILE_WRITE : PFT_KIND_FILE_READ;
	return PFT_KIND_ANON_FIRST_TOUCH;
}

enum pft_kind pft_classify_code(struct pft_code code, const struct pft_vma *vma,
				const struct pft_maps *maps, uint64_t addr)
{
	return classify(code, pft_access_of(code.bits), vma, maps, addr);
}

/* An instruction whose own page is missing cannot run to read or write it: a fault in the ip's
 * page is the fetch. Past that, only permissions that leave one access tell it (a refused
 * access is a SIGSEGV: the man page says so). */
enum pft_access pft_access_infer(const struct pft_vma *v, uint64_t ip, uint64_t addr)
{
	if ((ip & PFT_PAGE_MASK) == (addr & PFT_PAGE_MASK))
		return PFT_ACCESS_EXEC;
	if (!v || v->perms[0] == '?' || v->perms[1] == 'w')
		return PFT_ACCESS_UNKNOWN;
	if (v->perms[2] != 'x')
		return PFT_ACCESS_READ;
	return v->perms[0] == 'r' ? PFT_ACCESS_UNKNOWN : PFT_ACCESS_EXEC;
}

enum pft_kind pft_classify_access(enum pft_access a, const struct pft_vma *vma,
				  const struct pft_maps *maps, uint64_t addr)
{
	return classify((struct pft_code){0, false, false}, a, vma, maps, addr);
}

static const char *const by_names[] = {"vma", "file", "page",	"ip",	 "tid",	  "kind",
				       "pid", "sym",  "path", "cause", "comm", "cgroup"};

int pft_by_parse(const char *s)
{
	size_t i;

	for (i = 0; i < sizeof(by_names) / sizeof(by_names[0]); i++)
		if (!strcmp(s, by_names[i]))
			return (int)i;
	return -1;
}

const char *pft_by_name(enum pft_by by)
{
	return by < PFT_BY_COUNT ? by_names[by] : "vma";
}
