#!/bin/bash
# Live tracing on this machine: needs root and tracefs. Without them this suite says so loudly,
# and with PFTRACE_REQUIRE_LIVE=1 (CI) that is a failure, never a silent skip.
set -euo pipefail
SUITE=live
. "$(dirname "$0")/lib.sh"
T=/sys/kernel/tracing

require_live

# --- the hand-driven capture of the workload, reported: exact counts on a fresh recording
data=$(mktemp -p "$ROOT" .pft-data.XXXXXX) # a disk filesystem: its pages can leave the cache
"$ROOT/scripts/capture-text.sh" "$TMP/trace.txt" -- "$ROOT/tests/workload" pattern "$TMP/maps.txt" "$data"
rm -f "$data"
run_status "$PFTRACE" report --json -m "$TMP/maps.txt" "$TMP/trace.txt"
vma() { j ".vmas[] | select(.start == \"$1\") | $2"; }
check_eq "live anon writes" 1024 "$(vma 0x100000000000 '.by_kind["anon-first-touch"]')"
check_eq "live file reads" 512 "$(vma 0x120000000000 '.by_kind["file-read"]')"
# 64, or 0 where the kernel maps no zero page for a read (the workload counted its writes' faults)
check_eq "live zero-page cow, as the kernel counted the writes" "$(cut -d' ' -f2 "$TMP/maps.txt.zero")" "$(vma 0x110000000000 .by_kind.cow)"
check_eq "live no lost events" 0 "$(j .summary.lost_events)"
# the TGID column (options/record-tgid) joins threads with their process's maps
"$ROOT/scripts/capture-text.sh" -t "$TMP/tgid.txt" -- "$ROOT/tests/workload" threads 2 0.5
run_status "$PFTRACE" report --json --by tid -m "$TMP/maps.txt" "$TMP/tgid.txt"
check_match "TGID column present" "\\( *[0-9]+\\) \\[" "$(grep -m1 page_fault "$TMP/tgid.txt")"
# (the script that wrote set_event_pid may leak a few events: ftrace applies the filter per CPU
# at the next context switch; pftrace record writes it while its child is stopped)
check_eq "the workload's three threads" 3 "$(j '[.groups[] | select(.comm == "workload")] | length')"
check_eq "joined to one process" 1 "$(j '[.groups[] | select(.comm == "workload") | .pid] | unique | length')"
check_eq "that process is the main thread" "$(j '[.groups[] | select(.comm == "workload") | .tid] | min')" \
	"$(j '[.groups[] | select(.comm == "workload") | .pid] | unique | .[0]')"
# a text trace with the events that follow address spaces (exec, tasks, the mmap family's
# syscalls, in ftrace's own "sys_mmap(...)" / "sys_mmap -> 0x..." form) is replayed as history:
# mappings made and unmapped before the maps were saved are found
"$ROOT/scripts/capture-text.sh" -H "$TMP/hist.txt" -- "$ROOT/tests/workload" remap \
	"$ROOT/.pft-h1.$$" "$ROOT/.pft-h2.$$" "$TMP/hist.maps"
check_match "history text: syscall lines in ftrace's form" "sys_mmap\\(addr: .*sys_mmap -> 0x" "$(tr '\n' ' ' <"$TMP/hist.txt")"
run_status "$PFTRACE" report --json -m "$TMP/hist.maps" "$TMP/hist.txt"
check_eq "history text: the remapped place, as it was: read, cow, read, bad-access" \
	"32 16 1" "$(j '[.vmas[] | select(.start == "0x150000000000")] | "\(map(.by_kind["file-read"]) | add) \(map(.by_kind.cow) | add) \(map(.by_kind["bad-access"]) | add)"')"
# every history line is followed; how many there are depends on how much of the gate's own bash
# start-up fell after the events were enabled (44 to 111 here), the workload alone makes 40 or more
hist_lines=$(grep -cE ': (sys_[a-z_]+(\(| -> )|sched_process_(exec|exit):|task_newtask:)' "$TMP/hist.txt")
check_eq "history text: every history line followed" "$hist_lines" "$(j .summary.history_events)"
check_eq "history text: the workload's own history is there" true "$([ "$hist_lines" -ge 40 ] && echo true || echo false)"
run_status "$PFTRACE" report --jsonl -m "$TMP/hist.maps" "$TMP/hist.txt"
check_eq "history text: the workload's one no-vma, after its munmap" 1 \
	"$(jq -s '[.[] | select(.comm == "workload" and .kind == "no-vma")] | length' <<<"$out")"
grep -v ': sys_' "$TMP/hist.txt" >"$TMP/nohist.txt"
run_status "$PFTRACE" report --jsonl -m "$TMP/hist.maps" "$TMP/nohist.txt"
check_eq "the same without the syscall lines: every fault there is no-vma" 50 \
	"$(jq -s '[.[] | select(.comm == "workload" and .kind == "no-vma" and (.page | startswith("0x1500")))] | length' <<<"$out")"
check_eq "capture left no instance" "" "$(ls $T/instances | grep '^pftrace-capture' || true)"
finish
