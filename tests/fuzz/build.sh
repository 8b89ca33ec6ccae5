#!/usr/bin/env bash
# Builds the libFuzzer target over request parsing and input validation with clang, and
# optionally runs it:  tests/fuzz/build.sh [OUT_DIR] [-- libFuzzer args...]
#   tests/fuzz/build.sh build/fuzz -- -max_total_time=600
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$root/build/fuzz}
shift || true
mkdir -p "$out"
clang++ -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -I"$root" -DCERULEAN_VERSION='"fuzz"' -DCERULEAN_SOURCE_DIR="\"$root\"" -DBOOST_ASIO_NO_DEPRECATED \
    -DBOOST_BEAST_USE_STD_STRING_VIEW \
    "$root/tests/fuzz/fuzz_scoring.cpp" \
    "$root/core/serving/scoring_request.cpp" "$root/core/serving/scoring_service.cpp" \
    "$root/core/serving/swagger.cpp" "$root/core/serving/telemetry.cpp" "$root/core/serving/http_server.cpp" \
    -lpthread -o "$out/fuzz_scoring"
echo "built $out/fuzz_scoring"
if [[ "${1:-}" == "--" ]]; then
    shift
    mkdir -p "$out/corpus"
    # New inputs go to $out/corpus; the committed seeds are read-only input.
    exec "$out/fuzz_scoring" "$out/corpus" "$root/tests/fuzz/corpus" "$@"
fi
