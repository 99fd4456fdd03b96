/* SPDX-License-Identifier: MIT */
/* Unit tests of libpftrace: parsers, decoder, classifier, aggregation. Real lines throughout. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <event-parse.h>
#include "../lib/pftrace.h"
#include "../lib/internal.h"
#include "../lib/perf.h"

static int passed, failed;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (cond) {                                                                        \
			passed++;                                                                  \
		} else {                                                                           \
			failed++;                                                                  \
			fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);            \
		}                                                                                  \
	} while (0)
#define CHECK_STR(a, b) CHECK((a) && (b) && !strcmp((a), (b)))

/* Parses a copy of line (the parser writes into it). */
static enum pft_line parse(const char *line, struct pft_event *ev, struct pft_line_info *info)
{
	static char buf[4096];
	size_t len = strlen(line);

	memcpy(buf, line, len + 1);
	memset(info, 0, sizeof(*info));
	return pft_parse_line(buf, len, ev, info);
}

static void test_trace_variants(void)
{
	struct pft_event ev;
	struct pft_line_info in;

	/* instance `trace`, 5-column irq flags */
	CHECK(parse("         python3-8466    [000] d....   361.349940: page_fault_user: "
		    "address=0x55cbb9f46d08 ip=0x7fc4f48f3109 error_code=0x6",
		    &ev, &in) == PFT_LINE_EVENT);
	CHECK(ev.type == PFT_EV_FAULT_USER);
	CHECK_STR(ev.comm, "python3");
	CHECK(ev.tid == 8466 && ev.tgid == -1 && ev.cpu == 0);
	CHECK_STR(ev.irq_flags, "d....");
	CHECK(ev.ts == 361349940000ull);
	CHECK(ev.address == 0x55cbb9f46d08ull && ev.ip == 0x7fc4f48f3109ull && ev.error_code == 6);
	CHECK(!ev.ip_symbol);

	/* older kernels: 4-column flags, no timestamp (copied seed line) */
	CHECK(parse("   systemd-udevd-13056 [002] dn..  page_fault_user: address=0x55dde4513bf8 "
		    "ip=0x7f5d47f819b6 error_code=0x7",
		    &ev, &in) == PFT_LINE_EVENT);
	CHECK_STR(ev.comm, "systemd-udevd");
	CHECK(ev.tid == 13056 && ev.cpu == 2 && ev.ts == PFT_NO_TS);
	CHECK_STR(ev.irq_flags, "dn..");

	/* options/irq-info off */
	CHECK(parse("            cat-13544 [002] 26845.440344: page_fault_user: "
		    "address=0x7fd64420c3f4 ip=0x7fd643c69461 error_code=0x4",
		    &ev, &in) == PFT_LINE_EVENT);
	CHECK(!ev.irq_flags && ev.ts == 26845440344000ull && ev.tid == 13544);

	/* options/record-tgid, known and unknown */
	CHECK(parse("           <...>-8470  (   8466) [001] d....   361.360000: page_fault_user: "
		    "address=0x7ff5c0ccf000 ip=0x7ff5c1f00000 error_code=0x6",
		    &ev, &in) == PFT_LINE_EVENT);
	CHECK_STR(ev.comm, "<...>");
	CHECK(ev.tid == 8470 && ev.tgid == 8466 && ev.cpu == 1);
	CHECK(parse("            bash-8414  (-------) [000] d....   360.461188: page_fault_user: "
		    "address=0x5559ff5a0998 ip=0x7f135e2e07a0 error_code=0x7",
		    &ev, &in) == PFT_LINE_EVENT);
	CHECK(ev.tid == 8414 && ev.tgid == -1);

	/* counter / x86-tsc clocks: integers */
	CHECK(parse("            bash-8414    [000] d....  123456789: page_fault_user: "
		    "address=0x1000 ip=0x2000 error_code=0x4",
		    &ev, &in) == PFT_LINE_EVENT);
	CHECK(ev.ts == 123456789ull && in.ts_raw);

	/* comms with spaces, dashes, slashes, brackets */
	CHECK(parse("     Web Content-1234    [001] d....   10.000001: page_fault_user: "
		    "address=0x1000 ip=0x2000 error_code=0x14",
		    &ev, &in) == PFT_LINE_EVENT);
	CHECK_STR(ev.comm, "Web Content");
	CHECK(ev.tid == 1234 && ev.ts == 10000001000ull);
	CHECK(parse("  kworker/u8:2-91      [001] d....   10.5: page_fault_kernel: "
		    "address=0x7f0000001000 ip=__put_user_8 error_code=0x2",
		    &ev, &in) == PFT_LINE_EVENT);
	CHECK_STR(ev.comm, "kworker/u8:2");
	CHECK(ev.tid == 91 && ev.type == PFT_EV_FAULT_KERNEL);
	CHECK_STR(ev.ip_symbol, "__put_user_8");
	CHECK(ev.ts == 10500000000ull);
	CHECK(parse("       a [1] b-c-77    [003] .....   1.000000: page_fault_user: "
		    "address=0x1000 ip=0x2000 error_code=0x4",
		    &ev, &in) == PFT_LINE_EVENT);
	CHECK_STR(ev.comm, "a [1] b-c");
	CHECK(ev.tid == 77 && ev.cpu == 3);

	/* trace-cmd report: instance prefix, padded event name */
	CHECK(parse("sf:          python3-8466  [000]   361.351390: page_fault_kernel:    "
		    "address=0x55fbbe468424 ip=elf_load error_code=0x2",
		    &ev, &in) == PFT_LINE_EVENT);
	CHECK_STR(ev.comm, "python3");
	CHECK(ev.tid == 8466 && ev.type == PFT_EV_FAULT_KERNEL && ev.error_code == 2);
	CHECK_STR(ev.ip_symbol, "elf_load");
	CHECK(parse("cpus=2", &ev, &in) == PFT_LINE_HEADER);

	/* other events are events, not errors */
	CHECK(
	    parse(
		"          <idle>-0       [001] d..2.  100.000001: sched_migrate_task: "
		"comm=bash pid=1 prio=120 orig_cpu=0 dest_cpu=1",
		&ev, &in) == PFT_LINE_EVENT);
	CHECK(ev.type == PFT_EV_OTHER && ev.tid == 0);
	CHECK_STR(ev.name, "sched_migrate_task");
	CHECK_STR(ev.comm, "<idle>");

	/* stacks */
	CHECK(parse("             cat-13544 [002] d... 26845.440345: <stack trace>", &ev, &in) ==
	      PFT_LINE_STACK_START);
	CHECK(!in.user_stack);
	CHECK(parse("             cat-13544 [002] d... 26845.440345: <user stack trace>", &ev,
		    &in) == PFT_LINE_STACK_START);
	CHECK(in.user_stack);
	CHECK(parse(" => trace_event_raw_event_x86_exceptions", &ev, &in) == PFT_LINE_STACK_FRAME);
	CHECK_STR(in.frame, "trace_event_raw_event_x86_exceptions");
	CHECK(parse("=> do_page_fault", &ev, &in) == PFT_LINE_STACK_FRAME);

	/* losses, headers, junk */
	CHECK(parse("CPU:1 [LOST 123 EVENTS]", &ev, &in) == PFT_LINE_LOST && in.lost == 123);
	CHECK(parse("CPU:0 [45 EVENTS DROPPED]", &ev, &in) == PFT_LINE_LOST && in.lost == 45);
	CHECK(parse("# tracer: nop", &ev, &in) == PFT_LINE_HEADER);
	CHECK(parse("   ", &ev, &in) == PFT_LINE_BLANK);
	CHECK(parse("hello world", &ev, &in) == PFT_LINE_UNRECOGNIZED);
	CHECK(parse("         python3-8466    [000] d....   361.349940: page_fault_user: "
		    "address=0x55cbb9f46d08 ip=",
		    &ev, &in) == PFT_LINE_MALFORMED);
	CHECK(parse("         python3-8466    [000] d....   361.349940: page_fault_user: "
		    "address=0x55cbb9f46d08 ip=0x1 error_code=zz",
		    &ev, &in) == PFT_LINE_MALFORMED);
	CHECK(parse("python3 [000] page_fault_user: address=0x1 ip=0x1 error_code=0x1", &ev, &in) ==
	      PFT_LINE_MALFORMED);
	CHECK(
	    parse("         python3-8466    [000] d....   99999999999999999999.5: page_fault_user: "
		  "address=0x1 ip=0x1 error_code=0x1",
		  &ev, &in) == PFT_LINE_MALFORMED);
	CHECK(parse("         python3-8466    [000] d....   361.349940: page_fault_user: "
		    "address=0x1ffffffffffffffff ip=0x1 error_code=0x1",
		    &ev, &in) == PFT_LINE_MALFORMED);
}

static FILE *from_string(const char *s)
{
	return fmemopen((void *)s, strlen(s), "r");
}

/* The lines of the events that follow address spaces, in every form they are saved in. */
static void test_history_lines(void)
{
	struct pft_event ev;
	struct pft_line_info in;

	CHECK(parse("  workload-13676 [001] .....  3584.751927: sys_mmap(addr: 0, len: 0x2000, "
		    "prot: 3, "
		    "flags: 0x22, fd: 0xffffffff, off: 0)",
		    &ev, &in) == PFT_LINE_EVENT);
	CHECK(ev.type == PFT_EV_SYSCALL && ev.sys == PFT_SYS_MMAP && !ev.sys_exit);
	CHECK(ev.args[1] == 0x2000 && ev.args[2] == 3 && ev.args[3] == 0x22 &&
	      ev.args[4] == 0xffffffff);
	CHECK(parse("  workload-13676 [001] .....  3584.751931: sys_mmap -> 0x7f15e0033000", &ev,
		    &in) == PFT_LINE_EVENT);
	CHECK(ev.type == PFT_EV_SYSCALL && ev.sys_exit && ev.ret == 0x7f15e0033000);
	CHECK(parse("  workload-13676 [001] .....  3584.751931: sys_munmap -> 0xfffffffffffffff2",
		    &ev, &in) == PFT_LINE_EVENT);
	CHECK(ev.sys == PFT_SYS_MUNMAP && ev.ret == -14);
	/* other syscalls are other events, not malformed lines */
	CHECK(parse("  workload-13676 [001] .....  3584.751931: sys_read(fd: 3, buf: 0x7ffc, "
		    "count: 0x340)",
		    &ev, &in) == PFT_LINE_EVENT &&
	      ev.type == PFT_EV_OTHER);
	/* the events' own print format (trace-cmd report) */
	CHECK(parse("  bash-101 [000] d.... 1.1: sys_enter_mremap: addr: 0x7f0000000000, old_len: "
		    "0x00004000, new_len: 0x00008000, flags: 0x00000001, new_addr: 0x00000000",
		    &ev, &in) == PFT_LINE_EVENT);
	CHECK(ev.type == PFT_EV_SYSCALL && ev.sys == PFT_SYS_MREMAP && ev.args[2] == 0x8000);
	CHECK(parse("  bash-101 [000] d.... 1.1: sys_exit_brk: 0x5638abdab000", &ev, &in) ==
		  PFT_LINE_EVENT &&
	      ev.sys == PFT_SYS_BRK && ev.sys_exit && ev.ret == 0x5638abdab000);
	CHECK(
	    parse(
		"  bash-100 [000] d.... 1.0: task_newtask: pid=101 comm=make 2 clone_flags=1200011 "
		"oom_score_adj=0",
		&ev, &in) == PFT_LINE_EVENT);
	CHECK(ev.type == PFT_EV_NEWTASK && ev.child == 101 && ev.clone_flags == 0x1200011);
	CHECK(parse("  ls-101 [000] d.... 1.6: sched_process_exec: filename=/usr/bin/my ls pid=101 "
		    "old_pid=101",
		    &ev, &in) == PFT_LINE_EVENT);
	CHECK(ev.type == PFT_EV_EXEC && !strcmp(ev.text, "/usr/bin/my ls"));
	CHECK(parse("  ls-101 [000] d.... 1.7: sched_process_exit: comm=ls pid=101 prio=120 "
		    "group_dead=false",
		    &ev, &in) == PFT_LINE_EVENT);
	CHECK(ev.type == PFT_EV_EXIT && !ev.group_dead);
	CHECK(parse("  ls-101 [000] d.... 1.7: sched_process_exit: comm=ls pid=101 prio=120", &ev,
		    &in) == PFT_LINE_EVENT &&
	      ev.group_dead);
	CHECK(parse("  ls-101 [000] 1.8: signal_deliver:       sig=10 errno=0 code=-6 "
		    "sa_handler=55a69314e4a9 sa_flags=4000000",
		    &ev, &in) == PFT_LINE_EVENT);
	CHECK(ev.type == PFT_EV_SIGNAL && ev.args[0] == 10);
	CHECK(parse("  ls-101 [000] 1.8: signal_deliver: sig=x errno=0", &ev, &in) ==
		  PFT_LINE_EVENT &&
	      ev.type == PFT_EV_OTHER);
}

/* perf MMAP2 as the recorder passes it on: start, len, pgoff (bytes), dev, ino, prot, flags */
static struct pft_event mmap2(uint64_t ts, uint64_t start, uint64_t len, uint64_t pgoff,
			      uint64_t ino, int prot, const char *name)
{
	struct pft_event ev = {.type = PFT_EV_MMAP, .ts = ts, .tid = 7, .tgid = 7, .text = name};

	ev.args[0] = start;
	ev.args[1] = len;
	ev.args[2] = pgoff;
	ev.args[3] = (uint64_t)0xfe << 32;
	ev.args[4] = ino;
	ev.args[5] = (uint64_t)prot;
	ev.clone_flags = 0x02; /* MAP_PRIVATE */
	return ev;
}

static struct pft_event sys(uint64_t ts, enum pft_sys s, bool exit, uint64_t a0, uint64_t a1)
{
	struct pft_event ev = {
	    .type = PFT_EV_SYSCALL, .ts = ts, .tid = 7, .tgid = 7, .sys = s, .sys_exit = exit};

	ev.args[0] = a0;
	ev.args[1] = a1;
	ev.ret = (int64_t)a0;
	return ev;
}

static const struct pft_vma *at(struct pft_aspace *as, uint64_t ts, uint64_t addr)
{
	const struct pft_maps *m;

	return pft_aspace_lookup(as, 7, ts, addr, "x", &m);
}

/* Exact mode: an exec begins an empty image; records and syscalls build it; areas last. */
static void test_exact_history(void)
{
	struct pft_aspace *as = pft_aspace_new();
	struct pft_event comm = {
	    .type = PFT_EV_COMM, .ts = 1, .tid = 7, .tgid = 7, .text = "prog", .exec = true};
	struct pft_event evs[] = {
	    /* the kernel's ELF load: the whole file, then its code over it; a stack; bss */
	    mmap2(2, 0x400000, 0x4000, 0, 42, 1, "/bin/prog"),
	    mmap2(3, 0x401000, 0x1000, 0x1000, 42, 5, "/bin/prog"),
	    mmap2(4, 0x403000, 0x1000, 0x3000, 42, 3, "/bin/prog"),
	    mmap2(5, 0x7ff000000000, 0x21000, 0, 0, 3, "[stack]"),
	};
	struct pft_event exec = {
	    .type = PFT_EV_EXEC, .ts = 6, .tid = 7, .tgid = 7, .text = "/bin/prog"};
	const struct pft_vma *v, *code, *data;
	struct pft_maps *snap;
	FILE *f;
	uint64_t code_area, data_area, heap_area;
	size_t i;

	pft_aspace_set_exact(as);
	pft_aspace_event(as, &comm);
	for (i = 0; i < sizeof(evs) / sizeof(evs[0]); i++)
		pft_aspace_event(as, &evs[i]);
	pft_aspace_event(as, &exec);
	CHECK(!strcmp(pft_aspace_comm(as, 7), "prog"));
	code = at(as, 7, 0x401234);
	data = at(as, 7, 0x403000);
	CHECK(code && !strcmp(code->perms, "r-xp") && code->offset == 0x1000);
	CHECK(data && !strcmp(data->perms, "rw-p") && !strcmp(data->path, "/bin/prog"));
	CHECK(at(as, 7, 0x400000) && !strcmp(at(as, 7, 0x400000)->perms, "r--p"));
	code_area = code->area;
	data_area = data->area;
	CHECK(code_area != data_area && code_area != at(as, 7, 0x400000)->area);
	/* RELRO: mprotect's record of the changed piece keeps the mapping's area */
	{
		struct pft_event e1 = sys(8, PFT_SYS_MPROTECT, false, 0x403000, 0x1000);
		struct pft_event r = mmap2(9, 0x403000, 0x1000, 0x3000, 42, 1, "/bin/prog");
		struct pft_event e2 = sys(10, PFT_SYS_MPROTECT, true, 0, 0);

		pft_aspace_event(as, &e1);
		pft_aspace_event(as, &r);
		pft_aspace_event(as, &e2);
	}
	v = at(as, 11, 0x403000);
	CHECK(v && !strcmp(v->perms, "r--p") && v->area == data_area);
	/* brk(0) tells where [heap] starts; its first growth record says //anon: it is [heap] */
	{
		struct pft_event e[] = {
		    sys(12, PFT_SYS_BRK, false, 0, 0),
		    sys(13, PFT_SYS_BRK, true, 0x500000, 0),
		    sys(14, PFT_SYS_BRK, false, 0x521000, 0),
		    mmap2(15, 0x500000, 0x21000, 0x500000, 0, 3, "//anon"),
		    sys(16, PFT_SYS_BRK, true, 0x521000, 0),
		    sys(17, PFT_SYS_BRK, false, 0x542000, 0),
		    mmap2(18, 0x500000, 0x42000, 0x500000, 0, 3, "[heap]"),
		    sys(19, PFT_SYS_BRK, true, 0x542000, 0),
		};

		for (i = 0; i < sizeof(e) / sizeof(e[0]); i++)
			pft_aspace_event(as, &e[i]);
	}
	v = at(as, 20, 0x500000);
	CHECK(v && !strcmp(v->name, "[heap]"));
	heap_area = v ? v->area : 0;
	v = at(as, 20, 0x541000);
	CHECK(v && !strcmp(v->name, "[heap]") && v->area == heap_area); /* one area across growth */
	/* the stack grows: the fault comes first (below the stack: stack-growth), then its record
	 */
	CHECK(!at(as, 21, 0x7feffffff000));
	{
		struct pft_event g = mmap2(22, 0x7feffffff000, 0x22000, 0, 0, 3, "[stack]");
		const struct pft_vma *stack = at(as, 21, 0x7ff000000000);
		uint64_t stack_area = stack ? stack->area : 0;

		pft_aspace_event(as, &g);
		CHECK(at(as, 23, 0x7feffffff000) && at(as, 23, 0x7feffffff000)->area == stack_area);
	}
	/* munmap has no record: its syscall; a mapping made again there (same backing and
	 * permissions, overlapping) joins the first one's area */
	{
		struct pft_event e[] = {
		    sys(24, PFT_SYS_MMAP, false, 0, 0x2000),
		    mmap2(25, 0x600000, 0x2000, 0x600000, 0, 3, "//anon"),
		    sys(26, PFT_SYS_MMAP, true, 0x600000, 0),
		    sys(27, PFT_SYS_MUNMAP, false, 0x600000, 0x2000),
		    sys(28, PFT_SYS_MUNMAP, true, 0, 0),
		    sys(30, PFT_SYS_MMAP, false, 0, 0x3000),
		    mmap2(31, 0x5ff000, 0x3000, 0x5ff000, 0, 3, "//anon"),
		    sys(32, PFT_SYS_MMAP, true, 0x5ff000, 0),
		};
		uint64_t first = 0;

		for (i = 0; i < sizeof(e) / sizeof(e[0]); i++) {
			pft_aspace_event(as, &e[i]);
			if (i == 2)
				first = at(as, 26, 0x600000) ? at(as, 26, 0x600000)->area : 0;
			if (i == 4)
				CHECK(!at(as, 29, 0x600000));
		}
		v = at(as, 33, 0x5ff000);
		CHECK(first && v && !strcmp(v->name, "[anon]") && v->area == first);
	}
	/* a snapshot at a later moment is a cross-check: here it disagrees (a page it has that the
	 * rebuilt map lacks), counted, not applied */
	f = fmemopen((void *)"00400000-00401000 r--p 00000000 fe:00 42 /bin/prog\n"
			     "00700000-00701000 rw-p 00000000 00:00 0\n",
		     100, "r");
	snap = pft_maps_load_file(f, NULL);
	fclose(f);
	CHECK(pft_aspace_add_snapshot(as, 7, 40, snap, "/bin/prog") > 0);
	CHECK(!at(as, 41, 0x700000)); /* not applied */
	CHECK(pft_aspace_checks(as)->snapshots == 1 && pft_aspace_checks(as)->disagreed == 1);
	pft_aspace_free(as);
}

/* A syscall with its flags (mmap's fourth argument), entered and left around what it does. */
static void run_sys(struct pft_aspace *as, uint64_t *ts, enum pft_sys sc, uint64_t a0, uint64_t len,
		    uint64_t flags, const struct pft_event *rec, uint64_t ret)
{
	struct pft_event in = sys((*ts)++, sc, false, a0, len), out = sys(0, sc, true, ret, 0);

	in.args[3] = flags;
	pft_aspace_event(as, &in);
	if (rec) {
		struct pft_event r = *rec;

		r.ts = (*ts)++;
		pft_aspace_event(as, &r);
	}
	out.ts = (*ts)++;
	pft_aspace_event(as, &out);
}

static uint64_t area_at(struct pft_aspace *as, uint64_t addr)
{
	const struct pft_vma *v = at(as, 1000, addr);

	return v ? v->area : 0;
}

/* The kernel merges a new mapping with its neighbours and reports the merged VMA: each stays
 * in its own area. A malloc arena trimmed of its reservation does not take in what is mapped
 * where it was; a JVM's heap committed piece by piece with MAP_FIXED is one area. */
static void test_area_neighbours(void)
{
	struct pft_aspace *as = pft_aspace_new();
	struct pft_event comm = {
	    .type = PFT_EV_COMM, .ts = 1, .tid = 7, .tgid = 7, .text = "java", .exec = true};
	struct pft_event exec = {
	    .type = PFT_EV_EXEC, .ts = 2, .tid = 7, .tgid = 7, .text = "/usr/bin/java"};
	struct pft_event r;
	uint64_t ts = 3, arena, stack1, stack2, heap;
	const struct pft_vma *v;

	pft_aspace_set_exact(as);
	pft_aspace_event(as, &comm);
	pft_aspace_event(as, &exec);
	/* glibc's arena: 128 MiB reserved, the part below its alignment given back, 132 KiB
	 * committed */
	r = mmap2(0, 0x10000000, 0x8000000, 0x10000000, 0, 0, "//anon");
	run_sys(as, &ts, PFT_SYS_MMAP, 0, 0x8000000, 0x22, &r, 0x10000000);
	run_sys(as, &ts, PFT_SYS_MUNMAP, 0x10000000, 0x4000000, 0, NULL, 0);
	r = mmap2(0, 0x14000000, 0x21000, 0x14000000, 0, 3, "//anon");
	run_sys(as, &ts, PFT_SYS_MPROTECT, 0x14000000, 0x21000, 0, &r, 0);
	arena = area_at(as, 0x14000000);
	CHECK(arena && area_at(as, 0x17000000) == arena);
	/* a thread's stack where the arena's reservation was: an area of its own */
	r = mmap2(0, 0x13f00000, 0x100000, 0x13f00000, 0, 0, "//anon");
	run_sys(as, &ts, PFT_SYS_MMAP, 0, 0x100000, 0x20022, &r, 0x13f00000);
	stack1 = area_at(as, 0x13f00000);
	CHECK(stack1 && stack1 != arena);
	/* its guard page stays: the rest is made writable, and the kernel merges it with the
	 * arena's committed start: one record of both */
	r = mmap2(0, 0x13f01000, 0x120000, 0x13f01000, 0, 3, "//anon");
	run_sys(as, &ts, PFT_SYS_MPROTECT, 0x13f01000, 0xff000, 0, &r, 0);
	v = at(as, 1000, 0x13f80000);
	CHECK(v && !strcmp(v->perms, "rw-p") && v->area == stack1);
	v = at(as, 1000, 0x14000000);
	CHECK(v && !strcmp(v->perms, "rw-p") && v->area == arena);
	CHECK(at(as, 1000, 0x13f00000) && !strcmp(at(as, 1000, 0x13f00000)->perms, "---p"));
	/* the next stack, below: merged with the first one's guard page in the record */
	r = mmap2(0, 0x13e00000, 0x101000, 0x13e00000, 0, 0, "//anon");
	run_sys(as, &ts, PFT_SYS_MMAP, 0, 0x100000, 0x20022, &r, 0x13e00000);
	stack2 = area_at(as, 0x13e00000);
	CHECK(stack2 && stack2 != stack1 && stack2 != arena);
	CHECK(area_at(as, 0x13f00000) == stack1 && area_at(as, 0x13eff000) == stack2);
	/* a stack mapped writable at once, and below it one glibc makes writable: the mprotect's
	 * record, with no syscall traced, is of both */
	{
		uint64_t a, b;

		r = mmap2(0, 0x50100000, 0x100000, 0x50100000, 0, 3, "//anon");
		run_sys(as, &ts, PFT_SYS_MMAP, 0, 0x100000, 0x20022, &r, 0x50100000);
		r = mmap2(0, 0x50000000, 0x100000, 0x50000000, 0, 0, "//anon");
		run_sys(as, &ts, PFT_SYS_MMAP, 0, 0x100000, 0x20022, &r, 0x50000000);
		b = area_at(as, 0x50100000);
		a = area_at(as, 0x50000000);
		r = mmap2(ts++, 0x50001000, 0x1ff000, 0x50001000, 0, 3, "//anon");
		pft_aspace_event(as, &r);
		v = at(as, 1000, 0x50050000);
		CHECK(a && b && a != b && v && !strcmp(v->perms, "rw-p") && v->area == a);
		CHECK(area_at(as, 0x50150000) == b && area_at(as, 0x50000000) == a);
	}
	/* a JVM's heap: reserved, then committed a MiB at a time with MAP_FIXED (0x32); the
	 * second commit's record is both MiB */
	r = mmap2(0, 0x20000000, 0x1000000, 0x20000000, 0, 0, "//anon");
	run_sys(as, &ts, PFT_SYS_MMAP, 0, 0x1000000, 0x4022, &r, 0x20000000);
	heap = area_at(as, 0x20000000);
	r = mmap2(0, 0x20000000, 0x100000, 0x20000000, 0, 3, "//anon");
	run_sys(as, &ts, PFT_SYS_MMAP, 0x20000000, 0x100000, 0x32, &r, 0x20000000);
	r = mmap2(0, 0x20000000, 0x200000, 0x20000000, 0, 3, "//anon");
	run_sys(as, &ts, PFT_SYS_MMAP, 0x20100000, 0x100000, 0x32, &r, 0x20100000);
	v = at(as, 1000, 0x20180000);
	CHECK(heap && heap != stack2 && v && !strcmp(v->perms, "rw-p") && v->area == heap);
	CHECK(area_at(as, 0x20000000) == heap && area_at(as, 0x20f00000) == heap);
	/* a map/unmap loop at one place is still one area */
	r = mmap2(0, 0x30000000, 0x10000, 0x30000000, 0, 3, "//anon");
	run_sys(as, &ts, PFT_SYS_MMAP, 0, 0x10000, 0x22, &r, 0x30000000);
	heap = area_at(as, 0x30000000);
	run_sys(as, &ts, PFT_SYS_MUNMAP, 0x30000000, 0x10000, 0, NULL, 0);
	run_sys(as, &ts, PFT_SYS_MMAP, 0, 0x10000, 0x22, &r, 0x30000000);
	CHECK(heap && area_at(as, 0x30000000) == heap);
	pft_aspace_free(as);

	/* -p: the process is found with its heap partly committed (rw-p, then the ---p rest of
	 * the reservation) and a thread's guard page below its stack; commits go on */
	as = pft_aspace_new();
	pft_aspace_set_exact(as);
	{
		FILE *f = fmemopen((void *)"20000000-20100000 rw-p 00000000 00:00 0\n"
					   "20100000-21000000 ---p 00000000 00:00 0\n"
					   "40000000-40001000 ---p 00000000 00:00 0\n"
					   "40001000-40100000 rw-p 00000000 00:00 0\n",
				   200, "r");
		struct pft_maps *snap = pft_maps_load_file(f, NULL);

		fclose(f);
		CHECK(pft_aspace_add_snapshot(as, 7, 1, snap, "/usr/bin/java") > 0);
	}
	ts = 10;
	heap = area_at(as, 0x20000000);
	CHECK(heap && area_at(as, 0x20100000) == heap && area_at(as, 0x40001000) != heap);
	r = mmap2(0, 0x20000000, 0x200000, 0x20000000, 0, 3, "//anon");
	run_sys(as, &ts, PFT_SYS_MMAP, 0x20100000, 0x100000, 0x32, &r, 0x20100000);
	CHECK(area_at(as, 0x20000000) == heap && area_at(as, 0x20180000) == heap);
	pft_aspace_free(as);
}

static void test_source_stacks(void)
{
	const char *text =
	    "# tracer: nop\n"
	    "# entries-in-buffer/entries-written: 3/5   #P:4\n"
	    "             cat-13544 [002] d... 26845.440344: page_fault_user: address=0x1000 "
	    "ip=0x2000 error_code=0x4\n"
	    "             cat-13544 [002] d... 26845.440345: <stack trace>\n"
	    " => trace_event_raw_event_x86_exceptions\n"
	    " => do_page_fault\n"
	    "             cat-13544 [002] d... 26845.440345: <user stack trace>\n"
	    " => <00007fd643c69461>\n"
	    "             cat-13544 [002] d... 26845.440350: page_fault_user: address=0x3000 "
	    "ip=0x4000 error_code=0x6\n"
	    "CPU:2 [LOST 7 EVENTS]\n"
	    "garbage line\n"
	    "             cat-13544 [002] d... 26845.440351: page_fault_user: address=0x3000 "
	    "ip=0x4000 error_code=\n"
	    "             cat-13544 [002] d... 26845.440358: sched_switch: prev_comm=cat\n";
	FILE *f = from_string(text);
	struct pft_source *src = pft_source_text(f, "mem");
	const struct pft_source_stats *st = pft_source_stats(src);
	struct pft_event ev;

	CHECK(pft_source_next(src, &ev) == 1);
	CHECK(ev.address == 0x1000 && ev.kstack.nr == 2 && ev.ustack.nr == 1);
	CHECK_STR(ev.kstack.frames[1], "do_page_fault");
	/* an address: named by the symbolizer, not kept as text */
	CHECK(ev.ustack.frames[0] == NULL && ev.ustack.ips[0] == 0x7fd643c69461);
	CHECK_STR(ev.comm, "cat");
	CHECK(pft_source_next(src, &ev) == 1);
	CHECK(ev.address == 0x3000 && ev.kstack.nr == 0 && ev.error_code == 6);
	CHECK_STR(ev.comm, "cat");
	CHECK(pft_source_next(src, &ev) == 1);
	CHECK(ev.type == PFT_EV_OTHER);
	CHECK(pft_source_next(src, &ev) == 0);
	CHECK(st->events == 3 && st->other_events == 1);
	CHECK(st->lost_events == 2 + 7);
	CHECK(st->cpus == 4);
	CHECK(st->malformed.count == 1 && st->malformed.first_line == 12);
	CHECK(st->unrecognized.count == 1 && st->unrecognized.first_line == 11);
	CHECK(st->lines == 13);
	pft_source_close(src);
	fclose(f);
}

static const char maps_text[] =
    "56372721c000-56372721d000 r--p 00000000 fe:00 18624                      /usr/bin/python3.11\n"
    "56372721d000-56372721e000 r-xp 00001000 fe:00 18624                      /usr/bin/python3.11\n"
    "56373998e000-563739c2f000 rw-p 00000000 00:00 0                          [heap]\n"
    "7ff5bc000000-7ff5bc101000 rw-p 00000000 00:00 0 \n"
    "7ff5bc101000-7ff5c0000000 ---p 00000000 00:00 0\n"
    "7ff5c0bce000-7ff5c0cce000 r--s 00000000 fe:00 10953852                   /srv/my data.bin "
    "(deleted)\n"
    "this is not a maps line\n"
    "7ff5c0d00000-7ff5c0d01000 rw-s 00000000 00:01 2048                       /memfd:pool "
    "(deleted)\n"
    "7ff5c0e00000-7ff5c0e10000 rw-p 00000000 00:00 0                          [anon:jemalloc]\n"
    "7ffd0e000000-7ffd0e021000 rw-p 00000000 00:00 0                          [stack]\n"
    "7ff5c0cce000-7ff5c0cd0000 r--p 00000000 00:00 0                          [vvar]\n"
    "7ff5c0cc0000-7ff5c0cd0000 r--p 00000000 00:00 0                          [overlap]\n";

static void test_maps(void)
{
	struct pft_skipped sk = {0};
	FILE *f = from_string(maps_text);
	struct pft_maps *m = pft_maps_load_file(f, &sk);
	const struct pft_vma *v;

	fclose(f);
	CHECK(m != NULL);
	if (!m)
		return;
	CHECK(pft_maps_count(m) == 10);
	CHECK(sk.count == 2 && sk.first_line == 7);
	/* sorted although [vvar] came late */
	CHECK(pft_maps_at(m, 6)->start == 0x7ff5c0cce000ull);
	v = pft_maps_lookup(m, 0x56372721d000ull);
	CHECK(v && v->offset == 0x1000 && !strcmp(v->perms, "r-xp") && v->inode == 18624);
	CHECK(v && v->dev_major == 0xfe && v->dev_minor == 0);
	CHECK_STR(v->path, "/usr/bin/python3.11");
	CHECK(pft_maps_lookup(m, 0x56372721bfffull) == NULL);
	CHECK(pft_maps_lookup(m, 0x56372721e000ull) == NULL); /* end is exclusive */
	v = pft_maps_lookup(m, 0x563739c2efffull);
	CHECK(v && !v->path);
	CHECK_STR(v->name, "[heap]");
	v = pft_maps_lookup(m, 0x7ff5bc000000ull);
	CHECK(v && !v->path);
	CHECK_STR(v->name, "[anon]");
	v = pft_maps_lookup(m, 0x7ff5c0bce123ull);
	CHECK(v && v->deleted);
	CHECK_STR(v->path, "/srv/my data.bin");
	v = pft_maps_lookup(m, 0x7ff5c0d00000ull);
	CHECK(v && v->deleted && v->inode == 2048);
	CHECK_STR(v->path, "/memfd:pool");
	v = pft_maps_lookup(m, 0x7ff5c0e00000ull);
	CHECK_STR(v->name, "[anon:jemalloc]");
	v = pft_maps_next(m, 0x7ffd0d000000ull);
	CHECK_STR(v->name, "[stack]");
	pft_maps_free(m);
	pft_maps_free(NULL);

	f = from_string("garbage\nmore garbage\n");
	memset(&sk, 0, sizeof(sk));
	CHECK(pft_maps_load_file(f, &sk) == NULL && sk.count == 2);
	fclose(f);
}

static void test_decode(void)
{
	const char *names[8];

	CHECK(pft_access_of(0x14) == PFT_ACCESS_EXEC);
	CHECK(pft_access_of(0x6) == PFT_ACCESS_WRITE);
	CHECK(pft_access_of(0x4) == PFT_ACCESS_READ);
	CHECK(pft_access_of(0x16) == PFT_ACCESS_EXEC); /* instruction fetch wins */
	CHECK(pft_error_code_flags(PFT_ARCH_X86, 0x7, names, 8) == 3);
	CHECK_STR(names[0], "prot");
	CHECK_STR(names[1], "write");
	CHECK_STR(names[2], "user");
	CHECK(pft_error_code_flags(PFT_ARCH_X86, 0x80008060ull, names, 8) == 4);
	CHECK_STR(names[0], "pkey");
	CHECK_STR(names[1], "shstk");
	CHECK_STR(names[2], "sgx");
	CHECK_STR(names[3], "rmp");
	CHECK(pft_error_code_flags(PFT_ARCH_X86, 1ull << 40, names, 8) == 1);
	CHECK_STR(names[0], "bit40");
	CHECK(pft_error_code_flags(PFT_ARCH_X86, 0xffff, names, 2) ==
	      16); /* counts past max, stores max */

	/* riscv: scause names one cause; the access is known, the page's presence not */
	CHECK(pft_arch_of("riscv64") == PFT_ARCH_RISCV && pft_arch_of("x86_64") == PFT_ARCH_X86);
	CHECK(pft_arch_of("aarch64") == -1 && errno == ENOTSUP);
	CHECK(pft_error_code_flags(PFT_ARCH_RISCV, 15, names, 8) == 1);
	CHECK_STR(names[0], "store-page-fault");
	CHECK(pft_error_code_flags(PFT_ARCH_RISCV, 12, names, 8) == 1);
	CHECK_STR(names[0], "instruction-page-fault");
	CHECK(pft_error_code_flags(PFT_ARCH_RISCV, 99, names, 8) == 1);
	CHECK_STR(names[0], "cause-other");
	CHECK(pft_access_of(pft_code_of(PFT_ARCH_RISCV, 12).bits) == PFT_ACCESS_EXEC);
	CHECK(pft_access_of(pft_code_of(PFT_ARCH_RISCV, 13).bits) == PFT_ACCESS_READ);
	CHECK(pft_access_of(pft_code_of(PFT_ARCH_RISCV, 15).bits) == PFT_ACCESS_WRITE);
	CHECK(!pft_code_of(PFT_ARCH_RISCV, 15).prot_known && pft_code_of(PFT_ARCH_X86, 7).prot_known);
	/* x86's bits of those numbers mean something else: 15 = prot|write|user|rsvd */
	CHECK(pft_code_of(PFT_ARCH_X86, 15).bits == 15);
}

static void test_classify(void)
{
	FILE *f = from_string(maps_text);
	struct pft_maps *m = pft_maps_load_file(f, NULL);
	const struct pft_vma *heap, *text, *data, *guard, *shm;
	struct pft_vma priv_file;

	fclose(f);
	heap = pft_maps_lookup(m, 0x56373998e000ull);
	text = pft_maps_lookup(m, 0x56372721d000ull);
	data = pft_maps_lookup(m, 0x56372721c000ull);
	guard = pft_maps_lookup(m, 0x7ff5bc101000ull);
	shm = pft_maps_lookup(m, 0x7ff5c0d00000ull);
	priv_file = *data;
	memcpy(priv_file.perms, "rw-p", 4);

	CHECK(pft_classify(0x6, heap, m, 0) == PFT_KIND_ANON_FIRST_TOUCH);
	CHECK(pft_classify(0x4, heap, m, 0) == PFT_KIND_ANON_FIRST_TOUCH);
	CHECK(pft_classify(0x7, heap, m, 0) == PFT_KIND_COW);
	CHECK(pft_classify(0x7, shm, m, 0) == PFT_KIND_WRITE_PROTECT);
	CHECK(pft_classify(0x4, data, m, 0) == PFT_KIND_FILE_READ);
	CHECK(pft_classify(0x6, &priv_file, m, 0) == PFT_KIND_FILE_WRITE);
	CHECK(pft_classify(0x6, shm, m, 0) == PFT_KIND_FILE_WRITE);
	CHECK(pft_classify(0x14, text, m, 0) == PFT_KIND_EXEC);
	CHECK(pft_classify(0x14, heap, m, 0) == PFT_KIND_BAD_ACCESS); /* NX heap */
	CHECK(pft_classify(0x6, data, m, 0) == PFT_KIND_BAD_ACCESS);  /* write to r--p */
	CHECK(pft_classify(0x4, guard, m, 0) == PFT_KIND_BAD_ACCESS); /* ---p guard */
	CHECK(pft_classify(0x6, NULL, m, 0x1000) == PFT_KIND_NO_VMA);
	CHECK(pft_classify(0x6, NULL, m, 0x7ffd0dfff000ull) == PFT_KIND_STACK_GROWTH);
	CHECK(pft_classify(0x6, NULL, m, 0x7ffd0d000000ull) == PFT_KIND_NO_VMA); /* 16 MiB below */
	CHECK(pft_classify(0x26, heap, m, 0) == PFT_KIND_PKEY);
	CHECK(pft_classify(0xe, heap, m, 0) == PFT_KIND_OTHER); /* reserved bit */
	CHECK(pft_classify(0x5, heap, m, 0) == PFT_KIND_OTHER); /* read protection fault */
	CHECK(pft_classify(0x6, NULL, NULL, 0x1000) == PFT_KIND_UNKNOWN);
	CHECK(pft_classify(0x4, pft_maps_lookup(m, 0x7ff5c0cce000ull), m, 0) ==
	      PFT_KIND_OTHER); /* vvar */
	CHECK_STR(pft_kind_name(PFT_KIND_STACK_GROWTH), "stack-growth");

	/* riscv: a store is "write" where x86 tells first touch from copy-on-write; a load and
	 * an instruction fetch classify as x86's not-present ones; the VMA still says what is
	 * allowed */
#define RV(cause, vma, addr) pft_classify_code(pft_code_of(PFT_ARCH_RISCV, cause), vma, m, addr)
	CHECK(RV(15, heap, 0) == PFT_KIND_WRITE);
	CHECK(RV(15, shm, 0) == PFT_KIND_WRITE);
	CHECK(RV(15, data, 0) == PFT_KIND_BAD_ACCESS); /* store to r--p */
	CHECK(RV(13, heap, 0) == PFT_KIND_ANON_FIRST_TOUCH);
	CHECK(RV(13, data, 0) == PFT_KIND_FILE_READ);
	CHECK(RV(12, text, 0) == PFT_KIND_EXEC);
	CHECK(RV(12, heap, 0) == PFT_KIND_BAD_ACCESS);
	CHECK(RV(15, NULL, 0x7ffd0dfff000ull) == PFT_KIND_STACK_GROWTH);
	CHECK(RV(2, heap, 0) == PFT_KIND_OTHER); /* not a page fault's cause */
#undef RV
	CHECK_STR(pft_kind_name(PFT_KIND_WRITE), "write");

	/* no error_code (perf's event): the ip's own page is a fetch; r-- leaves a read, --x
	 * an exec; a writable or r-x mapping leaves it unknown */
	CHECK(pft_access_infer(heap, 0x56373998e123ull, 0x56373998e000ull) == PFT_ACCESS_EXEC);
	CHECK(pft_access_infer(NULL, 0x1000, 0x1ff8) == PFT_ACCESS_EXEC);
	CHECK(pft_access_infer(heap, 0x401000, 0x56373998e000ull) == PFT_ACCESS_UNKNOWN);
	CHECK(pft_access_infer(data, 0x401000, 0x56372721c000ull) == PFT_ACCESS_READ);
	CHECK(pft_access_infer(text, 0x401000, 0x56372721d000ull) == PFT_ACCESS_UNKNOWN);
	CHECK(pft_access_infer(NULL, 0x401000, 0x1000) == PFT_ACCESS_UNKNOWN);
	memcpy(priv_file.perms, "--xp", 4);
	CHECK(pft_access_infer(&priv_file, 0x401000, 0x56372721c000ull) == PFT_ACCESS_EXEC);
	CHECK(pft_access_name(PFT_ACCESS_UNKNOWN) == NULL);
#define NC(a, vma, addr) pft_classify_access(PFT_ACCESS_##a, vma, m, addr)
	CHECK(NC(UNKNOWN, heap, 0) == PFT_KIND_ANON);
	CHECK(NC(UNKNOWN, shm, 0) == PFT_KIND_FILE); /* shmem has an inode */
	CHECK(NC(READ, data, 0) == PFT_KIND_FILE_READ);
	CHECK(NC(READ, heap, 0) == PFT_KIND_ANON_FIRST_TOUCH);
	CHECK(NC(EXEC, text, 0) == PFT_KIND_EXEC);
	CHECK(NC(EXEC, heap, 0) == PFT_KIND_BAD_ACCESS); /* NX heap, the ip in it */
	CHECK(NC(READ, guard, 0) == PFT_KIND_BAD_ACCESS);
	CHECK(NC(UNKNOWN, NULL, 0x7ffd0dfff000ull) == PFT_KIND_STACK_GROWTH);
	CHECK(NC(UNKNOWN, NULL, 0x1000) == PFT_KIND_NO_VMA);
	CHECK(pft_classify_access(PFT_ACCESS_UNKNOWN, heap, NULL, 0) == PFT_KIND_UNKNOWN);
	CHECK(NC(UNKNOWN, pft_maps_lookup(m, 0x7ff5c0cce000ull), 0) == PFT_KIND_OTHER); /* vvar */
#undef NC
	CHECK_STR(pft_kind_name(PFT_KIND_ANON), "anon");
	CHECK_STR(pft_kind_name(PFT_KIND_FILE), "file");
	pft_maps_free(m);
}

static void test_json_str(void)
{
	json_t *j = pft_json_str("ok\xff\xfe/caf\xc3\xa9");
	char *s = json_dumps(j, JSON_ENCODE_ANY | JSON_ENSURE_ASCII);

	CHECK_STR(s, "\"ok\\uFFFD\\uFFFD/caf\\u00E9\"");
	free(s);
	json_decref(j);
	j = pft_json_str("\xed\xa0\x80"); /* a UTF-16 surrogate is not UTF-8 */
	CHECK(json_string_length(j) == 9);
	json_decref(j);
	j = pft_json_str(NULL);
	CHECK(json_is_null(j));
	j = pft_json_hex(0x7fffdeadbeefull);
	CHECK_STR(json_string_value(j), "0x7fffdeadbeef");
	json_decref(j);
}

static struct pft_fault last_fault;
static uint64_t last_ts; /* its event's: the event is the report's, reused */
static int nr_faults;

static int keep_fault(void *data, const struct pft_fault *f)
{
	(void)data;
	last_fault = *f;
	last_ts = f->ev->ts;
	nr_faults++;
	return 0;
}

/* A report on maps_text's maps whose faults keep_fault keeps (counted from 0); *as its
 * address space, the caller's to free after the report. */
static struct pft_report *kept_report(const struct pft_report_opts *o, struct pft_aspace **as)
{
	FILE *f = from_string(maps_text);
	struct pft_report *rep;

	*as = pft_aspace_new();
	pft_aspace_set_maps(*as, -1, pft_maps_load_file(f, NULL));
	fclose(f);
	rep = pft_report_new(o, *as);
	nr_faults = 0;
	pft_report_set_sink(rep, keep_fault, NULL);
	return rep;
}

/* record's markers of a process's cgroup and namespace pid, as a trace.dat from anywhere may
 * have them: the well-formed kept, the rest ignored; a process untold is in its parent's */
static void test_markers(void)
{
	static const char *const marks[] = {
	    "pftrace-cgroup 5 /ct/a b\x1b[2J", "pftrace-cgroup", "pftrace-cgroup x /y",
	    "pftrace-cgroup -3 /neg", "pftrace-cgroup 6 ", "pftrace-cgroup 99999999999999 /big",
	    "pftrace-nspid 5 2", "pftrace-nspid 6 -1", "pftrace-nspid 7", "pftrace-other 1 2",
	};
	struct pft_aspace *as = pft_aspace_new();
	struct pft_report_opts o = {.by = PFT_BY_CGROUP};
	struct pft_report *rep = pft_report_new(&o, as);
	struct pft_event ev = {.type = PFT_EV_MARKER, .tid = 1, .tgid = 1, .comm = "m"};
	json_t *doc, *procs, *groups;
	size_t i;

	for (i = 0; i < sizeof(marks) / sizeof(marks[0]); i++) {
		ev.text = marks[i];
		CHECK(pft_report_add(rep, &ev) == 0);
	}
	/* 8, forked by 5, told nothing: its parent's */
	ev = (struct pft_event){.type = PFT_EV_NEWTASK, .tid = 5, .tgid = 5, .child = 8,
				.comm = "p", .text = "c"};
	CHECK(pft_report_add(rep, &ev) == 0);
	ev = (struct pft_event){.type = PFT_EV_FAULT_USER, .tid = 8, .tgid = 8, .comm = "c",
				.address = 0x1000, .error_code = 6};
	CHECK(pft_report_add(rep, &ev) == 0);
	CHECK(pft_report_finish(rep) == 0);
	doc = pft_report_json(rep);
	procs = json_object_get(doc, "processes");
	groups = json_object_get(doc, "groups");
	CHECK(json_array_size(procs) == 1);
	CHECK_STR(json_string_value(json_object_get(json_array_get(procs, 0), "cgroup")),
		  "/ct/a b\x1b[2J");
	CHECK(json_is_null(json_object_get(json_array_get(procs, 0), "ns_pid")));
	CHECK(json_array_size(groups) == 1 &&
	      json_integer_value(json_object_get(json_array_get(groups, 0), "faults")) == 1);
	json_decref(doc);
	pft_report_free(rep);
	pft_aspace_free(as);
}

/* perf's FORK records carry no comm: a task made so has its creator's, thread or process,
 * however many tasks are known (the table may move as the child is added) */
static void test_fork_comm(void)
{
	struct pft_aspace *as = pft_aspace_new();
	struct pft_event ev = {.type = PFT_EV_NEWTASK, .tid = 5, .tgid = 5, .child = 1000};
	int i;

	CHECK(pft_aspace_set_task(as, 5, 5, "parent") == 0);
	for (i = 0; i < 200; i++) {
		ev.child = 1000 + i;
		ev.clone_flags = i % 2 ? 0x10000 : 0; /* CLONE_THREAD */
		CHECK(pft_aspace_event(as, &ev) == 1);
	}
	CHECK_STR(pft_aspace_comm(as, 1000), "parent");
	CHECK_STR(pft_aspace_comm(as, 1199), "parent");
	ev.child = 2000;
	ev.text = "named";
	CHECK(pft_aspace_event(as, &ev) == 1);
	CHECK_STR(pft_aspace_comm(as, 2000), "named");
	ev = (struct pft_event){.type = PFT_EV_NEWTASK, .tid = 77, .tgid = 77, .child = 2001};
	CHECK(pft_aspace_event(as, &ev) == 1); /* a creator not known: no comm, no crash */
	CHECK(pft_aspace_comm(as, 2001) == NULL);
	pft_aspace_free(as);
}

static void test_report(void)
{
	FILE *f = from_string(maps_text);
	struct pft_aspace *as = pft_aspace_new();
	struct pft_report_opts o = {.by = PFT_BY_FILE};
	struct pft_report *rep;
	struct pft_event ev = {
	    .type = PFT_EV_FAULT_USER, .tid = 10, .tgid = -1, .comm = "t", .cpu = 0};
	struct pft_fault flt;
	json_t *doc, *vmas, *groups;
	int i;

	pft_aspace_set_maps(as, -1, pft_maps_load_file(f, NULL));
	fclose(f);
	rep = pft_report_new(&o, as);
	pft_report_set_sink(rep, keep_fault, NULL);
	for (i = 0; i < 10; i++) {
		ev.ts = 1000 + i;
		ev.address = 0x56373998e000ull + (i % 4) * 4096; /* heap: 4 distinct pages */
		ev.error_code = 0x6;
		CHECK(pft_report_add(rep, &ev) == 0);
	}
	CHECK(nr_faults == 10);
	flt = last_fault;
	CHECK(flt.kind == PFT_KIND_ANON_FIRST_TOUCH && flt.page == 0x56373998f000ull);
	CHECK(flt.major == -1);			 /* no completions in this source */
	ev.address = 0x7ff5c0bce000ull + 0x3123; /* the deleted file: offset 0x3123 */
	ev.error_code = 0x4;
	CHECK(pft_report_add(rep, &ev) == 0);
	flt = last_fault;
	CHECK(flt.has_file_offset && flt.file_offset == 0x3123);
	/* the kernel's fault on the program's memory is the program's; one on a kernel address
	 * is out without --kernel */
	ev.type = PFT_EV_FAULT_KERNEL;
	CHECK(pft_report_add(rep, &ev) == 0 && nr_faults == 12);
	ev.address = 0xffff888000001000ull;
	CHECK(pft_report_add(rep, &ev) == 0 && nr_faults == 12);
	ev.type = PFT_EV_OTHER;
	CHECK(pft_report_add(rep, &ev) == 0 && nr_faults == 12);
	doc = pft_report_json(rep);
	CHECK(json_integer_value(json_object_get(doc, "pftrace_json_version")) == 2);
	CHECK(json_integer_value(json_object_get(json_object_get(doc, "summary"), "faults")) == 12);
	CHECK(json_integer_value(json_object_get(json_object_get(doc, "summary"), "kernel_mode")) ==
	      1);
	CHECK(json_integer_value(json_object_get(json_object_get(doc, "summary"), "events")) == 14);
	CHECK(json_integer_value(
		  json_object_get(json_object_get(doc, "summary"), "kernel_faults_excluded")) == 1);
	vmas = json_object_get(doc, "vmas");
	CHECK(json_array_size(vmas) == 2);
	CHECK(json_integer_value(json_object_get(json_array_get(vmas, 0), "faults")) == 10);
	CHECK(json_integer_value(json_object_get(json_array_get(vmas, 0), "pages")) == 4);
	CHECK_STR(json_string_value(json_object_get(json_array_get(vmas, 0), "start")),
		  "0x56373998e000");
	CHECK(json_is_null(json_object_get(json_array_get(vmas, 0), "path")));
	groups = json_object_get(doc, "groups");
	CHECK_STR(json_string_value(json_object_get(json_array_get(groups, 1), "file")),
		  "/srv/my data.bin");
	json_decref(doc);
	pft_report_free(rep);
	pft_aspace_free(as);
}

/* A VMA row's distinct pages, as its area grows down (a stack: its bitmap moves its base) and
 * up past its first extent: each page once, however it is revisited. */
static void test_pages_across_growth(void)
{
	struct pft_aspace *as = pft_aspace_new();
	struct pft_report_opts o = {.by = PFT_BY_VMA};
	struct pft_report *rep = pft_report_new(&o, as);
	struct pft_event comm = {
	    .type = PFT_EV_COMM, .ts = 1, .tid = 7, .tgid = 7, .text = "prog", .exec = true};
	struct pft_event maps[] = {
	    mmap2(2, 0x7ff000000000, 0x21000, 0, 0, 3, "[stack]"),
	    /* 1 MiB further down, then more below that: 8 and 9 pages from a byte boundary */
	    mmap2(10, 0x7feffff00000, 0x121000, 0, 0, 3, "[stack]"),
	    mmap2(20, 0x7fefffef7000, 0x12a000, 0, 0, 3, "[stack]"),
	};
	const uint64_t pages[] = {0x7ff000020000, 0x7ff000010000, 0x7ff000020000,
				  0x7feffff00000, 0x7ff000010000, 0x7feffff80000,
				  0x7fefffef7000, 0x7feffff00000, 0x7fefffef8000};
	const uint64_t when[] = {3, 4, 5, 11, 12, 13, 21, 22, 23};
	struct pft_event ev = {
	    .type = PFT_EV_FAULT_USER, .tid = 7, .tgid = 7, .comm = "prog", .error_code = 0x6};
	json_t *doc, *vmas;
	size_t i, m = 0;

	pft_report_add(rep, &comm);
	for (i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
		while (m < sizeof(maps) / sizeof(maps[0]) && maps[m].ts < when[i])
			CHECK(pft_report_add(rep, &maps[m++]) == 0);
		ev.ts = when[i];
		ev.address = pages[i] + 0x10;
		CHECK(pft_report_add(rep, &ev) == 0);
	}
	doc = pft_report_json(rep);
	vmas = json_object_get(doc, "vmas");
	CHECK(json_array_size(vmas) == 1);
	CHECK(json_integer_value(json_object_get(json_array_get(vmas, 0), "faults")) == 9);
	CHECK(json_integer_value(json_object_get(json_array_get(vmas, 0), "pages")) == 6);
	json_decref(doc);
	pft_report_free(rep);
	pft_aspace_free(as);
}

/* A VMA whose start is not a page's (a damaged input): the readers refuse it, and the VMA table
 * counts its faults without reading outside its page bitmap when one gets through. */
static void test_unaligned_vma(void)
{
	struct pft_vma t = {.start = 0x100000000002, .end = 0x100000400000, .name = "[anon]"};
	struct pft_maps *m = pft_maps_copy(NULL);
	struct pft_aspace *as = pft_aspace_new();
	struct pft_report_opts o = {.by = PFT_BY_VMA};
	struct pft_report *rep;
	struct pft_event ev = {.type = PFT_EV_FAULT_USER,
			       .ts = 1,
			       .tid = 7,
			       .tgid = 7,
			       .comm = "prog",
			       .error_code = 0x6};
	struct pft_event comm = {
	    .type = PFT_EV_COMM, .ts = 1, .tid = 7, .tgid = 7, .text = "prog", .exec = true};
	struct pft_event bad = mmap2(2, 0x7ff000000800, 0x21000, 0, 0, 3, "[anon]");
	struct pft_skipped sk = {0};
	json_t *doc, *row;
	FILE *f;

	memcpy(t.perms, "rw-p", 5);
	CHECK(m && pft_maps_insert(m, &t) == 0);
	CHECK(pft_aspace_set_maps(as, -1, m) == 0);
	rep = pft_report_new(&o, as);
	/* the first page, below the VMA's start, then a page far above it, then the first again */
	ev.address = 0x100000000010;
	CHECK(pft_report_add(rep, &ev) == 0);
	ev.address = 0x1000003ff000;
	CHECK(pft_report_add(rep, &ev) == 0);
	ev.address = 0x100000000ff0;
	CHECK(pft_report_add(rep, &ev) == 0);
	doc = pft_report_json(rep);
	row = json_array_get(json_object_get(doc, "vmas"), 0);
	CHECK(json_integer_value(json_object_get(row, "faults")) == 3);
	CHECK(json_integer_value(json_object_get(row, "pages")) == 2);
	json_decref(doc);
	pft_report_free(rep);
	pft_aspace_free(as);

	/* the maps parser: a malformed line */
	f = from_string("100000000002-100000400000 rw-p 00000000 00:00 0\n"
			"100000400000-100000800001 rw-p 00000000 00:00 0\n"
			"100000800000-100000900000 rw-p 00000000 00:00 0\n");
	m = pft_maps_load_file(f, &sk);
	fclose(f);
	CHECK(m && pft_maps_count(m) == 1 && sk.count == 2 && sk.first_line == 1);
	pft_maps_free(m);

	/* a kernel mapping record: not applied, counted as a hole in the history */
	as = pft_aspace_new();
	pft_aspace_set_exact(as);
	pft_aspace_event(as, &comm);
	bad.ts = 2;
	pft_aspace_event(as, &bad);
	bad = mmap2(3, 0x7ff000000000, 0x21000, 0, 0, 3, "[anon]");
	pft_aspace_event(as, &bad);
	CHECK(pft_aspace_bad_mappings(as) == 1);
	CHECK(at(as, 4, 0x7ff000000000) != NULL); /* the sound record after it is applied */
	CHECK(at(as, 4, 0x7ff000021000) == NULL);
	pft_aspace_free(as);
}

/* Completions: a fault waits for its thread's next completion on its page; none -> unknown. */
static void test_completions(void)
{
	struct pft_aspace *as;
	struct pft_report_opts o = {.by = PFT_BY_KIND, .completions = true};
	struct pft_report *rep;
	struct pft_event ev = {.type = PFT_EV_FAULT_USER, .tid = 7, .tgid = -1, .comm = "t"};
	struct pft_event done = {.type = PFT_EV_COMPLETION, .tid = 7, .tgid = -1};
	json_t *doc, *sum;

	rep = kept_report(&o, &as);
	ev.ts = 100;
	ev.address = 0x7ff5c0bce010ull; /* the file */
	ev.error_code = 0x4;
	CHECK(pft_report_add(rep, &ev) == 0 && nr_faults == 0); /* held */
	done.ts = 5100;
	done.address = 0x7ff5c0bce010ull;
	done.major = true;
	CHECK(pft_report_add(rep, &done) == 0 && nr_faults == 1);
	CHECK(last_fault.major == 1 && last_fault.latency_ns == 5000);
	ev.ts = 6000;
	ev.address = 0x56373998e000ull;
	CHECK(pft_report_add(rep, &ev) == 0 && nr_faults == 1);
	done.ts = 6100; /* another page: not this fault's completion */
	done.address = 0x1000;
	done.major = false;
	CHECK(pft_report_add(rep, &done) == 0 && nr_faults == 1);
	ev.ts = 7000; /* the thread faults again: the first got no completion (a SIGSEGV) */
	CHECK(pft_report_add(rep, &ev) == 0 && nr_faults == 2);
	CHECK(last_fault.major == -1);
	done.ts = 7300;
	done.address = 0x56373998e000ull;
	CHECK(pft_report_add(rep, &done) == 0 && nr_faults == 3);
	CHECK(last_fault.major == 0 && last_fault.latency_ns == 300);
	CHECK(pft_report_finish(rep) == 0 && nr_faults == 3);
	doc = pft_report_json(rep);
	sum = json_object_get(doc, "summary");
	CHECK(json_integer_value(json_object_get(sum, "major")) == 1);
	CHECK(json_integer_value(json_object_get(sum, "minor")) == 1);
	CHECK(json_integer_value(json_object_get(sum, "major_unknown")) == 1);
	CHECK(json_integer_value(json_object_get(sum, "completions_without_fault")) == 1);
	CHECK(json_integer_value(json_object_get(json_object_get(sum, "latency_ns"), "max")) ==
	      5000);
	json_decref(doc);
	pft_report_free(rep);
	pft_aspace_free(as);
}

/* Restarts: a fault without a completion when a signal comes, that the same instruction takes
 * again (next, or after the handler's own fault), was given up; not after the fault's own
 * signal, nor across a fork, nor when the same instruction does not come back within the
 * handler's budget. */
/* Exited processes' areas fold by program once keep_exited have ended after them: counts and
 * pages summed, each process counted once per row, a pid used again after its exit kept apart
 * (and its pages still told), the processes' own rows untouched. */
static void test_fold_exited(void)
{
	struct pft_aspace *as;
	struct pft_report_opts o = {.by = PFT_BY_VMA, .fold_exited = true, .keep_exited = 0};
	struct pft_event heap = {.type = PFT_EV_FAULT_USER, .tgid = -1, .comm = "w",
				 .ip = 0x56372721d010ull, .address = 0x56373998e010ull,
				 .error_code = 0x6};
	struct pft_event anon = heap, ex = {.type = PFT_EV_EXIT, .tgid = -1, .group_dead = true};
	struct pft_event fork = {.type = PFT_EV_NEWTASK, .tid = 12, .tgid = -1, .child = 10};
	struct pft_report *rep;
	json_t *doc, *vmas, *procs, *r;
	uint64_t ts = 1;
	size_t i, folded = 0;
	int pid;

	anon.address = 0x7ff5bc000010ull;
	rep = kept_report(&o, &as);
	for (pid = 10; pid <= 12; pid++) { /* three of one program: a page twice, two areas */
		heap.tid = anon.tid = ex.tid = pid;
		heap.ts = ts++, anon.ts = ts++;
		CHECK(pft_report_add(rep, &heap) == 0 && pft_report_add(rep, &anon) == 0);
		heap.ts = ts++;
		CHECK(pft_report_add(rep, &heap) == 0);
		ex.ts = ts++;
		CHECK(pft_report_add(rep, &ex) == 0);
	}
	fork.ts = ts++; /* pid 10 again: a new process, alive at the end */
	heap.tid = 10, heap.ts = ts++;
	CHECK(pft_report_add(rep, &fork) == 0 && pft_report_add(rep, &heap) == 0);
	CHECK(pft_report_finish(rep) == 0);
	doc = pft_report_json(rep);
	vmas = json_object_get(doc, "vmas");
	procs = json_object_get(doc, "processes");
	CHECK(json_integer_value(json_object_get(json_object_get(doc, "summary"),
						 "folded_processes")) == 3);
	CHECK(json_array_size(vmas) == 3);
	json_array_foreach(vmas, i, r)
	{
		bool is_heap = !strcmp(json_string_value(json_object_get(r, "name")), "[heap]");

		if (json_is_null(json_object_get(r, "pid"))) {
			folded++;
			CHECK(json_integer_value(json_object_get(r, "processes")) == 3);
			CHECK(json_is_null(json_object_get(r, "start")));
			CHECK(!strcmp(json_string_value(json_object_get(r, "comm")), "w"));
			CHECK(json_integer_value(json_object_get(r, "faults")) == (is_heap ? 6 : 3));
			CHECK(json_integer_value(json_object_get(r, "pages")) == 3);
		} else {
			CHECK(json_integer_value(json_object_get(r, "pid")) == 10 && is_heap);
			CHECK(json_integer_value(json_object_get(r, "processes")) == 1);
			CHECK(json_integer_value(json_object_get(r, "faults")) == 1);
			CHECK(json_integer_value(json_object_get(r, "pages")) == 1);
		}
	}
	CHECK(folded == 2);
	/* the processes keep their rows: pid 10's is both of its lives */
	CHECK(json_array_size(procs) == 3);
	json_array_foreach(procs, i, r)
		CHECK(json_integer_value(json_object_get(r, "faults")) ==
		      (json_integer_value(json_object_get(r, "pid")) == 10 ? 4 : 3));
	json_decref(doc);
	pft_report_free(rep);
	pft_aspace_free(as);
}

/* perf's events: a child of a traced process has its parent's (inherited); given its own too
 * (a listing found it while they were being opened), each of its faults is told once. Real
 * events of the kernel: perf_event_paranoid 2 lets any user trace its own processes. */
struct perf_count {
	int tid;
	uint64_t lo, hi, n;
};

static int count_child_faults(void *data, const struct pft_event *ev)
{
	struct perf_count *c = data;

	c->n += (ev->type == PFT_EV_FAULT_USER || ev->type == PFT_EV_FAULT_KERNEL) &&
		ev->tid == c->tid && ev->address >= c->lo && ev->address < c->hi;
	return 0;
}

static void test_perf_told_twice(void)
{
	enum { PAGES = 64 };
	struct pft_perf_opts o = {.faults = true};
	struct pft_perf *p = pft_perf_new(&o);
	int go[2], ready[2], cpu, ring, status;
	struct perf_count c = {0};
	char *area;
	pid_t parent;

	if (!p || pipe(go) < 0 || pipe(ready) < 0) {
		fprintf(stderr, "unit: perf told twice: NOT RUN: no perf events here (%s)\n",
			strerror(errno));
		CHECK(!getenv("PFTRACE_REQUIRE_LIVE"));
		pft_perf_free(p);
		return;
	}
	area = mmap(NULL, PAGES * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(area != MAP_FAILED);
	parent = fork();
	if (parent == 0) { /* waits for its events, forks the child, which waits for its own */
		char b;
		pid_t child;

		if (read(go[0], &b, 1) != 1)
			_exit(1);
		child = fork();
		if (child == 0) {
			if (read(go[0], &b, 1) != 1)
				_exit(1);
			for (int i = 0; i < PAGES; i++)
				area[i * 4096] = 1;
			_exit(0);
		}
		if (write(ready[1], &child, sizeof(child)) != sizeof(child))
			_exit(1);
		waitpid(child, &status, 0);
		_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 1);
	}
	CHECK(pft_perf_add_task(p, parent) == 0);
	CHECK(write(go[1], "x", 1) == 1 && read(ready[0], &c.tid, sizeof(c.tid)) == sizeof(c.tid));
	CHECK(pft_perf_add_task(p, c.tid) == 0); /* inherited already: a second set */
	CHECK(write(go[1], "x", 1) == 1);
	CHECK(waitpid(parent, &status, 0) == parent && WIFEXITED(status) && !WEXITSTATUS(status));
	c.lo = (uint64_t)(uintptr_t)area;
	c.hi = c.lo + PAGES * 4096;
	for (cpu = 0; cpu < (int)sysconf(_SC_NPROCESSORS_CONF); cpu++)
		for (ring = 0; ring < PFT_PERF_RINGS; ring++)
			CHECK(pft_perf_read(p, cpu, ring, count_child_faults, &c) == 0);
	CHECK(c.n == PAGES);
	CHECK(pft_perf_duplicates(p) >= PAGES);
	pft_perf_free(p);
	munmap(area, PAGES * 4096);
	close(go[0]), close(go[1]), close(ready[0]), close(ready[1]);
}

static void test_restarts(void)
{
	struct pft_aspace *as;
	struct pft_report_opts o = {.by = PFT_BY_KIND, .completions = true, .major_only = true};
	struct pft_source_stats st = {.cpus = -1, .completions = true, .signals = true};
	struct pft_event a = {.type = PFT_EV_FAULT_USER, .tid = 7, .tgid = -1, .comm = "t",
			      .ip = 0x56373998e100ull, .address = 0x56373998e010ull,
			      .error_code = 0x6};
	struct pft_event other = a, sig = {.type = PFT_EV_SIGNAL, .tid = 7, .tgid = -1};
	struct pft_event fork = {.type = PFT_EV_NEWTASK, .tid = 7, .tgid = -1, .child = 8};
	struct pft_report *rep;
	json_t *doc, *sum;
	int i;

	rep = kept_report(&o, &as);
	CHECK(pft_report_add_input(rep, "t", &st) == 0);
	other.ip = 0x56373998e200ull; /* the handler's code */
	sig.args[0] = 14;
	a.ts = 100, sig.ts = 200;
	CHECK(pft_report_add(rep, &a) == 0 && pft_report_add(rep, &sig) == 0 && nr_faults == 0);
	a.ts = 300; /* taken again: the first was given up */
	CHECK(pft_report_add(rep, &a) == 0 && nr_faults == 1);
	CHECK(last_fault.restarted && last_fault.major == -1 && last_ts == 100);
	sig.ts = 400, other.ts = 500; /* the handler faults first: the fault is parked */
	CHECK(pft_report_add(rep, &sig) == 0 && pft_report_add(rep, &other) == 0 && nr_faults == 1);
	a.ts = 600;
	CHECK(pft_report_add(rep, &a) == 0 && nr_faults == 3);
	CHECK(!last_fault.restarted && last_fault.major == 0 && last_ts == 500);
	sig.ts = 700, sig.args[0] = 11, a.ts = 800; /* SIGSEGV: the fault's own, not a restart */
	CHECK(pft_report_add(rep, &sig) == 0 && pft_report_add(rep, &a) == 0 && nr_faults == 4);
	CHECK(!last_fault.restarted && last_fault.major == 0 && last_ts == 600);
	/* a fork between (a server's loop): the same fault again is a new one */
	sig.ts = 850, sig.args[0] = 17, fork.ts = 860, a.ts = 870;
	CHECK(pft_report_add(rep, &sig) == 0 && pft_report_add(rep, &fork) == 0 &&
	      pft_report_add(rep, &a) == 0 && nr_faults == 5);
	CHECK(!last_fault.restarted && last_fault.major == 0 && last_ts == 800);
	CHECK(!last_fault.restarted && last_fault.major == 0 && last_ts == 800);
	sig.ts = 900, sig.args[0] = 14;
	CHECK(pft_report_add(rep, &sig) == 0);
	/* the same instruction never comes back: parked through 64 faults, then as it was */
	for (i = 0; i < 64; i++) {
		other.ts = 1000 + (uint64_t)i;
		CHECK(pft_report_add(rep, &other) == 0);
	}
	CHECK(nr_faults == 5 + 63);
	other.ts = 2000;
	CHECK(pft_report_add(rep, &other) == 0 && nr_faults == 5 + 65);
	CHECK(pft_report_finish(rep) == 0 && nr_faults == 5 + 66);
	doc = pft_report_json(rep);
	sum = json_object_get(doc, "summary");
	CHECK(json_integer_value(json_object_get(sum, "restarted")) == 2);
	CHECK(json_integer_value(json_object_get(sum, "major")) +
		  json_integer_value(json_object_get(sum, "minor")) +
		  json_integer_value(json_object_get(sum, "major_unknown")) +
		  json_integer_value(json_object_get(sum, "restarted")) ==
	      json_integer_value(json_object_get(sum, "faults")));
	json_decref(doc);
	pft_report_free(rep);
	pft_aspace_free(as);
}

/* Where every fault has a completion, one without when a signal comes was given up: whatever
 * the thread does next (a user-space scheduler runs it again elsewhere, later). */
static void test_restarts_all(void)
{
	struct pft_aspace *as;
	struct pft_report_opts o = {.by = PFT_BY_KIND, .completions = true};
	struct pft_event a = {.type = PFT_EV_FAULT_USER, .tid = 7, .tgid = -1, .comm = "t",
			      .ts = 100, .ip = 0x56373998e100ull, .address = 0x56373998e010ull,
			      .error_code = 0x4};
	struct pft_event sig = {.type = PFT_EV_SIGNAL, .tid = 7, .tgid = -1, .ts = 200};
	struct pft_event done = {.type = PFT_EV_COMPLETION, .tid = 7, .tgid = -1, .ts = 150,
				 .address = 0x56373998e010ull};
	struct pft_report *rep;

	rep = kept_report(&o, &as);
	sig.args[0] = 23;
	CHECK(pft_report_add(rep, &a) == 0 && pft_report_add(rep, &sig) == 0 && nr_faults == 1);
	CHECK(last_fault.restarted && last_fault.major == -1 && last_ts == 100);
	a.ts = 300, sig.ts = 400, done.ts = 350; /* completed before the signal: not given up */
	CHECK(pft_report_add(rep, &a) == 0 && pft_report_add(rep, &done) == 0 &&
	      pft_report_add(rep, &sig) == 0 && nr_faults == 2);
	CHECK(!last_fault.restarted && last_fault.major == 0 && last_ts == 300);
	CHECK(pft_report_finish(rep) == 0 && nr_faults == 2);
	pft_report_free(rep);
	pft_aspace_free(as);
}

/* An ended thread's slot goes to the next thread: its fault is complete at its exit, and a
 * completion of it that comes later is nobody's. */
static void test_thread_slots(void)
{
	struct pft_aspace *as;
	struct pft_report_opts o = {.by = PFT_BY_KIND, .completions = true};
	struct pft_event ev = {.type = PFT_EV_FAULT_USER, .tid = 7, .tgid = -1, .comm = "t",
			       .ts = 100, .address = 0x56373998e010ull, .error_code = 0x6};
	struct pft_event done = {.type = PFT_EV_COMPLETION, .tid = 7, .tgid = -1, .ts = 300,
				 .address = 0x56373998e010ull};
	struct pft_event exit = {.type = PFT_EV_EXIT, .tid = 7, .tgid = -1, .ts = 200};
	struct pft_report *rep;

	rep = kept_report(&o, &as);
	CHECK(pft_report_add(rep, &ev) == 0 && pft_report_add(rep, &exit) == 0 && nr_faults == 1);
	CHECK(last_fault.tid == 7 && last_fault.major == -1);
	ev.tid = 9, ev.ts = 250; /* another thread, in the slot 7 had */
	CHECK(pft_report_add(rep, &ev) == 0 && nr_faults == 1);
	CHECK(pft_report_add(rep, &done) == 0 && nr_faults == 1); /* 7's: nobody's */
	done.tid = 9, done.ts = 400, done.major = true;
	CHECK(pft_report_add(rep, &done) == 0 && nr_faults == 2);
	CHECK(last_fault.tid == 9 && last_fault.major == 1 && last_fault.latency_ns == 150);
	ev.tid = 7, ev.ts = 500; /* the tid again (another process's, later): a slot of its own */
	CHECK(pft_report_add(rep, &ev) == 0 && pft_report_finish(rep) == 0 && nr_faults == 3);
	CHECK(last_fault.tid == 7 && last_ts == 500);
	pft_report_free(rep);
	pft_aspace_free(as);
}

/* Stacks in text: a merged trace puts another CPU's event between an event and its stack;
 * trace-cmd report's stack events; the atomic-context flags. */
static void test_text_stacks(void)
{
	static const char merged[] =
	    "  a-1     [000] d.... 1.000000: page_fault_user: address=0x1000 ip=0x2000 "
	    "error_code=0x6\n"
	    "  b-2     [001] d.... 1.000001: page_fault_user: address=0x3000 ip=0x4000 "
	    "error_code=0x6\n"
	    "  a-1     [000] d.... 1.000002: <user stack trace>\n"
	    " =>  <0000000000002000>\n"
	    " =>  <0000000000005000>\n"
	    "  b-2     [001] d.... 1.000003: <user stack trace>\n"
	    " =>  <0000000000004000>\n"
	    "  c-3     [000] d..1. 1.000004: page_fault_kernel: address=0x0 ip=0xffffffff81000000 "
	    "error_code=0x0\n";
	static const char tracecmd[] =
	    "stk2:   a-1 [000]  1.000000: page_fault_user:      address=0x1000 ip=0x2000 "
	    "error_code=0x4\n"
	    "stk2:   a-1 [000]  1.000001: kernel_stack:         <stack trace >\n"
	    "=> exc_page_fault (ffffffff821f5340)\n"
	    "=> asm_exc_page_fault (ffffffff81000c82)\n"
	    "stk2:   a-1 [000]  1.000002: user_stack:           \t=> 0x2000\n"
	    "\t=> 0x6000\n"
	    "\t=> 0x0\n"
	    "\t=> 0x0\n";
	FILE *f = from_string(merged);
	struct pft_source *src = pft_source_text(f, "mem");
	struct pft_event ev;

	CHECK(pft_source_next(src, &ev) == 1);
	CHECK(ev.tid == 1 && ev.ustack.nr == 2 && ev.ustack.ips[0] == 0x2000 &&
	      ev.ustack.ips[1] == 0x5000 && !ev.atomic);
	CHECK(pft_source_next(src, &ev) == 1);
	CHECK(ev.tid == 2 && ev.ustack.nr == 1 && ev.ustack.ips[0] == 0x4000);
	CHECK(pft_source_next(src, &ev) == 1);
	CHECK(ev.tid == 3 && ev.atomic && ev.type == PFT_EV_FAULT_KERNEL);
	CHECK(pft_source_next(src, &ev) == 0);
	CHECK(pft_source_stats(src)->unrecognized.count == 0);
	pft_source_close(src);
	fclose(f);
	f = from_string(tracecmd);
	src = pft_source_text(f, "mem");
	CHECK(pft_source_next(src, &ev) == 1);
	CHECK(ev.kstack.nr == 2 && ev.kstack.ips[0] == 0xffffffff821f5340ull);
	CHECK_STR(ev.kstack.frames[0], "exc_page_fault");
	CHECK(ev.ustack.nr == 2 && ev.ustack.ips[1] == 0x6000 && !ev.ustack.frames[1]);
	CHECK(pft_source_next(src, &ev) == 0);
	pft_source_close(src);
	fclose(f);
}

/* A completion's stacks and stack copy through the trace.dat form, and a form that lies. */
static void test_perf_stacks(void)
{
	static const uint64_t kips[] = {0xffffffff81001000ull, 0xffffffff81002000ull};
	static const uint64_t uips[] = {0x401000, 0x401100, 0x401200};
	static const uint8_t data[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
	struct pft_stack_dump dump = {.data = data, .size = sizeof(data)}, out_dump;
	struct pft_event ev = {.type = PFT_EV_COMPLETION,
			       .ts = 5,
			       .tid = 9,
			       .tgid = 9,
			       .address = 0x7000,
			       .major = true},
			 back;
	static uint64_t ips[2][PFT_MAX_FRAMES];
	char *buf = NULL, name[64];
	size_t size = 0;
	FILE *mem = open_memstream(&buf, &size);
	long n;
	int i;

	for (i = 0; i < PFT_DUMP_REGS; i++)
		dump.regs[i] = 100 + i;
	ev.kstack = (struct pft_stack){.nr = 2, .ips = kips};
	ev.ustack = (struct pft_stack){.nr = 3, .ips = uips};
	ev.dump = &dump;
	CHECK(pft_perf_encode(&ev, mem) == 0);
	ev.dump = NULL;
	ev.kstack.nr = 0;
	CHECK(pft_perf_encode(&ev, mem) == 0);
	fclose(mem);
	n = pft_perf_decode(buf, size, &back, name, sizeof(name), ips, &out_dump);
	CHECK(n > 0 && back.major && back.address == 0x7000 && back.kstack.nr == 2 &&
	      back.ustack.nr == 3 && back.ustack.ips[2] == 0x401200 && back.dump &&
	      back.dump->size == 12 && back.dump->data[11] == 12 && back.dump->regs[8] == 108);
	CHECK(pft_perf_decode(buf + n, size - n, &back, name, sizeof(name), ips, &out_dump) > 0 &&
	      back.kstack.nr == 0 && back.ustack.nr == 3 && !back.dump);
	/* cut anywhere inside the first record: never read past it */
	for (i = 1; i < n; i++)
		CHECK(pft_perf_decode(buf, (size_t)i, &back, name, sizeof(name), ips, &out_dump) ==
		      -1);
	/* a task's return to a CPU (--why): through the form and back, the task before unknown */
	{
		struct pft_event in = {.type = PFT_EV_SWITCH, .ts = 77, .tid = -1, .tgid = 40,
				       .child = 41};
		char *sbuf = NULL;
		size_t ssize = 0;
		FILE *smem = open_memstream(&sbuf, &ssize);

		CHECK(pft_perf_encode(&in, smem) == 0);
		fclose(smem);
		CHECK(pft_perf_decode(sbuf, ssize, &back, name, sizeof(name), ips, &out_dump) ==
			  (long)ssize &&
		      back.type == PFT_EV_SWITCH && back.ts == 77 && back.tid == -1 &&
		      back.child == 41 && back.tgid == 40);
		free(sbuf);
	}
	/* a fault of perf's event (--source perf): address, ip, mode and cpu; no error code */
	{
		struct pft_event in = {.type = PFT_EV_FAULT_KERNEL, .ts = 78, .tid = 50, .tgid = 49,
				       .cpu = 1, .address = 0x140000000000ull,
				       .ip = 0xffffffff81234567ull, .no_code = true};
		char *fbuf = NULL;
		size_t fsize = 0;
		FILE *fmem = open_memstream(&fbuf, &fsize);

		CHECK(pft_perf_encode(&in, fmem) == 0);
		in.type = PFT_EV_FAULT_USER;
		CHECK(pft_perf_encode(&in, fmem) == 0);
		fclose(fmem);
		n = pft_perf_decode(fbuf, fsize, &back, name, sizeof(name), ips, &out_dump);
		CHECK(n == (long)fsize / 2 && back.type == PFT_EV_FAULT_KERNEL && back.no_code &&
		      back.ip == in.ip && back.address == in.address && back.cpu == 1 &&
		      back.tid == 50 && back.tgid == 49 && back.ts == 78 && !back.error_code);
		CHECK_STR(back.name, "page_fault_kernel");
		CHECK(pft_perf_decode(fbuf + n, fsize - n, &back, name, sizeof(name), ips,
				      &out_dump) == n &&
		      back.type == PFT_EV_FAULT_USER);
		for (i = 1; i < n; i++) /* its ip cut off: never read past the end */
			CHECK(pft_perf_decode(fbuf, (size_t)i, &back, name, sizeof(name), ips,
					      &out_dump) == -1);
		free(fbuf);
	}
	/* a stack deeper than any kept */
	((uint16_t *)(buf + 32))[1] = PFT_MAX_FRAMES + 1;
	CHECK(pft_perf_decode(buf, size, &back, name, sizeof(name), ips, &out_dump) == -1);
	free(buf);
}

/* Names as perf and gdb show them: C++, Rust legacy (its hash left out) and Rust v0; a C name
 * and a mangled-looking one that is not stay as they are. */
static void test_demangle(void)
{
	static const char *const cases[][2] = {
	    {"_ZNSt6vectorIiSaIiEE9push_backERKi",
	     "std::vector<int, std::allocator<int> >::push_back(int const&)"},
	    {"_ZN9hashbrown3raw21RawTable$LT$T$C$A$GT$14reserve_rehash17h0123456789abcdefE",
	     "hashbrown::raw::RawTable<T,A>::reserve_rehash"},
	    {"_RNvCs15kBYyAo9fc_7mycrate7example", "mycrate::example"},
	    {"main", NULL},
	    {"_ZN3foo", NULL},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = pft_demangle(cases[i][0]);

		CHECK(cases[i][1] ? got && !strcmp(got, cases[i][1]) : !got);
		free(got);
	}
}

/* s written for the sink how, with max columns, as a string. */
static char *escaped(const char *s, enum pft_text how, size_t max, size_t *cols)
{
	static char buf[512];
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	*cols = pft_put_text(f, s, how, max);
	fclose(f);
	return buf;
}

/* Names chosen by traced processes, escaped for each sink; cut only between characters. */
static void test_escape(void)
{
	static const struct {
		const char *in;
		enum pft_text how;
		size_t max;
		const char *out;
		size_t cols;
	} cases[] = {
	    {"plain", PFT_TEXT_TERM, 0, "plain", 5},
	    {"\x1b]0;t\a\r\n", PFT_TEXT_TERM, 0, "\\x1b]0;t\\x07\\x0d\\x0a", 20},
	    {"a\\b", PFT_TEXT_TERM, 0, "a\\\\b", 4},
	    {"caf\xc3\xa9", PFT_TEXT_TERM, 0, "caf\xc3\xa9", 4},
	    /* a name the kernel cut mid-character, bytes that are not UTF-8, an overlong '/' */
	    {"\xc3\xa9\xc3", PFT_TEXT_TERM, 0, "\xc3\xa9\\xc3", 5},
	    {"\xff\xc0\xaf", PFT_TEXT_XML, 0, "\\xff\\xc0\\xaf", 12},
	    /* C1 (CSI) and a right-to-left override */
	    {"\xc2\x9b"
	     "2J\xe2\x80\xae",
	     PFT_TEXT_TERM, 0, "\\u009b2J\\u202e", 14},
	    {"<script>&\"'", PFT_TEXT_XML, 0, "&lt;script&gt;&amp;&quot;&apos;", 11},
	    {"a|b ![i](http://x) <b>", PFT_TEXT_MD, 0, "a\\|b \\!\\[i\\](http\\://x) \\<b\\>", 22},
	    {"f;g\n", PFT_TEXT_FOLDED, 0, "f\\x3bg\\x0a", 10},
	    /* cut to 4 columns: never inside a character or an escape */
	    {"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", PFT_TEXT_TERM, 4,
	     "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 4},
	    {"ab\x1b", PFT_TEXT_TERM, 4, "ab", 2},
	};
	static const char five[] = "a\xc3\xa9\xe2\x82\xac\xffz";
	size_t i, cols;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *got = escaped(cases[i].in, cases[i].how, cases[i].max, &cols);

		CHECK(!strcmp(got, cases[i].out) && cols == cases[i].cols);
		if (strcmp(got, cases[i].out) || cols != cases[i].cols)
			fprintf(stderr, "  case %zu: '%s' (%zu columns)\n", i, got, cols);
	}
	CHECK(pft_text_tail(five, 3) == five + 3); /* the euro sign, the stray byte, z */
	CHECK(pft_text_tail(five, 9) == five);
	CHECK(pft_text_cols(five, PFT_TEXT_TERM) == 8); /* a, e, euro, \xff, z */
}

/* The kallsyms a trace.dat keeps: the entries that name its addresses, no more. */
static void test_kallsyms_subset(void)
{
	static const char all[] = "ffffffff81000000 T _stext\n"
				  "ffffffff81001000 t clear_user\n"
				  "ffffffff81002000 T read_zero\n"
				  "ffffffff81003000 d some_data\n"
				  "ffffffff81004000 T vfs_read\n";
	static const uint64_t addrs[] = {0xffffffff81002077ull, 0xffffffff81004000ull,
					 0xffffffff81002001ull};
	FILE *in = from_string(all);
	char *buf = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&buf, &size);

	CHECK(pft_kallsyms_subset(in, addrs, 3, out) == 0);
	fclose(out);
	/* each with the next symbol: where it ends */
	CHECK_STR(buf, "ffffffff81002000 T read_zero\nffffffff81004000 T vfs_read\n");
	free(buf);
	fclose(in);
}

/* The folded form: root first, the comm as root, _[k] on kernel frames, [truncated] for a
 * stack that does not reach the thread's entry, [no stack] for a fault without one. */
static void test_folded(void)
{
	static const char *const kframes[] = {"exc_page_fault", "asm_exc_page_fault"};
	static const char *const whole[] = {"leaf+0x12", "main+0x40", "_start+0x25"};
	static const char *const cut[] = {"leaf+0x12", "main+0x40"};
	/* whole, though the last frame is not the entry: Go's ABI suffix; a frame pointer walk
	 * that went on past libc's start code (which keeps no frame pointer) */
	static const char *const go[] = {"main.work+0x12", "runtime.goexit.abi0+0x1"};
	static const char *const past[] = {"leaf+0x12", "__libc_start_call_main+0x7a", "junk"};
	struct pft_aspace *as = pft_aspace_new();
	struct pft_report_opts o = {.by = PFT_BY_SYM, .stack_tree = true};
	struct pft_syms *syms = pft_syms_new(NULL);
	struct pft_report *rep = pft_report_new(&o, as);
	struct pft_event ev = {.type = PFT_EV_FAULT_USER,
			       .tid = 4,
			       .tgid = 4,
			       .comm = "app",
			       .cpu = 0,
			       .address = 0x1000,
			       .ip = 0x2000,
			       .error_code = 6};
	char *buf = NULL;
	size_t size = 0;
	FILE *out;
	int i;

	pft_report_set_syms(rep, syms);
	ev.kstack = (struct pft_stack){.nr = 2, .frames = kframes};
	ev.ustack = (struct pft_stack){.nr = 3, .frames = whole};
	for (i = 0; i < 2; i++)
		CHECK(pft_report_add(rep, &ev) == 0);
	ev.kstack.nr = 0;
	ev.ustack = (struct pft_stack){.nr = 2, .frames = cut};
	CHECK(pft_report_add(rep, &ev) == 0);
	ev.ustack = (struct pft_stack){.nr = 2, .frames = go};
	CHECK(pft_report_add(rep, &ev) == 0);
	ev.ustack = (struct pft_stack){.nr = 3, .frames = past};
	CHECK(pft_report_add(rep, &ev) == 0);
	ev.ustack.nr = 0;
	CHECK(pft_report_add(rep, &ev) == 0);
	CHECK(pft_report_finish(rep) == 0);
	out = open_memstream(&buf, &size);
	CHECK(pft_report_write_folded(rep, out) == 0);
	fclose(out);
	CHECK_STR(buf, "app;[no stack];[unknown] 1\n"
		       "app;[truncated];main;leaf 1\n"
		       "app;_start;main;leaf;asm_exc_page_fault_[k];exc_page_fault_[k] 2\n"
		       "app;junk;__libc_start_call_main;leaf 1\n"
		       "app;runtime.goexit.abi0;main.work 1\n");
	free(buf);
	pft_report_free(rep);
	pft_syms_free(syms);
	pft_aspace_free(as);
}

/* Faults held for their completions while many other threads fault (the table of held faults
 * grows): each completes with its own event, comm and stack. */
static int check_own(void *data, const struct pft_fault *f)
{
	int *bad = data;
	char want[16];

	snprintf(want, sizeof(want), "t%d", f->tid);
	*bad += f->ev->address != 0x56373998e000ull + (uint64_t)f->tid * 4096 ||
		strcmp(f->ev->comm, want) || f->stack_depth != 1 ||
		strcmp(f->stack[0].sym.function, want);
	nr_faults++;
	return 0;
}

static void test_held_growth(void)
{
	FILE *f = from_string(maps_text);
	struct pft_aspace *as = pft_aspace_new();
	struct pft_report_opts o = {.by = PFT_BY_KIND, .completions = true, .stacks = true};
	struct pft_syms *syms = pft_syms_new(NULL);
	struct pft_report *rep;
	struct pft_event ev = {.type = PFT_EV_FAULT_USER, .tgid = -1, .error_code = 6};
	struct pft_event done = {.type = PFT_EV_COMPLETION, .tgid = -1};
	char comm[16];
	const char *frame[1] = {comm};
	int tid, bad = 0;

	pft_aspace_set_maps(as, -1, pft_maps_load_file(f, NULL));
	fclose(f);
	rep = pft_report_new(&o, as);
	pft_report_set_syms(rep, syms);
	nr_faults = 0;
	pft_report_set_sink(rep, check_own, &bad);
	for (tid = 1; tid <= 300; tid++) {
		snprintf(comm, sizeof(comm), "t%d", tid);
		ev.tid = tid;
		ev.comm = comm;
		ev.ts = (uint64_t)tid;
		ev.address = 0x56373998e000ull + (uint64_t)tid * 4096;
		CHECK(pft_report_add(rep, &ev) == 0);
	}
	for (tid = 1; tid <= 300; tid++) {
		snprintf(comm, sizeof(comm), "t%d", tid);
		done.tid = tid;
		done.ts = 1000 + (uint64_t)tid;
		done.address = 0x56373998e000ull + (uint64_t)tid * 4096;
		done.ustack = (struct pft_stack){.nr = 1, .frames = frame};
		CHECK(pft_report_add(rep, &done) == 0);
	}
	CHECK(nr_faults == 300 && bad == 0);
	pft_report_free(rep);
	pft_syms_free(syms);
	pft_aspace_free(as);
}

static size_t last_depth;

static int keep_depth(void *data, const struct pft_fault *f)
{
	(void)data;
	last_depth = f->stack_depth;
	return 0;
}

/* A kernel stack whose second frame is a user-half address in data (a damaged record): it ends
 * the stack, as in a user stack, instead of a frame left unnamed (heap garbage in the output). */
static void test_damaged_kstack(void)
{
	static const uint64_t kips[] = {0xffffffff81001000ull, 0x563739c2f000ull,
					0xffffffff81002000ull};
	FILE *f = from_string(maps_text);
	struct pft_aspace *as = pft_aspace_new();
	struct pft_report_opts o = {.by = PFT_BY_KIND, .stacks = true, .kernel = true};
	struct pft_syms *syms = pft_syms_new(NULL);
	struct pft_report *rep;
	struct pft_event ev = {.type = PFT_EV_FAULT_KERNEL,
			       .ts = 1,
			       .tid = 5,
			       .tgid = 5,
			       .comm = "k",
			       .address = 0x563739c2f000ull,
			       .error_code = 2};

	pft_aspace_set_maps(as, -1, pft_maps_load_file(f, NULL));
	fclose(f);
	rep = pft_report_new(&o, as);
	pft_report_set_syms(rep, syms);
	pft_report_set_sink(rep, keep_depth, NULL);
	ev.kstack = (struct pft_stack){.nr = 3, .ips = kips};
	last_depth = 99;
	CHECK(pft_report_add(rep, &ev) == 0);
	pft_report_finish(rep);
	CHECK(last_depth == 1);
	pft_report_free(rep);
	pft_syms_free(syms);
	pft_aspace_free(as);
}

/* The schema checker: its messages, the forms of anyOf, and a keyword it does not know. */
static void test_json_check(void)
{
	static const char schema_text[] =
	    "{\"type\": \"object\", \"required\": [\"n\"], \"additionalProperties\": false,"
	    " \"properties\": {\"n\": {\"$ref\": \"#/$defs/count\"},"
	    "  \"rows\": {\"type\": \"array\", \"maxItems\": 2, \"items\": {\"anyOf\": ["
	    "   {\"required\": [\"a\"], \"properties\": {\"a\": {\"type\": \"string\"}}},"
	    "   {\"required\": [\"b\"], \"properties\": {\"b\": {\"$ref\": \"#/$defs/count\"}}}]}},"
	    "  \"h\": {\"oneOf\": [{\"type\": \"string\", \"pattern\": \"^0x[0-9a-f]+$\"},"
	    "                    {\"type\": \"string\"}]}},"
	    " \"$defs\": {\"count\": {\"type\": \"integer\", \"minimum\": 0}}}";
	static const struct {
		const char *doc, *err;
	} cases[] = {
	    {"{\"n\": 1, \"rows\": [{\"a\": \"x\"}, {\"b\": 2}]}", NULL},
	    {"[]", "(the document): expected an object"},
	    {"{}", "n: missing"},
	    {"{\"n\": -1}", "n: expected a non-negative integer"},
	    {"{\"n\": 1.0}", "n: expected a non-negative integer"},
	    {"{\"n\": 1, \"x\": 1}", "x: not a field of this object"},
	    /* the second form went further: its error */
	    {"{\"n\": 1, \"rows\": [{\"b\": -2}]}", "rows[0].b: expected a non-negative integer"},
	    {"{\"n\": 1, \"rows\": [{}, {}, {}]}", "rows: expected at most 2 items"},
	    {"{\"n\": 1, \"h\": \"0x1f\"}", "h: matches more than one of its forms"},
	};
	json_t *schema = json_loads(schema_text, 0, NULL), *doc, *report;
	char err[400];
	size_t i;

	CHECK(schema != NULL);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		doc = json_loads(cases[i].doc, JSON_DECODE_ANY, NULL);
		err[0] = '\0';
		CHECK(pft_json_check(schema, doc, err, sizeof(err)) == (cases[i].err ? -1 : 0));
		if (cases[i].err && strcmp(err, cases[i].err)) {
			fprintf(stderr, "case %zu: %s\n", i, err);
			CHECK(!"the error expected");
		}
		json_decref(doc);
	}
	json_decref(schema);
	/* a keyword outside the subset fails, not passed over */
	schema = json_loads("{\"type\": \"integer\", \"maximum\": 3}", 0, NULL);
	doc = json_integer(9);
	CHECK(pft_json_check(schema, doc, err, sizeof(err)) == -1);
	CHECK(!strcmp(err, "(the document): schema: keyword 'maximum' is not supported"));
	json_decref(schema);
	json_decref(doc);
	/* the built-in schema holds the report's own document */
	schema = json_loads(pft_report_schema_text, 0, NULL);
	CHECK(schema != NULL);
	{
		struct pft_aspace *as = pft_aspace_new();
		struct pft_report_opts o = {.by = PFT_BY_SYM, .stacks = true, .kernel = true};
		struct pft_syms *syms = pft_syms_new(NULL);
		struct pft_report *rep = pft_report_new(&o, as);
		static const uint64_t kips[] = {0xffffffff81001000ull};
		struct pft_event ev = {.type = PFT_EV_FAULT_KERNEL,
				       .ts = 1,
				       .tid = 5,
				       .tgid = 5,
				       .comm = "k",
				       .address = 0x1000,
				       .error_code = 2};

		pft_report_set_syms(rep, syms);
		ev.kstack = (struct pft_stack){.nr = 1, .ips = kips};
		CHECK(pft_report_add(rep, &ev) == 0);
		pft_report_finish(rep);
		report = pft_report_json(rep);
		CHECK(json_object_get(json_object_get(report, "summary"), "stacks") != json_null());
		CHECK(pft_json_check(schema, report, err, sizeof(err)) == 0);
		CHECK(pft_diff_check_doc(report, err, sizeof(err)) == 0);
		json_decref(report);
		pft_report_free(rep);
		pft_syms_free(syms);
		pft_aspace_free(as);
	}
	json_decref(schema);
}

/* Maps one page of a new file named name in dir (unlinked after if unlink_it): its address. */
static void *map_file_named(const char *dir, const char *name, bool unlink_it)
{
	char path[256];
	void *p;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || ftruncate(fd, 4096) < 0)
		return NULL;
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (unlink_it)
		unlink(path);
	return p == MAP_FAILED ? NULL : p;
}

/* A file really named "x (deleted)" in a live process's maps is that file, not a deleted x; a
 * deleted file stays deleted, even beside a file named like its maps line. */
static void test_named_deleted(void)
{
	char dir[] = "/tmp/pftrace-unit-XXXXXX", want[300];
	void *named, *gone, *gone2;
	struct pft_maps *m;
	const struct pft_vma *v;

	CHECK(mkdtemp(dir) != NULL);
	named = map_file_named(dir, "x (deleted)", false);
	gone = map_file_named(dir, "y", true);
	gone2 = map_file_named(dir, "z", true);
	/* another file (another inode) now has the name the kernel shows for the deleted z */
	CHECK(map_file_named(dir, "z (deleted)", false) != NULL);
	CHECK(named && gone && gone2);
	m = pft_maps_load_pid(getpid());
	CHECK(m != NULL);
	v = pft_maps_lookup(m, (uint64_t)(uintptr_t)named);
	snprintf(want, sizeof(want), "%s/x (deleted)", dir);
	CHECK(v && !v->deleted);
	CHECK(v && !strcmp(v->path, want));
	CHECK(v && !strcmp(v->name, want));
	v = pft_maps_lookup(m, (uint64_t)(uintptr_t)gone);
	snprintf(want, sizeof(want), "%s/y", dir);
	CHECK(v && v->deleted);
	CHECK(v && !strcmp(v->path, want));
	v = pft_maps_lookup(m, (uint64_t)(uintptr_t)gone2);
	snprintf(want, sizeof(want), "%s/z", dir);
	CHECK(v && v->deleted);
	CHECK(v && !strcmp(v->path, want));
	pft_maps_free(m);
	snprintf(want, sizeof(want), "rm -rf '%s'", dir);
	CHECK(system(want) == 0);
}

/* The unwinder opens a file the symbolizer found only if it is still regular: one that became a
 * FIFO since (a path from a trace, in a directory its owner writes) is not opened to wait for a
 * writer (libdwfl opened it by name: pftrace hung there). */
static void test_unwind_fifo(void)
{
	char dir[] = "/tmp/pftrace-unit-XXXXXX", prog[300], moved[300], cmd[700], line[512];
	static uint8_t stack[64];
	struct pft_stack_dump dump = {.data = stack, .size = sizeof(stack)};
	struct pft_aspace *as = pft_aspace_new();
	struct pft_syms *syms = pft_syms_new(NULL);
	struct pft_skipped sk = {0};
	const struct pft_maps *maps;
	struct pft_maps *m;
	const struct pft_vma *v;
	const char *path;
	uint64_t bias, ips[8];
	struct stat st;
	FILE *f;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(prog, sizeof(prog), "%s/prog", dir);
	snprintf(moved, sizeof(moved), "%s/prog.old", dir);
	snprintf(cmd, sizeof(cmd), "cp /proc/%d/exe '%s'", (int)getpid(), prog);
	CHECK(system(cmd) == 0 && stat(prog, &st) == 0);
	/* its first PT_LOAD (offset 0) at 0x555555554000 */
	snprintf(line, sizeof(line), "555555554000-555555555000 r--p 00000000 fe:00 %lu %s\n",
		 (unsigned long)st.st_ino, prog);
	f = fmemopen(line, strlen(line), "r");
	m = pft_maps_load_file(f, &sk);
	fclose(f);
	CHECK(m && as && syms && pft_aspace_set_maps(as, 7, m) == 0); /* as owns m */
	v = pft_aspace_lookup(as, 7, 0, 0x555555554010, NULL, &maps);
	/* found and checked now, while it is a file */
	CHECK(v && pft_syms_file(syms, v, &path, &bias) == 0 && !strcmp(path, prog));
	CHECK(rename(prog, moved) == 0 && mkfifo(prog, 0600) == 0);
	dump.regs[8] = 0x555555554010; /* ip */
	dump.regs[7] = 0x7ffc00000000; /* sp */
	/* a hang here is a failure, not a stuck suite */
	alarm(20);
	CHECK(pft_syms_unwind(syms, as, 7, 0, &dump, ips, 8) == -1);
	alarm(0);
	pft_syms_free(syms);
	pft_aspace_free(as);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CHECK(system(cmd) == 0);
}

/* Gates: what parses, what is said of what does not, and values against a document. */
static void test_gates(void)
{
	static const char *const bad[] = {"major",    "major >> 1",	 "major > 1O",
					  "majr > 1", "file:x.size > 1", "tbl:x.faults > 1",
					  "> 5",      "file:.faults > 1"};
	json_t *doc = json_pack("{s:{s:i,s:i,s:{s:i},s:{s:i,s:i,s:i}}}", "summary", "faults", 1000,
				"major", 256, "by_kind", "cow", 7, "latency_ns", "p50", 2000, "p99",
				50000, "max", 90000);
	json_t *rows = json_pack("[{s:s,s:s,s:i},{s:s,s:s,s:i}]", "file", "/usr/lib/libfoo.so",
				 "key", "/usr/lib/libfoo.so", "major", 30, "file", "/opt/libfoo.so",
				 "key", "/opt/libfoo.so", "major", 12);
	struct pft_gate *g;
	char err[256];
	double v, pct;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		g = pft_gate_parse(bad[i], err, sizeof(err));
		CHECK(!g && *err);
		pft_gate_free(g);
	}
	g = pft_gate_parse("major > 100", err, sizeof(err));
	CHECK(g && pft_gate_eval(g, doc, NULL, &v, &pct, err, sizeof(err)) == 1 && v == 256);
	pft_gate_free(g);
	g = pft_gate_parse(" cow >= 1% ", err, sizeof(err));
	CHECK(g && pft_gate_eval(g, doc, NULL, &v, &pct, err, sizeof(err)) == 0 && pct == 0.7);
	pft_gate_free(g);
	g = pft_gate_parse("latency_p99 == 50", err, sizeof(err));
	CHECK(g && pft_gate_eval(g, doc, NULL, &v, &pct, err, sizeof(err)) == 1);
	pft_gate_free(g);
	/* a row by file name: both libfoo.so rows, summed */
	g = pft_gate_parse("file:libfoo.so.major != 42", err, sizeof(err));
	CHECK(g && pft_gate_table(g) == PFT_BY_FILE &&
	      pft_gate_eval(g, doc, rows, &v, &pct, err, sizeof(err)) == 0 && v == 42 && !*err);
	pft_gate_free(g);
	g = pft_gate_parse("file:libbar.so.major > 0", err, sizeof(err));
	CHECK(g && pft_gate_eval(g, doc, rows, &v, &pct, err, sizeof(err)) == 0 && *err);
	pft_gate_free(g);
	/* a time with its unit; a cause of --why: unknown without a split, else its µs */
	g = pft_gate_parse("latency_p99 >= 50ms", err, sizeof(err));
	CHECK(g && pft_gate_eval(g, doc, NULL, &v, &pct, err, sizeof(err)) == 0 && v == 50 &&
	      !strcmp(pft_gate_unit(g), " us"));
	pft_gate_free(g);
	g = pft_gate_parse("latency_p99 >= 50000 ns", err, sizeof(err));
	CHECK(g && pft_gate_eval(g, doc, NULL, &v, &pct, err, sizeof(err)) == 1);
	pft_gate_free(g);
	g = pft_gate_parse("major > 3ms", err, sizeof(err));
	CHECK(!g && strstr(err, "not a time"));
	g = pft_gate_parse("major > 3 parsecs", err, sizeof(err));
	CHECK(!g && *err);
	g = pft_gate_parse("reclaim > 10ms", err, sizeof(err));
	CHECK(g && pft_gate_eval(g, doc, NULL, &v, &pct, err, sizeof(err)) < 0);
	json_object_set_new(json_object_get(doc, "summary"), "why",
			    json_pack("{s:{s:i}}", "ns", "reclaim", 12000000));
	CHECK(pft_gate_eval(g, doc, NULL, &v, &pct, err, sizeof(err)) == 1 && v == 12000);
	pft_gate_free(g);
	json_object_set_new(json_array_get(rows, 0), "why",
			    json_pack("{s:{s:i}}", "ns", "io", 3000000));
	json_object_set_new(json_array_get(rows, 1), "why", json_pack("{s:{s:i}}", "ns", "io", 0));
	g = pft_gate_parse("file:libfoo.so.io > 2ms", err, sizeof(err));
	CHECK(g && pft_gate_eval(g, doc, rows, &v, &pct, err, sizeof(err)) == 1 && v == 3000);
	pft_gate_free(g);
	json_decref(doc);
	json_decref(rows);
}

/* A diff: rows of other pids and addresses match by key; a row on one side only; the rest. */
static void test_diff(void)
{
	const char *fmt = "{s:i,s:{s:s,s:n},s:{s:i,s:i},s:[],s:[],s:o}";
	json_t *old =
	    json_pack(fmt, "pftrace_json_version", PFT_JSON_VERSION, "source", "by", "sym", "top",
		      "summary", "faults", 100, "major", 1, "vmas", "processes", "groups",
		      json_pack("[{s:s,s:s,s:i,s:i},{s:s,s:s,s:i,s:i}]", "key", "leaf (app)",
				"function", "leaf", "faults", 90, "major", 1, "key", "gone (app)",
				"function", "gone", "faults", 10, "major", 0));
	json_t *new =
	    json_pack(fmt, "pftrace_json_version", PFT_JSON_VERSION, "source", "by", "sym", "top",
		      "summary", "faults", 1100, "major", 1, "vmas", "processes", "groups",
		      json_pack("[{s:s,s:s,s:i,s:i},{s:s,s:s,s:i,s:i}]", "key", "leaf (app)",
				"function", "leaf", "faults", 1090, "major", 1, "key", "new (app)",
				"function", "new", "faults", 10, "major", 0));
	struct pft_diff_opts o = {.by = PFT_BY_SYM};
	char err[256];
	json_t *d = pft_diff(old, new, &o, err, sizeof(err)), *r;

	CHECK(d && json_array_size(json_object_get(d, "rows")) == 3);
	r = json_array_get(json_object_get(d, "rows"), 0);
	CHECK_STR(json_string_value(json_object_get(r, "key")), "leaf (app)");
	CHECK(json_integer_value(json_object_get(json_object_get(r, "delta"), "faults")) == 1000);
	r = json_array_get(json_object_get(d, "rows"), 1);
	CHECK_STR(json_string_value(json_object_get(r, "key")), "gone (app)");
	CHECK(json_is_null(json_object_get(r, "new")));
	CHECK(json_integer_value(json_object_get(json_object_get(d, "delta"), "faults")) == 1000);
	json_decref(d);
	o.min_delta = 11; /* gone -10 and new +10 are noise: one row */
	d = pft_diff(old, new, &o, err, sizeof(err));
	CHECK(d && json_array_size(json_object_get(d, "rows")) == 2);
	CHECK_STR(json_string_value(
		      json_object_get(json_array_get(json_object_get(d, "rows"), 1), "key")),
		  "(the rest)");
	json_decref(d);
	o.by = PFT_BY_FILE; /* the documents are by sym */
	CHECK(!pft_diff(old, new, &o, err, sizeof(err)) && strstr(err, "reported by sym"));
	json_decref(old);
	json_decref(new);
}

/* A JIT's perf map as runtimes write it, and as a hostile one might: bad lines are counted, an
 * address past an entry's end is not named, overlapping entries give the nearest start. */
static void test_jitmaps(void)
{
	static const char text[] = "7f0000001000 40 LazyCompile:*foo /app.js:3\n"
				   "7f0000000000 1000 Interpreter\n"
				   "not a line\n"
				   "7f0000002000 0 empty\n"
				   "ffffffffffffffff 10 wraps\n"
				   "7f0000001010 8 inner\n"
				   "7f0000003000 10 \x1b[2Jname\n";
	struct pft_jitmaps *j = pft_jitmaps_new();
	uint64_t off = 0;

	CHECK(j && pft_jitmaps_set(j, 42, text, sizeof(text) - 1) == 0);
	CHECK(pft_jitmaps_bad_lines(j) == 3);
	CHECK_STR(pft_jitmaps_find(j, 42, 0x7f0000000010, &off), "Interpreter");
	CHECK(off == 0x10);
	CHECK_STR(pft_jitmaps_find(j, 42, 0x7f0000001004, &off), "LazyCompile:*foo /app.js:3");
	CHECK_STR(pft_jitmaps_find(j, 42, 0x7f0000001012, &off), "inner");
	CHECK(off == 2);
	/* past "inner" (8 bytes), within foo's 0x40: the nearest start only */
	CHECK(!pft_jitmaps_find(j, 42, 0x7f0000001020, &off));
	CHECK(!pft_jitmaps_find(j, 42, 0x7f0000002000, &off));
	CHECK(!pft_jitmaps_find(j, 7, 0x7f0000000010, &off)); /* another process */
	/* names are kept as written: the sinks escape them */
	CHECK_STR(pft_jitmaps_find(j, 42, 0x7f0000003000, &off), "\x1b[2Jname");
	/* a newer map replaces the old one whole */
	CHECK(pft_jitmaps_set(j, 42, "7f0000005000 10 later\n", 22) == 0);
	CHECK(!pft_jitmaps_find(j, 42, 0x7f0000000010, &off));
	CHECK_STR(pft_jitmaps_find(j, 42, 0x7f0000005001, &off), "later");
	pft_jitmaps_free(j);
}

static uint64_t why_seen[PFT_CAUSE_COUNT], why_latency;
static int why_waker;

static int keep_why(void *data, const struct pft_fault *f)
{
	(void)data;
	if (f->why_ns)
		memcpy(why_seen, f->why_ns, sizeof(why_seen));
	why_latency = f->latency_ns;
	why_waker = f->waker;
	return 0;
}

/* --why: the events that split a fault's time, as ftrace prints them, and the split: run-queue
 * wins over a span, a span over the task's state; the parts sum to the latency. */
static void test_why(void)
{
	FILE *f = from_string(maps_text);
	struct pft_aspace *as = pft_aspace_new();
	struct pft_report_opts o = {.by = PFT_BY_KIND, .completions = true};
	struct pft_report *rep;
	struct pft_event ev;
	struct pft_line_info in;
	uint64_t sum = 0;
	int c;

	CHECK(parse("  ruby worker-123 [001] d..2.  100.000001: sched_switch: prev_comm=ruby worker "
		    "prev_pid=123 prev_prio=120 prev_state=D ==> next_comm=swapper/1 next_pid=0 "
		    "next_prio=120",
		    &ev, &in) == PFT_LINE_EVENT);
	CHECK(ev.type == PFT_EV_SWITCH && ev.tid == 123 && ev.child == 0 &&
	      ev.state == PFT_STATE_IO);
	CHECK(parse("  a-1 [000] d..2.  1.0: sched_switch: prev_comm=a prev_pid=1 prev_prio=120 "
		    "prev_state=R+ ==> next_comm=x next_pid=7 next_prio=120",
		    &ev, &in) == PFT_LINE_EVENT);
	CHECK(ev.type == PFT_EV_SWITCH && ev.state == PFT_STATE_RUNNABLE && ev.child == 7);
	/* a comm that holds the field's text does not move it */
	CHECK(parse("  h-9 [000] d..2.  1.0: sched_waking: comm=x pid=5 y pid=44 prio=120 "
		    "target_cpu=001",
		    &ev, &in) == PFT_LINE_EVENT);
	CHECK(ev.type == PFT_EV_WAKEUP && ev.child == 44 && ev.tid == 9);
	CHECK(parse("  a-1 [000] ..... 1.0: mmap_lock_acquire_returned: mm=00000000deadbeef "
		    "memcg_id=0 write=false success=true",
		    &ev, &in) == PFT_LINE_EVENT);
	CHECK(ev.type == PFT_EV_SPAN && ev.cause == PFT_CAUSE_MMAP_LOCK && ev.span_end &&
	      ev.lock_mm == 0xdeadbeef && !ev.lock_write && ev.lock_success);
	CHECK(parse("  a-1 [000] ..... 1.0: mmap_lock_released: mm=00000000c0ffee11 memcg_id=0 "
		    "write=true",
		    &ev, &in) == PFT_LINE_EVENT);
	CHECK(ev.type == PFT_EV_MARK && ev.mark == PFT_MARK_MMAP_UNLOCK &&
	      ev.lock_mm == 0xc0ffee11 && ev.lock_write && !ev.lock_success);
	CHECK(pft_task_state(0x100) == PFT_STATE_RUNNABLE && pft_task_state(0) == PFT_STATE_RUNNABLE &&
	      pft_task_state(1) == PFT_STATE_SLEEP && pft_task_state(2) == PFT_STATE_IO &&
	      pft_task_state(0x80) == PFT_STATE_IO);

	pft_aspace_set_maps(as, -1, pft_maps_load_file(f, NULL));
	fclose(f);
	rep = pft_report_new(&o, as);
	pft_report_set_sink(rep, keep_why, NULL);
	memset(why_seen, 0, sizeof(why_seen));
#define WHY(...) (ev = (struct pft_event){.tgid = -1, __VA_ARGS__}, pft_report_add(rep, &ev))
	pft_report_expect_why(rep, true);
	CHECK(WHY(.type = PFT_EV_SWITCH, .ts = 10, .tid = 30, .child = 31) == 0);
	CHECK(WHY(.type = PFT_EV_FAULT_USER, .ts = 1000, .tid = 10, .comm = "w",
		  .address = 0x56373998e000ull, .error_code = 6) == 0);
	CHECK(WHY(.type = PFT_EV_SPAN, .ts = 1100, .tid = 10, .cause = PFT_CAUSE_MMAP_LOCK) == 0);
	CHECK(WHY(.type = PFT_EV_SWITCH, .ts = 1200, .tid = 10, .child = 0, .state = PFT_STATE_IO) ==
	      0);
	/* another thread's span and a wake-up of another: not this fault's */
	CHECK(WHY(.type = PFT_EV_SPAN, .ts = 1300, .tid = 11, .cause = PFT_CAUSE_RECLAIM) == 0);
	CHECK(WHY(.type = PFT_EV_WAKEUP, .ts = 1400, .tid = 20, .child = 11) == 0);
	CHECK(WHY(.type = PFT_EV_WAKEUP, .ts = 5200, .tid = 20, .child = 10) == 0);
	CHECK(WHY(.type = PFT_EV_SWITCH, .ts = 5300, .tid = 30, .child = 10,
		  .state = PFT_STATE_RUNNABLE) == 0);
	CHECK(WHY(.type = PFT_EV_SPAN, .ts = 5400, .tid = 10, .cause = PFT_CAUSE_MMAP_LOCK,
		  .span_end = true) == 0);
	CHECK(WHY(.type = PFT_EV_SWITCH, .ts = 6000, .tid = 10, .child = 30,
		  .state = PFT_STATE_RUNNABLE) == 0);
	CHECK(WHY(.type = PFT_EV_SWITCH, .ts = 6500, .tid = 30, .child = 10,
		  .state = PFT_STATE_SLEEP) == 0);
	CHECK(WHY(.type = PFT_EV_COMPLETION, .ts = 7000, .tid = 10, .address = 0x56373998e000ull) ==
	      0);
#undef WHY
	CHECK(why_latency == 6000 && why_waker == 20);
	CHECK(why_seen[PFT_CAUSE_ON_CPU] == 100 + 600 + 500);
	CHECK(why_seen[PFT_CAUSE_MMAP_LOCK] == 100 + 4000 + 100);
	CHECK(why_seen[PFT_CAUSE_RUN_QUEUE] == 100 + 500);
	CHECK(why_seen[PFT_CAUSE_IO] == 0 && why_seen[PFT_CAUSE_RECLAIM] == 0);
	for (c = 0; c < PFT_CAUSE_COUNT; c++)
		sum += why_seen[c];
	CHECK(sum == why_latency);
	/* the wake-up stamped on a CPU whose clock is behind: it comes after the switch back */
#define WHY(...) (ev = (struct pft_event){.tgid = -1, __VA_ARGS__}, pft_report_add(rep, &ev))
	CHECK(WHY(.type = PFT_EV_FAULT_USER, .ts = 8000, .tid = 10, .comm = "w",
		  .address = 0x56373998f000ull, .error_code = 6) == 0);
	CHECK(WHY(.type = PFT_EV_SWITCH, .ts = 8100, .tid = 10, .state = PFT_STATE_SLEEP) == 0);
	CHECK(WHY(.type = PFT_EV_SWITCH, .ts = 9100, .tid = 0, .child = 10) == 0);
	CHECK(WHY(.type = PFT_EV_WAKEUP, .ts = 9099, .tid = 21, .child = 10) == 0);
	CHECK(WHY(.type = PFT_EV_COMPLETION, .ts = 9200, .tid = 10, .address = 0x56373998f000ull) ==
	      0);
#undef WHY
	CHECK(why_waker == 21 && why_seen[PFT_CAUSE_SLEEP] == 1000 &&
	      why_seen[PFT_CAUSE_ON_CPU] == 200);
	/* woken (by the disk's interrupt) while still on its way to sleep: the wake-up comes
	 * before its switch out in D, the way back is perf's switch record (no task before) */
#define WHY(...) (ev = (struct pft_event){.tgid = -1, __VA_ARGS__}, pft_report_add(rep, &ev))
	CHECK(WHY(.type = PFT_EV_FAULT_USER, .ts = 10000, .tid = 10, .comm = "w",
		  .address = 0x563739990000ull, .error_code = 4) == 0);
	CHECK(WHY(.type = PFT_EV_WAKEUP, .ts = 10100, .tid = 77, .child = 10, .atomic = true) == 0);
	CHECK(WHY(.type = PFT_EV_SWITCH, .ts = 10200, .tid = 10, .child = 0, .state = PFT_STATE_IO) ==
	      0);
	CHECK(WHY(.type = PFT_EV_SWITCH, .ts = 10300, .tid = -1, .child = 10) == 0);
	CHECK(WHY(.type = PFT_EV_COMPLETION, .ts = 10400, .tid = 10, .address = 0x563739990000ull) ==
	      0);
#undef WHY
	CHECK(why_waker == 0 && why_seen[PFT_CAUSE_IO] == 100 && why_seen[PFT_CAUSE_ON_CPU] == 300);
	pft_report_free(rep);
	pft_aspace_free(as);
}

/* --why's path: the marks as ftrace prints them, a kernel enum read from the event's own print
 * format, and the word each set of marks gives. */
static void test_path(void)
{
	static const char rss_format[] =
	    "name: rss_stat\nID: 512\nformat:\n"
	    "\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	    "\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
	    "\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
	    "\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n"
	    "\tfield:unsigned int mm_id;\toffset:8;\tsize:4;\tsigned:0;\n"
	    "\tfield:unsigned int curr;\toffset:12;\tsize:4;\tsigned:0;\n"
	    "\tfield:int member;\toffset:16;\tsize:4;\tsigned:1;\n"
	    "\tfield:long size;\toffset:24;\tsize:8;\tsigned:1;\n\n"
	    "print fmt: \"mm_id=%u curr=%d type=%s size=%ldB\", REC->mm_id, REC->curr, "
	    "__print_symbolic(REC->member, { 0, \"MM_FILEPAGES\" }, { 1, \"MM_ANONPAGES\" }, "
	    "{ 7, \"MM_SWAPENTS\" }, { 3, \"MM_SHMEMPAGES\" }), REC->size\n";
	struct tep_handle *tep = tep_alloc();
	struct pft_vma file = {.inode = 7}, anon = {.inode = 0};
	struct pft_event ev;
	struct pft_line_info in;
	struct pft_why w;
	long long v = 0;

	CHECK(parse("  cat-9 [000] ..... 1.0: mm_filemap_fault: dev=254:0 ino=5125f ofs=208896", &ev,
		    &in) == PFT_LINE_EVENT);
	CHECK(ev.type == PFT_EV_MARK && ev.mark == PFT_MARK_FILEMAP_FAULT && ev.tid == 9);
	CHECK(parse("  cat-9 [000] ..... 1.0: page_cache_ra_order: dev=254:0 ino=5125f index=0 "
		    "order=0 size=2048 async_size=1024 ra_pages=2048",
		    &ev, &in) == PFT_LINE_EVENT);
	CHECK(ev.type == PFT_EV_MARK && ev.mark == PFT_MARK_SYNC_RA && ev.args[0] == 2048);
	CHECK(parse("  a-1 [000] ..... 1.0: rss_stat: mm_id=1 curr=1 type=MM_SWAPENTS size=0B", &ev,
		    &in) == PFT_LINE_EVENT);
	CHECK(ev.type == PFT_EV_MARK && ev.mark == PFT_MARK_SWAP_IN && ev.args[0] == 1);
	CHECK(parse("  a-1 [000] ..... 1.0: rss_stat: mm_id=1 curr=1 type=MM_ANONPAGES size=4096B",
		    &ev, &in) == PFT_LINE_EVENT);
	CHECK(ev.type == PFT_EV_MARK && ev.args[0] == 0);
	CHECK(parse("  cat-9 [000] ..... 1.0: block_io_start: 254,3 RA 131072 () 2048 + 256 "
		    "none,0,2 [cat]",
		    &ev, &in) == PFT_LINE_EVENT);
	CHECK(ev.type == PFT_EV_MARK && ev.mark == PFT_MARK_IO && ev.args[0] == 256 &&
	      ev.args[1] == (254ull << 20 | 3));
	CHECK(parse("  cat-9 [000] ..... 1.0: block_io_start: 254 RA 131072", &ev, &in) ==
		  PFT_LINE_EVENT &&
	      ev.type == PFT_EV_OTHER);
	/* a mark without its value is no mark: another event */
	CHECK(parse("  a-1 [000] ..... 1.0: mm_page_alloc: page=0 pfn=0x1", &ev, &in) ==
		  PFT_LINE_EVENT &&
	      ev.type == PFT_EV_OTHER);
	/* the enum's number is this kernel's (7 here), read from the format */
	CHECK(tep && tep_parse_event(tep, rss_format, sizeof(rss_format) - 1, "kmem") == 0);
	CHECK(pft_event_symbol(tep_find_event_by_name(tep, "kmem", "rss_stat"), "member",
			       "MM_SWAPENTS", &v) == 0 &&
	      v == 7);
	CHECK(pft_event_symbol(tep_find_event_by_name(tep, "kmem", "rss_stat"), "member",
			       "MM_NOPE", &v) < 0);
	tep_free(tep);
	/* and from the format's text (a trace.dat's: libtraceevent is never given its print) */
	v = 0;
	CHECK(pft_format_symbol(rss_format, sizeof(rss_format) - 1, "member", "MM_SWAPENTS", &v) ==
		  0 &&
	      v == 7);
	CHECK(pft_format_symbol(rss_format, sizeof(rss_format) - 1, "size", "MM_SWAPENTS", &v) < 0);
	CHECK(pft_format_symbol("__print_symbolic(REC->member, \"MM_SWAPENTS\" })", 42, "member",
				"MM_SWAPENTS", &v) < 0);
	CHECK(pft_format_symbol("__print_symbolic(REC->member, { x, \"MM_SWAPENTS\" })", 46,
				"member", "MM_SWAPENTS", &v) < 0);
	/* cut before the symbol: not read past its length */
	CHECK(pft_format_symbol("__print_symbolic(REC->member, { 2, \"MM_SWAPENTS\" })", 40,
				"member", "MM_SWAPENTS", &v) < 0);

	/* a number the format does not name: named from this kernel's BTF */
	{
		static const char memcg_format[] =
		    "name: mod_memcg_lruvec_state\nID: 9\nformat:\n"
		    "\tfield:int item;\toffset:16;\tsize:4;\tsigned:1;\n\n"
		    "print fmt: \"memcg_id=%llu item=%d val=%d\", REC->id, REC->item, REC->val\n";
		const struct pft_why_event *memcg =
		    pft_why_event_find("memcg", "mod_memcg_lruvec_state");
		char want[128], *named;
		long long refault = -1;
		size_t len = 0;

		CHECK(memcg && pft_btf_enum("node_stat_item", "WORKINGSET_REFAULT_FILE", &refault) == 0 &&
		      refault > 0);
		CHECK(pft_btf_enum("node_stat_item", "NO_SUCH_ITEM", &v) < 0 &&
		      pft_btf_enum("no_such_enum", "X", &v) < 0);
		named = memcg ? pft_why_format(memcg, memcg_format, sizeof(memcg_format) - 1, &len) : NULL;
		snprintf(want, sizeof(want),
			 "\nprint fmt: \"item=%%s\", __print_symbolic(REC->item, { %lld, "
			 "\"WORKINGSET_REFAULT_FILE\" })\n",
			 refault);
		CHECK(named && len == strlen(named) && strstr(named, want) &&
		      !strncmp(named, memcg_format, 40));
		CHECK(named && pft_format_symbol(named, len, "item", "WORKINGSET_REFAULT_FILE", &v) == 0 &&
		      v == refault);
		free(named);
		/* an event without an enum to name is left as it is */
		CHECK(!pft_why_format(pft_why_event_find("kmem", "rss_stat"), memcg_format,
				      sizeof(memcg_format) - 1, &len));
	}

	/* the words */
#define MARKS(...)                                                                               \
	(pft_why_start(&w, 0), ev = (struct pft_event){.type = PFT_EV_MARK, .tid = 5, __VA_ARGS__}, \
	 pft_why_event(&w, 5, &ev))
	MARKS(.mark = PFT_MARK_MAP_PAGES);
	CHECK(pft_fault_path(PFT_KIND_FILE_READ, 0, &file, &w) == PFT_PATH_FAULT_AROUND);
	ev.mark = PFT_MARK_FILEMAP_FAULT;
	pft_why_event(&w, 5, &ev);
	CHECK(pft_fault_path(PFT_KIND_FILE_READ, 0, &file, &w) == PFT_PATH_CACHE_HIT);
	w.ns[PFT_CAUSE_IO] = 1; /* slept on I/O it did not start */
	CHECK(pft_fault_path(PFT_KIND_FILE_READ, 0, &file, &w) == PFT_PATH_IO_IN_FLIGHT);
	ev.mark = PFT_MARK_ADD_TO_CACHE;
	pft_why_event(&w, 5, &ev);
	CHECK(pft_fault_path(PFT_KIND_FILE_READ, 0, &file, &w) == PFT_PATH_CACHE_MISS);
	ev.mark = PFT_MARK_ASYNC_RA;
	ev.args[0] = 512;
	pft_why_event(&w, 5, &ev);
	CHECK(pft_fault_path(PFT_KIND_FILE_READ, 0, &file, &w) == PFT_PATH_READAHEAD_ASYNC &&
	      w.ra_pages == 512);
	MARKS(.mark = PFT_MARK_SWAP_IN, .args = {1});
	CHECK(pft_fault_path(PFT_KIND_ANON_FIRST_TOUCH, 0, &anon, &w) == PFT_PATH_SWAP_IN);
	/* another member of the counters, an order below a huge page, another thread's: none */
	MARKS(.mark = PFT_MARK_SWAP_IN, .args = {0});
	CHECK(pft_fault_path(PFT_KIND_ANON_FIRST_TOUCH, 0, &anon, &w) == PFT_PATH_ZERO_FILL);
	/* (without --why=full's marks: a major fault on anonymous memory is a swap-in) */
	CHECK(pft_fault_path(PFT_KIND_ANON_FIRST_TOUCH, 1, &anon, &w) == PFT_PATH_SWAP_IN);
	MARKS(.mark = PFT_MARK_HUGE_ALLOC, .args = {3});
	CHECK(pft_fault_path(PFT_KIND_ANON_FIRST_TOUCH, 0, &anon, &w) == PFT_PATH_ZERO_FILL);
	pft_why_start(&w, 0);
	ev = (struct pft_event){.type = PFT_EV_MARK, .tid = 6, .mark = PFT_MARK_HUGE_ALLOC, .args = {9}};
	pft_why_event(&w, 5, &ev);
	CHECK(pft_fault_path(PFT_KIND_ANON_FIRST_TOUCH, 0, &anon, &w) == PFT_PATH_ZERO_FILL);
	/* a huge page allocated and not mapped fell back; mapped (THP_FAULT_ALLOC), it is one */
	MARKS(.mark = PFT_MARK_HUGE_ALLOC, .args = {9});
	CHECK(pft_fault_path(PFT_KIND_ANON_FIRST_TOUCH, 0, &anon, &w) == PFT_PATH_THP_FALLBACK);
	ev = (struct pft_event){.type = PFT_EV_MARK, .tid = 5, .mark = PFT_MARK_THP, .args = {1}};
	pft_why_event(&w, 5, &ev);
	CHECK(pft_fault_path(PFT_KIND_ANON_FIRST_TOUCH, 0, &anon, &w) == PFT_PATH_THP);
	MARKS(.mark = PFT_MARK_THP, .args = {0}); /* another item of the memory cgroup's */
	CHECK(pft_fault_path(PFT_KIND_ANON_FIRST_TOUCH, 0, &anon, &w) == PFT_PATH_ZERO_FILL);
	/* the I/O it submitted: bytes summed, its device the first, two devices none */
	pft_why_start(&w, 0);
	ev = (struct pft_event){.type = PFT_EV_MARK, .tid = 5, .mark = PFT_MARK_IO, .args = {8, 7}};
	pft_why_event(&w, 5, &ev);
	pft_why_event(&w, 5, &ev);
	CHECK(w.io_bytes == 8192 && w.io_dev == 7 && w.io_devs == 1);
	ev.args[1] = 9;
	pft_why_event(&w, 5, &ev);
	ev.args[1] = 7;
	pft_why_event(&w, 5, &ev);
	CHECK(w.io_bytes == 16384 && w.io_devs == 2);
	/* a swap-out in reclaim inside the fault is not its path */
	pft_why_start(&w, 0);
	ev = (struct pft_event){.type = PFT_EV_SPAN, .tid = 5, .cause = PFT_CAUSE_RECLAIM};
	pft_why_event(&w, 5, &ev);
	ev = (struct pft_event){.type = PFT_EV_MARK, .tid = 5, .mark = PFT_MARK_SWAP_IN, .args = {1}};
	pft_why_event(&w, 5, &ev);
	CHECK(pft_fault_path(PFT_KIND_ANON_FIRST_TOUCH, 0, &anon, &w) == PFT_PATH_ZERO_FILL);
	MARKS(.mark = PFT_MARK_COUNT);
	CHECK(pft_fault_path(PFT_KIND_COW, 0, &anon, &w) == PFT_PATH_COW);
	w.ns[PFT_CAUSE_SLEEP] = 5; /* asleep (S) until the program's handler resolved it */
	CHECK(pft_fault_path(PFT_KIND_ANON_FIRST_TOUCH, 0, &anon, &w) == PFT_PATH_USERFAULT);
	w.ns[PFT_CAUSE_SLEEP] = 0;
	CHECK(pft_fault_path(PFT_KIND_FILE_WRITE, 0, &file, &w) == PFT_PATH_UNKNOWN);
	CHECK(pft_fault_path(PFT_KIND_NO_VMA, 0, NULL, &w) == PFT_PATH_UNKNOWN);
	CHECK(pft_fault_path(PFT_KIND_ANON_FIRST_TOUCH, 0, &anon, NULL) == PFT_PATH_UNKNOWN);
#undef MARKS
}


/* --cgroup names: a path below a hierarchy (v2's first), a unit's name found below, a
 * container id's part; two cgroups of one name refused; the same one in two hierarchies
 * (systemd's hybrid layout) is one. Built in a temporary tree, with a mount table naming it. */
static void mkcg(const char *root, const char *rel)
{
	char path[4096], *p;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/cgroup.procs", root, rel);
	for (p = path + strlen(root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	f = fopen(path, "w");
	if (f)
		fclose(f);
}

static int resolve_in(const char *root, const char *arg, char **path, char **other)
{
	char table[8192];
	FILE *mounts;
	int r;

	snprintf(table, sizeof(table),
		 "cgroup %s/pids cgroup rw,relatime,pids 0 0\n"
		 "tmpfs /run tmpfs rw 0 0\n"
		 "cgroup2 %s/unified cgroup2 rw,relatime 0 0\n",
		 root, root);
	mounts = fmemopen(table, strlen(table), "r");
	r = pft_cgroup_resolve(arg, mounts, path, other);
	fclose(mounts);
	return r;
}

#define CHECK_OUT(want) CHECK(!strcmp(out, (want)))

/* Which line of /proc/PID/cgroup is a process's cgroup, and a cgroup's path in its hierarchy */
static void test_cgroup_of(void)
{
	const char *hybrid = "9:name=systemd:/\n8:pids:/build\n4:memory:/ct/abc\n0::/\n";
	const char *unified = "0::/system.slice/nginx.service\n";
	const char *mounts = "cgroup2 /sys/fs/cgroup/unified cgroup2 rw 0 0\n"
			     "cgroup /sys/fs/cgroup/pids cgroup rw,pids 0 0\n"
			     "cgroup /sys/fs/cgroup/memory cgroup rw,memory 0 0\n";
	char out[256];
	FILE *f;

	f = from_string(hybrid);
	CHECK(pft_cgroup_of_parse(f, NULL, out, sizeof(out)) == 0); /* v2 is the root: memory's */
	CHECK_OUT("/ct/abc");
	fclose(f);
	f = from_string(hybrid);
	CHECK(pft_cgroup_of_parse(f, "/build", out, sizeof(out)) == 0); /* --cgroup's hierarchy */
	CHECK_OUT("/build");
	fclose(f);
	f = from_string("8:pids:/build/sub\n0::/\n");
	CHECK(pft_cgroup_of_parse(f, "/build", out, sizeof(out)) == 0); /* below it */
	CHECK_OUT("/build/sub");
	fclose(f);
	f = from_string("8:pids:/buildx\n4:memory:/\n0::/\n");
	CHECK(pft_cgroup_of_parse(f, "/build", out, sizeof(out)) == 0); /* not a prefix match */
	CHECK_OUT("/buildx");
	fclose(f);
	f = from_string(unified);
	CHECK(pft_cgroup_of_parse(f, NULL, out, sizeof(out)) == 0);
	CHECK_OUT("/system.slice/nginx.service");
	fclose(f);
	f = from_string("0::/\n");
	CHECK(pft_cgroup_of_parse(f, NULL, out, sizeof(out)) == 0); /* v2 alone: its root */
	CHECK_OUT("/");
	fclose(f);
	f = from_string("garbage\n");
	CHECK(pft_cgroup_of_parse(f, NULL, out, sizeof(out)) == -1 && errno == ENOENT);
	fclose(f);

	f = from_string(mounts);
	CHECK(pft_cgroup_relative("/sys/fs/cgroup/pids/build/x", f, out, sizeof(out)) == 0);
	CHECK_OUT("/build/x");
	fclose(f);
	f = from_string(mounts);
	CHECK(pft_cgroup_relative("/sys/fs/cgroup/memory", f, out, sizeof(out)) == 0);
	CHECK_OUT("/");
	fclose(f);
	f = from_string(mounts);
	CHECK(pft_cgroup_relative("/sys/fs/cgroup/pidsx/y", f, out, sizeof(out)) == -1);
	fclose(f);

	/* memory.stat: the cgroup's own, not total_ (its children's too) */
	uint64_t pf = 0, maj = 0;

	f = from_string("cache 0\npgfault 3011\npgmajfault 2\ntotal_pgfault 9999\n");
	CHECK(pft_cgroup_memstat_parse(f, &pf, &maj) == 0 && pf == 3011 && maj == 2);
	fclose(f);
	f = from_string("anon 0\npgfault 5\n");
	CHECK(pft_cgroup_memstat_parse(f, &pf, &maj) == -1 && errno == ENOENT);
	fclose(f);
}

static void test_cgroups(void)
{
	char root[] = "/tmp/pft-cg-XXXXXX", want[4096], *path, *other;
	const char *procs = "12\n\n34\nx\n";
	FILE *f;
	int *pids;
	size_t n;

	if (!mkdtemp(root)) {
		CHECK(!"mkdtemp");
		return;
	}
	mkcg(root, "unified/system.slice/nginx.service");
	mkcg(root, "pids/system.slice/nginx.service");
	mkcg(root, "unified/system.slice/docker-0123456789abcdef0123.scope");
	mkcg(root, "unified/a/x.service");
	mkcg(root, "pids/b/x.service");

	snprintf(want, sizeof(want), "%s/unified/system.slice/nginx.service", root);
	CHECK(resolve_in(root, "nginx.service", &path, &other) == 0);
	CHECK(path && !strcmp(path, want));
	free(path);
	CHECK(resolve_in(root, "system.slice/nginx.service", &path, &other) == 0);
	CHECK(path && !strcmp(path, want));
	free(path);
	snprintf(want, sizeof(want), "%s/pids/system.slice/nginx.service", root);
	CHECK(resolve_in(root, want, &path, &other) == 0);
	CHECK(path && !strcmp(path, want));
	free(path);
	snprintf(want, sizeof(want), "%s/unified/system.slice/docker-0123456789abcdef0123.scope",
		 root);
	CHECK(resolve_in(root, "0123456789abcdef", &path, &other) == 0);
	CHECK(path && !strcmp(path, want));
	free(path);
	/* a short part is no id: "0123" names nothing */
	CHECK(resolve_in(root, "0123", &path, &other) == -1 && errno == ENOENT && !path);
	CHECK(resolve_in(root, "x.service", &path, &other) == -1 && errno == EEXIST);
	CHECK(path && other && strstr(path, "/a/x.service") && strstr(other, "/b/x.service"));
	free(path);
	free(other);
	CHECK(resolve_in(root, "nope.service", &path, &other) == -1 && errno == ENOENT);
	CHECK(resolve_in(root, "system.slice/nope", &path, &other) == -1 && errno == ENOENT);
	CHECK(resolve_in(root, "/nonexistent/cg", &path, &other) == -1 && errno == ENOENT);

	f = fmemopen((void *)procs, strlen(procs), "r");
	CHECK(pft_cgroup_procs_parse(f, &pids, &n) == 0 && n == 2 && pids[0] == 12 && pids[1] == 34);
	fclose(f);
	free(pids);
	snprintf(want, sizeof(want), "rm -rf '%s'", root);
	CHECK(system(want) == 0);
}

int main(void)
{
	test_history_lines();
	test_exact_history();
	test_area_neighbours();
	test_trace_variants();
	test_source_stacks();
	test_maps();
	test_decode();
	test_classify();
	test_json_str();
	test_report();
	test_markers();
	test_pages_across_growth();
	test_unaligned_vma();
	test_completions();
	test_restarts();
	test_fold_exited();
	test_perf_told_twice();
	test_restarts_all();
	test_thread_slots();
	test_fork_comm();
	test_text_stacks();
	test_perf_stacks();
	test_kallsyms_subset();
	test_demangle();
	test_escape();
	test_folded();
	test_held_growth();
	test_damaged_kstack();
	test_gates();
	test_diff();
	test_json_check();
	test_named_deleted();
	test_unwind_fifo();
	test_jitmaps();
	test_why();
	test_path();
	test_cgroups();
	test_cgroup_of();
	printf("unit: %d passed, %d failed\n", passed, failed);
	return failed != 0;
}
