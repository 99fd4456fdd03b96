#!/bin/bash
# The whole machine, live (record -a): known workloads inside and outside the command exact
# against the kernel's counters, the rest of the machine present, pftrace's own faults left
# out and counted, a storm of short processes with none unknown.
# Needs root, tracefs and perf (scripts/install-deps.sh).
set -euo pipefail
SUITE=all
. "$(dirname "$0")/lib.sh"
WL=$ROOT/tests/workload
require_live

# --- a workload outside the recording's command, started before it, let go by the command
# (a FIFO), waited for by the command: its faults all fall inside the recording
gated gate 3000
outside=$g
run_status "$PFTRACE" record -a --json -- sh -c '
	echo go >"$1"
	while kill -0 "$2" 2>/dev/null && [ "$(cut -d" " -f3 /proc/$2/stat)" != Z ]; do sleep 0.01; done
	"$0" touch 2000 & "$0" touch 5000 & wait' "$WL" "$TMP/gate" $outside
wait $outside || true
printf '%s' "$out" >"$TMP/a.json"
check_eq "-a -- COMMAND: exit 0" 0 "$status"
check_match "-a: says how many processes' maps it read" "-a: [0-9]+ processes, their maps read in [0-9]+ ms" "$err"
check_match "-a: counts pftrace's own faults, left out" "pftrace's own [0-9]+ faults were left out" "$err"
check_eq "-a: nothing lost" "0 0 0" \
	"$(j '.summary | "\(.lost_events) \(.lost_mapping_records) \(.bad_pages)"')"
check_eq "-a: the two workloads of the command, and the one outside, each traced" \
	"2000 3000 5000" \
	"$(j '[.processes[] | select(.comm == "workload") | .faults] | sort | map(if . >= 5000 then 5000 elif . >= 3000 then 3000 elif . >= 2000 then 2000 else . end) | map(tostring) | join(" ")')"
check_eq "-a: the workload outside the command is there by its pid" 1 \
	"$(j "[.processes[] | select(.pid == $outside)] | length")"
exact "-a: each workload" "$TMP/a.json" '.comm == "workload"'
check_eq "-a: no workload fault unknown or out of any VMA" 0 \
	"$(j '[.processes[] | select(.comm == "workload") | (.by_kind.unknown // 0) + (.by_kind["no-vma"] // 0)] | add')"
check_eq "-a: no instance left" "" "$(instances_left)"

# --- -a without a command: until a signal; pftrace left out. A workload released once
# tracing is armed, and ended before the signal, is in it whole.
gated gate2 1000
w=$g
"$PFTRACE" record -a --json >"$TMP/sig.json" 2>"$TMP/sig.err" &
rec=$!
armed $rec
echo go >"$TMP/gate2"
wait $w
kill -INT $rec
set +e
wait $rec
status=$?
set -e
out=$(cat "$TMP/sig.json")
err=$(cat "$TMP/sig.err")
check_eq "-a, ended by SIGINT: exit 0" 0 "$status"
check_eq "-a: grouped by process unless --by" pid "$(j .source.by)"
# (by pid: the instance remover of the run before, a process named pftrace, may still run)
check_eq "-a: pftrace itself is not among the processes traced" 0 \
	"$(j "[.processes[] | select(.pid == $rec)] | length")"
check_eq "-a: the workload released after arming, whole" true \
	"$(j "[.processes[] | select(.pid == $w) | .faults >= 1000] == [true]")"
exact "-a: that workload" "$TMP/sig.json" ".pid == $w"
check_match "-a: counts its own faults" "pftrace's own [0-9]+ faults were left out" "$err"
check_eq "-a: no instance left" "" "$(instances_left)"

# --- a storm of 1,000 short processes: every one of their faults named
run_status "$PFTRACE" record -a --json -o "$TMP/storm.dat" -- sh -c 'i=0; while [ $i -lt 1000 ]; do /bin/true; i=$((i + 1)); done'
printf '%s' "$out" >"$TMP/storm.json"
check_eq "-a storm: exit 0" 0 "$status"
check_eq "-a storm: 1,000 short processes traced" 1000 "$(j '[.processes[] | select(.comm == "true")] | length')"
check_eq "-a storm: none of their faults unknown" 0 \
	"$(j '[.processes[] | select(.comm == "true") | .by_kind.unknown // 0] | add')"
exact "-a storm: each short process" "$TMP/storm.json" '.comm == "true"'
# the trace.dat of the whole machine gives the identical answer, and the program's row
"$PFTRACE" report --json "$TMP/storm.dat" >"$TMP/storm.replay.json" 2>/dev/null
for k in summary vmas processes; do
	check_eq "-a storm: its trace.dat replayed: the same $k" "$(jq -cS ".$k" "$TMP/storm.json" | md5sum)" \
		"$(jq -cS ".$k" "$TMP/storm.replay.json" | md5sum)"
done
run_status "$PFTRACE" report --json --by comm "$TMP/storm.dat"
check_eq "--by comm: one row for the 1,000 processes of one program, their sum" \
	"$(jq '[.processes[] | select(.comm == "true") | .faults] | add' "$TMP/storm.json")" \
	"$(j '[.groups[] | select(.comm == "true") | .faults] | add')"
# (rows are by the name a process had at each fault: one that exec'd meanwhile is in two)
check_eq "--by comm: every fault in a row" "$(jq .summary.faults "$TMP/storm.json")" \
	"$(j '[.groups[].faults] | add')"

# --- exited processes folded by program (--keep-exited): the same sums, memory flat
run_status "$PFTRACE" report --json --keep-exited 16 "$TMP/storm.dat"
printf '%s' "$out" >"$TMP/fold.json"
folded=$(j .summary.folded_processes)
check_eq "--keep-exited 16: all but the last 16 exited processes folded" 1 \
	"$(($(jq '[.processes[] | select(.comm == "true")] | length' "$TMP/fold.json") - 16 <= folded))"
check_eq "--keep-exited 16: the processes keep their rows" \
	"$(jq -cS .processes "$TMP/storm.replay.json" | md5sum)" "$(jq -cS .processes "$TMP/fold.json" | md5sum)"
check_eq "--keep-exited 16: every fault in an area row" "$(j .summary.faults)" "$(j '[.vmas[].faults] | add')"
check_eq "--keep-exited 16: each program's area a row, its faults the processes' (true's libc code)" \
	"$(jq '[.vmas[] | select(.comm == "true" and .perms == "r-xp" and (.name | test("libc.so"))) | .faults] | add' "$TMP/storm.replay.json")" \
	"$(j '[.vmas[] | select(.comm == "true" and .perms == "r-xp" and (.name | test("libc.so"))) | .faults] | add')"
check_eq "--keep-exited 16: a folded row: no pid nor address, its processes counted" "0 0" \
	"$(j '[.vmas[] | select(.pid == null and (.start != null or .processes < 2))] | length') $(j '[.vmas[] | select(.pid != null and .processes != 1)] | length')"
check_eq "--keep-exited 16: true's libc code folded from nearly all of its 1,000 processes" true \
	"$(j '[.vmas[] | select(.pid == null and .comm == "true" and .perms == "r-xp" and (.name | test("libc.so"))) | .processes >= 984] == [true]')"
# the heatmap: a folded area's band says so (each process's points placed as in the first one's)
"$PFTRACE" report --keep-exited 16 --heatmap "$TMP/fold.svg" "$TMP/storm.dat" >/dev/null 2>&1
check_eq "--keep-exited 16: the heatmap is XML, a band of exited processes folded" true \
	"$(python3 -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' "$TMP/fold.svg" && grep -q 'true, [0-9]* exited, ' "$TMP/fold.svg" && echo true)"
# memory bounded by what is alive: 4 times the processes, the same memory (each process kept
# apart costs 6 KB: 1,800 more would be 11 MB)
storm_rss() {
	/usr/bin/time -f %M -o "$TMP/rss" "$PFTRACE" record -a -q --json --keep-exited 16 -- sh -c \
		"i=0; while [ \$i -lt $1 ]; do /bin/true; i=\$((i + 1)); done" >"$TMP/rss.json" 2>/dev/null
	tail -1 "$TMP/rss"
}
small=$(storm_rss 600)
big=$(storm_rss 2400)
# (a sanitized build's allocator keeps what is freed in quarantine: its RSS says nothing here;
# the plain pass of the same suite measures it)
if ! grep -qa __asan_init "$PFTRACE"; then
	check_eq "--keep-exited 16: 2,400 processes take what 600 do (RSS $small KB, then $big KB)" 1 \
		"$((big - small < 3072))"
else
	echo "all: sanitized build: the RSS comparison is the plain pass's" >&2
fi
check_eq "--keep-exited 16: the 2,400 all there" 2400 "$(jq '[.processes[] | select(.comm == "true")] | length' "$TMP/rss.json")"

# --- usage
run_status "$PFTRACE" record -a -p 1
check_eq "-a with -p: usage error" 2 "$status"
check_match "-a with -p: says why" "no -p with it" "$err"
finish
