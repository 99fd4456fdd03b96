#!/usr/bin/env python3
"""Compares pftrace's per-fault JSON Lines with `perf trace -F all` output of the same run.

Every fault perf names with a file (from its own maps, built from MMAP2 records) must be one of
pftrace's: the same thread, file and page of the file. perf counts a fault when it completes,
pftrace when it is taken, so the comparison is of multisets of (tid, file, page). Left out of
perf's side: anonymous memory ("//anon"), perf's own copy of the vDSO, and pftrace's own faults
(its child before it execs the command, when tracing begins). perf must be run with
--sort-events: else it may take a CPU's faults after another CPU's later exec record and name
pftrace's child, before its exec, with the command's comm.

perf keeps a thread's maps (and comm) across an exec until it sees the new image's records, and
names some faults with the old image's files. Such a fault is told by its comm: perf prints a
comm pftrace never saw that thread run under. Those are counted apart ("perf stale"), and so are
the faults on memory perf still thinks is a file after the program unmapped it: perf hears of no
munmap and of no anonymous mmap (perf trace asks for no data mmaps), so when a compiler unmaps a
header it had mapped and an anonymous mapping takes the place, perf names the writes there with
the old file. Such a fault is told by its address: where perf's file page was in that process
(from pftrace's own faults on that mapping), pftrace has a fault of the same thread on memory
that is not that page of that file. The same blindness names a library's data with the wrong file
offset: ld.so maps the whole file first and then its data segment over it (MAP_FIXED, at another
file offset), and perf, which records no data mmaps, goes on reading the address through the
first mapping. Any other difference fails.

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


class Ours:
    """pftrace's faults: the multiset of (tid, file, page), and what is needed to explain perf's
    stale names: each thread's comms, each process's mappings of a file and what pftrace
    named each page a thread faulted on."""

    def __init__(self, path):
        self.faults, self.comms = collections.Counter(), collections.defaultdict(set)
        self.pid = {}
        self.mappings = collections.defaultdict(set)  # (pid, path) -> {(start, file offset)}
        # (tid, page address) -> {(path, file page)}, both None where pftrace named no file
        self.named = collections.defaultdict(set)
        with open(path) as f:
            for line in f:
                self.add(json.loads(line))

    def add(self, fault):
        vma, tid = fault["vma"], fault["tid"]
        self.comms[tid].add(fault["comm"])
        self.pid[tid] = fault["pid"]
        name = (None, None)
        if vma and vma["path"] and fault["file_offset"]:
            page = int(fault["file_offset"], 16) & ~0xFFF
            name = (vma["path"], page)
            self.faults[(tid, vma["path"], page)] += 1
            self.mappings[(fault["pid"], vma["path"])].add(
                (int(vma["start"], 16), int(vma["offset"], 16)))
        self.named[(tid, int(fault["page"], 16))].add(name)

    def explain(self, tid, path, page):
        """What pftrace knows of this thread and file, for a difference nobody explained."""
        def names(addr):
            return sorted("%s@0x%x" % n if n[0] else "no file" for n in self.named.get(
                (tid, addr), ())) or ["no fault"]

        where = ["0x%x+0x%x: %s" % (start, off, ", ".join(names(start + page - off)))
                 for start, off in sorted(self.mappings.get((self.pid.get(tid), path), ()))
                 if page >= off]
        return "pftrace: pid %s, comms %s, %d faults of the thread on the file, there: %s" % (
            self.pid.get(tid), sorted(self.comms.get(tid, ())),
            sum(n for (t, p, _), n in self.faults.items() if t == tid and p == path),
            "; ".join(where) or "file not mapped")

    def unmapped(self, tid, path, page):
        """perf's file page was, in pftrace's view, other memory (or another page of the file)
        when this thread faulted."""
        for start, off in self.mappings.get((self.pid.get(tid), path), ()):
            if page >= off and self.named.get((tid, start + page - off), set()) - {(path, page)}:
                return True
        return False


def main():
    perf_c, o = perf_faults(sys.argv[1]), Ours(sys.argv[2])
    ours, comms = o.faults, o.comms
    perf, perf_comms = collections.Counter(), collections.defaultdict(set)
    for (tid, comm, path, page), n in perf_c.items():
        perf[(tid, path, page)] += n
        perf_comms[(tid, path, page)].add(comm)
    missing, stale = collections.Counter(), 0
    for key, n in (perf - ours).items():
        if perf_comms[key] - comms.get(key[0], set()):
            stale += n  # perf's thread was still the old image
        elif o.unmapped(*key):
            stale += n  # perf's file was unmapped there
        else:
            missing[key] = n
    print(
        "perf-named %d, matched %d, perf-only %d (perf stale %d), pftrace-only %d"
        % (sum(perf.values()), sum((perf & ours).values()), sum(missing.values()) + stale,
           stale, sum((ours - perf).values()))
    )
    for key, n in list(missing.items())[:5]:
        print("perf-only: tid %d %s page 0x%x (%d); %s" % (key + (n, o.explain(key[0], key[1], key[2]))))
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
