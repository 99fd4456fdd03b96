#!/bin/bash
# Can live tracing tests run here? Exit 0 if so; otherwise say why, loudly, and exit 1.
T=/sys/kernel/tracing
why=""
if [ "$(id -u)" != 0 ]; then
	why="not root"
elif [ ! -d $T/events ] && ! mount -t tracefs nodev $T 2>/dev/null; then
	why="tracefs is not mounted and cannot be mounted"
elif [ ! -d $T/events/exceptions/page_fault_user ]; then
	why="no exceptions:page_fault_user tracepoint"
elif ! command -v trace-cmd >/dev/null; then
	why="trace-cmd is not installed (scripts/install-deps.sh)"
fi
[ -z "$why" ] && exit 0
echo "!!! LIVE TESTS NOT RUN: $why !!!" >&2
exit 1
