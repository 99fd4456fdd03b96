#!/bin/bash
# The process-tree table: for each workload people trace, how many faults and processes, how
# many were not named (unknown), how many are false SIGSEGVs (no-vma + bad-access: none of these
# programs crash), what was lost, the coverage of the kernel's counters, and whether the replay
# of the trace.dat is identical. Needs root, tracefs, python3.
#   scripts/trees-table.sh [SRC_DIR_TO_BUILD]    (default: pftrace's own sources)
set -euo pipefail
cd "$(dirname "$0")/.."
make -s pftrace
F=$PWD/tests/fixtures/trees
P=$PWD/pftrace
dir=$(mktemp -d /var/tmp/pft-trees.XXXXXX)
trap 'rm -rf "$dir"' EXIT
src=${1:-} target=
if [ -z "$src" ]; then
	src=$dir/src target=pftrace
	mkdir "$src"
	cp -r lib cmd Makefile "$src/"
fi

# row NAME CMD...: records CMD (or, for "server", -p of it) into NAME.dat and NAME.json
row() {
	local n=$1 j=$dir/$1.json
	"$P" report --json "$dir/$n.dat" >"$dir/$n.replay.json"
	same=yes
	for k in summary vmas processes; do
		[ "$(jq -cS ".$k" "$j")" = "$(jq -cS ".$k" "$dir/$n.replay.json")" ] || same=no
	done
	jq -r --arg n "$n" --arg same "$same" '.summary |
		"\($n)\t\(.faults)\t\(.pids)\t\(.no_maps) (\(.no_maps * 100 / .faults | . * 100 | round / 100)%)\t\(.no_vma + .by_kind["bad-access"])\t\(.lost_events)/\(.lost_mapping_records)\t\(.kernel_counters.coverage * 1000 | round / 10)%\t\(.maps_checks.snapshots)/\(.maps_checks.disagreed)\t\($same)"' "$j"
}

printf 'workload\tfaults\tprocs\tunknown\tno-vma+bad\tlost ev/maps\tcoverage\tchecks/disagree\treplay same\n'
(cd "$src" && make -s clean >/dev/null 2>&1 || true)
(cd "$src" && "$P" record -q --json -o "$dir/build.dat" -- make -j2 $target) >"$dir/build.json" 2>/dev/null
row build
"$P" record -q --json -o "$dir/launcher.dat" -- "$F/shim" python3 "$F/work.py" >"$dir/launcher.json" 2>/dev/null
row launcher
"$P" record -q --json -o "$dir/loop.dat" -- sh -c \
	'for i in 1 2 3 4 5 6; do ls -R /usr/include >/dev/null; done' >"$dir/loop.json" 2>/dev/null
row loop
"$P" record -q --json -o "$dir/pool.dat" -- python3 "$F/pool.py" >"$dir/pool.json" 2>/dev/null
row pool
python3 "$F/server.py" "$dir/go" 100 >/dev/null &
srv=$!
"$P" record -q --json -o "$dir/server.dat" -p $srv >"$dir/server.json" 2>/dev/null &
rec=$!
for i in $(seq 1 500); do
	# (the pid filter first: a new instance has tracing on until pftrace turns it off)
	[ -n "$(cat /sys/kernel/tracing/instances/pftrace-$rec/set_event_pid 2>/dev/null)" ] &&
		[ "$(cat /sys/kernel/tracing/instances/pftrace-$rec/tracing_on 2>/dev/null)" = 1 ] && break
	sleep 0.01
done
touch "$dir/go"
wait $rec $srv
row server
