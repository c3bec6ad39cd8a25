#!/usr/bin/env bash
# Rebuilds the benchmark guests (bench/guests/*.S → bench/guests/bin/*.elf) with Debian's
# gcc-riscv64-unknown-elf.
set -euo pipefail
cd "$(dirname "$0")"
CC=${CC:-riscv64-unknown-elf-gcc}
command -v "$CC" >/dev/null || { echo "build.sh: $CC not found; install it with: apt-get install gcc-riscv64-unknown-elf" >&2; exit 1; }
OUT="${BENCH_BIN:-bin}"
mkdir -p "$OUT"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
for src in *.S; do
  # A fixed object name: the linker records it, and the ELFs stay byte-identical.
  "$CC" -march=rv64gc -mabi=lp64d -c -o "$TMP/${src%.S}.o" "$src"
  "$CC" -nostdlib -nostartfiles -static -Wl,--build-id=none -T link.ld -o "$OUT/${src%.S}.elf" "$TMP/${src%.S}.o"
done
echo "built $(ls "$OUT"/*.elf | wc -l) benchmark guests in $OUT"
