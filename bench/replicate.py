#!/usr/bin/env python3
"""Replicate the goroutine blocks of a real Go crash dump into a large one.

usage: replicate.py SEED_DUMP OUT_FILE TOTAL_GOROUTINES

The seed's first block (the panic header and the crashing goroutine 1) is kept
once at the top. Every other goroutine block is copied, in order, until the
output holds exactly TOTAL_GOROUTINES goroutines. Copy k adds k*SPAN to each
goroutine id, and to the parent id in "created by ... in goroutine P" lines
when P is itself a copied goroutine, so ids stay unique and parent links stay
consistent; P == 1 (the main goroutine) is left alone. Streams the output;
this is benchmark setup, not part of the measurement.
"""
import re
import sys

HEADER = re.compile(r"goroutine (\d+)( .*)", re.S)
CREATED = re.compile(r"(\ncreated by [^\n]* in goroutine )(\d+)(\n)")


def main() -> int:
    seed_path, out_path, total = sys.argv[1], sys.argv[2], int(sys.argv[3])
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
        parts = []  # literal strings and ints (parent ids to shift)
        pos = 0
        for m in CREATED.finditer(body):
            parts.append(body[pos: m.start(2)])
            pid = int(m.group(2))
            parts.append(pid if pid in ids else str(pid))
            pos = m.end(2)
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
                    chunk.append(p if isinstance(p, str) else str(p + off))
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
