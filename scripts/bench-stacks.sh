#!/bin/bash
# What call stacks cost, against perf on the same work, in one run: tests/symwork writing PAGES
# fresh pages from a call chain DEPTH frames deep (frame pointers), untraced; under pftrace
# record (default: completions and history), --stacks (frame pointers), --stacks=dwarf; perf
# record -e page-faults -c 1 (every fault) with -g and with --call-graph dwarf. Alternating
# rounds: the fault loop's own time (what the traced program feels) and the wall time of the
# whole command (the tracer's own work included), best and median, as ratios to untraced; the
# cost per fault from the best loop times; and what each lost.
# Then what naming costs: reports of a 1M-fault recording with stacks, without names, by
# function, folded, and perf report of perf's recording of the same work.
# Needs root, tracefs, perf (linux-perf).
#   scripts/bench-stacks.sh [PAGES] [ROUNDS] [DEPTH]
set -euo pipefail
cd "$(dirname "$0")/.."
pages=${1:-131072}
rounds=${2:-5}
depth=${3:-20}
make -s pftrace tests/symwork
dir=$(mktemp -d /var/tmp/pft-bench-stacks.XXXXXX)
trap 'rm -rf "$dir"' EXIT
export SYMWORK_DEPTH=$depth SYMWORK_TIME=1
WL="tests/symwork $pages 0 0 $dir/file"

run() {
	local n=$1 s e
	shift
	s=$(date +%s.%N)
	"$@" >"$dir/out.$n" 2>"$dir/err" || { cat "$dir/err" >&2; return 1; }
	e=$(date +%s.%N)
	wall[$n]+="$(echo "$e - $s" | bc) "
	loop[$n]+="$(awk '/^symwork:/ {print $2}' "$dir/err") "
}
# the samples perf says it lost (of the last round)
perf_lost() { perf report -i "$1" --stats 2>/dev/null | awk '/LOST_SAMPLES events:/ {n = $3} END {print n + 0}'; }
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
best() { tr ' ' '\n' | grep . | sort -n | head -1; }

declare -A wall loop
names="untraced pftrace pftrace-stacks pftrace-dwarf perf-g perf-dwarf"
for w in 1 2; do $WL; done # the VM backs memory lazily: warm it
for ((i = 0; i < rounds; i++)); do
	run untraced $WL
	run pftrace ./pftrace record -q --json -- $WL
	run pftrace-stacks ./pftrace record -q --stacks --json -- $WL
	run pftrace-dwarf ./pftrace record -q --stacks=dwarf --json -- $WL
	run perf-g perf record -q -c 1 -e page-faults -g -o "$dir/g.data" -- $WL
	run perf-dwarf perf record -q -c 1 -e page-faults --call-graph dwarf -o "$dir/d.data" -- $WL
done
faults=$(jq .summary.faults "$dir/out.pftrace-stacks")
echo "# $pages pages from a chain $depth frames deep ($faults faults traced), $rounds rounds"
echo "# $(uname -r), $(nproc) CPUs, $(perf --version)"
printf "%-16s %8s %8s %7s %7s %8s %8s %7s %9s %s\n" what loop l-med loop-x l-med-x wall w-med wall-x us/fault "lost (last round)"
b0=$(best <<<"${loop[untraced]}")
m0=$(median <<<"${loop[untraced]}")
wb0=$(best <<<"${wall[untraced]}")
for n in $names; do
	b=$(best <<<"${loop[$n]}")
	m=$(median <<<"${loop[$n]}")
	wb=$(best <<<"${wall[$n]}")
	wm=$(median <<<"${wall[$n]}")
	lost=-
	case $n in
	pftrace*) lost=$(jq -r '"\(.summary.lost_events) events, \(.summary.lost_completions) stacks"' "$dir/out.$n") ;;
	perf-g) lost="$(perf_lost "$dir/g.data") samples" ;;
	perf-dwarf) lost="$(perf_lost "$dir/d.data") samples" ;;
	esac
	printf "%-16s %8.3f %8.3f %6.2fx %6.2fx %8.3f %8.3f %6.2fx %9.2f %s\n" "$n" "$b" "$m" \
		"$(echo "$b / $b0" | bc -l)" "$(echo "$m / $m0" | bc -l)" "$wb" "$wm" \
		"$(echo "$wb / $wb0" | bc -l)" "$(echo "($b - $b0) * 1000000 / $pages" | bc -l)" "$lost"
done
ls -la "$dir/g.data" "$dir/d.data" | awk '{print "# perf.data:", $5, $NF}'

# --- naming: reports of ~1M faults with stacks
big=$((1048576))
./pftrace record -q --stacks -o "$dir/big.dat" -- tests/symwork $big 0 0 "$dir/file"
perf record -q -c 1 -e page-faults -g -o "$dir/big.data" -- tests/symwork $big 0 0 "$dir/file" 2>/dev/null
t() {
	local s e
	s=$(date +%s.%N)
	"$@" >/dev/null 2>&1
	e=$(date +%s.%N)
	echo "$e - $s" | bc
}
echo "# reports of $(./pftrace report --json "$dir/big.dat" | jq .summary.faults) faults ($(du -m "$dir/big.dat" | cut -f1) MB trace.dat), best of 3"
for what in "report" "report --by sym" "report --folded" "report --by sym --json" "perf-report"; do
	best_t=
	for r in 1 2 3; do
		if [ "$what" = perf-report ]; then
			x=$(t perf report -i "$dir/big.data" --stdio --no-children -g none)
		else
			x=$(t ./pftrace $what "$dir/big.dat")
		fi
		best_t+="$x "
	done
	printf "%-24s %8.3f s\n" "$what" "$(best <<<"$best_t")"
done
./pftrace report --by sym --json "$dir/big.dat" | jq -c '.summary.symbols | {lookups, resolved, named}'
