# Shell helpers shared by guests/default/build.sh and guests/debian/build.sh.
# Sourced, not run. Needs bash.

# need COMMAND DEBIAN-PACKAGE: stop with a clear message when a tool is missing.
need() {
	command -v "$1" >/dev/null 2>&1 && return 0
	echo "${PROG:-build.sh}: '$1' not found; install it with: apt-get install $2" >&2
	exit 1
}

die() {
	echo "${PROG:-build.sh}: $*" >&2
	exit 1
}

log() { echo "${PROG:-build.sh}: $*" >&2; }

sha256() { sha256sum "$1" | cut -d' ' -f1; }

# The Debian mirror the host's apt uses (DEBIAN_MIRROR overrides it).
debian_mirror() {
	if [ -n "${DEBIAN_MIRROR:-}" ]; then
		echo "$DEBIAN_MIRROR"
		return
	fi
	local url
	url=$(apt-cache policy 2>/dev/null |
		awk '$2 ~ /^https?:\/\// && $3 !~ /security/ && $3 ~ /\// {print $2; exit}')
	[ -n "$url" ] || die "the host's apt sources name no Debian mirror (set DEBIAN_MIRROR, or run apt-get update)"
	echo "$url"
}

# sid_apt DIR: a separate apt state for Debian sid riscv64 in DIR (the host's
# own apt state is left alone). Sets SID_APT (the apt options) and runs
# `apt-get update` in it. Later: apt-get $SID_APT download PACKAGE...
sid_apt() {
	local s=$1 mirror
	need apt-get apt
	mirror=$(debian_mirror)
	mkdir -p "$s/lists/partial" "$s/none" "$s/archives/partial"
	echo "deb [trusted=yes] $mirror sid main" >"$s/sources.list"
	SID_APT="-oAPT::Architecture=riscv64 -oAPT::Architectures=riscv64 -oDir::State::Lists=$s/lists -oDir::Etc::SourceList=$s/sources.list -oDir::Etc::SourceParts=$s/none -oDir::Cache=$s -oDir::Cache::archives=$s/archives -oAPT::Sandbox::User=root -q"
	log "apt-get update (Debian sid riscv64 from $mirror)"
	# shellcheck disable=SC2086
	apt-get $SID_APT update >"$s/update.log" 2>&1 ||
		die "apt-get update for Debian sid riscv64 failed (see $s/update.log); is $mirror reachable?"
	SID_MIRROR=$mirror
}

# sid_version PACKAGE: the candidate version in the sid state.
sid_version() {
	# shellcheck disable=SC2086
	apt-cache $SID_APT show "$1" 2>/dev/null | awk '/^Version:/ {print $2; exit}'
}

# sid_download DIR PACKAGE[=VERSION]: download one .deb into DIR, print its path.
sid_download() {
	local dir=$1 pkg=$2 name ver f
	name=${pkg%%=*}
	ver=${pkg#*=}
	[ "$ver" != "$pkg" ] || ver=$(sid_version "$name")
	[ -n "$ver" ] || die "Debian sid has no riscv64 package '$name'"
	mkdir -p "$dir"
	# shellcheck disable=SC2086
	(cd "$dir" && apt-get $SID_APT download "$name=$ver" >/dev/null 2>"$dir/download.log") ||
		die "cannot download $name=$ver from Debian sid (see $dir/download.log); sid may have moved on: pass the .deb file instead (Debian's snapshot archive keeps old versions)"
	for f in "$dir/${name}_"*.deb; do [ -f "$f" ] && break; done
	[ -f "$f" ] || die "downloaded $name but cannot find its .deb in $dir"
	# the name the Debian pool gives it (apt keeps the epoch, URL-encoded)
	local pool
	pool=$dir/${name}_${ver#*:}_$(deb_field "$f" Architecture).deb
	[ "$f" = "$pool" ] || mv -f "$f" "$pool"
	echo "$pool"
}

# deb_field DEB FIELD
deb_field() { dpkg-deb -f "$1" "$2"; }

# --- a reproducible cpio (newc) writer: no root, no host cpio, fixed mtimes,
# uid/gid 0, inode numbers in archive order.
# cpio_begin FILE MTIME; cpio_dir NAME MODE; cpio_file NAME MODE SRC;
# cpio_link NAME TARGET; cpio_nod NAME MODE c|b MAJOR MINOR; cpio_end.
# NAME has no leading slash.
_cpio_hdr() { # name mode nlink size rdevmaj rdevmin
	local namesize=$((${#1} + 1)) pad
	_CPIO_INO=$((_CPIO_INO + 1))
	printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
		"$_CPIO_INO" "$2" 0 0 "$3" "$_CPIO_MTIME" "$4" 0 0 "$5" "$6" "$namesize" 0 >>"$_CPIO_OUT"
	printf '%s\0' "$1" >>"$_CPIO_OUT"
	pad=$(((4 - (110 + namesize) % 4) % 4))
	[ $pad -eq 0 ] || head -c $pad /dev/zero >>"$_CPIO_OUT"
}
_cpio_pad() {
	local pad=$(((4 - $1 % 4) % 4))
	[ $pad -eq 0 ] || head -c $pad /dev/zero >>"$_CPIO_OUT"
}
cpio_begin() {
	_CPIO_OUT=$1
	_CPIO_MTIME=$2
	_CPIO_INO=720
	: >"$_CPIO_OUT"
}
cpio_dir() { _cpio_hdr "$1" $((0040000 | 0$2)) 2 0 0 0; }
cpio_file() {
	local size
	size=$(stat -c %s "$3")
	_cpio_hdr "$1" $((0100000 | 0$2)) 1 "$size" 0 0
	cat "$3" >>"$_CPIO_OUT"
	_cpio_pad "$size"
}
cpio_link() {
	_cpio_hdr "$1" $((0120000 | 0777)) 1 ${#2} 0 0
	printf '%s' "$2" >>"$_CPIO_OUT"
	_cpio_pad ${#2}
}
cpio_nod() {
	local t=0020000
	[ "$3" = b ] && t=0060000
	_cpio_hdr "$1" $((t | 0$2)) 1 0 "$4" "$5"
}
cpio_end() {
	_CPIO_MTIME=0
	_CPIO_INO=-1
	_cpio_hdr "TRAILER!!!" 0 1 0 0 0
	# pad the archive to a 512-byte block, as cpio(1) does
	local size
	size=$(stat -c %s "$_CPIO_OUT")
	[ $((size % 512)) -eq 0 ] || head -c $((512 - size % 512)) /dev/zero >>"$_CPIO_OUT"
}

# fix_modes ROOT: modes that do not depend on the umask or the checkout:
# directories 0755 (/tmp 1777, /root 0700), files 0755 if executable, else 0644.
fix_modes() {
	find "$1" -type d -exec chmod 0755 {} +
	find "$1" -type f -perm /111 -exec chmod 0755 {} +
	find "$1" -type f ! -perm /111 -exec chmod 0644 {} +
	chmod 1777 "$1/tmp"
	chmod 0700 "$1/root"
}

# cpio_tree DIR: every file, directory and symlink under DIR, sorted by name,
# with its permission bits (ownership becomes root).
cpio_tree() {
	local root=$1 p rel mode
	while IFS= read -r -d '' p; do
		rel=${p#"$root"/}
		mode=$(stat -c %a "$p")
		if [ -L "$p" ]; then
			cpio_link "$rel" "$(readlink "$p")"
		elif [ -d "$p" ]; then
			cpio_dir "$rel" "$mode"
		elif [ -f "$p" ]; then
			cpio_file "$rel" "$mode" "$p"
		else
			die "cpio_tree: unsupported file type: $p"
		fi
	done < <(find "$root" -mindepth 1 -print0 | LC_ALL=C sort -z)
}
