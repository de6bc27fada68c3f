#!/usr/bin/env bash
# Installs what crashctl needs from Debian's packages, only if missing.
set -euo pipefail
packages=(cmake ninja-build g++ pkg-config llvm-19-dev libcli11-dev libzstd-dev catch2 zlib1g-dev
          clang-19 libclang-rt-19-dev zstd time libprotobuf-dev protobuf-compiler libcurl4-openssl-dev
          man-db groff-base zsh fish dpkg-dev python3-venv openjdk-17-jre-headless
          libgit2-dev git debuginfod chromium)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
