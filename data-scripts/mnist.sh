#!/usr/bin/env bash
# MNIST for SpikeKit: downloads the four official IDX files from a mirror and checks their MD5 sums.
#
# Usage: data-scripts/mnist.sh [DIR]
#   DIR defaults to /usr/share/datasets/mnist when run as root, else ${SPIKEKIT_DATA:-~/.local/share/spikekit/data}/mnist
#   (SpikeKit.Data.Datasets.DefaultDirectory("mnist") looks in the first, then the second).
#   MNIST_MIRROR overrides the mirror (default https://ossci-datasets.s3.amazonaws.com/mnist/, the one torchvision uses).
set -euo pipefail

if [[ $# -ge 1 ]]; then DIR="$1"
elif [[ "$(id -u)" -eq 0 ]]; then DIR=/usr/share/datasets/mnist
else DIR="${SPIKEKIT_DATA:-$HOME/.local/share/spikekit/data}/mnist"
fi
MIRROR="${MNIST_MIRROR:-https://ossci-datasets.s3.amazonaws.com/mnist/}"
MIRROR="${MIRROR%/}/"

declare -A MD5=(
  [train-images-idx3-ubyte.gz]=f68b3c2dcbeaaa9fbdd348bbdeb94873
  [train-labels-idx1-ubyte.gz]=d53e105ee54ea40749a09fcbcd1e9432
  [t10k-images-idx3-ubyte.gz]=9fb629c4189551a2d022fa330f9573f3
  [t10k-labels-idx1-ubyte.gz]=ec29112dd5afa0611ce80d1b7f02629c
)
FILES=(train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz)

fetch() { # url dest
  if command -v curl >/dev/null; then curl -fL --retry 3 -o "$2" "$1"
  elif command -v wget >/dev/null; then wget -O "$2" "$1"
  else echo "mnist: need curl or wget" >&2; exit 1; fi
}
md5_of() { md5sum < "$1" | cut -d' ' -f1; }

mkdir -p "$DIR"
status=0
for f in "${FILES[@]}"; do
  dest="$DIR/$f"
  if [[ -f "$dest" && "$(md5_of "$dest")" == "${MD5[$f]}" ]]; then
    echo "OK       $dest (already present)"
    continue
  fi
  echo "fetching ${MIRROR}$f"
  fetch "${MIRROR}$f" "$dest.part"
  if [[ "$(md5_of "$dest.part")" == "${MD5[$f]}" ]]; then
    mv -f "$dest.part" "$dest"
    echo "OK       $dest (md5 ${MD5[$f]})"
  else
    echo "BAD      ${MIRROR}$f: md5 $(md5_of "$dest.part"), expected ${MD5[$f]}; left as $dest.part" >&2
    status=1
  fi
done
(( status == 0 )) && echo "mnist: ready in $DIR"
exit $status
