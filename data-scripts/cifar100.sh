#!/usr/bin/env bash
# CIFAR-100 (binary version) for SpikeKit: downloads cifar-100-binary.tar.gz, checks its official MD5, and extracts
# cifar-100-binary/{train,test}.bin into ${SPIKEKIT_DATA:-~/.local/share/spikekit/data}/cifar100
# (the folder SpikeKit.Data.Datasets.DefaultDirectory("cifar100") returns). SpikeKit trains on the fine labels.
#
# Usage: data-scripts/cifar100.sh [DIR]     (KEEP_ARCHIVE=1 keeps the downloaded .tar.gz)
set -euo pipefail

DIR="${1:-${SPIKEKIT_DATA:-$HOME/.local/share/spikekit/data}/cifar100}"
URL=https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz
MD5=03b5dce01913d631647c71ecec9e9cb8
RECORD=3074   # coarse label byte + fine label byte + 3072 pixel bytes
declare -A RECORDS=([train.bin]=50000 [test.bin]=10000)

fetch() { # url dest
  if command -v curl >/dev/null; then curl -fL --retry 3 -o "$2" "$1"
  elif command -v wget >/dev/null; then wget -O "$2" "$1"
  else echo "cifar100: need curl or wget" >&2; exit 1; fi
}

verify() { # prints problems, returns 1 if any
  local ok=0 f expected size
  for f in "${!RECORDS[@]}"; do
    expected=$(( RECORDS[$f] * RECORD ))
    if [[ ! -f "$DIR/cifar-100-binary/$f" ]]; then echo "MISSING  $DIR/cifar-100-binary/$f" >&2; ok=1; continue; fi
    size=$(stat -c %s "$DIR/cifar-100-binary/$f")
    if (( size != expected )); then echo "BAD      $DIR/cifar-100-binary/$f: $size bytes, expected $expected" >&2; ok=1; fi
  done
  return $ok
}

if verify 2>/dev/null; then echo "cifar100: already present in $DIR/cifar-100-binary"; exit 0; fi

mkdir -p "$DIR"
archive="$DIR/cifar-100-binary.tar.gz"
if [[ ! -f "$archive" || "$(md5sum < "$archive" | cut -d' ' -f1)" != "$MD5" ]]; then
  echo "fetching $URL"
  fetch "$URL" "$archive.part"
  actual="$(md5sum < "$archive.part" | cut -d' ' -f1)"
  if [[ "$actual" != "$MD5" ]]; then
    echo "cifar100: $URL has md5 $actual, expected $MD5; left as $archive.part" >&2
    exit 1
  fi
  mv -f "$archive.part" "$archive"
fi
echo "cifar100: md5 OK, extracting into $DIR"
tar -xzf "$archive" -C "$DIR"
[[ "${KEEP_ARCHIVE:-0}" == 1 ]] || rm -f "$archive"
verify
echo "cifar100: ready in $DIR/cifar-100-binary"
