#!/bin/sh
# Builds the ZVT decoder fuzz target with libFuzzer and runs it (ASAN=1 adds AddressSanitizer,
# about three times slower).
#   Fuzz/ZVTDecoder/run.sh                 # 1,000,000 inputs (default)
#   Fuzz/ZVTDecoder/run.sh -runs=5000000   # any libFuzzer options
#   Fuzz/ZVTDecoder/run.sh -max_total_time=600
# The seed corpus (Fuzz/ZVTDecoder/corpus/) holds the golden traces; new inputs go to a scratch
# directory under .build so the committed corpus stays small.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT="$ROOT/.build/fuzz"
mkdir -p "$OUT/corpus"
SANITIZERS=fuzzer
[ "${ASAN:-0}" = 1 ] && SANITIZERS=fuzzer,address
swiftc -sanitize=$SANITIZERS -parse-as-library -swift-version 6 -O -g \
    -module-name ZVTFuzz \
    $(find "$ROOT/Sources/ZVT" -name '*.swift' | sort) "$ROOT/Fuzz/ZVTDecoder/main.swift" \
    -o "$OUT/zvt-decoder-fuzzer"
[ "$#" -eq 0 ] && set -- -runs=1000000
cd "$OUT"
# The Swift runtime's backtracer hangs under AddressSanitizer; libFuzzer reports crashes itself.
export SWIFT_BACKTRACE=enable=no
exec "$OUT/zvt-decoder-fuzzer" -max_len=4096 -print_final_stats=1 "$@" "$OUT/corpus" "$ROOT/Fuzz/ZVTDecoder/corpus"
