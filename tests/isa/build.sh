#!/usr/bin/env bash
# Build every tests/isa/*.S into tests/isa/bin/NAME.elf (spec behaviour).
# Files that contain known-QEMU-difference guards (PVM_QEMU_COMPAT) are also
# built with -DPVM_QEMU_COMPAT into bin/qemu-compat/NAME.elf, in which the
# cases where QEMU 7.2 departs from the spec are skipped (see README.md).
# Usage: tests/isa/build.sh [NAME ...]     (default: all)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CC="${RISCV_CC:-riscv64-unknown-elf-gcc}"
if ! command -v "$CC" >/dev/null 2>&1; then
    echo "error: $CC not found." >&2
    echo "On Debian/Ubuntu install it with:  apt-get install gcc-riscv64-unknown-elf" >&2
    exit 1
fi
ASFLAGS=(-march=rv64imac_zicsr_zifencei -mabi=lp64 -mcmodel=medany -I"$HERE")
LDFLAGS=(-nostdlib -nostartfiles -static -T "$HERE/link.ld"
        -Wl,--build-id=none -Wl,-z,max-page-size=4096 -Wl,--nmagic -Wl,--no-warn-rwx-segments)
# Objects are named NAME.o in a scratch folder: the linker records that name, so the ELFs
# come out byte-identical on every build.
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
cc_elf() {  # OUT.elf SRC [extra flags]
    local out="$1" src="$2"; shift 2
    local obj="$TMP/$(basename "$src" .S).o"
    "$CC" "${ASFLAGS[@]}" "$@" -c -o "$obj" "$src" && "$CC" "${ASFLAGS[@]}" "${LDFLAGS[@]}" -o "$out" "$obj"
}
OUT="${ISA_BIN:-$HERE/bin}"   # ISA_BIN: build elsewhere (the oracle test compares with the committed ELFs)
mkdir -p "$OUT"
if [ $# -gt 0 ]; then
    srcs=()
    for n in "$@"; do srcs+=("$HERE/${n%.S}.S"); done
else
    srcs=("$HERE"/*.S)
fi
status=0
for src in "${srcs[@]}"; do
    name="$(basename "$src" .S)"
    if cc_elf "$OUT/$name.elf" "$src"; then
        echo "built bin/$name.elf"
    else
        echo "FAILED to build $name" >&2
        status=1
        continue
    fi
    if grep -q PVM_QEMU_COMPAT "$src"; then
        mkdir -p "$OUT/qemu-compat"
        if cc_elf "$OUT/qemu-compat/$name.elf" "$src" -DPVM_QEMU_COMPAT; then
            echo "built bin/qemu-compat/$name.elf"
        else
            echo "FAILED to build qemu-compat $name" >&2
            status=1
        fi
    fi
done
exit $status
