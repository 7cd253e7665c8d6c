#!/usr/bin/env bash
# Derives the Debian packages a run image needs for CPython runtime archives: unpacks each
# archive, reads the NEEDED entries of every ELF file in it (readelf -d), drops the libraries the
# archive carries itself (libpython3.X.so...), resolves each remaining soname on this host
# (ldconfig -p) and asks dpkg which package owns it.
#
#   stack/run-image-packages.sh ARCHIVE.tar.zst...            one line per package:
#                                                              "<package> <soname> <soname>..."
#   stack/run-image-packages.sh --check FILE ARCHIVE.tar.zst... exit 1 (and say which) when a
#                                                              derived package is missing from FILE
#
# Run it on the Debian release the archives were built for, with their build dependencies
# installed (builds/build-python.sh installs them): the sonames are resolved against this host's
# libraries. Needs readelf (binutils), tar with zstd, dpkg, ldconfig.
set -euo pipefail

die() {
	printf 'run-image-packages: %s\n' "$*" >&2
	exit 2
}

check_file=''
if [[ ${1:-} == --check ]]; then
	[[ $# -ge 3 ]] || die "usage: $0 --check FILE ARCHIVE.tar.zst..."
	check_file=$2
	shift 2
fi
[[ $# -ge 1 ]] || die "usage: $0 [--check FILE] ARCHIVE.tar.zst..."
for tool in readelf ldconfig dpkg tar zstd; do
	command -v "$tool" >/dev/null || die "needs $tool"
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

ldcache=$(ldconfig -p)
declare -A owner_sonames=()
for archive in "$@"; do
	[[ -f $archive ]] || die "no such archive: $archive"
	dir="$work/$(basename "$archive")"
	mkdir -p "$dir"
	tar --zstd -xf "$archive" -C "$dir"
	# Sonames the archive provides itself (its own shared libraries).
	declare -A own=()
	while IFS= read -r -d '' lib; do
		own[$(basename "$lib")]=1
	done < <(find "$dir" -name '*.so*' \( -type f -o -type l \) -print0)
	declare -A needed=()
	# Every regular file that is an ELF object (executables, libraries, extension modules);
	# readelf -d prints nothing for other files.
	while read -r soname; do
		[[ -n $soname && -z ${own[$soname]:-} ]] && needed[$soname]=1
	done < <(find "$dir" -type f \( -perm -u+x -o -name '*.so*' \) -print0 |
		xargs -0 readelf -d 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort -u)
	for soname in "${!needed[@]}"; do
		path=$(awk -v s="$soname" '$1 == s && /x86-64/ { print $NF; exit }' <<<"$ldcache")
		[[ -n $path ]] || die "$soname (needed by $(basename "$archive")) is not installed on this host"
		pkg=''
		for candidate in "$path" "$(readlink -f "$path")" "${path/#\/usr\/lib/\/lib}" "$(readlink -f "$path" | sed 's#^/usr/lib#/lib#')"; do
			pkg=$(dpkg -S "$candidate" 2>/dev/null | sed -n '1s/:.*//p' || true)
			[[ -n $pkg ]] && break
		done
		[[ -n $pkg ]] || die "no Debian package owns $path ($soname)"
		owner_sonames[$pkg]="${owner_sonames[$pkg]:-} $soname"
	done
	unset own needed
done

missing=()
for pkg in $(printf '%s\n' "${!owner_sonames[@]}" | sort); do
	sonames=$(tr ' ' '\n' <<<"${owner_sonames[$pkg]}" | sort -u | xargs)
	if [[ -n $check_file ]]; then
		grep -qE "^${pkg}([[:space:]]|#|$)" "$check_file" || missing+=("$pkg ($sonames)")
	else
		printf '%s %s\n' "$pkg" "$sonames"
	fi
done
if ((${#missing[@]})); then
	printf 'run-image-packages: %s lacks: %s\n' "$check_file" "${missing[*]}" >&2
	exit 1
fi
