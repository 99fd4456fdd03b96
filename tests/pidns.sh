#!/bin/bash
# A container's pids, live (record --pidns): a process named by its pid inside a PID namespace
# (unshare -fp --mount-proc) is the one traced, exact against its counters, told both ways,
# live and replayed; a pid the namespace has not is an error that says so.
# Needs root, tracefs, unshare (util-linux).
set -euo pipefail
SUITE=pidns
. "$(dirname "$0")/lib.sh"
require_live
command -v unshare >/dev/null || bad "unshare (util-linux) is not installed"

# the container: its init waits at a FIFO, then forks one that waits at another (pid 2 there);
# each touches its pages once let go
mkfifo "$TMP/init" "$TMP/second"
unshare -fp --mount-proc "$ROOT/tests/workload" gated "$TMP/init" 10 >/dev/null 2>&1 &
u=$!
for i in $(seq 500); do
	c=$(pgrep -P $u || true)
	[ -n "$c" ] && [ "$(cat /proc/$c/wchan 2>/dev/null)" = wait_for_partner ] && break
	sleep 0.01
done
check_eq "the container's init is pid 1 there" 1 "$(awk '/^NSpid:/ {print $NF}' /proc/$c/status)"
# a second process in it: nsenter makes it the namespace's pid 2
nsenter -t $c -p -m "$ROOT/tests/workload" gated "$TMP/second" 3000 >/dev/null 2>&1 &
blocked_ns() { # the host pid of the namespace's pid 2, once it waits at its gate
	local p
	for p in $(pgrep -f "workload gated $TMP/second"); do
		[ "$(awk '/^NSpid:/ {print $NF}' /proc/$p/status)" = 2 ] && echo $p && return
	done
}
for i in $(seq 500); do
	s=$(blocked_ns || true)
	[ -n "$s" ] && [ "$(cat /proc/$s/wchan 2>/dev/null)" = wait_for_partner ] && break
	sleep 0.01
done

"$PFTRACE" record --pidns $c -p 2 --json -o "$TMP/ns.dat" >"$TMP/ns.json" 2>"$TMP/ns.err" &
rec=$!
armed $rec
printf g >"$TMP/second"
wait $rec || true
out=$(cat "$TMP/ns.json")
err=$(cat "$TMP/ns.err")
check_match "-p 2 in the namespace: which process it is, said" \
	"-p 2 in the PID namespace of $c: process $s" "$err"
check_eq "the process traced is the namespace's pid 2 (host pid $s)" "$s" \
	"$(j '[.processes[] | select(.faults > 0) | .pid] | join(",")')"
check_eq "its pid both ways" "2" "$(j ".processes[] | select(.pid == $s) | .ns_pid")"
check_eq "its 3,000 pages, whole" true "$(j "[.processes[] | select(.pid == $s) | .faults >= 3000] == [true]")"
exact "the namespace's pid 2" "$TMP/ns.json" ".pid == $s"
run_status "$PFTRACE" report --json "$TMP/ns.dat"
check_eq "replayed: its pid both ways" "$s 2" \
	"$(j ".processes[] | select(.faults > 0) | \"\(.pid) \(.ns_pid)\"")"
run_status "$PFTRACE" report --by pid "$TMP/ns.dat"
check_match "the table tells its pid in the namespace" "\(pid 2 in its namespace\)" "$out"

# without --pidns, nothing is told of namespaces
run_status "$PFTRACE" record --json -- "$ROOT/tests/workload" touch 10
check_eq "without --pidns: ns_pid null" null "$(j '.processes[0].ns_pid')"

# a pid the namespace has not, a namespace process that is not there
run_status "$PFTRACE" record --pidns $c -p 77 -d 1
check_eq "-p 77, not in the namespace: exit 1" 1 "$status"
check_match "-p 77: said" "^pftrace: -p 77: no process 77 in the PID namespace of $c$" "$err"
run_status "$PFTRACE" record --pidns 999999999 -p 1 -d 1
check_eq "--pidns of no process: exit 1" 1 "$status"
check_match "--pidns of no process: said" "^pftrace: --pidns 999999999: no such process$" "$err"
printf g >"$TMP/init"
wait $u || true
check_eq "no instance left" "" "$(instances_left)"
finish
