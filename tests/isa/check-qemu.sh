#!/usr/bin/env bash
# Run the ISA test ELFs under QEMU's spike machine (the reference check).
# Usage: tests/isa/check-qemu.sh [NAME ...]    (default: every bin/*.elf)
#
# tohost convention: QEMU exits with status tohost >> 1, i.e. 0 on pass and
# the failing test number otherwise.
#
# For each NAME:
#   bin/NAME.elf               the spec build.  It must pass, except that a
#                              failure at a test number listed for NAME in
#                              qemu-xfail.txt is a known QEMU 7.2 difference
#                              from the spec: printed as XFAIL, not counted.
#   bin/qemu-compat/NAME.elf   (only for files with such differences) the
#                              same program with those cases skipped: it must
#                              pass, so that QEMU still checks everything else.
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
QEMU="${QEMU:-qemu-system-riscv64}"
TIMEOUT="${TIMEOUT:-10}"
if ! command -v "$QEMU" >/dev/null 2>&1; then
    echo "error: $QEMU not found (Debian: apt-get install qemu-system-misc)" >&2
    exit 1
fi
if [ $# -gt 0 ]; then
    names=()
    for n in "$@"; do names+=("$(basename "${n%.elf}")"); done
else
    names=()
    for e in "$HERE"/bin/*.elf; do [ -f "$e" ] && names+=("$(basename "$e" .elf)"); done
fi
if [ ${#names[@]} -eq 0 ]; then
    echo "error: no ELFs in $HERE/bin (run build.sh first)" >&2
    exit 1
fi
xfails_of() {  # NAME -> test numbers listed in qemu-xfail.txt
    [ -f "$HERE/qemu-xfail.txt" ] || return 0
    awk -v n="$1" '$1 == n { print $2 }' "$HERE/qemu-xfail.txt"
}
run_elf() {
    timeout "$TIMEOUT" "$QEMU" -machine spike -bios none -nographic -kernel "$1" \
        </dev/null >/dev/null 2>&1
}
pass=0; fail=0; xfail=0
for name in "${names[@]}"; do
    elf="$HERE/bin/$name.elf"
    if [ ! -f "$elf" ]; then
        echo "FAIL $name (no ELF; run build.sh)"; fail=$((fail+1)); continue
    fi
    run_elf "$elf"; rc=$?
    xf="$(xfails_of "$name")"
    if [ $rc -eq 0 ]; then
        echo "PASS $name"; pass=$((pass+1))
    elif [ $rc -eq 124 ]; then
        echo "FAIL $name (timeout after ${TIMEOUT}s)"; fail=$((fail+1))
    elif [ -n "$xf" ] && echo "$xf" | grep -qx "$rc"; then
        echo "XFAIL $name (test $rc: known QEMU 7.2 difference from the spec, see README.md)"
        xfail=$((xfail+1))
    else
        echo "FAIL $name (test $rc)"; fail=$((fail+1))
    fi
    compat="$HERE/bin/qemu-compat/$name.elf"
    if [ -f "$compat" ]; then
        run_elf "$compat"; rc=$?
        if [ $rc -eq 0 ]; then
            echo "PASS $name [qemu-compat]"; pass=$((pass+1))
        elif [ $rc -eq 124 ]; then
            echo "FAIL $name [qemu-compat] (timeout after ${TIMEOUT}s)"; fail=$((fail+1))
        else
            echo "FAIL $name [qemu-compat] (test $rc)"; fail=$((fail+1))
        fi
    fi
done
echo "qemu: $pass passed, $fail failed, $xfail skipped"
[ $fail -eq 0 ]
