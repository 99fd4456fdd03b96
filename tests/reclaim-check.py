#!/usr/bin/env python3
"""The reclaim a --why recording split out, against the reclaim intervals in its trace.

Usage: trace-cmd report -t FILE.dat | reclaim-check.py FAULTS.jsonl
Prints three numbers: the faults' reclaim ns, the ns of memcg and direct reclaim intervals
(begin to end, per thread) inside those faults' windows, and the faults' reclaim + run-queue
ns. Every instant of such an interval is reclaim or, where the thread waited for a CPU,
run-queue: the first is at most the second, the second at most the third. Then two more: the
pages the faults' reclaim freed, and the nr_reclaimed of the intervals that end inside them.
"""
import json
import re
import sys

windows = {}
reclaim = runq = pages = 0
for line in open(sys.argv[1]):
    f = json.loads(line)
    if f.get("latency_ns") is None or f.get("why") is None:
        continue
    windows.setdefault(f["tid"], []).append((f["ts"], f["ts"] + f["latency_ns"]))
    reclaim += f["why"]["ns"]["reclaim"]
    pages += f["why"]["reclaimed_pages"] or 0
    runq += f["why"]["ns"]["run-queue"]

event = re.compile(r"-(\d+)\s+\[\d+\]\s+(\d+)\.(\d{9}): "
                   r"mm_vmscan_(?:memcg|direct)_reclaim_(begin|end):(?:.*nr_reclaimed=(\d+))?")
begun = {}
inside = freed = 0
for line in sys.stdin:
    m = event.search(line)
    if not m:
        continue
    tid, ts = int(m.group(1)), int(m.group(2)) * 10**9 + int(m.group(3))
    if m.group(4) == "begin":
        begun[tid] = ts
    elif tid in begun:
        start = begun.pop(tid)
        for lo, hi in windows.get(tid, []):
            inside += max(0, min(hi, ts) - max(lo, start))
            if lo <= ts <= hi:
                freed += int(m.group(5) or 0)
print(reclaim, inside, reclaim + runq, pages, freed)
