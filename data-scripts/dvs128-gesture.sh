#!/usr/bin/env bash
# DVS128 Gesture (Amir et al., CVPR 2017) for SpikeKit. IBM distributes DvsGesture.tar.gz from a Box folder that needs a
# browser (https://ibm.ent.box.com/s/3hiq58ww1pbbjrinh367ykfdf60xsfm8/folder/50167556794), so this script does not download:
# download the archive by hand, then give its path. It checks the archive's MD5 (the sum SpikingJelly's dvs128_gesture.py
# lists) and extracts DIR/DvsGesture/{user*_*.aedat, user*_*_labels.csv, trials_to_train.txt, trials_to_test.txt}, the
# layout SpikeKit.Data.Events.EventDatasets reads (122 recordings: 98 train, 24 test trials).
# DIR defaults to ${SPIKEKIT_DATA:-~/.local/share/spikekit/data}/dvs128-gesture.
#
# Usage: data-scripts/dvs128-gesture.sh PATH/TO/DvsGesture.tar.gz [DIR]
set -euo pipefail

ARCHIVE="${1:?usage: dvs128-gesture.sh PATH/TO/DvsGesture.tar.gz [DIR] (download it from https://ibm.ent.box.com/s/3hiq58ww1pbbjrinh367ykfdf60xsfm8/folder/50167556794)}"
DIR="${2:-${SPIKEKIT_DATA:-$HOME/.local/share/spikekit/data}/dvs128-gesture}"
MD5=8a5c71fb11e24e5ca5b11866ca6c00a1

[[ -f "$ARCHIVE" ]] || { echo "dvs128-gesture: $ARCHIVE: no such file" >&2; exit 1; }
actual="$(md5sum < "$ARCHIVE" | cut -d' ' -f1)"
if [[ "$actual" != "$MD5" ]]; then echo "dvs128-gesture: $ARCHIVE has md5 $actual, expected $MD5" >&2; exit 1; fi
mkdir -p "$DIR"
echo "dvs128-gesture: md5 OK, extracting into $DIR"
tar -xzf "$ARCHIVE" -C "$DIR"
root="$DIR/DvsGesture"
for list in trials_to_train.txt trials_to_test.txt; do
  [[ -f "$root/$list" ]] || { echo "dvs128-gesture: $root/$list missing after extraction" >&2; exit 1; }
  while read -r trial; do
    [[ -z "$trial" ]] && continue
    [[ -f "$root/$trial" ]] || { echo "dvs128-gesture: $root/$trial (listed in $list) missing" >&2; exit 1; }
    [[ -f "$root/${trial%.aedat}_labels.csv" ]] || { echo "dvs128-gesture: $root/${trial%.aedat}_labels.csv missing" >&2; exit 1; }
  done < <(tr -d '\r' < "$root/$list")
done
echo "dvs128-gesture: ready in $DIR; check with: spikekit data dvs128-gesture --data-dir $DIR"
