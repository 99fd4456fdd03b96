/* SPDX-License-Identifier: MIT */
/*
 * A test program whose faults come from known functions along known call chains (built -O0
 * with frame pointers: every function has its frame, none is inlined, no call is a tail call):
 *
 *   main -> stage_a -> leaf   writes N fresh anonymous pages           -> N faults in leaf
 *   main -> stage_b -> leaf   writes M fresh anonymous pages           -> M faults in leaf
 *   main -> stage_b -> other  reads K pages of FILE (one per 128 KiB:  -> K faults in other
 *                             each outside the last one's fault-around)
 *
 * Everything else (the stack, the code pages of these functions, FILE's page cache) is touched
 * before, so that these are the only faults these functions take.
 *
 * usage: symwork N M K FILE [MAPS_OUT]   (FILE is created: K * 128 KiB; MAPS_OUT gets
 *                                        /proc/self/maps at the end, for text traces)
 * Built twice in the tests: -DVARIANT makes another binary (another build ID, other addresses).
 * SYMWORK_DEPTH=D (benchmarks) puts D frames of descend() between main and the stages;
 * SYMWORK_TIME=1 prints how long the stages took ("symwork: 0.123456 s").
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define PAGE   4096
#define STRIDE (32 * PAGE) /* fault-around maps at most 16 pages by default */

#define NOINLINE __attribute__((noinline))

static volatile char sink;

#ifdef VARIANT
/* moves everything after it: another layout, another build ID */
NOINLINE int variant_padding(int x)
{
	volatile int a[64];

	for (int i = 0; i < 64; i++)
		a[i] = x * i;
	return a[x & 63];
}
#endif

NOINLINE void leaf(char *buf, long pages)
{
	for (long i = 0; i < pages; i++)
		buf[i * PAGE] = 1;
}

NOINLINE void other(const char *map, long pages)
{
	for (long i = 0; i < pages; i++)
		sink = map[i * STRIDE];
}

NOINLINE void stage_a(char *buf, long n)
{
	leaf(buf, n);
	sink = 0; /* not a tail call */
}

NOINLINE void stage_b(char *buf, long m, const char *map, long k)
{
	leaf(buf, m);
	other(map, k);
	sink = 0;
}

/* The stack below main, touched now so that no later call faults on it. */
NOINLINE static void touch_stack(void)
{
	volatile char pad[256 * 1024];

	for (size_t i = 0; i < sizeof(pad); i += PAGE)
		pad[i] = 0;
}

static char *fresh(long pages)
{
	char *p = mmap(NULL, (pages ? pages : 1) * PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("symwork: mmap");
		exit(1);
	}
	madvise(p, (pages ? pages : 1) * PAGE, MADV_NOHUGEPAGE); /* one fault per page */
	return p;
}

static const char *file_map(const char *path, long k)
{
	size_t size = (k ? k : 1) * STRIDE;
	char *chunk = calloc(1, STRIDE), *p;
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);

	if (fd < 0 || !chunk) {
		perror(path);
		exit(1);
	}
	for (size_t done = 0; done < size; done += STRIDE)
		if (write(fd, chunk, STRIDE) != STRIDE) {
			perror(path);
			exit(1);
		}
	free(chunk);
	p = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED) {
		perror("symwork: mmap");
		exit(1);
	}
	close(fd);
	return p;
}

/* After the faults that count: what it copies faults in other functions. */
static void copy_maps(const char *path)
{
	char buf[65536];
	int in = open("/proc/self/maps", O_RDONLY),
	    out = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ssize_t n;

	if (in < 0 || out < 0) {
		perror(path);
		exit(1);
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n) {
			perror(path);
			exit(1);
		}
	close(in);
	close(out);
}

/* Deeper stacks, as real programs have (a frame pointer walk costs per frame). */
NOINLINE static void descend(int depth, char *a, long n, char *b, long m, const char *map, long k)
{
	if (depth > 0) {
		descend(depth - 1, a, n, b, m, map, k);
		sink = 0;
		return;
	}
	stage_a(a, n);
	stage_b(b, m, map, k);
}

int main(int argc, char **argv)
{
	struct timespec t0, t1;
	long n, m, k;
	char *a, *b, *warm;
	const char *map;

	if (argc != 5 && argc != 6) {
		fprintf(stderr, "usage: symwork N M K FILE [MAPS_OUT]\n");
		return 2;
	}
	n = atol(argv[1]);
	m = atol(argv[2]);
	k = atol(argv[3]);
	touch_stack();
	map = file_map(argv[4], k);
	a = fresh(n);
	b = fresh(m);
	/* the code pages of every function, and every call's own frame */
	warm = fresh(1);
	warm[0] = 0;
	stage_a(warm, 0);
	stage_b(warm, 0, map, 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (getenv("SYMWORK_DEPTH")) {
		descend(atoi(getenv("SYMWORK_DEPTH")), a, n, b, m, map, k);
	} else {
		stage_a(a, n);
		stage_b(b, m, map, k);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (getenv("SYMWORK_TIME"))
		fprintf(stderr, "symwork: %.6f s\n",
			(double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	if (argc == 6)
		copy_maps(argv[5]);
	return 0;
}
