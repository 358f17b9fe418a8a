#!/usr/bin/env bash
# Executes every notebook in notebooks/ headlessly (quick preset unless $SPIKEKIT_PRESET says otherwise) into
# notebooks/executed/ (ignored by git) and checks each with check-executed.py: no cell may error, and the tables and
# charts each notebook must show have to be there.
#
# On a fresh Debian 12 machine (as root) it first installs what it needs: Jupyter from Debian, Fashion-MNIST, the .NET
# Interactive kernel (dotnet tool, registered with `dotnet interactive jupyter install`). Then it builds the solution and
# packs it into the local feed artifacts/feed/ that the notebooks load SpikeKit from (`#r "nuget: SpikeKit.Interactive"`;
# the feed reaches the kernel's restores as RestoreAdditionalProjectSources, in this script's environment only; skip
# both with --no-build when `dotnet build Research.sln -c Release` and `dotnet pack Research.sln -c Release` already ran).
#
# Then it runs each notebook's kernel-free twin (NAME.cs with `dotnet run -c Release`, NAME.fsx with `dotnet fsi`) with the
# same results folder, so the twins reuse the notebooks' finished runs (01 trains again: it calls the trainer directly),
# and checks each twin's page (results/twins/NAME/NAME.html) with the same expectations.
#
# Prints per notebook or twin "notebook NAME: passed|failed (S s)", one machine-readable line
# "NOTEBOOK-RESULT NAME passed|failed S" (NAME.cs / NAME.fsx for twins), and at the end "notebooks: N passed, N failed".
# Exit status 0 only when every notebook and twin passed. --twins-only runs the twins alone (no Jupyter, no kernel).
#
# Usage: notebooks/run-all.sh [--no-build] [--twins-only] [NOTEBOOK.ipynb ...]
set -uo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 DOTNET_INTERACTIVE_CLI_TELEMETRY_OPTOUT=1
export PATH="$PATH:$HOME/.dotnet/tools"
export PYDEVD_DISABLE_FILE_VALIDATION=1

build=1 kernel=1
notebooks=()
for a in "$@"; do
  case "$a" in
    --no-build) build=0 ;;
    --twins-only) kernel=0 ;;
    -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
    *) notebooks+=("$a") ;;
  esac
done
[ ${#notebooks[@]} -gt 0 ] || notebooks=(notebooks/[0-9][0-9]-*.ipynb)

fail_all() { # every notebook fails with one reason
  echo "error: $1"
  for nb in "${notebooks[@]}"; do n=$(basename "$nb" .ipynb); echo "NOTEBOOK-RESULT $n failed 0"; done
  echo "notebooks: 0 passed, ${#notebooks[@]} failed"
  exit 1
}

# --- Jupyter (Debian) and the data set ---------------------------------------------------------------------------
need=()
[ $kernel = 0 ] || command -v jupyter-nbconvert >/dev/null || need+=(jupyter-nbconvert python3-nbclient jupyter-client python3-ipykernel)
[ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] || need+=(dataset-fashion-mnist)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "installing ${need[*]}"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null; } \
      || fail_all "could not install ${need[*]}"
  else
    fail_all "missing ${need[*]} (run as root or install them)"
  fi
fi

# --- the .NET Interactive kernel ------------------------------------------------------------------------------------
kernel_version=1.0.712001
if [ $kernel = 1 ] && ! dotnet tool list -g 2>/dev/null | grep -qi "microsoft.dotnet-interactive *$kernel_version"; then
  echo "installing Microsoft.dotnet-interactive $kernel_version"
  dotnet tool uninstall -g Microsoft.dotnet-interactive >/dev/null 2>&1
  dotnet tool install -g Microsoft.dotnet-interactive --version "$kernel_version" >/dev/null || fail_all "could not install the .NET Interactive tool"
fi
if [ $kernel = 1 ] && { ! jupyter kernelspec list 2>/dev/null | grep -q '\.net-csharp' || ! jupyter kernelspec list 2>/dev/null | grep -q '\.net-fsharp'; }; then
  dotnet interactive jupyter install >/dev/null 2>&1 || fail_all "dotnet interactive jupyter install failed"
fi

# --- build ----------------------------------------------------------------------------------------------------------
if [ $build = 1 ]; then
  dotnet build Research.sln -c Release -v q -nologo >/dev/null || fail_all "dotnet build Research.sln -c Release failed"
  dotnet pack Research.sln -c Release --no-build -v q -nologo >/dev/null || fail_all "dotnet pack Research.sln -c Release failed"
fi
ls artifacts/feed/SpikeKit.Interactive.*.nupkg >/dev/null 2>&1 || fail_all "artifacts/feed/ holds no SpikeKit.Interactive package (run: dotnet pack Research.sln -c Release)"
export RestoreAdditionalProjectSources="$PWD/artifacts/feed"
# Notebook 05 trains in spikekit child processes: the CLI built beside the feed (a user installs the tool instead).
export SPIKEKIT_CLI="${SPIKEKIT_CLI:-$PWD/lib/SpikeKit.Cli/bin/Release/net10.0/SpikeKit.Cli.dll}"

# --- execute and check ----------------------------------------------------------------------------------------------
out=notebooks/executed
rm -rf "$out"; mkdir -p "$out"
export SPIKEKIT_RESULTS="$PWD/$out/results" SPIKEKIT_PRESET="${SPIKEKIT_PRESET:-quick}"
passed=0; failed=0; total_start=$(date +%s)
record() { # NAME rc SECONDS CHECKED-FILE LOG
  if [ "$2" -eq 0 ] && /usr/bin/python3 notebooks/check-executed.py "$4"; then
    result=passed; passed=$((passed + 1))
  else
    [ "$2" -eq 0 ] || { echo "$1: exited $2; last lines of $5:"; tail -n 15 "$5"; }
    result=failed; failed=$((failed + 1))
  fi
  echo "notebook $1: $result ($3 s, preset $SPIKEKIT_PRESET)"
  echo "NOTEBOOK-RESULT $1 $result $3"
}
if [ $kernel = 1 ]; then
  for nb in "${notebooks[@]}"; do
    name=$(basename "$nb" .ipynb)
    start=$(date +%s)
    timeout 1500 jupyter nbconvert --to notebook --execute --allow-errors --ExecutePreprocessor.timeout=1200 \
      --ExecutePreprocessor.startup_timeout=180 --output-dir "$out" --output "$name" "$nb" >"$out/$name.log" 2>&1
    record "$name" $? $(( $(date +%s) - start )) "$out/$name.ipynb" "$out/$name.log"
  done
fi
for nb in "${notebooks[@]}"; do
  name=$(basename "$nb" .ipynb) dir=$(dirname "$nb")
  if [ -f "$dir/$name.cs" ]; then twin=$name.cs run=(dotnet run -c Release "$dir/$name.cs")
  elif [ -f "$dir/$name.fsx" ]; then twin=$name.fsx run=(dotnet fsi "$dir/$name.fsx")
  else echo "notebook $name has no twin ($dir/$name.cs or .fsx)"; echo "NOTEBOOK-RESULT $name-twin failed 0"; failed=$((failed + 1)); continue
  fi
  start=$(date +%s)
  timeout 1500 "${run[@]}" >"$out/$twin.log" 2>&1
  record "$twin" $? $(( $(date +%s) - start )) "$SPIKEKIT_RESULTS/twins/$name/$name.html" "$out/$twin.log"
done
echo "notebooks: $passed passed, $failed failed ($(( $(date +%s) - total_start )) s)"
[ $failed -eq 0 ]
