#!/bin/bash
# Which code faults, live and offline: symbols, call stacks, folded stacks and flame graphs of a
# program with known functions and call chains (tests/symwork.c):
#   main -> stage_a -> leaf   N pages written
#   main -> stage_b -> leaf   M pages written
#   main -> stage_b -> other  K file pages read
# and the same from the trace.dat read elsewhere with the binary moved (--symfs), after it was
# rebuilt differently (a build-ID mismatch: counted, never a wrong name), from saved text traces
# and trace-cmd files with ftrace's stacks, and a kernel fault named from kallsyms.
# Needs root and tracefs (scripts/install-deps.sh: cc, trace-cmd, python3).
set -euo pipefail
SUITE=stacks
. "$(dirname "$0")/lib.sh"

require_live
N=300 M=200 K=40
SW=$ROOT/tests/symwork
[ -x "$SW" ] || { bad "tests/symwork is not built (make)"; finish; exit 0; }

# fold FILE REGEX: the faults of the folded stacks whose frames match REGEX
fold() {
	awk -v re="$2" '{ n = $NF; s = $0; sub(/ [0-9]+$/, "", s); if (s ~ re) t += n } END { print t + 0 }' "$1"
}
# the three chains, in a folded file: "N M K"
chains() {
	local k=${2:-}
	echo "$(fold "$1" ";main;stage_a;leaf$k\$") $(fold "$1" ";main;stage_b;leaf$k\$") $(fold "$1" ";main;stage_b;other$k\$")"
}

mkdir -p "$TMP/bin" "$TMP/moved" "$TMP/elsewhere"
cp "$SW" "$TMP/bin/symwork"
cd "$TMP"

# --- symbols, live: --by sym counts each function exactly
run_status "$PFTRACE" record -q --by sym --json -- "$TMP/bin/symwork" $N $M $K "$TMP/f"
check_eq "by sym: exit status" 0 "$status"
sym_faults() { jq -r --arg f "$1" '[.groups[] | select(.function == $f and (.file // "" | endswith("/symwork")))] | map(.faults) | add // 0' <<<"$out"; }
check_eq "by sym: leaf takes N+M" $((N + M)) "$(sym_faults leaf)"
check_eq "by sym: other takes K" $K "$(sym_faults other)"
check_eq "by sym: the key names the function and its file" "leaf (symwork)" \
	"$(j '.groups[] | select(.function == "leaf") | .key')"
check_eq "by sym: the row's source file" true \
	"$(j '[.groups[] | select(.function == "leaf") | .source | test("tests/symwork.c$")] | all')"
check_eq "by sym: every file found" "0 0" "$(j '"\(.summary.symbols.missing) \(.summary.symbols.mismatched)"')"

# --- --by ip: rows carry the pid, ip_symbol and the source line
run_status "$PFTRACE" record -q --by ip --json -- "$TMP/bin/symwork" $N $M $K "$TMP/f"
check_eq "by ip: leaf's row: pid, leaf+0x.., its line" true \
	"$(j '[.groups[] | select(.ip_symbol // "" | startswith("leaf+0x"))] | length == 1 and
	      (.[0].pid > 0) and (.[0].symbol.source | test("symwork.c:[0-9]+$")) and .[0].faults == '$((N + M)))"

# --- stacks, live: the chains exactly, by frame pointers
run_status "$PFTRACE" record -q --stacks --folded -- "$TMP/bin/symwork" $N $M $K "$TMP/f"
echo "$out" >"$TMP/live.folded"
check_eq "folded: main;stage_a;leaf N, main;stage_b;leaf M, main;stage_b;other K" "$N $M $K" \
	"$(chains "$TMP/live.folded")"
check_eq "folded: the comm is the root frame" 0 "$(grep -vc '^symwork;' "$TMP/live.folded" || true)"
check_eq "folded: the format flamegraph.pl reads (frames ; count)" 0 \
	"$(grep -Evc '^[^ ].* [0-9]+$' "$TMP/live.folded" || true)"
run_status "$PFTRACE" record -q --stacks --jsonl -- "$TMP/bin/symwork" $N $M $K "$TMP/f"
check_eq "jsonl: a leaf fault's stack, innermost first, whole" '["leaf","stage_a","main"] false' \
	"$(jq -c 'select(.symbol.function == "leaf")' <<<"$out" | head -1 |
		jq -r '"\([.stack[0:3][].function] | tojson) \(.stack_truncated)"')"
check_eq "jsonl: every fault has its stack" 0 "$(jq -c 'select(.stack == null)' <<<"$out" | wc -l)"
run_status "$PFTRACE" record -q --stacks --no-major -- true
check_eq "--stacks with --no-major: usage" 2 "$status"

# --- the trace.dat, read in another directory, the binary moved: --symfs
"$PFTRACE" record -q --stacks -o "$TMP/s.dat" -- "$TMP/bin/symwork" $N $M $K "$TMP/f"
cd "$TMP/elsewhere"
"$PFTRACE" report --folded ../s.dat >"$TMP/dat.folded"
check_eq "trace.dat: the same chains" "$N $M $K" "$(chains "$TMP/dat.folded")"
mv "$TMP/bin/symwork" "$TMP/moved/symwork"
run_status "$PFTRACE" report --folded ../s.dat
echo "$out" >"$TMP/missing.folded"
check_eq "binary moved: no name for its code" 0 "$(grep -Ec ';(leaf|stage_a|stage_b|other)( |;)' "$TMP/missing.folded" || true)"
check_eq "binary moved: its frames are its file" true "$(grep -q '\[symwork\]' "$TMP/missing.folded" && echo true)"
check_match "binary moved: said" "symbols: 1 file missing, 0 build-id mismatches" "$err"
"$PFTRACE" report --symfs "$TMP/moved" --folded ../s.dat >"$TMP/symfs.folded"
check_eq "--symfs: the same chains" "$N $M $K" "$(chains "$TMP/symfs.folded")"
run_status "$PFTRACE" report --symfs "$TMP/moved" --by sym --json ../s.dat
check_eq "--symfs: by sym" "$((N + M)) $K" "$(sym_faults leaf) $(sym_faults other)"

# --- debuginfod (DEBUGINFOD_URLS): a local server has the binary, nothing else does
if command -v debuginfod >/dev/null; then
	mkdir -p "$TMP/dbgd/srv"
	mv "$TMP/moved/symwork" "$TMP/dbgd/srv/symwork.bin"
	id=$(eu-readelf -n "$TMP/dbgd/srv/symwork.bin" | awk '/Build ID/ {print $3}')
	# debuginfod takes no port 0: a port is tried until one serves the binary. A server that
	# dies (the port was taken) is seen at once and the next port tried; one that lives is
	# asked until it has indexed (30 s at most), never a fixed wait.
	dpid= port=
	for try in 1 2 3 4 5 6 7 8; do
		p=$((10000 + ($$ * 7 + try * 1009) % 20000)) # below the ephemeral ports
		debuginfod -p $p -d "$TMP/dbgd/db$try.sqlite" -F "$TMP/dbgd/srv" >"$TMP/dbgd/log" 2>&1 &
		d=$!
		if /usr/bin/python3 -c '
import os, sys, time, urllib.request
port, bid, pid = sys.argv[1], sys.argv[2], int(sys.argv[3])
for _ in range(300):
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/buildid/{bid}/executable", timeout=5)
        sys.exit(0)
    except Exception:
        try:
            state = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0]
        except OSError:
            state = "gone"
        if state in ("Z", "gone"):
            sys.exit(2)  # it died: the port was taken
        time.sleep(0.1)
sys.exit(1)' $p "$id" $d; then
			dpid=$d port=$p
			break
		fi
		kill $d 2>/dev/null || true
		wait $d 2>/dev/null || true
	done
	[ -n "$dpid" ] || { bad "debuginfod: no server answered in 8 ports: $(tail -1 "$TMP/dbgd/log")"; finish; exit 0; }
	DEBUGINFOD_URLS=http://127.0.0.1:$port DEBUGINFOD_CACHE_PATH=$TMP/dbgd/cache \
		"$PFTRACE" report --folded ../s.dat >"$TMP/dbgd.folded"
	check_eq "debuginfod: the same chains" "$N $M $K" "$(chains "$TMP/dbgd.folded")"
	kill $dpid
	wait $dpid 2>/dev/null || true
	mv "$TMP/dbgd/srv/symwork.bin" "$TMP/moved/symwork"
else
	bad "debuginfod is not installed (scripts/install-deps.sh)"
fi

# --- rebuilt differently at the recorded path: another build ID, never a wrong name
cc -O0 -g -fno-omit-frame-pointer -DVARIANT -o "$TMP/bin/symwork" "$ROOT/tests/symwork.c"
run_status "$PFTRACE" report --by sym --json ../s.dat
check_eq "rebuilt: counted as a mismatch" "0 1" "$(j '"\(.summary.symbols.missing) \(.summary.symbols.mismatched)"')"
check_eq "rebuilt: none of its functions named" 0 \
	"$(j '[.groups[] | select((.file // "" | endswith("/symwork")) and .function != null)] | length')"
check_eq "rebuilt: its faults grouped under its file" true \
	"$(j '[.groups[] | select(.key | test("^\\[/.*/symwork\\]$"))] | length == 1')"
run_status "$PFTRACE" report --by sym ../s.dat
check_match "rebuilt: the table says so" "symbols: 0 files missing, 1 build-id mismatch" "$out"
cd "$TMP"
mv "$TMP/moved/symwork" "$TMP/bin/symwork"

# --- DWARF: the same chains, and the caller a frameless function hides from frame pointers
run_status "$PFTRACE" record -q --stacks=dwarf --folded -- "$TMP/bin/symwork" $N $M $K "$TMP/f"
echo "$out" >"$TMP/dwarf.folded"
check_eq "dwarf: the same chains" "$N $M $K" "$(chains "$TMP/dwarf.folded")"
check_eq "dwarf: whole stacks, from _start" true \
	"$(grep -q '^symwork;_start;__libc_start_main;__libc_start_call_main;main;stage_a;leaf ' "$TMP/dwarf.folded" && echo true)"
check_eq "dwarf: memset's caller (a function with no frame pointer hides it)" "true 0" \
	"$([ "$(fold "$TMP/dwarf.folded" ';main;file_map;__memset[a-z0-9_]*$')" -gt 0 ] && echo true) $(fold "$TMP/live.folded" ';file_map;')"
"$PFTRACE" record -q --stacks=dwarf -o "$TMP/d.dat" -- "$TMP/bin/symwork" $N $M $K "$TMP/f"
"$PFTRACE" report --folded "$TMP/d.dat" >"$TMP/dwarf-dat.folded"
check_eq "dwarf: from its trace.dat" "$N $M $K" "$(chains "$TMP/dwarf-dat.folded")"

# --- dwarf stacks in perf's smallest ring (--perf-buffer-kb 8: 128 KiB, 15 samples), made
# certain to overflow: pftrace is stopped (once attached) while its -p target faults 5000 pages.
# The lost completions are never taken as a verdict, and a loss perf counted is said with what
# to change (below 128 KiB a sample larger than the ring was lost without any count)
py=$(python3 -c 'import sys; print(sys.executable)') # not a launcher's shim: one process
"$py" -c '
import mmap, os, sys, time
while not os.path.exists(sys.argv[1]):
    time.sleep(0.01)
m = mmap.mmap(-1, 5000 * 4096, mmap.MAP_PRIVATE)
for i in range(5000):
    m[i * 4096] = 1
open(sys.argv[2], "w").close()
' "$TMP/ring.go" "$TMP/ring.done" &
tgt=$!
"$PFTRACE" record -q --json --stacks=dwarf --perf-buffer-kb 8 -p $tgt >"$TMP/ring.json" 2>"$TMP/ring.err" &
rec=$!
armed $rec
# pftrace holds its target (stopped) from before arming until its maps are read: past that, and
# not before, the target runs again
until [ "$(awk '/^State:/ {print $2}' /proc/$tgt/status)" != t ]; do sleep 0.01; done
kill -STOP $rec
touch "$TMP/ring.go"
until [ -e "$TMP/ring.done" ]; do sleep 0.01; done
kill -CONT $rec
wait $rec
wait $tgt
check_eq "small perf ring: 4000 faults or more without a verdict, none invented" true \
	"$(jq '.summary.major_unknown >= 4000 and .summary.faults >= 5000 and .summary.major + .summary.minor + .summary.major_unknown == .summary.faults' "$TMP/ring.json")"
# (perf tells a loss in a LOST record when the ring next has room: pftrace held still until the
# end, its ring never had; the events' own count says it all the same)
check_eq "small perf ring: every completion without a verdict counted lost" true \
	"$(jq '.summary.lost_completions >= .summary.major_unknown' "$TMP/ring.json")"
check_eq "small perf ring: the loss said, naming the option" 1 \
	"$(grep -c 'fault completions were lost: those faults have no major/minor verdict (nor stack); try a larger --perf-buffer-kb' "$TMP/ring.err")"

# --- JIT code: a function made at run time in anonymous memory, named in /tmp/perf-PID.map as
# runtimes name theirs (its first entry, the page's start, is not it): each of its 300 faults is
# named, live and from the trace.dat, which keeps the map
run_status "$PFTRACE" record -q --json --by sym -o "$TMP/jit.dat" -- "$ROOT/tests/workload" jit 300
rm -f "/tmp/perf-$(j '.processes[0].pid').map"
check_eq "jit: its faults named from the JIT's map" '"jit_touch_page ([jit])" 300' \
	"$(j '.groups[0] | "\(.key | tojson) \(.faults)"')"
run_status "$PFTRACE" report --json --by sym "$TMP/jit.dat"
check_eq "jit: the same from the trace.dat, the map gone" '"jit_touch_page ([jit])" 300' \
	"$(j '.groups[0] | "\(.key | tojson) \(.faults)"')"

# --- JIT code of another user's process whose faults are read once it has ended (a child of the
# command: its owner noted at its fork, not asked of /proc then): still named from its map, which
# that user owns
chmod 755 "$TMP"
mkdir -m 755 "$TMP/pub"
install -m 755 "$ROOT/tests/workload" "$TMP/pub/workload"
run_status "$PFTRACE" record -q --json --by sym -- setpriv --reuid=nobody --regid=nogroup \
	--clear-groups sh -c "'$TMP/pub/workload' jit 300; exit 0"
jpid=$(j '[.processes[] | select(.comm == "workload") | .pid] | first')
check_eq "jit: another user's map, its process ended" 'nobody "jit_touch_page ([jit])" 300' \
	"$(stat -c %U "/tmp/perf-$jpid.map") $(j '.groups[] | select(.key | startswith("jit_")) | "\(.key | tojson) \(.faults)"')"
rm -f "/tmp/perf-$jpid.map"

# --- DWARF after a dlclose and a dlopen of another library at the same address: the walk of a
# fault in memset (libc, the same module) whose caller is in the new library meets the old one's
# module (-z noseparate-code: the loader's read of the new library's symbols maps its code by
# fault-around, so no fault in the library itself comes first). The unwinder read its freed
# context there (exit 139); each of the 64 faults is named whole, live and from the trace.dat.
DL=$FIX/dlswap
for x in a:first_lib b:second_lib; do
	cc -O1 -shared -fPIC -DNAME=${x#*:} -Wl,-z,noseparate-code -o "$TMP/lib${x%%:*}.so" "$DL/lib.c"
done
cc -O1 -o "$TMP/dlmain" "$DL/main.c" -ldl
dlwhole=';_start;__libc_start_main;__libc_start_call_main;main;run;second_lib;__memset[a-z0-9_]*$'
run_status "$PFTRACE" record -q --stacks=dwarf --folded -o "$TMP/dl.dat" -- "$TMP/dlmain" "$TMP/liba.so" "$TMP/libb.so"
check_eq "dwarf, a library replaced at its address: exit status" 0 "$status"
echo "$out" >"$TMP/dl-live.folded"
check_eq "dwarf, a library replaced at its address: 64 whole stacks through it" 64 "$(fold "$TMP/dl-live.folded" "$dlwhole")"
run_status "$PFTRACE" report --folded "$TMP/dl.dat"
check_eq "dwarf, a library replaced at its address, offline: exit status" 0 "$status"
echo "$out" >"$TMP/dl-dat.folded"
check_eq "dwarf, a library replaced at its address, offline: 64 whole stacks" 64 "$(fold "$TMP/dl-dat.folded" "$dlwhole")"

# --- a fault in kernel code (read() into fresh pages), named from kallsyms, live and offline
run_status "$PFTRACE" record -q -k --stacks=kernel --by sym --json -o "$TMP/k.dat" -- "$ROOT/tests/workload" kernel 64
kfun=$(j '[.groups[] | select(.file == "[kernel]" and .faults == 64)][0].function')
check_eq "kernel: one function took the 64 kernel-mode faults" true "$([ "$kfun" != null ] && echo true)"
check_eq "kernel: it is in kallsyms" true "$(grep -qE " [tTwW] $kfun\$" /proc/kallsyms && echo true)"
run_status "$PFTRACE" report -k --by sym --json "$TMP/k.dat"
check_eq "kernel: named the same from the trace.dat's own kallsyms" "$kfun 64" \
	"$(j '[.groups[] | select(.file == "[kernel]")][0] | "\(.function) \(.faults)"')"
"$PFTRACE" report -k --folded "$TMP/k.dat" >"$TMP/k.folded"
check_eq "kernel: its stacks end in it, a kernel frame" 64 "$(fold "$TMP/k.folded" ";${kfun}_\\[k\\]\$")"
check_eq "kernel: with the system call below it" 64 "$(fold "$TMP/k.folded" ";entry_SYSCALL_64[a-z_]*_\\[k\\];.*;${kfun}_\\[k\\]\$")"
check_eq "kernel: --stacks' own refused reads of user memory left out, and counted" true \
	"$(j '.summary.kernel_faults_atomic > 0 and ([.groups[] | select(.function // "" | startswith("__get_user"))] | length == 0)')"

# --- saved text traces and trace-cmd files with ftrace's stacks (8 user frames at most)
"$ROOT/scripts/capture-text.sh" -S -d "$TMP/tc.dat" "$TMP/trace.txt" -- "$TMP/bin/symwork" $N $M $K "$TMP/f" "$TMP/maps.txt"
"$PFTRACE" report -m "$TMP/maps.txt" --folded "$TMP/trace.txt" >"$TMP/text.folded"
kpath=';asm_exc_page_fault_\[k\];exc_page_fault_\[k\]'
check_eq "text: the same chains, over the kernel's fault entry" "$N $M $K" "$(chains "$TMP/text.folded" "$kpath")"
check_eq "text: the tracer's own frame is dropped" 0 "$(grep -c trace_event_raw_event "$TMP/text.folded" || true)"
"$PFTRACE" report -m "$TMP/maps.txt" --folded "$TMP/tc.dat" >"$TMP/tc.folded"
check_eq "trace-cmd's file: the same stacks as the text" "" "$(diff "$TMP/text.folded" "$TMP/tc.folded")"
run_status "$ROOT/tests/datoracle" "$TMP/tc.dat"
check_match "trace-cmd's file: every event and stack as libtracecmd reads them" "events, identical\$" "$out"
trace-cmd report "$TMP/tc.dat" >"$TMP/tc.txt" 2>/dev/null
"$PFTRACE" report -m "$TMP/maps.txt" --folded "$TMP/tc.txt" >"$TMP/tct.folded"
check_eq "trace-cmd report's text: the same chains" "$N $M $K" "$(chains "$TMP/tct.folded" "$kpath")"

# --- the flame graph: a self-contained SVG whose frames are the folded numbers
run_status "$PFTRACE" record -q --stacks --flamegraph "$TMP/f.svg" --json -- "$TMP/bin/symwork" $N $M $K "$TMP/f"
total=$(j .summary.faults)
check_eq "flamegraph: checked" OK "$(python3 - "$TMP/f.svg" "$total" $N $M $K <<'EOF'
import sys, re, xml.etree.ElementTree as ET
path, total, n, m, k = sys.argv[1], int(sys.argv[2]), *map(int, sys.argv[3:])
ns = {'s': 'http://www.w3.org/2000/svg'}
raw = open(path).read()
root = ET.fromstring(raw)
def fail(msg):
    print(msg); sys.exit(0)
if re.search(r'(href|src)\s*=|@import|url\(', raw): fail('external reference')
if 'http' in raw.replace('http://www.w3.org/2000/svg', ''): fail('a network address')
frames = []
for g in root.findall('s:g', ns):
    if g.get('class') != 'f': continue
    t, r = g.find('s:title', ns).text, g.find('s:rect', ns)
    frames.append((t, float(r.get('x')), float(r.get('y')), float(r.get('width'))))
alls = [f for f in frames if f[0].startswith('all (')]
if len(alls) != 1 or f'({total} faults, 100.00%' not in alls[0][0]: fail(f'root: {alls}')
W, Y = alls[0][3], alls[0][2]
def at(name, level):
    return [f for f in frames if f[0].startswith(name + ' (') and abs((Y - f[2]) / 17 - level) < 0.01]
# all, symwork, __libc_start_call_main, main, stage_x, leaf/other
leafs, others = at('leaf', 5), at('other', 5)
if sorted(round(f[3] / W * total) for f in leafs) != sorted([n, m]): fail(f'leaf widths {leafs}')
if [round(f[3] / W * total) for f in others] != [k]: fail(f'other width {others}')
for name, want in (('leaf', None), ('other', k)):
    for f in at(name, 5):
        got = int(re.search(r'\((\d+) faults?', f[0]).group(1))
        if abs(got / total * W - f[3]) > 0.2: fail(f'{name}: title {got} vs width {f[3]}')
kids = [f for f in frames if abs((Y - f[2]) / 17 - 1) < 0.01]
if abs(sum(f[3] for f in kids) - W) > 0.5: fail('the comms do not add up to the root')
if not all(re.search(r'\d+ faults?, [\d.]+%; \d+ major', f[0]) for f in frames): fail('a title without its numbers')
print('OK')
EOF
)"

# --- each distinct address is named once: 20000 faults in one loop
run_status "$PFTRACE" record -q --by sym --json -- "$ROOT/tests/workload" touch 20000
check_eq "cache: every fault looked up, few resolved" true \
	"$(j '.summary.symbols.lookups == .summary.faults and .summary.faults > 20000 and .summary.symbols.resolved < 200')"

# --- dwarf stacks of a multi-process build (make -j2: make, gcc, cc1, as, collect2, ld), live
# and from its trace.dat: every output of every process (this crashed: one process's unwinder
# read another's freed state)
mkdir -p "$TMP/build"
for i in 1 2 3 4; do
	printf 'int f%d(int x) { static char b[1 << 16]; b[x] = x; return b[x / 2]; }\n' $i >"$TMP/build/f$i.c"
done
printf 'int main(void) { return 0; }\n' >"$TMP/build/main.c"
printf 'prog: main.o f1.o f2.o f3.o f4.o\n\t$(CC) -o $@ $^\n%%.o: %%.c\n\t$(CC) -O2 -g -c -o $@ $<\n' >"$TMP/build/Makefile"
run_status "$PFTRACE" record -q --stacks=dwarf --flamegraph "$TMP/make.svg" -o "$TMP/make.dat" -- make -s -j2 -C "$TMP/build"
check_eq "dwarf, make -j2: exit status, the build made" "0 true" "$status $([ -x "$TMP/build/prog" ] && echo true)"
check_eq "dwarf, make -j2: its flame graph written" true "$(grep -q '</svg>' "$TMP/make.svg" && echo true)"
run_status "$PFTRACE" report --folded "$TMP/make.dat"
echo "$out" >"$TMP/make.folded"
check_eq "dwarf, make -j2, offline: folded exit status" 0 "$status"
check_eq "dwarf, make -j2: stacks of make, the compiler and the linker" "true true true" \
	"$(for c in make cc1 ld; do grep -q "^$c;" "$TMP/make.folded" && echo true || echo "no $c"; done | paste -sd' ')"
run_status "$PFTRACE" report --flamegraph "$TMP/make2.svg" "$TMP/make.dat"
check_eq "dwarf, make -j2, offline: flame graph" "0 true" "$status $(grep -q '</svg>' "$TMP/make2.svg" && echo true)"
"$PFTRACE" report --jsonl "$TMP/make.dat" >"$TMP/make.jsonl"
check_eq "dwarf, make -j2, offline: JSON Lines, a stack on most faults" true \
	"$(jq -s '(map(select(.stack != null)) | length) * 2 > length' "$TMP/make.jsonl")"
# --- a data file mapped, not in the page cache: the recording reads none of it (build IDs are
# read of code, executable mappings), so the program's own faults on it stay what they are; the
# code's build IDs are still kept
cold=$(mktemp -p /var/tmp pft-cold.XXXXXX)
head -c 1048576 /dev/urandom >"$cold"
/usr/bin/python3 -c "import os, sys; fd = os.open(sys.argv[1], os.O_RDONLY); os.fsync(fd); os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)" "$cold"
before=$(fincore -nb -o RES "$cold" | tr -d " ")
"$PFTRACE" record -q -o "$TMP/cold.dat" -- /usr/bin/python3 -c "import mmap, sys; f = open(sys.argv[1], 'rb'); m = mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ)" "$cold" 2>/dev/null
check_eq "a cold data file mapped: not read into the cache by the recording" "0 0" "$before $(fincore -nb -o RES "$cold" | tr -d " ")"
rm -f "$cold"
check_eq "a cold data file mapped: the program's build ID kept" true \
	"$(strings "$TMP/cold.dat" | grep -E '^[0-9a-f]{40} [0-9]+ /usr/bin/python3' >/dev/null && echo true)"
check_eq "no instance left" "" "$(instances_left)"
finish
