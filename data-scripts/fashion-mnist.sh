#!/usr/bin/env bash
# Fashion-MNIST for SpikeKit: installs the Debian package dataset-fashion-mnist (as root) and verifies its four files.
#
# Usage: data-scripts/fashion-mnist.sh [DIR]
#   DIR defaults to /usr/share/datasets/fashion-mnist (where the Debian package puts the files and where
#   SpikeKit.Data.Datasets looks first). Pass another folder to verify files you placed there yourself.
#
# Verification: each file's SHA-256 must match the Debian package's file, or else the SHA-256 of its decompressed
# content must match (that also accepts the upstream Zalando .gz files, which are compressed differently, and raw files).
set -euo pipefail

DIR="${1:-/usr/share/datasets/fashion-mnist}"
FILES=(train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte)

# SHA-256 of the .gz files shipped by Debian's dataset-fashion-mnist.
declare -A GZ_SHA256=(
  [train-images-idx3-ubyte]=b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7
  [train-labels-idx1-ubyte]=0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056
  [t10k-images-idx3-ubyte]=cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa
  [t10k-labels-idx1-ubyte]=8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05
)
# SHA-256 of the decompressed IDX content (identical for Debian's and Zalando's files).
declare -A RAW_SHA256=(
  [train-images-idx3-ubyte]=c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888
  [train-labels-idx1-ubyte]=bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9
  [t10k-images-idx3-ubyte]=5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b
  [t10k-labels-idx1-ubyte]=0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34
)

find_file() { # prints the .gz or raw path of $1 in $DIR, or nothing
  if [[ -f "$DIR/$1.gz" ]]; then echo "$DIR/$1.gz"; elif [[ -f "$DIR/$1" ]]; then echo "$DIR/$1"; fi
}

missing=0
for f in "${FILES[@]}"; do [[ -n "$(find_file "$f")" ]] || missing=1; done

if (( missing )); then
  if [[ "$DIR" != /usr/share/datasets/fashion-mnist ]]; then
    echo "fashion-mnist: files missing in $DIR (expected ${FILES[*]}, .gz or raw)" >&2
    exit 1
  fi
  if [[ "$(id -u)" -eq 0 ]]; then
    echo "fashion-mnist: installing the Debian package dataset-fashion-mnist"
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends dataset-fashion-mnist
  else
    echo "fashion-mnist: not installed. As root run:  apt-get install dataset-fashion-mnist" >&2
    echo "  (or put the four IDX files from https://github.com/zalandoresearch/fashion-mnist in a folder and pass it to" >&2
    echo "   Datasets.Load(\"fashion-mnist\", directory) after checking them with: $0 FOLDER)" >&2
    exit 1
  fi
fi

status=0
for f in "${FILES[@]}"; do
  path="$(find_file "$f")"
  if [[ -z "$path" ]]; then echo "MISSING  $DIR/$f(.gz)" >&2; status=1; continue; fi
  if [[ "$path" == *.gz && "$(sha256sum < "$path" | cut -d' ' -f1)" == "${GZ_SHA256[$f]}" ]]; then
    echo "OK       $path (sha256 of the Debian file)"
  elif [[ "$(zcat -f -- "$path" | sha256sum | cut -d' ' -f1)" == "${RAW_SHA256[$f]}" ]]; then
    echo "OK       $path (sha256 of the decompressed content)"
  else
    echo "BAD      $path: checksum mismatch (corrupt or not Fashion-MNIST)" >&2
    status=1
  fi
done
exit $status
