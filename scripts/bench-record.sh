#!/bin/bash
# What recording costs the traced program, per fault. A fault storm (tests/workload touch: PAGES
# anonymous pages written once each, 1 GiB by default) run untraced, under the bare tracepoint,
# under pftrace record in each of its modes and under perf record, in alternating rounds (each
# round runs every row once, so that the machine's drift falls on all of them alike); medians.
#   loop   the workload's own fault loop, timed inside it ("touch: N pages in S s")
#   wall   the whole command: start-up, tracing, exit, the report
# Rows:
#   bare-tracepoint   an instance, page_fault_user on, the pid filter, no reader: the floor
#   pftrace-stream    record --no-major --no-history: the event streamed, nothing more
#   pftrace-sideband  record --no-major: + the kernel's mapping records and the mmap syscalls
#   pftrace           record (the default): + a completion sample of each major fault
#   pftrace-latency   record --latency: a completion sample of every fault
#   pftrace-why       record --why: + the scheduler's and the slow paths' events that split
#                     each fault's time (they fire when a fault waits, not on a fast one)
#   pftrace-stacks    record --stacks: + a user call stack (frame pointers) on each
#   pftrace-perf      record --source perf: the faults from perf's page-faults event (a
#                     sample each) instead of the tracepoint, the history still tracefs's
#   pftrace-nobody    record as nobody: perf's events alone (no tracefs), every fault's
#                     completion sampled too (as --latency)
#   perf-record       perf record -e exceptions:page_fault_user
#   perf-record-sw    perf record -e page-faults -c 1 -d: perf's own on the same event
# Needs root, tracefs, perf (linux-perf); the repository readable by nobody (pftrace-nobody). Timings stay out of the test suite.
#   scripts/bench-record.sh [PAGES] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
pages=${1:-262144}
rounds=${2:-6}
T=/sys/kernel/tracing
[ -d $T/events ] || mount -t tracefs nodev $T
make -s pftrace tests/workload
dir=$(mktemp -d /var/tmp/pft-bench-rec.XXXXXX)
bare=$T/instances/pftrace-bench-bare-$$
trap '[ ! -d "$bare" ] || { echo 0 >"$bare/events/enable"; rmdir "$bare"; }; rm -rf "$dir"' EXIT
WL="tests/workload touch $pages"

# The bare tracepoint: the child waits at a FIFO until it is in the filter and the event is on,
# then execs the workload; nobody reads the ring buffer (it overwrites itself).
bare_run() {
	local gate=$dir/gate child
	mkdir "$bare"
	rm -f "$gate"
	mkfifo "$gate"
	bash -c 'read -r _ <"$1"; shift; exec "$@"' _ "$gate" "$@" &
	child=$!
	echo "$child" >"$bare/set_event_pid"
	echo 1 >"$bare/events/exceptions/page_fault_user/enable"
	echo go >"$gate"
	wait "$child"
	echo 0 >"$bare/events/enable"
	rmdir "$bare"
}

declare -A wall loop
# run NAME CMD...: the wall and loop seconds of one round
run() {
	local n=$1 s e
	shift
	s=$(date +%s.%N)
	"$@" >"$dir/out.$n" 2>"$dir/err" || { cat "$dir/err" >&2; return 1; }
	e=$(date +%s.%N)
	wall[$n]+="$(echo "$e - $s" | bc) "
	loop[$n]+="$(awk '/^touch:/ {print $5}' "$dir/err") "
}
med() { tr ' ' '\n' <<<"$1" | grep . | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }

names="untraced bare-tracepoint pftrace-stream pftrace-sideband pftrace pftrace-latency pftrace-why pftrace-stacks pftrace-perf pftrace-nobody perf-record perf-record-sw"
# a VM backs guest memory lazily: the first runs pay for that, whoever runs them. Discard them.
for w in 1 2; do $WL 2>/dev/null; done
for ((i = 0; i < rounds; i++)); do
	run untraced $WL
	run bare-tracepoint bare_run $WL
	run pftrace-stream ./pftrace record -q --json --no-major --no-history -- $WL
	run pftrace-sideband ./pftrace record -q --json --no-major -- $WL
	run pftrace ./pftrace record -q --json -- $WL
	run pftrace-latency ./pftrace record -q --json --latency -- $WL
	run pftrace-why ./pftrace record -q --json --why -- $WL
	run pftrace-stacks ./pftrace record -q --json --stacks -- $WL
	run pftrace-perf ./pftrace record -q --json --source perf -- $WL
	run pftrace-nobody setpriv --reuid=nobody --regid=nogroup --clear-groups \
		./pftrace record -q --json -- $WL
	run perf-record perf record -q -o "$dir/perf.data" -e exceptions:page_fault_user -- $WL
	run perf-record-sw perf record -q -o "$dir/perf-sw.data" -e page-faults -c 1 -d -- $WL
done
perf_events=$(perf report -i "$dir/perf.data" --stdio 2>/dev/null | awk '/^# Samples/ {print $3}')
perf_lost=$(perf report -i "$dir/perf.data" --stdio 2>/dev/null | awk '/Total Lost Samples/ {print $NF}')

lu=$(med "${loop[untraced]}")
lb=$(med "${loop[bare-tracepoint]}")
wu=$(med "${wall[untraced]}")
wp=$(med "${wall[perf-record]}")
echo "workload: $WL ($pages faults), $rounds alternating rounds, medians; $(nproc) CPUs, $(uname -r)"
echo "loop: the workload's own fault loop; wall: the whole command (start, trace, exit, report)"
echo "ns/fault: what the row adds to each fault of the loop, over the untraced one"
printf '%-17s %7s %9s %9s %9s %7s %9s %9s %8s %6s\n' row "loop s" "/untraced" "/bare" ns/fault \
	"wall s" "/untraced" "/perf rec" events lost
for n in $names; do
	l=$(med "${loop[$n]}")
	w=$(med "${wall[$n]}")
	case $n in
	untraced | bare-tracepoint) ev=- lost=- ;;
	perf-record) ev=$perf_events lost=$perf_lost ;;
	perf-record-sw) ev=- lost=- ;;
	*) ev=$(jq .summary.faults "$dir/out.$n") lost=$(jq .summary.lost_events "$dir/out.$n") ;;
	esac
	printf '%-17s %7.3f %8.2fx %8.2fx %9.0f %7.3f %8.2fx %8.2fx %8s %6s\n' "$n" "$l" \
		"$(echo "$l / $lu" | bc -l)" "$(echo "$l / $lb" | bc -l)" \
		"$(echo "($l - $lu) * 1000000000 / $pages" | bc -l)" "$w" "$(echo "$w / $wu" | bc -l)" \
		"$(echo "$w / $wp" | bc -l)" "$ev" "$lost"
done
echo "faults/s under default pftrace: $(echo "$pages / $(med "${loop[pftrace]}")" | bc)"
