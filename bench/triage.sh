#!/usr/bin/env bash
# Benchmark of `crashctl triage` on many dumps: FILES crash files (copies of
# testdata/fixtures under varied names and directories, a third plain text, a
# third gzip, a third zstd, with spread-out modification times), triaged on
# one core (-j 1, pinned) and on every core.
#
#   bench/triage.sh              # full run, writes bench/results/triage-<date>.md
#
# Environment (all optional):
#   BENCH_DIR  work dir for the generated files (/tmp/crashctl-bench-triage)
#   FILES      number of files (10000)
#   RUNS       timed runs per configuration; the best (fastest) is reported (3)
#   CRASHCTL   crashctl binary to measure; if unset, build-bench/ is (re)built
#   OUT        results file (bench/results/triage-<date>.md; "-" prints only)
#
# The benchmark fails when the output is wrong: every file must be counted,
# every fixture report found, and the 1-core and all-core runs must give
# byte-identical JSON.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
BENCH_DIR=${BENCH_DIR:-/tmp/crashctl-bench-triage}
FILES=${FILES:-10000}
RUNS=${RUNS:-3}
DATE=$(date -u +%Y-%m-%d)
OUT=${OUT:-$HERE/results/triage-$DATE.md}

# shellcheck source=bench/common.sh
source "$HERE/common.sh"
require_tools python3 zstd taskset nproc

# --- crashctl ------------------------------------------------------------------
use_crashctl

# --- inputs (cached, keyed on FILES and the fixture manifest) -------------------
DUMPS=$BENCH_DIR/dumps
KEYFILE=$BENCH_DIR/key
key="$FILES $(sha1sum "$ROOT/testdata/fixtures/MANIFEST.tsv" | cut -c1-16) $(sha1sum "$0" | cut -c1-16)"
if [[ ! -f "$KEYFILE" || "$(cat "$KEYFILE")" != "$key" ]]; then
  rm -rf "$DUMPS" "$KEYFILE"
  mkdir -p "$DUMPS"
  log "generating $FILES files in $DUMPS"
  python3 - "$ROOT/testdata/fixtures" "$DUMPS" "$FILES" <<'PY'
import gzip, os, subprocess, sys
src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
rows = [l.split("\t")[0] for l in open(os.path.join(src, "MANIFEST.tsv")).read().splitlines()[1:] if l]
variants = []
for rel in rows:
    z = open(os.path.join(src, rel), "rb").read()
    text = subprocess.run(["zstd", "-dcq"], input=z, stdout=subprocess.PIPE, check=True).stdout
    variants.append((rel, text, gzip.compress(text, 6, mtime=0), z))
base = 1767225600  # 2026-01-01T00:00:00Z; files spread over about 115 days
for i in range(n):
    rel, text, gz, zs = variants[i % len(variants)]
    stem = os.path.basename(rel).split(".")[0]
    d = os.path.join(dst, "host-%02d" % (i % 40), "app-%d" % (i // 40 % 25))
    os.makedirs(d, exist_ok=True)
    kind = i % 3
    name, data = [("%s-%05d.log" % (stem, i), text), ("%s-%05d.log.gz" % (stem, i), gz),
                  ("%s-%05d.txt.zst" % (stem, i), zs)][kind]
    p = os.path.join(d, name)
    with open(p, "wb") as f:
        f.write(data)
    t = base + (i * 7919) % (115 * 86400)
    os.utime(p, (t, t))
PY
  echo "$key" > "$KEYFILE"
fi
nfiles=$(find "$DUMPS" -type f | wc -l)
[[ "$nfiles" -eq "$FILES" ]] || die "expected $FILES files in $DUMPS, found $nfiles"
bytes=$(du -sb "$DUMPS" | cut -f1)
# Reports expected: each fixture's report count, times the copies of it.
want_reports=$(python3 - "$ROOT/testdata/fixtures" "$FILES" "$CRASHCTL" <<'PY'
import json, os, subprocess, sys
src, n, crashctl = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rows = [l.split("\t")[0] for l in open(os.path.join(src, "MANIFEST.tsv")).read().splitlines()[1:] if l]
out = subprocess.run([crashctl, "triage", "-f", "json"] + [os.path.join(src, r) for r in rows],
                     stdout=subprocess.PIPE, check=True).stdout
per = {}
for b in json.loads(out)["buckets"]:
    for f in b["files"]:
        per[f["path"]] = per.get(f["path"], 0) + 1
print(sum(per.get(os.path.join(src, rows[i % len(rows)]), 0) for i in range(n)))
PY
)
log "$FILES files, $bytes bytes on disk; $want_reports reports expected"

# --- measuring -------------------------------------------------------------------
RUNDIR=$BENCH_DIR/runs
mkdir -p "$RUNDIR"
# measure NAME CMD...: best wall (own ns clock) of RUNS runs and the CPU time
# (user + sys) of that run, largest peak RSS; "MS CPU_MS RSS_KB".
measure() {
  local name=$1; shift
  local best="" best_cpu=0 rss_max=0
  for ((r = 1; r <= RUNS; r++)); do
    local tf=$RUNDIR/$name.time t0 t1 rc=0
    t0=$(date +%s%N)
    /usr/bin/time -v -o "$tf" "$@" >"$RUNDIR/$name.json" 2>"$RUNDIR/$name.err" || rc=$?
    t1=$(date +%s%N)
    [[ $rc -eq 0 ]] || die "$name exited $rc: $(head -3 "$RUNDIR/$name.err")"
    local ms=$(( (t1 - t0) / 1000000 ))
    local rss cpu
    rss=$(awk -F': ' '/Maximum resident set size/{print $2}' "$tf")
    cpu=$(awk -F': ' '/User time|System time/{s += $2} END {printf "%d", s * 1000}' "$tf")
    (( rss > rss_max )) && rss_max=$rss
    if [[ -z "$best" || $ms -lt $best ]]; then best=$ms; best_cpu=$cpu; fi
  done
  echo "$best $best_cpu $rss_max"
}

log "warming the page cache"
"$CRASHCTL" triage -f json "$DUMPS" >/dev/null

CORES=$(nproc)
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
log "1 core (taskset -c 0, -j 1), $RUNS runs"
read -r ms1 cpu1 rss1 < <(measure one taskset -c 0 "$CRASHCTL" triage -j 1 -f json "$DUMPS")
log "all $CORES cores, $RUNS runs"
read -r msn cpun rssn < <(measure all "$CRASHCTL" triage -f json "$DUMPS")
log "all $CORES cores, text output, $RUNS runs"
read -r mst cput rsst < <(measure text "$CRASHCTL" triage "$DUMPS")

LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# --- checking --------------------------------------------------------------------
cmp -s "$RUNDIR/one.json" "$RUNDIR/all.json" || die "1-core and all-core JSON differ"
read -r got_files got_reports got_buckets got_unreadable < <(python3 -c '
import json, sys
t = json.load(open(sys.argv[1]))["totals"]
print(t["files"], t["reports"], t["buckets"], t["unreadable"])' "$RUNDIR/all.json")
[[ "$got_files" -eq "$FILES" ]] || die "triage counted $got_files files, expected $FILES"
[[ "$got_reports" -eq "$want_reports" ]] || die "triage found $got_reports reports, expected $want_reports"
[[ "$got_unreadable" -eq 0 ]] || die "$got_unreadable unreadable files"
json_bytes=$(stat -c %s "$RUNDIR/all.json")

# --- report ----------------------------------------------------------------------
rate() { python3 -c "import sys; print(f'{int(sys.argv[1]) / (int(sys.argv[2]) / 1000):.0f}')" "$1" "$2"; }
sec() { python3 -c "import sys; print(f'{int(sys.argv[1]) / 1000:.2f}')" "$1"; }
mb() { python3 -c "import sys; print(f'{int(sys.argv[1]) / 1024:.1f}')" "$1"; }
speedup=$(python3 -c "import sys; print(f'{int(sys.argv[1]) / int(sys.argv[2]):.2f}')" "$ms1" "$msn")
commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(git -C "$ROOT" status --porcelain -- lib tools 2>/dev/null | head -1)
cpu=$(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo)
mem=$(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo)

report=$(cat <<EOF
# crashctl triage benchmark, $DATE

- crashctl: $commit${dirty:++uncommitted lib/tools changes}, $CRASHCTL
- machine: $cpu, $CORES cores, $mem
- input: $FILES files in $DUMPS ($(mb $((bytes / 1024))) MB on disk), copies of the
  $(($(wc -l < "$ROOT/testdata/fixtures/MANIFEST.tsv") - 1)) fixtures of testdata/fixtures under varied names in 40 x 25
  directories: a third plain text, a third gzip -6, a third zstd -19
- output: --format json ($(mb $((json_bytes / 1024))) MB: $got_reports reports in $got_buckets buckets, every
  occurrence listed) to a file; best of $RUNS runs (wall, own ns clock), peak RSS the largest
  'Maximum resident set size' of /usr/bin/time -v; page cache warm
- load average (1, 5, 15 min) before / after: $LOAD_BEFORE / $LOAD_AFTER; with other work
  on the machine, wall time is inflated and CPU time (user + sys) is the steadier figure
- checked: $got_files files and $got_reports reports counted (as expected), and the 1-core and
  $CORES-core JSON are byte-identical

| run | wall s | files/s | CPU s | files per CPU s | peak RSS MB |
| --- | ---: | ---: | ---: | ---: | ---: |
| 1 core (\`taskset -c 0 crashctl triage -j 1 -f json\`) | $(sec "$ms1") | $(rate "$FILES" "$ms1") | $(sec "$cpu1") | $(rate "$FILES" "$cpu1") | $(mb "$rss1") |
| $CORES cores (\`crashctl triage -f json\`) | $(sec "$msn") | $(rate "$FILES" "$msn") | $(sec "$cpun") | $(rate "$FILES" "$cpun") | $(mb "$rssn") |
| $CORES cores, text output | $(sec "$mst") | $(rate "$FILES" "$mst") | $(sec "$cput") | $(rate "$FILES" "$cput") | $(mb "$rsst") |

Speed-up 1 -> $CORES cores: ${speedup}x.
EOF
)
printf '%s\n' "$report"
if [[ "$OUT" != "-" ]]; then
  mkdir -p "$(dirname "$OUT")"
  printf '%s\n' "$report" > "$OUT"
  log "wrote $OUT"
fi
