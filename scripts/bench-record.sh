#!/bin/bash
# What tracing costs the traced program: a fault storm (tests/workload touch: PAGES anonymous
# pages written once each, 1 GiB by default) untraced, under pftrace record, perf record on the
# same tracepoint, and perf trace -F all; alternating rounds, median wall time, as ratios, with
# the events each recorded and lost. "pftrace" is the default (history and completions),
# "pftrace-no-major" the history alone (perf side-band records + syscall tracepoints),
# "pftrace-no-history" the completions alone, "pftrace-bare" neither. Needs root, tracefs, perf
# (linux-perf).
#   scripts/bench-record.sh [PAGES] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
pages=${1:-262144}
rounds=${2:-5}
make -s pftrace tests/workload
dir=$(mktemp -d /var/tmp/pft-bench-rec.XXXXXX)
trap 'rm -rf "$dir"' EXIT
WL="tests/workload touch $pages"

# run NAME CMD...: appends CMD's wall seconds to wall[NAME] and the workload's own fault-loop
# seconds (it prints "touch: N pages in S s") to loop[NAME]
run() {
	local n=$1 s e
	shift
	s=$(date +%s.%N)
	"$@" >"$dir/out.$n" 2>"$dir/err" || { cat "$dir/err" >&2; return 1; }
	e=$(date +%s.%N)
	wall[$n]+="$(echo "$e - $s" | bc) "
	loop[$n]+="$(awk '/^touch:/ {print $5}' "$dir/err") "
}
median() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
best() { sort -n | head -1; }

declare -A wall loop
names="untraced pftrace pftrace-no-major pftrace-no-history pftrace-bare perf-record perf-trace"
# a VM backs guest memory lazily: the first round pays for that, whoever runs it. Discard it.
for w in 1 2; do $WL 2>/dev/null; done
for ((i = 0; i < rounds; i++)); do
	run untraced $WL
	run pftrace ./pftrace record -q --json -- $WL
	run pftrace-no-major ./pftrace record -q --json --no-major -- $WL
	run pftrace-no-history ./pftrace record -q --json --no-history -- $WL
	run pftrace-bare ./pftrace record -q --json --no-major --no-history -- $WL
	run perf-record perf record -q -o "$dir/perf.data" -e exceptions:page_fault_user -- $WL
	run perf-trace perf trace -F all --no-syscalls -o "$dir/trace.txt" -- $WL
done
pf_events=$(jq .summary.faults "$dir/out.pftrace")
pf_lost=$(jq .summary.lost_events "$dir/out.pftrace")
perf_events=$(perf report -i "$dir/perf.data" --stdio 2>/dev/null | awk '/^# Samples/ {print $3}')
perf_lost=$(perf report -i "$dir/perf.data" --stdio 2>/dev/null | awk '/Total Lost Samples/ {print $NF}')
pt_events=$(grep -c fault "$dir/trace.txt" || true)
pt_lost=$(grep -ci 'lost' "$dir/trace.txt" || true)

# This VM backs guest memory lazily: a run that gets pages the host has not backed yet takes
# twice as long whatever traces it (0.35 s vs 0.75 s here). The best of the rounds is the cost
# of tracing itself; the median is shown too.
med() { tr ' ' '\n' <<<"$1" | grep . | median; }
min() { tr ' ' '\n' <<<"$1" | grep . | best; }
lbase=$(min "${loop[untraced]}")
wbase=$(min "${wall[untraced]}")
lmbase=$(med "${loop[untraced]}")
echo "workload: $WL ($pages faults), $rounds alternating rounds; $(nproc) CPUs, $(uname -r)"
echo "loop: the workload's own fault loop; wall: the whole command (start, trace, exit, report)"
printf '%-12s %8s %6s %13s %8s %6s %9s %8s\n' command "loop s" ratio "(median ratio)" "wall s" \
	ratio events lost
for n in $names; do
	lm=$(min "${loop[$n]}")
	wm=$(min "${wall[$n]}")
	lmm=$(med "${loop[$n]}")
	case $n in
	untraced) ev=- lost=- ;;
	pftrace) ev=$pf_events lost=$pf_lost ;;
	pftrace-*) ev=$(jq .summary.faults "$dir/out.$n") lost=$(jq .summary.lost_events "$dir/out.$n") ;;
	perf-record) ev=$perf_events lost=$perf_lost ;;
	perf-trace) ev=$pt_events lost="$pt_lost lines" ;;
	esac
	printf '%-12s %8.3f %5.2fx %12.2fx  %8.3f %5.2fx %9s %8s\n' "$n" "$lm" "$(echo "$lm / $lbase" | bc -l)" \
		"$(echo "$lmm / $lmbase" | bc -l)" "$wm" "$(echo "$wm / $wbase" | bc -l)" "$ev" "$lost"
done
