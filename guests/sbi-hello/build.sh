#!/usr/bin/env bash
# Rebuilds guests/sbi-hello/Image (a raw binary in the Linux Image format) with Debian's
# gcc-riscv64-unknown-elf.
set -euo pipefail
cd "$(dirname "$0")"
CC=${CC:-riscv64-unknown-elf-gcc}
OBJCOPY=${OBJCOPY:-riscv64-unknown-elf-objcopy}
command -v "$CC" >/dev/null || { echo "build.sh: $CC not found; install it with: apt-get install gcc-riscv64-unknown-elf" >&2; exit 1; }
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
"$CC" -march=rv64imac_zicsr -mabi=lp64 -mcmodel=medany -c -o "$TMP/hello.o" hello.S
"$CC" -nostdlib -nostartfiles -static -Wl,--build-id=none -T link.ld -o "$TMP/hello.elf" "$TMP/hello.o"
"$OBJCOPY" -O binary "$TMP/hello.elf" "${OUT:-.}/Image"
