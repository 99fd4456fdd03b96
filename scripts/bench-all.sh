#!/bin/bash
# What record -a costs to start, and what it holds, on a machine with N more idle processes
# (each a sleeping shell child, with a libc's maps): the maps walk pftrace says it did, the
# whole run's wall time and pftrace's peak memory, beside perf record -a on the same machine
# (its start-up walk of /proc is the same kind of work) and a -- COMMAND run of one process.
# With storm: what it holds as processes end, over a storm of N short processes (a shell
# running /bin/true N times), exited processes' areas folded once 16 have ended after them and
# every one kept apart (--keep-exited of more than N): peak memory and wall time.
# Medians of ROUNDS. Needs root, tracefs, perf. Timings stay out of the test suite.
#   scripts/bench-all.sh [N...]         (default: 100 1000)
#   scripts/bench-all.sh storm [N...]   (default: 600 2400)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${ROUNDS:-5}
T=/sys/kernel/tracing
[ -d $T/events ] || mount -t tracefs nodev $T
make -s pftrace
dir=$(mktemp -d /var/tmp/pft-bench-all.XXXXXX)
idle=()
trap 'kill ${idle[@]:-} 2>/dev/null; rm -rf "$dir"' EXIT
median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

# one run: "walk_ms wall_ms maxrss_kb" (its output in $dir/out)
one() {
	/usr/bin/time -f '%e %M' -o "$dir/time" "$@" >"$dir/out" 2>"$dir/err" || true
	local walk
	walk=$(sed -nE 's/.*processes, their maps read in ([0-9]+) ms.*/\1/p' "$dir/err")
	read -r wall rss <"$dir/time"
	echo "${walk:--} $(awk -v w="$wall" 'BEGIN {print int(w * 1000)}') $rss"
}

# storm N...: record -a over N short processes, folded and not
storm() {
	local n keep r
	printf '%-8s %-14s %10s %12s %10s\n' "N" "KEEP-EXITED" "WALL ms" "MAXRSS KiB" "FOLDED"
	for n in "${@:-600 2400}"; do
		for keep in 16 $((n * 10)); do
			: >"$dir/wall"
			: >"$dir/rss"
			for r in $(seq "$rounds"); do
				read -r _ t m <<<"$(one ./pftrace record -a -q --json --keep-exited "$keep" -- \
					sh -c "i=0; while [ \$i -lt $n ]; do /bin/true; i=\$((i + 1)); done")"
				echo "$t" >>"$dir/wall"
				echo "$m" >>"$dir/rss"
			done
			printf '%-8s %-14s %10s %12s %10s\n' "$n" "$keep" "$(median <"$dir/wall")" \
				"$(median <"$dir/rss")" "$(jq .summary.folded_processes "$dir/out")"
		done
	done
}
if [ "${1:-}" = storm ]; then
	shift
	storm "$@"
	exit 0
fi

printf '%-8s %-22s %10s %10s %12s\n' "IDLE" "RUN" "WALK ms" "WALL ms" "MAXRSS KiB"
for n in "${@:-100 1000}"; do
	for n1 in $n; do
		while [ ${#idle[@]} -lt "$n1" ]; do
			sleep 3600 &
			idle+=($!)
		done
		procs=$(ls -d /proc/[0-9]* | wc -l)
		for run in pftrace-a perf-record-a pftrace-command; do
			: >"$dir/walk"
			: >"$dir/wall"
			: >"$dir/rss"
			for r in $(seq "$rounds"); do
				case $run in
				pftrace-a) res=$(one ./pftrace record -a -d 0.2 --json) ;;
				perf-record-a) res=$(one perf record -a -o "$dir/perf.data" -e exceptions:page_fault_user -- sleep 0.2) ;;
				pftrace-command) res=$(one ./pftrace record --json -- sleep 0.2) ;;
				esac
				read -r w t m <<<"$res"
				echo "$w" >>"$dir/walk"
				echo "$t" >>"$dir/wall"
				echo "$m" >>"$dir/rss"
			done
			printf '%-8s %-22s %10s %10s %12s\n' "$n1" "$run ($procs procs)" \
				"$(median <"$dir/walk")" "$(median <"$dir/wall")" "$(median <"$dir/rss")"
		done
	done
done
