#!/usr/bin/env bash
# Fuzzes the buildpack's parsers (the targets in fuzz/, entry points in src/lib.rs) with
# cargo-fuzz, each for a bounded time. Not part of the test command (scripts/test.sh).
#
# usage: scripts/fuzz.sh [SECONDS_PER_TARGET (default 60)] [TARGET...]
#
# Installs a nightly toolchain and cargo-fuzz on first use. Seeds come from the test fixtures
# and a few small archives; the corpus grows in fuzz/corpus/<target>/. A crash stops the run
# with its input in fuzz/artifacts/<target>/: reproduce it with
#   cargo +nightly fuzz run <target> fuzz/artifacts/<target>/<file>
# and add that input as a regression unit test next to the parser.
set -euo pipefail
repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
seconds=${1:-60}
shift || true

rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
command -v cargo-fuzz >/dev/null || cargo +stable install cargo-fuzz --locked

cd "$repo_root/fuzz"
targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
	mapfile -t targets < <(cargo +nightly fuzz list)
fi

# seed TARGET FILE...: copies existing files into the target's corpus.
seed() {
	local target=$1 file
	shift
	mkdir -p "corpus/$target"
	for file in "$@"; do
		[[ -f $file ]] && cp "$file" "corpus/$target/seed-$(basename "$file")-$(cksum <"$file" | cut -d' ' -f1)"
	done
	return 0
}
fixtures="$repo_root/test-fixtures"
seed python_version_file "$fixtures"/*/.python-version
seed requires_python "$fixtures"/*/pyproject.toml
seed procfile "$fixtures"/*/Procfile
seed package_json "$fixtures"/*/package.json
seed requirements_lines "$fixtures"/*/requirements.txt
seed inventory "$repo_root"/inventory/*.toml
mkdir -p corpus/runtime_txt corpus/node_version corpus/tar_entry
printf 'python-3.12.1\n' >corpus/runtime_txt/seed-runtime
printf '>=22 <25' >corpus/node_version/seed-range
printf 'lts/krypton' >corpus/node_version/seed-lts
printf '\x02bin/npm\0../lib/node_modules/npm/bin/npm-cli.js' >corpus/tar_entry/seed-symlink
# Small archives with a directory, a file, a symlink and a hard link, under one top directory.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/top/bin" "$scratch/top/lib"
printf 'x' >"$scratch/top/lib/file"
ln -s ../lib/file "$scratch/top/bin/link"
ln "$scratch/top/lib/file" "$scratch/top/lib/hard"
mkdir -p corpus/unpack_gzip corpus/unpack_zstd
tar -C "$scratch" -czf corpus/unpack_gzip/seed.tar.gz top
tar -C "$scratch" -cf "$scratch/seed.tar" top
if command -v zstd >/dev/null; then
	zstd -q -f "$scratch/seed.tar" -o corpus/unpack_zstd/seed.tar.zst
fi

mkdir -p logs
for target in "${targets[@]}"; do
	echo "--- fuzzing $target for ${seconds}s"
	max_len=4096
	[[ $target == unpack_* ]] && max_len=65536
	log="logs/$target.log"
	if ! cargo +nightly fuzz run "$target" "corpus/$target" -- \
		-max_total_time="$seconds" -max_len="$max_len" -rss_limit_mb=2048 -timeout=10 \
		-print_final_stats=1 >"$log" 2>&1; then
		tail -n 40 "$log" >&2
		echo "!!! $target failed (a crash, with its input in fuzz/artifacts/$target/, or a build error); log: fuzz/$log" >&2
		exit 1
	fi
	grep -E '^(Done [0-9]+ runs|stat::number_of_executed_units|stat::peak_rss_mb)' "$log" || true
done
echo "--- all targets ran without crashes"
