#!/bin/bash
# pftrace in CI: diff of two runs, --fail-if gates, markdown, the heatmap, the JSON Schemas
# checked against real output, and JSON Lines from two hosts loaded into ClickHouse.
# Needs root and tracefs (recordings), python3-jsonschema, clickhouse-server (install-deps).
set -euo pipefail
SUITE=ci
. "$(dirname "$0")/lib.sh"

require_live
SW=$ROOT/tests/symwork
WL=$ROOT/tests/workload
PY=/usr/bin/python3 # Debian's, with python3-jsonschema
cd "$TMP"
cp "$SW" symwork
# the runs compared take the same faults on their libraries and programs only if those stay cached
keep_cached symwork "$WL" /lib/x86_64-linux-gnu/libc.so.6 /lib64/ld-linux-x86-64.so.2

# --- two runs, the second writes 1024 more pages in leaf (addresses fixed: setarch -R)
setarch -R "$PFTRACE" record -q -o a.dat -- ./symwork 2000 1000 40 f
setarch -R "$PFTRACE" record -q -o b.dat -- ./symwork 3024 1000 40 f
run_status "$PFTRACE" diff --by sym --json a.dat b.dat
check_eq "diff: exit status" 0 "$status"
check_eq "diff by sym: leaf +1024, first" "leaf (symwork) 1024" "$(j '.rows[0] | "\(.key) \(.delta.faults)"')"
check_eq "diff by sym: every other row 0" "" "$(j '[.rows[1:][] | select(.delta.faults != 0) | "\(.key) \(.delta.faults)"] | join(", ")')"
check_eq "diff: the summary's change" 1024 "$(j .delta.faults)"
if [ "$(j .delta.faults)" != 1024 ]; then
	# (seen once in CI, not reproduced in 40 runs: what each side held, to find out why)
	for f in a.dat b.dat; do
		echo "ci: $f: $("$PFTRACE" report --by sym --json "$f" | jq -c '[.summary.faults, ([.groups[].faults] | add), .summary.kernel_mode, .summary.lost_events, .summary.by_kind]')" >&2
	done
	"$PFTRACE" diff --by sym a.dat b.dat >&2 || true
fi
delta=1024
run_status "$PFTRACE" diff --by sym --fail-if 'faults > 10%' a.dat b.dat
check_eq "diff --fail-if 'faults > 10%': holds, exit 3" 3 "$status"
check_match "diff --fail-if: says what held" "fail-if 'faults > 10%': faults = \\+$delta \\(\\+[0-9.]+%\\)" "$err"
run_status "$PFTRACE" diff --by sym --fail-if 'faults > 50%' a.dat b.dat
check_eq "diff --fail-if 'faults > 50%': does not, exit 0" 0 "$status"
run_status "$PFTRACE" diff --by sym --fail-if 'sym:leaf.faults >= 1024' --fail-if 'sym:other.faults != 0' a.dat b.dat
check_eq "diff: a row's change, by function" 3 "$status"
check_eq "diff: only the gate that held is said" 1 "$(grep -c 'fail-if' <<<"$err")"
run_status "$PFTRACE" diff --by file --fail-if 'sym:leaf.faults > 0' a.dat b.dat
check_eq "diff: a gate on rows the diff does not have fails" 1 "$status"
run_status "$PFTRACE" diff --by sym --min-delta 10 --json a.dat b.dat
check_eq "--min-delta: leaf kept, the small changes are one last row" "leaf (symwork) (the rest) true true" \
	"$(j '"\(.rows[0].key) \(.rows[-1].key) \([.rows[:-1][] | .delta.faults | fabs >= 10] | all) \(([.rows[].delta.faults] | add) == .delta.faults)"')"
run_status "$PFTRACE" diff --by page a.dat b.dat
check_eq "diff --by page: not comparable across runs" 1 "$status"

# --- a saved --json report is a baseline
"$PFTRACE" report --by sym --json a.dat >a.json
"$PFTRACE" diff --by sym --json a.dat b.dat | jq -c .rows >rows.dat
"$PFTRACE" diff --by sym --json a.json b.dat | jq -c .rows >rows.json
check_eq "a --json baseline as OLD: the same rows" "" "$(diff rows.dat rows.json)"
"$PFTRACE" report --json a.dat >a-vma.json
run_status "$PFTRACE" diff --by sym a-vma.json b.dat
check_match "a baseline reported by another key: said" "OLD was reported by vma" "$err"
"$PFTRACE" report --by sym --json --top 5 a.dat >a-top.json
run_status "$PFTRACE" diff --by sym a-top.json b.dat
check_match "a baseline cut by --top: said" "only its top rows" "$err"

# --- markdown for a CI summary page
run_status "$PFTRACE" diff --by sym --format markdown a.dat b.dat
check_match "diff --format markdown: a table row" "\\| leaf \\(symwork\\) \\| 3000 \\| 4024 \\| \\+1024 \\|" "$out"
run_status "$PFTRACE" report --by sym --format markdown a.dat
check_match "report --format markdown: the rows' header" "\\| sym \\| faults \\| read \\|" "$out"
check_match "report --format markdown: leaf's row" "\\| leaf \\(symwork\\) \\| 3000 \\|" "$out"

# --- report and record gates on a run with 256 major faults
"$PFTRACE" record -q -o m.dat -- "$WL" major 256 "$TMP/shared.data"
run_status "$PFTRACE" report --json --by file m.dat
check_eq "the data file has 256 major faults" 256 "$(j '.groups[] | select(.key | endswith("/shared.data")) | .major')"
# The data file's 256 are certain; the run's total may hold one more: the kernel counts a fault
# it had to retry (a page locked by someone else, such as this VM's DAMON) as major.
major=$(j .summary.major)
check_eq "the run has those 256 major faults, at least" true "$([ "$major" -ge 256 ] && echo true)"
check_eq "the run has at least those" true "$([ "$major" -ge 256 ] && echo true)"
run_status "$PFTRACE" report --fail-if 'major > 100' m.dat
check_eq "report --fail-if 'major > 100': exit 3" 3 "$status"
check_match "report --fail-if: says the value" "fail-if 'major > 100': major = $major\$" "$err"
run_status "$PFTRACE" report --fail-if 'major > 1000' m.dat
check_eq "report --fail-if 'major > 1000': exit 0" 0 "$status"
run_status "$PFTRACE" report --fail-if 'file:shared.data.major >= 256' --by kind m.dat
check_eq "report: a row of a table that is not --by's" 3 "$status"
run_status "$PFTRACE" report --fail-if 'sym:no_such_function.faults > 0' m.dat
check_eq "report: no row matched: 0, and said" "0 1" "$status $(grep -c 'no sym row' <<<"$err")"
for bad in 'major >> 1' 'major > 1O' 'majr > 1' 'file:x.size > 1' 'tbl:x.faults > 1' 'major 100'; do
	run_status "$PFTRACE" report --fail-if "$bad" m.dat
	check_eq "malformed '$bad': usage" 2 "$status"
done
run_status "$PFTRACE" record -q --fail-if 'major > 100' -- "$WL" major 256 "$TMP/shared.data"
check_eq "record --fail-if: exit 3 (the command succeeded)" 3 "$status"
run_status "$PFTRACE" record -q --fail-if 'major > 100' -- sh -c "$WL major 256 $TMP/shared.data; exit 5"
check_eq "record --fail-if: a failed command keeps its status" 5 "$status"

# --- the diff of two text traces: other pids, ASLR; the rows match
for run in 1 2; do
	"$ROOT/scripts/capture-text.sh" "t$run.txt" -- ./symwork 500 300 20 f "m$run.txt"
	pid[$run]=$(grep -m1 -o 'symwork-[0-9]*' "t$run.txt" | cut -d- -f2)
done
check_eq "text runs: other pids" true "$([ "${pid[1]}" != "${pid[2]}" ] && echo true)"
check_eq "text runs: other addresses (ASLR)" true \
	"$([ "$(grep symwork m1.txt | head -1 | cut -d- -f1)" != "$(grep symwork m2.txt | head -1 | cut -d- -f1)" ] && echo true)"
run_status "$PFTRACE" diff --by sym --json -m "${pid[1]}=m1.txt" -m "${pid[2]}=m2.txt" t1.txt t2.txt
check_eq "text diff: symwork's functions matched on both sides, the deterministic ones unchanged" \
	'[["leaf (symwork)",800,800],["other (symwork)",20,20]] true' \
	"$(jq -c '[.rows[] | select(.key | test("^(leaf|other) ")) | [.key, .old.faults, .new.faults]] | sort' <<<"$out") $(jq '[.rows[] | select(.key == "touch_stack (symwork)") | .old != null and .new != null] == [true]' <<<"$out")"
# (touch_stack's stack array starts at another offset in its page in each run: 62 or 63 pages)
run_status "$PFTRACE" diff --by file --json -m "${pid[1]}=m1.txt" -m "${pid[2]}=m2.txt" t1.txt t2.txt
check_eq "text diff by file: the program's file matches" 0 \
	"$(j '[.rows[] | select(.key | endswith("/symwork")) | .delta.faults] | add')"

# --- the heatmap: a self-contained SVG whose cells are the faults
run_status "$PFTRACE" record -q --heatmap h.svg --json -- "$WL" pattern "$TMP/pm.txt" "$TMP/p.data"
check_eq "heatmap: checked" OK "$($PY - h.svg "$(j .summary.faults)" <<'EOF'
import sys, re, xml.etree.ElementTree as ET
path, faults = sys.argv[1], int(sys.argv[2])
raw = open(path).read()
root = ET.fromstring(raw)
ns = {'s': 'http://www.w3.org/2000/svg'}
def fail(m):
    print(m); sys.exit(0)
if re.search(r'(href|src)\s*=|@import|url\(', raw) or 'http' in raw.replace('http://www.w3.org/2000/svg', ''):
    fail('external reference')
if int(root.get('data-faults')) != faults: fail('data-faults %s != %d' % (root.get('data-faults'), faults))
cells = [r for r in root.iter('{http://www.w3.org/2000/svg}rect') if r.get('data-k')]
total = sum(int(re.search(r': (\d+) faults?', r.find('s:title', ns).text).group(1)) for r in cells)
if total != int(root.get('data-shown')): fail('cells %d != shown %s' % (total, root.get('data-shown')))
texts = [t.text or '' for t in root.iter('{http://www.w3.org/2000/svg}text')]
if not any(t.endswith('p.data') for t in texts): fail('the data file has no band')
if sum(1 for t in texts if re.fullmatch(r'[\d.]+ s', t)) != 7: fail('not 7 time ticks')
# the 1024-page sweep: its band's cells rise with time (a sequential access is a diagonal)
print('OK')
EOF
)"

# --- the JSON Schemas, against real output
if $PY -c 'import jsonschema' 2>/dev/null; then
	for by in vma file page ip tid kind pid sym; do "$PFTRACE" report --json --by "$by" a.dat >"r-$by.json"; done
	"$PFTRACE" report --json -m "${pid[1]}=m1.txt" t1.txt >r-text.json
	"$PFTRACE" record -q --stacks --jsonl -k -- "$WL" kernel 16 >f.jsonl
	"$PFTRACE" report --jsonl -m "${pid[1]}=m1.txt" t1.txt >>f.jsonl
	"$PFTRACE" diff --json --by sym a.dat b.dat >d1.json
	"$PFTRACE" diff --json a.json b.dat >d2.json 2>/dev/null || "$PFTRACE" diff --json --by sym a.json b.dat >d2.json
	for pair in "report:r-*.json" "fault:f.jsonl" "diff:d1.json d2.json"; do
		schema=${pair%%:*}
		check_eq "schema $schema: real output is valid" "errors: 0" \
			"$($PY "$ROOT/tests/schema-check.py" "$ROOT/man/pftrace-$schema.schema.json" ${pair#*:} | tail -1)"
	done
	jq 'del(.summary.major)' a.json >broken.json
	check_match "schema: a document without a key is not valid" "'major' is a required property" \
		"$($PY "$ROOT/tests/schema-check.py" "$ROOT/man/pftrace-report.schema.json" broken.json)"
else
	bad "python3-jsonschema is not installed (scripts/install-deps.sh)"
fi

# --- JSON Lines of two hosts into ClickHouse: top files by major faults across hosts
if command -v clickhouse-server >/dev/null; then
	"$PFTRACE" record -q --jsonl -- "$WL" major 256 "$TMP/shared.data" >web1.jsonl
	"$PFTRACE" record -q --jsonl -- "$WL" major 128 "$TMP/shared.data" >web2.jsonl
	run_status "$ROOT/scripts/clickhouse-fleet.sh" web1.jsonl web2.jsonl
	check_eq "ClickHouse: the top file, its major faults, on both hosts" "$TMP/shared.data 384 2" \
		"$(awk -F'\t' 'NR == 2 {print $1, $2, $4}' <<<"$out")"
else
	bad "clickhouse-server is not installed (scripts/install-deps.sh)"
fi
finish
