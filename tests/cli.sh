#!/bin/bash
# pftrace report on saved traces: exact counts, every format, errors and exit statuses.
set -euo pipefail
SUITE=cli
. "$(dirname "$0")/lib.sh"
W=$FIX/workload
P=$FIX/python-threads

# --- the workload capture: known counts in known VMAs (tests/workload.c)
run_status "$PFTRACE" report --json -m "$W/maps.txt" "$W/trace.txt"
check_eq "workload exit" 0 "$status"
vma() { j ".vmas[] | select(.start == \"$1\") | $2"; }
check_eq "anon 4 MiB faults" 1024 "$(vma 0x100000000000 .faults)"
check_eq "anon 4 MiB writes" 1024 "$(vma 0x100000000000 .writes)"
check_eq "anon 4 MiB pages" 1024 "$(vma 0x100000000000 .pages)"
check_eq "anon 4 MiB kind" 1024 "$(vma 0x100000000000 '.by_kind["anon-first-touch"]')"
check_eq "file pages read" 512 "$(vma 0x120000000000 '.by_kind["file-read"]')"
check_eq "file faults" 512 "$(vma 0x120000000000 .faults)"
check_eq "file path" "/work/main/pft-data.bin" "$(vma 0x120000000000 .path)"
check_eq "zero-page reads" 64 "$(vma 0x110000000000 '.by_kind["anon-first-touch"]')"
check_eq "zero-page cow" 64 "$(vma 0x110000000000 '.by_kind.cow')"
check_eq "zero-page protection" 64 "$(vma 0x110000000000 .protection)"
check_eq "lost" 0 "$(j .summary.lost_events)"
check_eq "skipped" 0 "$(j .summary.skipped_lines)"
check_eq "json version" 2 "$(j .pftrace_json_version)"
run_status "$PFTRACE" report --jsonl -m "$W/maps.txt" "$W/trace.txt"
check_eq "jsonl lines = faults" 1918 "$(wc -l <<<"$out")"
check_eq "jsonl all valid" 1918 "$(jq -c . <<<"$out" | wc -l)"
check_eq "the one invalid access" '["no-vma","write"]' \
	"$(jq -c 'select(.page == "0x130000000000") | [.kind, .access]' <<<"$out")"
check_eq "file offset of the last file page" 0x1ff000 \
	"$(jq -r 'select(.page == "0x1200001ff000") | .file_offset' <<<"$out")"

# --- one run, three formats of it: trace, trace-cmd report text
for f in trace.txt report.txt; do
	run_status "$PFTRACE" report --json --kernel -m "$P/maps2.txt" "$P/$f"
	check_eq "$f exit" 0 "$status"
	eval "sum_${f%.txt}=\$(j '[.summary.faults, .summary.by_kind, .vmas[:5]] | tostring')"
done
check_eq "trace and trace-cmd report agree" "$sum_trace" "$sum_report"
# the kernel's faults on the program's memory are the program's: in by default, told apart
check_eq "kernel-mode faults in trace.txt: in by default, none on kernel addresses" "498 0 10164" \
	"$("$PFTRACE" report --json -m "$P/maps2.txt" "$P/trace.txt" | jq -r '"\(.summary.kernel_mode) \(.summary.kernel_faults_excluded) \(.summary.faults)"')"
check_eq "kernel-mode faults: mode kernel per fault" 498 \
	"$("$PFTRACE" report --jsonl -m "$P/maps2.txt" "$P/trace.txt" | jq -c 'select(.mode == "kernel" and .event == "page_fault_kernel")' | wc -l)"
run_status "$PFTRACE" report --json -m "$P/maps.txt" "$P/trace_pipe.txt"
check_eq "trace_pipe events" 10528 "$(j .summary.events)"
check_eq "trace_pipe format" ftrace-text "$(j '.source.inputs[0].format')"
run_status "$PFTRACE" report --json "$P/report.txt" -m "$P/maps2.txt"
check_eq "trace-cmd format detected" trace-cmd-text "$(j '.source.inputs[0].format')"

# --- the same bytes through stdin
run_status bash -c "cat '$W/trace.txt' | '$PFTRACE' report --json -m '$W/maps.txt' -"
check_eq "stdin faults" 1918 "$(j .summary.faults)"
check_eq "stdin name" "<stdin>" "$(j '.source.inputs[0].name')"

# --- seed lines: no timestamps, 4-column flags, stacks kept with their event
run_status "$PFTRACE" report --jsonl "$FIX/seed-lines.txt"
check_eq "seed events" 9 "$(wc -l <<<"$out")"
# the tracer's own frame (trace_event_raw_event_*) is not the fault's
check_eq "seed stack on the 6th event" '[["do_page_fault",true],["page_fault",true]]' \
	"$(sed -n 6p <<<"$out" | jq -c '[.stack[] | [.function, .kernel]]')"
check_eq "seed frame named by the trace: no address, no offset" '[null,null,"[kernel]"]' \
	"$(sed -n 6p <<<"$out" | jq -c '.stack[0] | [.ip, .file_offset, .file]')"
check_eq "seed ts null" null "$(head -1 <<<"$out" | jq .ts)"
check_eq "no maps: kind unknown, not no-vma" unknown "$(head -1 <<<"$out" | jq -r .kind)"

# --- --by, --top, --pid, --kernel
for by in vma file page ip tid kind; do
	run_status "$PFTRACE" report --json --by $by -m "$W/maps.txt" "$W/trace.txt"
	# the VMA table holds the faults that have a VMA; every other grouping holds them all
	check_eq "--by $by rows sum up" \
		"$(j "if \"$by\" == \"vma\" then .summary.faults - .summary.no_vma - .summary.by_kind[\"stack-growth\"] - .summary.no_maps else .summary.faults end")" \
		"$(j '[.groups[].faults] | add')"
	run_status "$PFTRACE" report --by $by -n 3 -m "$W/maps.txt" "$W/trace.txt"
	check_eq "--by $by table exit" 0 "$status"
done
run_status "$PFTRACE" report --json --by file -m "$W/maps.txt" "$W/trace.txt"
check_eq "--by file top" '[anon]' "$(j '.groups[0].file')"
run_status "$PFTRACE" report --json --by kind -m "$W/maps.txt" "$W/trace.txt"
check_eq "--by kind file-read" 523 "$(j '.groups[] | select(.kind == "file-read") | .faults')"
run_status "$PFTRACE" report --json -n 2 -m "$W/maps.txt" "$W/trace.txt"
check_eq "--top 2" 2 "$(j '.vmas | length')"
pid=$(jq -r 'select(.comm == "workload") | .pid' "$W/trace.txt" 2>/dev/null | head -1 || true)
pid=$(awk '/workload-/ {sub(/.*-/, "", $1); print $1; exit}' "$W/trace.txt")
run_status "$PFTRACE" report --json --pid "$pid" -m "$W/maps.txt" "$W/trace.txt"
check_eq "--pid keeps one process" 1 "$(j .summary.pids)"
check_eq "--pid counts the rest as filtered" 21 "$(j .summary.filtered_faults)"
run_status "$PFTRACE" report --json --kernel -m "$P/maps2.txt" "$P/trace.txt"
check_eq "--kernel: the same (no fault on a kernel address here)" 10164 "$(j .summary.faults)"
check_eq "kernel ip symbol kept" elf_load \
	"$("$PFTRACE" report --jsonl --kernel -m "$P/maps2.txt" "$P/trace.txt" | jq -r 'select(.event == "page_fault_kernel") | .ip_symbol' | head -1)"

# --- text traces carry no completions: major/minor is null, and said so
run_status "$PFTRACE" report --json -m "$W/maps.txt" "$W/trace.txt"
check_eq "text: no completions" "false null null" "$(j '"\(.summary.completions) \(.summary.major) \(.vmas[0].major)"')"
run_status "$PFTRACE" report -m "$W/maps.txt" "$W/trace.txt"
check_match "text: the table says why" "major/minor: unknown \(no fault completions in this trace\)" "$out"

# --- the table for people
run_status "$PFTRACE" report -m "$W/maps.txt" "$W/trace.txt"
check_match "table summary" "1918 events from .*trace.txt" "$out"
check_match "table row" "100000000000-100000400000 +rw-p +[0-9]+ +workload +1024 +0 +1024" "$out"

# --- bad input: message, exit status, nothing lost
run_status "$PFTRACE" report "$TMP/nope.txt"
check_eq "missing: exit" 1 "$status"
check_eq "missing: message" "pftrace: cannot open '$TMP/nope.txt': No such file or directory" "$err"
run_status "$PFTRACE" report "$TMP"
check_eq "directory: exit" 1 "$status"
check_eq "directory: message" "pftrace: cannot open '$TMP': Is a directory" "$err"
: >"$TMP/empty"
run_status "$PFTRACE" report "$TMP/empty"
check_eq "empty: exit" 1 "$status"
check_eq "empty: message" "pftrace: '$TMP/empty': empty file, no trace data" "$err"
head -c 65536 /dev/urandom >"$TMP/junk"
run_status "$PFTRACE" report "$TMP/junk"
check_eq "binary: exit" 1 "$status"
check_match "binary: message" "^pftrace: '$TMP/junk': binary data" "$(tail -1 <<<"$err")"
printf 'hello\nworld\n' >"$TMP/text"
run_status "$PFTRACE" report "$TMP/text"
check_eq "not a trace: exit" 1 "$status"
check_match "not a trace: message" "no trace events found" "$err"
{ head -20 "$W/trace.txt"; echo "   workload-1 [000] d.... 1.0: page_fault_user: address=0x1 ip="; sed -n 21,40p "$W/trace.txt"; echo "garbage"; } >"$TMP/mixed"
run_status "$PFTRACE" report --json -m "$W/maps.txt" "$TMP/mixed"
check_eq "malformed: still exit 0" 0 "$status"
check_eq "malformed: counted" 2 "$(j .summary.skipped_lines)"
check_eq "malformed: first" "line 21:    workload-1 [000] d.... 1.0: page_fault_user: address=0x1 ip=" "$(j '.source.inputs[0].first_skipped')"
check_match "malformed: warned" "skipped 1 malformed page-fault lines \(first: line 21:" "$err"
check_match "unrecognized: warned" "skipped 1 unrecognized lines \(first: line 42: garbage\)" "$err"
check_eq "malformed: the rest counted" 28 "$(j .summary.faults)"
printf '1000-2000 rw-p 00000000 00:00 0\nnot maps\n' >"$TMP/maps-bad"
run_status "$PFTRACE" report --json -m "$TMP/maps-bad" "$W/trace.txt"
check_eq "bad maps line: exit" 0 "$status"
check_match "bad maps line: warned" "maps-bad: skipped 1 maps lines \(first: line 2: not maps\)" "$err"
run_status "$PFTRACE" report -m "$TMP/junk" "$W/trace.txt"
check_eq "maps all junk: exit" 1 "$status"
check_match "maps all junk: message" "^pftrace: '$TMP/junk': not a maps file" "$err"
: >"$TMP/empty-maps"
run_status "$PFTRACE" report -m "$TMP/empty-maps" "$W/trace.txt"
check_eq "empty maps (cat of a gone process's maps): exit" 1 "$status"
check_eq "empty maps: message" "pftrace: '$TMP/empty-maps': empty maps file (was the process gone when it was saved?)" "$err"
run_status "$PFTRACE" report -m "$TMP/none" "$W/trace.txt"
check_eq "maps missing: message" "pftrace: cannot read maps '$TMP/none': No such file or directory" "$err"
printf '%s\n' "   wörk\xff-5 [000] d.... 1.0: page_fault_user: address=0x1000 ip=0x1 error_code=0x4" | sed 's/\\xff/\xff/' >"$TMP/utf"
run_status "$PFTRACE" report --jsonl "$TMP/utf"
check_eq "non-UTF-8 comm stays valid JSON" "wörk�" "$(jq -r .comm <<<"$out")"
run_status bash -c "'$PFTRACE' report --jsonl -m '$W/maps.txt' '$W/trace.txt' | head -1"
check_eq "jsonl into head: clean" 0 "$status"
check_eq "jsonl into head: no error" "" "$err"

# --- usage errors: exit 2
run_status "$PFTRACE" report
check_eq "no file: exit" 2 "$status"
run_status "$PFTRACE" report --by colour "$W/trace.txt"
check_eq "bad --by: exit" 2 "$status"
check_eq "bad --by: message" "pftrace: --by 'colour': use vma, file, page, ip, sym, tid, pid, comm, cgroup, kind, path or cause" "$err"
run_status "$PFTRACE" report --top -1 "$W/trace.txt"
check_eq "bad --top: exit" 2 "$status"
run_status "$PFTRACE" report --json --jsonl "$W/trace.txt"
check_eq "--json with --jsonl: exit" 2 "$status"
run_status "$PFTRACE" frobnicate
check_eq "unknown command: exit" 2 "$status"
run_status "$PFTRACE" report --help
check_eq "--help: exit" 0 "$status"
# --- diff and gates, offline
W="-m $FIX/workload/maps.txt $FIX/workload/trace.txt"
run_status "$PFTRACE" diff --by file --json -m "$FIX/workload/maps.txt" "$FIX/workload/trace.txt" "$FIX/workload/trace.txt"
check_eq "diff of a trace with itself: no change" "0 0" "$status $(j '[.rows[].delta.faults | fabs] | add')"
"$PFTRACE" report --json --by file $W >"$TMP/base.json"
run_status "$PFTRACE" diff --by file --fail-if 'faults >= 0' "$TMP/base.json" "$FIX/workload/trace.txt" -m "$FIX/workload/maps.txt"
check_eq "diff: a --json baseline; a gate that holds: 3" 3 "$status"
run_status "$PFTRACE" diff --by file --fail-if 'faults > 0' "$TMP/base.json" "$FIX/workload/trace.txt" -m "$FIX/workload/maps.txt"
check_eq "diff: a gate that does not: 0" 0 "$status"
run_status "$PFTRACE" diff "$TMP/nope.dat" "$FIX/workload/trace.txt"
check_eq "diff: a missing input: 1, named" "1 pftrace: cannot open '$TMP/nope.dat': No such file or directory" "$status $err"
printf '{"pftrace_json_version": 1}' >"$TMP/v1.json"
run_status "$PFTRACE" diff "$TMP/v1.json" "$TMP/base.json"
check_eq "diff: another JSON version: 1" 1 "$status"
check_match "diff: another JSON version: said" "not a pftrace report document of version 2" "$err"
printf '{"x":' >"$TMP/cut.json"
run_status "$PFTRACE" diff "$TMP/cut.json" "$TMP/base.json"
check_match "diff: cut JSON: 1, said" "not a JSON document" "$status $err"
run_status "$PFTRACE" diff --min-delta 5x "$TMP/base.json" "$TMP/base.json"
check_eq "diff --min-delta 5x: usage" 2 "$status"
run_status "$PFTRACE" report --fail-if 'no-vma > 5%' $W
check_eq "report --fail-if 'no-vma > 5%': 186 of 1918 holds" "3 pftrace: fail-if 'no-vma > 5%': no-vma = 9.70% (186)" "$status $err"
run_status "$PFTRACE" report --fail-if 'major > 0' $W
check_eq "report --fail-if on major without completions: cannot be decided, 1" 1 "$status"
check_match "report --fail-if on an unknown value: said" "major is not known in this input" "$err"
run_status "$PFTRACE" report --fail-if 'cow < ' $W
check_eq "report --fail-if without a number: usage" "2 pftrace: --fail-if 'cow < ': '' is not a number" "$status $err"
run_status "$PFTRACE" report --format yaml $W
check_eq "--format yaml: usage" 2 "$status"
# --maps is of the image a process ends with: in a text trace where the process execs twice
# (a shell, then the workload: capture-text.sh -H of `workload remap`), the faults before its
# last exec are unknown, not judged against the workload's maps; those after it all join
X=$FIX/two-execs
before=$(awk '/sched_process_exec: filename=\/work/ {exit} /page_fault_user/ {n++} END {print n}' "$X/trace.txt")
run_status "$PFTRACE" report --json -m "$X/maps.txt" "$X/trace.txt"
check_eq "two execs: the faults before the last one are unknown" "$before" "$(j '.summary.by_kind.unknown')"
check_eq "two execs: after it, the one no-vma (after its munmap)" 1 "$(j '.summary.no_vma')"
check_eq "two execs: the remapped place found" 49 "$(j '[.vmas[] | select(.start == "0x150000000000") | .faults] | add')"
# from a pipe there is no looking ahead: the maps serve every image (the README says so)
run_status sh -c "cat '$X/trace.txt' | '$PFTRACE' report --json -m '$X/maps.txt' -"
check_eq "two execs from a pipe: no unknown" 0 "$(j '.summary.by_kind.unknown // 0')"

# --- riscv: error_code is scause (12 instruction, 13 load, 15 store page fault), read by the
# trace's machine. The fixture is the workload's capture with each x86 code as riscv's would be.
R=$FIX/riscv
run_status "$PFTRACE" report --json --arch riscv -m "$R/maps.txt" "$R/trace.txt"
check_eq "riscv: read as riscv's" riscv "$(j '.source.inputs[0].arch')"
check_eq "riscv: text does not say where it was recorded" null "$(j '.source.inputs[0].machine')"
check_eq "riscv: reads, writes, execs from scause" "629 1232 57" \
	"$(j '"\(.summary.reads) \(.summary.writes) \(.summary.execs)"')"
check_eq "riscv: protection not known" null "$(j '.summary.protection')"
check_eq "riscv: anon stores are writes (first touch or copy-on-write: not told)" 1024 \
	"$(vma 0x100000000000 '.by_kind.write')"
check_eq "riscv: zero-page loads first touches, stores writes (x86's cow)" "64 64 0" \
	"$(vma 0x110000000000 '"\(.by_kind["anon-first-touch"]) \(.by_kind.write) \(.by_kind.cow)"')"
check_eq "riscv: file loads are file-reads" 512 "$(vma 0x120000000000 '.by_kind["file-read"]')"
check_eq "riscv: the table says protection is not told" 1 \
	"$("$PFTRACE" report --arch riscv -m "$R/maps.txt" "$R/trace.txt" 2>/dev/null |
		grep -c 'protection not told by the error_code')"
run_status "$PFTRACE" report --jsonl --arch riscv -m "$R/maps.txt" "$R/trace.txt"
check_eq "riscv: the store outside every VMA" '["no-vma","write",["store-page-fault"],"0xf"]' \
	"$(jq -c 'select(.page == "0x130000000000") | [.kind, .access, .flags, .error_code]' <<<"$out")"
check_eq "riscv: each fault's flags name its cause" \
	"instruction-page-fault load-page-fault store-page-fault" \
	"$(jq -r '.flags[0]' <<<"$out" | sort -u | paste -sd' ')"
# every kind has its colour in the flame graph (riscv's write had none: a crash)
run_status "$PFTRACE" report --arch riscv -m "$R/maps.txt" --flamegraph "$TMP/rv.svg" "$R/trace.txt"
check_eq "riscv: flame graph drawn" 0 "$status"
check_eq "riscv: flame graph's legend has the writes" 1 "$(grep -c '>write 1121<' "$TMP/rv.svg")"
run_status "$PFTRACE" report --json -m "$R/maps.txt" "$R/trace.txt"
check_eq "riscv text without --arch: read as x86's (scause 15 = prot|write|user|rsvd)" "x86 0" \
	"$(j '"\(.source.inputs[0].arch) \(.summary.by_kind.write)"')"
run_status "$PFTRACE" report --arch arm64 "$R/trace.txt"
check_eq "--arch arm64: usage" 2 "$status"
check_match "--arch arm64: said" "--arch 'arm64': use x86 \(x86_64\) or riscv \(riscv64\)" "$err"

# a trace.dat says its machine (uname, as trace-cmd writes it): the same file said to be of a
# riscv64, and of an aarch64 (no such tracepoint there), same length
run_status "$PFTRACE" report --json "$FIX/dat/record.dat"
check_eq "trace.dat: its machine" "x86_64 x86" "$(j '"\(.source.inputs[0].machine) \(.source.inputs[0].arch)"')"
x86_faults=$(j .summary.faults)
remachine() { # FILE MACHINE: record.dat with its uname's machine replaced
	python3 - "$FIX/dat/record.dat" "$1" "$2" <<'EOF2'
import sys
d = open(sys.argv[1], 'rb').read()
old = b'Linux vm 6.18.44-fc-v669 x86_64\0'
new = b'Linux v 6.18.44-fc-v669 ' + sys.argv[3].encode() + b'\0'
assert d.count(old) == 1 and len(old) == len(new)
open(sys.argv[2], 'wb').write(d.replace(old, new))
EOF2
}
remachine "$TMP/rv.dat" riscv64
run_status "$PFTRACE" report --jsonl "$TMP/rv.dat"
check_eq "trace.dat of a riscv64: its codes read as scause (x86's 4, 6, 7, 0x14: no cause)" \
	"cause-4 cause-6 cause-7" "$(jq -r '.flags[0]' <<<"$out" | sort -u | head -3 | paste -sd' ')"
run_status "$PFTRACE" report --json "$TMP/rv.dat"
check_eq "trace.dat of a riscv64: its machine, every fault" "riscv64 riscv $x86_faults" \
	"$(j '"\(.source.inputs[0].machine) \(.source.inputs[0].arch) \(.summary.faults)"')"
remachine "$TMP/arm.dat" aarch64
run_status "$PFTRACE" report --json "$TMP/arm.dat"
check_eq "trace.dat of an aarch64: refused (exit 1)" 1 "$status"
check_match "trace.dat of an aarch64: said" \
	"recorded on aarch64, whose error_code pftrace cannot read \(--arch x86 or riscv says how to\)" "$err"
remachine "$TMP/esc.dat" $'\e[2Jabc'
run_status "$PFTRACE" report --json "$TMP/esc.dat"
check_match "trace.dat of a hostile machine name: said escaped" 'recorded on \\x1b\[2Jabc,' "$err"
run_status "$PFTRACE" report --json --arch x86 "$TMP/arm.dat"
check_eq "trace.dat of an aarch64, --arch x86: read" "aarch64 x86 $x86_faults" \
	"$(j '"\(.source.inputs[0].machine) \(.source.inputs[0].arch) \(.summary.faults)"')"

# --- trace.dat is read by pftrace itself: every event as libtracecmd reads it (v6, v7 zstd)
for f in dat/record.dat dat/record-v7.dat python-threads/trace.dat; do
	run_status "$ROOT/tests/datoracle" "$FIX/$f"
	check_match "$f: the events pftrace reads are libtracecmd's" "events, identical\$" "$out"
done
finish
