#!/bin/bash
# Every file pftrace writes, as root: never through a link another user planted, never a partial
# file (a full disk), a device written in place (never replaced by a file), a trace.dat only its
# owner reads, and an output that cannot be written said before the command runs. Files named by
# a trace (a maps line naming a FIFO or a device) are not opened to name code.
set -euo pipefail
SUITE=outfiles
. "$(dirname "$0")/lib.sh"
W=$FIX/workload
svg() { "$PFTRACE" report -m "$W/maps.txt" --heatmap "$1" "$W/trace.txt"; }

[ "$(id -u)" = 0 ] || { bad "outfiles: needs root (links another user owns, a tmpfs)"; finish; exit 0; }

# --- a link another user planted in a sticky, world-writable directory
mkdir -p "$TMP/sticky" && chmod 1777 "$TMP/sticky"
chmod 755 "$TMP"
echo secret >"$TMP/root-only" && chmod 600 "$TMP/root-only"
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
as_nobody ln -s "$TMP/root-only" "$TMP/sticky/h.svg"
run_status svg "$TMP/sticky/h.svg"
check_eq "planted link: refused" 1 "$status"
check_match "planted link: says why" "cannot write '$TMP/sticky/h.svg': a symbolic link another user owns" "$err"
check_eq "planted link: the file it names unchanged" secret "$(cat "$TMP/root-only")"
# top's --jsonl-file, the same way, checked before anything is recorded
as_nobody ln -s "$TMP/root-only" "$TMP/sticky/t.jsonl"
run_status "$PFTRACE" top --jsonl --jsonl-file "$TMP/sticky/t.jsonl" -- true
check_eq "top --jsonl-file, planted link: refused, the file it names unchanged" "1 secret" \
	"$status $(cat "$TMP/root-only")"
check_match "top --jsonl-file, planted link: says why" \
	"cannot write '$TMP/sticky/t.jsonl': a symbolic link another user owns" "$err"
as_nobody ln -s "$TMP/private/new.svg" "$TMP/sticky/dangling.svg"
mkdir -m 700 "$TMP/private"
run_status svg "$TMP/sticky/dangling.svg"
check_eq "dangling planted link: refused, nothing created through it" "1 0" "$status $(ls "$TMP/private" | wc -l)"
# a link of one's own is followed: the file it names is replaced, the link stays
ln -s "$TMP/mine.svg" "$TMP/link.svg"
run_status svg "$TMP/link.svg"
check_eq "own link: followed" "0 true true" "$status $([ -L "$TMP/link.svg" ] && echo true) $(grep -q '<svg' "$TMP/mine.svg" && echo true)"

# a link of one's own to a link another user planted: each link on the way is judged
echo secret >"$TMP/root-only2" && chmod 600 "$TMP/root-only2"
as_nobody ln -s "$TMP/root-only2" "$TMP/sticky/p2.svg"
ln -s "$TMP/sticky/p2.svg" "$TMP/mine2.svg"
run_status svg "$TMP/mine2.svg"
check_eq "own link to a planted link: refused, the file unchanged" "1 secret" "$status $(cat "$TMP/root-only2")"
check_match "own link to a planted link: says why" "a symbolic link another user owns" "$err"
# a dangling link of one's own: the file it names is made (a relative link, from its directory)
mkdir "$TMP/d" && ln -s ../made.svg "$TMP/d/dangling-mine.svg"
run_status svg "$TMP/d/dangling-mine.svg"
check_eq "own dangling link: the file it names made, the link kept" "0 true true" "$status $([ -L "$TMP/d/dangling-mine.svg" ] && echo true) $(grep -q '<svg' "$TMP/made.svg" && echo true)"
# a name as long as a name can be: its temporary's name fits too
long=$(printf 'l%.0s' $(seq 250)).svg
run_status svg "$TMP/$long"
check_eq "a 254-byte name: written" "0 true" "$status $(grep -q '<svg' "$TMP/$long" && echo true)"
check_eq "a 254-byte name: no temporary left" "" "$(ls -A "$TMP" | grep pftrace-tmp || true)"

# --- devices and pipes: written in place, never replaced by a regular file
run_status svg /dev/null
check_eq "/dev/null: written, still a character device" "0 true" "$status $([ -c /dev/null ] && echo true)"
check_eq "/dev/stdout into a pipe: the SVG comes through" 1 "$(svg /dev/stdout 2>/dev/null | grep -c '^<svg')"
check_eq "/dev/stdout: still a link" true "$([ -L /dev/stdout ] && echo true)"
# /dev/stdout of a regular file (the shell's `>` or `>>`): written there, after what standard
# output had, never a file renamed over it (the table then went to a file no name had)
"$PFTRACE" report -m "$W/maps.txt" --heatmap /dev/stdout "$W/trace.txt" >"$TMP/both" 2>/dev/null
check_eq "/dev/stdout of a file: the table and the SVG in it" "1 1" "$(grep -c '^<svg' "$TMP/both") $(grep -c 'FAULTS' "$TMP/both")"
echo before >"$TMP/appended"
ino=$(stat -c %i "$TMP/appended")
"$PFTRACE" report -m "$W/maps.txt" --heatmap /dev/stdout "$W/trace.txt" >>"$TMP/appended" 2>/dev/null
check_eq "/dev/stdout of '>> file': appended to the same file" "before 1 $ino" "$(head -1 "$TMP/appended") $(grep -c '^<svg' "$TMP/appended") $(stat -c %i "$TMP/appended")"
# a descriptor of a file since deleted, and a socket: written in place too
check_eq "/dev/fd/3 of a deleted file: written" 1 "$(
	exec 3>"$TMP/deleted"
	rm "$TMP/deleted"
	svg /dev/fd/3 >/dev/null 2>&1 && grep -c '^<svg' /proc/self/fd/3
)"
check_eq "/dev/stdout of a socket: the SVG comes through" "0 1" "$(python3 -c '
import socket, subprocess, sys
a, b = socket.socketpair()
r = subprocess.run(sys.argv[1:], stdout=b, stderr=subprocess.DEVNULL)
b.close()
data = b"".join(iter(lambda: a.recv(65536), b""))
print(r.returncode, data.count(b"<svg "))
' "$PFTRACE" report -m "$W/maps.txt" --heatmap /dev/stdout "$W/trace.txt")"
run_status svg /dev/stdin </dev/null
check_eq "/dev/stdin (open to read): refused, said" "1 true" "$status $(grep -q "cannot write '/dev/stdin': a descriptor open only to read" <<<"$err" && echo true)"
# a FIFO by its name: written in place (to its reader), still a FIFO
mkfifo "$TMP/out.fifo"
cat "$TMP/out.fifo" >"$TMP/from-fifo" &
run_status svg "$TMP/out.fifo"
wait
check_eq "a FIFO: written to its reader, still a FIFO" "0 1 true" "$status $(grep -c '^<svg' "$TMP/from-fifo") $([ -p "$TMP/out.fifo" ] && echo true)"
run_status svg "$TMP"
check_eq "a directory: refused" "1 true" "$status $(grep -q 'Is a directory' <<<"$err" && echo true)"
run_status svg "$TMP/newdir/"
check_eq "a name ending in /: refused, no file made" "1 false" "$status $([ -e "$TMP/newdir" ] && echo true || echo false)"

# --- a full disk: an error, the old file as it was, no partial file or temporary
mnt=$TMP/full
mkdir "$mnt"
mount -t tmpfs -o size=64k pftrace-outfiles "$mnt"
trap 'umount "$mnt" 2>/dev/null || true; rm -rf "$TMP"' EXIT
echo old >"$mnt/h.svg"
dd if=/dev/zero of="$mnt/fill" bs=4k count=14 2>/dev/null || true
run_status svg "$mnt/h.svg"
check_eq "full disk: fails" 1 "$status"
check_match "full disk: says so" "cannot write '$mnt/h.svg': No space left on device" "$err"
check_eq "full disk: the old file as it was, nothing else" "old fill h.svg" "$(cat "$mnt/h.svg") $(ls -A "$mnt" | tr '\n' ' ' | sed 's/ $//')"
umount "$mnt"

# --- standard output that cannot take it (a full disk): a failure, said as a write
for args in "--help" "--version" "report --help" "report -m $W/maps.txt $W/trace.txt"; do
	set +e
	"$PFTRACE" $args >/dev/full 2>"$TMP/err"
	status=$?
	set -e
	check_eq "'pftrace $args' to a full disk: exit 1, said" "1 true" "$status $(grep -q 'cannot write' "$TMP/err" && echo true)"
done
set +e
"$PFTRACE" report --jsonl -m "$W/maps.txt" "$W/trace.txt" >/dev/full 2>"$TMP/err"
status=$?
set -e
check_eq "--jsonl to a full disk: a write error, not a read error" "1 pftrace: cannot write the report: No space left on device" "$status $(head -1 "$TMP/err")"

# --- the outputs of a recording checked before the command runs
if "$ROOT/tests/live-ok.sh"; then
	run_status "$PFTRACE" record -q -o "$TMP/nodir/x.dat" -- touch "$TMP/ran"
	check_eq "record -o into no directory: fails before the command" "1 false" "$status $([ -e "$TMP/ran" ] && echo true || echo false)"
	check_match "record -o into no directory: says why" "cannot write '$TMP/nodir/x.dat': its directory does not exist" "$err"
	run_status "$PFTRACE" record -q --heatmap "$TMP" -- touch "$TMP/ran"
	check_eq "record --heatmap onto a directory: fails before the command" "1 false" "$status $([ -e "$TMP/ran" ] && echo true || echo false)"
	run_status "$PFTRACE" record -q -o "$TMP" -- touch "$TMP/ran"
	check_eq "record -o onto a directory: fails before the command, said" "1 false true" "$status $([ -e "$TMP/ran" ] && echo true || echo false) $(grep -q "cannot write '$TMP': Is a directory" <<<"$err" && echo true)"
	# a trace.dat on a full disk: said, exit 1, the old file as it was, no temporary
	mount -t tmpfs -o size=64k pftrace-outfiles "$mnt"
	echo old >"$mnt/t.dat"
	dd if=/dev/zero of="$mnt/fill" bs=4k count=14 2>/dev/null || true
	run_status "$PFTRACE" record -q -o "$mnt/t.dat" -- true
	check_eq "record -o on a full disk: fails, said" "1 true" "$status $(grep -q "No space left on device" <<<"$err" && echo true)"
	check_eq "record -o on a full disk: the old file as it was, nothing else" "old fill t.dat" "$(cat "$mnt/t.dat") $(ls -A "$mnt" | tr '\n' ' ' | sed 's/ $//')"
	umount "$mnt"
	run_status "$PFTRACE" record -q -o "$TMP/w.dat" -- true
	check_eq "trace.dat: only its owner reads it (kernel addresses, every mapping)" 600 "$(stat -c %a "$TMP/w.dat")"
	# whatever the umask (it may only take more away)
	run_status bash -c "umask 0; '$PFTRACE' record -q -o '$TMP/w0.dat' -- true"
	check_eq "trace.dat under umask 0: still 0600" "0 600" "$status $(stat -c %a "$TMP/w0.dat")"
	# in place: a pipe (no position to take offsets from) and the null device
	"$PFTRACE" record -q -o /dev/stdout -- true | cat >"$TMP/piped.dat"
	run_status "$PFTRACE" report "$TMP/piped.dat"
	check_eq "record -o /dev/stdout into a pipe: a trace.dat that reads" "0 true" "$status $(grep -q 'events from' <<<"$out" && echo true)"
	check_eq "/dev/stdout: still a link" true "$([ -L /dev/stdout ] && echo true)"
	run_status "$PFTRACE" record -q -o /dev/null -- true
	check_eq "record -o /dev/null: written, still a character device" "0 true" "$status $([ -c /dev/null ] && echo true)"
else
	[ "${PFTRACE_REQUIRE_LIVE:-0}" = 1 ] && bad "live tests required (PFTRACE_REQUIRE_LIVE=1) but cannot run"
fi

# --- files a trace names are opened only if regular: a FIFO hung --by sym, a device was read
mkfifo "$TMP/fifo"
# with their own inodes: the maps of a process that mapped them
printf '%s\n' "400000-401000 r-xp 00000000 fe:00 $(stat -c %i "$TMP/fifo") $TMP/fifo" \
	"500000-501000 r-xp 00000000 00:05 $(stat -c %i /dev/zero) /dev/zero" \
	"100000000000-100000400000 rw-p 00000000 00:00 0" >"$TMP/evil.maps"
printf '%s\n' " a-10 [001] d.... 1.000000: page_fault_user: address=0x100000000000 ip=0x400010 error_code=0x6" \
	" a-10 [001] d.... 1.000001: page_fault_user: address=0x100000001000 ip=0x500010 error_code=0x6" >"$TMP/evil.txt"
for how in "--by sym" --jsonl; do
	set +e
	timeout 20 "$PFTRACE" report $how -m "$TMP/evil.maps" "$TMP/evil.txt" >"$TMP/out" 2>"$TMP/err"
	status=$?
	set -e
	check_eq "maps naming a FIFO and a device, $how: ends, exit 0" 0 "$status"
done
run_status "$PFTRACE" report --by sym --json -m "$TMP/evil.maps" "$TMP/evil.txt"
check_eq "a FIFO and a device are not files to name code from: counted" 2 "$(j .summary.symbols.not_regular)"

# a stripped program whose debuglink names a FIFO beside it, or in its .debug/ (libdwfl's own
# search opened each candidate and waited there); the real debug file is still found, and only it
mkdir -p "$TMP/dl/.debug"
printf 'int work(int x) { return x * 3 + 1; }\nint main(int c, char **v) { (void)v; return work(c); }\n' >"$TMP/dl/p.c"
sed 's/3 + 1/5 + 2/' "$TMP/dl/p.c" >"$TMP/dl/q.c" # another program, its work() where prog's is
# build CCFLAGS...: prog (stripped, debuglink to prog.debug) and q, and a fault in prog's work()
build() {
	cc -g -O0 "$@" -o "$TMP/dl/prog" "$TMP/dl/p.c"
	cc -g -O0 "$@" -o "$TMP/dl/q" "$TMP/dl/q.c"
	objcopy --only-keep-debug "$TMP/dl/prog" "$TMP/dl/prog.debug.real"
	objcopy --only-keep-debug "$TMP/dl/q" "$TMP/dl/q.debug"
	strip -s "$TMP/dl/prog"
	cp "$TMP/dl/prog.debug.real" "$TMP/dl/prog.debug"
	objcopy --add-gnu-debuglink="$TMP/dl/prog.debug" "$TMP/dl/prog"
	rm "$TMP/dl/prog.debug"
	local work exec_off
	work=$(nm "$TMP/dl/prog.debug.real" | awk '$3 == "work" { print $1 }')
	exec_off=$(readelf -lW "$TMP/dl/prog" | awk '$1 == "LOAD" && / R E / { print $2 }')
	printf '%x-%x r-xp %08x fe:00 %s %s\n' $((0x555555554000 + exec_off)) $((0x555555555000 + exec_off)) \
		$((exec_off)) "$(stat -c %i "$TMP/dl/prog")" "$TMP/dl/prog" >"$TMP/dl/m.maps"
	echo "100000000000-100000400000 rw-p 00000000 00:00 0" >>"$TMP/dl/m.maps"
	printf ' a-10 [001] d.... 1.000000: page_fault_user: address=0x100000000000 ip=0x%x error_code=0x6\n' \
		$((0x555555554000 + 0x$work + 4)) >"$TMP/dl/t.txt"
}
# named WHAT: whether the fault's function was named from a debug file
named() {
	run_status timeout 20 "$PFTRACE" report --by sym -m "$TMP/dl/m.maps" "$TMP/dl/t.txt"
	check_eq "$1" "0 $2" "$status $(grep -q ' work (prog)' <<<"$out" && echo true || echo false)"
}
build
cp "$TMP/dl/prog.debug.real" "$TMP/dl/prog.debug"
named "debuglink: the debug file beside it names the code" true
rm "$TMP/dl/prog.debug" && mkfifo "$TMP/dl/prog.debug"
named "debuglink naming a FIFO: ends, exit 0, not named" false
rm "$TMP/dl/prog.debug" && mkfifo "$TMP/dl/.debug/prog.debug"
named "debuglink naming a FIFO in .debug/: ends, exit 0, not named" false
rm "$TMP/dl/.debug/prog.debug" && cp "$TMP/dl/prog.debug.real" "$TMP/dl/.debug/prog.debug"
named "debuglink: the debug file in .debug/ names the code" true
cp "$TMP/dl/q.debug" "$TMP/dl/.debug/prog.debug"
named "debuglink: another build's debug file (another build ID) not used" false
# without build IDs, the debuglink's CRC decides
rm "$TMP/dl/.debug/prog.debug"
build -Wl,--build-id=none
cp "$TMP/dl/prog.debug.real" "$TMP/dl/.debug/prog.debug"
named "debuglink without build IDs: the file with its CRC used" true
cp "$TMP/dl/q.debug" "$TMP/dl/.debug/prog.debug"
named "debuglink without build IDs: a file with another CRC not used" false
finish
