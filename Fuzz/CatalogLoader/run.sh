#!/usr/bin/env bash
# Builds the catalogue-loader fuzz target with libFuzzer and runs it.
#   Fuzz/CatalogLoader/run.sh [RUNS]     (default 10000000 inputs)
set -euo pipefail
cd "$(dirname "$0")/../.."
runs="${1:-10000000}"
out=.build-fuzz
mkdir -p "$out" fuzz-out/catalog
swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name KasseCore \
  $(find Sources/KasseCore -name '*.swift') Fuzz/CatalogLoader/FuzzCatalogLoader.swift \
  -o "$out/fuzz-catalog-loader"
# Work on a copy of the seed corpus so the committed seeds stay small.
cp -n Fuzz/CatalogLoader/corpus/* fuzz-out/catalog/ 2>/dev/null || true
"$out/fuzz-catalog-loader" -runs="$runs" -max_len=4096 -timeout=10 -print_final_stats=1 fuzz-out/catalog
