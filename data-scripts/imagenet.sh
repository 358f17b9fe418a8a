#!/usr/bin/env bash
# ImageNet (ILSVRC2012 classification) for SpikeKit. The images cannot be downloaded without an account: get
# ILSVRC2012_img_train.tar (138 GB) and ILSVRC2012_img_val.tar (6.3 GB) from https://image-net.org/download-images
# (log in, "ILSVRC2012"), put them in one folder, add a validation-label mapping (below), and run this script. It checks
# the tars' official MD5 sums and extracts them into the image-folder layout that SpikeKit.Data.Datasets streams:
#   DIR/train/<wnid>/<wnid>_<n>.JPEG   (1000 folders, 1 281 167 images)
#   DIR/val/<wnid>/ILSVRC2012_val_<n>.JPEG   (1000 folders of 50 images)
# where DIR defaults to ${SPIKEKIT_DATA:-~/.local/share/spikekit/data}/imagenet (Datasets.DefaultDirectory("imagenet")).
#
# Usage: data-scripts/imagenet.sh TARS_DIR [DIR]
#
# Validation labels: the val tar is flat (ILSVRC2012_val_00000001.JPEG … _00050000.JPEG); the mapping to class folders is
# read from the first of these found in TARS_DIR (or from the file named by VAL_LABELS=...):
#   val_labels.txt        one "ILSVRC2012_val_00000001.JPEG n01751748" line per image (space, tab or comma separated);
#   valprep.sh            the widely used script of "mv ILSVRC2012_val_00000001.JPEG n01751748/" lines, from
#                         https://raw.githubusercontent.com/soumith/imagenetloader.torch/master/valprep.sh (also in
#                         NVIDIA's DeepLearningExamples and many ImageNet training repositories);
#   LOC_val_solution.csv  Kaggle's "ImageNet Object Localization Challenge" file (ImageId,PredictionString; the first
#                         wnid of each row is the label).
# (The official devkit, ILSVRC2012_devkit_t12.tar.gz, stores the labels as ILSVRC ids with the id → wnid table in a MATLAB
# file, which this script does not parse.) The mapping must cover all 50 000 images with 1000 classes of 50 each.
#
# Needs GNU tar (the train tar holds one tar per class; each is unpacked as it streams by, so no space beyond the
# extracted images, about 140 GB, is needed). SKIP_MD5=1 skips the checksums (they read 144 GB: several minutes).
# Idempotent: when DIR already holds the complete layout it only says so; an interrupted run is simply run again.
set -euo pipefail

if [[ $# -lt 1 || $# -gt 2 || "$1" == -h || "$1" == --help ]]; then
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
fi
TARS="$1"
DIR="${2:-${SPIKEKIT_DATA:-$HOME/.local/share/spikekit/data}/imagenet}"
TRAIN_TAR="$TARS/ILSVRC2012_img_train.tar"
VAL_TAR="$TARS/ILSVRC2012_img_val.tar"
TRAIN_MD5=1d675b47d978889d74fa0da5fadfb00e
VAL_MD5=29b22e2961454d5413ddabcf34fc5622
# The counts of ILSVRC2012; overridable only so that the script can be tried on a small fake layout.
CLASSES="${IMAGENET_CLASSES:-1000}"
TRAIN_IMAGES="${IMAGENET_TRAIN_IMAGES:-1281167}"
VAL_IMAGES="${IMAGENET_VAL_IMAGES:-50000}"

die() { echo "imagenet: $*" >&2; exit 1; }

count_images() { # folder -> number of *.JPEG files one level below its class folders
  find "$1" -mindepth 2 -maxdepth 2 -type f -name '*.JPEG' | wc -l
}
count_classes() { find "$1" -mindepth 1 -maxdepth 1 -type d | wc -l; }

verify() { # prints problems, returns 1 if any
  local ok=0 split expected n c
  for split in train val; do
    expected=$TRAIN_IMAGES; [[ $split == val ]] && expected=$VAL_IMAGES
    if [[ ! -d "$DIR/$split" ]]; then echo "MISSING  $DIR/$split" >&2; ok=1; continue; fi
    c=$(count_classes "$DIR/$split"); n=$(count_images "$DIR/$split")
    if (( c != CLASSES )); then echo "BAD      $DIR/$split: $c class folders, expected $CLASSES" >&2; ok=1; fi
    if (( n != expected )); then echo "BAD      $DIR/$split: $n images, expected $expected" >&2; ok=1; fi
  done
  return $ok
}

if verify 2>/dev/null; then echo "imagenet: already present in $DIR"; exit 0; fi

[[ "$(tar --version 2>/dev/null || true)" == *"GNU tar"* ]] || die "needs GNU tar (for --to-command)"
[[ -f "$TRAIN_TAR" ]] || die "$TRAIN_TAR: not found; download it from https://image-net.org/download-images (account needed)"
[[ -f "$VAL_TAR" ]] || die "$VAL_TAR: not found; download it from https://image-net.org/download-images (account needed)"

# The validation mapping, normalized to "FILE WNID" lines.
labels="${VAL_LABELS:-}"
if [[ -z "$labels" ]]; then
  for f in val_labels.txt valprep.sh LOC_val_solution.csv; do
    if [[ -f "$TARS/$f" ]]; then labels="$TARS/$f"; break; fi
  done
fi
[[ -n "$labels" && -f "$labels" ]] || die "$TARS: no validation-label mapping (val_labels.txt, valprep.sh or LOC_val_solution.csv; see the top of $0)"
mapping="$(mktemp)"
trap 'rm -f "$mapping"' EXIT
awk -F'[ ,\t]+' '
  /^mv[ \t]/ { w = $3; sub(/\/$/, "", w); print $2, w; next }
  /^ILSVRC2012_val_[0-9]+/ { f = $1; if (f !~ /\.JPEG$/) f = f ".JPEG"; print f, $2 }
' "$labels" | sort -u > "$mapping"
n=$(wc -l < "$mapping")
(( n == VAL_IMAGES )) || die "$labels: maps $n validation images, expected $VAL_IMAGES"
bad=$(awk '$1 !~ /^ILSVRC2012_val_[0-9]+\.JPEG$/ || $2 !~ /^n[0-9]+$/ { print NR": "$0; exit }' "$mapping")
[[ -z "$bad" ]] || die "$labels: not a 'file wnid' mapping (normalized line $bad)"
(( $(cut -d' ' -f1 "$mapping" | sort -u | wc -l) == VAL_IMAGES )) || die "$labels: some validation image is mapped twice"
(( $(cut -d' ' -f2 "$mapping" | sort -u | wc -l) == CLASSES )) || die "$labels: does not have $CLASSES classes"

if [[ "${SKIP_MD5:-0}" != 1 ]]; then
  for pair in "$TRAIN_TAR:$TRAIN_MD5" "$VAL_TAR:$VAL_MD5"; do
    tar_file="${pair%:*}"; expected="${pair##*:}"
    echo "imagenet: checking the md5 of $tar_file (reads the whole file)"
    actual="$(md5sum < "$tar_file" | cut -d' ' -f1)"
    [[ "$actual" == "$expected" ]] || die "$tar_file has md5 $actual, expected $expected (incomplete download?)"
  done
  echo "imagenet: md5 OK"
fi

mkdir -p "$DIR"
if [[ "$(count_classes "$DIR/train" 2>/dev/null || echo 0)" != "$CLASSES" || "$(count_images "$DIR/train")" != "$TRAIN_IMAGES" ]]; then
  echo "imagenet: extracting $TRAIN_TAR into $DIR/train (one tar per class, unpacked as it streams by)"
  rm -rf "$DIR/train.part"
  mkdir -p "$DIR/train.part"
  export IMAGENET_TRAIN_OUT="$DIR/train.part"
  # shellcheck disable=SC2016  # expanded by the shell tar starts for each member
  tar -xf "$TRAIN_TAR" --to-command='d="$IMAGENET_TRAIN_OUT/${TAR_FILENAME%.tar}"; mkdir -p "$d" && tar -x -C "$d"'
  rm -rf "$DIR/train"
  mv "$DIR/train.part" "$DIR/train"
fi

if [[ "$(count_classes "$DIR/val" 2>/dev/null || echo 0)" != "$CLASSES" || "$(count_images "$DIR/val")" != "$VAL_IMAGES" ]]; then
  echo "imagenet: extracting $VAL_TAR into $DIR/val and sorting it into class folders with $labels"
  rm -rf "$DIR/val.part"
  mkdir -p "$DIR/val.part"
  tar -xf "$VAL_TAR" -C "$DIR/val.part"
  (
    cd "$DIR/val.part"
    cut -d' ' -f2 "$mapping" | sort -u | xargs mkdir -p
    # One mv per class: "wnid file file …".
    awk '{ files[$2] = files[$2] " " $1 } END { for (w in files) print w files[w] }' "$mapping" |
      while read -r wnid files; do
        # shellcheck disable=SC2086  # the file names have no spaces
        mv -- $files "$wnid/"
      done
    left=$(find . -maxdepth 1 -type f | wc -l)
    (( left == 0 )) || die "$VAL_TAR: $left images are not in $labels"
  )
  rm -rf "$DIR/val"
  mv "$DIR/val.part" "$DIR/val"
fi

verify || die "$DIR: the extracted layout is incomplete (see above)"
echo "imagenet: ready in $DIR (train/, val/); spikekit sweep paper-imagenet reads it from there or from dataDir"
