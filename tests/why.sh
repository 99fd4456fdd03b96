#!/bin/bash
# record --why, live: each fault's latency split into causes that sum to it exactly, a known
# cause in a known amount, and the same split from the trace.dat. Needs root and tracefs.
set -euo pipefail
SUITE=why
. "$(dirname "$0")/lib.sh"
WL=$ROOT/tests/workload

require_live
# exact NAME: every fault of the last recording ($out, JSON Lines) that has its latency has its
# split, and the parts sum to the latency, to the nanosecond
exact() {
	check_eq "$1: every fault split, its parts summing to its latency exactly" "true 0" \
		"$(jq -s 'length > 0 and all(.latency_ns == null or .why != null)' <<<"$out") $(jq -s '[.[] | select(.latency_ns != null and (.why.ns | add) != .latency_ns)] | length' <<<"$out")"
}

# --- userfaultfd: 16 pages whose handler sleeps 3 ms before it fills each. Every such fault
# sleeps (S state) about 3 ms, woken by the handler, and its parts sum to its latency. (The
# handler's nap begins once the fault is queued, a moment before the thread leaves its CPU:
# 90 % of it is certain, a nap overshoots its time)
US=3000
run_status "$PFTRACE" record -q --why --jsonl -o "$TMP/u.dat" -- "$WL" uffd 16 $US "$TMP/handler"
check_eq "uffd: the command's exit" 0 "$status"
live=$out
handler=$(cat "$TMP/handler")
uffd_faults() {
	jq -c 'select(.page | startswith("0x1700000")) | [.latency_ns, .why.ns.sleep, .why.waker]' <<<"$1"
}
check_eq "uffd: its 16 faults took the userfault path, and ran again (a retry) once resolved" "16 16" \
	"$(jq -s '[.[] | select((.page | startswith("0x1700000")) and .why.path == "userfault")] | length' <<<"$live") $(jq -s '[.[] | select((.page | startswith("0x1700000")) and .why.ns.retry > 0)] | length' <<<"$live")"
check_eq "uffd: its 16 faults, each asleep about ${US} us, woken by the handler" \
	"16 16 16" \
	"$(uffd_faults "$live" | wc -l) $(uffd_faults "$live" | jq -s "[.[] | select(.[1] >= $US * 900)] | length") $(uffd_faults "$live" | jq -s "[.[] | select(.[2] == $handler)] | length")"
check_eq "every fault: its parts sum to its latency, exactly" "0 true" \
	"$(jq -s '[.[] | select(.latency_ns != null and (.why.ns | add) != .latency_ns)] | length' <<<"$live") $(jq -s 'length > 50 and all(.why != null)' <<<"$live")"

# the trace.dat keeps what the split used: the same split, fault by fault
run_status "$PFTRACE" report --jsonl "$TMP/u.dat"
check_eq "uffd: the replay splits every fault the same" "" \
	"$(diff <(jq -c '[.ts, .tid, .latency_ns, .why]' <<<"$live") <(jq -c '[.ts, .tid, .latency_ns, .why]' <<<"$out") | head -5)"
run_status "$PFTRACE" report --json "$TMP/u.dat"
check_eq "summary: sleep's faults and its share, the parts' sum the latencies' sum" "true true" \
	"$(j ".summary.why.by_cause.sleep.faults >= 16 and .summary.why.by_cause.sleep.p50 >= $US * 900") $(j '.summary.why.faults == .summary.faults and .summary.why.events > 0')"
check_eq "rows: the area's faults split, sleep the most of their time" "16 sleep" \
	"$(j '.vmas[] | select(.start == "0x170000000000") | "\(.why.faults) \(.why.ns | to_entries | max_by(.value) | .key)"')"
# the documents, with their why objects, are what the schemas say
echo "$live" >"$TMP/u.jsonl"
"$PFTRACE" report --json --by file "$TMP/u.dat" >"$TMP/u.json"
check_eq "schemas: the report and the faults, split, are valid" "errors: 0 errors: 0" \
	"$(/usr/bin/python3 "$ROOT/tests/schema-check.py" "$ROOT/man/pftrace-report.schema.json" "$TMP/u.json" | tail -1) $(/usr/bin/python3 "$ROOT/tests/schema-check.py" "$ROOT/man/pftrace-fault.schema.json" "$TMP/u.jsonl" | tail -1)"
run_status "$PFTRACE" report "$TMP/u.dat"
check_match "table: where the time went, sleep's faults" \
	"where the faults' time went \\([0-9]+ faults split\\): .*sleep [0-9.]+ ms.*  sleep: [0-9]+ faults, p50 [0-9.]+ ms" \
	"$(tr '\n' ' ' <<<"$out")"
check_match "table: the uffd area's row waited, asleep" "^170000000000-170000010000 .* (9[0-9]|100)% sleep +\\[anon\\]$" \
	"$(grep '^170000000000-' <<<"$out")"

# --weight ns: the folded stacks, flame graph and heatmap weigh faults by their time: the folded
# values sum to the faults' latencies exactly, the uffd faults' code is the heaviest
run_status "$PFTRACE" report --weight ns --folded "$TMP/u.dat"
check_eq "--weight ns: the folded values are the faults' latencies, summed" \
	"$(jq -s '[.[] | .latency_ns // 0] | add' <<<"$live")" "$(awk '{s += $NF} END {print s}' <<<"$out")"
check_eq "--weight ns: the heaviest stack holds the 16 naps" true \
	"$(awk '{print $NF}' <<<"$out" | sort -n | tail -1 | awk -v us=$US '{print ($1 >= 16 * us * 900) ? "true" : "false"}')"
run_status "$PFTRACE" report --weight ns --flamegraph "$TMP/w.svg" --heatmap "$TMP/h.svg" "$TMP/u.dat"
check_eq "--weight ns: the pictures say what they weigh" "1 1" \
	"$(grep -c 'widths by their time (--weight ns)' "$TMP/w.svg") $(grep -c 'colour: fault time (--weight ns)' "$TMP/h.svg")"
"$PFTRACE" record -q -o "$TMP/nolat.dat" -- true
run_status "$PFTRACE" report --weight ns "$TMP/nolat.dat"
check_eq "--weight ns without every fault's latency: a failure that says so" \
	"1 pftrace: '$TMP/nolat.dat': --weight ns needs every fault's latency: record with --latency or --why" "$status $err"

# --- major faults: 64 pages of a file dropped from the page cache, read one by one (at
# 0x120000000000: a page of a library the machine paged out is another major fault). A major
# fault gives its lock up for the read, sleeps in D, is woken by the disk's interrupt (0) and
# runs again from the idle task: ftrace's pid filter leaves that switch out (perf's switch
# records give it), and the retry takes the mmap lock again. (A read that completes before
# its reader sleeps does not block; one that completes while the reader is on its way to
# sleep wakes it before its switch out)
data=$(mktemp -p "$ROOT" .pft-why.XXXXXX) # a disk filesystem: its pages can leave the cache
dev=$(stat -c '%Hd:%Ld' "$data")
run_status "$PFTRACE" record -q --why --jsonl -- "$WL" major 64 "$data"
rm -f "$data"
exact "majors"
majors=$(jq -c 'select(.major == true and (.page | startswith("0x12")))' <<<"$out")
check_eq "majors: every one that slept on its read ran again, a retry" "0" \
	"$(jq -s '[.[] | select(.why.ns.io > 0 and .why.ns.retry == 0)] | length' <<<"$majors")"
check_eq "majors: 64, each read its page, 4096 bytes, from the file's device ($dev)" "64 4096 \"$dev\"" \
	"$(jq -sc '[.[] | [.why.io_bytes, .why.io_device]] | "\(length) \(map(.[0]) | unique | join(",")) \(map(.[1]) | unique | join(",") | tojson)"' -r <<<"$majors")"
blocked=$(jq -s '[.[] | select(.why.ns.io > 0)] | length' <<<"$majors")
check_eq "majors: those that blocked on their read ($blocked of 64) were woken by the interrupt" \
	"$blocked" "$(jq -s '[.[] | select(.why.ns.io > 0 and .why.waker == 0)] | length' <<<"$majors")"

# --- the path each fault took, one known path per area (see the workload's paths): 64 pages
# of a file dropped from the cache, read with MADV_RANDOM: 64 cache misses, each read by its
# fault; read again through another mapping: fault-around, all; 4 huge pages asked for: as many
# thp faults as the kernel gave (smaps says); 64 zero-fills; 64 copies in a child; and with
# swap (zram, set up here and taken down after), 64 pages paged out: as many swap-ins as
# pagemap saw in swap, every one major
zram=/sys/block/zram0
swap_on() {
	[ -e $zram ] && [ "$(cat $zram/disksize)" = 0 ] && ! grep -q zram0 /proc/swaps || return 1
	echo 64M >$zram/disksize && mkswap /dev/zram0 >/dev/null && swapon /dev/zram0
}
swap_off() { swapoff /dev/zram0 && echo 1 >$zram/reset; }
if swap_on; then
	swap=swap
else
	swap=""
	echo "why: NOT TESTED: swap-in (no free zram device to swap to)" >&2
	[ "${PFTRACE_REQUIRE_LIVE:-}" != 1 ] || bad "swap-in: no free zram device (PFTRACE_REQUIRE_LIVE=1)"
fi
data=$(mktemp -p "$ROOT" .pft-why.XXXXXX)
run_status "$PFTRACE" record -q --why=full --jsonl -o "$TMP/p.dat" -- "$WL" paths "$data" 64 "$TMP/paths" $swap
[ -z "$swap" ] || swap_off
rm -f "$data"
check_eq "paths: the command's exit" 0 "$status"
exact "paths"
paths=$out
area() { jq -r "select(.page | startswith(\"$1\")) | .why.path$2" <<<"$paths" | sort | uniq -c | awk '{print $2 "=" $1}' | tr '\n' ' '; }
check_eq "paths: a file's pages not in the cache, read at random: 64 cache misses, majors" \
	"cache-miss=64 " "$(area 0x1800 '')"
check_eq "paths: every cache miss is a major fault, read by itself (no readahead window)" \
	"true:null=64 " "$(area 0x1800 ' + ":" + (.major | tostring) + ":" + (.why.readahead_pages | tostring)' | sed 's/^cache-miss://')"
check_match "paths: the same pages through another mapping: fault-around only" \
	"^fault-around=[0-9]+ $" "$(area 0x1900 '')"
thp=$(awk '/^thp /{print $2}' "$TMP/paths")
check_eq "paths: huge pages: as many thp faults as the kernel gave ($thp of 4)" "thp=$thp " "$(area 0x1a00 '')"
check_eq "paths: the kernel gave huge pages" true "$([ "$thp" -ge 1 ] && echo true || echo false)"
check_eq "paths: first touches of anonymous pages: 64 zero-fills" "zero-fill=64 " "$(area 0x1b00 '')"
evicted=$(awk '/^evicted /{print $2}' "$TMP/paths")
check_eq "paths: the kernel paged the file's pages out ($evicted of 64)" true "$([ "$evicted" -ge 1 ] && echo true)"
check_match "paths: the file's pages paged out and read back: a refault each, major" \
	"^evicted=$evicted (fault-around:false=[0-9]+ )?refault:true=$evicted $" \
	"evicted=$evicted $(area 0x1f00 ' + ":" + (.major | tostring)')"
check_eq "paths: a child's writes to its parent's pages: 64 copies (and the parent's 64 zero-fills)" \
	"cow=64 zero-fill=64 " "$(area 0x1c00 '')"
if [ -n "$swap" ]; then
	swapped=$(awk '/^swapped /{print $2}' "$TMP/paths")
	check_eq "paths: pages paged out to zram and touched again: $swapped swap-ins, majors" \
		"swapped=64 swap-in:true=64 zero-fill:false=64 " \
		"swapped=$swapped $(area 0x1d00 ' + ":" + (.major | tostring)')"
fi
run_status "$PFTRACE" report --jsonl "$TMP/p.dat"
check_eq "paths: the replay takes the same path, fault by fault" "" \
	"$(diff <(jq -c '[.ts, .tid, .why.path, .why.readahead_pages]' <<<"$paths") <(jq -c '[.ts, .tid, .why.path, .why.readahead_pages]' <<<"$out") | head -5)"
run_status "$PFTRACE" report --json --by path "$TMP/p.dat"
# (the summary's by_path is of the faults split; a fault without its completion is unknown)
check_eq "--by path: a row per path, the summary's by_path the same counts" "true true" \
	"$(j '[.groups[] | select(.path == "cache-miss")][0].faults >= 64') $(j '.summary as $s | ([.groups[] | {key: .path, value: .faults}] | from_entries) == ($s.why.by_path | with_entries(.value = .value.faults) | .unknown += ($s.faults - $s.why.faults) | with_entries(select(.value > 0)))')"
echo "$out" >"$TMP/p.json"
check_eq "schemas: a report by path is valid" "errors: 0" \
	"$(/usr/bin/python3 "$ROOT/tests/schema-check.py" "$ROOT/man/pftrace-report.schema.json" "$TMP/p.json" | tail -1)"
run_status "$PFTRACE" report --by path "$TMP/p.dat"
check_match "table: the paths line, and a row per path" "the paths the kernel took: .*cache-miss [0-9]+ \\(p99 .*PATH +FAULTS .* cache-miss +[0-9]+ " \
	"$(tr '\n' ' ' <<<"$out")"
run_status "$PFTRACE" report --by cause --fail-if 'io > 1us' --fail-if 'path:cache-miss.faults < 64' "$TMP/p.dat"
check_eq "gates: on a cause's time (the misses waited for I/O), on a path's row" \
	"3 1" "$status $(grep -c "fail-if 'io > 1us': io = [0-9.]* us" <<<"$err")"
check_match "--by cause: a row per cause" "CAUSE +FAULTS.* io +[0-9]+ " "$(tr '\n' ' ' <<<"$out")"

# plain --why leaves the events of every fault out, and says what that costs the paths: huge
# pages are zero-fills (a major swap-in is still one)
data=$(mktemp -p "$ROOT" .pft-why.XXXXXX)
run_status "$PFTRACE" record -q --why --jsonl -o "$TMP/q.dat" -- "$WL" paths "$data" 64 "$TMP/paths2"
rm -f "$data"
exact "paths without full"
paths=$out
check_eq "--why without full: the huge pages' faults are zero-fills" "zero-fill=4 " "$(area 0x1a00 '')"
# (as many as the kernel paged out: a page still in a CPU's LRU batch stays, and is found)
evicted=$(awk '/^evicted /{print $2}' "$TMP/paths2")
check_match "--why without full: refaults are cache misses ($evicted paged out)" \
	"^cache-miss=$evicted (fault-around=[0-9]+ )?$" "$(area 0x1f00 '')"
run_status "$PFTRACE" report --json "$TMP/q.dat"
check_eq "--why without full: the summary says so, and no rss_stat was recorded" "false 0" \
	"$(j '.summary.why.full') $(trace-cmd report "$TMP/q.dat" 2>/dev/null | grep -c -m1 rss_stat || true)"
run_status "$PFTRACE" report "$TMP/q.dat"
check_match "--why without full: the table says what it cannot tell" \
	"without --why=full, swap-cache hits and huge pages are zero-fill" "$out"
run_status "$PFTRACE" record -q --why=fast -- true
check_eq "--why=fast: a usage error" "2 pftrace: --why 'fast': only --why=full" "$status $err"

# --- the mmap lock: a thread changes the protection of the area the main thread faults in, over
# and over (its mmap lock for writing each time); faults that fall back from the area's own lock
# to the mmap lock wait, and the writer is named as the holder (20,000 faults: 185 to 388 waited
# in every trial run)
run_status "$PFTRACE" record -q --why --jsonl -o "$TMP/l.dat" -- "$WL" lockwait 20000 "$TMP/locker"
check_eq "lockwait: the command's exit" 0 "$status"
exact "lockwait"
locker=$(cat "$TMP/locker")
live=$out
waited() { jq -r 'select((.page | startswith("0x1e")) and .why.ns["mmap-lock"] > 0) | .why.mmap_lock_holder' <<<"$1"; }
check_eq "mmap lock: faults waited for it, named the writer as its holder, no other thread" "true " \
	"$([ "$(waited "$live" | grep -cx "$locker")" -ge 1 ] && echo true || echo false) $(waited "$live" | grep -vx -e "$locker" -e null | sort -u | tr '\n' ' ')"
check_eq "mmap lock: the longest wait was the writer's" "$locker" \
	"$(jq -rs '[.[] | select(.page | startswith("0x1e"))] | max_by(.why.ns["mmap-lock"]) | .why.mmap_lock_holder' <<<"$live")"
run_status "$PFTRACE" report --jsonl "$TMP/l.dat"
check_eq "mmap lock: the replay names the same holders" "" \
	"$(diff <(jq -c '[.ts, .why.mmap_lock_holder]' <<<"$live") <(jq -c '[.ts, .why.mmap_lock_holder]' <<<"$out") | head -3)"

# --- a cold sequential read through a mapping: the first fault reads a window, the faults on
# the readahead marker each start the next, every window read_ahead_kb of the file's device
data=$(mktemp -p "$ROOT" .pft-why.XXXXXX)
dd if=/dev/urandom of="$data" bs=1M count=32 status=none
sync
/usr/bin/python3 -c 'import os, sys; os.posix_fadvise(os.open(sys.argv[1], os.O_RDONLY), 0, 0, os.POSIX_FADV_DONTNEED)' "$data"
dev=$(stat -c '%Hd:%Ld' "$data")
bdi=/sys/class/bdi/$dev
[ -e "$bdi" ] || bdi=/sys/class/bdi/$(cat "/sys/dev/block/$dev/../dev")
ra=$(($(cat "$bdi/read_ahead_kb") / 4))
run_status "$PFTRACE" record -q --why --jsonl -- "$WL" mapread "$data"
rm -f "$data"
exact "readahead"
check_match "readahead: a window read by the first fault, the next ones by the marker's, each $ra pages" \
	"^cache-miss:$ra=1 (readahead-async:$ra=[0-9]+ )+$" \
	"$(jq -r 'select((.page | startswith("0x12")) and .why.readahead_pages != null) | "\(.why.path):\(.why.readahead_pages)"' <<<"$out" | sort | uniq -c | awk '{print $2 "=" $1}' | tr '\n' ' ')"

# --- reclaim: a 64 MiB file read through a mapping inside a 16 MiB memory cgroup (v1): the
# faults reclaim, and what the split calls reclaim is what the trace's reclaim intervals inside
# those faults hold, less what of them was a wait for a CPU
cg=/sys/fs/cgroup/memory/pftrace-why-$$
if mkdir "$cg" 2>/dev/null && echo 16M >"$cg/memory.limit_in_bytes"; then
	data=$(mktemp -p "$ROOT" .pft-why.XXXXXX)
	dd if=/dev/urandom of="$data" bs=1M count=64 status=none
	sync
	/usr/bin/python3 -c 'import os, sys; os.posix_fadvise(os.open(sys.argv[1], os.O_RDONLY), 0, 0, os.POSIX_FADV_DONTNEED)' "$data"
	run_status "$PFTRACE" record -q --why --jsonl -o "$TMP/m.dat" -- \
		sh -c 'echo $$ >"$0/cgroup.procs" && exec "$1" mapread "$2"' "$cg" "$WL" "$data"
	rm -f "$data"
	check_eq "memcg: the command's exit" 0 "$status"
	exact "memcg"
	echo "$out" >"$TMP/m.jsonl"
	check_eq "memcg: faults reclaimed" true "$(jq -s '[.[] | select(.why.ns.reclaim > 0)] | length > 0' "$TMP/m.jsonl")"
	read -r split inside bound pages freed < <(trace-cmd report -t "$TMP/m.dat" 2>/dev/null | /usr/bin/python3 "$ROOT/tests/reclaim-check.py" "$TMP/m.jsonl")
	check_eq "memcg: the pages the faults' reclaim freed are the trace's, exactly ($freed)" \
		"$freed true" "$pages $([ "$freed" -gt 0 ] && echo true || echo false)"
	check_eq "memcg: reclaim split ($split ns) <= the intervals in the faults ($inside ns) <= reclaim + run-queue ($bound ns)" \
		"true true" "$([ "$split" -le "$inside" ] && echo true || echo false) $([ "$inside" -le "$bound" ] && [ "$inside" -gt 0 ] && echo true || echo false)"
	# 4 huge pages asked for in 3 MiB: those the cgroup refused fall back
	echo 3M >"$cg/memory.limit_in_bytes"
	run_status "$PFTRACE" record -q --why=full --jsonl -o "$TMP/t.dat" -- \
		sh -c 'echo $$ >"$0/cgroup.procs" && exec "$1" thp 4 "$2"' "$cg" "$WL" "$TMP/thp"
	rmdir "$cg"
	exact "thp-fallback"
	thp=$(awk '/^thp /{print $2}' "$TMP/thp")
	check_eq "thp-fallback: as many thp faults as the kernel gave ($thp of 4), the others fell back" \
		"$thp $((4 - thp)) true" \
		"$(jq -s '[.[] | select(.page | startswith("0x1a"))] | "\(map(select(.why.path == "thp")) | length) \(map(select(.why.path == "thp-fallback")) | length)"' -r <<<"$out") $([ "$thp" -lt 4 ] && echo true || echo false)"
else
	rmdir "$cg" 2>/dev/null || true
	echo "why: NOT TESTED: reclaim (no v1 memory cgroup at /sys/fs/cgroup/memory)" >&2
	[ "${PFTRACE_REQUIRE_LIVE:-}" != 1 ] || bad "reclaim: no v1 memory cgroup (PFTRACE_REQUIRE_LIVE=1)"
fi

# --- a build's processes: every fault's parts sum to its latency (several processes, threads
# switching among themselves)
mkdir -p "$TMP/b"
for i in 1 2 3 4; do printf 'int f%d(int x) { return x * %d; }\n' $i $i >"$TMP/b/f$i.c"; done
printf 'all: f1.o f2.o f3.o f4.o\n%%.o: %%.c\n\tcc -O2 -c $< -o $@\n' >"$TMP/b/Makefile"
run_status "$PFTRACE" record -q --why --jsonl -- make -s -j2 -C "$TMP/b"
check_eq "make -j2: built" 0 "$status"
check_eq "make -j2: thousands of faults, each split, its parts summing to its latency" "true 0" \
	"$(jq -s 'length > 2000' <<<"$out") $(jq -s '[.[] | select(.latency_ns != null and (.why == null or (.why.ns | add) != .latency_ns))] | length' <<<"$out")"

# --- without --why nothing is split, and --no-major refuses it
run_status "$PFTRACE" record -q --json -- "$WL" touch 64
check_eq "no --why: no split" "null" "$(j .summary.why)"
run_status "$PFTRACE" record -q --why --no-major -- true
check_eq "--why --no-major: a usage error" "2 pftrace: --why comes with the completions --no-major leaves out" "$status $err"
check_eq "no instance left" "" "$(instances_left)"
finish
