#!/bin/bash
# Capture an ftrace text trace of a command by hand-driving tracefs: the way pftrace's text
# fixtures were made (and what `pftrace record` automates).
#   scripts/capture-text.sh [-k] [-t] [-H] [-S] [-d DAT] OUT -- COMMAND [ARGS]
#   -k  also page_fault_kernel      -t  options/record-tgid (TGID column)
#   -H  also the events that tell how address spaces change (exec, exit, newtask, the mmap
#       family's syscalls): what pftrace report replays as history from a text trace
#   -S  options/stacktrace and userstacktrace: a kernel and a user stack after each event
#   -d  also save the same events as DAT with `trace-cmd extract` (trace-cmd's own trace.dat)
# Writes the instance's `trace` file to OUT. Needs root and tracefs.
set -euo pipefail
kernel=0 tgid=0 history=0 stacks=0 dat=
while getopts ktHSd: o; do
	case $o in
	k) kernel=1 ;;
	t) tgid=1 ;;
	H) history=1 ;;
	S) stacks=1 ;;
	d) dat=$OPTARG ;;
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
trap '[ ! -d "$inst" ] || { echo 0 > "$inst/tracing_on"; echo 0 > "$inst/events/enable"; rmdir "$inst"; }' EXIT
echo 8192 > "$inst/buffer_size_kb"
echo 1 > "$inst/options/event-fork"
[ $tgid = 1 ] && echo 1 > "$inst/options/record-tgid"
if [ $stacks = 1 ]; then
	echo 1 > "$inst/options/stacktrace"
	echo 1 > "$inst/options/userstacktrace"
fi
enable=(exceptions/page_fault_user)
[ $kernel = 1 ] && enable+=(exceptions/page_fault_kernel)
if [ $history = 1 ]; then
	enable+=(sched/sched_process_exec sched/sched_process_exit task/task_newtask)
	for s in mmap munmap mprotect pkey_mprotect mremap brk shmdt; do
		enable+=(syscalls/sys_enter_$s syscalls/sys_exit_$s)
	done
fi
# the child waits, is put in the filter, the events are enabled, then it execs: the trace has
# the command's faults from its first, and no other process's
gate=$(mktemp -d)
go=$gate/go
mkfifo "$go"
bash -c 'read -r _ <"$1"; shift; exec "$@"' _ "$go" "$@" &
child=$!
echo "$child" >"$inst/set_event_pid"
for e in "${enable[@]}"; do echo 1 >"$inst/events/$e/enable"; done
echo go >"$go"
rm -rf "$gate"
status=0
wait "$child" || status=$?
echo 0 > "$inst/events/enable"
cat "$inst/trace" > "$out"
# reading `trace` does not consume the buffer: extract gets the very same events
[ -z "$dat" ] || trace-cmd extract -B "$(basename "$inst")" -o "$dat" >/dev/null 2>&1
exit $status
