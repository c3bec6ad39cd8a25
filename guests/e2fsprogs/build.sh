#!/usr/bin/env bash
# Builds an initramfs overlay with Debian sid's riscv64 e2fsprogs (mkfs.ext4,
# e2fsck, debugfs) and the shared libraries they need, for the virtio-blk
# acceptance test: Linux unpacks concatenated initramfs archives, so this goes
# after the default guest's initramfs.cpio.gz (busybox has no mkfs.ext4).
# Nothing is committed: the result goes to a cache folder.
#
# Usage: guests/e2fsprogs/build.sh [--out DIR] [--debs DIR] [--force]
#   --out DIR    where the overlay goes (default ~/.cache/paravm/e2fsprogs)
#   --debs DIR   take the .debs from DIR instead of downloading them
#   --force      rebuild even when DIR already holds an overlay
# Output in DIR: e2fsprogs.cpio.gz, PROVENANCE.
# Environment: DEBIAN_MIRROR (default: the host's apt mirror).
set -euo pipefail
PROG=guests/e2fsprogs/build.sh
HERE=$(cd "$(dirname "$0")" && pwd)
DEFAULT=$(cd "$HERE/../default" && pwd)
# shellcheck source=../default/lib.sh
. "$DEFAULT/lib.sh"

OUT=${XDG_CACHE_HOME:-$HOME/.cache}/paravm/e2fsprogs
DEBS=
FORCE=0
while [ $# -gt 0 ]; do
	case $1 in
	--out) OUT=$2; shift 2 ;;
	--debs) DEBS=$(cd "$2" && pwd); shift 2 ;;
	--force) FORCE=1; shift ;;
	-h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown argument '$1' (see --help)" ;;
	esac
done
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1767225600}
export LC_ALL=C TZ=UTC
need dpkg-deb dpkg
need readelf binutils
need gzip gzip

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
if [ $FORCE = 0 ] && [ -f "$OUT/e2fsprogs.cpio.gz" ]; then
	log "$OUT already holds the overlay; --force rebuilds it"
	exit 0
fi
W=$OUT/work
rm -rf "$W"
mkdir -p "$W"

# The programs' libraries (readelf below checks that nothing is missing).
PKGS="e2fsprogs libext2fs2t64 libcom-err2 libblkid1 libuuid1 libss2 libc6"
if [ -z "$DEBS" ]; then
	sid_apt "$W/apt"
	DEBS=$W/debs
	log "downloading $PKGS"
	for p in $PKGS; do sid_download "$DEBS" "$p" >/dev/null; done
fi

X=$W/x
mkdir -p "$X"
for p in $PKGS; do
	f=$(ls "$DEBS/${p}_"*_riscv64.deb 2>/dev/null | head -n1)
	[ -n "$f" ] || die "no $p .deb in $DEBS"
	dpkg-deb -x "$f" "$X"
	echo "  $(deb_field "$f" Package) $(deb_field "$f" Version)  $(sha256sum "$f" | cut -d' ' -f1)" >>"$W/packages"
done

# The overlay: the three programs, the loader, and every library they need.
R=$W/root
mkdir -p "$R/sbin" "$R/etc" "$R/lib/riscv64-linux-gnu" "$R/usr"
ln -s ../lib "$R/usr/lib"
find_file() { find "$X" -name "$1" \( -type f -o -type l \) | head -n1; }
for prog in mke2fs e2fsck debugfs; do
	f=$(find_file "$prog")
	[ -n "$f" ] || die "no $prog in e2fsprogs"
	cp "$f" "$R/sbin/$prog"
done
ln -s mke2fs "$R/sbin/mkfs.ext4"
cp "$(find_file mke2fs.conf)" "$R/etc/mke2fs.conf"
loader=$(find_file 'ld-linux-riscv64-lp64d.so.1')
[ -n "$loader" ] || die "no ld-linux-riscv64-lp64d.so.1 in libc6"
cp -L "$loader" "$R/lib/ld-linux-riscv64-lp64d.so.1"
todo="$R/sbin/mke2fs $R/sbin/e2fsck $R/sbin/debugfs"
while [ -n "$todo" ]; do
	next=
	for elf in $todo; do
		for lib in $(readelf -d "$elf" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
			[ -e "$R/lib/riscv64-linux-gnu/$lib" ] && continue
			[ "$lib" = ld-linux-riscv64-lp64d.so.1 ] && continue
			f=$(find_file "$lib")
			[ -n "$f" ] || die "$(basename "$elf") needs $lib, which none of $PKGS holds"
			cp -L "$f" "$R/lib/riscv64-linux-gnu/$lib"
			next="$next $R/lib/riscv64-linux-gnu/$lib"
		done
	done
	todo=$next
done
fix_modes "$R" 2>/dev/null || true

cpio_begin "$W/e2fsprogs.cpio" "$SOURCE_DATE_EPOCH"
cpio_tree "$R"
cpio_end
gzip -n -9 -c "$W/e2fsprogs.cpio" >"$OUT/e2fsprogs.cpio.gz"
{
	echo "e2fsprogs.cpio.gz: an initramfs overlay for paravm's default guest, made by"
	echo "guests/e2fsprogs/build.sh from these Debian sid riscv64 packages (GPL-2.0 and"
	echo "LGPL; sources in Debian's archive under the same names and versions):"
	cat "$W/packages"
	echo "sha256 $(sha256sum "$OUT/e2fsprogs.cpio.gz" | cut -d' ' -f1)  e2fsprogs.cpio.gz"
} >"$OUT/PROVENANCE"
log "overlay in $OUT/e2fsprogs.cpio.gz ($(du -h "$OUT/e2fsprogs.cpio.gz" | cut -f1)): $(ls "$R/sbin" | tr '\n' ' ')"
