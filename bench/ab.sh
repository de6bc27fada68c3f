#!/usr/bin/env bash
# Before/after of two crashctl binaries on one input, in alternating runs
# pinned to one CPU: min and median wall and CPU time, and their ratios.
#
#   bench/ab.sh BASE NEW FILE ROUNDS [analyze options...]
#
# Wall time from the clock, CPU time (user + sys) from GNU time (10 ms
# resolution); the output goes to /dev/null. BENCH_CPU (0) is the CPU both
# are pinned to.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
# shellcheck source=bench/common.sh
source "$HERE/common.sh"
[[ $# -ge 4 ]] || { echo "usage: $0 BASE NEW FILE ROUNDS [analyze options...]" >&2; exit 2; }
require_tools taskset python3
base=$1 new=$2 file=$3 rounds=$4
shift 4
t=$(mktemp)
for ((i = 1; i <= rounds; i++)); do
  for which in base new; do
    bin=$base
    [[ $which == new ]] && bin=$new
    timed "$t" taskset -c "${BENCH_CPU:-0}" "$bin" analyze --color never "$@" "$file" || true
    echo "$which $TIMED_WALL_US $TIMED_CPU_US"
  done
done | python3 -c '
import statistics, sys
wall = {"base": [], "new": []}
cpu = {"base": [], "new": []}
for line in sys.stdin:
    which, w, c = line.split()
    wall[which].append(int(w) / 1e6)
    cpu[which].append(int(c) / 1e6)
for k in ("base", "new"):
    print("%-4s wall min %.3f med %.3f  cpu min %.3f med %.3f" % (k, min(wall[k]), statistics.median(wall[k]), min(cpu[k]), statistics.median(cpu[k])))
r = lambda d, f: f(d["new"]) / f(d["base"])
print("new/base wall min %.3f med %.3f  cpu min %.3f med %.3f" % (r(wall, min), r(wall, statistics.median), r(cpu, min), r(cpu, statistics.median)))
'
rm -f "$t"
