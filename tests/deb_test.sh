#!/usr/bin/env bash
# deb_test.sh BUILD_DIR SOURCE_DIR
#
# `cpack -G DEB` makes crashctl_*.deb and libcrashctl-dev_*.deb. Their
# Depends name the package of every shared library the executable needs
# (dpkg-shlibdeps) and the -dev packages the static library needs; unpacked
# with dpkg-deb -x, the packaged crashctl prints its version and analyzes a
# crash. Exits 77 (skipped) without dpkg-deb and dpkg-shlibdeps (dpkg-dev).
set -euo pipefail
build=$1 src=$2
for tool in dpkg-deb dpkg-shlibdeps; do
  command -v $tool >/dev/null || { echo "SKIP: $tool is not installed (apt-get install dpkg-dev)" >&2; exit 77; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
fail() {
  echo "FAIL: $*" >&2
  status=1
}

(cd "$build" && cpack -G DEB -B "$work/out" >"$work/cpack.log" 2>&1) || { cat "$work/cpack.log" >&2; exit 1; }
cli=$(ls "$work"/out/crashctl_*.deb)
dev=$(ls "$work"/out/libcrashctl-dev_*.deb)

# Depends of the CLI: the package owning each shared library it needs.
depends=$(dpkg-deb -f "$cli" Depends)
echo "crashctl Depends: $depends"
# names DEPENDS: the package names of a Depends field, one per line.
names() { sed 's/ *([^)]*)//g; s/ *| */\n/g; s/, */\n/g' <<<"$1"; }
dpkg-deb -x "$cli" "$work/root"
exe=$work/root/usr/bin/crashctl
[[ -x $exe ]] || fail "no usr/bin/crashctl in $cli"
# No pipeline here stops reading early: with pipefail, a writer killed by
# SIGPIPE (ldconfig -p is larger than a pipe on a machine with many
# libraries) would end the script under set -e.
ldcache=$(ldconfig -p)
# owner_of PATH: the package that installed PATH, or nothing.
owner_of() { dpkg -S "$1" 2>/dev/null | awk -F: 'NR == 1 { print $1 }' || true; }
while read -r lib; do
  path=$(awk -v l="$lib" '$1 == l && /x86-64/ && !found { print $NF; found = 1 }' <<<"$ldcache")
  [[ -n $path ]] || { fail "cannot find $lib"; continue; }
  owner=$(owner_of "$(readlink -f "$path")")
  [[ -n $owner ]] || owner=$(owner_of "$path")
  [[ -n $owner ]] || { fail "no installed package owns $path (for $lib)"; continue; }
  names "$depends" | grep -qxF "$owner" || fail "Depends lacks $owner (for $lib)"
done < <(readelf -d "$exe" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
for f in usr/share/man/man1/crashctl.1 usr/share/man/man1/crashctl-analyze.1 \
  usr/share/bash-completion/completions/crashctl usr/share/zsh/site-functions/_crashctl \
  usr/share/fish/vendor_completions.d/crashctl.fish usr/share/crashctl/output.schema.json; do
  [[ -f $work/root/$f ]] || fail "$cli lacks $f"
done

# The packaged executable runs.
version=$("$exe" --version) || fail "packaged crashctl --version: exit $?"
grep -qx "crashctl $(dpkg-deb -f "$cli" Version)" <<<"$(head -1 <<<"$version")" ||
  fail "packaged --version: $(head -1 <<<"$version"), package version $(dpkg-deb -f "$cli" Version)"
out=$("$exe" analyze "$src/testdata/fixtures/go1.26.8/nil-map.txt.zst") || fail "packaged crashctl analyze: exit $?"
grep -q 'nil-map-assignment' <<<"$out" || fail "packaged crashctl analyze: $out"
grep -q 'culprit: main.(\*Registry).register' <<<"$out" || fail "packaged crashctl analyze: $out"

# The library package: the header, the archive, the CMake package, pkg-config.
dev_depends=$(dpkg-deb -f "$dev" Depends)
echo "libcrashctl-dev Depends: $dev_depends"
for p in llvm-19-dev libprotobuf-dev libzstd-dev zlib1g-dev; do
  names "$dev_depends" | grep -qxF "$p" || fail "libcrashctl-dev Depends lacks $p"
  dpkg-query -W "$p" >/dev/null 2>&1 || fail "Depends names $p, which is not an installed package"
done
contents=$(dpkg-deb -c "$dev")
for f in usr/include/crashctl/crashctl.h 'usr/lib/.*libcrashctl\.a' 'usr/lib/.*cmake/crashctl/crashctlConfig\.cmake' \
  'usr/lib/.*pkgconfig/crashctl\.pc'; do
  grep -qE "\./$f\$" <<<"$contents" || fail "$dev lacks $f"
done
# The two packages share no file.
dups=$(comm -12 <(dpkg-deb -c "$cli" | awk '$1 !~ /^d/ { print $NF }' | sort) \
  <(dpkg-deb -c "$dev" | awk '$1 !~ /^d/ { print $NF }' | sort))
[[ -z $dups ]] || fail "both packages hold $dups"

[[ $status == 0 ]] && echo "deb: $(basename "$cli") ($(stat -c %s "$cli") bytes), $(basename "$dev") ($(stat -c %s "$dev") bytes)"
exit $status
