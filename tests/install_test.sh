#!/usr/bin/env bash
# install_test.sh BUILD_DIR SOURCE_DIR CXX
#
# `cmake --install` of the build tree into a scratch prefix installs the CLI,
# its man pages, completions and schemas, and the library: one header that
# compiles without LLVM's headers, libcrashctl, a CMake package and a
# pkg-config file. A program outside the tree (tests/consumer) is built
# against it both ways and analyzes a crash text and a core.
set -euo pipefail
build=$1 src=$2 cxx=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix
status=0
fail() {
  echo "FAIL: $*" >&2
  status=1
}

cmake --install "$build" --prefix "$prefix" >/dev/null

for f in bin/crashctl \
  share/man/man1/crashctl.1 share/man/man1/crashctl-analyze.1 share/man/man1/crashctl-diff.1 \
  share/man/man1/crashctl-explain.1 share/man/man1/crashctl-triage.1 \
  share/bash-completion/completions/crashctl share/zsh/site-functions/_crashctl \
  share/fish/vendor_completions.d/crashctl.fish \
  share/crashctl/output.schema.json share/crashctl/diff.schema.json share/crashctl/triage.schema.json \
  include/crashctl/crashctl.h lib/libcrashctl.a lib/cmake/crashctl/crashctlConfig.cmake \
  lib/cmake/crashctl/crashctlConfigVersion.cmake lib/cmake/crashctl/crashctlTargets.cmake lib/pkgconfig/crashctl.pc; do
  [[ -f $prefix/$f ]] || fail "not installed: $f"
done
# One header, at include/crashctl/: no io/input.h-style paths.
headers=$(cd "$prefix" && find include -type f | sort | tr '\n' ' ')
[[ $headers == "include/crashctl/crashctl.h " ]] || fail "installed headers: $headers"
# It compiles with nothing but the prefix on the include path: no LLVM header.
printf '#include <crashctl/crashctl.h>\nint main() { return crashctl::api::version()[0] == 0; }\n' >"$work/header.cpp"
"$cxx" -std=c++17 -fsyntax-only -I "$prefix/include" "$work/header.cpp" || fail "crashctl.h does not compile alone"
if "$cxx" -std=c++17 -E -I "$prefix/include" "$work/header.cpp" | grep -q '/llvm/'; then
  fail "crashctl.h includes an LLVM header"
fi
# The installed CLI and a man page from the prefix.
"$prefix/bin/crashctl" --version | head -1 | grep -qx "crashctl [0-9.]*" || fail "installed crashctl --version"
if command -v man >/dev/null; then
  MANPATH=$prefix/share/man MANPAGER=cat MANWIDTH=80 man crashctl-triage 2>/dev/null | grep -q -- '--merge' ||
    fail "man crashctl-triage from the prefix"
fi

text=$src/testdata/fixtures/go1.26.8/nil-map.txt.zst
core=$src/testdata/cores/go1.26.8/concurrent-map.core.zst
exe=$work/scenarios.exe
zstd -dqc "$src/testdata/cores/go1.26.8/scenarios.exe.zst" >"$exe"
version=$("$prefix/bin/crashctl" --version | head -1 | cut -d' ' -f2)
expected_text="crashctl $version, schema $(grep -o '"const": "[0-9.]*"' "$src/formats/output.schema.json" | head -1 | cut -d'"' -f4)
traceback: 1 reports
crash nil-map-assignment goroutine 1 culprit main.(*Registry).register line 117 go ?"
expected_core="core: 1 reports"
expected_core_report='^crash concurrent-map-access goroutine 7 culprit main\.\(\*Stats\)\.record line [0-9]+ go go1\.26\.8$'

# check NAME CONSUMER: the consumer's answers, and its JSON is the CLI's.
check() {
  local name=$1 consumer=$2 out
  out=$("$consumer" "$text") || fail "$name: exit status $? on $text"
  [[ $out == "$expected_text" ]] || fail "$name on $text: got
$out
expected
$expected_text"
  out=$("$consumer" "$core" "$exe" | tail -n +2) || fail "$name: exit status $? on $core"
  [[ $(head -1 <<<"$out") == "$expected_core" && $(sed -n 2p <<<"$out") =~ $expected_core_report ]] ||
    fail "$name on $core: got
$out"
  cmp <("$consumer" --json --exe "$exe" "$text" "$core") \
    <("$prefix/bin/crashctl" analyze -f json --exe "$exe" "$text" "$core") ||
    fail "$name: JSON differs from crashctl analyze -f json"
}

# CMake: find_package(crashctl) -> crashctl::crashctl.
cmake -S "$src/tests/consumer" -B "$work/cmake" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_PREFIX_PATH="$prefix" >"$work/cmake.log" 2>&1 ||
  { cat "$work/cmake.log" >&2; fail "configuring the consumer"; }
if cmake --build "$work/cmake" >"$work/build.log" 2>&1; then
  check "find_package consumer" "$work/cmake/consumer"
else
  cat "$work/build.log" >&2
  fail "building the consumer with find_package"
fi

# pkg-config.
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
if "$cxx" -std=c++17 -O1 -o "$work/pc-consumer" "$src/tests/consumer/consumer.cpp" \
  $(pkg-config --cflags --libs crashctl); then
  check "pkg-config consumer" "$work/pc-consumer"
else
  fail "building the consumer with pkg-config"
fi
[[ $(pkg-config --modversion crashctl) == "$version" ]] || fail "pkg-config --modversion crashctl"

[[ $status == 0 ]] && echo "install: files, header, CLI, man page; consumer built with find_package and pkg-config"
exit $status
