#!/bin/bash
# pftrace top, live: JSON lines per interval that add up to the recording; --why's split per
# row; in a pseudo-terminal (script), each frame's rows equal its interval's JSON line, g
# regroups, q quits; usage errors.
# Needs root, tracefs, script (util-linux).
set -euo pipefail
SUITE=top
. "$(dirname "$0")/lib.sh"
WL=$ROOT/tests/workload

# --- usage: what a terminal-less run without --jsonl cannot do, and bad values
run_status "$PFTRACE" top -- true </dev/null
check_eq "no terminal, no --jsonl: usage" 2 "$status"
check_match "no terminal, no --jsonl: said" "standard output is not a terminal: use --jsonl" "$err"
run_status "$PFTRACE" top --jsonl -i 0.1 -- true
check_eq "--interval 0.1: usage" 2 "$status"
run_status "$PFTRACE" top --jsonl --by page -- true
check_eq "--by page: usage" 2 "$status"
check_match "--by page: said" "use pid, comm, vma, file, sym, cgroup or kind" "$err"
# --by sym: the functions that fault, named with their file's name
run_status "$PFTRACE" top --jsonl --by sym -d 30 -- "$WL" touch 3000
check_eq "--by sym: exit" 0 "$status"
check_eq "--by sym: the workload's loop, all its pages, one row" 3000 \
	"$(jq -s '[.[].rows[] | select(.key == "touch (workload)") | .faults] | add' <<<"$out")"
check_eq "--by sym: every row named by function or file" 0 \
	"$(jq -s '[.[].rows[] | select(.key | test("^[^ ]+ \\([^)]+\\)$|^\\([^)]+\\)$") | not)] | length' <<<"$out")"
run_status "$PFTRACE" top --jsonl --sort size -- true
check_eq "--sort size: usage" 2 "$status"
run_status "$PFTRACE" top --jsonl
check_eq "no scope: usage" 2 "$status"
check_match "no scope: said, as top's" "^pftrace: top: give -p PID, -- COMMAND, -a or --cgroup CGROUP$" "$err"

require_live
# --- JSON lines: every interval's rows add up to it, and the intervals to the recording
run_status "$PFTRACE" top --jsonl -i 0.3 -- sh -c "'$WL' touch 20000 >/dev/null 2>&1; sleep 0.4; '$WL' touch 5000 >/dev/null 2>&1"
check_eq "--jsonl: exit 0" 0 "$status"
check_eq "--jsonl: every line a JSON object of version 2" "$(wc -l <<<"$out")" \
	"$(jq -c 'select(.pftrace_json_version == 2)' <<<"$out" | wc -l)"
check_eq "--jsonl: intervals numbered from 1" "$(seq -s' ' 1 "$(wc -l <<<"$out")")" \
	"$(jq -r .interval <<<"$out" | paste -sd' ')"
check_eq "--jsonl: each interval's rows add up to it" "" \
	"$(jq -r 'select(([.rows[].faults] | add // 0) != .faults) | .interval' <<<"$out")"
check_eq "--jsonl: the two workloads' 25,000 pages are there, each in a workload row" true \
	"$(jq -s '[.[].rows[] | select(.comm == "workload") | .faults] | add >= 25000' <<<"$out")"
check_eq "--jsonl: every fault has its latency (p99)" "" \
	"$(jq -r '.rows[] | select(.faults > 0 and .p99_ns == null) | .key' <<<"$out")"
check_eq "--jsonl --by kind: keys are kinds" "anon-first-touch" \
	"$("$PFTRACE" top --jsonl --by kind -- "$WL" touch 3000 2>/dev/null |
		jq -rs '[.[].rows[]] | max_by(.faults) | .key')"

# --- --why: each row's fault time split into causes, as record --why splits it
run_status "$PFTRACE" top --why --jsonl -i 0.3 -- "$WL" major 512 "$TMP/cold"
check_eq "--why: exit 0" 0 "$status"
# (the count itself, not just true: a wrong one says what it was)
check_eq "--why: the workload's 512 majors, and at least their time split" "512 true" \
	"$(jq -rs '[.[].rows[] | select(.comm == "workload")] | "\([.[].major] | add) \(([.[].why.faults] | add) >= 512)"' <<<"$out")"
check_eq "--why: the majors' reads are io" true \
	"$(jq -s '[.[].rows[] | select(.comm == "workload") | .why.ns.io] | add > 0' <<<"$out")"
check_eq "--why: each row's parts sum over its faults (no row split without faults)" "" \
	"$(jq -r '.rows[] | select(.why != null and .why.faults > .faults) | .key' <<<"$out")"
run_status "$PFTRACE" top --jsonl -i 0.3 -- "$WL" touch 100
check_eq "without --why: why is null" null "$(jq -s '[.[].rows[].why] | unique | .[0]' <<<"$out")"
command -v script >/dev/null || bad "script (util-linux) is not installed"
script -qfec "'$PFTRACE' top --why -b comm -i 0.3 -- '$WL' major 512 '$TMP/cold2'" /dev/null \
	</dev/null >"$TMP/why.ts" 2>&1 || true
check_match "--why on the screen: the column, and the workload's row with a cause and its share" \
	"TIME WENT TO +comm.*[0-9] +(on-cpu|run-queue|io|sleep|mmap-lock|reclaim|compaction|retry) [0-9]+% +workload" \
	"$(tr -d '\r' <"$TMP/why.ts" | tr '\n' ' ')"

# --- the screen, in a pseudo-terminal: frames equal their intervals' JSON lines; g, q
mkfifo "$TMP/keys"
# the keys come down a FIFO once the frames have started: g after two frames, q after five
# frames: waits (up to 30 s) until the screen has shown N frames grouped by WHAT
frames() {
	local i
	for i in $(seq 600); do
		[ "$(grep -ac "by $2" "$TMP/ts" 2>/dev/null || true)" -ge "$1" ] && return 0
		sleep 0.05
	done
}
(
	exec 3>"$TMP/keys"
	frames 2 pid
	printf g >&3
	frames 2 comm
	printf q >&3
	sleep 1
) &
keys=$!
t0=$SECONDS
script -qfec "'$PFTRACE' top -d 60 -i 0.3 -n 50 --jsonl-file '$TMP/t.jsonl' -- sh -c 'while :; do \"$WL\" touch 2000 >/dev/null 2>&1; sleep 0.1; done'" /dev/null <"$TMP/keys" >"$TMP/ts" 2>&1 || true
wait $keys || true
pkill -f "$WL touch 2000" || true
pkill -f 'while :; do' || true
check_eq "screen: q ended it (not -d 60), the JSON lines written" true \
	"$([ $((SECONDS - t0)) -lt 50 ] && [ -s "$TMP/t.jsonl" ] && echo true)"
python3 - "$TMP/ts" "$TMP/t.jsonl" <<'EOF2' && ok || bad "screen: a frame that is not its interval's JSON line"
import json, re, sys
frames = open(sys.argv[1], encoding="utf-8", errors="replace").read().split("\x1b[H\x1b[2J")[1:]
lines = {j["interval"]: j for j in map(json.loads, open(sys.argv[2]))}
seen = set()
for f in frames:
    m = re.search(r"interval (\d+) \(([\d.]+) s\), by (\w+)", f)
    assert m, "a frame without its header: %r" % f[:200]
    n, by = int(m.group(1)), m.group(3)
    j = lines[n]
    assert j["by"] == by, (n, by, j["by"])
    rows = []
    for l in f.split("\n")[3:]:
        l = l.rstrip("\r")
        if by == "pid":
            r = re.fullmatch(r"\s*(\d+) (.{16})\s+(\d+)\s+(\d+)\s+(\d+)\s+([\d.]+|-)\s*", l)
            if r:
                rows.append((int(r.group(1)), int(r.group(4)), int(r.group(5))))
        else:
            r = re.fullmatch(r"\s*(\d+)\s+(\d+)\s+(\d+)\s+([\d.]+|-)  (.*)", l)
            if r:
                rows.append((r.group(5), int(r.group(2)), int(r.group(3))))
    want = [((r["pid"] if by == "pid" else r["key"]), r["faults"], r["major"]) for r in j["rows"]]
    assert rows == want[:50], (n, rows, want)
    seen.add(by)
assert seen == {"pid", "comm"}, seen
EOF2
check_eq "screen: the frames' intervals, each once" "$(jq -r .interval "$TMP/t.jsonl" | paste -sd' ')" \
	"$(grep -ao 'interval [0-9]*' "$TMP/ts" | cut -d' ' -f2 | paste -sd' ')"
check_eq "no instance left" "" "$(instances_left)"
finish
