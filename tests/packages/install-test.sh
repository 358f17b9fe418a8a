#!/usr/bin/env bash
# Installs SpikeKit as a user would, from the local folder feed that `dotnet pack Research.sln -c Release` writes
# (artifacts/feed/), outside the repository:
#   library: a fresh console project (dotnet new console) adds SpikeKit, SpikeKit.Reporting and TorchSharp-cpu from the
#            feed, trains a tiny RMP-Loss run on the synthetic set and reads its results back with ResultSet.
#   tool:    dotnet tool install SpikeKit.Cli from the feed into a tool path, then `spikekit --help` and a tiny `train`.
# Prints "PACKAGE-TEST library|tool passed|failed SECONDS" per part; exit status 0 only when both passed.
# Usage: tests/packages/install-test.sh [--pack] [library] [tool]   (--pack runs the pack command first)
set -uo pipefail
cd "$(dirname "$0")/../.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
repo=$PWD feed=$PWD/artifacts/feed
parts=()
pack=0
for a in "$@"; do case "$a" in --pack) pack=1 ;; library|tool) parts+=("$a") ;; *) sed -n '2,10p' "$0"; exit 2 ;; esac; done
[ ${#parts[@]} -gt 0 ] || parts=(library tool)
version=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' Directory.Build.props | head -n1)
if [ $pack = 1 ]; then dotnet pack Research.sln -c Release -v q -nologo || { echo "dotnet pack failed"; exit 1; }; fi
for p in SpikeKit SpikeKit.Reporting SpikeKit.Cli; do
  [ -f "$feed/$p.$version.nupkg" ] || { echo "error: $feed/$p.$version.nupkg is missing (run: dotnet pack Research.sln -c Release)"; exit 1; }
done
cache=$(dotnet nuget locals global-packages --list | sed 's/^global-packages: //')   # pack removed our packages from it

work=$(mktemp -d /tmp/spikekit-install-XXXXXX)
trap 'rm -rf "$work"' EXIT
cat >"$work/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <add key="spikekit-local" value="$feed" />
  </packageSources>
</configuration>
XML

library() {
  cd "$work" && dotnet new console -n App -o app >/dev/null && cd app || return 1
  dotnet add package SpikeKit --version "$version" >/dev/null && dotnet add package SpikeKit.Reporting --version "$version" >/dev/null \
    && dotnet add package TorchSharp-cpu --version 0.107.0 >/dev/null || { echo "dotnet add package failed"; return 1; }
  cat >Program.cs <<'CS'
using SpikeKit.Config;
using SpikeKit.Runs;
using SpikeKit.Reporting.Frames;

var dir = Path.Combine(AppContext.BaseDirectory, "run");
var config = RunPresets.Quick with { Dataset = "synthetic", TrainLimit = 128, TestLimit = 64, Epochs = 1, Variant = "rmp" };
RunSummary run = RunExecutor.Run(config, dir);
var results = ResultSet.Load(dir);
Console.WriteLine($"trained: {run.Status}, {results.Runs.Count} run, {results.Metrics.RowCount} epoch row(s), " +
                  $"accuracy {100 * run.FinalTestAccuracy:F2} %, QE {run.FinalMeanQuantizationError:F4}, device {run.Environment.Device}");
return run.IsCompleted && results.Metrics.RowCount == 1 ? 0 : 1;
CS
  dotnet run -c Release 2>&1 | tail -n 5
  local rc=${PIPESTATUS[0]}
  # The backend is the application's choice: the core package names only the backend-neutral TorchSharp.
  if grep -q 'TorchSharp-cpu\|TorchSharp-cuda\|libtorch' "$cache/spikekit/$version/spikekit.nuspec"; then echo "the core package depends on a backend package"; return 1; fi
  grep -q '<dependency id="TorchSharp" ' "$cache/spikekit/$version/spikekit.nuspec" || { echo "the core package does not depend on TorchSharp"; return 1; }
  return "$rc"
}

tool() {
  dotnet tool install SpikeKit.Cli --version "$version" --tool-path "$work/tools" --add-source "$feed" >/dev/null \
    || { echo "dotnet tool install failed"; return 1; }
  "$work/tools/spikekit" --help | head -n 12 || return 1
  "$work/tools/spikekit" --help | grep -q 'train' || { echo "spikekit --help does not list train"; return 1; }
  "$work/tools/spikekit" train --quiet --dataset synthetic --train-limit 128 --test-limit 64 --epochs 1 --out "$work/tool-run" || return 1
  grep -q '"status": *"completed"' "$work/tool-run/summary.json" || { echo "no completed summary.json"; return 1; }
  echo "tool run: $(grep -o '"finalTestAccuracy": *[0-9.]*' "$work/tool-run/summary.json")"
}

failed=0
for part in "${parts[@]}"; do
  start=$(date +%s)
  echo "== package test: $part"
  if ( $part ); then result=passed; else result=failed; failed=1; fi
  echo "PACKAGE-TEST $part $result $(( $(date +%s) - start ))"
done
exit $failed
