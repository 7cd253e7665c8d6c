#!/usr/bin/env bash
# Build a relocatable CPython runtime archive (python-X.Y.Z-<distro>-<version>-<arch>.tar.zst)
# from the pristine upstream tarball carried by a Debian source package.
# See builds/README.md for what is verified, the compiler flags and the archive layout.
#
# Must run as root on a Debian host (it edits APT sources and installs build dependencies).
# All progress goes to stderr; stdout only carries the final inventory entry.
set -euo pipefail
umask 022

readonly DEFAULT_URL_BASE=https://heroku-buildpack-python.s3.dualstack.us-east-1.amazonaws.com
readonly SOURCES_FILE=/etc/apt/sources.list.d/assetpack-deb-src.sources
readonly ARCHIVE_KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
readonly DEB_MIRROR=http://deb.debian.org/debian
readonly SRC_SUITES=(bookworm trixie sid)
# Fixed timestamp for archive members and hash seed for bytecode: two runs over the same
# source with the same toolchain should produce the same tar stream.
readonly ARCHIVE_MTIME=315532801
# Throwaway install prefix.  Nothing at run time refers to it: the archive is unpacked wherever
# the buildpack wants and CPython derives sys.prefix from the location of its executable.
readonly BUILD_PREFIX=/opt/assetpack-build/python

usage() {
	cat <<-'EOF'
		Usage: build-python.sh --series X.Y --out DIR [options]

		  --series X.Y        CPython series; Debian source package pythonX.Y (required)
		  --out DIR           directory for the .tar.zst and its .toml entry (required)
		  --suite NAME        Debian suite to take the source from (default: the newest
		                      version any of bookworm, trixie and sid lists whose files
		                      download; the ones skipped are logged with the reason)
		  --zstd-level N      zstd level, 1-22 (default 22; >19 adds --ultra; --long=27 always)
		  --pgo               --enable-optimizations --with-lto (slow; default off)
		  --jobs N            parallel make jobs (default: nproc)
		  --work DIR          build directory (kept afterwards; default: a temporary one, removed)
		  --url-base URL      base URL written into the inventory entry
		  --skip-existing     if the archive already exists, print its entry and stop
		  --verbose           stream configure/make output instead of logging it to files
		  -h, --help          this text
	EOF
}

log() { printf '[build-python] %s\n' "$*" >&2; }
die() {
	printf '[build-python] error: %s\n' "$*" >&2
	exit 1
}

# --- arguments ---------------------------------------------------------------------------------
series='' out_dir='' suite='' zstd_level=22 pgo=0 jobs='' work_dir='' url_base=$DEFAULT_URL_BASE
skip_existing=0 verbose=0
need_arg() { [[ $# -ge 2 && -n $2 ]] || die "$1 needs a value"; }
while [[ $# -gt 0 ]]; do
	case $1 in
	--series) need_arg "$@"; series=$2; shift 2 ;;
	--out) need_arg "$@"; out_dir=$2; shift 2 ;;
	--suite) need_arg "$@"; suite=$2; shift 2 ;;
	--zstd-level) need_arg "$@"; zstd_level=$2; shift 2 ;;
	--pgo) pgo=1; shift ;;
	--jobs) need_arg "$@"; jobs=$2; shift 2 ;;
	--work) need_arg "$@"; work_dir=$2; shift 2 ;;
	--url-base) need_arg "$@"; url_base=${2%/}; shift 2 ;;
	--skip-existing) skip_existing=1; shift ;;
	--verbose) verbose=1; shift ;;
	-h | --help) usage; exit 0 ;;
	*) usage >&2; die "unknown argument: $1" ;;
	esac
done

[[ -n $series ]] || { usage >&2; die "--series is required"; }
[[ -n $out_dir ]] || { usage >&2; die "--out is required"; }
[[ $series =~ ^3\.[0-9]+$ ]] || die "--series must look like 3.13, got '$series'"
if [[ ! $zstd_level =~ ^[0-9]+$ ]] || ((zstd_level < 1 || zstd_level > 22)); then
	die "--zstd-level must be 1..22, got '$zstd_level'"
fi
jobs=${jobs:-$(nproc)}
[[ $jobs =~ ^[1-9][0-9]*$ ]] || die "--jobs must be a positive integer, got '$jobs'"
[[ $(id -u) -eq 0 ]] || die "must run as root (edits APT sources, installs build dependencies)"
for tool in apt-get dpkg dpkg-query; do
	command -v "$tool" >/dev/null || die "needs a Debian host ($tool not found)"
done

# Everything except the final entry goes to stderr; fd 3 is the real stdout.
exec 3>&1 1>&2

src_pkg=python$series
# shellcheck source=/dev/null
distro_name=$(. /etc/os-release && printf '%s' "${ID:?}")
# shellcheck source=/dev/null
distro_version=$(. /etc/os-release && printf '%s' "${VERSION_ID:?}")
arch=$(dpkg --print-architecture)
mkdir -p "$out_dir"
out_dir=$(cd "$out_dir" && pwd)

# --- helpers -----------------------------------------------------------------------------------
declare -a timing_names=() timing_secs=()
step_name='' step_start=0
step() {
	step_end
	step_name=$1
	step_start=$SECONDS
	log "== $step_name"
}
step_end() {
	if [[ -n $step_name ]]; then
		timing_names+=("$step_name")
		timing_secs+=($((SECONDS - step_start)))
		log "== $step_name done in $((SECONDS - step_start))s"
		step_name=''
	fi
}
print_timings() {
	local i
	log "timings (seconds):"
	for i in "${!timing_names[@]}"; do
		printf '[build-python]   %-10s %5s\n' "${timing_names[$i]}" "${timing_secs[$i]}" >&2
	done
	printf '[build-python]   %-10s %5s\n' total "$SECONDS" >&2
}

# Run a noisy command, logging to $logs/<name>.log unless --verbose; show the tail on failure.
run_logged() {
	local name=$1
	shift
	if ((verbose)); then
		"$@"
		return
	fi
	log "running $name (log: $logs/$name.log)"
	if ! "$@" >"$logs/$name.log" 2>&1; then
		tail -n 60 "$logs/$name.log" >&2
		die "$name failed; full log in $logs/$name.log"
	fi
}

apt_q() { DEBIAN_FRONTEND=noninteractive apt-get -q -y -o Dpkg::Use-Pty=0 "$@"; }

is_installed() {
	[[ $(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null) == installed ]]
}

install_missing() {
	local missing=() p
	for p in "$@"; do
		is_installed "$p" || missing+=("$p")
	done
	if ((${#missing[@]})); then
		log "installing: ${missing[*]}"
		if ! apt_q install --no-install-recommends "${missing[@]}" >"${logs:-/tmp}/apt-install.log" 2>&1; then
			# Binary indexes may be stale or absent; refresh once and retry.
			apt_q update >&2
			apt_q install --no-install-recommends "${missing[@]}" >&2
		fi
	fi
}

entry_toml() { # <archive file> <version> [<name in the url>, default the file's name]
	local file sha
	file=${3:-$(basename "$1")}
	sha=$(sha256sum "$1" | cut -d' ' -f1)
	cat <<-EOF
		[[artifacts]]
		version = "$2"
		arch = "$arch"
		distro_name = "$distro_name"
		distro_version = "$distro_version"
		url = "$url_base/$file"
		sha256 = "$sha"
	EOF
}

# --- skip if cached ----------------------------------------------------------------------------
# The version is only known after download, so look for any X.Y.Z of the requested series.
if ((skip_existing)); then
	shopt -s nullglob
	existing=("$out_dir/python-$series".*"-$distro_name-$distro_version-$arch.tar.zst")
	shopt -u nullglob
	if ((${#existing[@]} == 1)); then
		ver=$(basename "${existing[0]}")
		ver=${ver#python-}
		ver=${ver%%-*}
		log "archive exists, not rebuilding: ${existing[0]}"
		entry_toml "${existing[0]}" "$ver" >"${existing[0]}.toml"
		cat "${existing[0]}.toml" >&3
		exit 0
	elif ((${#existing[@]} > 1)); then
		die "several archives for $series in $out_dir; remove the stale ones: ${existing[*]}"
	fi
fi

# --- work directory ----------------------------------------------------------------------------
auto_work=0 tmp_archive=''
if [[ -n $work_dir ]]; then
	mkdir -p "$work_dir"
	work_dir=$(cd "$work_dir" && pwd)
	rm -rf "${work_dir:?}"/{download,src,stage,logs,keyring}
else
	work_dir=$(mktemp -d /var/tmp/assetpack-python-build.XXXXXX)
	auto_work=1
fi
# Never leave a half-written archive behind; keep a failed build's tree (logs) for inspection,
# drop a successful temporary one.
on_exit() {
	local rc=$?
	[[ -z $tmp_archive ]] || rm -f "$tmp_archive" "$tmp_archive.toml"
	if ((rc != 0)); then
		log "failed (exit $rc); build tree kept in $work_dir"
	elif ((auto_work)); then
		rm -rf "$work_dir"
	fi
}
trap on_exit EXIT
logs=$work_dir/logs
mkdir -p "$work_dir"/{download,src,stage,logs,keyring}
log "Python $series from Debian ${suite:-bookworm/trixie/sid, newest downloadable} ($src_pkg) for $distro_name $distro_version $arch; work dir $work_dir"

# =================================== download & verify ===========================================
step download

# The keyring must know the key(s) the trixie/sid Release files are signed with.  The Debian 13
# archive keys ship in debian-archive-keyring >= 2023.3 (also in bookworm's stable updates).
install_missing gnupg gpgv
keyring_has_trixie() {
	gpg --batch --no-default-keyring --with-colons --show-keys "$ARCHIVE_KEYRING" 2>/dev/null |
		grep -q '^uid:.*13/trixie'
}
if [[ ! -s $ARCHIVE_KEYRING ]] || ! keyring_has_trixie; then
	log "archive keyring lacks the Debian 13 keys; upgrading debian-archive-keyring"
	apt_q update >&2
	apt_q install --only-upgrade debian-archive-keyring >&2 || apt_q install debian-archive-keyring >&2
	keyring_has_trixie || die "$ARCHIVE_KEYRING still has no Debian 13 (trixie) archive key"
fi

# deb-src only: this never makes trixie/sid binaries installable.
want_sources=$(
	for s in "${SRC_SUITES[@]}"; do
		printf 'Types: deb-src\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: %s\n\n' \
			"$DEB_MIRROR" "$s" "$ARCHIVE_KEYRING"
	done
)
need_update=0
if [[ ! -f $SOURCES_FILE || $(<"$SOURCES_FILE") != "$(printf '# Managed by assetpack builds/build-python.sh\n%s' "$want_sources")" ]]; then
	log "writing $SOURCES_FILE"
	printf '# Managed by assetpack builds/build-python.sh\n%s\n' "$want_sources" >"$SOURCES_FILE"
	need_update=1
fi
shopt -s nullglob
for s in "${SRC_SUITES[@]}"; do
	idx=(/var/lib/apt/lists/*_dists_"${s}"_main_source_Sources*)
	((${#idx[@]})) || need_update=1
done
shopt -u nullglob
if ((need_update)); then
	log "apt-get update"
	apt_q update >&2 || die "apt-get update failed (check network and $ARCHIVE_KEYRING)"
fi

# $1: "pkg/suite" or "pkg=version". The download dir is emptied first (a failed attempt may
# leave part of a package behind).
fetch_source() {
	rm -rf "${work_dir:?}/download" && mkdir -p "$work_dir/download"
	(cd "$work_dir/download" && apt_q source --download-only "$1")
}
# Every version of the source package the configured suites list, newest first (Debian
# version order, dpkg --compare-versions).
listed_versions() {
	local versions=() v i j
	mapfile -t versions < <(apt-cache showsrc "$src_pkg" 2>/dev/null | sed -n 's/^Version: //p' | sort -u)
	for ((i = 1; i < ${#versions[@]}; i++)); do
		v=${versions[i]}
		for ((j = i - 1; j >= 0; j--)); do
			dpkg --compare-versions "${versions[j]}" lt "$v" || break
			versions[j + 1]=${versions[j]}
		done
		versions[j + 1]=$v
	done
	printf '%s\n' "${versions[@]}"
}
if [[ -n $suite ]]; then
	if ! fetch_source "$src_pkg/$suite" >"$logs/apt-source.log" 2>&1; then
		# A stale index points at files the mirror already dropped; refresh once.
		log "apt-get source failed; refreshing indexes and retrying"
		apt_q update >&2
		fetch_source "$src_pkg/$suite" >&2 || die "could not download source package $src_pkg/$suite"
	fi
else
	mapfile -t candidates < <(listed_versions)
	((${#candidates[@]})) || die "no Debian suite lists source package $src_pkg (bookworm, trixie, sid)"
	log "listed versions of $src_pkg, newest first: ${candidates[*]}"
	chosen=''
	for candidate in "${candidates[@]}"; do
		if fetch_source "$src_pkg=$candidate" >"$logs/apt-source.log" 2>&1; then
			chosen=$candidate
			break
		fi
		reason=$(grep -m1 -E '^(E|Err):|404|Not Found' "$logs/apt-source.log" | cut -c1-200)
		log "skipping $src_pkg $candidate: its files don't download (${reason:-see $logs/apt-source.log})"
	done
	[[ -n $chosen ]] || die "none of the listed versions of $src_pkg downloads: ${candidates[*]}"
	log "using $src_pkg $chosen, the newest listed version whose files download"
fi
grep -v '^\(W: Download is performed unsandboxed\|N: Download is performed unsandboxed\)' \
	"$logs/apt-source.log" | grep -E '^(Need to get|Get:|Fetched|W:|E:)' >&2 || true

shopt -s nullglob
dscs=("$work_dir/download/${src_pkg}_"*.dsc)
origs=("$work_dir/download/${src_pkg}_"*.orig.tar.{xz,gz,bz2})
debs=("$work_dir/download/${src_pkg}_"*.debian.tar.*)
shopt -u nullglob
((${#dscs[@]} == 1)) || die "expected one .dsc, found ${#dscs[@]}"
((${#origs[@]} == 1)) || die "expected one upstream orig tarball, found ${#origs[@]}"
((${#debs[@]} == 1)) || die "expected one .debian.tar.*, found ${#debs[@]}"
dsc=${dscs[0]} orig=${origs[0]} debtar=${debs[0]}
log "source: $(basename "$dsc") (hashes checked by apt against the signed ${suite:-suite} Sources index)"

# Upstream OpenPGP signature, checked against the key the Debian maintainers pinned.
if [[ -f $orig.asc ]]; then
	if ! tar -xOf "$debtar" debian/upstream/signing-key.asc >"$work_dir/keyring/upstream.asc" 2>/dev/null ||
		[[ ! -s $work_dir/keyring/upstream.asc ]]; then
		die "$(basename "$orig").asc exists but $(basename "$debtar") has no debian/upstream/signing-key.asc"
	fi
	gpg --batch --yes --dearmor -o "$work_dir/keyring/upstream.gpg" "$work_dir/keyring/upstream.asc"
	if ! gpgv --keyring "$work_dir/keyring/upstream.gpg" "$orig.asc" "$orig" 2>"$logs/gpgv.log"; then
		cat "$logs/gpgv.log" >&2
		die "BAD upstream signature on $(basename "$orig")"
	fi
	log "upstream signature OK: $(grep -m1 'Good signature' "$logs/gpgv.log" | sed 's/^gpgv: //')"
else
	log "no upstream .asc beside $(basename "$orig") in the Debian source package" \
		"(some uploads ship none: 3.11 in bookworm, 3.13.15 in sid; 3.14+ is signed with Sigstore only);" \
		"only apt's signed-index verification applies"
fi

src=$work_dir/src
tar -xf "$orig" -C "$src" --strip-components=1 --no-same-owner
[[ -f $src/Include/patchlevel.h && -x $src/configure ]] || die "orig tarball does not look like a CPython source tree"
version=$(sed -n 's/^#define PY_VERSION[[:space:]]*"\([^"+]*\)+\{0,1\}".*/\1/p' "$src/Include/patchlevel.h")
[[ $version == "$series".* ]] || die "upstream version '$version' does not belong to series $series"
log "upstream CPython version: $version"

archive_name=python-$version-$distro_name-$distro_version-$arch.tar.zst
archive=$out_dir/$archive_name
[[ -e $archive ]] && log "$archive_name exists; rebuilding it (use --skip-existing to reuse)"

# =================================== build dependencies ==========================================
step deps
build_deps=(build-essential dpkg-dev pkg-config xz-utils zstd binutils
	libssl-dev libffi-dev zlib1g-dev libbz2-dev liblzma-dev libsqlite3-dev
	libreadline-dev libncurses-dev uuid-dev libgdbm-dev)
configure_extra=()
# Prefer the copies CPython bundles (fewer run-image dependencies); fall back to the system
# libraries once upstream stops bundling them.
if [[ -d $src/Modules/_decimal/libmpdec ]]; then
	configure_extra+=(--without-system-libmpdec)
else
	build_deps+=(libmpdec-dev)
	configure_extra+=(--with-system-libmpdec)
fi
if [[ -d $src/Modules/expat ]]; then
	configure_extra+=(--without-system-expat)
else
	build_deps+=(libexpat1-dev)
	configure_extra+=(--with-system-expat)
fi
install_missing "${build_deps[@]}"

# =================================== configure ===================================================
step configure
build_dir=$src
gnu_build=$(dpkg-architecture -qDEB_BUILD_GNU_TYPE)
# dpkg-buildflags bakes the current directory into -ffile-prefix-map, so ask from the tree.
dpkg_cflags=$(cd "$build_dir" && dpkg-buildflags --get CFLAGS)
dpkg_cppflags=$(cd "$build_dir" && dpkg-buildflags --get CPPFLAGS)
dpkg_ldflags=$(cd "$build_dir" && dpkg-buildflags --get LDFLAGS)
# Hardening flags and the rpath go into CPython's *_NODIST make variables: they apply to the
# interpreter, libpython and the stdlib extension modules, but stay out of sysconfig's
# CFLAGS/LDFLAGS/LDSHARED, so C extensions that users later build against this runtime are not
# forced to use them (configure- or EXTRA_CFLAGS-passed flags would leak there).
# `\$$ORIGIN`: make turns `$$` into `$`, the recipe shell turns `\$` into `$`, the linker gets
# the literal `$ORIGIN/../lib` that ld.so resolves relative to the loading ELF file.
# shellcheck disable=SC2016
rpath_flag='-Wl,-rpath,\$$ORIGIN/../lib'
make_vars=("CFLAGS_NODIST=$dpkg_cflags $dpkg_cppflags" "LDFLAGS_NODIST=$dpkg_ldflags $rpath_flag")
# Reproducible __DATE__/__TIME__ in sys.version: the upstream release's timestamp, not "now".
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(stat -c %Y "$src/Include/patchlevel.h")}
configure_args=(
	--build="$gnu_build"
	--prefix="$BUILD_PREFIX"
	--enable-shared
	--without-static-libpython
	--without-ensurepip
	--enable-loadable-sqlite-extensions
	"${configure_extra[@]}"
	# Tk is a GUI toolkit no run image carries; without this, whether _tkinter gets built (and
	# links libtk8.6) would depend on what happens to be installed on the build host.
	py_cv_module__tkinter=n/a
)
((pgo)) && configure_args+=(--enable-optimizations --with-lto)
log "make ${make_vars[*]}"
log "SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH"
log "configure ${configure_args[*]}"
(cd "$build_dir" && run_logged configure ./configure "${configure_args[@]}")

# =================================== make ========================================================
step make
(cd "$build_dir" && run_logged make make -j"$jobs" "${make_vars[@]}")
# CPython lists the optional extension modules it could not build; show that summary.
if ((!verbose)); then
	grep -A3 -E 'necessary bits to build|Failed to build these|failed to import' "$logs/make.log" >&2 || true
fi

# =================================== install =====================================================
step install
destdir=$work_dir/stage
(cd "$build_dir" && run_logged install make -j"$jobs" "${make_vars[@]}" DESTDIR="$destdir" install)
stage=$destdir$BUILD_PREFIX
[[ -x $stage/bin/python$series ]] || die "make install produced no bin/python$series"

# =================================== post-process + bytecode =====================================
step compile
pylib=$stage/lib/python$series
# Test suites: large and useless at run time.
rm -rf "$pylib/test" "$pylib/idlelib/idle_test"
find "$pylib" -path "$pylib/site-packages" -prune -o -mindepth 2 -maxdepth 2 -type d \
	\( -name test -o -name tests \) -print0 | xargs -0r rm -rf
# Anything pip-shaped would only come from ensurepip, which is disabled; make sure.
if compgen -G "$stage/bin/pip*" >/dev/null || compgen -G "$pylib/site-packages/pip*" >/dev/null; then
	die "pip found in the install; it must not be part of the runtime"
fi
compgen -G "$pylib/ensurepip/_bundled/pip-*.whl" >/dev/null || die "ensurepip/_bundled/pip-*.whl missing"

# Console scripts carry the throwaway prefix in their shebang; make them PATH-relative.
for f in "$stage"/bin/*; do
	[[ -f $f && ! -L $f ]] || continue
	if head -c 2 "$f" | grep -q '^#!' && head -n1 "$f" | grep -q "^#!$BUILD_PREFIX/bin/python"; then
		sed -i "1s|^#!$BUILD_PREFIX/bin/\(python[0-9.]*\)|#!/usr/bin/env \1|" "$f"
	fi
done
[[ -e $stage/bin/python3 ]] || ln -s "python$series" "$stage/bin/python3"
[[ -e $stage/bin/python ]] || ln -s python3 "$stage/bin/python"

# Debug info is most of an unstripped libpython's size.
while IFS= read -r -d '' f; do
	if [[ $(head -c 4 "$f" | od -An -c | tr -d ' ') == '177ELF' ]]; then
		strip --strip-unneeded "$f"
	fi
done < <(find "$stage" -type f \( -name '*.so' -o -name '*.so.*' -o -path "$stage/bin/*" \) -print0)

# Replace make install's bytecode (three optimisation levels, timestamp-based) with one
# deterministic set.  unchecked-hash: the .pyc records a source hash but the interpreter never
# re-checks it, so loading costs no stat/hash work and the file is valid whatever mtimes the
# extracted tree has.  The runtime layer is immutable, so a stale .pyc cannot arise.
find "$stage" -type d -name __pycache__ -prune -exec rm -rf {} +
# PYTHONHASHSEED=0 fixes the order of marshalled frozenset constants (string hashing is
# randomised per process otherwise); -E would drop it, so clear the caller's PYTHON* by hand.
env -u PYTHONPATH -u PYTHONHOME -u PYTHONSTARTUP -u PYTHONPYCACHEPREFIX -u PYTHONOPTIMIZE \
	PYTHONHASHSEED=0 PYTHONDONTWRITEBYTECODE=1 \
	"$stage/bin/python$series" -m compileall -q -j0 -f \
	--invalidation-mode unchecked-hash -o 0 \
	-s "$stage" -p "$BUILD_PREFIX" \
	-x '(^|/)(bad_coding|badsyntax|site-packages|lib2to3/tests/data)' \
	"$pylib" >"$logs/compileall.log" 2>&1 || {
	cat "$logs/compileall.log" >&2
	die "compileall failed"
}
pyc_count=$(find "$pylib" -name '*.pyc' | wc -l)
((pyc_count > 500)) || die "only $pyc_count .pyc files were written"
log "compiled $pyc_count .pyc files"

# Sanity: the staged runtime must run from where it is, without LD_LIBRARY_PATH.
env -u LD_LIBRARY_PATH "$stage/bin/python3" -c 'import ssl, sqlite3, ctypes, lzma, bz2, zlib, readline, uuid, decimal, hashlib, json, venv, ensurepip, sys; assert sys.prefix == sys.base_prefix' ||
	die "staged runtime fails to import core modules"
runpath=$(readelf -d "$stage/bin/python$series" | sed -n 's/.*(RUNPATH).*\[\(.*\)\]/\1/p')
# shellcheck disable=SC2016
[[ $runpath == '$ORIGIN/../lib' ]] || die "bin/python$series RUNPATH is '$runpath', expected '\$ORIGIN/../lib'"

# =================================== pack ========================================================
step pack
top=()
for d in bin include lib share; do
	[[ -d $stage/$d ]] && top+=("$d")
done
extra=$(find "$stage" -mindepth 1 -maxdepth 1 ! -name bin ! -name include ! -name lib ! -name share)
[[ -z $extra ]] || die "unexpected top-level entries in the install: $extra"
zstd_args=(-T0 -q --long=27 "-$zstd_level")
((zstd_level > 19)) && zstd_args=(--ultra "${zstd_args[@]}")
tmp_archive=$(mktemp "$out_dir/.$archive_name.XXXXXX")
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@"$ARCHIVE_MTIME" \
	--format=gnu -C "$stage" -c "${top[@]}" | zstd "${zstd_args[@]}" -c >"$tmp_archive"
chmod 644 "$tmp_archive"
# Entry first (from the finished temp file), then both renames: a reader never sees an archive
# next to an entry with another checksum for longer than two rename(2) calls.
entry_toml "$tmp_archive" "$version" "$archive_name" >"$tmp_archive.toml"
chmod 644 "$tmp_archive.toml"
mv -f "$tmp_archive" "$archive"
mv -f "$tmp_archive.toml" "$archive.toml"
log "wrote $archive ($(du -h "$archive" | cut -f1), zstd ${zstd_args[*]})"
step_end

print_timings
cat "$archive.toml" >&3
