#!/usr/bin/env python3
"""Hostile names for tests/hostile.sh: what an unprivileged process (its comm, its mapped files'
paths) or another machine (a text trace's kernel frames, a baseline's keys) may choose.

  hostile.py make DIR [benign]   a text trace DIR/t.txt and its maps DIR/maps.PID: each process
                                  named by one hostile comm, a file with a hostile path mapped
                                  and read, kernel frames with hostile names ("benign": the same
                                  structure, plain names: what the outputs must look like)
  hostile.py svg FILE BENIGN      FILE is XML, with the same elements as BENIGN and no attribute
                                  the names asked for (on*, href)
  hostile.py table FILE ROWS      no control byte but the newlines, no C1 or bidi control, and
                                  ROWS rows under the header, each with its columns
  hostile.py markdown FILE        every table row has its header's cells, and nothing that GitHub
                                  would render as HTML, a link or an image
  hostile.py text FILE            no control byte but the newlines, no C1 or bidi control
  hostile.py folded FILE          each line is frames;...;frames COUNT, no control byte
Prints what is wrong and exits 1; exits 0 silently when all is well.
"""
import re
import sys
import xml.etree.ElementTree as ET
from collections import Counter

COMMS = [
    b"<script>x</scri",
    b'"><svg onload=',
    b"\x1b]0;pwn\x07\x1b[2J",
    b"x|y|z",
    b"![x](http://e/x",
    b"<img src=x>",
    "é" * 9,  # 18 bytes, cut at 15 by the kernel: mid-character
    b"\xff\xc3ab&]]>",
    "\u202eevil\u202c",
    b"[l](javascript:",
]
PATHS = [
    b"/tmp/\x1b[31m<b>|evil|</b>",
    b"/tmp/](javascript:alert(1))<img src=x onerror=alert(1)>",
    b"/tmp/a\x9bb\xc2\x9bc & 'q' \"d\"",
]
FRAMES = [b"<script>alert(1)</script>", b"evil;frame|x", b"\x1b[2Jclear", b"![i](http://e/i.png)"]


def as_bytes(s):
    return s if isinstance(s, bytes) else s.encode()[:15]


def make(d, benign):
    lines = [b"# tracer: nop", b"#"]
    for i, comm in enumerate(COMMS):
        comm = b"proc%d" % i if benign else as_bytes(comm)
        pid = 5000 + i
        anon = 0x100000000000 + i * 0x10000000
        path = b"/tmp/file%d" % i if benign else PATHS[i % len(PATHS)]
        fbase = 0x200000000000 + i * 0x10000000
        with open("%s/maps.%d" % (d, pid), "wb") as f:
            f.write(b"%x-%x rw-p 00000000 00:00 0 \n" % (anon, anon + 0x100000))
            f.write(b"%x-%x r--p 00000000 fe:00 %d %s\n" % (fbase, fbase + 0x100000, 100 + i, path))
            f.write(b"400000-401000 r-xp 00000000 fe:00 1 /bin/x\n")
        for k in range(4):
            ts = b"1.%06d" % (i * 100 + k)
            addr, ec = (anon + k * 4096, 6) if k % 2 else (fbase + k * 4096, 4)
            lines.append(b" %s-%d    [001] d....   %s: page_fault_user: address=0x%x ip=0x400000 "
                         b"error_code=0x%x" % (comm, pid, ts, addr, ec))
            lines.append(b" %s-%d    [001] d....   %s: <stack trace>" % (comm, pid, ts))
            for j, fr in enumerate(FRAMES):
                name = b"frame%d" % j if benign else fr
                lines.append(b" => %s+0x%x/0x100" % (name, j + k))
    with open(d + "/t.txt", "wb") as f:
        f.write(b"\n".join(lines) + b"\n")


def svg(path, benign):
    def shape(p):
        root = ET.parse(p).getroot()
        return root, Counter(e.tag for e in root.iter())
    root, got = shape(path)
    _, want = shape(benign)
    bad = []
    if got != want:
        bad.append("elements %s, the benign run's %s" % (dict(got), dict(want)))
    for e in root.iter():
        for a in e.attrib:
            if a.lower().startswith("on") or a.lower().endswith("href"):
                bad.append("attribute %s on %s" % (a, e.tag))
    return bad


def controls(data):
    bad = []
    if re.search(rb"[\x00-\x09\x0b-\x1f\x7f]", data):
        bad.append("a control byte: %r" % re.search(rb".{0,20}[\x00-\x09\x0b-\x1f\x7f].{0,20}", data).group())
    text = data.decode("utf-8", "replace")
    m = re.search("[\u0080-\u009f\u202a-\u202e\u2066-\u2069]", text)
    if m:
        bad.append("a C1 or bidirectional control: %r" % text[max(0, m.start() - 20):m.end() + 20])
    return bad, text


def table(path, rows):
    bad, text = controls(open(path, "rb").read())
    lines = text.split("\n")
    heads = [i for i, l in enumerate(lines) if "FAULTS" in l]
    if len(heads) != 1:
        return bad + ["%d header lines" % len(heads)]
    body = lines[heads[0] + 1:]
    body = body[:body.index("")] if "" in body else body
    if len(body) != int(rows):
        bad.append("%d rows, not %s: a name broke one" % (len(body), rows))
    for r in body:
        if not re.search(r" (anon-first-touch|file-read|file-write|cow|exec|other)( |$)", r):
            bad.append("a row without its kind column: %r" % r)
    return bad


def text(path):
    return controls(open(path, "rb").read())[0]


def unescaped(s, ch):
    return len(re.findall(r"(?<!\\)" + re.escape(ch), s))


def markdown(path):
    bad, text = controls(open(path, "rb").read())
    header = None
    for l in text.split("\n"):
        if l.startswith("|"):
            n = unescaped(l, "|")
            if header is None:
                header = n
            elif n != header:
                bad.append("a row of %d cells (header %d): %r" % (n - 1, header - 1, l))
        else:
            header = None
        for pat in (r"(?<!\\)<", r"(?<!\\)\]\(", r"(?<!\\)!(?<!\\)\[", r"(?<!\\)`"):
            if re.search(pat, l):
                bad.append("markdown would act on %r in %r" % (pat, l))
    return bad


def folded(path):
    bad, text = controls(open(path, "rb").read())
    for l in text.rstrip("\n").split("\n"):
        if not re.match(r"^[^;\n]+(;[^;\n]+)* \d+$", l):
            bad.append("not a folded line: %r" % l)
    return bad


def main():
    what, args = sys.argv[1], sys.argv[2:]
    if what == "make":
        make(args[0], len(args) > 1)
        return 0
    bad = {"svg": lambda: svg(*args), "table": lambda: table(*args),
           "markdown": lambda: markdown(*args), "folded": lambda: folded(*args),
           "text": lambda: text(*args)}[what]()
    for b in bad[:5]:
        print("%s: %s" % (args[0], b))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
