# Helpers for the shell test suites: each assertion counts; the runner sums the counts.
PASS=0 FAIL=0
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PFTRACE=${PFTRACE:-$ROOT/pftrace}
FIX=$ROOT/tests/fixtures
TMP=$(mktemp -d)
HELD=
trap 'rm -rf "$TMP"; [ -z "$HELD" ] || kill $HELD 2>/dev/null' EXIT
# A command that stops a suite (set -e) says where and why, with the tails of its captured stderr,
# instead of the bare "printed no result line" of tests/run.sh.
died() {
	local f
	echo "FAIL [$SUITE] stopped at line $2 (exit $1): $3" >&2
	for f in "$TMP"/*.err; do
		[ -s "$f" ] && { echo "--- ${f##*/}:" && tail -n 5 "$f"; } >&2
	done
	return 0
}
trap '[[ $- != *e* ]] || died $? $LINENO "$BASH_COMMAND"' ERR

ok() { PASS=$((PASS + 1)); }
bad() {
	local msg="$*"
	FAIL=$((FAIL + 1))
	[ ${#msg} -le 600 ] || msg="${msg:0:600}... (cut)"
	echo "FAIL [$SUITE] $msg" >&2
}
# check_eq WHAT EXPECTED ACTUAL
check_eq() { if [ "$2" == "$3" ]; then ok; else bad "$1: expected '$2', got '$3'"; fi; }
# check_match WHAT REGEX TEXT
check_match() { if [[ $3 =~ $2 ]]; then ok; else bad "$1: '$3' does not match /$2/"; fi; }
# run_status CMD...: sets $status, $out (stdout) and $err (stderr)
run_status() {
	set +e
	"$@" >"$TMP/out" 2>"$TMP/err"
	status=$?
	set -e
	out=$(cat "$TMP/out")
	err=$(cat "$TMP/err")
}
# j FILTER: jq on $out
j() { jq -r "$1" <<<"$out"; }
finish() { echo "$SUITE: $PASS passed, $FAIL failed"; }
# require_live: continue only where live tracing can run; otherwise say so loudly, and with
# PFTRACE_REQUIRE_LIVE=1 (CI) count it as a failure, then end the suite.
require_live() {
	"$ROOT/tests/live-ok.sh" && return 0
	[ "${PFTRACE_REQUIRE_LIVE:-0}" = 1 ] && bad "live tests required (PFTRACE_REQUIRE_LIVE=1) but cannot run"
	finish
	exit 0
}
# pftrace's instances left behind: those no run holds (each run flocks its instance, and its
# remover keeps the lock until the instance is gone), so another pftrace running on the machine
# meanwhile (another suite, a user) is not counted. Waits up to 10 s for them to go (a remover
# takes ~100 ms); prints the names still there then.
instances_left() {
	local i d left
	for i in $(seq 200); do
		left=
		for d in /sys/kernel/tracing/instances/pftrace-[0-9]*; do
			[ -d "$d" ] && flock -n "$d" true 2>/dev/null && left="$left ${d##*/}"
		done
		[ -z "$left" ] && return 0
		sleep 0.05
	done
	echo $left
}
# armed PID: waits until the run of pftrace PID has armed its instance (tracing_on), or has
# ended; 60 s at most (a loaded machine takes seconds to arm). A new instance is born with
# tracing on, until pftrace turns it off: tracing_on is asked only once the pid filter is
# written, which comes after that (a 1 of the newborn instance let a test stop pftrace before
# it held its target: both stopped for good, 1 run in many)
armed() {
	local i d=/sys/kernel/tracing/instances/pftrace-"$1"
	for i in $(seq 6000); do
		# (-a has no pid filter: what it leaves out, pftrace itself, is written instead)
		[ -n "$(cat "$d/set_event_pid" "$d/set_event_notrace_pid" 2>/dev/null)" ] &&
			[ "$(cat "$d/tracing_on" 2>/dev/null)" = 1 ] && return 0
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.01
	done
}
# traced REC PID...: waits until the run of pftrace REC has each PID in its instance's pid filter
# (a -p target's child it takes after arming), or has ended.
traced() {
	local rec=$1 p
	shift
	for p in "$@"; do
		until grep -qw "$p" /sys/kernel/tracing/instances/pftrace-"$rec"/set_event_pid 2>/dev/null ||
			! kill -0 "$rec" 2>/dev/null; do
			sleep 0.01
		done
	done
}
# untraced REC PID [back]: waits until the run of pftrace REC leaves PID out
# (set_event_notrace_pid), or with back, takes it in again; or has ended.
untraced() {
	local list=/sys/kernel/tracing/instances/pftrace-"$1"/set_event_notrace_pid want=0 got
	[ "${3:-}" = back ] && want=1
	while kill -0 "$1" 2>/dev/null; do
		if grep -qw "$2" "$list" 2>/dev/null; then got=0; else got=1; fi
		[ $got = $want ] && return 0
		sleep 0.01
	done
}
# Waits (up to 10 s) until no pftrace instance is held: its run has ended and its removal is
# done, so what remains is what killed runs left.
removals_done() {
	local i d busy
	for i in $(seq 200); do
		busy=0
		for d in /sys/kernel/tracing/instances/pftrace-[0-9]*; do
			[ -d "$d" ] || continue
			flock -n "$d" true 2>/dev/null || busy=1
		done
		[ $busy = 0 ] && return 0
		sleep 0.05
	done
}
# keep_cached FILE...: keeps every page of the files in the page cache and mapped until the suite
# ends, so that two runs of a program take the same faults on them. Which file pages a run faults
# on depends on what is cached (fault-around maps only cached pages; a cold page is a major fault),
# and a machine may page cached files out when nothing maps them (this VM's DAMON does, after ~3 s).
keep_cached() {
	local ready=$TMP/cached.$RANDOM
	python3 -c '
import mmap, signal, sys
held = []
for path in sys.argv[2:]:
    with open(path, "rb") as f:
        m = mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ)
    sum(m[off] for off in range(0, len(m), mmap.PAGESIZE))  # each page read in and mapped
    held.append(m)
open(sys.argv[1], "w").close()
signal.pause()
' "$ready" "$@" &
	HELD="$HELD $!"
	while [ ! -e "$ready" ]; do
		kill -0 $! 2>/dev/null || { bad "keep_cached $*: the helper failed"; return 0; }
		sleep 0.01
	done
}
# exact WHAT FILE SELECT [MORE]: each process of report FILE that jq's SELECT picks traced
# exactly what the kernel counted, as trees.sh asks: a fault less (a task's last write at exit,
# after the kernel's accounting) and MORE counted (a jq expression; default: exec's argument
# pages, 2 per exec) allowed
exact() {
	check_eq "$1: traced = the kernel's counters (but exec's argument pages)" "" \
		"$(jq -r "[.processes[] | select($3)
			| select(.kernel_min_flt == null or
				((.kernel_min_flt + .kernel_maj_flt) - .faults) < -1 or
				((.kernel_min_flt + .kernel_maj_flt) - .faults) > (${4:-2 * .exec_calls}))
			| \"\(.pid) \(.comm): counted \(.kernel_min_flt) \(.kernel_maj_flt), traced \(.faults)\"]
			| join(\"; \")" "$2")"
}
# gated NAME PAGES...: tests/workload touching PAGES pages once a byte comes down FIFO
# $TMP/NAME (each further PAGES at the next byte), started now and waited for until it is
# blocked opening it (past its exec); its pid in $g
gated() {
	local name=$1
	shift
	mkfifo "$TMP/$name"
	"$ROOT/tests/workload" gated "$TMP/$name" "$@" >/dev/null 2>&1 &
	g=$!
	blocked $g
}
# blocked PID: waits (up to 10 s) until the gated workload PID waits at its FIFO, or has ended
blocked() {
	local i
	for i in $(seq 1 1000); do
		[ "$(cat /proc/$1/wchan 2>/dev/null)" = wait_for_partner ] && return 0
		grep -q '^State:.Z' /proc/$1/status 2>/dev/null && return 0
		kill -0 $1 2>/dev/null || return 0
		sleep 0.01
	done
}
# phase NAME PID: lets the gated workload PID (FIFO $TMP/NAME) touch its next PAGES, and waits
# until it has (blocked at its FIFO again, or ended)
phase() {
	printf g >"$TMP/$1"
	blocked $2
}
