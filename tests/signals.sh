#!/bin/bash
# record -- COMMAND under the ways people end and pause it: timeout (SIGINT, SIGTERM), a
# process-group kill, a signal to pftrace alone, SIGCONT alone, ^Z then fg, ^C on a terminal,
# and a second signal for a command that ignores the first. Each time the command gets the
# signal exactly once (as from a shell), pftrace exits with its status, and nothing is left.
# Needs root and tracefs (loudly, and a failure with PFTRACE_REQUIRE_LIVE=1).
set -euo pipefail
SUITE=signals
. "$(dirname "$0")/lib.sh"
T=/sys/kernel/tracing
WL=$ROOT/tests/workload

require_live
set -m # background jobs in process groups of their own, as a shell's jobs are
no_instance() { check_eq "$1: no pftrace instance left" "" "$(instances_left)"; }
state() { awk '{print $3}' "/proc/$1/stat" 2>/dev/null || true; }
# waits (up to 5 s) until pid's state matches; the state then
wait_state() {
	local i
	for i in $(seq 1 500); do
		[[ "$(state "$1")" =~ $2 ]] && break
		sleep 0.01
	done
	state "$1"
}
got() { cat "$TMP/got"; }
# waits (up to 5 s) until the workload has its signal handlers in place
wait_ready() {
	local i
	for i in $(seq 1 500); do
		[ -e "$TMP/got.ready" ] && return
		sleep 0.01
	done
}
# a trace.dat trace-cmd reads, with the command's faults
valid_dat() { trace-cmd report "$1" 2>/dev/null | grep -c -m1 page_fault_user || true; }

# --- timeout, as CI jobs use it: the signal to pftrace, then to its process group, then SIGCONT
for s in INT:130 TERM:143; do
	IFS=: read -r sig code <<<"$s"
	run_status timeout --preserve-status -s "$sig" 2 "$PFTRACE" record -q -o "$TMP/t.dat" -- \
		"$WL" signals "$TMP/got" 30
	check_eq "timeout -s $sig: pftrace exits with the command's status" "$code" "$status"
	check_eq "timeout -s $sig: a complete trace.dat" 1 "$(valid_dat "$TMP/t.dat")"
	no_instance "timeout -s $sig"
done
run_status timeout 2 "$PFTRACE" record -q -o "$TMP/t.dat" -- "$WL" signals "$TMP/got" 30
check_eq "plain timeout: timeout's own status" 124 "$status"
no_instance "plain timeout"
# what timeout does, once the command is ready (perl: the three kills at once, as timeout
# sends them): it gets the signal once
for s in INT:130:"1 0 0 0" TERM:143:"0 1 0 0"; do
	IFS=: read -r sig code want <<<"$s"
	rm -f "$TMP/got.ready"
	"$PFTRACE" record -q -o "$TMP/t.dat" -- "$WL" signals "$TMP/got" 30 &
	job=$!
	wait_ready
	perl -e '($s, $p) = @ARGV; kill $s, $p; kill $s, -$p; kill "CONT", -$p' "$sig" $job
	set +e
	wait $job
	st=$?
	set -e
	check_eq "timeout's way with SIG$sig: the command's status" "$code" "$st"
	check_eq "timeout's way with SIG$sig: the command got it once (INT TERM HUP QUIT)" "$want" "$(got)"
done

# --- kill -- -PGID: the whole job at once
rm -f "$TMP/got.ready"
"$PFTRACE" record -q -o "$TMP/g.dat" -- "$WL" signals "$TMP/got" 30 &
job=$!
wait_ready
kill -TERM -- -$job
set +e
wait $job
st=$?
set -e
check_eq "process-group SIGTERM: the command's status" 143 "$st"
check_eq "process-group SIGTERM: the command got it once" "0 1 0 0" "$(got)"
no_instance "process-group SIGTERM"

# --- a signal to pftrace alone is passed on, once
for s in TERM:143:"0 1 0 0" HUP:129:"0 0 1 0" INT:130:"1 0 0 0" QUIT:131:"0 0 0 1"; do
	IFS=: read -r sig code want <<<"$s"
	rm -f "$TMP/got.ready"
	"$PFTRACE" record -q -o "$TMP/p.dat" -- "$WL" signals "$TMP/got" 30 &
	job=$!
	wait_ready
	kill -"$sig" $job
	set +e
	wait $job
	st=$?
	set -e
	check_eq "SIG$sig to pftrace alone: passed on, the command's status" "$code" "$st"
	check_eq "SIG$sig to pftrace alone: the command got it once" "$want" "$(got)"
	check_eq "SIG$sig to pftrace alone: a complete trace.dat" 1 "$(valid_dat "$TMP/p.dat")"
done
no_instance "signals to pftrace alone"

# --- SIGCONT alone: nothing stops, the recording goes on to the command's end
"$PFTRACE" record -q --json -- "$WL" signals "$TMP/got" 1 >"$TMP/c.json" &
job=$!
armed $job
kill -CONT -- -$job
set +e
wait $job
st=$?
set -e
check_eq "SIGCONT alone: the command ran to its end" "0 0 0 0" "$(got)"
check_eq "SIGCONT alone: its status" 0 "$st"
check_eq "SIGCONT alone: a complete report" true "$(jq '.summary.faults > 0' "$TMP/c.json")"

# --- ^Z then fg: the command stops, then pftrace; both go on at SIGCONT
"$PFTRACE" record -q --json -- sh -c 'sleep 0.5; exec "$0" signals "$1" 0.5' "$WL" "$TMP/got" \
	>"$TMP/z.json" &
job=$!
armed $job
kill -TSTP -- -$job
check_eq "^Z: pftrace stops, as a job does" T "$(wait_state $job '^T$')"
cmd=$(pgrep -P $job)
check_match "^Z: the command is stopped" "^[tT]$" "$(wait_state "$cmd" '^[tT]$')"
kill -CONT -- -$job
set +e
wait $job
st=$?
set -e
check_eq "fg: the command ran to its end" "0 0 0 0" "$(got)"
check_eq "fg: its status" 0 "$st"
check_eq "fg: a complete report, the exec included" true \
	"$(jq '[.processes[] | select(.comm == "workload")] | length == 1' "$TMP/z.json")"
no_instance "^Z and fg"

# --- ^C on a terminal: the terminal signals the whole job; pftrace does not repeat it
rm -f "$TMP/got.ready"
# the terminal stays open until pftrace has ended (bounded: 60 s), however slow its exit.
# The shell under script(1) is $SHELL or /bin/sh: dash ends on the terminal's SIGINT even when
# its child exits normally, bash does not. It catches SIGINT (its children still get the
# default action), so the status line is printed whichever shell it is.
(
	wait_ready
	printf '\003'
	for i in $(seq 1 600); do
		[ -e "$TMP/tty.done" ] && break
		sleep 0.1
	done
) | script -qec \
	"trap : INT; '$PFTRACE' record -q -o '$TMP/tty.dat' -- '$WL' signals '$TMP/got' 30; echo status=\$?; touch '$TMP/tty.done'" \
	/dev/null >"$TMP/tty.out" 2>&1 || true
check_match "^C: pftrace exits with the command's status" "status=130" "$(tr -d '\r' <"$TMP/tty.out")"
check_eq "^C: the command got SIGINT once" "1 0 0 0" "$(got)"
no_instance "^C"

# --- a command that ignores the signal: the same signal again a second later ends the
# recording; the command runs on
"$PFTRACE" record --json -- sh -c 'trap "" INT; sleep 30' >"$TMP/i.json" 2>"$TMP/i.err" &
job=$!
armed $job
kill -INT $job
sleep 1.2
kill -INT $job
set +e
wait $job
st=$?
set -e
check_eq "ignored SIGINT, then again: pftrace ends with 128+2" 130 "$st"
check_match "ignored SIGINT, then again: and says the command runs on" "'sh' is still running" "$(cat "$TMP/i.err")"
check_eq "ignored SIGINT, then again: a complete report" true "$(jq '.summary.faults > 0' "$TMP/i.json")"
pkill -f 'sleep 30' || true
no_instance "a second signal"
finish
