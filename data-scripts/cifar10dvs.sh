#!/usr/bin/env bash
# CIFAR10-DVS (Li et al., Frontiers in Neuroscience 2017) for SpikeKit: downloads the 10 per-class zips from figshare
# (article 4724671, "CIFAR10-DVS New"), checks each one's MD5 (the sums SpikingJelly's cifar10_dvs.py lists), and extracts
# the recordings into DIR/<class>/*.aedat (airplane ... truck, 1000 files each), the layout SpikeKit.Data.Events.EventDatasets
# reads. DIR defaults to ${SPIKEKIT_DATA:-~/.local/share/spikekit/data}/cifar10-dvs (EventDatasets.DefaultDirectory).
#
# Usage: data-scripts/cifar10dvs.sh [DIR]      (KEEP_ARCHIVE=1 keeps the downloaded zips)
set -euo pipefail

DIR="${1:-${SPIKEKIT_DATA:-$HOME/.local/share/spikekit/data}/cifar10-dvs}"
PER_CLASS=1000
# class  figshare file id  md5
RESOURCES=(
  "airplane   7712788 0afd5c4bf9ae06af762a77b180354fdd"
  "automobile 7712791 8438dfeba3bc970c94962d995b1b9bdd"
  "bird       7712794 a9c207c91c55b9dc2002dc21c684d785"
  "cat        7712812 52c63c677c2b15fa5146a8daf4d56687"
  "deer       7712815 b6bf21f6c04d21ba4e23fc3e36c8a4a3"
  "dog        7712818 f379ebdf6703d16e0a690782e62639c3"
  "frog       7712842 cad6ed91214b1c7388a5f6ee56d08803"
  "horse      7712851 e7cbbf77bec584ffbf913f00e682782a"
  "ship       7712836 41c7bd7d6b251be82557c6cce9a7d5c9"
  "truck      7712839 89f3922fd147d9aeff89e76a2b0b70a7"
)

fetch() { # url dest
  if command -v curl >/dev/null; then curl -fL --retry 3 -o "$2" "$1"
  elif command -v wget >/dev/null; then wget -O "$2" "$1"
  else echo "cifar10dvs: need curl or wget" >&2; exit 1; fi
}
command -v unzip >/dev/null || { echo "cifar10dvs: need unzip" >&2; exit 1; }

count() { find "$DIR/$1" -maxdepth 1 -name '*.aedat' 2>/dev/null | wc -l; }

mkdir -p "$DIR"
for entry in "${RESOURCES[@]}"; do
  read -r class id md5 <<<"$entry"
  if [[ "$(count "$class")" -eq $PER_CLASS ]]; then echo "cifar10dvs: $class already present"; continue; fi
  archive="$DIR/$class.zip"
  if [[ ! -f "$archive" || "$(md5sum < "$archive" | cut -d' ' -f1)" != "$md5" ]]; then
    url="https://ndownloader.figshare.com/files/$id"
    echo "fetching $url ($class.zip)"
    fetch "$url" "$archive.part"
    actual="$(md5sum < "$archive.part" | cut -d' ' -f1)"
    if [[ "$actual" != "$md5" ]]; then
      echo "cifar10dvs: $url has md5 $actual, expected $md5; left as $archive.part" >&2
      exit 1
    fi
    mv -f "$archive.part" "$archive"
  fi
  echo "cifar10dvs: $class.zip md5 OK, extracting"
  tmp="$(mktemp -d "$DIR/.extract-$class.XXXXXX")"
  unzip -q "$archive" -d "$tmp"
  mkdir -p "$DIR/$class"
  # The zips hold the recordings in a folder named after the class; take every .aedat wherever it lies.
  find "$tmp" -name '*.aedat' -exec mv -f {} "$DIR/$class/" \;
  rm -rf "$tmp"
  [[ "${KEEP_ARCHIVE:-0}" == 1 ]] || rm -f "$archive"
  n="$(count "$class")"
  if [[ "$n" -ne $PER_CLASS ]]; then echo "cifar10dvs: $DIR/$class holds $n recordings, expected $PER_CLASS" >&2; exit 1; fi
done
echo "cifar10dvs: ready in $DIR (10 x $PER_CLASS recordings); check with: spikekit data cifar10-dvs --data-dir $DIR"
