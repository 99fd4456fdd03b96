#!/bin/bash
# record --source: perf's page-faults event beside the tracepoints on the same deterministic
# workloads. The same faults (address, ip, user or kernel mode, VMA), the same verdicts, the
# kernel's counters met the same way; the access inferred only where the VMA or the ip imply
# it, and then as the error code says. And without root (as nobody): perf's events alone.
# Needs root and tracefs (CI: PFTRACE_REQUIRE_LIVE=1).
set -euo pipefail
SUITE=sources
. "$(dirname "$0")/lib.sh"
WL=$ROOT/tests/workload

require_live
data=$(mktemp -p "$ROOT" .pft-data.XXXXXX) # a disk filesystem: its pages can leave the cache
trap 'rm -rf "$TMP" "$data"' EXIT

# --- the known pattern, VMA by VMA (its file is dropped from the cache by the workload)
run_status "$PFTRACE" record -q --json --source perf -o "$TMP/p.dat" -- "$WL" pattern "$TMP/maps.txt" "$data"
check_eq "pattern: exit" 0 "$status"
perf=$out
run_status "$PFTRACE" record -q --json --source tracefs -- "$WL" pattern "$TMP/maps.txt" "$data"
check_eq "pattern, tracefs: exit" 0 "$status"
tp=$out
row() { jq -c "[.vmas[] | select(.start == \"$2\")][0] | $3" <<<"$1"; }
check_eq "fault event said" '"perf:page-faults" "exceptions:page_fault"' \
	"$(jq '.source.inputs[0].fault_event' <<<"$perf") $(jq '.source.inputs[0].fault_event' <<<"$tp")"
for a in 0x100000000000 0x110000000000 0x120000000000; do
	check_eq "pattern $a: faults, major, minor as the tracepoint's" "$(row "$tp" $a '[.faults, .major, .minor]')" \
		"$(row "$perf" $a '[.faults, .major, .minor]')"
done
check_eq "anon rw-p: the access not implied (anon)" '[1024,1024,1024]' \
	"$(row "$perf" 0x100000000000 '[.faults, .access_unknown, .by_kind.anon]')"
check_eq "anon rw-p, tracefs: writes" '[1024,1024]' "$(row "$tp" 0x100000000000 '[.writes, .by_kind["anon-first-touch"]]')"
check_eq "file r--p: reads implied, file-read" '[512,512,0,512]' \
	"$(row "$perf" 0x120000000000 '[.reads, .by_kind["file-read"], .access_unknown, .major]')"
check_eq "no-vma: as the tracepoint's" "$(jq .summary.no_vma <<<"$tp")" "$(jq .summary.no_vma <<<"$perf")"
check_eq "error codes absent: protection null" null "$(jq .summary.protection <<<"$perf")"
check_eq "kernel's counters: traced = counted, as with the tracepoint" \
	"$(jq '.summary.kernel_counters | .traced - .min_flt - .maj_flt' <<<"$tp")" \
	"$(jq '.summary.kernel_counters | .traced - .min_flt - .maj_flt' <<<"$perf")"
check_eq "majors: all of them" 1 "$(jq .summary.kernel_counters.major_coverage <<<"$perf")"

# --- its trace.dat says the same, and trace-cmd still reads the file
run_status "$PFTRACE" report --json "$TMP/p.dat"
check_eq "replay: exit" 0 "$status"
check_eq "replay: the same summary" "$(jq -c '.summary | del(.first_ts, .last_ts)' <<<"$perf")" \
	"$(j '.summary | del(.first_ts, .last_ts)' | jq -c .)"
check_eq "replay: the same VMAs" "$(jq -c '[.vmas[] | [.start, .faults, .by_kind, .major]]' <<<"$perf")" \
	"$(j '[.vmas[] | [.start, .faults, .by_kind, .major]]' | jq -c .)"
check_eq "replay: fault event" perf:page-faults "$(j '.source.inputs[0].fault_event')"
trace-cmd report "$TMP/p.dat" >/dev/null 2>"$TMP/tc.err" || true
check_eq "trace-cmd report reads it" "" "$(cat "$TMP/tc.err")"

# --- a kernel without the fault tracepoint (arm64): tracefs with no events/exceptions, made in a
# mount namespace of its own (a tmpfs over that directory). auto takes perf's event with a
# notice, the history still from the instance; the same rows as above, and its trace.dat (no
# fault event's format in it) reads back the same
tdir=$(awk '$3 == "tracefs" {print $2; exit}' /proc/mounts)
unshare -m sh -c 'mount --make-rprivate / && mount -t tmpfs none "$1/events/exceptions" &&
	exec "$2" record --json -o "$3" -- "$4" pattern "$5" "$6"' sh "$tdir" "$PFTRACE" \
	"$TMP/arm.dat" "$WL" "$TMP/maps.txt" "$data" >"$TMP/arm.json" 2>"$TMP/arm.err" || true
check_eq "no fault tracepoint: perf's event, said" \
	"pftrace: this kernel has no exceptions/page_fault_user event (arm64 has none): faults from perf's page-faults event, without error codes (--source) perf:page-faults" \
	"$(grep 'no exceptions' "$TMP/arm.err") $(jq -r '.source.inputs[0].fault_event' "$TMP/arm.json")"
for a in 0x100000000000 0x110000000000 0x120000000000; do
	check_eq "no fault tracepoint, pattern $a: as the tracepoint's" "$(row "$tp" $a '[.faults, .major, .minor]')" \
		"$(row "$(cat "$TMP/arm.json")" $a '[.faults, .major, .minor]')"
done
check_eq "no fault tracepoint: its trace.dat has no fault event's format" 0 \
	"$(trace-cmd report --events "$TMP/arm.dat" 2>/dev/null | grep -c 'page_fault_user' || true)"
run_status "$PFTRACE" report --json "$TMP/arm.dat"
check_eq "no fault tracepoint, replay: the same VMAs" \
	"$(jq -c '[.vmas[] | [.start, .faults, .by_kind, .major]]' "$TMP/arm.json")" \
	"$(j '[.vmas[] | [.start, .faults, .by_kind, .major]]' | jq -c .)"

# --- fault by fault, without address randomisation: the same (address, ip, mode, VMA)
# multiset; where perf's access is told it is the error code's, and its kind is the
# tracepoint's (or anon/file for one in the same kind of mapping)
for s in tracefs perf; do
	"$PFTRACE" record -q --jsonl --source $s -- setarch -R "$WL" touch 2000 >"$TMP/$s.jsonl" 2>"$TMP/$s.err" ||
		bad "fault by fault: the $s recording failed: $(tail -1 "$TMP/$s.err")"
	jq -r 'select(.comm == "workload") | "\(.address) \(.ip) \(.mode) \(.vma.start) \(.vma.path)"' \
		"$TMP/$s.jsonl" | sort >"$TMP/$s.set"
	jq -r 'select(.comm == "workload") | "\(.address)/\(.ip) \(.access) \(.kind) \(.vma.inode // 0)"' \
		"$TMP/$s.jsonl" | sort -u -k1,1 >"$TMP/$s.kinds"
done
check_eq "touch: faults of the workload" true "$([ "$(wc -l <"$TMP/perf.set")" -gt 2000 ] && echo true)"
check_eq "touch: the same faults, fault by fault" "" "$(diff "$TMP/tracefs.set" "$TMP/perf.set" | head -5)"
bad_inference=$(join "$TMP/tracefs.kinds" "$TMP/perf.kinds" | awk '
	$5 != "null" && $5 != $2 { print "access", $0; next }
	$6 == $3 { next }
	$6 == "anon" && $7 == 0 && $3 ~ /^(anon-first-touch|cow|write-protect)$/ { next }
	$6 == "file" && $7 != 0 && $3 ~ /^(file-read|file-write|cow|write-protect)$/ { next }
	{ print "kind", $0 }' | head -5)
check_eq "touch: faults joined by address and ip" true \
	"$([ "$(join "$TMP/tracefs.kinds" "$TMP/perf.kinds" | wc -l)" -gt 2000 ] && echo true)"
check_eq "touch: every access told is the error code's, every kind fits" "" "$bad_inference"
check_eq "touch: execs inferred (the ip's own page)" true \
	"$([ "$(awk '$2 == "exec"' "$TMP/perf.kinds" | wc -l)" -gt 5 ] && echo true)"
check_eq "touch: the verdicts (major or minor) all told" 0 \
	"$(jq -s '[.[] | select(.comm == "workload" and .major == null)] | length' "$TMP/perf.jsonl")"
check_eq "per fault: error_code and flags null, cpu told" '[null,null,true]' \
	"$(jq -sc '[.[] | select(.comm == "workload")][0] | [.error_code, .flags, (.cpu | type == "number")]' "$TMP/perf.jsonl")"

# --- the kernel's faults on the program's memory (read() into fresh pages): kernel mode
run_status "$PFTRACE" record -q --json --by vma --source perf -- "$WL" kernel 64
check_eq "kernel: exit" 0 "$status"
check_eq "kernel mode: each page, told as the kernel's" 64 "$(j .summary.kernel_mode)"
check_eq "kernel mode: 64 in the area, access not told" '[64,64]' \
	"$(j '[.vmas[] | select(.start == "0x140000000000")][0] | [.faults, .access_unknown]' | jq -c .)"

# --- the table says what it could not tell
run_status "$PFTRACE" record -q --source perf -- "$WL" touch 100
check_match "table: accesses not told" 'not told \(no error_code\)' "$err$out"

# --- without root: perf's events alone (perf_event_paranoid 2 allows a user's own tasks, user
# mode only). pftrace and the workload are copied where nobody may run them.
paranoid=$(cat /proc/sys/kernel/perf_event_paranoid)
check_eq "perf_event_paranoid lets a user trace their own tasks (<= 2)" true "$([ "$paranoid" -le 2 ] && echo true)"
nb=$(mktemp -d)
trap 'rm -rf "$TMP" "$data" "$nb"' EXIT
chmod 755 "$nb"
cp "$PFTRACE" "$WL" "$ROOT/tests/lsan.supp" "$nb/"
mkdir "$nb/out" && chown nobody "$nb/out"
# (a sanitized build reads its suppressions where nobody may: the clone's directory is root's)
# root's runs compared with nobody's have the same environment (the workload's stack holds it)
# the same environment, byte for byte, whoever runs it: its size moves the stack, so which
# instruction first touches a stack page (bash's own $_ differed: /usr/bin/env, /usr/bin/setpriv)
nb_env=(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin ${ASAN_OPTIONS:+ASAN_OPTIONS=$ASAN_OPTIONS}
	${LSAN_OPTIONS:+LSAN_OPTIONS=suppressions=$nb/lsan.supp:print_suppressions=0})
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "${nb_env[@]}" "$@"; }
run_status as_nobody "$nb/pftrace" record --json -- "$nb/workload" kernel 64
check_eq "nobody: exit" 0 "$status"
check_match "nobody: says it has no tracefs, and what it does instead" \
	"no permission to use tracefs .*perf's page-faults event" "$err"
check_eq "nobody: perf's event, user mode only" '["perf:page-faults",true]' \
	"$(j '[.source.inputs[0].fault_event, .summary.user_mode_only]' | jq -c .)"
check_eq "nobody: every fault's completion, every verdict" '["all",0]' \
	"$(j '[.summary.latency_of, .summary.major_unknown]' | jq -c .)"
check_eq "nobody: the kernel's counters less the 64 faults the kernel took (read() into the pages)" 64 \
	"$(j '.summary.kernel_counters | .min_flt + .maj_flt - .traced')"
run_status "$PFTRACE" record -q --json --source perf -- "$WL" kernel 64
check_eq "root, the same: those 64 seen, in kernel mode, and nothing else missing" '[64,0]' \
	"$(j '[.summary.kernel_mode, (.summary.kernel_counters | .min_flt + .maj_flt - .traced)]' | jq -c .)"
run_status as_nobody "$nb/pftrace" record -- "$nb/workload" kernel 64
check_match "nobody: the table says what is not traced" "user mode only: the faults the kernel takes" "$err$out"
# fault by fault (no address randomisation): the user-mode faults of perf's event as root
for who in nobody root; do
	if [ $who = nobody ]; then
		as_nobody setarch -R "$nb/pftrace" record -q --jsonl -- "$nb/workload" touch 2000 >"$TMP/$who.jsonl" 2>"$TMP/$who.err" ||
			bad "fault by fault: nobody's recording failed: $(tail -1 "$TMP/$who.err")"
	else
		"${nb_env[@]}" "$PFTRACE" record -q --jsonl --source perf -- setarch -R "$nb/workload" touch 2000 \
			>"$TMP/$who.jsonl" 2>"$TMP/$who.err" || bad "fault by fault: root's recording failed: $(tail -1 "$TMP/$who.err")"
	fi
	jq -r 'select(.comm == "workload" and .mode == "user") | "\(.page) \(.ip) \(.vma.start) \(.vma.perms) \(.vma.path) \(.kind) \(.access)"' \
		"$TMP/$who.jsonl" | sort >"$TMP/$who.set"
done
check_eq "nobody: faults of the workload" true "$([ "$(wc -l <"$TMP/nobody.set")" -gt 2000 ] && echo true)"
check_eq "nobody: root's user-mode faults, fault by fault (page, ip, VMA, kind)" "" \
	"$(diff "$TMP/root.set" "$TMP/nobody.set" | head -5)"
# a mapping removed, then touched (SIGSEGV): perf's records tell no munmap, the missing
# completion tells the kernel refused it: unknown, not a fault of the mapping that was there
run_status as_nobody "$nb/pftrace" record --jsonl -- "$nb/workload" pattern "$nb/out/maps.txt" "$nb/out/data.bin"
check_eq "nobody: the fault in the removed mapping is unknown" '["unknown",null,null]' \
	"$(jq -c 'select(.page == "0x130000000000") | [.kind, .vma, .major]' <<<"$out")"
check_eq "nobody: the file's pages, majors by the completions" '[512,512]' \
	"$(jq -sc '[.[] | select(.vma.start == "0x120000000000")] | [length, ([.[] | select(.major)] | length)]' <<<"$out")"
# a tree: the processes a shell starts, named (perf's FORK records carry no comm: the parent's,
# until the exec's COMM), each with its own faults
run_status as_nobody "$nb/pftrace" record --json --by pid -- sh -c "'$nb/workload' touch 300; '$nb/workload' touch 300"
check_eq "nobody: a shell and its two children" "sh workload workload" \
	"$(j '[.processes[] | .comm] | sort | join(" ")')"
check_eq "nobody: each child's pages, in its own process" "2" \
	"$(j '[.processes[] | select(.comm == "workload" and .faults >= 300)] | length')"
check_eq "nobody: no task without a name" 0 "$(j '[.processes[] | select(.comm == "<...>" or .comm == null)] | length')"
# -p of a process of one's own: armed (in its poll loop) while the process waits at its FIFO,
# then its 1,000 pages: every fault traced, as many as the kernel counted for it
mkfifo "$nb/out/gate" && chown nobody "$nb/out/gate"
# (not the function: its subshell would be the pid)
setpriv --reuid=nobody --regid=nogroup --clear-groups "$nb/workload" gated "$nb/out/gate" 1000 >/dev/null 2>&1 &
g=$!
blocked $g
setpriv --reuid=nobody --regid=nogroup --clear-groups "${nb_env[@]}" "$nb/pftrace" record --json -p $g \
	>"$TMP/np.json" 2>"$TMP/np.err" &
rec=$!
for i in $(seq 1000); do
	grep -q poll "/proc/$rec/wchan" 2>/dev/null && break
	sleep 0.01
done
echo x >"$nb/out/gate"
st=0
wait $rec || st=$?
check_eq "nobody -p: exit ($(tail -1 "$TMP/np.err"))" 0 "$st"
wait $g || true
check_match "nobody -p: says what it does without tracefs" "the processes' faults from perf's page-faults event" \
	"$(cat "$TMP/np.err")"
check_eq "nobody -p: its process, its 1,000 pages and more" true \
	"$(jq '.summary.pids == 1 and .processes[0].pid == '$g' and .summary.faults >= 1000' "$TMP/np.json")"
check_eq "nobody -p: traced = the kernel's count for it" "$(jq .summary.faults "$TMP/np.json")" \
	"$(jq '.summary.kernel_counters | .min_flt + .maj_flt' "$TMP/np.json")"
check_eq "nobody -p: every fault placed" 0 "$(jq '.summary.no_maps + .summary.by_kind.unknown' "$TMP/np.json")"
run_status as_nobody "$nb/pftrace" record -p 1 -d 1
check_eq "nobody -p of another's process: refused" 1 "$status"
check_match "nobody -p of another's process: says why" "process 1 .* is not one's own: without root" "$err"
# what needs tracefs says so
for o in "-a -d 1" "-o $nb/out/x.dat -- true" "--why -- true" "--no-major -- true"; do
	run_status as_nobody "$nb/pftrace" record $o
	check_eq "nobody: record $o: refused" 1 "$status"
	check_match "nobody: record $o: says why" "no permission to use tracefs .*needs it, run as root" "$err"
done
run_status as_nobody "$nb/pftrace" record --source tracefs -- true
check_eq "nobody: --source tracefs: refused" 1 "$status"
check_match "nobody: --source tracefs: says why" "no permission to use tracefs" "$err"

# --- usage
run_status "$PFTRACE" record --source bogus -- true
check_eq "--source bogus: usage" 2 "$status"
check_match "--source bogus: says which" "use auto, tracefs or perf" "$err"
run_status "$PFTRACE" record --source perf --cgroup / -d 1
check_eq "--source perf --cgroup: usage" 2 "$status"
check_eq "no pftrace instance left" "" "$(instances_left)"
finish
