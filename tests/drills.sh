#!/bin/bash
# Fault drills for record: targets dying, every signal, SIGKILL storms, a full disk, a tiny ring
# buffer, concurrent runs. Needs root and tracefs (loudly, and a failure with
# PFTRACE_REQUIRE_LIVE=1).
set -euo pipefail
SUITE=drills
. "$(dirname "$0")/lib.sh"
T=/sys/kernel/tracing
WL=$ROOT/tests/workload

require_live
instances() { ls $T/instances | grep '^pftrace-' || true; }
mnt=""
trap 'rm -rf "$TMP"; [ -z "$mnt" ] || { umount "$mnt"; rmdir "$mnt"; }' EXIT

# --- the target is killed mid-recording: the recording ends, complete
"$WL" threads 1 30 &
wl=$!
"$PFTRACE" record -q --json -p $wl >"$TMP/k.json" 2>"$TMP/k.err" &
r=$!
sleep 0.8
kill -KILL $wl
set +e
wait $r
st=$?
set -e
check_eq "target SIGKILLed: record exits 0" 0 "$st"
check_eq "target SIGKILLed: a complete report" true "$(jq '.summary.faults > 0' "$TMP/k.json")"
check_eq "target SIGKILLed: no instance" "" "$(instances_left)"

# --- every signal to pftrace with -o: a valid trace.dat, or none; never a half one
"$WL" threads 1 60 &
wl=$!
# (each signal whose default would end pftrace, SIGUSR1 and SIGALRM included: it ends a -p
# recording as ^C does, the trace.dat written, exit 0)
for sig in INT TERM HUP QUIT USR1 USR2 ALRM VTALRM PROF XCPU PWR; do
	"$PFTRACE" record -q -o "$TMP/$sig.dat" -p $wl 2>/dev/null &
	r=$!
	armed $r
	sleep 0.3 # the workload faults all the time: some faults recorded
	kill -$sig $r
	set +e
	wait $r
	st=$?
	set -e
	check_eq "SIG$sig -p -o: the recording ends, exit 0" 0 "$st"
	check_eq "SIG$sig -o: trace-cmd reads it" 1 "$(trace-cmd report "$TMP/$sig.dat" 2>/dev/null | grep -c -m1 page_fault_user)"
	check_eq "SIG$sig -o: no temporary left" "" "$(ls "$TMP" | grep pftrace-tmp || true)"
	check_eq "SIG$sig -o: no instance" "" "$(instances_left)"
done
set +e
"$PFTRACE" record -q --jsonl -o "$TMP/PIPE.dat" -p $wl 2>/dev/null | head -1 >/dev/null
set -e
# a file-size limit (ulimit -f): SIGXFSZ killed pftrace, leaving its instance and no message;
# then its write failed (EFBIG) with no file at all. Now the trace.dat holds what came before
# a moment, fits the limit, is read by both tools, and says where it was cut; the run fails.
set +e
(ulimit -f 256 && exec "$PFTRACE" record -q -o "$TMP/fsize.dat" -p $wl -d 3) 2>"$TMP/fsize.err"
st=$?
set -e
check_eq "ulimit -f: fails, says why" "1 true" "$st $(grep -q "cannot write all of '$TMP/fsize.dat': File too large (ulimit -f): it holds the recording up to [0-9.]* s" "$TMP/fsize.err" && echo true)"
check_eq "ulimit -f: the file fits the limit" true "$([ "$(stat -c %s "$TMP/fsize.dat")" -le $((256 * 1024)) ] && echo true)"
check_eq "ulimit -f: no temporary" "" "$(ls "$TMP" | grep pftrace-tmp || true)"
check_eq "ulimit -f: trace-cmd reads it" 1 "$(trace-cmd report "$TMP/fsize.dat" 2>/dev/null | grep -c -m1 page_fault_user)"
"$PFTRACE" report --json "$TMP/fsize.dat" >"$TMP/fsize.json" 2>"$TMP/fsize.rep"
check_eq "ulimit -f: the replay says where it was cut, and reads nothing past it" true \
	"$(jq '.source.inputs[0].cut_at as $c | ($c | type) == "number" and .summary.last_ts < $c and .summary.faults > 0 and (.summary.by_kind.unknown // 0) == 0 and .summary.no_maps == 0 and .summary.no_vma == 0' "$TMP/fsize.json")"
check_eq "ulimit -f: the table says so" 1 "$("$PFTRACE" report "$TMP/fsize.dat" 2>/dev/null | grep -c '^cut: .*fsize.dat holds the recording up to')"
check_eq "ulimit -f: no instance" "" "$(instances_left)"
check_eq "SIGPIPE -o: trace-cmd reads it" 1 "$(trace-cmd report "$TMP/PIPE.dat" 2>/dev/null | grep -c -m1 page_fault_user)"
check_eq "SIGPIPE -o: no instance" "" "$(instances_left)"

# --- SIGKILLed 20 times at random moments (some while writing a trace.dat)
for i in $(seq 1 20); do
	if [ $((i % 2)) = 0 ]; then
		"$PFTRACE" record -q -o "$TMP/kill$i.dat" -p $wl >/dev/null 2>&1 &
	else
		"$PFTRACE" record -q --json -- "$WL" touch 30000 >/dev/null 2>&1 &
	fi
	r=$!
	sleep "0.$((RANDOM % 6))$((RANDOM % 10))"
	kill -KILL $r 2>/dev/null || true
	wait $r 2>/dev/null || true
done
removals_done
left=$(instances | wc -l)
run_status "$PFTRACE" record -q -d 0.2 -p $wl
check_eq "after 20 SIGKILLs: the next run works" 0 "$status"
check_eq "after 20 SIGKILLs: it removed every instance left ($left)" "$left" "$(grep -c 'left by a killed pftrace' <<<"$err" || true)"
check_eq "after 20 SIGKILLs: no pftrace instance remains" "" "$(instances_left)"
check_eq "after 20 SIGKILLs: no event enabled anywhere pftrace touched" "0" \
	"$(cat $T/events/exceptions/page_fault_user/enable $T/events/syscalls/sys_enter_mmap/enable | sort -u | tr -d '\n')"
for f in "$TMP"/kill*.dat; do
	[ -e "$f" ] || continue
	check_eq "a SIGKILLed -o left $(basename "$f") only if complete" 1 \
		"$(trace-cmd report "$f" 2>/dev/null | grep -c -m1 page_fault_user)"
done
kill $wl
wait $wl 2>/dev/null || true

# --- the output disk fills up: a clear error, nothing under the final name
mnt=$(mktemp -d)
mount -t tmpfs -o size=256k pftrace-drill "$mnt"
run_status "$PFTRACE" record -q -o "$mnt/full.dat" -- "$WL" touch 100000
check_eq "disk full: exit" 1 "$status"
check_match "disk full: says so, naming the file" "'$mnt/full.dat'.*No space left on device" "$err"
check_eq "disk full: nothing under the final name, no temporary" "" "$(ls "$mnt")"
check_eq "disk full: no instance" "" "$(instances_left)"

# --- a tiny ring buffer under a fault storm: every loss counted. The loss is made certain:
# pftrace is stopped (SIGSTOP) before the command starts its storm, and continued only once
# the command has done it all and waits at its exit.
mkfifo "$TMP/gate"
"$PFTRACE" record -q --json --buffer-kb 4 -- "$WL" gated "$TMP/gate" 200000 \
	>"$TMP/tiny.json" 2>"$TMP/tiny.err" &
r=$!
# recording, and the command past its exec (a ptrace stop that would wait for the stopped
# pftrace) and blocked opening the FIFO: a new instance's tracing_on is 1 before pftrace
# arms it, and a child sleeps before it is released, so neither tells that the command runs;
# the kernel's wait for the FIFO's writer does
armed $r
for i in $(seq 1 1000); do
	cmd=$(pgrep -P $r || true)
	[ -n "$cmd" ] && [ "$(cat /proc/$cmd/wchan 2>/dev/null)" = wait_for_partner ] && break
	sleep 0.01
done
kill -STOP $r
# bounded: a command that never reached its gate is a failure below, not a hang
timeout 30 sh -c 'echo go >"$0"' "$TMP/gate" || echo "drills: the command never opened its gate" >&2
for i in $(seq 1 1000); do
	# the command's exit stop: the only ptrace stop after its exec, after its last fault
	[ "$(awk '{print $3}' /proc/$cmd/stat 2>/dev/null)" = t ] && break
	sleep 0.01
done
kill -CONT $r
wait $r || true
out=$(cat "$TMP/tiny.json")
check_eq "tiny buffer: losses reported" true "$(j '.summary.lost_events > 0')"
check_match "tiny buffer: and warned" "events were lost" "$(cat "$TMP/tiny.err")"
check_eq "tiny buffer: traced + lost accounts for every fault the kernel counted" true \
	"$(j '(.summary.faults + .summary.lost_events) as $t | (.summary.kernel_counters.min_flt + .summary.kernel_counters.maj_flt) as $k | $t >= $k * 0.99 and $t <= $k * 1.01')"

# --- -p of a process whose threads come and go all the time: 50 runs, never an error
"$WL" churn 60 &
churn=$!
errors=0
for i in $(seq 1 50); do
	"$PFTRACE" record -q --json -d 0.05 -p $churn >/dev/null 2>"$TMP/churn.err" || {
		errors=$((errors + 1))
		cat "$TMP/churn.err" >&2
	}
done
check_eq "-p of a thread-churning process, 50 runs: no error" 0 "$errors"
kill $churn
wait $churn 2>/dev/null || true

# --- SIGKILLed while its command sits in a ptrace stop, and not reaped yet (a zombie that
# still bears pftrace's name): the next run removes its instance and says so
"$PFTRACE" record -q -o "$TMP/z.dat" -- sh -c 'kill -STOP $$; sleep 5' >/dev/null 2>&1 &
r=$!
for i in $(seq 1 500); do
	# the command (sh, exec'd: not pftrace's child before it) stopped under ptrace, and tracing on
	c=$(pgrep -P $r || true)
	[ -n "$c" ] && [ "$(cat /proc/$c/comm 2>/dev/null)" = sh ] &&
		[ "$(awk '{print $3}' /proc/$c/stat 2>/dev/null)" = t ] &&
		[ "$(cat $T/instances/pftrace-$r/tracing_on 2>/dev/null)" = 1 ] && break
	sleep 0.01
done
kill -KILL $r
# a zombie whose files are closed: SIGKILL waits for a tracefs write in progress (an RCU grace
# period, seconds on a loaded machine), and until then the run holds its instance's lock
for i in $(seq 1 3000); do
	[ "$(awk '{print $3}' /proc/$r/stat 2>/dev/null)" = Z ] && [ "$(ls /proc/$r/task 2>/dev/null | wc -l)" -le 1 ] &&
		flock -n "$T/instances/pftrace-$r" true 2>/dev/null && break
	sleep 0.01
done
run_status "$PFTRACE" record -q -d 0.1 -- true
check_match "a killed run, still a zombie: the next run removes its instance" \
	"removed instance 'pftrace-$r' left by a killed pftrace" "$err"
check_eq "a killed run, still a zombie: nothing left" "" "$(instances_left)"
wait $r 2>/dev/null || true
pkill -KILL -f 'kill -STOP' || true

# --- four runs at once on different targets: each sees only its own
pids=() recs=()
for i in 1 2 3 4; do
	"$WL" threads 1 1.5 &
	pids+=($!)
done
for i in 0 1 2 3; do
	"$PFTRACE" record -q --json -p "${pids[$i]}" >"$TMP/c$i.json" 2>/dev/null &
	recs+=($!)
done
wait "${recs[@]}" || true
for i in 0 1 2 3; do
	check_eq "4 concurrent runs: run $i sees only its target" "${pids[$i]}" \
		"$(jq -r '[.vmas[].pid] | unique | join(",")' "$TMP/c$i.json")"
done
wait "${pids[@]}" || true
check_eq "the end: no instance" "" "$(instances_left)"
finish
