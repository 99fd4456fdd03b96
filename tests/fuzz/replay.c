/* SPDX-License-Identifier: MIT */
/* Runs files through a fuzz target without libFuzzer: the corpus and every input that once
 * crashed are regression tests in `make check` (with ASan under SANITIZE=1).
 *   replay FILE|DIR...     prints "fuzz-replay: N passed, 0 failed" (a crash aborts) */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long size;

	if (!f || fseek(f, 0, SEEK_END) || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
		perror(path);
		exit(1);
	}
	buf = malloc(size ? size : 1);
	if (!buf || fread(buf, 1, size, f) != (size_t)size) {
		perror(path);
		exit(1);
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, size);
	free(buf);
	return 1;
}

static int run(const char *path)
{
	struct stat st;
	struct dirent *d;
	int n = 0;
	DIR *dir;

	if (stat(path, &st) < 0)
		return 0; /* an empty directory is not in git: nothing to replay */
	if (!S_ISDIR(st.st_mode))
		return run_file(path);
	dir = opendir(path);
	while (dir && (d = readdir(dir))) {
		char sub[4096];

		if (d->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, d->d_name);
		n += run(sub);
	}
	if (dir)
		closedir(dir);
	return n;
}

int main(int argc, char **argv)
{
	int i, n = 0;

	for (i = 1; i < argc; i++)
		n += run(argv[i]);
	printf("fuzz-replay: %d passed, 0 failed\n", n);
	return 0;
}
