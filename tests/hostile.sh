#!/bin/bash
# Names chosen by traced processes and other machines, into every output: comms (a script, an
# SVG tag, terminal escapes, CR/LF, pipes, markdown images, a UTF-8 name the kernel cut
# mid-character, bytes that are not UTF-8, a bidirectional override), mapped paths and kernel
# frame names of the same kinds. Each SVG parses as XML with the elements of a run with plain
# names and no attribute the names asked for; the table shows no control byte and keeps its
# rows; markdown keeps its cells and renders no HTML, link or image; folded lines stay lines.
# Offline from text traces (tests/hostile.py makes them), and live with a process that names
# itself and maps a file by such names.
set -euo pipefail
SUITE=hostile
. "$(dirname "$0")/lib.sh"
H="python3 $ROOT/tests/hostile.py"

mkdir -p "$TMP/h" "$TMP/b"
$H make "$TMP/h"
$H make "$TMP/b" benign
# report DIR ARGS...: the trace of DIR with its maps
report() {
	local d=$1 m=() f
	shift
	for f in "$d"/maps.*; do m+=(-m "${f##*.}=$f"); done
	"$PFTRACE" report "${m[@]}" "$@" "$d/t.txt"
}
# check WHAT KIND FILE [ARGS]: tests/hostile.py finds nothing wrong
check() {
	local why
	if why=$($H "$2" "$3" "${@:4}" 2>&1); then ok; else bad "$1: $why"; fi
}

# --- SVG: the heatmap (comms and paths) and the flame graph (comms, kernel frames)
for d in h b; do
	report "$TMP/$d" --heatmap "$TMP/$d.heat.svg" --flamegraph "$TMP/$d.flame.svg" >/dev/null 2>&1
done
check "heatmap: XML, no element or attribute of the names" svg "$TMP/h.heat.svg" "$TMP/b.heat.svg"
check "flame graph: XML, no element or attribute of the names" svg "$TMP/h.flame.svg" "$TMP/b.flame.svg"
check_eq "heatmap: the script comm is text" true \
	"$(grep -q '&lt;script&gt;x&lt;/scri' "$TMP/h.heat.svg" && echo true)"
check_eq "flame graph: the kernel frame's script is text" true \
	"$(grep -q '<title>&lt;script&gt;' "$TMP/h.flame.svg" && echo true)"

# --- the table: every --by that shows a name
for by in vma file pid tid comm sym page; do
	report "$TMP/h" --by "$by" -n 0 >"$TMP/t.$by" 2>/dev/null
	rows=$(report "$TMP/h" --by "$by" --json -n 0 2>/dev/null | jq '.groups | length')
	check "table --by $by: no control bytes, every row whole" table "$TMP/t.$by" "$rows"
done
check_eq "table: an escape sequence is shown, not sent" true \
	"$(grep -qF '\x1b]0;pwn\x07' "$TMP/t.vma" && echo true)"

# --- markdown: the report's and a diff's
for by in vma file pid comm sym; do
	report "$TMP/h" --by "$by" --format markdown >"$TMP/md.$by" 2>/dev/null
	check "markdown --by $by: cells whole, no HTML, link or image" markdown "$TMP/md.$by"
done
# a baseline from another machine with hostile keys, against this run: text and markdown
report "$TMP/b" --by file --json >"$TMP/base.json" 2>/dev/null
jq '(.groups[] | select(.file != null and (.file | startswith("/tmp/file")))) |= (.file = "/tmp/a\nb|c ![i](http://e/i.png) <img src=x> \u001b[2J" | .key = .file)' \
	"$TMP/base.json" >"$TMP/evil-base.json"
report "$TMP/h" --by file --json >"$TMP/h.json" 2>/dev/null
"$PFTRACE" diff --by file --format markdown "$TMP/evil-base.json" "$TMP/h.json" >"$TMP/diff.md" 2>"$TMP/diff.err" || true
check "diff markdown: cells whole, no HTML, link or image" markdown "$TMP/diff.md"
check_eq "diff markdown: the rows are there" true "$(grep -c '^| ' "$TMP/diff.md" | awk '{print ($1 > 8) ? "true" : "false"}')"
"$PFTRACE" diff --by file "$TMP/evil-base.json" "$TMP/h.json" >"$TMP/diff.txt" 2>&1 || true
check "diff text: no control bytes" text "$TMP/diff.txt"
check_eq "diff text: a row per key" "$(jq '.rows | length' <<<"$("$PFTRACE" diff --by file --json "$TMP/evil-base.json" "$TMP/h.json" 2>/dev/null)")" \
	"$(($(wc -l <"$TMP/diff.txt") - $(grep -n 'KEY$' "$TMP/diff.txt" | cut -d: -f1)))"

# --- folded stacks, JSON Lines
report "$TMP/h" --folded >"$TMP/h.folded" 2>/dev/null
check "folded: lines of frames and a count, no control bytes" folded "$TMP/h.folded"
check_eq "folded: as many lines as with plain names" "$(report "$TMP/b" --folded 2>/dev/null | wc -l)" "$(wc -l <"$TMP/h.folded")"
report "$TMP/h" --jsonl >"$TMP/h.jsonl" 2>/dev/null
check_eq "jsonl: every line a JSON object" "$(wc -l <"$TMP/h.jsonl")" "$(jq -c . "$TMP/h.jsonl" | wc -l)"

# --- the heatmap of a trace spanning 120 years (a time bin past the end) and timestamps past
# 2^63 ns (negative in JSON, an overflow in the table): SANITIZE=1 runs this too
F=$FIX/hostile
run_status "$PFTRACE" report -m "$F/span.maps" --heatmap "$TMP/span.svg" "$F/span.txt"
check_eq "a 120-year span: heatmap written" "0 true" "$status $(python3 -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1]); print("true")' "$TMP/span.svg")"
run_status "$PFTRACE" report --json -m "$F/span.maps" "$F/ts63.txt"
check_eq "a timestamp past 2^63 ns: a malformed line, not a negative time" "1 1 1000000000" \
	"$(j '"\(.summary.skipped_lines) \(.summary.faults) \(.summary.last_ts)"')"

# --- live: a process names itself and maps a file by hostile names
require_live
cat >"$TMP/evil.py" <<'EOF'
import ctypes, mmap, os, sys
libc = ctypes.CDLL(None)
libc.prctl(15, ctypes.c_char_p(b"<script>\x1b[2J|"), 0, 0, 0)  # PR_SET_NAME
path = sys.argv[1] + "/x\n<img src=x onerror=alert(1)>|![i](http:e.png)\x1b]0;t\x07"
with open(path, "wb") as f:
    f.write(b"x" * 65536)
with open(path, "rb") as f:
    m = mmap.mmap(f.fileno(), 65536, prot=mmap.PROT_READ)
    sum(m[i] for i in range(0, 65536, 4096))
os.unlink(path)
EOF
run_status "$PFTRACE" record -q --heatmap "$TMP/live.svg" -n 0 -- python3 "$TMP/evil.py" "$TMP"
check_eq "live: exit status" 0 "$status"
check_eq "live: the comm and the path, escaped in the table" true "$(grep -qF '<script>\x1b[2J ' <<<"$out" && grep -qF '/x\x0a<img src=x' <<<"$out" && echo true)"
echo "$out" >"$TMP/live.table"
check "live table: no control bytes" table "$TMP/live.table" "$(grep -cE '^[0-9a-f]+-[0-9a-f]+ ' <<<"$out")"
# svg_clean FILE: XML, and the names made no element (the viewer's one script aside) nor attribute
svg_clean() {
	python3 - "$1" <<'EOF'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
tags = [e.tag.split('}')[1] for e in root.iter()]
assert tags.count('script') == 1 and 'img' not in tags, tags
assert not [a for e in root.iter() for a in e.attrib if a.startswith('on')]
EOF
}
svg_clean "$TMP/live.svg" && ok || bad "live heatmap: not XML, or the names made elements"
run_status "$PFTRACE" record -q --format markdown -- python3 "$TMP/evil.py" "$TMP"
echo "$out" >"$TMP/live.md"
check "live markdown: cells whole, no HTML, link or image" markdown "$TMP/live.md"
# exited processes folded (--keep-exited 0: the command, once it has ended): its rows keep the
# hostile comm and path, escaped in the table, markdown and the heatmap's band
run_status "$PFTRACE" record -q --keep-exited 0 --heatmap "$TMP/fold.svg" -n 0 -- python3 "$TMP/evil.py" "$TMP"
echo "$out" >"$TMP/fold.table"
check_eq "live, folded: the comm and the path, escaped in a folded row" true \
	"$(grep -E '^\(exited, folded\) ' "$TMP/fold.table" | grep -F '<script>\x1b[2J ' >/dev/null &&
		grep -qF '/x\x0a<img src=x' "$TMP/fold.table" && echo true)"
check "live table, folded: no control bytes" table "$TMP/fold.table" \
	"$(grep -cE '^([0-9a-f]+-[0-9a-f]+|\(exited, folded\)) ' "$TMP/fold.table")"
svg_clean "$TMP/fold.svg" && ok || bad "live heatmap, folded: not XML, or the names made elements"
check_eq "live heatmap, folded: a band of the exited process" true "$(grep -q ', 1 exited, ' "$TMP/fold.svg" && echo true)"
run_status "$PFTRACE" record -q --keep-exited 0 --format markdown -- python3 "$TMP/evil.py" "$TMP"
echo "$out" >"$TMP/fold.md"
check "live markdown, folded: cells whole, no HTML, link or image" markdown "$TMP/fold.md"
check_eq "live markdown, folded: a row of an exited process" true "$(grep -qF ', 1 exited)' "$TMP/fold.md" && echo true)"

# top's screen (a terminal: script) and JSON lines: the only escape sequence is top's own
# clearing of the screen; top_screen FILE SHOWN... checks that, and that each SHOWN (as pftrace
# escapes it) is on the screen
top_screen() {
	python3 - "$@" <<'EOF'
import sys
t = open(sys.argv[1], "rb").read().replace(b"\x1b[H\x1b[2J", b"")
i = t.find(b"\x1b")
assert i < 0 and b"\x07" not in t, t[max(0, i - 40):i + 40]
for shown in sys.argv[2:]:
    assert shown.encode() in t, shown + " is not shown"
EOF
}
# by area: the comm and the path escaped
script -qfec "'$PFTRACE' top -q -d 3 -i 0.5 -n 100000 -b vma --jsonl-file '$TMP/top.jsonl' -- python3 '$TMP/evil.py' '$TMP'" /dev/null >"$TMP/top.screen" 2>&1 || true
top_screen "$TMP/top.screen" '<script>\x1b[2J' '/x\x0a<img src=x' && ok ||
	bad "top's screen: a hostile name sent as bytes, or not shown"
check_eq "top's JSON lines: every line JSON, the hostile path a row's key" true \
	"$(TMPDIR=$TMP jq -s '[.[].rows[].key] | any(startswith(env.TMPDIR + "/x\n<img"))' "$TMP/top.jsonl" 2>/dev/null)"
# by function: a name the traced process chose (its JIT map's)
# (the name goes by the environment: script runs its command with $SHELL, which may be dash)
JITNAME=$'ev\x1b]0;pwn\x07il<img src=x>|x' \
	script -qfec "'$PFTRACE' top -q -d 3 -i 0.5 -n 100000 -b sym --jsonl-file '$TMP/topsym.jsonl' -- '$ROOT/tests/workload' jit 3000 \"\$JITNAME\"" /dev/null >"$TMP/topsym.screen" 2>&1 || true
top_screen "$TMP/topsym.screen" 'ev\x1b]0;pwn\x07il<img src=x>|x ([jit])' && ok ||
	bad "top --by sym's screen: a hostile function name sent as bytes, or not shown"
check_eq "top --by sym's JSON lines: the hostile function a row's key" true \
	"$(jq -s '[.[].rows[].key] | any(. == "ev\u001b]0;pwn\u0007il<img src=x>|x ([jit])")' "$TMP/topsym.jsonl" 2>/dev/null)"
# a cgroup's name (whoever made the cgroup chose it), in the --by cgroup table and markdown:
# pftrace runs in it, so its command is in it from the start
for h in /sys/fs/cgroup/unified /sys/fs/cgroup; do
	[ -f "$h/cgroup.procs" ] && [ "$(stat -f -c %T "$h")" = cgroup2fs ] && break
done
cg="$h/"$'evil\x1b]0;t\x07<img src=x>|![i](http:e.png)'
mkdir "$cg"
(echo $BASHPID >"$cg/cgroup.procs" && exec "$PFTRACE" record -q --by cgroup -n 0 -- "$ROOT/tests/workload" touch 10) >"$TMP/cg.table" 2>/dev/null
(echo $BASHPID >"$cg/cgroup.procs" && exec "$PFTRACE" record -q --by cgroup --format markdown -- "$ROOT/tests/workload" touch 10) >"$TMP/cg.md" 2>/dev/null
# (pftrace's remover of its instance may still be there a moment)
for i in $(seq 1000); do [ -z "$(cat "$cg/cgroup.procs")" ] && break; sleep 0.01; done
rmdir "$cg"
check_eq "live --by cgroup: the cgroup's name, escaped" true \
	"$(grep -qF '/evil\x1b]0;t\x07<img src=x>|![i](http:e.png)' "$TMP/cg.table" && echo true)"
check "live --by cgroup table: no control bytes" table "$TMP/cg.table" 1
check "live --by cgroup markdown: cells whole, no HTML, link or image" markdown "$TMP/cg.md"
finish
