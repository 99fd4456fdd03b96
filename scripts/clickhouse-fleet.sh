#!/bin/bash
# Past one machine: each host writes `pftrace record --jsonl` (or `pftrace report --jsonl` of its
# trace.dat); ClickHouse does the rest. This loads HOST.jsonl files (the host is the file's
# name) into a private clickhouse-server and answers "top files by major faults across hosts".
# Needs clickhouse-server, clickhouse-client (Debian: apt-get install clickhouse-server
# clickhouse-client) and jq.
#   scripts/clickhouse-fleet.sh HOST.jsonl...
#
# The load is the part to copy into a pipeline: jq keeps the keys the question needs, flat (the
# VMA's path is nested in pftrace's object; ClickHouse 18 reads flat JSONEachRow), and major
# becomes 0/1 (null stays null: a trace without completions does not know).
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 HOST.jsonl..." >&2; exit 2; }
dir=$(mktemp -d /var/tmp/pft-clickhouse.XXXXXX)
port=$((30000 + $$ % 20000))
server=
cleanup() {
	[ -z "$server" ] || kill "$server" 2>/dev/null || true
	[ -z "$server" ] || wait "$server" 2>/dev/null || true
	rm -rf "$dir"
}
trap cleanup EXIT
ch() { clickhouse-client --port "$port" "$@"; }

clickhouse-server --config-file=/etc/clickhouse-server/config.xml -- --path="$dir/data/" \
	--tmp_path="$dir/tmp/" --user_files_path="$dir/files/" --format_schema_path="$dir/schema/" \
	--tcp_port="$port" --http_port=$((port + 1)) --interserver_http_port=$((port + 2)) \
	--listen_host=127.0.0.1 --logger.log="$dir/log" --logger.errorlog="$dir/err" \
	--logger.console=0 >"$dir/out" 2>&1 &
server=$!
# ready when it answers (30 s at most)
for _ in $(seq 300); do
	ch -q 'SELECT 1' >/dev/null 2>&1 && break
	kill -0 "$server" 2>/dev/null || { cat "$dir/err" "$dir/out" >&2; exit 1; }
	sleep 0.1
done
ch -q "CREATE TABLE faults (host String, pid Int32, comm String, kind String,
	major Nullable(UInt8), latency_ns Nullable(UInt64), file Nullable(String),
	symbol Nullable(String)) ENGINE = Memory"
for f in "$@"; do
	host=$(basename "$f" .jsonl)
	jq -c --arg host "$host" '{host: $host, pid, comm, kind,
		major: (if .major == null then null elif .major then 1 else 0 end), latency_ns,
		file: .vma.path, symbol: .symbol.function}' "$f" |
		ch -q "INSERT INTO faults FORMAT JSONEachRow"
done
ch -q "SELECT file, sum(major) AS major_faults, count() AS faults, uniqExact(host) AS hosts
	FROM faults WHERE file IS NOT NULL
	GROUP BY file ORDER BY major_faults DESC, faults DESC LIMIT 10 FORMAT TSVWithNames"
