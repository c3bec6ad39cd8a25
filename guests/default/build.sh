#!/usr/bin/env bash
# Builds paravm's embedded default guest from Debian packages only:
#   Image.gz           Linux of paravm's configuration (paravm.config on top of
#                      tinyconfig), from Debian's linux-source-6.1, built with
#                      gcc-riscv64-linux-gnu; everything built in, no modules
#   initramfs.cpio.gz  Debian sid's riscv64 busybox-static, /init, rootfs/ and
#                      vsock-probe (vsock-probe.c, built here)
#   Image.config       the kernel's resolved .config, for reference
#   artefacts.json     file names and sha256 of the artefacts (checked at load)
#   PROVENANCE         package versions, sha256 of every input and output,
#                      the rebuild command, licences and corresponding source
#
# Usage: guests/default/build.sh [--busybox-deb FILE] [--initramfs-only]
#                                [--out DIR] [--work DIR] [--jobs N]
#   --busybox-deb FILE  use this busybox-static riscv64 .deb instead of
#                       downloading sid's current one (to rebuild exactly the
#                       committed artefacts: the version is in PROVENANCE)
#   --initramfs-only    rebuild initramfs.cpio.gz only (after a change to init,
#                       rootfs/ or vsock-probe.c): Image.gz and Image.config are
#                       kept as they are in this folder, and PROVENANCE keeps the
#                       kernel's facts (linux-source version, its sha256) from
#                       the committed PROVENANCE; needs no linux-source and
#                       takes seconds instead of the kernel's minutes
#   --out DIR           where the artefacts go (default: this folder)
#   --work DIR          scratch folder (default: ~/.cache/paravm/build-default)
#   --jobs N            parallel make jobs (default: number of CPUs)
# Environment: LINUX_SOURCE (default /usr/src/linux-source-6.1.tar.xz),
#   DEBIAN_MIRROR (default: the host's), SOURCE_DATE_EPOCH (default below).
# The same inputs give bit-identical outputs.
set -euo pipefail
PROG=guests/default/build.sh
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"

OUT=$HERE
WORK=${XDG_CACHE_HOME:-$HOME/.cache}/paravm/build-default
JOBS=$(nproc 2>/dev/null || echo 2)
BUSYBOX_DEB=
KERNEL=1
while [ $# -gt 0 ]; do
	case $1 in
	--busybox-deb) BUSYBOX_DEB=$(realpath "$2"); shift 2 ;;
	--initramfs-only) KERNEL=0; shift ;;
	--out) OUT=$2; shift 2 ;;
	--work) WORK=$2; shift 2 ;;
	--jobs) JOBS=$2; shift 2 ;;
	-h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown argument '$1' (see --help)" ;;
	esac
done
mkdir -p "$OUT" "$WORK"
OUT=$(cd "$OUT" && pwd)
WORK=$(cd "$WORK" && pwd)

# Fixed build identity: 2026-01-01T00:00:00Z.
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1767225600}
export KBUILD_BUILD_TIMESTAMP="@$SOURCE_DATE_EPOCH"
export KBUILD_BUILD_USER=paravm KBUILD_BUILD_HOST=paravm KBUILD_BUILD_VERSION=1
export ARCH=riscv CROSS_COMPILE=riscv64-linux-gnu-
export LC_ALL=C TZ=UTC
LINUX_SOURCE=${LINUX_SOURCE:-/usr/src/linux-source-6.1.tar.xz}

# --- tools
need riscv64-linux-gnu-gcc gcc-riscv64-linux-gnu
need riscv64-linux-gnu-ld binutils-riscv64-linux-gnu
need gzip gzip
need dpkg-deb dpkg
need sha256sum coreutils
need find findutils
need awk mawk
if [ $KERNEL = 1 ]; then
	need gcc gcc
	need make make
	need flex flex
	need bison bison
	need bc bc
	need xz xz-utils
	need tar tar
	[ -f "$LINUX_SOURCE" ] ||
		die "$LINUX_SOURCE not found; install it with: apt-get install linux-source-6.1 (or set LINUX_SOURCE to a linux-source tarball)"
	LINUX_PKG=$(dpkg -S "$LINUX_SOURCE" 2>/dev/null | cut -d: -f1 || true)
	LINUX_PKG_VERSION=
	[ -z "$LINUX_PKG" ] || LINUX_PKG_VERSION=$(dpkg-query -W -f='${Version}' "$LINUX_PKG")
	LINUX_HOST=$(. /etc/os-release && echo "$PRETTY_NAME")
else
	# the kernel of the committed artefacts, and what PROVENANCE says it was built from
	for f in Image.gz Image.config PROVENANCE; do
		[ -f "$HERE/$f" ] || die "--initramfs-only needs the committed $HERE/$f"
	done
	old() { sed -n "$1" "$HERE/PROVENANCE" | head -n1; }
	LINUX_PKG=$(old 's/^  \(linux-source[^ ]*\)  .*(host: .*/\1/p')
	LINUX_PKG_VERSION=$(old 's/^  linux-source[^ ]*  \([^ ]*\)  (host: .*/\1/p')
	LINUX_HOST=$(old 's/^  linux-source[^ ]*  [^ ]*  (host: \(.*\))$/\1/p')
	LINUX_INPUT=$(old '/^Inputs/,/^Outputs/s/^  \([0-9a-f]\{64\}  linux-source.*\)$/\1/p')
	[ -n "$LINUX_PKG" ] && [ -n "$LINUX_PKG_VERSION" ] && [ -n "$LINUX_INPUT" ] ||
		die "cannot read the kernel's linux-source package and sha256 from $HERE/PROVENANCE"
	LINUX_SOURCE=/usr/src/${LINUX_INPUT#*  }
	LINUX_SOURCE=${LINUX_SOURCE%%  *}
fi

T0=$(date +%s)

# --- busybox-static (riscv64) from Debian sid
if [ -z "$BUSYBOX_DEB" ]; then
	sid_apt "$WORK/apt"
	rm -f "$WORK/debs/busybox-static_"*.deb
	BUSYBOX_DEB=$(sid_download "$WORK/debs" busybox-static)
fi
[ -f "$BUSYBOX_DEB" ] || die "$BUSYBOX_DEB: no such file"
[ "$(deb_field "$BUSYBOX_DEB" Package)" = busybox-static ] &&
	[ "$(deb_field "$BUSYBOX_DEB" Architecture)" = riscv64 ] ||
	die "$BUSYBOX_DEB is not a riscv64 busybox-static package"
BUSYBOX_VERSION=$(deb_field "$BUSYBOX_DEB" Version)
BUSYBOX_SOURCE=$(deb_field "$BUSYBOX_DEB" Source)
BUSYBOX_SRC_VERSION=$BUSYBOX_VERSION
case $BUSYBOX_SOURCE in *"("*")"*) BUSYBOX_SRC_VERSION=${BUSYBOX_SOURCE#*(} BUSYBOX_SRC_VERSION=${BUSYBOX_SRC_VERSION%)} ;; esac
BUSYBOX_SOURCE=${BUSYBOX_SOURCE%% *}
# where Debian keeps it (while sid has it)
BUSYBOX_WHERE="Debian's pool, busybox-static_${BUSYBOX_VERSION#*:}_riscv64.deb of source package $BUSYBOX_SOURCE"
BUSYBOX_BUILT_USING=$(deb_field "$BUSYBOX_DEB" Built-Using)
log "busybox-static $BUSYBOX_VERSION"

# --- the kernel: built from linux-source, or (--initramfs-only) the committed one
if [ $KERNEL = 1 ]; then
	# --- kernel source: a fresh tree whenever the tarball changes
	LINUX_SHA=$(sha256 "$LINUX_SOURCE")
	K=$WORK/linux
	if [ "$(cat "$WORK/linux.sha256" 2>/dev/null)" != "$LINUX_SHA" ] || [ ! -f "$K/Makefile" ]; then
		log "unpacking $LINUX_SOURCE"
		rm -rf "$K" "$WORK/linux.sha256"
		mkdir -p "$K"
		tar -xJf "$LINUX_SOURCE" -C "$K" --strip-components=1
		echo "$LINUX_SHA" >"$WORK/linux.sha256"
	fi
	KVERSION=$(make -s -C "$K" kernelversion)

	# --- kernel configuration: tinyconfig + paravm.config, then checked
	log "configuring Linux $KVERSION (tinyconfig + paravm.config)"
	make -s -C "$K" tinyconfig >"$WORK/config.log" 2>&1
	(cd "$K" && scripts/kconfig/merge_config.sh -m .config "$HERE/paravm.config") >>"$WORK/config.log" 2>&1
	make -s -C "$K" olddefconfig >>"$WORK/config.log" 2>&1
	bad=0
	while IFS= read -r line; do
		case $line in
		CONFIG_*=*)
			grep -qxF -- "$line" "$K/.config" || {
				echo "  wanted $line, got: $(grep -E "^(# )?${line%%=*}[= ]" "$K/.config" || echo unset)" >&2
				bad=1
			}
			;;
		"# CONFIG_"*" is not set")
			c=${line#\# }
			c=${c%% *}
			! grep -q "^$c=" "$K/.config" || {
				echo "  wanted $c off, got: $(grep "^$c=" "$K/.config")" >&2
				bad=1
			}
			;;
		esac
	done <"$HERE/paravm.config"
	[ $bad = 0 ] || die "the kernel configuration lacks options of paravm.config (dependencies missing?)"

	# --- kernel build
	log "building Image with $JOBS jobs (about 8 minutes on 2 cores; log: $WORK/make.log)"
	TK=$(date +%s)
	make -C "$K" -j"$JOBS" Image >"$WORK/make.log" 2>&1 || {
		tail -n 30 "$WORK/make.log" >&2
		die "kernel build failed (log: $WORK/make.log)"
	}
	KBUILD_SECONDS=$(($(date +%s) - TK))
	KRELEASE=$(cat "$K/include/config/kernel.release")
	KIMAGE=$K/arch/riscv/boot/Image
else
	KIMAGE=$WORK/Image
	gzip -dc "$HERE/Image.gz" >"$KIMAGE"
	KBUILD_SECONDS=0
	KRELEASE=$(sed -n 's/^ *"release": "\(.*\)".*/\1/p' "$HERE/artefacts.json")
fi
KBANNER=$(grep -ao -m1 'Linux version [[:print:]]*' "$KIMAGE" | head -n1 || true)

# --- vsock-probe (freestanding, raw system calls)
S=$WORK/stage
rm -rf "$S"
mkdir -p "$S"
riscv64-linux-gnu-gcc -O2 -static -nostdlib -ffreestanding -fno-pie -no-pie \
	-fno-stack-protector -fno-asynchronous-unwind-tables -march=rv64gc -mabi=lp64d \
	-mno-relax -Wl,--no-relax -Wl,--build-id=none -s -Wall -Wextra -Werror \
	-o "$WORK/vsock-probe" "$HERE/vsock-probe.c"

# --- initramfs tree
R=$S/root
mkdir -p "$R"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,run,mnt,root}
cp -a "$HERE/rootfs/." "$R/"
dpkg-deb -x "$BUSYBOX_DEB" "$S/busybox"
install -m 0755 "$S/busybox/usr/bin/busybox" "$R/bin/busybox"
install -m 0755 "$HERE/init" "$R/init"
install -m 0755 "$WORK/vsock-probe" "$R/usr/bin/vsock-probe"
ln -s busybox "$R/bin/sh"
ln -s ../bin/busybox "$R/sbin/init"
fix_modes "$R"
cpio_begin "$WORK/initramfs.cpio" "$SOURCE_DATE_EPOCH"
cpio_tree "$R"
cpio_nod dev/console 600 c 5 1
cpio_end

# --- outputs
if [ $KERNEL = 1 ]; then
	gzip -n -9 -c "$KIMAGE" >"$OUT/Image.gz"
	cp "$K/.config" "$OUT/Image.config"
elif [ "$OUT" != "$HERE" ]; then
	cp "$HERE/Image.gz" "$HERE/Image.config" "$OUT/"
fi
gzip -n -9 -c "$WORK/initramfs.cpio" >"$OUT/initramfs.cpio.gz"

IMAGE_SHA=$(sha256 "$KIMAGE")
IMAGE_GZ_SHA=$(sha256 "$OUT/Image.gz")
CPIO_SHA=$(sha256 "$WORK/initramfs.cpio")
CPIO_GZ_SHA=$(sha256 "$OUT/initramfs.cpio.gz")
IMAGE_SIZE=$(stat -c %s "$KIMAGE")
CPIO_SIZE=$(stat -c %s "$WORK/initramfs.cpio")

cat >"$OUT/artefacts.json" <<EOF
{
  "kernel": {
    "file": "Image.gz",
    "sha256": "$IMAGE_GZ_SHA",
    "size": $(stat -c %s "$OUT/Image.gz"),
    "uncompressedSha256": "$IMAGE_SHA",
    "uncompressedSize": $IMAGE_SIZE,
    "release": "$KRELEASE"
  },
  "initrd": {
    "file": "initramfs.cpio.gz",
    "sha256": "$CPIO_GZ_SHA",
    "size": $(stat -c %s "$OUT/initramfs.cpio.gz"),
    "uncompressedSha256": "$CPIO_SHA",
    "uncompressedSize": $CPIO_SIZE
  }
}
EOF

gcc_version=$(riscv64-linux-gnu-gcc --version | head -n1)
ld_version=$(riscv64-linux-gnu-ld --version | head -n1)
pkgver() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo unknown; }
input() { printf '  %s  %s\n' "$(sha256 "$1")" "$2"; }
{
	cat <<EOF
paravm default guest — provenance
=================================

Generated by guests/default/build.sh; do not edit by hand.

Rebuild (same inputs give bit-identical outputs):

  apt-get install linux-source-6.1=$LINUX_PKG_VERSION gcc-riscv64-linux-gnu make flex bison bc xz-utils
  guests/default/build.sh --busybox-deb busybox-static_${BUSYBOX_VERSION#*:}_riscv64.deb

  Without --busybox-deb the script downloads Debian sid's current
  busybox-static for riscv64. The one used here: $BUSYBOX_WHERE
  (while sid has it; later from Debian's snapshot archive, $BUSYBOX_SOURCE $BUSYBOX_SRC_VERSION).

Debian packages
---------------
  ${LINUX_PKG:-linux-source}  $LINUX_PKG_VERSION  (host: $LINUX_HOST)
  busybox-static  $BUSYBOX_VERSION  riscv64, Debian sid  (source package: $BUSYBOX_SOURCE $BUSYBOX_SRC_VERSION; Built-Using: $BUSYBOX_BUILT_USING)
  gcc-riscv64-linux-gnu  $(pkgver gcc-riscv64-linux-gnu)  ($gcc_version)
  binutils-riscv64-linux-gnu  $(pkgver binutils-riscv64-linux-gnu)  ($ld_version)

Kernel: $KBANNER
  release $KRELEASE; SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH, KBUILD_BUILD_USER=paravm,
  KBUILD_BUILD_HOST=paravm, KBUILD_BUILD_VERSION=1; config: tinyconfig + paravm.config
  (resolved: Image.config)

Inputs (sha256)
---------------
EOF
	if [ $KERNEL = 1 ]; then
		input "$LINUX_SOURCE" "$(basename "$LINUX_SOURCE")  (from $LINUX_PKG)"
	else
		echo "  $LINUX_INPUT"
	fi
	input "$BUSYBOX_DEB" "$(basename "$BUSYBOX_DEB")"
	input "$S/busybox/usr/bin/busybox" "busybox (the binary in that package, /bin/busybox in the initramfs)"
	for f in build.sh lib.sh paravm.config init vsock-probe.c; do input "$HERE/$f" "guests/default/$f"; done
	(cd "$HERE" && find rootfs -type f | LC_ALL=C sort) | while read -r f; do input "$HERE/$f" "guests/default/$f"; done
	cat <<EOF

Outputs (sha256)
----------------
EOF
	printf '  %s  %s  (%s bytes)\n' "$IMAGE_GZ_SHA" Image.gz "$(stat -c %s "$OUT/Image.gz")"
	printf '  %s  %s  (%s bytes)\n' "$IMAGE_SHA" "Image (gunzipped Image.gz)" "$IMAGE_SIZE"
	printf '  %s  %s  (%s bytes)\n' "$CPIO_GZ_SHA" initramfs.cpio.gz "$(stat -c %s "$OUT/initramfs.cpio.gz")"
	printf '  %s  %s  (%s bytes)\n' "$CPIO_SHA" "initramfs.cpio (gunzipped initramfs.cpio.gz)" "$CPIO_SIZE"
	printf '  %s  %s\n' "$(sha256 "$OUT/Image.config")" Image.config
	printf '  %s  %s\n' "$(sha256 "$WORK/vsock-probe")" "vsock-probe (/usr/bin/vsock-probe in the initramfs)"
	cat <<EOF

Licences and corresponding source
---------------------------------
  Linux (Image.gz): GPL-2.0-only, with the Linux-syscall-note.
    Source: Debian source package linux, version $LINUX_PKG_VERSION (binary package
    $LINUX_PKG, /usr/src/$(basename "$LINUX_SOURCE")), Debian's source package
    linux $LINUX_PKG_VERSION (apt-get source, or Debian's snapshot archive); configuration:
    tinyconfig + guests/default/paravm.config (Image.config), built by this script.
  BusyBox (/bin/busybox in initramfs.cpio.gz): GPL-2.0-only.
    Source: Debian source package $BUSYBOX_SOURCE, version $BUSYBOX_SRC_VERSION (binary package busybox-static),
    Debian's source package $BUSYBOX_SOURCE $BUSYBOX_SRC_VERSION (apt-get source, or Debian's snapshot archive)
    It is statically linked with the GNU C Library (LGPL-2.1-or-later; Built-Using: $BUSYBOX_BUILT_USING),
    source: Debian's source package glibc, the version named in Built-Using (Debian's snapshot archive).
  /init, rootfs/, vsock-probe.c, lib.sh, build.sh, paravm.config: paravm's own files (MIT, as paravm).
EOF
} >"$OUT/PROVENANCE"

log "done in $(($(date +%s) - T0)) s (kernel build $KBUILD_SECONDS s):"
ls -l "$OUT/Image.gz" "$OUT/initramfs.cpio.gz" >&2
