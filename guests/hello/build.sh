#!/usr/bin/env bash
# Rebuilds guests/hello/hello.elf with Debian's gcc-riscv64-unknown-elf.
set -euo pipefail
cd "$(dirname "$0")"
CC=${CC:-riscv64-unknown-elf-gcc}
command -v "$CC" >/dev/null || { echo "build.sh: $CC not found; install it with: apt-get install gcc-riscv64-unknown-elf" >&2; exit 1; }
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
"$CC" -march=rv64imac_zicsr -mabi=lp64 -c -o "$TMP/hello.o" hello.S
"$CC" -nostdlib -nostartfiles -static -Wl,--build-id=none -T link.ld -o "${OUT:-.}/hello.elf" "$TMP/hello.o"
