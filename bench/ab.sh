#!/usr/bin/env bash
# Before/after of two crashctl binaries on one input, in alternating runs
# pinned to one CPU: min and median wall and CPU time, and their ratios.
#
#   bench/ab.sh BASE NEW FILE ROUNDS [analyze options...]
#
# Times come from /usr/bin/time (10 ms resolution); the output goes to
# /dev/null. BENCH_CPU (0) is the CPU both are pinned to.
set -euo pipefail
[[ $# -ge 4 ]] || { echo "usage: $0 BASE NEW FILE ROUNDS [analyze options...]" >&2; exit 2; }
base=$1 new=$2 file=$3 rounds=$4
shift 4
t=$(mktemp)
trap 'rm -f "$t"' EXIT
for ((i = 1; i <= rounds; i++)); do
  for which in base new; do
    bin=$base
    [[ $which == new ]] && bin=$new
    /usr/bin/time -f "%e %U %S" -o "$t" taskset -c "${BENCH_CPU:-0}" "$bin" analyze --color never "$@" "$file" \
      >/dev/null 2>&1 || true
    echo "$which $(cat "$t")"
  done
done | python3 -c '
import statistics, sys
wall = {"base": [], "new": []}
cpu = {"base": [], "new": []}
for line in sys.stdin:
    which, e, u, s = line.split()
    wall[which].append(float(e))
    cpu[which].append(float(u) + float(s))
for k in ("base", "new"):
    print("%-4s wall min %.3f med %.3f  cpu min %.3f med %.3f" % (k, min(wall[k]), statistics.median(wall[k]), min(cpu[k]), statistics.median(cpu[k])))
r = lambda d, f: f(d["new"]) / f(d["base"])
print("new/base wall min %.3f med %.3f  cpu min %.3f med %.3f" % (r(wall, min), r(wall, statistics.median), r(cpu, min), r(cpu, statistics.median)))
'
