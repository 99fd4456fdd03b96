#!/bin/bash
# A cgroup, live (record --cgroup), in each hierarchy this machine has (v1 pids, v2): its
# process exact against the kernel's counters, a noisy neighbour outside never seen, a
# process moved in mid-run traced from its move; names resolved as a user gives them.
# Needs root, tracefs, a cgroup hierarchy that takes a new cgroup.
set -euo pipefail
SUITE=cgroup
. "$(dirname "$0")/lib.sh"
WL=$ROOT/tests/workload
require_live

tested=0
for h in /sys/fs/cgroup/pids /sys/fs/cgroup/memory /sys/fs/cgroup/unified /sys/fs/cgroup; do
	[ -f "$h/cgroup.procs" ] || continue
	name=pftrace-test-$$-${h##*/}
	cg=$h/$name
	mkdir "$cg" 2>/dev/null || continue
	tested=$((tested + 1))
	v=${h##*/}

	gated a-$v 2000
	a=$g
	gated b-$v 3000
	b=$g
	gated c-$v 1500
	c=$g
	gated d-$v 1000 2000 700
	d=$g
	echo $a >"$cg/cgroup.procs"
	echo $d >"$cg/cgroup.procs"
	# by the cgroup's own name: found below the hierarchies
	"$PFTRACE" record --cgroup "$name" --json -o "$TMP/$v.dat" >"$TMP/$v.json" 2>"$TMP/$v.err" &
	rec=$!
	armed $rec
	# moved in while recording: traced from its move (it waits at its gate meanwhile)
	echo $c >"$cg/cgroup.procs"
	traced $rec $c
	# a member that moves out, faults outside, comes back: traced only inside
	phase d-$v $d
	echo $d >"$h/cgroup.procs"
	untraced $rec $d
	phase d-$v $d
	echo $d >"$cg/cgroup.procs"
	untraced $rec $d back
	phase d-$v $d
	for f in a b c; do echo go >"$TMP/$f-$v"; done
	wait $a $b $c $d || true
	kill -INT $rec
	set +e
	wait $rec
	status=$?
	set -e
	out=$(cat "$TMP/$v.json")
	err=$(cat "$TMP/$v.err")
	check_eq "$v: --cgroup, ended by SIGINT: exit 0" 0 "$status"
	check_eq "$v: only the cgroup's processes: the members and the one moved in" \
		"$(printf '%s\n' $a $c $d | sort -n | paste -sd,)" \
		"$(j '[.processes[] | select(.faults > 0) | .pid] | sort | map(tostring) | join(",")')"
	check_eq "$v: the noisy neighbour outside: not a fault of it" 0 \
		"$(j "[.processes[] | select(.pid == $b)] | length")"
	check_eq "$v: the member's faults, whole" true "$(j "[.processes[] | select(.pid == $a) | .faults >= 2000] == [true]")"
	check_eq "$v: the one moved in, whole from its move" true \
		"$(j "[.processes[] | select(.pid == $c) | .faults >= 1500] == [true]")"
	check_eq "$v: the one that moved out and back: its faults inside (1,000 and 700), none outside" \
		true "$(j "[.processes[] | select(.pid == $d) | .faults >= 1700 and .faults < 2700] == [true]")"
	exact "$v: each" "$TMP/$v.json" ".pid == $a or .pid == $c or .pid == $d" 1
	check_match "$v: says who moved out" \
		"--cgroup: process $d \(workload\) moved out: not traced from now" "$err"
	check_match "$v: says who moved back in" \
		"--cgroup: process $d \(workload\) moved back in: traced again from now" "$err"
	check_match "$v: says who joined" "--cgroup: process $c \(workload\) joined: traced from now" "$err"
	check_eq "$v: each process's cgroup, as its hierarchy names it" "/$name /$name /$name" \
		"$(j "[.processes[] | select(.pid == $a or .pid == $c or .pid == $d) | .cgroup] | join(\" \")")"
	if [ -f "$cg/memory.stat" ]; then
		check_eq "$v: the cgroup's own count of faults (memory.stat) = traced" \
			"$(j .summary.faults) $(j .summary.faults)" \
			"$(j '"\(.summary.cgroup_counters.pgfault) \(.summary.cgroup_counters.traced)"')"
	else
		check_eq "$v: no memory controller, no cgroup counters" null "$(j .summary.cgroup_counters)"
	fi
	run_status "$PFTRACE" report --json --by cgroup "$TMP/$v.dat"
	check_eq "$v: --by cgroup of the replay: one row, the cgroup's, every fault" \
		"/$name $(jq .summary.faults "$TMP/$v.json")" \
		"$(j '[.groups[] | "\(.cgroup) \(.faults)"] | join(";")')"
	check_eq "$v: no instance left" "" "$(instances_left)"

	# an empty cgroup: nothing to trace, said
	run_status "$PFTRACE" record --cgroup "$cg" -d 1
	check_eq "$v: an empty cgroup: exit 1" 1 "$status"
	check_match "$v: an empty cgroup: said" "cgroup '$cg' has no process to trace" "$err"
	rmdir "$cg"
done
if [ $tested = 0 ]; then
	echo "!!! cgroup: no cgroup hierarchy here takes a new cgroup: --cgroup NOT TESTED !!!" >&2
	[ "${PFTRACE_REQUIRE_LIVE:-0}" = 1 ] && bad "no cgroup hierarchy to test --cgroup in"
fi

# --- names that name nothing, or more than one
run_status "$PFTRACE" record --cgroup "no-such-cgroup-$$"
check_eq "no such cgroup: exit 1" 1 "$status"
check_match "no such cgroup: said" "^pftrace: --cgroup 'no-such-cgroup-$$': no such cgroup" "$err"
run_status "$PFTRACE" record --cgroup x -p 1
check_eq "--cgroup with -p: usage" 2 "$status"
finish
