# Helpers for the shell test suites: each assertion counts; the runner sums the counts.
PASS=0 FAIL=0
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PFTRACE=${PFTRACE:-$ROOT/pftrace}
FIX=$ROOT/tests/fixtures
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

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
