#!/usr/bin/env python3
"""Compares pftrace's per-fault JSON Lines with `perf trace -F all` output of the same run.

Every fault perf names with a file (from its own maps, built from MMAP2 records) must be one of
pftrace's: the same thread, file and page of the file. perf counts a fault when it completes,
pftrace when it is taken, so the comparison is of multisets of (tid, file, page). Left out of
perf's side: anonymous memory ("//anon"), perf's own copy of the vDSO, and pftrace's own faults
(its child before it execs the command, when tracing begins).

perf keeps a thread's maps (and comm) across an exec until it sees the new image's records, and
names some faults with the old image's files. Such a fault is told by its comm: perf prints a
comm pftrace never saw that thread run under. Those are counted apart ("perf stale"); any other
difference fails.

usage: perf-compare.py PERF_TRACE_OUTPUT PFTRACE_JSONL
prints: "perf-named N, matched M, perf-only K (perf stale S), pftrace-only L", then up to 5 of
the unexplained perf-only faults; exits 1 if there is one.
"""
import collections
import json
import re
import sys

LINE = re.compile(r"\): (.*)/(\d+) (?:maj|min)fault \[[^\]]*\] => (/[^@]*)@0x([0-9a-f]+) \(")


def perf_faults(path):
    faults = collections.Counter()
    with open(path) as f:
        for line in f:
            m = LINE.search(line)
            if (not m or m.group(1) == "pftrace" or m.group(3).startswith("//")
                    or "/perf-vdso" in m.group(3)):
                continue
            faults[(int(m.group(2)), m.group(1), m.group(3), int(m.group(4), 16) & ~0xFFF)] += 1
    return faults


def pftrace_faults(path):
    faults, comms = collections.Counter(), collections.defaultdict(set)
    with open(path) as f:
        for line in f:
            fault = json.loads(line)
            vma = fault["vma"]
            comms[fault["tid"]].add(fault["comm"])
            if vma and vma["path"] and fault["file_offset"]:
                page = int(fault["file_offset"], 16) & ~0xFFF
                faults[(fault["tid"], vma["path"], page)] += 1
    return faults, comms


def main():
    perf_c, (ours, comms) = perf_faults(sys.argv[1]), pftrace_faults(sys.argv[2])
    perf, perf_comms = collections.Counter(), collections.defaultdict(set)
    for (tid, comm, path, page), n in perf_c.items():
        perf[(tid, path, page)] += n
        perf_comms[(tid, path, page)].add(comm)
    missing, stale = collections.Counter(), 0
    for key, n in (perf - ours).items():
        if perf_comms[key] - comms.get(key[0], set()):
            stale += n  # perf's thread was still the old image
        else:
            missing[key] = n
    print(
        "perf-named %d, matched %d, perf-only %d (perf stale %d), pftrace-only %d"
        % (sum(perf.values()), sum((perf & ours).values()), sum(missing.values()) + stale,
           stale, sum((ours - perf).values()))
    )
    for key, n in list(missing.items())[:5]:
        print("perf-only: tid %d %s page 0x%x (%d)" % (key + (n,)))
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
