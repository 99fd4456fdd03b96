/* SPDX-License-Identifier: MIT */
/*
 * A test workload with a known page-fault pattern, at fixed addresses so that reports can be
 * checked VMA by VMA:
 *
 *   0x100000000000  anon rw-p, 4 MiB: every page written once      -> 1024 anon-first-touch (write)
 *   0x110000000000  anon rw-p, 64 pages: read, then written        ->   64 anon-first-touch (read)
 *                                                                       + 64 cow (zero page)
 *                   (or 0 cow where the kernel allocates at the read: MAPS_OUT.zero has the
 *                    fault counts of the reads and of the writes, as the kernel counted them)
 *   0x120000000000  DATAFILE r--p, 2 MiB, dropped from the page cache, MADV_RANDOM, every page read
 *                                                                  ->  512 file-read
 *   0x130000000000  one page mapped, unmapped, then touched        ->    1 no-vma (SIGSEGV, caught)
 *
 * usage: workload pattern MAPS_OUT DATAFILE   run the pattern, write /proc/self/maps to MAPS_OUT
 *        workload threads N SECONDS           N threads touching fresh pages until SECONDS pass
 *        workload touch PAGES [MAPS_OUT]      write PAGES anonymous pages (benchmarks)
 *        workload remap FILE1 FILE2 [MAPS_OUT]  at 0x150000000000, 16 pages each step:
 *             FILE1 read (16 file-read, r--p) -> mprotect rw -> written (16 cow, rw-p)
 *             -> munmap, FILE2 mapped there (16 file-read, r--p of FILE2)
 *             -> mprotect none, one read (1 bad-access, ---p) -> munmap, one write (1 no-vma);
 *             then writes its maps (none of that is in them any more) to MAPS_OUT
 *        workload kernel PAGES                read() /dev/zero into PAGES fresh pages at
 *                                             0x140000000000: the kernel faults on each one
 *        workload signals OUT SECONDS         counts the SIGINT, SIGTERM, SIGHUP and SIGQUIT
 *                                             it gets (OUT.ready says its handlers are in
 *                                             place); when one came (it waits 0.3 s for
 *                                             more) or SECONDS pass, writes "INT TERM HUP
 *                                             QUIT" counts to OUT and exits 128+the last one
 *                                             (0 if none came)
 *        workload churn SECONDS               creates short-lived threads until SECONDS pass
 *        workload jit PAGES                   JIT code (named in /tmp/perf-PID.map as
 *                                             jit_touch_page) writes PAGES fresh pages
 *        workload major PAGES FILE            PAGES pages of FILE (made, then dropped from the
 *                                             page cache) read at 0x120000000000: PAGES
 *                                             major faults (PAGES a multiple of 16)
 *        workload heapshrink MAPS_OUT         the heap grown by 32 pages, pages 16-31 made
 *                                             MADV_HUGEPAGE, grown by 32 more, each page
 *                                             written, shrunk by brk to 8 pages, then page 20
 *                                             written: 64 [heap] faults and 1 no-vma (caught);
 *                                             then its maps to MAPS_OUT
 *        workload uffd PAGES USEC OUT         PAGES pages at 0x170000000000 under userfaultfd,
 *                                             written one by one; a handler thread (its tid
 *                                             in OUT) sleeps USEC microseconds, then fills
 *                                             each: PAGES faults that each sleep USEC or more
 *                                             and are woken by the handler
 *        workload restart PAGES               PAGES pages at 0x180000000000 under userfaultfd,
 *                                             written one by one: each first fault is given
 *                                             up (a SIGUSR1 comes while it waits), the
 *                                             handler runs (for odd pages it writes a page
 *                                             of its own at 0x190000000000 first) and the
 *                                             write faults again, then is served: PAGES
 *                                             restarted faults that the kernel does not
 *                                             count, PAGES that it does, PAGES / 2 faults
 *                                             in the handler
 *        workload areas                       the heap grown by sbrk 16 times 16 pages, each
 *                                             written (256 faults in [heap]); then 40 times:
 *                                             1 to 7 x 16 pages mapped at 0x160000000000 +
 *                                             0, 4 or 8 pages, written, unmapped (560 faults,
 *                                             overlapping mappings: one area)
 */
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096ul
#define HUGE (2ul << 20)

static sigjmp_buf segv_jmp;

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static char *map_at(unsigned long addr, size_t len, int prot, int flags, int fd)
{
	char *p = mmap((void *)addr, len, prot, flags | MAP_FIXED_NOREPLACE, fd, 0);

	if (p == MAP_FAILED)
		die("mmap");
	/* THP would turn 512 faults into one: keep to 4 KiB pages whatever the system says */
	if (fd < 0 && madvise(p, len, MADV_NOHUGEPAGE))
		die("madvise");
	return p;
}

static void anon_write(void)
{
	size_t len = 4ul << 20, i;
	volatile char *p =
	    map_at(0x100000000000ul, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1);

	for (i = 0; i < len; i += PAGE)
		p[i] = 1;
}

static long minflt(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) < 0)
		die("getrusage");
	return ru.ru_minflt;
}

/* Reads 64 fresh pages, then writes them. Most kernels map the shared zero page for the reads,
 * and each write copies it; some allocate a page at the read (no zero page: the writes take no
 * fault). What this kernel did goes to OUT as "READ_FAULTS WRITE_FAULTS", its own counts, so
 * that the tests expect what the kernel did, not what one kernel does. */
static void zero_page_cow(const char *out)
{
	size_t len = 64 * PAGE, i;
	volatile char *p =
	    map_at(0x110000000000ul, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
	long before, mid, after;
	int sum = 0;
	FILE *f;

	before = minflt();
	for (i = 0; i < len; i += PAGE)
		sum += p[i]; /* maps the shared zero page read-only */
	mid = minflt();
	for (i = 0; i < len; i += PAGE)
		p[i] = (char)sum + 1; /* write-protection fault: copy on write */
	after = minflt();
	if (!(f = fopen(out, "w")) || fprintf(f, "%ld %ld\n", mid - before, after - mid) < 0 ||
	    fclose(f))
		die(out);
}

/* A file of len bytes of 'x', out of the page cache: each read of it is a real page-in, and
 * fault-around finds nothing to map along. Returns its descriptor. */
static int cold_file(const char *path, size_t len)
{
	static char block[1 << 16];
	size_t i;
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);

	if (fd < 0)
		die(path);
	memset(block, 'x', sizeof(block));
	for (i = 0; i < len; i += sizeof(block))
		if (write(fd, block, sizeof(block)) != (ssize_t)sizeof(block))
			die("write");
	if (fsync(fd) || posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED))
		die("fsync/fadvise");
	return fd;
}

static void file_read(const char *path, size_t len)
{
	size_t i;
	volatile char *p;
	int fd = cold_file(path, len), sum = 0;

	p = map_at(0x120000000000ul, len, PROT_READ, MAP_PRIVATE, fd);
	if (madvise((void *)p, len, MADV_RANDOM))
		die("madvise");
	for (i = 0; i < len; i += PAGE)
		sum += p[i];
	if (sum != (int)(len / PAGE) * 'x')
		die("file contents");
	close(fd);
}

static void on_segv(int sig)
{
	(void)sig;
	siglongjmp(segv_jmp, 1);
}

static void no_vma(void)
{
	char *p =
	    map_at(0x130000000000ul, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
	struct sigaction sa = {.sa_handler = on_segv};

	munmap(p, PAGE);
	sigaction(SIGSEGV, &sa, NULL);
	if (!sigsetjmp(segv_jmp, 1))
		*(volatile char *)p = 1;
	signal(SIGSEGV, SIG_DFL);
}

static void dump_maps(const char *out)
{
	char buf[1 << 16];
	FILE *in = fopen("/proc/self/maps", "r"), *o = fopen(out, "w");
	size_t n;

	if (!in || !o)
		die(out);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		fwrite(buf, 1, n, o);
	if (fclose(o))
		die(out);
	fclose(in);
}

static double seconds;

static void *toucher(void *arg)
{
	struct timespec start, now;

	(void)arg;
	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		size_t len = 64 * PAGE, i;
		volatile char *p =
		    mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			die("mmap");
		for (i = 0; i < len; i += PAGE)
			p[i] = 1;
		munmap((void *)p, len);
		usleep(10000);
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (now.tv_sec - start.tv_sec + (now.tv_nsec - start.tv_nsec) / 1e9 < seconds);
	return NULL;
}

static int threads(int n, double secs)
{
	pthread_t *t = calloc(n, sizeof(*t));
	int i;

	seconds = secs;
	for (i = 0; i < n; i++) {
		/* the later threads start after tracing began: record -p must catch them too */
		usleep(200000);
		if (pthread_create(&t[i], NULL, toucher, NULL))
			die("pthread_create");
	}
	for (i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	return 0;
}

/* Reports the time of the fault loop alone on stderr: what tracing costs the traced program. */
static int touch(size_t pages, const char *maps_out)
{
	volatile char *p =
	    mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct timespec a, b;
	size_t i;

	if (p == MAP_FAILED)
		die("mmap");
	madvise((void *)p, pages * PAGE, MADV_NOHUGEPAGE);
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < pages; i++)
		p[i * PAGE] = 1;
	clock_gettime(CLOCK_MONOTONIC, &b);
	fprintf(stderr, "touch: %zu pages in %.6f s\n", pages,
		b.tv_sec - a.tv_sec + (b.tv_nsec - a.tv_nsec) / 1e9);
	if (maps_out)
		dump_maps(maps_out);
	return 0;
}

/* touch, once a byte comes down FIFO: the process waits in its own image (past the exec
 * that a tracer stops at), blocked opening the FIFO until a writer comes. Each further count
 * is touched the same way at the next byte, the FIFO opened again (blocked there between). */
static int gated(const char *fifo, char **pages, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		char c;
		ssize_t got = 0;

		/* end of file: the last byte's writer had not closed yet; wait for the next */
		while (got == 0) {
			int fd = open(fifo, O_RDONLY);

			if (fd < 0 || (got = read(fd, &c, 1)) < 0)
				die("gate");
			close(fd);
		}
		if (touch(strtoul(pages[i], NULL, 0), NULL))
			return 1;
	}
	return 0;
}

/* A JIT's code: a function made at run time in anonymous memory (x86-64: mov byte [rdi], 1;
 * ret), named in /tmp/perf-PID.map as a JIT names its code, touches PAGES fresh pages: each
 * fault's instruction is in it. The map stays (a runtime's does): the caller removes it. */
static int jit(size_t pages, const char *name)
{
	static const unsigned char code[] = {0xc6, 0x07, 0x01, 0xc3};
	unsigned char *fn = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				 -1, 0);
	char *p = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);
	char path[64];
	FILE *f;
	size_t i;

	if (fn == MAP_FAILED || p == MAP_FAILED)
		die("mmap");
	memcpy(fn + 64, code, sizeof(code));
	if (mprotect(fn, PAGE, PROT_READ | PROT_EXEC) < 0)
		die("mprotect");
	snprintf(path, sizeof(path), "/tmp/perf-%d.map", (int)getpid());
	f = fopen(path, "w");
	if (!f || fprintf(f, "%lx 40 not_this_one\n%lx %zx %s\n", (unsigned long)fn,
			  (unsigned long)(fn + 64), sizeof(code), name) < 0 || fclose(f) != 0)
		die(path);
	madvise(p, pages * PAGE, MADV_NOHUGEPAGE);
	for (i = 0; i < pages; i++)
		((void (*)(char *))(fn + 64))(p + i * PAGE);
	return 0;
}

static void remap(const char *f1, const char *f2)
{
	size_t len = 16 * PAGE, i;
	int fd1 = cold_file(f1, 1 << 16), fd2 = cold_file(f2, 1 << 16), sum = 0;
	char *p = map_at(0x150000000000ul, len, PROT_READ, MAP_PRIVATE, fd1);
	struct sigaction sa = {.sa_handler = on_segv};

	madvise(p, len, MADV_RANDOM);
	for (i = 0; i < len; i += PAGE)
		sum += ((volatile char *)p)[i];
	if (mprotect(p, len, PROT_READ | PROT_WRITE))
		die("mprotect");
	for (i = 0; i < len; i += PAGE)
		((volatile char *)p)[i] = (char)sum;
	munmap(p, len);
	p = mmap(p, len, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd2, 0);
	if (p == MAP_FAILED)
		die("mmap");
	madvise(p, len, MADV_RANDOM);
	for (i = 0; i < len; i += PAGE)
		sum += ((volatile char *)p)[i];
	mprotect(p, len, PROT_NONE);
	sigaction(SIGSEGV, &sa, NULL);
	if (!sigsetjmp(segv_jmp, 1))
		sum += *(volatile char *)p;
	munmap(p, len);
	if (!sigsetjmp(segv_jmp, 1))
		*(volatile char *)p = 1;
	signal(SIGSEGV, SIG_DFL);
	close(fd1);
	close(fd2);
	unlink(f1);
	unlink(f2);
}

/* page_fault_kernel: the kernel's copy to user memory faults on every page not mapped yet */
static int kernel_faults(size_t pages)
{
	char *p = map_at(0x140000000000ul, pages * PAGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1);
	int fd = open("/dev/zero", O_RDONLY);
	size_t done = 0;

	if (fd < 0)
		die("/dev/zero");
	while (done < pages * PAGE) {
		ssize_t n = read(fd, p + done, pages * PAGE - done);

		if (n <= 0)
			die("read");
		done += n;
	}
	close(fd);
	return 0;
}

static int areas(void)
{
	char *base = sbrk(0), *p;
	size_t i, j, len;

	for (i = 0; i < 16; i++) {
		p = sbrk(16 * PAGE);
		if (p == (void *)-1)
			die("sbrk");
		for (j = 0; j < 16 * PAGE; j += PAGE)
			p[j] = 1;
	}
	for (i = 0; i < 40; i++) {
		len = (1 + i % 7) * 16 * PAGE;
		p = map_at(0x160000000000ul + (i % 3) * 4 * PAGE, len, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1);
		for (j = 0; j < len; j += PAGE)
			p[j] = 1;
		munmap(p, len);
	}
	return base == (void *)-1;
}

/* The heap in pieces, as numpy's allocations leave it: grown by 32 pages, its top 16 marked
 * MADV_HUGEPAGE (a VMA of their own), grown by 32 more (another VMA: the flags differ), each page
 * written; then shrunk by brk to 8 pages, below both splits. Page 20 is gone with the rest: a
 * write there is a SIGSEGV (caught). */
static int heapshrink(const char *maps_out)
{
	char *cur = sbrk(0), *base = (char *)(((unsigned long)cur + PAGE - 1) & ~(PAGE - 1));
	struct sigaction sa = {.sa_handler = on_segv};
	size_t i;

	if (cur == (void *)-1 || sbrk(base - cur + 32 * PAGE) == (void *)-1)
		die("sbrk");
	if (madvise(base + 16 * PAGE, 16 * PAGE, MADV_HUGEPAGE) < 0)
		die("madvise");
	if (sbrk(32 * PAGE) == (void *)-1)
		die("sbrk");
	for (i = 0; i < 64; i++)
		base[i * PAGE] = 1;
	if (brk(base + 8 * PAGE) < 0)
		die("brk");
	/* nothing that may malloc before the write: glibc would grow the heap back over it */
	sigaction(SIGSEGV, &sa, NULL);
	if (!sigsetjmp(segv_jmp, 1))
		base[20 * PAGE] = 1;
	signal(SIGSEGV, SIG_DFL);
	dump_maps(maps_out);
	return 0;
}

static volatile sig_atomic_t got[4], last;

static void on_sig(int sig)
{
	static const int which[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
	int i;

	for (i = 0; i < 4; i++)
		if (sig == which[i])
			got[i]++;
	last = sig;
}

static int signals(const char *out, double secs)
{
	struct sigaction sa = {.sa_handler = on_sig};
	struct timespec t = {0, 10 * 1000 * 1000};
	double waited = 0, quiet = 0;
	char ready[4096];
	FILE *f;

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	snprintf(ready, sizeof(ready), "%s.ready", out);
	f = fopen(ready, "w");
	if (!f)
		die(ready);
	fclose(f);
	while (waited < secs && (!last || quiet < 0.3)) {
		nanosleep(&t, NULL);
		waited += 0.01;
		if (last)
			quiet += 0.01;
	}
	f = fopen(out, "w");
	if (!f)
		die(out);
	fprintf(f, "%d %d %d %d\n", (int)got[0], (int)got[1], (int)got[2], (int)got[3]);
	fclose(f);
	return last ? 128 + last : 0;
}

static void *short_thread(void *arg)
{
	char page[8192];

	memset(page, (int)(long)arg, sizeof(page));
	return (void *)(long)page[100];
}

/* Threads that come and go all the time: some end while a tracer lists them. */
static int churn(double secs)
{
	struct timespec start, now;
	long n = 0;

	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		pthread_t t[4];
		int i;

		for (i = 0; i < 4; i++)
			if (pthread_create(&t[i], NULL, short_thread, (void *)n++))
				die("pthread_create");
		for (i = 0; i < 4; i++)
			pthread_join(t[i], NULL);
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (now.tv_sec - start.tv_sec + (now.tv_nsec - start.tv_nsec) / 1e9 < secs);
	return 0;
}

struct uffd_handler {
	int fd;
	size_t pages;
	long usec;
	const char *out;
};

/* The next fault a userfaultfd tells of (anything else ends the workload). */
static void uffd_next(int fd, struct uffd_msg *msg)
{
	if (read(fd, msg, sizeof(*msg)) != sizeof(*msg) || msg->event != UFFD_EVENT_PAGEFAULT)
		exit(1);
}

/* Serves a fault: its page filled with zeros, its thread woken. */
static void uffd_fill(int fd, const struct uffd_msg *msg)
{
	struct uffdio_zeropage z = {.range = {msg->arg.pagefault.address & ~(PAGE - 1), PAGE}};

	if (ioctl(fd, UFFDIO_ZEROPAGE, &z) < 0)
		exit(1);
}

/* PAGES pages at base, under a userfaultfd (with these features): its fd. */
static int uffd_area(unsigned long base, size_t pages, uint64_t features)
{
	struct uffdio_api api = {.api = UFFD_API, .features = features};
	struct uffdio_register reg = {.range = {base, pages * PAGE},
				      .mode = UFFDIO_REGISTER_MODE_MISSING};
	int fd;

	map_at(base, pages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
	fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC);
	if (fd < 0 || ioctl(fd, UFFDIO_API, &api) < 0 || ioctl(fd, UFFDIO_REGISTER, &reg) < 0)
		die("userfaultfd");
	return fd;
}

/* Writes each page of the area while a thread serves its faults. */
static int uffd_touch(unsigned long base, size_t pages, void *(*serve)(void *), void *arg)
{
	pthread_t t;
	size_t i;

	if (pthread_create(&t, NULL, serve, arg))
		return 1;
	for (i = 0; i < pages; i++)
		((volatile char *)base)[i * PAGE] = 1;
	pthread_join(t, NULL);
	return 0;
}

/* Fills each missing page after usec: the faulting thread sleeps that long, until woken. */
static void *uffd_serve(void *arg)
{
	struct uffd_handler *h = arg;
	struct timespec nap = {h->usec / 1000000, h->usec % 1000000 * 1000};
	struct uffd_msg msg;
	FILE *f = fopen(h->out, "w");
	size_t done;

	if (!f || fprintf(f, "%ld\n", (long)syscall(SYS_gettid)) < 0 || fclose(f))
		exit(1);
	for (done = 0; done < h->pages; done++) {
		uffd_next(h->fd, &msg);
		nanosleep(&nap, NULL);
		uffd_fill(h->fd, &msg);
	}
	return NULL;
}

static int uffd(size_t pages, long usec, const char *out)
{
	struct uffd_handler h = {.pages = pages, .usec = usec, .out = out};

	h.fd = uffd_area(0x170000000000ul, pages, 0);
	return uffd_touch(0x170000000000ul, pages, uffd_serve, &h);
}

/* restart: the page each fault is on, its first fault (given up for SIGUSR1) told apart from
 * the second (served). */
static volatile sig_atomic_t handled;

static void on_usr1(int sig)
{
	(void)sig;
	/* the handler's own fault between the two, on odd pages */
	if (handled % 2)
		((volatile char *)0x190000000000ul)[handled * PAGE] = 1;
	handled++;
}

static void *restart_serve(void *arg)
{
	struct uffd_handler *h = arg;
	struct uffd_msg msg;
	size_t asked = 0, served = 0;

	while (served < h->pages) {
		uffd_next(h->fd, &msg);
		if (asked == served) {
			/* the first fault on this page: a signal gives it up */
			asked++;
			if (syscall(SYS_tgkill, getpid(), msg.arg.pagefault.feat.ptid, SIGUSR1) < 0)
				exit(1);
			continue;
		}
		uffd_fill(h->fd, &msg);
		served++;
	}
	return NULL;
}

static int restart(size_t pages)
{
	struct uffd_handler h = {.pages = pages};
	struct sigaction sa = {.sa_handler = on_usr1};

	map_at(0x190000000000ul, pages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
	       -1);
	sigaction(SIGUSR1, &sa, NULL);
	h.fd = uffd_area(0x180000000000ul, pages, UFFD_FEATURE_THREAD_ID);
	if (uffd_touch(0x180000000000ul, pages, restart_serve, &h))
		return 1;
	if (handled != (sig_atomic_t)pages) {
		fprintf(stderr, "restart: %d signals handled, not %zu\n", (int)handled, pages);
		return 1;
	}
	return 0;
}

/* An existing file read through a mapping at 0x120000000000, page by page, in order (the
 * kernel's readahead as it comes): in a small memory cgroup, its faults reclaim. */
static int mapread(const char *path)
{
	int fd = open(path, O_RDONLY);
	struct stat st;
	volatile char sink = 0;
	char *p;
	off_t i;

	if (fd < 0 || fstat(fd, &st) < 0)
		die(path);
	p = map_at(0x120000000000ul, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd);
	for (i = 0; i < st.st_size; i += (off_t)PAGE)
		sink += p[i];
	close(fd);
	return sink == 42;
}

/* lockwait: a thread that takes the mmap lock for writing again and again (mprotect of the
 * area the main thread faults in, its protection changed each time), until told to stop. */
struct locker {
	char *area;
	size_t len;
	volatile int stop;
	const char *out;
};

static void *lock_loop(void *arg)
{
	struct locker *l = arg;
	FILE *f = fopen(l->out, "w");

	if (!f || fprintf(f, "%ld\n", (long)syscall(SYS_gettid)) < 0 || fclose(f))
		exit(1);
	/* (a change each time: a mprotect to the same protection changes nothing and leaves the
	 * area's own lock alone; a pause between, to leave the tracer's rings room) */
	for (unsigned n = 0; !l->stop; n++) {
		mprotect(l->area, l->len, PROT_READ | PROT_WRITE | (n & 1 ? PROT_EXEC : 0));
		usleep(100);
	}
	return NULL;
}

/* PAGES pages at 0x1e0000000000 written once each while another thread holds the mmap lock
 * for writing over and over (OUT: its tid): faults that fall back to the mmap lock wait. */
static int lockwait(size_t pages, const char *out)
{
	struct locker l = {.len = pages * PAGE, .out = out};
	pthread_t t;
	size_t i;

	l.area = mmap((void *)0x1e0000000000ul, l.len, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (l.area == MAP_FAILED || pthread_create(&t, NULL, lock_loop, &l))
		return 1;
	for (i = 0; i < pages; i++)
		l.area[i * PAGE] = 1;
	l.stop = 1;
	pthread_join(t, NULL);
	return 0;
}

/* A fixed mapping of len at addr (each path's faults are told apart by address). */
static char *fixed(uintptr_t addr, size_t len, int fd)
{
	char *p = mmap((void *)addr, len, fd < 0 ? PROT_READ | PROT_WRITE : PROT_READ,
		       (fd < 0 ? MAP_PRIVATE | MAP_ANONYMOUS : MAP_SHARED) | MAP_FIXED_NOREPLACE,
		       fd, 0);

	if (p != (char *)addr) {
		perror("mmap");
		exit(1);
	}
	return p;
}

/* Pages of [p, p + len) the kernel holds as huge pages (smaps' AnonHugePages of its VMA). */
static unsigned long huge_pages(const char *p)
{
	char line[256], want[32];
	unsigned long kb = 0;
	bool in = false;
	FILE *f = fopen("/proc/self/smaps", "r");

	snprintf(want, sizeof(want), "%lx-", (unsigned long)(uintptr_t)p);
	while (f && fgets(line, sizeof(line), f)) {
		if (strchr(line, '-') && strchr(line, ' ') > strchr(line, '-'))
			in = !strncmp(line, want, strlen(want));
		else if (in && sscanf(line, "AnonHugePages: %lu kB", &kb) == 1)
			break;
	}
	if (f)
		fclose(f);
	return kb / 2048;
}

/* Pages of [p, p + n pages) in the page cache (mincore). */
static unsigned long resident(char *p, size_t n)
{
	unsigned char vec[4096];
	unsigned long count = 0;
	size_t i;

	if (n > sizeof(vec) || mincore(p, n * PAGE, vec) < 0)
		return 0;
	for (i = 0; i < n; i++)
		count += vec[i] & 1;
	return count;
}

/* Pages of [p, p + n pages) in swap (/proc/self/pagemap bit 62). */
static unsigned long swapped(const char *p, size_t n)
{
	int fd = open("/proc/self/pagemap", O_RDONLY);
	unsigned long count = 0;
	uint64_t e;
	size_t i;

	for (i = 0; fd >= 0 && i < n; i++)
		if (pread(fd, &e, 8, (off_t)(((uintptr_t)p / PAGE + i) * 8)) == 8 && (e >> 62 & 1))
			count++;
	if (fd >= 0)
		close(fd);
	return count;
}

/* N huge pages asked for (MADV_HUGEPAGE) at 0x1a0000000000, a byte written in each; OUT gets
 * "thp K", the huge pages the kernel gave (in a small memory cgroup, the rest fall back). */
static int thp(size_t n, const char *out)
{
	char *p = fixed(0x1a0000000000ul, n * HUGE, -1);
	FILE *o = fopen(out, "w");
	size_t i;

	madvise(p, n * HUGE, MADV_HUGEPAGE);
	for (i = 0; i < n; i++)
		p[i * HUGE] = 1;
	if (!o || fprintf(o, "thp %lu\n", huge_pages(p)) < 0 || fclose(o))
		return 1;
	return 0;
}

/* One path of the kernel's per area (record --why): a file dropped from the page cache read
 * with MADV_RANDOM (a cache miss per page, no readahead) at 0x180000000000, read again through
 * another mapping (fault-around) at 0x190000000000, 4 huge pages asked for at 0x1a0000000000,
 * anonymous pages zero-filled at 0x1b0000000000 and copied by a child at 0x1c0000000000, the
 * file paged out and read back at 0x1f0000000000 (refaults), and with "swap", anonymous pages
 * paged out and touched again at 0x1d0000000000. OUT gets what the kernel did: "thp N" (huge
 * pages given), "evicted N" (file pages paged out) and "swapped N" (pages in swap). */
static int paths(const char *file, size_t pages, const char *out, bool swap)
{
	size_t len = pages * PAGE, i;
	char *buf = calloc(1, len), *p;
	volatile char sink = 0;
	FILE *o = fopen(out, "w");
	int fd = open(file, O_RDWR | O_CREAT | O_TRUNC, 0600);
	pid_t child;

	if (!buf || !o || fd < 0 || write(fd, buf, len) != (ssize_t)len || fsync(fd) < 0 ||
	    posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED)) {
		perror(file);
		return 1;
	}
	p = fixed(0x180000000000ul, len, fd);
	madvise(p, len, MADV_RANDOM);
	for (i = 0; i < pages; i++)
		sink += p[i * PAGE];
	p = fixed(0x190000000000ul, len, fd);
	for (i = 0; i < pages; i++)
		sink += p[i * PAGE];
	p = fixed(0x1a0000000000ul, 4 * HUGE, -1);
	madvise(p, 4 * HUGE, MADV_HUGEPAGE);
	for (i = 0; i < 4; i++)
		p[i * HUGE] = 1;
	fprintf(o, "thp %lu\n", huge_pages(p));
	p = fixed(0x1b0000000000ul, len, -1);
	madvise(p, len, MADV_NOHUGEPAGE);
	for (i = 0; i < pages; i++)
		p[i * PAGE] = 1;
	p = fixed(0x1c0000000000ul, len, -1);
	madvise(p, len, MADV_NOHUGEPAGE);
	memset(p, 1, len);
	if ((child = fork()) == 0) {
		for (i = 0; i < pages; i++)
			p[i * PAGE] = 2;
		_exit(0);
	}
	waitpid(child, NULL, 0);
	/* the file's pages, in the cache now, paged out (the kernel keeps a shadow of each: a
	 * refault when read back) through a mapping of their own (a page mapped twice is not
	 * paged out), then read again at random */
	munmap((void *)0x180000000000ul, len);
	munmap((void *)0x190000000000ul, len);
	p = fixed(0x1f0000000000ul, len, fd);
	for (i = 0; i < pages; i++)
		sink += p[i * PAGE];
	/* a page still in a CPU's LRU batch is not isolated, so not paged out: again, a while
	 * (up to 4 s: a sanitized build under a busy CI took longer than 100 ms) */
	for (i = 0; i < 2000 && resident(p, pages); i++) {
		madvise(p, len, MADV_PAGEOUT);
		usleep(2000);
	}
	fprintf(o, "evicted %lu\n", pages - resident(p, pages));
	madvise(p, len, MADV_RANDOM);
	for (i = 0; i < pages; i++)
		sink += p[i * PAGE];
	if (swap) {
		p = fixed(0x1d0000000000ul, len, -1);
		madvise(p, len, MADV_NOHUGEPAGE);
		memset(p, 1, len);
		madvise(p, len, MADV_PAGEOUT);
		fprintf(o, "swapped %lu\n", swapped(p, pages));
		for (i = 0; i < pages; i++)
			sink += p[i * PAGE];
	}
	fclose(o);
	close(fd);
	free(buf);
	return sink == 42;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "pattern")) {
		char zero_out[4096];

		snprintf(zero_out, sizeof(zero_out), "%s.zero", argv[2]);
		anon_write();
		zero_page_cow(zero_out);
		file_read(argv[3], 2ul << 20);
		no_vma();
		dump_maps(argv[2]);
		unlink(argv[3]);
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "heapshrink"))
		return heapshrink(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "threads"))
		return threads(atoi(argv[2]), atof(argv[3]));
	if ((argc == 4 || argc == 5) && !strcmp(argv[1], "remap")) {
		remap(argv[2], argv[3]);
		if (argc == 5)
			dump_maps(argv[4]);
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "kernel"))
		return kernel_faults(strtoul(argv[2], NULL, 0));
	if ((argc == 3 || argc == 4) && !strcmp(argv[1], "touch"))
		return touch(strtoul(argv[2], NULL, 0), argc == 4 ? argv[3] : NULL);
	if (argc >= 4 && !strcmp(argv[1], "gated"))
		return gated(argv[2], argv + 3, argc - 3);
	if (argc == 4 && !strcmp(argv[1], "signals"))
		return signals(argv[2], atof(argv[3]));
	if ((argc == 3 || argc == 4) && !strcmp(argv[1], "jit"))
		return jit(strtoul(argv[2], NULL, 10), argc == 4 ? argv[3] : "jit_touch_page");
	if (argc == 3 && !strcmp(argv[1], "churn"))
		return churn(atof(argv[2]));
	if (argc == 2 && !strcmp(argv[1], "areas"))
		return areas();
	if (argc == 5 && !strcmp(argv[1], "uffd"))
		return uffd(strtoul(argv[2], NULL, 0), atol(argv[3]), argv[4]);
	if (argc == 4 && !strcmp(argv[1], "thp"))
		return thp(strtoul(argv[2], NULL, 0), argv[3]);
	if (argc == 3 && !strcmp(argv[1], "restart"))
		return restart(strtoul(argv[2], NULL, 0));
	if (argc == 3 && !strcmp(argv[1], "mapread"))
		return mapread(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "lockwait"))
		return lockwait(strtoul(argv[2], NULL, 0), argv[3]);
	if ((argc == 5 || argc == 6) && !strcmp(argv[1], "paths"))
		return paths(argv[2], strtoul(argv[3], NULL, 0), argv[4],
			     argc == 6 && !strcmp(argv[5], "swap"));
	if (argc == 4 && !strcmp(argv[1], "major")) {
		file_read(argv[3], strtoul(argv[2], NULL, 0) * PAGE);
		unlink(argv[3]);
		return 0;
	}
	fprintf(stderr, "usage: workload pattern MAPS_OUT DATAFILE | threads N SECONDS | "
			"touch PAGES [MAPS_OUT] | gated FIFO PAGES... | kernel PAGES | remap FILE1 FILE2 | "
			"signals OUT SECONDS | churn SECONDS | areas | major PAGES FILE | "
			"heapshrink MAPS_OUT | jit PAGES [NAME] | uffd PAGES USEC OUT | "
			"paths FILE PAGES OUT [swap] | lockwait PAGES OUT | mapread FILE | thp N OUT | "
			"restart PAGES\n");
	return 2;
}
