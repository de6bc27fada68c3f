#!/usr/bin/env python3
"""Replicate the goroutine blocks of a real Go crash dump into a large one.

usage: replicate.py [--vary-args] SEED_DUMP OUT_FILE TOTAL_GOROUTINES

The seed's first block (the panic header and the crashing goroutine 1) is kept
once at the top. Every other goroutine block is copied, in order, until the
output holds exactly TOTAL_GOROUTINES goroutines. Copy k adds k*SPAN to each
goroutine id, and to the parent id in "created by ... in goroutine P" lines
when P is itself a copied goroutine, so ids stay unique and parent links stay
consistent; P == 1 (the main goroutine) is left alone. With --vary-args,
copy k also adds k*0x2000 to every heap-pointer-like hex argument (9+ hex digits)
of function lines, as if each copy's goroutines worked on their own objects;
then copies no longer have byte-identical stacks. Streams the output; this is
benchmark setup, not part of the measurement.
"""
import re
import sys

HEADER = re.compile(r"goroutine (\d+)( .*)", re.S)
CREATED = re.compile(r"(\ncreated by [^\n]* in goroutine )(\d+)(\n)")
# A function line ("pkg.fn(args)"), then each pointer-like hex argument in it.
FUNC_LINE = re.compile(r"\n(?!created by |\t)[^\n]*\)(?=\n)")
HEX_ARG = re.compile(r"0x([0-9a-f]{9,})")  # heap pointers, not static type words
ARG_STRIDE = 0x2000


class Shift:
    """A number in a template that moves with the copy index."""
    __slots__ = ("base", "step", "fmt")

    def __init__(self, base, step, fmt):
        self.base, self.step, self.fmt = base, step, fmt


def main() -> int:
    args = sys.argv[1:]
    vary = "--vary-args" in args
    args = [a for a in args if a != "--vary-args"]
    seed_path, out_path, total = args[0], args[1], int(args[2])
    text = open(seed_path, encoding="utf-8", errors="surrogateescape").read()
    blocks = text.split("\n\n")
    head_end = None
    for i, b in enumerate(blocks):
        if b.lstrip("\n").startswith("goroutine "):
            head_end = i
            break
    # Header (panic message ...) plus the first goroutine block, kept once.
    head = "\n\n".join(blocks[: head_end + 1])
    rest = [b for b in blocks[head_end + 1:] if b.strip()]

    # Template: (id, piece list) where pieces alternate literal text and a
    # parent id that must be shifted.
    templates = []
    ids = set()
    for b in rest:
        m = HEADER.match(b)
        if not m:
            # Trailing non-goroutine text (none expected from a plain panic).
            sys.exit("replicate: unexpected block in seed: %r" % b[:80])
        gid = int(m.group(1))
        ids.add(gid)
        templates.append((gid, m.group(2).rstrip("\n")))
    if 1 in ids:
        sys.exit("replicate: goroutine 1 appears twice in seed")
    span = 10 ** len(str(max(ids)))  # e.g. ids < 10000 -> shift by 10000 per copy

    compiled = []
    for gid, body in templates:
        # Positions of numbers to shift: (start, end, Shift), in text order.
        edits = []
        for m in CREATED.finditer(body):
            pid = int(m.group(2))
            if pid in ids:
                edits.append((m.start(2), m.end(2), Shift(pid, span, "%d")))
        if vary:
            for fm in FUNC_LINE.finditer(body):
                for hm in HEX_ARG.finditer(fm.group(0)):
                    a = fm.start() + hm.start(1)
                    edits.append((a, a + len(hm.group(1)), Shift(int(hm.group(1), 16), ARG_STRIDE, "%x")))
        edits.sort(key=lambda e: e[0])
        parts = []  # literal strings and Shifts
        pos = 0
        for a, b, sh in edits:
            parts.append(body[pos:a])
            parts.append(sh)
            pos = b
        parts.append(body[pos:])
        compiled.append((gid, parts))

    need = total - 1  # goroutine 1 is in the head
    written = 1
    with open(out_path, "w", encoding="utf-8", errors="surrogateescape",
              buffering=8 << 20) as out:
        out.write(head.rstrip("\n"))
        out.write("\n")
        k = 0
        while need > 0:
            off = k * span
            chunk = []
            for gid, parts in compiled[:need]:
                chunk.append("\ngoroutine ")
                chunk.append(str(gid + off))
                for p in parts:
                    chunk.append(p if isinstance(p, str) else p.fmt % (p.base + k * p.step))
                chunk.append("\n")
            out.write("".join(chunk))
            n = min(need, len(compiled))
            need -= n
            written += n
            k += 1
    print(written)
    return 0


if __name__ == "__main__":
    sys.exit(main())
