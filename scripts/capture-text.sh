#!/bin/bash
# Capture an ftrace text trace of a command by hand-driving tracefs: the way pftrace's text
# fixtures were made (and what `pftrace record` automates).
#   scripts/capture-text.sh [-k] [-t] OUT -- COMMAND [ARGS]
#   -k  also page_fault_kernel      -t  options/record-tgid (TGID column)
# Writes the instance's `trace` file to OUT. Needs root and tracefs.
set -euo pipefail
kernel=0 tgid=0
while getopts kt o; do
	case $o in
	k) kernel=1 ;;
	t) tgid=1 ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
out=$1
shift
[ "${1:-}" = -- ] && shift
T=/sys/kernel/tracing
[ -d $T/events ] || mount -t tracefs nodev $T
inst=$T/instances/pftrace-capture-$$
mkdir "$inst"
trap 'echo 0 > "$inst/tracing_on" 2>/dev/null; echo 0 > "$inst/events/enable" 2>/dev/null; rmdir "$inst"' EXIT
echo 8192 > "$inst/buffer_size_kb"
echo 1 > "$inst/options/event-fork"
[ $tgid = 1 ] && echo 1 > "$inst/options/record-tgid"
echo 1 > "$inst/events/exceptions/page_fault_user/enable"
[ $kernel = 1 ] && echo 1 > "$inst/events/exceptions/page_fault_kernel/enable"
# the child puts itself in the filter, then execs: the trace starts at the command's first fault
bash -c 'echo $$ > "$1/set_event_pid"; shift; exec "$@"' _ "$inst" "$@"
cat "$inst/trace" > "$out"
