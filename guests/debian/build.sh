#!/usr/bin/env bash
# Assembles a paravm guest from Debian sid's stock riscv64 kernel
# (linux-image-riscv64): the kernel Image from linux-binary-VERSION, and an
# initramfs with Debian sid's busybox-static, the default guest's /init and
# rootfs, and the modules the guest needs from linux-modules-VERSION (virtio
# over MMIO, block, net, console, rng, balloon, 9p, vsock, ext4, the goldfish
# RTC; decompressed here, loaded by /init from /etc/modules with busybox
# modprobe). Nothing is committed: the result goes to a cache folder.
#
# Usage: guests/debian/build.sh [--out DIR] [--kernel-version VERSION]
#                               [--debs DIR] [--force]
#   --out DIR          where the guest goes (default ~/.cache/paravm/debian)
#   --kernel-version V Debian package version of linux-image-riscv64 to use
#                      (default: sid's current)
#   --debs DIR         take the .debs from DIR instead of downloading them
#                      (linux-binary-*, linux-modules-*, linux-base-*,
#                      busybox-static_*)
#   --force            rebuild even when DIR already holds this version
# Output in DIR: Image.gz, initramfs.cpio.gz, artefacts.json (as in
# guests/default), kernel.config, PROVENANCE. Boot it with
#   console=ttyS0 cryptomgr.notests   (its SBI console is off: no hvc0)
# Environment: DEBIAN_MIRROR (default: the host's apt mirror),
#   SOURCE_DATE_EPOCH (mtime inside the initramfs).
set -euo pipefail
PROG=guests/debian/build.sh
HERE=$(cd "$(dirname "$0")" && pwd)
DEFAULT=$(cd "$HERE/../default" && pwd)
# shellcheck source=../default/lib.sh
. "$DEFAULT/lib.sh"

OUT=${XDG_CACHE_HOME:-$HOME/.cache}/paravm/debian
META_VERSION=
DEBS=
FORCE=0
while [ $# -gt 0 ]; do
	case $1 in
	--out) OUT=$2; shift 2 ;;
	--kernel-version) META_VERSION=$2; shift 2 ;;
	--debs) DEBS=$(cd "$2" && pwd); shift 2 ;;
	--force) FORCE=1; shift ;;
	-h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown argument '$1' (see --help)" ;;
	esac
done
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1767225600}
export LC_ALL=C TZ=UTC

need dpkg-deb dpkg
need xz xz-utils
need gzip gzip
need sha256sum coreutils
need find findutils
need awk mawk
command -v zstd >/dev/null 2>&1 || ZSTD_MISSING=1

# Modules the guest wants, in load order; those built into the kernel are
# skipped, and what each needs comes along (modules.dep).
WANT="virtio_mmio virtio_blk virtio_net virtio_console virtio_rng virtio_balloon
9pnet_virtio 9p vmw_vsock_virtio_transport rtc-goldfish ext4 af_packet"

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
W=$OUT/work
mkdir -p "$W"

# --- the packages
if [ -z "$DEBS" ]; then
	sid_apt "$W/apt"
	meta=linux-image-riscv64
	[ -n "$META_VERSION" ] || META_VERSION=$(sid_version $meta)
	[ -n "$META_VERSION" ] || die "Debian sid has no $meta"
	# shellcheck disable=SC2086
	image_pkg=$(apt-cache $SID_APT show "$meta=$META_VERSION" 2>/dev/null |
		awk '/^Depends:/ {for (i = 2; i <= NF; i++) if ($i ~ /^linux-image-[0-9]/) {print $i; exit}}')
	[ -n "$image_pkg" ] || die "cannot find the kernel package that $meta $META_VERSION depends on"
	KVER=${image_pkg#linux-image-}
	if [ $FORCE = 0 ] && [ -f "$OUT/artefacts.json" ] && grep -q "\"release\": \"$KVER\"" "$OUT/artefacts.json" &&
		grep -q "linux-image-riscv64  $META_VERSION" "$OUT/PROVENANCE" 2>/dev/null; then
		log "$OUT already holds Linux $KVER ($meta $META_VERSION); --force rebuilds it"
		exit 0
	fi
	DEBS=$W/debs
	rm -rf "$DEBS"
	mkdir -p "$DEBS"
	log "downloading linux-binary-$KVER, linux-modules-$KVER (about 130 MB), linux-base-$KVER, busybox-static"
	for p in "linux-binary-$KVER=$META_VERSION" "linux-modules-$KVER=$META_VERSION" "linux-base-$KVER=$META_VERSION" busybox-static; do
		sid_download "$DEBS" "$p" >/dev/null
	done
fi
one() { # one GLOB: the single file matching GLOB in $DEBS
	local f
	f=$(ls "$DEBS"/$1 2>/dev/null | head -n1)
	[ -n "$f" ] || die "no $1 in $DEBS"
	echo "$f"
}
BIN_DEB=$(one 'linux-binary-*_riscv64.deb')
MOD_DEB=$(one 'linux-modules-*_riscv64.deb')
BASE_DEB=$(one 'linux-base-*_riscv64.deb')
BB_DEB=$(one 'busybox-static_*_riscv64.deb')
KVER=$(deb_field "$BIN_DEB" Package)
KVER=${KVER#linux-binary-}
KPKG_VERSION=$(deb_field "$BIN_DEB" Version)
[ -n "$META_VERSION" ] || META_VERSION=$KPKG_VERSION
[ "$(deb_field "$MOD_DEB" Package)" = "linux-modules-$KVER" ] || die "$MOD_DEB is not linux-modules-$KVER"
[ "$(deb_field "$MOD_DEB" Version)" = "$KPKG_VERSION" ] || die "$MOD_DEB is not version $KPKG_VERSION"

# --- unpack
X=$W/x
rm -rf "$X"
mkdir -p "$X/bin" "$X/mod" "$X/base" "$X/bb"
log "unpacking Linux $KVER ($KPKG_VERSION)"
dpkg-deb -x "$BIN_DEB" "$X/bin"
dpkg-deb -x "$MOD_DEB" "$X/mod"
dpkg-deb -x "$BASE_DEB" "$X/base"
dpkg-deb -x "$BB_DEB" "$X/bb"

# the kernel: vmlinu[xz] (in /usr/lib/modules/KVER/ or /boot), a RISC-V Image
# (maybe compressed)
kfile=$(find "$X/bin" -type f \( -name 'vmlinu[xz]' -o -name 'vmlinu[xz]-*' \) | head -n1)
[ -n "$kfile" ] || die "no vmlinux/vmlinuz in $BIN_DEB"
case $(head -c 4 "$kfile" | od -An -tx1 | tr -d ' ') in
1f8b*) gzip -dc "$kfile" >"$W/Image" ;;
fd377a58) xz -dc "$kfile" >"$W/Image" ;;
28b52ffd) [ -z "${ZSTD_MISSING:-}" ] || need zstd zstd; zstd -qdc "$kfile" >"$W/Image" ;;
*) cp "$kfile" "$W/Image" ;;
esac
[ "$(dd if="$W/Image" bs=1 skip=56 count=4 2>/dev/null)" = "$(printf 'RSC\005')" ] ||
	die "$kfile is not a RISC-V Linux Image"
cfg=$(find "$X/base" "$X/bin" -type f \( -path "*/modules/$KVER/config" -o -name "config-$KVER" \) | head -n1)
[ -z "$cfg" ] || cp "$cfg" "$OUT/kernel.config"

# --- modules: WANT and what they depend on (the depends= and softdep pre:
# fields of their .modinfo, as depmod reads them), decompressed. The package
# ships no modules.dep (depmod runs at install), so one is written here.
mdir=$(find "$X/mod" -type d -path "*/lib/modules/$KVER" | head -n1)
[ -n "$mdir" ] && [ -d "$mdir/kernel" ] || die "no modules for $KVER in $MOD_DEB"
builtin=$(find "$X/base" "$X/mod" "$X/bin" -path "*/modules/$KVER/modules.builtin" -exec cat {} + 2>/dev/null || true)
norm() { echo "$1" | tr - _; }
declare -A PATHOF SEEN DEPS
while IFS= read -r m; do
	n=$(basename "$m")
	PATHOF[$(norm "${n%%.ko*}")]=${m#"$mdir"/}
done < <(find "$mdir/kernel" -name '*.ko*' | LC_ALL=C sort)
log "${#PATHOF[@]} modules in linux-modules-$KVER"

R=$W/root
rm -rf "$R"
kroot=$R/lib/modules/$KVER
mkdir -p "$kroot"
ORDER=()
add() { # add NAME: its dependencies first, then itself (decompressed into $kroot)
	local n rel info d
	n=$(norm "$1")
	[ -z "${SEEN[$n]:-}" ] || return 0
	SEEN[$n]=1
	[ -n "${PATHOF[$n]:-}" ] || return 0 # built in, or absent
	rel=${PATHOF[$n]}
	rel=${rel%.xz}
	rel=${rel%.zst}
	rel=${rel%.gz}
	mkdir -p "$(dirname "$kroot/$rel")"
	case ${PATHOF[$n]} in
	*.xz) xz -dc "$mdir/${PATHOF[$n]}" >"$kroot/$rel" ;;
	*.zst) [ -z "${ZSTD_MISSING:-}" ] || need zstd zstd; zstd -qdc "$mdir/${PATHOF[$n]}" >"$kroot/$rel" ;;
	*.gz) gzip -dc "$mdir/${PATHOF[$n]}" >"$kroot/$rel" ;;
	*) cp "$mdir/${PATHOF[$n]}" "$kroot/$rel" ;;
	esac
	info=$(tr '\0' '\n' <"$kroot/$rel" | grep -a -E '^(depends|softdep)=' || true)
	DEPS[$n]=
	for d in $(echo "$info" | sed -n 's/^depends=//p' | tr , ' ') \
		$(echo "$info" | sed -n 's/^softdep=//p' | sed -E 's/post:.*//; s/pre://g'); do
		add "$d"
		[ -z "${PATHOF[$(norm "$d")]:-}" ] || DEPS[$n]="${DEPS[$n]} $(norm "$d")"
	done
	ORDER+=("$n")
}
LOADED=()
SKIPPED=()
for w in $WANT; do
	n=$(norm "$w")
	if [ -n "${PATHOF[$n]:-}" ]; then
		add "$n"
		LOADED+=("$w")
	elif echo "$builtin" | tr - _ | grep -q "/$n\.ko$"; then
		SKIPPED+=("$w (built in)")
	else
		SKIPPED+=("$w (not in this kernel)")
	fi
done
# modules.dep for busybox modprobe: "path: dependency paths" (all of them)
alldeps() { # alldeps NAME: every module NAME needs, nearest last
	local d
	for d in ${DEPS[$1]}; do
		alldeps "$d"
		echo "$d"
	done
}
: >"$kroot/modules.dep"
for n in "${ORDER[@]}"; do
	line=
	for d in $(alldeps "$n" | awk '!seen[$0]++' | tac); do
		r=${PATHOF[$d]%.xz}
		r=${r%.zst}
		line="$line ${r%.gz}"
	done
	r=${PATHOF[$n]%.xz}
	r=${r%.zst}
	echo "${r%.gz}:$line" >>"$kroot/modules.dep"
done
echo "$builtin" >"$kroot/modules.builtin"

mkdir -p "$R"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,run,mnt,root,etc}
cp -a "$DEFAULT/rootfs/." "$R/"
install -m 0755 "$X/bb/usr/bin/busybox" "$R/bin/busybox"
install -m 0755 "$DEFAULT/init" "$R/init"
ln -s busybox "$R/bin/sh"
if command -v riscv64-linux-gnu-gcc >/dev/null 2>&1; then
	riscv64-linux-gnu-gcc -Os -static -nostdlib -ffreestanding -fno-pie -no-pie \
		-fno-stack-protector -fno-asynchronous-unwind-tables -march=rv64gc -mabi=lp64d \
		-mno-relax -Wl,--no-relax -Wl,--build-id=none -s -o "$R/usr/bin/vsock-probe" "$DEFAULT/vsock-probe.c"
else
	log "riscv64-linux-gnu-gcc not found: no vsock-probe in the guest (apt-get install gcc-riscv64-linux-gnu)"
fi
ln -s ../bin/busybox "$R/sbin/init"
printf '%s\n' "${LOADED[@]}" >"$R/etc/modules"
fix_modes "$R"
cpio_begin "$W/initramfs.cpio" "$SOURCE_DATE_EPOCH"
cpio_tree "$R"
cpio_nod dev/console 600 c 5 1
cpio_end

gzip -n -9 -c "$W/Image" >"$OUT/Image.gz"
gzip -n -9 -c "$W/initramfs.cpio" >"$OUT/initramfs.cpio.gz"
cat >"$OUT/artefacts.json" <<EOF
{
  "kernel": {
    "file": "Image.gz",
    "sha256": "$(sha256 "$OUT/Image.gz")",
    "size": $(stat -c %s "$OUT/Image.gz"),
    "uncompressedSha256": "$(sha256 "$W/Image")",
    "uncompressedSize": $(stat -c %s "$W/Image"),
    "release": "$KVER"
  },
  "initrd": {
    "file": "initramfs.cpio.gz",
    "sha256": "$(sha256 "$OUT/initramfs.cpio.gz")",
    "size": $(stat -c %s "$OUT/initramfs.cpio.gz"),
    "uncompressedSha256": "$(sha256 "$W/initramfs.cpio")",
    "uncompressedSize": $(stat -c %s "$W/initramfs.cpio")
  },
  "append": "console=ttyS0 cryptomgr.notests"
}
EOF
{
	cat <<EOF
paravm Debian-kernel guest — provenance
=======================================

Generated by guests/debian/build.sh on $(date -u +%Y-%m-%dT%H:%M:%SZ); rebuild with
  guests/debian/build.sh --kernel-version $META_VERSION --force
(while Debian sid has that version; later, fetch the .debs below from
Debian's snapshot archive and pass --debs DIR).

Debian packages (riscv64, sid)
------------------------------
  linux-image-riscv64  $META_VERSION
EOF
	for d in "$BIN_DEB" "$MOD_DEB" "$BASE_DEB" "$BB_DEB"; do
		printf '  %s  %s  sha256 %s\n' "$(deb_field "$d" Package)" "$(deb_field "$d" Version)" "$(sha256 "$d")"
	done
	cat <<EOF

Modules in the initramfs (load order, decompressed; /etc/modules: ${LOADED[*]})
  ${ORDER[*]}
Not loaded: ${SKIPPED[*]:-none}

Outputs (sha256)
----------------
  $(sha256 "$OUT/Image.gz")  Image.gz
  $(sha256 "$W/Image")  Image (gunzipped)
  $(sha256 "$OUT/initramfs.cpio.gz")  initramfs.cpio.gz
  $(sha256 "$W/initramfs.cpio")  initramfs.cpio (gunzipped)

Licences and corresponding source
---------------------------------
  Linux and its modules: GPL-2.0-only; source: Debian source package linux
    $KPKG_VERSION, Debian's source package linux $KPKG_VERSION (Debian's snapshot archive)
  BusyBox: GPL-2.0-only; source: Debian source package $(deb_field "$BB_DEB" Source | sed 's/[()]//g'),
    Debian's source package busybox in Debian's snapshot archive (statically linked with glibc,
    LGPL-2.1-or-later: $(deb_field "$BB_DEB" Built-Using))
EOF
} >"$OUT/PROVENANCE"
rm -rf "$X"
log "Linux $KVER guest in $OUT ($(du -sh "$OUT/Image.gz" | cut -f1) Image.gz, $(du -sh "$OUT/initramfs.cpio.gz" | cut -f1) initramfs.cpio.gz); modules: ${ORDER[*]}"
[ ${#SKIPPED[@]} = 0 ] || log "not loaded: ${SKIPPED[*]}"
