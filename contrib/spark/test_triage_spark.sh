#!/usr/bin/env bash
# ctest: the Spark recipe in local mode (local[2]) against one crashctl
# triage run, byte for byte (test_triage_spark.py). pyspark comes from PyPI
# into a venv cached across runs (CRASHCTL_PYSPARK_CACHE, default
# ~/.cache/crashctl-pyspark); Java is the machine's (17 or later for Spark 4).
# Exits 77 (skipped) with the reason when Java, a venv or pyspark cannot be
# had. CRASHCTL_PYSPARK picks another pip requirement (pyspark==3.5.6 for
# Java 11).
set -euo pipefail
crashctl=$1; src=$2
here=$(cd "$(dirname "$0")" && pwd)
requirement=${CRASHCTL_PYSPARK:-pyspark==4.0.5}
skip() { echo "skip: $*"; exit 77; }

command -v python3 >/dev/null || skip "python3 not found"
command -v java >/dev/null || [[ -n ${JAVA_HOME:-} ]] || skip "java not found (Debian: openjdk-17-jre-headless)"
java_major=$("${JAVA_HOME:+$JAVA_HOME/bin/}java" -version 2>&1 | sed -n 's/.* version "\([0-9]*\).*/\1/p' | head -1)
[[ ${requirement} != pyspark==4* || ${java_major:-0} -ge 17 ]] ||
  skip "$requirement needs Java 17 or later, found ${java_major:-none}"

py_version=$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')
cache=${CRASHCTL_PYSPARK_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/crashctl-pyspark}
venv=$cache/venv-py$py_version-${requirement//[^A-Za-z0-9.]/_}
mkdir -p "$cache" || skip "cannot create $cache (set CRASHCTL_PYSPARK_CACHE)"
# One installer at a time; a venv is used once its stamp says it is whole.
exec 9>"$cache/lock"
flock 9
if [[ ! -f $venv/.complete ]] || ! "$venv/bin/python" -c 'import pyspark' 2>/dev/null; then
  rm -rf "$venv"
  log=$cache/install.log
  echo "installing $requirement into $venv (once)"
  python3 -m venv "$venv" >"$log" 2>&1 || { cat "$log"; skip "no venv (Debian: python3-venv)"; }
  if ! timeout 600 "$venv/bin/pip" install --quiet --disable-pip-version-check "$requirement" >>"$log" 2>&1; then
    tail -5 "$log"; rm -rf "$venv"; skip "$requirement cannot be installed from PyPI"
  fi
  "$venv/bin/python" -c 'import pyspark' >>"$log" 2>&1 || { tail -5 "$log"; rm -rf "$venv"; skip "pyspark does not import"; }
  touch "$venv/.complete"
fi
flock -u 9

# Spark on the loopback only, its Python workers from the venv, nothing
# written into the source tree.
export SPARK_LOCAL_IP=127.0.0.1 PYSPARK_PYTHON=$venv/bin/python PYSPARK_DRIVER_PYTHON=$venv/bin/python
export PYTHONDONTWRITEBYTECODE=1
cd "$src"
exec "$venv/bin/python" "$here/test_triage_spark.py" "$crashctl"
