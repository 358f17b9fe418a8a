#!/usr/bin/env bash
# Builds the API reference from the XML documentation of the Release build (SpikeKit, SpikeKit.Reporting,
# SpikeKit.Interactive) with docfx into artifacts/api/site/ (open index.html), and fails on any docfx warning.
# Needs `dotnet build Research.sln -c Release` first and the docfx tool (installed here when missing).
# Usage: docs/api/build.sh
set -uo pipefail
cd "$(dirname "$0")/../.."
export PATH="$PATH:$HOME/.dotnet/tools" DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
version=2.81.0
if ! dotnet tool list -g 2>/dev/null | grep -qi "^docfx *$version"; then
  dotnet tool install -g docfx --version "$version" >/dev/null || { echo "error: could not install docfx $version"; exit 1; }
fi
for dll in lib/SpikeKit/bin/Release/net10.0/SpikeKit.dll lib/SpikeKit.Reporting/bin/Release/net10.0/SpikeKit.Reporting.dll \
           lib/SpikeKit.Interactive/bin/Release/net10.0/SpikeKit.Interactive.dll; do
  [ -f "$dll" ] || { echo "error: $dll is not built (run: dotnet build Research.sln -c Release)"; exit 1; }
done
rm -rf artifacts/api
log=$(mktemp)
{ docfx metadata docs/api/docfx.json --warningsAsErrors && docfx build docs/api/docfx.json --warningsAsErrors; } >"$log" 2>&1
rc=$?
warnings=$(grep -ciE '^ *(warning|\[[0-9:. ]*\]warning)' "$log")
grep -iE 'warning|error' "$log" | grep -vE '^ +[0-9]+ (warning|error)\(s\)$' | head -n 20
types=$(find artifacts/api/yml -name '*.yml' 2>/dev/null | wc -l)
echo "api reference: $types pages from the XML docs in artifacts/api/site/ (docfx exit $rc, $warnings warning line(s))"
[ "$rc" -eq 0 ] && [ "$warnings" -eq 0 ] && [ "$types" -gt 100 ]
