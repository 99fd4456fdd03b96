#!/bin/bash
# What following address spaces costs a syscall-heavy program: dd copying COUNT single bytes
# (2 syscalls each), untraced; beside a pftrace recording of another process (with history: the
# syscall tracepoints put every syscall of the machine on the tracing path; --no-history: none);
# and traced itself (default, --no-major, --no-history --no-major). Alternating rounds, medians,
# as ratios to untraced. Needs root and tracefs.
#   scripts/bench-syscalls.sh [COUNT] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-2000000}
rounds=${2:-7}
make -s pftrace
dir=$(mktemp -d /var/tmp/pft-bench-sys.XXXXXX)
sleep 1000 &
idle=$!
trap 'kill $idle 2>/dev/null; rm -rf "$dir"' EXIT
DD="dd if=/dev/zero of=/dev/null bs=1 count=$count status=none"

declare -A t
# run NAME CMD...: appends CMD's wall seconds to t[NAME]
run() {
	local n=$1 s e
	shift
	s=$(date +%s.%N)
	"$@" >/dev/null 2>"$dir/err" || { cat "$dir/err" >&2; return 1; }
	e=$(date +%s.%N)
	t[$n]+="$(echo "$e - $s" | bc) "
}
# beside NAME OPTIONS...: dd untraced while pftrace records the idle process with OPTIONS
beside() {
	local n=$1 rec i
	shift
	./pftrace record -q "$@" -p $idle >/dev/null 2>&1 &
	rec=$!
	for i in $(seq 1 500); do
		# (the pid filter first: a new instance has tracing on until pftrace turns it off)
		[ -n "$(cat /sys/kernel/tracing/instances/pftrace-$rec/set_event_pid 2>/dev/null)" ] &&
			[ "$(cat /sys/kernel/tracing/instances/pftrace-$rec/tracing_on 2>/dev/null)" = 1 ] && break
		sleep 0.01
	done
	run "$n" $DD
	kill -INT $rec
	wait $rec || true
}
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }

names="untraced beside-history beside-no-history traced traced-no-major traced-bare"
$DD # warm-up
for ((i = 0; i < rounds; i++)); do
	run untraced $DD
	beside beside-history
	beside beside-no-history --no-history
	run traced ./pftrace record -q --json -- $DD
	run traced-no-major ./pftrace record -q --json --no-major -- $DD
	run traced-bare ./pftrace record -q --json --no-major --no-history -- $DD
done
base=$(median <<<"${t[untraced]}")
echo "workload: $DD ($((2 * count)) syscalls), $rounds alternating rounds, medians; $(nproc) CPUs, $(uname -r)"
printf '%-20s %8s %7s\n' command "s" ratio
for n in $names; do
	m=$(median <<<"${t[$n]}")
	printf '%-20s %8.3f %6.2fx\n' "$n" "$m" "$(echo "$m / $base" | bc -l)"
done
