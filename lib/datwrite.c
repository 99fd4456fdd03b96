/* SPDX-License-Identifier: MIT */
/*
 * trace.dat version 6 (trace-cmd's format), written from a live recording: the headers and event
 * formats of this kernel, the comms, the per-CPU stats, trace-cmd's PROCMAPS option (so either
 * tool finds the maps) and pftrace's own option with every maps snapshot in full, then the raw
 * ring-buffer pages as the kernel gave them. Written under a temporary name and renamed at the
 * end: an interrupted run never leaves a file that looks complete.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <tracefs.h>
#include "internal.h"
#include "dat.h"
#include "live.h"
#include "perf.h"

struct out {
	FILE *f; /* NULL: only count the bytes (the size the file would have) */
	int err;
	/* bytes written: the file's offsets count from its start, which is not the stream's
	 * position on a pipe (none) or a shell's `>> file` (its end) */
	uint64_t pos;
};

static void put(struct out *o, const void *p, size_t n)
{
	if (o->f && !o->err && n && fwrite(p, 1, n, o->f) != n)
		o->err = errno ? errno : EIO;
	o->pos += n;
}

static void put16(struct out *o, uint16_t v)
{
	put(o, &v, 2);
}

static void put32(struct out *o, uint32_t v)
{
	put(o, &v, 4);
}

static void put64(struct out *o, uint64_t v)
{
	put(o, &v, 8);
}

/* A tracefs file, whole; NULL and *size 0 if it cannot be read. */
static char *tracefs_text(struct tracefs_instance *inst, const char *file, int *size)
{
	char *s = tracefs_instance_file_read(inst, file, size);

	if (!s)
		*size = 0;
	return s;
}

static int put_file(struct out *o, struct tracefs_instance *inst, const char *file, int width)
{
	int size;
	char *s = tracefs_text(inst, file, &size);

	if (!s)
		return -1;
	if (width == 8)
		put64(o, size);
	else
		put32(o, size);
	put(o, s, size);
	free(s);
	return 0;
}

/* An event's format; one whose symbol the kernel prints as a number, with a print format that
 * names it (BTF's value: see btf.c), as the live decoder read it. */
static int put_format(struct out *o, const char *sys, const char *name, const char *path)
{
	const struct pft_why_event *w = pft_why_event_find(sys, name);
	char *s, *named;
	size_t len;
	int size;

	if (!w || !w->btf_enum)
		return put_file(o, NULL, path, 8);
	if (!(s = tracefs_text(NULL, path, &size)))
		return -1;
	named = pft_why_format(w, s, (size_t)size, &len);
	put64(o, named ? len : (size_t)size);
	put(o, named ? named : s, named ? len : (size_t)size);
	free(named);
	free(s);
	return 0;
}

/* The events recorded besides the faults: the history's, --why's. */
struct event_list {
	const char *sys[64], *name[64];
	int n;
};

/* Those of them this kernel has (a missing one was not enabled either). */
static void list_add(struct event_list *l, const char *sys, const char *name)
{
	char path[160];

	snprintf(path, sizeof(path), "events/%s/%s/format", sys, name);
	if (l->n < 64 && tracefs_file_exists(NULL, path)) {
		l->sys[l->n] = sys;
		l->name[l->n++] = name;
	}
}

/* Entry i is the first of its system: the format sections go one system a time. */
static bool first_of_system(const struct event_list *l, int i)
{
	int j;

	for (j = 0; j < i; j++)
		if (!strcmp(l->sys[j], l->sys[i]))
			return false;
	return true;
}

static int list_systems(const struct event_list *l)
{
	int i, n = 0;

	for (i = 0; i < l->n; i++)
		n += first_of_system(l, i);
	return n;
}

static int put_event_formats(struct out *o, const struct event_list *l)
{
	char path[160];
	int i, k, n;

	for (i = 0; i < l->n; i++) {
		if (!first_of_system(l, i))
			continue; /* its system was written whole */
		for (n = 0, k = i; k < l->n; k++)
			n += !strcmp(l->sys[k], l->sys[i]);
		put(o, l->sys[i], strlen(l->sys[i]) + 1);
		put32(o, n);
		for (k = i; k < l->n; k++) {
			if (strcmp(l->sys[k], l->sys[i]))
				continue;
			snprintf(path, sizeof(path), "events/%s/%s/format", l->sys[k], l->name[k]);
			if (put_format(o, l->sys[k], l->name[k], path) < 0)
				return -1;
		}
	}
	return 0;
}

static int put_formats(struct out *o, const struct pft_dat_input *in)
{
	struct event_list more = {.n = 0};
	int i;

	/* the faults' (a kernel without them, arm64, has its faults in the perf option) */
	list_add(&more, "exceptions", "page_fault_user");
	if (in->kernel)
		list_add(&more, "exceptions", "page_fault_kernel");
	for (i = 0; in->history && pft_history_events[i][0]; i++)
		list_add(&more, pft_history_events[i][0], pft_history_events[i][1]);
	for (i = 0; in->why && pft_why_events[i].name; i++)
		if (!pft_why_events[i].filter || in->why >= PFT_WHY_FULL)
			list_add(&more, pft_why_events[i].sys, pft_why_events[i].name);

	put(o, "header_page", 12);
	if (put_file(o, NULL, "events/header_page", 8) < 0)
		return -1;
	put(o, "header_event", 13);
	if (put_file(o, NULL, "events/header_event", 8) < 0)
		return -1;
	/* ftrace's own events: print, for pftrace's snapshot markers */
	put32(o, 1);
	if (put_file(o, NULL, "events/ftrace/print/format", 8) < 0)
		return -1;
	put32(o, list_systems(&more));
	return put_event_formats(o, &more);
}

/* The kernel's symbols of the addresses the recording saw (faults in kernel code, kernel
 * stacks): a reader names them as this kernel did, and the file stays small (all of kallsyms is
 * 5 MB). */
static void put_kallsyms(struct out *o, const struct pft_dat_input *in)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = in->nr_kaddrs ? fopen("/proc/kallsyms", "re") : NULL;
	FILE *mem = open_memstream(&buf, &size);

	if (f && mem && pft_kallsyms_subset(f, in->kaddrs, in->nr_kaddrs, mem) < 0 && !o->err)
		o->err = errno ? errno : EIO;
	if (mem)
		fclose(mem);
	if (f)
		fclose(f);
	put32(o, (uint32_t)size);
	put(o, buf, size);
	free(buf);
}

static void put_cmdlines(struct out *o, const struct pft_dat_input *in)
{
	char *buf = NULL;
	size_t size = 0, i;
	FILE *mem = open_memstream(&buf, &size);

	for (i = 0; mem && i < pft_aspace_task_count(in->as); i++) {
		const char *comm;
		int tid, tgid;

		pft_aspace_task_at(in->as, i, &tid, &tgid, &comm);
		if (*comm)
			fprintf(mem, "%d %s\n", tid, comm);
	}
	if (mem)
		fclose(mem);
	put64(o, size);
	put(o, buf, size);
	free(buf);
}

static void put_option(struct out *o, uint16_t id, const void *data, uint32_t size)
{
	put16(o, id);
	put32(o, size);
	put(o, data, size);
}

static void put_string_option(struct out *o, uint16_t id, const char *s)
{
	put_option(o, id, s, (uint32_t)strlen(s) + 1);
}

static int put_cpustats(struct out *o, struct pft_live *l)
{
	int cpu;

	for (cpu = 0; cpu < pft_live_cpus(l); cpu++) {
		char file[64], *text, *opt;
		int size;

		snprintf(file, sizeof(file), "per_cpu/cpu%d/stats", cpu);
		text = tracefs_text(pft_live_instance(l), file, &size);
		if (!text)
			continue;
		if (asprintf(&opt, "CPU: %d\n%s", cpu, text) >= 0) {
			put_string_option(o, PFT_DAT_OPT_CPUSTAT, opt);
			free(opt);
		}
		free(text);
	}
	return 0;
}

struct maps_text {
	FILE *procmaps, *full;
	char *pbuf, *fbuf;
	size_t psize, fsize;
	int last_pid;
	const struct pft_maps *last;
	const char *last_exe;
};

/* trace-cmd's PROCMAPS: "pid nr exe\n" then "start end path\n" for lines with a path. */
static void procmaps_one(FILE *f, int pid, const struct pft_maps *m, const char *exe)
{
	size_t i, n = 0;

	for (i = 0; i < pft_maps_count(m); i++)
		n += pft_maps_at(m, i)->name[0] != '[' || strcmp(pft_maps_at(m, i)->name, "[anon]");
	fprintf(f, "%x %zx %s\n", pid, n, exe && *exe ? exe : "?");
	for (i = 0; i < pft_maps_count(m); i++) {
		const struct pft_vma *v = pft_maps_at(m, i);

		if (strcmp(v->name, "[anon]"))
			fprintf(f, "%" PRIx64 " %" PRIx64 " %s\n", v->start, v->end, v->name);
	}
	fputc('\0', f);
}

static int snapshot_text(void *data, int pid, uint64_t ts, const struct pft_maps *m,
			 const char *exe)
{
	struct maps_text *t = data;

	fprintf(t->full, "snapshot %d %" PRIu64 " %s\n", pid, ts, exe && *exe ? exe : "?");
	pft_maps_write(m, t->full);
	fputs("end\n", t->full);
	if (t->last && t->last_pid != pid)
		procmaps_one(t->procmaps, t->last_pid, t->last, t->last_exe);
	t->last_pid = pid;
	t->last = m;
	t->last_exe = exe;
	return 0;
}

/* PROCMAPS: one option per pid, its last snapshot. pftrace's option: every snapshot. */
static int put_maps(struct out *o, const struct pft_aspace *as)
{
	struct maps_text t = {0};
	char *p;
	size_t off;
	int r = -1;

	t.procmaps = open_memstream(&t.pbuf, &t.psize);
	t.full = open_memstream(&t.fbuf, &t.fsize);
	if (!t.procmaps || !t.full)
		goto out;
	fputs(PFT_DAT_MAPS_MAGIC "\n", t.full);
	pft_aspace_foreach_snapshot(as, snapshot_text, &t);
	if (t.last)
		procmaps_one(t.procmaps, t.last_pid, t.last, t.last_exe);
	fclose(t.procmaps);
	fclose(t.full);
	t.procmaps = t.full = NULL;
	for (off = 0; off < t.psize; off += strlen(p) + 1) {
		p = t.pbuf + off;
		put_string_option(o, PFT_DAT_OPT_PROCMAPS, p);
	}
	put_option(o, PFT_DAT_OPT_PFTRACE_MAPS, t.fbuf, (uint32_t)t.fsize + 1);
	r = 0;
out:
	if (t.procmaps)
		fclose(t.procmaps);
	if (t.full)
		fclose(t.full);
	free(t.pbuf);
	free(t.fbuf);
	return r;
}

/* Copies a spool into the file at its offset. */
static int copy_spool(struct out *o, int spool, uint64_t size)
{
	char buf[1 << 16];
	uint64_t done = 0;

	if (!o->f) {
		o->pos += size;
		return 0;
	}
	while (done < size) {
		size_t want = size - done < sizeof(buf) ? size - done : sizeof(buf);
		ssize_t n = pread(spool, buf, want, (off_t)done);

		if (n <= 0) {
			o->err = n < 0 ? errno : EIO;
			return -1;
		}
		put(o, buf, n);
		done += n;
	}
	return o->err ? -1 : 0;
}

/* The first len bytes of the perf spool (flushed), as one option (its size is a u32: 4 GiB,
 * ~130M completions). */
static void put_perf(struct out *o, FILE *spool, uint64_t len)
{
	if (!spool)
		return;
	if (len > UINT32_MAX) {
		/* never a file without what was recorded */
		if (!o->err)
			o->err = EFBIG;
		return;
	}
	put16(o, PFT_DAT_OPT_PFTRACE_PERF);
	put32(o, (uint32_t)len);
	copy_spool(o, fileno(spool), len);
}

static void put_counters(struct out *o, const struct pft_dat_input *in)
{
	char *buf = NULL;
	size_t size = 0, i;
	FILE *mem = in->nr_counters ? open_memstream(&buf, &size) : NULL;

	for (i = 0; mem && i < in->nr_counters; i++)
		fprintf(mem, "%d %" PRIu64 " %" PRIu64 "\n", in->counters[i].pid,
			in->counters[i].min_flt, in->counters[i].maj_flt);
	if (mem && fclose(mem) == 0)
		put_option(o, PFT_DAT_OPT_PFTRACE_COUNTERS, buf, (uint32_t)size + 1);
	free(buf);
}

/* What of the spools goes into the file: all of them, or what came before a moment, to fit the
 * file-size limit. */
struct cut {
	uint64_t perf; /* bytes of the perf spool */
	uint64_t *cpu; /* bytes of each CPU's spool */
	uint64_t ts;   /* the first moment left out; 0: none was */
};

static void put_cgroup(struct out *o, const struct pft_dat_input *in)
{
	char *s;

	if (!in->cgroup)
		return;
	if (asprintf(&s, "%" PRIu64 " %" PRIu64 " %s", in->cg_pgfault, in->cg_pgmajfault,
		     in->cgroup) >= 0) {
		put_string_option(o, PFT_DAT_OPT_PFTRACE_CGROUP, s);
		free(s);
	} else if (!o->err) {
		o->err = ENOMEM;
	}
}

static void put_info(struct out *o, const struct pft_dat_input *in, uint64_t cut)
{
	char *s, at[32] = "";

	if (cut)
		snprintf(at, sizeof(at), "cut %" PRIu64 "\n", cut);
	/* "completions major": only major faults have one (a fault without is minor) */
	/* "faults perf": perf's event told the faults (in the perf option), without error_code */
	if (asprintf(&s, "pftrace %s\nsideband %d\ncompletions %s\nfaults %s\n%s", PFTRACE_VERSION,
		     in->history,
		     !in->completions ? "0"
		     : in->major_only ? "major"
				      : "1",
		     in->perf_faults ? "perf" : "tracepoint", at) >= 0) {
		put_string_option(o, PFT_DAT_OPT_PFTRACE_INFO, s);
		free(s);
	} else if (!o->err) {
		o->err = ENOMEM;
	}
}

static void put_options(struct out *o, const struct pft_dat_input *in, const struct cut *c)
{
	struct tracefs_instance *inst = pft_live_instance(in->live);
	struct utsname u;
	char *clock, *s;
	int size;

	put(o, "options  ", 10);
	put_cpustats(o, in->live);
	clock = tracefs_text(inst, "trace_clock", &size);
	if (clock) {
		put_string_option(o, PFT_DAT_OPT_TRACECLOCK, clock);
		free(clock);
	}
	if (uname(&u) == 0 &&
	    asprintf(&s, "%s %s %s %s", u.sysname, u.nodename, u.release, u.machine) >= 0) {
		put_string_option(o, PFT_DAT_OPT_UNAME, s);
		free(s);
	}
	put_maps(o, in->as);
	put_perf(o, pft_live_perf_spool(in->live), c->perf);
	put_counters(o, in);
	if (in->build_ids && *in->build_ids)
		put_string_option(o, PFT_DAT_OPT_PFTRACE_BUILD_IDS, in->build_ids);
	if (in->jitmaps_len && in->jitmaps_len <= UINT32_MAX)
		put_option(o, PFT_DAT_OPT_PFTRACE_JITMAPS, in->jitmaps, (uint32_t)in->jitmaps_len);
	put_cgroup(o, in);
	put_info(o, in, c->ts);
	put16(o, 0);
}

static int put_flyrecord(struct out *o, const struct pft_dat_input *in, const struct cut *c)
{
	int cpus = pft_live_cpus(in->live), psize = pft_live_page_size(in->live), cpu;
	char *clock = tracefs_get_clock(pft_live_instance(in->live)), bracket[64];
	uint64_t *off = calloc(cpus, sizeof(*off)), *size = calloc(cpus, sizeof(*size)), pos;
	int r = -1;

	if (!off || !size || !clock)
		goto out;
	snprintf(bracket, sizeof(bracket), "[%s]", clock);
	for (cpu = 0; cpu < cpus; cpu++)
		size[cpu] = c->cpu[cpu];
	pos = o->pos + 10 + 16ull * cpus + 8 + strlen(bracket);
	for (cpu = 0; cpu < cpus; cpu++) {
		off[cpu] = (pos + psize - 1) & ~(uint64_t)(psize - 1);
		pos = off[cpu] + size[cpu];
	}
	put(o, "flyrecord", 10);
	for (cpu = 0; cpu < cpus; cpu++) {
		put64(o, off[cpu]);
		put64(o, size[cpu]);
	}
	put64(o, strlen(bracket));
	put(o, bracket, strlen(bracket));
	for (cpu = 0; cpu < cpus && !o->err; cpu++) {
		uint64_t here = o->pos, s;
		static const char zeros[4096];
		int spool = pft_live_spool_fd(in->live, cpu, &s);

		s = size[cpu];
		while (here < off[cpu]) {
			size_t n =
			    off[cpu] - here < sizeof(zeros) ? off[cpu] - here : sizeof(zeros);

			put(o, zeros, n);
			here += n;
		}
		if (s && copy_spool(o, spool, s) < 0)
			goto out;
	}
	r = o->err ? -1 : 0;
out:
	free(clock);
	free(off);
	free(size);
	return r;
}

static void put_header(struct out *o, const struct pft_dat_input *in)
{
	static const char magic[] = {0x17, 0x08, 0x44, 't', 'r', 'a', 'c', 'i', 'n', 'g'};

	put(o, magic, sizeof(magic));
	put(o, "6", 2);
	put(o, "\0", 1); /* little endian */
	put(o, (const char[]){sizeof(long)}, 1);
	put32(o, (uint32_t)pft_live_page_size(in->live));
}

static void put_all(struct out *o, const struct pft_dat_input *in, const struct cut *c)
{
	put_header(o, in);
	if (put_formats(o, in) < 0 && !o->err)
		o->err = errno ? errno : EIO;
	put_kallsyms(o, in);
	put32(o, 0); /* printk formats */
	put_cmdlines(o, in);
	put32(o, (uint32_t)pft_live_cpus(in->live));
	put_options(o, in, c);
	if (!o->err)
		put_flyrecord(o, in, c);
}

/* The size of the file with cut c. */
static uint64_t measure(const struct pft_dat_input *in, const struct cut *c)
{
	struct out o = {0};

	put_all(&o, in, c);
	return o.pos;
}

/* Where the spools go next, in time: each CPU's next page, or the perf spool's next record. */
struct cursor {
	const struct pft_dat_input *in;
	const char *perf; /* the perf spool, mapped */
	uint64_t perf_size;
	uint64_t *cpu_size;
	struct pft_event ev;
	char name[4096];
	uint64_t ips[2][PFT_MAX_FRAMES];
	struct pft_stack_dump dump;
};

/* The time and size of the earliest of what comes next in c; *cpu is -1 for the perf spool.
 * 0 when nothing is left. */
static uint64_t next_piece(struct cursor *k, const struct cut *c, int *cpu, uint64_t *ts)
{
	int cpus = pft_live_cpus(k->in->live), psize = pft_live_page_size(k->in->live), i;
	uint64_t best = 0, t, s;
	long n;

	*cpu = -2;
	for (i = 0; i < cpus; i++) {
		int fd = pft_live_spool_fd(k->in->live, i, &s);

		/* a page starts with its first event's time */
		if (c->cpu[i] + psize > k->cpu_size[i] ||
		    pread(fd, &t, sizeof(t), (off_t)c->cpu[i]) != sizeof(t))
			continue;
		if (*cpu == -2 || t < *ts) {
			*cpu = i;
			*ts = t;
			best = (uint64_t)psize;
		}
	}
	if (k->perf && c->perf < k->perf_size &&
	    (n = pft_perf_decode(k->perf + c->perf, k->perf_size - c->perf, &k->ev, k->name,
				 sizeof(k->name), k->ips, &k->dump)) > 0 &&
	    (*cpu == -2 || k->ev.ts < *ts)) {
		*cpu = -1;
		*ts = k->ev.ts;
		best = (uint64_t)n;
	}
	return best;
}

/*
 * The longest prefix in time of the spools that fits budget bytes and ends before stop (if not 0):
 * the pieces (pages, perf records) taken in time order until the next would not fit; c->ts is
 * its time.
 */
static int plan_cut(const struct pft_dat_input *in, uint64_t budget, uint64_t stop,
		    struct cut *c)
{
	FILE *spool = pft_live_perf_spool(in->live);
	int cpus = pft_live_cpus(in->live), cpu, r = -1;
	struct cursor *k = calloc(1, sizeof(*k));
	uint64_t used = 0, size, ts = 0;
	void *map = MAP_FAILED;

	if (!k)
		return -1;
	k->in = in;
	k->cpu_size = calloc(cpus, sizeof(*k->cpu_size));
	if (!k->cpu_size)
		goto out;
	for (cpu = 0; cpu < cpus; cpu++)
		pft_live_spool_fd(in->live, cpu, &k->cpu_size[cpu]);
	k->perf_size = c->perf;
	if (spool && k->perf_size) {
		map = mmap(NULL, k->perf_size, PROT_READ, MAP_PRIVATE, fileno(spool), 0);
		if (map == MAP_FAILED)
			goto out;
		k->perf = map;
	}
	c->perf = 0;
	memset(c->cpu, 0, cpus * sizeof(*c->cpu));
	while ((size = next_piece(k, c, &cpu, &ts)) > 0) {
		if (used + size > budget || (stop && ts >= stop)) {
			c->ts = stop && ts >= stop ? stop : ts ? ts : 1;
			break;
		}
		used += size;
		if (cpu < 0)
			c->perf += size;
		else
			c->cpu[cpu] += size;
	}
	r = 0;
out:
	if (map != MAP_FAILED)
		munmap(map, k->perf_size);
	free(k->cpu_size);
	free(k);
	return r;
}

/* The size of the file without the spools' data, padding to each CPU's pages counted whole;
 * 0 on ENOMEM. */
static uint64_t fixed_size(const struct pft_dat_input *in)
{
	int cpus = pft_live_cpus(in->live);
	/* the longest "cut" line */
	struct cut none = {0, calloc(cpus, sizeof(uint64_t)), UINT64_MAX};
	uint64_t size;

	if (!none.cpu)
		return 0;
	size = measure(in, &none) + (uint64_t)cpus * pft_live_page_size(in->live);
	free(none.cpu);
	return size;
}

/*
 * All of the spools, or, where the file would pass the file-size limit, what came before a
 * moment: a whole trace.dat that ends early, and says so, rather than none.
 */
static int fit(const struct pft_dat_input *in, FILE *f, struct cut *c)
{
	int cpus = pft_live_cpus(in->live), cpu;
	uint64_t limit = pft_file_size_limit(), fixed, stop = pft_live_spool_cut(in->live);
	FILE *spool = pft_live_perf_spool(in->live);
	struct stat st;
	long perf = 0;

	if (spool && (fflush(spool) == EOF || (perf = ftell(spool)) < 0))
		return -1;
	c->perf = (uint64_t)perf;
	for (cpu = 0; cpu < cpus; cpu++)
		pft_live_spool_fd(in->live, cpu, &c->cpu[cpu]);
	/* the limit is on regular files only (not a pipe or a device) */
	if (fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode))
		limit = UINT64_MAX;
	if (!stop && (limit == UINT64_MAX || measure(in, c) <= limit))
		return 0;
	fixed = limit == UINT64_MAX ? 0 : fixed_size(in);
	if (limit != UINT64_MAX && !fixed)
		return -1;
	if (fixed > limit) {
		errno = EFBIG;
		return -1;
	}
	return plan_cut(in, limit - fixed, stop, c);
}

int pft_dat_write(const struct pft_dat_input *in, uint64_t *cut)
{
	struct out o = {0};
	struct pft_outfile *file;
	struct cut c = {0};
	const char *why;
	int err;

	*cut = 0;
	c.cpu = calloc(pft_live_cpus(in->live), sizeof(*c.cpu));
	if (!c.cpu)
		return -1;
	/* 0600: it can hold kernel addresses (-k, kernel stacks) and what every process mapped */
	file = pft_outfile_open(in->path, 0600, &why);
	if (!file)
		goto fail;
	o.f = pft_outfile_file(file);
	if (fit(in, o.f, &c) < 0) {
		pft_outfile_abort(file);
		goto fail;
	}
	put_all(&o, in, &c);
	if (o.err) {
		pft_outfile_abort(file);
		errno = o.err;
		goto fail;
	}
	*cut = c.ts;
	free(c.cpu);
	return pft_outfile_commit(file);
fail:
	err = errno;
	free(c.cpu);
	errno = err;
	return -1;
}
