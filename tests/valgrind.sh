#!/bin/bash
# report under valgrind on every kind of input: no errors, no definite leaks (two inside the
# libraries are suppressed, see tests/valgrind.supp).
set -euo pipefail
SUITE=valgrind
. "$(dirname "$0")/lib.sh"
if ! command -v valgrind >/dev/null; then
	echo "!!! valgrind is not installed (scripts/install-deps.sh) !!!" >&2
	[ "${PFTRACE_REQUIRE_LIVE:-0}" = 1 ] && bad "valgrind required in CI but missing"
	finish
	exit 0
fi
# (not `ldd | grep -q`: grep leaves at the first match, ldd then dies of SIGPIPE, and pipefail
# takes that for no match: valgrind ran an ASan build 1 CI run in a few)
if grep -q libasan <<<"$(ldd "$PFTRACE")"; then
	# valgrind cannot run an ASan build; the plain `make check` (and CI's first pass) runs this
	echo "!!! valgrind: not with a SANITIZE=1 build (ASan and valgrind exclude each other) !!!" >&2
	finish
	exit 0
fi
P=$FIX/python-threads
while IFS='|' read -r name args; do
	set +e
	# shellcheck disable=SC2086
	valgrind -q --error-exitcode=9 --leak-check=full --errors-for-leak-kinds=definite --num-callers=40 \
		--suppressions="$ROOT/tests/valgrind.supp" "$PFTRACE" report $args >/dev/null 2>"$TMP/vg"
	rc=$?
	set -e
	check_eq "valgrind: $name" "0 0" "$rc $(grep -c '==[0-9]*== [A-Z]' "$TMP/vg" || true)"
done <<LIST
text trace|--json -m $FIX/workload/maps.txt $FIX/workload/trace.txt
text table by file|--by file -m $P/maps2.txt --kernel $P/trace.txt
trace-cmd report text|--json --by ip -m $P/maps2.txt $P/report.txt
trace-cmd v7 trace.dat|--json --kernel -m $P/maps2.txt $P/trace.dat
pftrace v6 trace.dat with perf|--json --by page $FIX/dat/record.dat
jsonl|--jsonl -m $FIX/workload/maps.txt $FIX/seed-lines.txt
LIST
finish
