#!/bin/bash
# Runs every libFuzzer target for SECONDS on a scratch copy of its corpus (tests/fuzz/corpus/T).
# A crash, leak or timeout fails the run and leaves the input in tests/fuzz/crashes/: copy it to
# tests/fuzz/regress/T/ so that `make check` replays it forever. Prints, per target, executions
# and libFuzzer's final coverage (cov: edges, ft: features).
# FUZZ_MERGE=1 merges what the run found into the committed corpus, minimized; FUZZ_ONLY="dat"
# runs just the targets named; FUZZ_JOBS=N runs N targets at once (default 1: CI's 30 s each);
# FUZZ_TIMEOUT=S is the seconds an input may take (default 10; more for long runs on a machine
# loaded with them, where a stall of the machine is no hang of pftrace's).
#   scripts/fuzz.sh [SECONDS]        (make fuzz FUZZ_SECONDS=N builds and calls this)
set -uo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
mkdir -p tests/fuzz/crashes
# the longest input of a target: trace.dat inputs hold several zstd chunks and pages of stacks
max_len() {
	case $1 in
	sinks) echo 1048576 ;;
	diff) echo 262144 ;;
	*) echo 65536 ;;
	esac
}
one() {
	local t=$1 work log rc execs cov ft min
	work=$(mktemp -d)
	log=$work.log
	cp tests/fuzz/corpus/$t/* "$work/" 2>/dev/null
	ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp \
		build/fuzz/fuzz-$t -max_total_time="$secs" -timeout="${FUZZ_TIMEOUT:-10}" -rss_limit_mb=2048 \
		-max_len="$(max_len "$t")" -print_final_stats=1 -artifact_prefix="tests/fuzz/crashes/$t-" \
		"$work" >"$log" 2>&1
	rc=$?
	execs=$(awk '/stat::number_of_executed_units/ {print $2}' "$log")
	cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1)
	ft=$(grep -oE 'ft: [0-9]+' "$log" | tail -1)
	if [ $rc = 0 ]; then
		echo "fuzz $t: ${secs}s, ${execs:-?} executions, $cov, $ft, corpus $(ls "$work" | wc -l) inputs: ok"
	else
		echo "fuzz $t: FAILED (exit $rc) after ${execs:-?} executions:"
		grep -E "ERROR|SUMMARY|Test unit written|runtime error" "$log" | head -5
	fi
	if [ "${FUZZ_MERGE:-0}" = 1 ] && [ $rc = 0 ]; then
		# keep the smallest set of inputs that covers what this run found
		min=$(mktemp -d)
		build/fuzz/fuzz-$t -merge=1 -max_len="$(max_len "$t")" "$min" tests/fuzz/corpus/$t "$work" \
			>/dev/null 2>&1 && rm -rf tests/fuzz/corpus/$t && mv "$min" tests/fuzz/corpus/$t &&
			echo "fuzz $t: corpus minimized to $(ls tests/fuzz/corpus/$t | wc -l) inputs"
	fi
	rm -rf "$work" "$log"
	return $rc
}
status=0 running=0
for t in ${FUZZ_ONLY:-text maps dat report page sinks diff}; do
	one "$t" &
	running=$((running + 1))
	if [ $running -ge "${FUZZ_JOBS:-1}" ]; then
		wait -n || status=1
		running=$((running - 1))
	fi
done
while [ $running -gt 0 ]; do
	wait -n || status=1
	running=$((running - 1))
done
exit $status
