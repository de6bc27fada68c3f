#!/usr/bin/env bash
# generate-odd.sh [TOOLCHAIN...]: crash text of scenarios-odd/ (a program that
# crashes in parser code generated with //line directives) and the `go test`
# output of scenarios-testpanic/ (a test that panics; testing re-panics it)
# under several Go releases, stored unedited as
# fixtures-odd/<go version>/{line-directive,test-panic}.txt.zst.
# Toolchains other than the machine's go come from the module proxy
# (GOTOOLCHAIN=goX.Y.Z), as in generate.sh.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOOLCHAINS=("$@")
((${#TOOLCHAINS[@]})) || TOOLCHAINS=(go1.22.12 go1.24.13 go1.26.8)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for tc in "${TOOLCHAINS[@]}"; do
  version=$(cd "$HERE/scenarios-odd" && GOTOOLCHAIN=$tc GOFLAGS=-buildvcs=false go env GOVERSION)
  (cd "$HERE/scenarios-odd" && GOTOOLCHAIN=$tc GOFLAGS=-buildvcs=false CGO_ENABLED=0 go build -o "$work/odd-$version" .)
  rc=0
  (cd "$work" && env -u GOTRACEBACK ./"odd-$version") >/dev/null 2>"$work/stderr" || rc=$?
  [[ $rc == 2 ]] || { echo "generate-odd.sh: $version exited $rc, expected 2" >&2; exit 1; }
  grep -q '^	grammar/expr.y:58$' "$work/stderr" || { echo "generate-odd.sh: no //line file in $version's trace" >&2; exit 1; }
  mkdir -p "$HERE/fixtures-odd/$version"
  zstd -q -19 -f "$work/stderr" -o "$HERE/fixtures-odd/$version/line-directive.txt.zst"
  echo "$version: fixtures-odd/$version/line-directive.txt.zst"
  # go test prints the test binary's stdout and stderr as one stream.
  rc=0
  (cd "$HERE/scenarios-testpanic" && env -u GOTRACEBACK GOTOOLCHAIN=$tc GOFLAGS=-buildvcs=false CGO_ENABLED=0 \
    go test -count=1 .) >"$work/test" 2>&1 || rc=$?
  [[ $rc == 1 ]] || { echo "generate-odd.sh: go test with $version exited $rc, expected 1" >&2; exit 1; }
  grep -q '^testing\.tRunner\.func1' "$work/test" || { echo "generate-odd.sh: no tRunner frame in $version's output" >&2; exit 1; }
  zstd -q -19 -f "$work/test" -o "$HERE/fixtures-odd/$version/test-panic.txt.zst"
  echo "$version: fixtures-odd/$version/test-panic.txt.zst"
done
