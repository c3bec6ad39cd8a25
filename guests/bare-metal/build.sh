#!/usr/bin/env bash
# Rebuilds guests/bare-metal/kernel.elf with Debian's gcc-riscv64-unknown-elf. The output is
# byte-identical on every build: no debug information, no build ID, sources named relative to
# this folder, objects named after their sources. OUT=DIR builds into DIR instead (the tools
# test compares that build with the committed ELF).
set -euo pipefail
cd "$(dirname "$0")"
CC=${CC:-riscv64-unknown-elf-gcc}
command -v "$CC" >/dev/null || { echo "build.sh: $CC not found; install it with: apt-get install gcc-riscv64-unknown-elf" >&2; exit 1; }
CFLAGS=(-march=rv64imac_zicsr_zifencei -mabi=lp64 -mcmodel=medany -nostdlib -ffreestanding -O2
        -fno-tree-loop-distribute-patterns -fno-pic -Wall -Wextra -Werror -ffile-prefix-map="$PWD"=.)
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
"$CC" "${CFLAGS[@]}" -c -o "$TMP/start.o" start.S
"$CC" "${CFLAGS[@]}" -c -o "$TMP/kernel.o" kernel.c
"$CC" "${CFLAGS[@]}" -nostartfiles -static -T link.ld -Wl,--build-id=none -Wl,--no-warn-rwx-segments \
    -o "${OUT:-.}/kernel.elf" "$TMP/start.o" "$TMP/kernel.o"
