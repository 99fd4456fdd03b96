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
as_nobody ln -s "$TMP/private/new.svg" "$TMP/sticky/dangling.svg"
mkdir -m 700 "$TMP/private"
run_status svg "$TMP/sticky/dangling.svg"
check_eq "dangling planted link: refused, nothing created through it" "1 0" "$status $(ls "$TMP/private" | wc -l)"
# a link of one's own is followed: the file it names is replaced, the link stays
ln -s "$TMP/mine.svg" "$TMP/link.svg"
run_status svg "$TMP/link.svg"
check_eq "own link: followed" "0 true true" "$status $([ -L "$TMP/link.svg" ] && echo true) $(grep -q '<svg' "$TMP/mine.svg" && echo true)"

# --- devices and pipes: written in place, never replaced by a regular file
run_status svg /dev/null
check_eq "/dev/null: written, still a character device" "0 true" "$status $([ -c /dev/null ] && echo true)"
check_eq "/dev/stdout into a pipe: the SVG comes through" 1 "$(svg /dev/stdout 2>/dev/null | grep -c '^<svg')"
check_eq "/dev/stdout: still a link" true "$([ -L /dev/stdout ] && echo true)"
run_status svg "$TMP"
check_eq "a directory: refused" "1 true" "$status $(grep -q 'Is a directory' <<<"$err" && echo true)"

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
check_eq "full disk: the old file as it was, nothing else" "old fill h.svg" "$(cat "$mnt/h.svg") $(ls "$mnt" | tr '\n' ' ' | sed 's/ $//')"
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
	run_status "$PFTRACE" record -q -o "$TMP/w.dat" -- true
	check_eq "trace.dat: only its owner reads it (kernel addresses, every mapping)" 600 "$(stat -c %a "$TMP/w.dat")"
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
finish
