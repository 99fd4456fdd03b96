#!/bin/bash
# The whole test suite: unit tests, then the shell suites. One closing line: N passed, N failed.
cd "$(dirname "$0")/.." || exit 1
# under SANITIZE=1: full stacks, so that leaks inside the libraries are told from ours
export ASAN_OPTIONS=${ASAN_OPTIONS:-fast_unwind_on_malloc=0:detect_leaks=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/lsan.supp:print_suppressions=0}
# script(1) runs its command with $SHELL: the one CI has (none, so /bin/sh), not the caller's
export SHELL=/bin/sh
# a sanitized build's reports go to files, each a failure: a leak found as a run exits changes
# only its exit status, which a test reading its output never sees (nobody's runs write there too)
san=
if grep -qa __asan_init pftrace 2>/dev/null; then
	san=$(mktemp -d)
	chmod 1777 "$san"
	export ASAN_OPTIONS=$ASAN_OPTIONS:log_path=$san/asan UBSAN_OPTIONS=${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}log_path=$san/ubsan
fi
pass=0 fail=0
count() {
	local line
	line=$(grep -E '^[a-z-]+: [0-9]+ passed, [0-9]+ failed$' "$1" | tail -1)
	if [ -z "$line" ]; then
		echo "FAIL: $2 printed no result line" >&2
		fail=$((fail + 1))
		return
	fi
	pass=$((pass + $(sed -E 's/.*: ([0-9]+) passed.*/\1/' <<<"$line")))
	fail=$((fail + $(sed -E 's/.*, ([0-9]+) failed/\1/' <<<"$line")))
}
out=$(mktemp)
for t in tests/unit tests/cli.sh tests/badinput.sh tests/hostile.sh tests/outfiles.sh tests/docs.sh tests/live.sh tests/record.sh tests/trees.sh tests/programs.sh tests/stacks.sh tests/ci.sh \
	tests/why.sh tests/sources.sh tests/all.sh tests/cgroup.sh tests/pidns.sh tests/top.sh tests/signals.sh tests/drills.sh tests/valgrind.sh; do
	# a suite that hangs is a failure with its name, not a CI run that never ends
	timeout -k 10 1200 "$t" >"$out" || [ $? != 124 ] || echo "FAIL: $t did not end within 1200 s" >&2
	cat "$out"
	count "$out" "$t"
done
# every fuzz target over its corpus and the inputs that once crashed it
for t in text maps dat report page sinks diff; do
	"tests/fuzz/replay-$t" "tests/fuzz/corpus/$t" "tests/fuzz/regress/$t" |
		sed "s/^fuzz-replay:/replay-$t:/" >"$out" || true
	cat "$out"
	count "$out" "replay-$t"
done
rm -f "$out"
if [ -n "$san" ]; then
	for f in "$san"/*; do
		[ -f "$f" ] || continue
		echo "FAIL: a sanitizer's report: $(grep -m1 -E 'ERROR|runtime error' "$f") (${f##*/})" >&2
		sed -n '1,30p' "$f" >&2
		fail=$((fail + 1))
	done
	echo "sanitizer reports: $(find "$san" -type f | wc -l)"
	rm -rf "$san"
fi
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
