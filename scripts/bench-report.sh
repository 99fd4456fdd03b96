#!/bin/bash
# pftrace report speed on a large real trace, against wc -l and trace-cmd report of the same
# events, as ratios in one run. Needs root, tracefs and trace-cmd (scripts/install-deps.sh).
#   scripts/bench-report.sh [PAGES]     (default 1200000 faults, about 4.6 GiB touched)
set -euo pipefail
cd "$(dirname "$0")/.."
pages=${1:-1200000}
T=/sys/kernel/tracing
[ -d $T/events ] || mount -t tracefs nodev $T
make -s pftrace tests/workload
dir=$(mktemp -d /var/tmp/pft-bench.XXXXXX)
inst=pftrace-bench-$$
trap 'rmdir $T/instances/$inst 2>/dev/null; rm -rf "$dir"' EXIT
mkdir $T/instances/$inst
I=$T/instances/$inst
# room for every event: ~40 bytes each, per CPU
echo $((pages * 48 / 1024 + 4096)) >$I/buffer_size_kb
echo 1 >$I/options/event-fork
echo 1 >$I/events/exceptions/page_fault_user/enable
bash -c 'echo $$ > "$1/set_event_pid"; exec tests/workload touch "$2" "$3"' _ $I "$pages" "$dir/maps.txt"
echo 0 >$I/events/enable
cat $I/trace >"$dir/trace.txt"
trace-cmd extract -B $inst -o "$dir/trace.dat" >/dev/null 2>&1
./pftrace record -q -o "$dir/pftrace.dat" -- tests/workload touch "$pages" 2>/dev/null
events=$(grep -c page_fault_user "$dir/trace.txt")
mb=$(($(stat -c %s "$dir/trace.txt") / 1000000))
echo "trace: $events events, $mb MB of text; $(nproc) CPUs"

# the median of 5 runs' wall-clock seconds (this machine's speed wanders: not the best run)
best() {
	local s e
	for _ in 1 2 3 4 5; do
		s=$(date +%s.%N)
		"$@" >/dev/null 2>&1
		e=$(date +%s.%N)
		echo "$e - $s" | bc
	done | sort -n | sed -n 3p
}
# peak RSS in MB
rss() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1 | awk '{printf "%.0f", $1 / 1024}'; }
cat "$dir/trace.txt" >/dev/null # warm the page cache
t_wc=$(best wc -l "$dir/trace.txt")
t_pft=$(best ./pftrace report -m "$dir/maps.txt" "$dir/trace.txt")
t_pftj=$(best ./pftrace report --json --by page -m "$dir/maps.txt" "$dir/trace.txt")
t_tc=$(best trace-cmd report "$dir/trace.dat")
t_pdat=$(best ./pftrace report -m "$dir/maps.txt" "$dir/trace.dat")
t_own=$(best ./pftrace report "$dir/pftrace.dat")
t_tcown=$(best trace-cmd report "$dir/pftrace.dat")
own_events=$(./pftrace report --json "$dir/pftrace.dat" | jq .summary.events)
r() { echo "scale=2; $1 / $2" | bc; }
printf '%-46s %8s s  %8s MB/s  %s\n' "wc -l trace.txt" "$t_wc" "$(r $mb "$t_wc")" "1.00x of wc"
printf '%-46s %8s s  %8s MB/s  %sx of wc, %sx faster than trace-cmd\n' \
	"pftrace report -m maps trace.txt" "$t_pft" "$(r $mb "$t_pft")" "$(r "$t_pft" "$t_wc")" "$(r "$t_tc" "$t_pft")"
printf '%-46s %8s s  %8s MB/s  %sx of wc, %sx faster than trace-cmd\n' \
	"pftrace report --json --by page" "$t_pftj" "$(r $mb "$t_pftj")" "$(r "$t_pftj" "$t_wc")" "$(r "$t_tc" "$t_pftj")"
printf '%-46s %8s s  %8s Mev/s\n' "trace-cmd report trace.dat >/dev/null" "$t_tc" "$(echo "scale=2; $events / $t_tc / 1000000" | bc)"
printf '%-46s %8s s  %8s Mev/s  %sx faster than trace-cmd\n' "pftrace report -m maps trace.dat (trace-cmd v7)" \
	"$t_pdat" "$(echo "scale=2; $events / $t_pdat / 1000000" | bc)" "$(r "$t_tc" "$t_pdat")"
echo "peak RSS: pftrace on trace.txt $(rss ./pftrace report -m "$dir/maps.txt" "$dir/trace.txt") MB," \
	"on trace.dat $(rss ./pftrace report -m "$dir/maps.txt" "$dir/trace.dat") MB," \
	"trace-cmd report $(rss trace-cmd report "$dir/trace.dat") MB"
echo "pftrace record -o pftrace.dat (v6, $own_events events, maps inside):"
printf '%-46s %8s s  %8s Mev/s\n' "  trace-cmd report pftrace.dat >/dev/null" "$t_tcown" "$(echo "scale=2; $own_events / $t_tcown / 1000000" | bc)"
printf '%-46s %8s s  %8s Mev/s  %sx faster than trace-cmd\n' "  pftrace report pftrace.dat" "$t_own" \
	"$(echo "scale=2; $own_events / $t_own / 1000000" | bc)" "$(r "$t_tcown" "$t_own")"
