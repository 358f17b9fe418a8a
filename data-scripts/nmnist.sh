#!/usr/bin/env bash
# N-MNIST (Orchard et al., Frontiers in Neuroscience 2015) for SpikeKit: downloads Train.zip and Test.zip from the data set's
# Mendeley Data record (468j46mzdv, the copy Tonic downloads), checks their MD5s (the sums SpikingJelly and Tonic list), and
# extracts DIR/Train/<digit>/*.bin (60 000 files) and DIR/Test/<digit>/*.bin (10 000), the layout
# SpikeKit.Data.Events.EventDatasets reads. DIR defaults to ${SPIKEKIT_DATA:-~/.local/share/spikekit/data}/nmnist.
#
# Usage: data-scripts/nmnist.sh [DIR]      (KEEP_ARCHIVE=1 keeps the downloaded zips)
set -euo pipefail

DIR="${1:-${SPIKEKIT_DATA:-$HOME/.local/share/spikekit/data}/nmnist}"
BASE=https://data.mendeley.com/public-files/datasets/468j46mzdv/files
# split  file id  md5  expected .bin files
RESOURCES=(
  "Train 39c25547-014b-4137-a934-9d29fa53c7a0 20959b8e626244a1b502305a9e6e2031 60000"
  "Test  05a4d654-7e03-4c15-bdfa-9bb2bcbea494 69ca8762b2fe404d9b9bad1103e97832 10000"
)

fetch() { # url dest
  if command -v curl >/dev/null; then curl -fL --retry 3 -o "$2" "$1"
  elif command -v wget >/dev/null; then wget -O "$2" "$1"
  else echo "nmnist: need curl or wget" >&2; exit 1; fi
}
command -v unzip >/dev/null || { echo "nmnist: need unzip" >&2; exit 1; }

count() { find "$DIR/$1" -name '*.bin' 2>/dev/null | wc -l; }

mkdir -p "$DIR"
for entry in "${RESOURCES[@]}"; do
  read -r split id md5 files <<<"$entry"
  if [[ "$(count "$split")" -eq $files ]]; then echo "nmnist: $split already present"; continue; fi
  archive="$DIR/$split.zip"
  if [[ ! -f "$archive" || "$(md5sum < "$archive" | cut -d' ' -f1)" != "$md5" ]]; then
    url="$BASE/$id/file_downloaded"
    echo "fetching $url ($split.zip)"
    fetch "$url" "$archive.part"
    actual="$(md5sum < "$archive.part" | cut -d' ' -f1)"
    if [[ "$actual" != "$md5" ]]; then
      echo "nmnist: $url has md5 $actual, expected $md5; left as $archive.part" >&2
      exit 1
    fi
    mv -f "$archive.part" "$archive"
  fi
  echo "nmnist: $split.zip md5 OK, extracting into $DIR"
  unzip -q -o "$archive" -d "$DIR"   # holds $split/<digit>/*.bin
  [[ "${KEEP_ARCHIVE:-0}" == 1 ]] || rm -f "$archive"
  n="$(count "$split")"
  if [[ "$n" -ne $files ]]; then echo "nmnist: $DIR/$split holds $n recordings, expected $files" >&2; exit 1; fi
done
echo "nmnist: ready in $DIR; check with: spikekit data nmnist --data-dir $DIR"
