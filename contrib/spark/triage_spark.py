#!/usr/bin/env python3
"""crashctl triage as a Spark job: map with `crashctl triage -f json`, reduce
with `crashctl triage --merge` in a tree.

The dump paths are spread over partitions; each partition runs
`crashctl triage -f json --path-prefix P -- PATH...` on an executor (the files
must be visible there under the same paths) and yields its table; tables are
merged pairwise by `crashctl triage --merge` with RDD.treeReduce; the driver
renders the last table in the requested format. Merging is associative,
commutative and idempotent (formats/triage.md, "Merging"), so the output is
byte for byte that of one `crashctl triage` run over the same paths, whatever
the partitioning, the tree's shape or the order of the list.

    spark-submit --master spark://head:7077 triage_spark.py \\
        --paths-from dumps.txt --path-prefix nfs: -f json -o fleet.json

See README.md next to this file.
"""

import argparse
import os
import subprocess
import sys
import tempfile

# Statuses, as `crashctl triage` (formats/triage.md, "Exit status"); the job's
# own usage errors are 3 too, and a crashctl that cannot be run is 127.
EXIT_INPUT_ERROR = 2
EXIT_USAGE = 3
EXIT_NOT_FOUND = 127

# One crashctl run reads at most --batch paths, and this many bytes of them,
# so its command line stays far below ARG_MAX.
BATCH_BYTES = 256 * 1024


# What a partition or a merge gives: (status, table, messages). Status 0:
# TABLE (JSON bytes) is good. Status 2 with a table: a path given does not
# exist (the table lists it as unreadable, as crashctl does). No table:
# crashctl failed with STATUS, and MESSAGES say why; a failure wins over any
# table it meets.
def result(status, table, messages=()):
    return (status, table, tuple(sorted(set(messages))))


def error_lines(stderr):
    """crashctl's error lines (warnings about unreadable files are left out:
    the final table lists those files, and the driver warns about them)."""
    text = stderr.decode("utf-8", "replace")
    return [line for line in text.splitlines() if line.startswith("crashctl: error:")] or (
        [text.strip()] if text.strip() else [])


def run_crashctl(crashctl, args, cwd=None):
    """(status, stdout, stderr) of crashctl ARGS; status 127 when it cannot be run."""
    try:
        p = subprocess.run([crashctl] + args, cwd=cwd, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except OSError as e:
        host = os.uname().nodename
        return EXIT_NOT_FOUND, b"", f"crashctl: error: cannot run {crashctl} on {host}: {e}".encode()
    return p.returncode, p.stdout, p.stderr


def merge_tables(crashctl, tables, extra=()):
    """`crashctl triage --merge -f json` of TABLES (JSON bytes), as a result()."""
    if len(tables) == 1:
        return result(0, tables[0])
    with tempfile.TemporaryDirectory(prefix="crashctl-merge-") as tmp:
        names = []
        for i, t in enumerate(tables):
            names.append(os.path.join(tmp, f"{i}.json"))
            with open(names[-1], "wb") as f:
                f.write(t)
        status, out, err = run_crashctl(crashctl, ["triage", "--merge", "-f", "json", *extra, "--", *names])
    # 1 only says the merged table has no bucket.
    if status in (0, 1):
        return result(0, out)
    return result(status, None, error_lines(err))


def combine(a, b, crashctl):
    """The reduce step: associative and commutative, as --merge is."""
    failures = [r for r in (a, b) if r[1] is None]
    if failures:
        return result(min(r[0] for r in failures), None, [m for r in failures for m in r[2]])
    merged = merge_tables(crashctl, [a[1], b[1]])
    if merged[1] is None:
        return merged
    status = EXIT_INPUT_ERROR if EXIT_INPUT_ERROR in (a[0], b[0]) else 0
    return result(status, merged[1], a[2] + b[2])


def batches(paths, most):
    batch, size = [], 0
    for p in paths:
        n = len(os.fsencode(p)) + 1
        if batch and (len(batch) == most or size + n > BATCH_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(p)
        size += n
    if batch:
        yield batch


def triage_partition(paths, crashctl, triage_args, cwd, batch_paths):
    """The map step: one table for a partition's paths (nothing for none)."""
    paths = list(paths)
    if not paths:
        return
    if cwd is not None and not os.path.isdir(cwd):
        if any(not os.path.isabs(p) for p in paths):
            yield result(EXIT_INPUT_ERROR, None, [
                f"crashctl: error: relative paths are read from {cwd}, which is not a directory on "
                f"{os.uname().nodename}: give absolute paths or --cwd"])
            return
        cwd = None
    tables, missing = [], []
    for batch in batches(paths, batch_paths):
        status, out, err = run_crashctl(crashctl, ["triage", "-f", "json", *triage_args, "--", *batch], cwd=cwd)
        if status in (0, 1):  # 1: no crash text in these files, still a table
            tables.append(out)
        elif status == EXIT_INPUT_ERROR and out:  # a path is missing; the table lists it
            tables.append(out)
            missing += error_lines(err)
        else:
            yield result(status, None, error_lines(err))
            return
    merged = merge_tables(crashctl, tables)
    yield merged if merged[1] is None else result(EXIT_INPUT_ERROR if missing else 0, merged[1], missing)


class UsageError(Exception):
    pass


class Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(message)


def parse_args(argv):
    p = Parser(prog="triage_spark.py", description=(
        "crashctl triage over many machines' dumps with Spark: one table, byte for byte the one "
        "`crashctl triage` gives over the same paths."))
    p.add_argument("paths", nargs="*", metavar="PATH",
                   help="dump files (or directories) as executors see them")
    p.add_argument("--paths-from", metavar="FILE", action="append", default=[],
                   help="read paths from FILE (on the driver; '-' for stdin), one per line")
    p.add_argument("-0", "--null", action="store_true",
                   help="paths in --paths-from files end with NUL, not newline (find -print0)")
    p.add_argument("-f", "--format", choices=["text", "json", "csv"], default="text",
                   help="output format (default text)")
    p.add_argument("-o", "--output", metavar="FILE", help="write the output to FILE (default stdout)")
    p.add_argument("--save-table", metavar="FILE",
                   help="also write the merged JSON table, without baseline marks (a later --baseline or --merge)")
    p.add_argument("--baseline", metavar="TABLE.json",
                   help="mark buckets missing from this table (read on the driver) as new; exit 4 if any")
    p.add_argument("--path-prefix", metavar="PREFIX", default="",
                   help="prepended to every path in the table, as crashctl triage --path-prefix")
    p.add_argument("--triage-arg", metavar="ARG", action="append", default=[],
                   help="one more argument for each map run (repeat): --triage-arg=--module=example.com/app; "
                        "files it names must be visible to executors")
    p.add_argument("--crashctl", default="crashctl",
                   help="crashctl on the driver and executors (default: found on PATH)")
    p.add_argument("--partitions", type=int, metavar="N",
                   help="partitions of the path list (default: spark.default.parallelism)")
    p.add_argument("--depth", type=int, default=2, metavar="N", help="depth of the reduce tree (default 2)")
    p.add_argument("--batch", type=int, default=2000, metavar="N",
                   help="at most N paths per crashctl run; a partition's runs are merged (default 2000)")
    p.add_argument("--jobs", type=int, metavar="N",
                   help="threads of each map run, crashctl -j (default: spark.task.cpus)")
    p.add_argument("--cwd", metavar="DIR",
                   help="directory relative paths are read from, on executors (default: the driver's)")
    p.add_argument("--master", metavar="URL", help="Spark master when not run by spark-submit (local[2])")
    a = p.parse_args(argv)
    for name in ("partitions", "depth", "batch", "jobs"):
        if getattr(a, name) is not None and getattr(a, name) < 1:
            raise UsageError(f"--{name} must be at least 1")
    return a


def read_paths(a):
    paths = list(a.paths)
    sep = "\0" if a.null else "\n"
    for name in a.paths_from:
        data = sys.stdin.buffer.read() if name == "-" else open(name, "rb").read()
        for p in os.fsdecode(data).split(sep):
            if not a.null and p.endswith("\r"):
                p = p[:-1]
            if p:
                paths.append(p)
    # The same spelling twice is one file for crashctl too.
    return list(dict.fromkeys(paths))


def render(a, table):
    """The last merge, on the driver: the requested format (and --baseline),
    written where asked. Returns crashctl's status."""
    with tempfile.TemporaryDirectory(prefix="crashctl-final-") as tmp:
        name = os.path.join(tmp, "table.json")
        with open(name, "wb") as f:
            f.write(table)
        args = [a.crashctl, "triage", "--merge", "-f", a.format]
        if a.baseline:
            args += ["--baseline", a.baseline]
        args += ["--", name]
        out = open(a.output, "wb") if a.output else sys.stdout.buffer
        try:
            out.flush()
            return subprocess.run(args, stdout=out, stdin=subprocess.DEVNULL).returncode
        except OSError as e:
            print(f"triage_spark.py: error: cannot run {a.crashctl}: {e}", file=sys.stderr)
            return EXIT_NOT_FOUND
        finally:
            if a.output:
                out.close()


def main(argv, spark=None):
    """Runs the job; returns the exit status. SPARK: a session to use (and
    leave running), else one is made and stopped."""
    try:
        a = parse_args(argv)
        paths = read_paths(a)
    except UsageError as e:
        print(f"triage_spark.py: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as e:
        print(f"triage_spark.py: error: --paths-from: {e}", file=sys.stderr)
        return EXIT_INPUT_ERROR
    if not paths:
        print("triage_spark.py: error: no dump paths (give PATH... or --paths-from)", file=sys.stderr)
        return EXIT_USAGE

    if a.baseline:  # read at the end: refused now rather than after the cluster's work
        status, _, err = run_crashctl(a.crashctl, ["triage", "--merge", "-f", "json", "--", a.baseline])
        if status not in (0, 1):
            for m in error_lines(err):
                print(m, file=sys.stderr)
            return status

    own_session = spark is None
    if own_session:
        from pyspark.sql import SparkSession
        builder = SparkSession.builder.appName("crashctl-triage").config("spark.ui.showConsoleProgress", "false")
        if a.master:
            builder = builder.master(a.master)
        spark = builder.getOrCreate()
    try:
        sc = spark.sparkContext
        if __name__ != "__main__":
            sc.addPyFile(os.path.abspath(__file__))  # the map and reduce functions, for executors
        jobs = a.jobs or int(sc.getConf().get("spark.task.cpus", "1"))
        triage_args = ["-j", str(jobs)]
        if a.path_prefix:
            triage_args += ["--path-prefix", a.path_prefix]
        triage_args += a.triage_arg
        crashctl, cwd, batch = a.crashctl, a.cwd or os.getcwd(), a.batch
        partitions = min(len(paths), a.partitions or sc.defaultParallelism)
        tables = sc.parallelize(paths, partitions).mapPartitions(
            lambda it: triage_partition(it, crashctl, triage_args, cwd, batch))
        status, table, messages = tables.treeReduce(lambda x, y: combine(x, y, crashctl), depth=a.depth)
    finally:
        if own_session:
            spark.stop()

    for m in messages:
        print(m, file=sys.stderr)
    if table is None:
        return status
    if a.save_table:
        with open(a.save_table, "wb") as f:
            f.write(table)
    rendered = render(a, table)
    # A missing path is exit 2 for crashctl too, whatever the table says.
    return EXIT_INPUT_ERROR if status == EXIT_INPUT_ERROR and rendered in (0, 1, 4) else rendered


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
