#!/usr/bin/env bash
# CIFAR-10 (binary version) for SpikeKit: downloads cifar-10-binary.tar.gz, checks its official MD5, and extracts
# cifar-10-batches-bin/{data_batch_1..5,test_batch}.bin into ${SPIKEKIT_DATA:-~/.local/share/spikekit/data}/cifar10
# (the folder SpikeKit.Data.Datasets.DefaultDirectory("cifar10") returns).
#
# Usage: data-scripts/cifar10.sh [DIR]      (KEEP_ARCHIVE=1 keeps the downloaded .tar.gz)
set -euo pipefail

DIR="${1:-${SPIKEKIT_DATA:-$HOME/.local/share/spikekit/data}/cifar10}"
URL=https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz
MD5=c32a1d4ab5d03f1284b67883e8d87530
RECORD=3073   # 1 label byte + 3072 pixel bytes
declare -A RECORDS=([data_batch_1.bin]=10000 [data_batch_2.bin]=10000 [data_batch_3.bin]=10000 [data_batch_4.bin]=10000 [data_batch_5.bin]=10000 [test_batch.bin]=10000)

fetch() { # url dest
  if command -v curl >/dev/null; then curl -fL --retry 3 -o "$2" "$1"
  elif command -v wget >/dev/null; then wget -O "$2" "$1"
  else echo "cifar10: need curl or wget" >&2; exit 1; fi
}

verify() { # prints problems, returns 1 if any
  local ok=0 f expected size
  for f in "${!RECORDS[@]}"; do
    expected=$(( RECORDS[$f] * RECORD ))
    if [[ ! -f "$DIR/cifar-10-batches-bin/$f" ]]; then echo "MISSING  $DIR/cifar-10-batches-bin/$f" >&2; ok=1; continue; fi
    size=$(stat -c %s "$DIR/cifar-10-batches-bin/$f")
    if (( size != expected )); then echo "BAD      $DIR/cifar-10-batches-bin/$f: $size bytes, expected $expected" >&2; ok=1; fi
  done
  return $ok
}

if verify 2>/dev/null; then echo "cifar10: already present in $DIR/cifar-10-batches-bin"; exit 0; fi

mkdir -p "$DIR"
archive="$DIR/cifar-10-binary.tar.gz"
if [[ ! -f "$archive" || "$(md5sum < "$archive" | cut -d' ' -f1)" != "$MD5" ]]; then
  echo "fetching $URL"
  fetch "$URL" "$archive.part"
  actual="$(md5sum < "$archive.part" | cut -d' ' -f1)"
  if [[ "$actual" != "$MD5" ]]; then
    echo "cifar10: $URL has md5 $actual, expected $MD5; left as $archive.part" >&2
    exit 1
  fi
  mv -f "$archive.part" "$archive"
fi
echo "cifar10: md5 OK, extracting into $DIR"
tar -xzf "$archive" -C "$DIR"
[[ "${KEEP_ARCHIVE:-0}" == 1 ]] || rm -f "$archive"
verify
echo "cifar10: ready in $DIR/cifar-10-batches-bin"
