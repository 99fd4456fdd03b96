#!/bin/bash
# The bad-input catalogue: every input here must give no crash, no hang, bounded memory, a
# one-line error naming the input and the problem (exit 1), or a report of what could be read
# with what was skipped counted (exit 0). Never a signal, never exit 2 or more.
set -euo pipefail
SUITE=badinput
. "$(dirname "$0")/lib.sh"
W=$FIX/workload
DAT6=$FIX/dat/record.dat
DAT7=$FIX/dat/record-v7.dat

# survives NAME FILE: exit 0 or 1 within 10 s; exit 1 means one "pftrace: ... 'FILE' ..." line
survives() {
	set +e
	timeout 10 "$PFTRACE" report "${@:3}" "$2" >/dev/null 2>"$TMP/err"
	local rc=$?
	set -e
	if [ $rc -gt 1 ]; then
		bad "$1: exit $rc (crash, hang or usage)"
		cp "$2" "$TMP/../badinput-$RANDOM.failed" 2>/dev/null || true
		return
	fi
	if [ $rc = 1 ] && ! grep -q "^pftrace: .*'$2'" "$TMP/err"; then
		bad "$1: exit 1 without a line naming the input: $(head -c 200 "$TMP/err")"
		return
	fi
	ok
}

# --- trace.dat truncated everywhere: section boundaries, mid-page, mid-option (v6 and v7)
for d in "$DAT6" "$DAT7"; do
	size=$(stat -c %s "$d")
	n=0
	for off in $(seq 0 113 "$size") 10 11 12 13 14 16 20 100 4096 8192 12288 16384; do
		[ "$off" -lt "$size" ] || continue
		head -c "$off" "$d" >"$TMP/t.dat"
		survives "$(basename "$d") cut at $off" "$TMP/t.dat"
		n=$((n + 1))
	done
done
head -c 20000 "$DAT6" >"$TMP/t.dat"
run_status "$PFTRACE" report "$TMP/t.dat"
check_eq "truncated trace.dat: exit" 1 "$status"
check_eq "truncated trace.dat: message" "pftrace: '$TMP/t.dat': not a readable trace.dat (truncated or corrupt)" "$err"

# --- a trace.dat of a kind pftrace does not read: said so, not called corrupt
python3 - "$DAT7" "$TMP/zlib.dat" "$DAT6" "$TMP/k32.dat" <<'PY'
import sys
d = open(sys.argv[1], 'rb').read()
i = d.index(b'zstd')
open(sys.argv[2], 'wb').write(d[:i] + b'zlib' + d[i + 4:])
d = open(sys.argv[3], 'rb').read()
j = d.index(b'size:8', d.index(b'commit;'))
open(sys.argv[4], 'wb').write(d[:j] + b'size:4' + d[j + 6:])
PY
for f in zlib k32; do
	run_status "$PFTRACE" report "$TMP/$f.dat"
	check_eq "$f trace.dat: exit" 1 "$status"
	check_eq "$f trace.dat: message" "pftrace: '$TMP/$f.dat': a trace.dat pftrace cannot read (compressed with other than zstd, or a 32-bit kernel's)" "$err"
done

# --- sizes and offsets that lie (header and options), and corrupt pages (after the header)
hdr=$(grep -abo flyrecord "$DAT6" | head -1 | cut -d: -f1)
data=$((hdr + 4096))
for i in $(seq 1 60); do
	cp "$DAT6" "$TMP/l.dat"
	printf '\xff\xff\xff\x7f\xff\xff\xff\x7f' |
		dd of="$TMP/l.dat" bs=1 seek=$(((RANDOM * 32768 + RANDOM) % hdr)) conv=notrunc 2>/dev/null
	survives "lying header $i" "$TMP/l.dat"
	cp "$DAT6" "$TMP/p.dat"
	head -c 16 /dev/urandom |
		dd of="$TMP/p.dat" bs=1 seek=$((data + (RANDOM * 32768 + RANDOM) % ($(stat -c %s "$DAT6") - data))) \
			conv=notrunc 2>/dev/null
	survives "corrupt page $i" "$TMP/p.dat"
done

# --- text cut mid-field: what was read is reported, the cut line counted
head -c 3000 "$W/trace.txt" >"$TMP/cut.txt"
run_status "$PFTRACE" report --json -m "$W/maps.txt" "$TMP/cut.txt"
check_eq "cut text: exit" 0 "$status"
check_eq "cut text: the cut line is counted" 1 "$(j .summary.skipped_lines)"
check_eq "cut text: the lines before it are reported" "$(head -c 3000 "$W/trace.txt" | grep -c 'error_code=0x[0-9a-f]*$')" \
	"$(j .summary.faults)"

# --- absurd numbers
printf '%s\n' "   a-1 [000] d.... 1.0: page_fault_user: address=0x1ffffffffffffffff ip=0x1 error_code=0x4" \
	"   b-99999999999 [000] d.... 1.0: page_fault_user: address=0x1000 ip=0x1 error_code=0x4" \
	"   c-5 [000] d.... 99999999999999999999.0: page_fault_user: address=0x1000 ip=0x1 error_code=0x4" \
	"   d--5 [000] d.... 1.0: page_fault_user: address=0x1000 ip=0x1 error_code=0xffffffffffffffff" >"$TMP/absurd.txt"
echo "1000-2000 rw-p 00000000 00:00 0" >"$TMP/one.maps"
run_status "$PFTRACE" report --jsonl -m "$TMP/one.maps" "$TMP/absurd.txt"
check_eq "absurd: exit" 0 "$status"
check_eq "absurd: the one sane line (64 error bits named)" 64 "$(jq '.flags | length' <<<"$out")"
check_match "absurd: the other three counted" "skipped 3 malformed page-fault lines" "$err"
run_status "$PFTRACE" report --pid -5 "$W/trace.txt"
check_eq "negative --pid: usage" 2 "$status"

# --- maps that overlap or are unsorted: sorted, the overlap skipped and said
printf '%s\n' "2000-3000 rw-p 00000000 00:00 0" "1000-3000 rw-p 00000000 00:00 0 [heap]" "0000-1000 r--p 00000000 00:00 0" >"$TMP/overlap.maps"
run_status "$PFTRACE" report --json -m "$TMP/overlap.maps" "$W/trace.txt"
check_eq "overlapping maps: exit" 0 "$status"
check_match "overlapping maps: said" "overlap.maps: skipped 1 maps lines \(first: line 1: overlaps the line before it\)" "$err"

# --- a path that is not UTF-8 (maps) and a comm that is not: the JSON stays valid
printf '1000-9000 r--p 00000000 fe:00 7 /srv/caf\xe9-\xff.bin\n' >"$TMP/latin1.maps"
printf '   w\xf6rk-5 [000] d.... 1.0: page_fault_user: address=0x1000 ip=0x1 error_code=0x4\n' >"$TMP/latin1.txt"
run_status "$PFTRACE" report --json -m "$TMP/latin1.maps" "$TMP/latin1.txt"
check_eq "non-UTF-8 path: valid JSON, bytes replaced by U+FFFD" "/srv/caf�-�.bin" "$(j '.vmas[0].path')"
run_status "$PFTRACE" report --jsonl -m "$TMP/latin1.maps" "$TMP/latin1.txt"
check_eq "non-UTF-8 comm and path in --jsonl" "w�rk /srv/caf�-�.bin" "$(j '"\(.comm) \(.vma.path)"')"

# --- a 1 GiB line without a newline: bounded memory, counted, the rest still read
{
	head -c $((1 << 30)) /dev/zero | tr '\0' 'a'
	printf '\n'
	head -20 "$W/trace.txt"
} >"$TMP/huge.txt"
set +e
/usr/bin/time -f "%M" -o "$TMP/rss" timeout 60 "$PFTRACE" report --json -m "$W/maps.txt" "$TMP/huge.txt" >"$TMP/out" 2>"$TMP/err"
status=$?
set -e
out=$(cat "$TMP/out")
rm -f "$TMP/huge.txt"
check_eq "1 GiB line: exit" 0 "$status"
check_match "1 GiB line: counted" "skipped 1 unrecognized lines \(first: line 1: line longer than 1 MiB\)" "$(cat "$TMP/err")"
check_eq "1 GiB line: the lines after it read" 8 "$(j .summary.faults)"
# (an ASan build keeps a shadow byte for every 8 of the mapped file once read: 128 MiB more,
# the instrumentation's, not pftrace's)
limit=32768
! grep -q libasan <<<"$(ldd "$PFTRACE")" || limit=$((limit + (1 << 30) / 8 / 1024))
check_eq "1 GiB line: memory stays small (RSS under 32 MB)" 1 "$(($(cat "$TMP/rss") < limit))"

# --- stdin closed early, or with half a line
run_status bash -c "true | '$PFTRACE' report -"
check_eq "stdin closed at once: exit" 1 "$status"
check_eq "stdin closed at once: message" "pftrace: '<stdin>': empty file, no trace data" "$err"
run_status bash -c "head -c 2500 '$W/trace.txt' | '$PFTRACE' report --json -m '$W/maps.txt' -"
check_eq "stdin cut mid-line: exit" 0 "$status"
check_eq "stdin cut mid-line: counted" 1 "$(j .summary.skipped_lines)"

# --- inputs that crashed pftrace (issue 15; kept in tests/fuzz/regress/ for the fuzz targets)
RG=$ROOT/tests/fuzz/regress
# a v7 trace.dat whose chunk's last record has a negative size: was heap corruption (abort)
for f in "$RG"/dat/dat-crash-v7-zstd-negative-record-size-*; do
	run_status timeout 10 "$PFTRACE" report --json "$f"
	check_eq "negative record size $(basename "$f"): exit" 1 "$status"
	check_eq "negative record size $(basename "$f"): message" "pftrace: cannot read '$f': Bad message" "$err"
done
# a VMA whose start is not a page's: was SIGSEGV in first_touch
run_status timeout 10 "$PFTRACE" report -m "$RG/maps/maps-crash-unaligned-vma-segv" "$RG/text/text-crash-unaligned-vma-segv"
check_eq "unaligned maps line: exit" 1 "$status"
check_eq "unaligned maps line: refused as malformed" "pftrace: '$RG/maps/maps-crash-unaligned-vma-segv': not a maps file (line 1: 100000000002-100000400000 rw-p 00000000 00:00 0)" "$err"
printf '100000000000-100000400000 rw-p 00000000 00:00 0\n100000400002-100000800000 rw-p 00000000 00:00 0\n' >"$TMP/unaligned2.maps"
run_status timeout 10 "$PFTRACE" report --json -m "$TMP/unaligned2.maps" "$RG/text/text-crash-unaligned-vma-segv"
check_eq "unaligned maps line among sound ones: exit" 0 "$status"
check_match "unaligned maps line among sound ones: skipped and said" "unaligned2.maps: skipped 1 maps lines \(first: line 2: " "$err"
f=$RG/dat/dat-crash-unaligned-vma-segv
run_status timeout 10 "$PFTRACE" report --json "$f"
check_eq "trace.dat with an unaligned mapping record: exit" 0 "$status"
check_eq "trace.dat with an unaligned mapping record: counted" 1 "$(j .summary.lost_mapping_records)"
for by in vma sym file; do
	run_status timeout 10 "$PFTRACE" report --by $by "$f"
	check_eq "trace.dat with an unaligned mapping record, --by $by: exit" 0 "$status"
done

# five changed bytes of a recording: a kernel stack frame was left unnamed (heap garbage in the
# output; the ASan build died in strlen)
f=$RG/dat/dat-crash-uninit-stack-frame
run_status timeout 10 "$PFTRACE" report --jsonl "$f"
check_eq "damaged stack: --jsonl exit" 0 "$status"
check_eq "damaged stack: every line is JSON" "$(wc -l <<<"$out")" "$(jq -c . <<<"$out" | wc -l)"
run_status timeout 10 "$PFTRACE" report --folded "$f"
check_eq "damaged stack: --folded exit" 0 "$status"

# --- endless or huge inputs (issue 15.11): refused as what they are, within the time limit
for z in /dev/zero /dev/urandom; do
	run_status timeout 20 "$PFTRACE" report "$z"
	check_eq "report $z: exit" 1 "$status"
	check_eq "report $z: refused as binary" "pftrace: '$z': binary data, not an ftrace text trace or trace.dat" "$(tail -1 <<<"$err")"
	run_status timeout 20 "$PFTRACE" report -m "$z" "$W/trace.txt"
	check_eq "report -m $z: exit" 1 "$status"
	# (which line: random bytes can begin with a blank line, which is skipped)
	check_match "report -m $z: refused" "^pftrace: '$z': not a maps file \(line [0-9]+: " "$err"
done
run_status timeout 20 bash -c "'$PFTRACE' report - </dev/zero"
check_eq "report - </dev/zero: exit" 1 "$status"
check_eq "report - </dev/zero: refused as binary" "pftrace: '<stdin>': binary data, not an ftrace text trace or trace.dat" "$err"
# in small memory (it grew to GBs, and under a limit was called "empty maps file")
set +e
/usr/bin/time -f "%M" -o "$TMP/rss" timeout 20 "$PFTRACE" report -m /dev/zero "$W/trace.txt" >/dev/null 2>&1
set -e
check_eq "report -m /dev/zero: memory stays small (RSS under 64 MB)" 1 "$(($(tail -1 "$TMP/rss") < 65536))"
# a maps file past 64 MB (text without a newline, and many lines): refused, memory stays small
head -c $((65 << 20)) /dev/zero | tr '\0' 'a' >"$TMP/big.maps"
set +e
/usr/bin/time -f "%M" -o "$TMP/rss" timeout 20 "$PFTRACE" report -m "$TMP/big.maps" "$W/trace.txt" >/dev/null 2>"$TMP/err"
status=$?
set -e
check_eq "65 MB maps line: exit" 1 "$status"
check_eq "65 MB maps line: message" "pftrace: cannot read maps '$TMP/big.maps': File too large" "$(cat "$TMP/err")"
check_eq "65 MB maps line: memory stays small (RSS under 32 MB)" 1 "$(($(tail -1 "$TMP/rss") < 32768))"
{ yes "7f0000000000-7f0000001000 r--p 00000000 00:00 0" || true; } | head -c $((65 << 20)) >"$TMP/big.maps"
run_status timeout 20 "$PFTRACE" report -m "$TMP/big.maps" "$W/trace.txt"
check_eq "65 MB of maps lines: exit" 1 "$status"
rm -f "$TMP/big.maps"
# a line longer than the kernel writes: skipped and said, the rest read
{
	printf '7f0000000000-7f0000001000 r--p 00000000 fe:00 7 /%09000d\n' 0
	cat "$W/maps.txt"
} >"$TMP/long.maps"
run_status timeout 20 "$PFTRACE" report --json -m "$TMP/long.maps" "$W/trace.txt"
check_eq "overlong maps line: exit" 0 "$status"
check_match "overlong maps line: skipped and said" "long.maps: skipped 1 maps lines \(first: line 1: line longer than 8 KiB\)" "$err"
# a text trace through a FIFO is a stream: still read whole
mkfifo "$TMP/fifo"
cat "$W/trace.txt" >"$TMP/fifo" &
run_status timeout 20 "$PFTRACE" report --json -m "$W/maps.txt" "$TMP/fifo"
wait
check_eq "text trace through a FIFO: exit" 0 "$status"
check_eq "text trace through a FIFO: all of it" "$("$PFTRACE" report --json -m "$W/maps.txt" "$W/trace.txt" | jq .summary.faults)" "$(j .summary.faults)"

# --- only blank lines and comments: no trace line (exit 1, as the man page says); ftrace's own
# header of an empty buffer is a trace with no event (exit 0)
printf '\n   \n\n' >"$TMP/blank.txt"
printf '# a note\n\n#\n' >"$TMP/hash.txt"
for f in blank hash; do
	run_status "$PFTRACE" report "$TMP/$f.txt"
	check_eq "only blank lines and comments ($f): exit" 1 "$status"
	check_eq "only blank lines and comments ($f): message" "pftrace: '$TMP/$f.txt': no trace line found (only blank lines and comments): not an ftrace text trace" "$err"
done
printf '# tracer: nop\n#\n# entries-in-buffer/entries-written: 0/0   #P:8\n#\n' >"$TMP/header.txt"
run_status "$PFTRACE" report "$TMP/header.txt"
check_eq "ftrace header of an empty buffer: exit" 0 "$status"
printf 'cpus=2\n' >"$TMP/tc.txt"
run_status "$PFTRACE" report "$TMP/tc.txt"
check_eq "trace-cmd header with no event: exit" 0 "$status"

# --- diff baselines from anywhere (issue 15.12): checked against the report's JSON Schema, the
# field named; exit 1, never a bogus diff
"$PFTRACE" report --json -m "$W/maps.txt" "$W/trace.txt" >"$TMP/base.json"
"$PFTRACE" report --by file --json -m "$W/maps.txt" "$W/trace.txt" >"$TMP/basef.json"
run_status "$PFTRACE" diff "$TMP/base.json" "$TMP/base.json"
check_eq "sound baseline: exit" 0 "$status"
# through a pipe: read once, from its start
run_status bash -c "'$PFTRACE' diff <(cat '$TMP/base.json') '$TMP/base.json'"
check_eq "baseline through a pipe: exit" 0 "$status"
while IFS='|' read -r by edit field; do
	base=$TMP/base.json
	[ "$by" = vma ] || base=$TMP/basef.json
	jq "$edit" "$base" >"$TMP/bad.json"
	run_status "$PFTRACE" diff --by "$by" "$TMP/bad.json" "$base"
	check_eq "baseline $edit: exit" 1 "$status"
	check_eq "baseline $edit: the field named" "pftrace: '$TMP/bad.json': $field" "$err"
	run_status "$PFTRACE" diff --by "$by" "$base" "$TMP/bad.json"
	check_eq "baseline $edit as NEW: exit" 1 "$status"
done <<'BAD'
vma|.groups = {}|groups: expected an array
vma|.summary = []|summary: expected an object
vma|.summary.faults = -1|summary.faults: expected a non-negative integer
vma|.vmas[0].faults = -5|vmas[0].faults: expected a non-negative integer
vma|.vmas[0].faults = 1e300|vmas[0].faults: expected a non-negative integer
vma|.vmas[1].pages = "7"|vmas[1].pages: expected a non-negative integer or null
vma|del(.summary.faults)|summary.faults: missing
vma|.summary.extra = 1|summary.extra: not a field of this object
vma|.summary.by_kind.bogus = 1|summary.by_kind.bogus: expected one of "anon-first-touch", "file-read", "file-write", "cow", "write-protect", "write", "exec", "stack-growth", "no-vma", "bad-access", "pkey", "other", "unknown", "anon", "file"
vma|.vmas[0].perms = "rwxq"|vmas[0].perms: expected a string matching ^[r-][w-][x-][ps-]$
vma|.source.by = 5|source.by: expected one of "vma", "file", "page", "ip", "tid", "kind", "pid", "sym", "path", "cause", "comm", "cgroup"
vma|.summary.latency_ns = {"p50": 1}|summary.latency_ns.p99: missing
vma|.pftrace_json_version = 1|not a pftrace report document of version 2 (it says 1)
file|.groups[0].file = 5|groups[0].file: expected a string
file|.groups[1].faults = -3|groups[1].faults: expected a non-negative integer
file|.groups[0].bogus = 1|groups[0].bogus: not a field of this object
BAD
# every document pftrace writes is one its diff takes (each --by, text and trace.dat)
for by in vma file page ip tid kind pid sym; do
	for inp in "-m $W/maps.txt $W/trace.txt" "$DAT6" "$DAT7"; do
		# shellcheck disable=SC2086
		"$PFTRACE" report -k --by "$by" --json $inp >"$TMP/own.json" 2>/dev/null
		d=$by
		[ "$by" != page ] || d=vma
		run_status "$PFTRACE" diff --by "$d" "$TMP/own.json" "$TMP/own.json"
		check_eq "own --by $by document of ${inp##*/} as a baseline: exit" 0 "$status"
	done
done
# counts whose sum is past 64 bits, 64-bit times whose difference is: no conversion out of range
# (jq keeps numbers as doubles: the exact ones are put in with sed)
jq '.vmas[1] = .vmas[0] | .vmas[0].faults = 1111 | .vmas[1].faults = 2222 |
    .summary.first_ts = 3333' "$TMP/base.json" |
	sed 's/: 1111,/: 9223372036854775807,/; s/: 2222,/: 9223372036854775807,/; s/: 3333,/: -9223372036854775807,/' >"$TMP/huge.json"
jq '.summary.first_ts = 3333' "$TMP/base.json" | sed 's/: 3333,/: 9223372036854775807,/' >"$TMP/huge2.json"
run_status "$PFTRACE" diff --json "$TMP/huge.json" "$TMP/huge2.json"
check_eq "huge counts: exit" 0 "$status"
check_eq "huge counts: OLD's sum stays positive" true "$(j '[.rows[] | .old.faults // 0] | max > 1e19')"
check_eq "huge times: their difference stays positive" true "$(j '.delta.first_ts > 1e19')"

# --- no permission
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
	cp "$W/trace.txt" "$TMP/secret.txt"
	chmod 600 "$TMP/secret.txt"
	# a copy nobody can run, wherever the checkout is (a fresh clone may be 0700)
	cp "$PFTRACE" "$TMP/pftrace"
	chmod 755 "$TMP" "$TMP/pftrace"
	run_status su nobody -s /bin/sh -c "'$TMP/pftrace' report '$TMP/secret.txt'"
	check_eq "no permission: exit" 1 "$status"
	check_eq "no permission: message" "pftrace: cannot open '$TMP/secret.txt': Permission denied" "$err"
else
	echo "!!! badinput: the no-permission case needs root (to run as nobody) !!!" >&2
	[ "${PFTRACE_REQUIRE_LIVE:-0}" = 1 ] && bad "no-permission case required but not root"
fi
finish
