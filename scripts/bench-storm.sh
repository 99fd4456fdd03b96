#!/bin/bash
# Memory bounded by what is alive: `record -a` over a storm of N short processes (a shell
# running /bin/true N times), pftrace's peak RSS and wall time, with exited processes' areas
# folded once 16 have ended after them and with every one kept apart (--keep-exited of more
# than N). Medians of ROUNDS. Needs root and tracefs. Timings stay out of the test suite.
#   scripts/bench-storm.sh [N...]   (default: 600 2400)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${ROUNDS:-3}
T=/sys/kernel/tracing
[ -d $T/events ] || mount -t tracefs nodev $T
make -s pftrace
dir=$(mktemp -d /var/tmp/pft-bench-storm.XXXXXX)
trap 'rm -rf "$dir"' EXIT
median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

printf '%-8s %-14s %10s %12s %10s\n' "N" "KEEP-EXITED" "WALL ms" "MAXRSS KiB" "FOLDED"
for n in "${@:-600 2400}"; do
	for keep in 16 $((n * 10)); do
		: >"$dir/wall"
		: >"$dir/rss"
		for r in $(seq "$rounds"); do
			/usr/bin/time -f '%e %M' -o "$dir/time" ./pftrace record -a -q --json \
				--keep-exited "$keep" -- sh -c "i=0; while [ \$i -lt $n ]; do /bin/true; i=\$((i + 1)); done" \
				>"$dir/out.json" 2>/dev/null
			read -r wall rss <"$dir/time"
			awk -v w="$wall" 'BEGIN {print int(w * 1000)}' >>"$dir/wall"
			echo "$rss" >>"$dir/rss"
		done
		printf '%-8s %-14s %10s %12s %10s\n' "$n" "$keep" "$(median <"$dir/wall")" \
			"$(median <"$dir/rss")" "$(jq .summary.folded_processes "$dir/out.json")"
	done
done
