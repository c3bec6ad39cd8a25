#!/usr/bin/env bash
# Rebuilds guests/sbi-timer/timer.elf with Debian's gcc-riscv64-unknown-elf.
set -euo pipefail
cd "$(dirname "$0")"
CC=${CC:-riscv64-unknown-elf-gcc}
command -v "$CC" >/dev/null || { echo "build.sh: $CC not found; install it with: apt-get install gcc-riscv64-unknown-elf" >&2; exit 1; }
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
"$CC" -march=rv64imac_zicsr -mabi=lp64 -mcmodel=medany -c -o "$TMP/timer.o" timer.S
"$CC" -nostdlib -nostartfiles -static -Wl,--build-id=none,--no-warn-rwx-segments -T link.ld -o "${OUT:-.}/timer.elf" "$TMP/timer.o"
