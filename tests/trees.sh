#!/bin/bash
# Process trees, live: every fault of every process named exactly, checked against the kernel's
# own counters and against perf trace, and the same answer from the trace.dat. The workloads
# people trace: a parallel build, a launcher that execs, a shell loop of short-lived programs, a
# Python fork pool, a server that forks children that exec (-p), a prefork server's master (-p)
# whose workers were running before pftrace came.
# Needs root, tracefs, perf and python3 (scripts/install-deps.sh).
set -euo pipefail
SUITE=trees
. "$(dirname "$0")/lib.sh"
T=/sys/kernel/tracing
F=$ROOT/tests/fixtures/trees

require_live
for tool in python3 perf make nginx curl; do
	command -v $tool >/dev/null || {
		bad "$tool is not installed (scripts/install-deps.sh)"
		finish
		exit 0
	}
done

# The oracles, on $TMP/NAME.json (the live report) and $TMP/NAME.dat (its trace.dat).
check_tree() {
	local n=$1 live=$TMP/$1.json off
	check_eq "$n: faults were traced" true "$(jq '.summary.faults > 100' "$live")"
	check_eq "$n: unknown (no VMA named) at most 0.1%" true \
		"$(jq '.summary.no_maps <= .summary.faults / 1000' "$live")"
	check_eq "$n: no false no-vma or bad-access (nothing crashed)" "0 0" \
		"$(jq -r '"\(.summary.no_vma) \(.summary.by_kind["bad-access"])"' "$live")"
	check_eq "$n: nothing lost" "0 0 0" \
		"$(jq -r '.summary | "\(.lost_events) \(.lost_mapping_records) \(.bad_pages)"' "$live")"
	check_eq "$n: the maps rebuilt agree with every /proc snapshot" 0 \
		"$(jq .summary.maps_checks.disagreed "$live")"
	# (a process traced with no fault, a -p target's child waiting, has them too)
	check_eq "$n: every process has the kernel's counters" "" \
		"$(jq -r '[.processes[] | select(.kernel_min_flt == null) | .pid] | join(",")' "$live")"
	check_eq "$n: counters cover at least every process that faulted" true \
		"$(jq '.summary.kernel_counters.processes >= .summary.pids' "$live")"
	# per process, what the kernel counted is what was traced (--kernel: kernel-mode faults on
	# user memory too), but for exec's argument pages (copied with get_user_pages, which has no
	# tracepoint: 1 or 2 per exec), a task's last write at exit (its clear_child_tid, taken
	# after the kernel's exit accounting) and the faults given up for a signal (a shell's
	# SIGCHLD while it waits for a page: counted once taken again)
	off=$(jq -r '[.processes[] | select(.kernel_min_flt != null)
		| ((.kernel_min_flt + .kernel_maj_flt) - (.faults - (.restarted // 0))) as $d
		| select($d < -1 or $d > 2 * .exec_calls)
		| "\(.pid) \(.comm): counted \(.kernel_min_flt + .kernel_maj_flt), traced \(.faults), restarted \(.restarted), exec \(.exec_calls)"]
		| join("; ")' "$live")
	check_eq "$n: each process: traced = the kernel's counters (but exec's argument pages)" "" "$off"
	check_eq "$n: each process over 1000 faults: within 0.5% of the kernel's counters" "" \
		"$(jq -r '[.processes[] | select(.kernel_min_flt != null and .faults > 1000)
			| select((.coverage - 1) | fabs > 0.005) | .pid] | join(",")' "$live")"
	# the trace.dat gives the identical answer
	"$PFTRACE" report --json --kernel "$TMP/$n.dat" >"$TMP/$n.replay.json"
	for k in summary vmas processes; do
		check_eq "$n: its trace.dat replayed: the same $k" "$(jq -cS ".$k" "$live" | md5sum)" \
			"$(jq -cS ".$k" "$TMP/$n.replay.json" | md5sum)"
	done
}

# --- the comparison's own rules, on a made-up case: a match, perf's stale name of a library's data
# (read through ld.so's first whole-file mapping: another offset of the same file), and a fault
# nothing explains
run_status python3 "$ROOT/tests/perf-compare.py" "$F/perfcmp.perf" "$F/perfcmp.jsonl"
check_eq "perf-compare: a stale offset explained, the other difference not" \
	"1 perf-named 3, matched 1, perf-only 2 (perf stale 1), pftrace-only 1" "$status $(head -1 <<<"$out")"
run_status python3 "$ROOT/tests/perf-compare.py" <(head -2 "$F/perfcmp.perf") "$F/perfcmp.jsonl"
check_eq "perf-compare: without it, nothing unexplained" 0 "$status"

# --- make -j2 of a real multi-file C project (pftrace's own sources; man/ holds the schema built
# in), under perf trace too
mkdir "$TMP/src"
cp -r "$ROOT/lib" "$ROOT/cmd" "$ROOT/man" "$ROOT/Makefile" "$TMP/src/"
rm -f "$TMP"/src/lib/*.[oda] "$TMP"/src/cmd/*.[od]
# --sort-events: unsorted, perf takes a CPU's late faults after another CPU's exec record and names
# pftrace's own child, before it execs make, "make" (its faults are left out of the comparison)
(cd "$TMP/src" && perf trace --no-syscalls --sort-events -F all -o "$TMP/build.perf" -- \
	"$PFTRACE" record -q --kernel --json -o "$TMP/build.dat" -- make -j2 pftrace) \
	>"$TMP/build.json" 2>"$TMP/build.err"
check_eq "build: it built" true "$([ -x "$TMP/src/pftrace" ] && echo true || echo false)"
check_eq "build: a compiler per file, and more" true "$(jq '.summary.pids > 40' "$TMP/build.json")"
check_tree build
"$PFTRACE" report --jsonl --kernel "$TMP/build.dat" >"$TMP/build.jsonl"
run_status python3 "$ROOT/tests/perf-compare.py" "$TMP/build.perf" "$TMP/build.jsonl"
check_match "build: every fault perf trace names with a file is pftrace's: same thread, file, page" \
	"perf-named [0-9]{4,}, matched [0-9]+, perf-only [0-9]+ \\(perf stale [0-9]+\\), pftrace-only [0-9]+$" "$out"
check_eq "build: (perf-compare.py exit status: no unexplained difference)" 0 "$status"
if [ "$status" != 0 ]; then # the evidence outlives $TMP
	keep=$(mktemp -d /var/tmp/pftrace-trees.XXXXXX)
	cp "$TMP"/build.perf "$TMP"/build.jsonl "$TMP"/build.json "$keep/"
	echo "trees: perf trace's and pftrace's faults kept in $keep" >&2
fi
check_eq "build: cc1's comm (from the kernel's COMM records, not <...>)" true \
	"$(jq '[.processes[] | select(.comm == "cc1")] | length > 10' "$TMP/build.json")"

# --- a launcher that execs (a version manager's shim, env, nice) running a Python program
(cd "$TMP" && "$PFTRACE" record -q --kernel --json -o "$TMP/launcher.dat" -- \
	"$F/shim" python3 "$F/work.py") >"$TMP/launcher.json" 2>"$TMP/launcher.err"
check_tree launcher
check_eq "launcher: python's faults are python's" true \
	"$(jq '[.vmas[] | select(.path != null and (.path | test("libpython|/python3")))] | length > 0' "$TMP/launcher.json")"

# --- a shell loop of short-lived programs
"$PFTRACE" record -q --kernel --json -o "$TMP/loop.dat" -- sh -c \
	'for i in 1 2 3 4 5 6; do ls -R /usr/include >/dev/null; wc -l /etc/services >/dev/null; done' \
	>"$TMP/loop.json" 2>"$TMP/loop.err"
check_tree loop
check_eq "loop: 12 programs and the shell" 13 "$(jq .summary.pids "$TMP/loop.json")"
check_eq "loop: each ls named ls" 6 "$(jq '[.processes[] | select(.comm == "ls")] | length' "$TMP/loop.json")"

# --- a Python multiprocessing fork pool, then 20 short execs
"$PFTRACE" record -q --kernel --json -o "$TMP/pool.dat" -- python3 "$F/pool.py" \
	>"$TMP/pool.json" 2>"$TMP/pool.err"
check_tree pool
check_eq "pool: the 20 execs of true" 20 "$(jq '[.processes[] | select(.comm == "true")] | length' "$TMP/pool.json")"

# --- -p of a server that forks children that exec: it starts serving once we are attached.
# Attached at once: where python3 is a launcher (pyenv's shim), pftrace comes while it runs
# its subshells, which fork and exec around the attach (each target held while its maps are read)
python3 "$F/server.py" "$TMP/go" 30 >/dev/null &
srv=$!
"$PFTRACE" record -q --kernel --json -o "$TMP/server.dat" -p $srv >"$TMP/server.json" 2>"$TMP/server.err" &
rec=$!
armed $rec
touch "$TMP/go"
wait $rec
wait $srv
check_tree server
check_eq "server: its 30 children, each named ls" 30 \
	"$(jq '[.processes[] | select(.comm == "ls")] | length' "$TMP/server.json")"
check_eq "server: the children's faults are in their own images" true \
	"$(jq '[.vmas[] | select(.path == "/usr/bin/ls")] | length >= 30' "$TMP/server.json")"

# --- -p of a prefork server's master: its workers were running before pftrace came, and take
# every fault (5000 pages each) once they are traced (in the instance's pid filter)
python3 "$F/prefork.py" "$TMP/pf.ready" "$TMP/pf.go" 5000 &
master=$!
until [ -e "$TMP/pf.ready" ]; do sleep 0.01; done
workers=$(pgrep -P $master | sort -n | tr '\n' ' ')
"$PFTRACE" record -q --json --by pid -p $master >"$TMP/prefork.json" 2>"$TMP/prefork.err" &
rec=$!
armed $rec
traced $rec $workers
touch "$TMP/pf.go"
wait $rec
wait $master
check_eq "prefork: two workers running before pftrace came" 2 "$(wc -w <<<"$workers")"
check_eq "prefork: the master and its two workers" 3 "$(jq .summary.pids "$TMP/prefork.json")"
for w in $workers; do
	check_eq "prefork: worker $w's 5000 pages" true \
		"$(jq '[.groups[] | select(.pid == '$w' and .faults >= 5000)] | length == 1' "$TMP/prefork.json")"
done
check_eq "prefork: nothing unplaced" "0 0" "$(jq -r '"\(.summary.no_maps) \(.summary.no_vma)"' "$TMP/prefork.json")"

# --- -p of nginx's master, two workers serving 40 requests: all the faults are the workers'
ng=$TMP/nginx
mkdir -p $ng/www
head -c 3000000 /dev/urandom >$ng/www/big.bin
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >$ng/nginx.conf <<EOF
user root;
worker_processes 2;
pid $ng/nginx.pid;
error_log $ng/error.log;
events { worker_connections 64; }
http {
	access_log off;
	sendfile off;
	client_body_temp_path $ng/body;
	proxy_temp_path $ng/proxy;
	fastcgi_temp_path $ng/fastcgi;
	uwsgi_temp_path $ng/uwsgi;
	scgi_temp_path $ng/scgi;
	server { listen 127.0.0.1:$port; root $ng/www; }
}
EOF
nginx -c $ng/nginx.conf -p $ng -e $ng/error.log
until [ -s $ng/nginx.pid ] && [ "$(pgrep -P "$(cat $ng/nginx.pid)" | wc -l)" = 2 ]; do sleep 0.01; done
master=$(cat $ng/nginx.pid)
workers=$(pgrep -P $master | sort -n | tr '\n' ' ')
"$PFTRACE" record -q --json --by pid -p $master >"$TMP/nginx.json" 2>"$TMP/nginx.err" &
rec=$!
armed $rec
traced $rec $workers
ok=0
for i in $(seq 40); do
	curl -s -o /dev/null -w '%{http_code}\n' http://127.0.0.1:$port/big.bin | grep -q 200 && ok=$((ok + 1))
done
kill -INT $rec
wait $rec || true
nginx -c $ng/nginx.conf -p $ng -e $ng/error.log -s stop
check_eq "nginx: 40 requests served" 40 "$ok"
check_eq "nginx: the workers took faults (both running before pftrace came)" true \
	"$(jq '[.groups[] | select(.pid != '$master' and .faults > 0)] | length == 2' "$TMP/nginx.json")"
check_eq "nginx: every fault placed, nothing crashed, maps agree" "0 0 0" \
	"$(jq -r '.summary | "\(.no_maps) \(.no_vma) \(.maps_checks.disagreed)"' "$TMP/nginx.json")"
check_eq "nginx: traced = the kernel's counters, per process" "" \
	"$(jq -r '.processes[] | select(.kernel_min_flt != null and .faults != .kernel_min_flt) | "\(.pid): \(.faults) vs \(.kernel_min_flt)"' "$TMP/nginx.json")"
check_eq "no instance left" "" "$(instances_left)"
finish
