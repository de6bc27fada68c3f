"""Runs triage_spark.py in Spark's local mode over the committed fixtures and
checks its output is byte for byte that of one `crashctl triage` run over the
same paths, with the same exit status, in every format, whatever the
partitioning, the depth of the reduce tree and the order of the list.

    python test_triage_spark.py CRASHCTL     (from the source tree's root)

One Spark session serves every case (its start-up is most of the time).
"""

import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import triage_spark  # noqa: E402

crashctl = os.path.abspath(sys.argv[1])
work = tempfile.mkdtemp(prefix="crashctl-spark-test-")
failures = []


def files_under(top):
    """Regular files under TOP, as crashctl's walk takes them (no hidden entries)."""
    out = []
    for root, dirs, names in os.walk(top):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        out += [os.path.join(root, n) for n in sorted(names) if not n.startswith(".")]
    return out


def one_run(args):
    """(exit status, stdout) of one crashctl triage run."""
    p = subprocess.run([crashctl, "triage", *args], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    return p.returncode, p.stdout


def job(spark, args, name):
    out = os.path.join(work, name)
    status = triage_spark.main(args + ["--crashctl", crashctl, "-o", out], spark=spark)
    return status, open(out, "rb").read() if os.path.exists(out) else b""


def check(case, got, want, status):
    """GOT (the job's status and bytes) is WANT (one run's), whose status is STATUS."""
    assert want[0] == status, (case, want[0])
    if got != want:
        failures.append(case)
        print(f"FAIL {case}: the job gave {got[0]}, {len(got[1])} bytes; one run gave {want[0]}, {len(want[1])} bytes")
        with open(os.path.join(work, case + ".job"), "wb") as f:
            f.write(got[1])
        with open(os.path.join(work, case + ".one"), "wb") as f:
            f.write(want[1])
        print(f"  diff -u {work}/{case}.one {work}/{case}.job")
    else:
        print(f"ok {case}: exit {got[0]}, {len(got[1])} identical bytes")


def expect_status(case, status, want):
    if status != want:
        failures.append(case)
        print(f"FAIL {case}: exit {status}, want {want}")
    else:
        print(f"ok {case}: exit {status}")


# Crash text of every kind and release, logs, odd forms, and heap dumps and
# READMEs (unreadable and unrecognized files); one directory given whole.
paths = []
for d in ("testdata/fixtures", "testdata/fixtures-old", "testdata/logs", "testdata/heapdumps"):
    paths += files_under(d)
paths.append("testdata/fixtures-odd")
shuffled = paths[:]
random.Random(14).shuffle(shuffled)
assert len(paths) > 1000, len(paths)

baseline = os.path.join(work, "baseline.json")
with open(baseline, "wb") as f:
    f.write(one_run(["-f", "json", "testdata/fixtures/go1.26.8"])[1])

from pyspark.sql import SparkSession  # noqa: E402

spark = (SparkSession.builder.master("local[2]").appName("crashctl-triage-test")
         .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
         .getOrCreate())
spark.sparkContext.setLogLevel("ERROR")
try:
    # Text with a baseline (new buckets: exit 4), the list from a file in
    # another order, more partitions than cores, a three-level tree, and
    # each partition split into several crashctl runs merged in place.
    list_file = os.path.join(work, "paths.txt")
    with open(list_file, "w") as f:
        f.write("".join(p + "\n" for p in shuffled))
    saved = os.path.join(work, "saved.json")
    got = job(spark, ["--paths-from", list_file, "-f", "text", "--baseline", baseline, "--save-table", saved,
                      "--partitions", "7", "--depth", "3", "--batch", "50"], "text")
    check("text-baseline", got, one_run(["-f", "text", "--baseline", baseline, "--", *paths]), 4)
    whole = one_run(["-f", "json", "--", *paths])
    check("saved-json", (0, open(saved, "rb").read()), whole, 0)
    totals = json.loads(whole[1])["totals"]
    assert totals["buckets"] > 100 and totals["unreadable"] > 0 and totals["unrecognized"] > 2, totals

    # JSON with a path prefix and a path that is not there: listed as
    # unreadable, exit 2.
    missing = "testdata/no-such-dump.txt"
    got = job(spark, ["-f", "json", "--path-prefix", "spark:", "--partitions", "3", *shuffled, missing], "json")
    check("json-prefix-missing", got, one_run(["-f", "json", "--path-prefix", "spark:", "--", *paths, missing]), 2)

    # CSV from a NUL-separated list naming files twice, in one partition (no tree).
    list0 = os.path.join(work, "paths0")
    with open(list0, "wb") as f:
        f.write(b"".join(os.fsencode(p) + b"\0" for p in shuffled + paths[:20]))
    got = job(spark, ["--paths-from", list0, "-0", "-f", "csv", "--partitions", "1"], "csv")
    check("csv-one-partition", got, one_run(["-f", "csv", "--", *paths]), 0)

    # Nothing recognizable (the files one run found no crash text in): exit
    # 1 and a table without buckets, as one run.
    unrecognized = json.loads(whole[1])["unrecognized"]
    nothing = [u["path"] for u in unrecognized]
    got = job(spark, ["-f", "json", "--partitions", "2", *nothing], "nothing")
    check("json-nothing", got, one_run(["-f", "json", "--", *nothing]), 1)

    # A usage error of crashctl on the executors comes back with its status.
    status, _ = job(spark, ["--triage-arg=--owners=/no/such/owners", *paths[:4]], "usage")
    expect_status("executor-usage-error", status, 3)
    # A baseline that is not a table is refused before any work.
    expect_status("bad-baseline", job(spark, ["--baseline", list_file, *paths[:4]], "bad-baseline")[0], 2)
    # No paths at all: a usage error, as for crashctl triage.
    expect_status("no-paths", job(spark, [], "no-paths")[0], 3)
finally:
    spark.stop()

if failures:
    print(f"{len(failures)} failed: {' '.join(failures)} (files in {work})")
    sys.exit(1)
shutil.rmtree(work)
