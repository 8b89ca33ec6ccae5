#!/usr/bin/env bash
# Builds the libFuzzer targets (preset fuzz: clang, ASan + UBSan, tests/fuzz) and runs each
# for a given time, then prints per target: executions per second, the corpus (files and
# bytes), the coverage (cov = edges, ft = features) and anything found, with the path of
# the input that reproduces it.
#   bench/fuzz.sh [SECONDS] [TARGET...]       default: 60 s for every target
#   FUZZ_JOBS=2 bench/fuzz.sh 600             two targets at a time
#   bench/fuzz.sh 600 http arm                fuzz_http and fuzz_arm only
# Each target starts from its seeds (tests/fuzz/corpus/NAME, read only) and from what earlier
# runs found (build/fuzz/corpus/NAME, where new inputs go); with FUZZ_SEEDS_ONLY=1 (CI) from
# its seeds alone, new inputs going to a folder emptied first. Reproduce a finding with
#   build/fuzz/tests/fuzz/fuzz_NAME PATH
# and, once fixed, add the input to tests/fuzz/corpus/NAME so that every CI run replays it.
# Exits 1 when a target crashed, hung (timeout), ran out of memory or leaked.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
seconds=${1:-60}
shift || true
all=(scoring http csv kql arm pipeline)
targets=("$@")
((${#targets[@]})) || targets=("${all[@]}")
jobs=${FUZZ_JOBS:-1}
# One input taking longer than this is a hang (libFuzzer writes it as timeout-*). The slowest
# honest input (fuzz_http on a loaded machine) takes about a second.
timeout=${FUZZ_TIMEOUT:-30}
build=$root/build/fuzz
out=$build/runs
[[ ${FUZZ_SEEDS_ONLY:-0} == 1 ]] && out=$build/runs-ci # a CI run keeps the logs of long runs

for t in "${targets[@]}"; do
  [[ " ${all[*]} " == *" $t "* ]] || { echo "fuzz.sh: unknown target '$t' (targets: ${all[*]})" >&2; exit 2; }
done

export CCACHE_SLOPPINESS=${CCACHE_SLOPPINESS:-pch_defines,time_macros}
begin=$(date +%s)
cmake --preset fuzz >/dev/null || exit 2
cmake --build --preset fuzz -j "$(nproc)" --target "${targets[@]/#/fuzz_}" >"$build/build.log" 2>&1 ||
  { tail -50 "$build/build.log"; echo "fuzz.sh: the build failed ($build/build.log)" >&2; exit 2; }
echo "== fuzz build: $(( $(date +%s) - begin )) s =="

run_target() {
  local name=$1
  local bin=$build/tests/fuzz/fuzz_$name
  local corpus=$build/corpus/$name artifacts=$out/$name
  [[ ${FUZZ_SEEDS_ONLY:-0} == 1 ]] && corpus=$build/corpus-ci/$name && rm -rf "$corpus"
  rm -rf "$artifacts"
  mkdir -p "$corpus" "$artifacts"
  local args=(-max_total_time="$seconds" -timeout="$timeout" -rss_limit_mb=4096 -print_final_stats=1
              -artifact_prefix="$artifacts/")
  case $name in
    http | scoring) args+=(-dict="$root/tests/fuzz/dict/http.dict") ;;
    arm | pipeline) args+=(-dict="$root/tests/fuzz/dict/json.dict") ;;
    kql | csv) args+=(-dict="$root/tests/fuzz/dict/$name.dict") ;;
  esac
  # New inputs go to the first directory; the committed seeds are read only.
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
    "$bin" "${args[@]}" "$corpus" "$root/tests/fuzz/corpus/$name" >"$artifacts/log" 2>&1
  echo $? >"$artifacts/status"
}

# Two at a time at most as asked: the machine is shared (each target uses one core, fuzz_http a
# second one in its servers).
running=0
for t in "${targets[@]}"; do
  run_target "$t" &
  running=$((running + 1))
  if ((running >= jobs)); then
    wait -n
    running=$((running - 1))
  fi
done
wait

failed=0
printf '\n%-10s %9s %8s %10s %7s %7s  %s\n' target "exec/s" files bytes cov ft result
for t in "${targets[@]}"; do
  dir=$out/$t
  log=$dir/log
  status=$(cat "$dir/status" 2>/dev/null || echo 2)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  # The last status line: "#N  REDUCE cov: 1234 ft: 5678 corp: 90/12Kb ...".
  last=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -1)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  found_dir=$build/corpus/$t
  [[ ${FUZZ_SEEDS_ONLY:-0} == 1 ]] && found_dir=$build/corpus-ci/$t
  files=$(find "$found_dir" "$root/tests/fuzz/corpus/$t" -type f | wc -l)
  bytes=$(find "$found_dir" "$root/tests/fuzz/corpus/$t" -type f -printf '%s\n' | awk '{s += $1} END {print s + 0}')
  found=$(find "$dir" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' -o -name 'leak-*' \
          -o -name 'slow-unit-*' \) | sort)
  result=ok
  if [[ $status != 0 || -n $(grep -v slow-unit <<<"$found") ]]; then
    result="FAILED (exit $status)"
    failed=1
  fi
  printf '%-10s %9s %8s %10s %7s %7s  %s\n' "$t" "${rate:-?}" "$files" "$bytes" "${cov:-?}" "${ft:-?}" "$result"
  for f in $found; do
    echo "           $(basename "$f" | cut -d- -f1): $f"
  done
  if [[ $result != ok ]]; then
    # The sanitizer's or the target's report, from its first line.
    grep -nE '^==[0-9]+==ERROR|runtime error:|^fuzz(_[a-z]+)?: |ALARM: working on the last Unit|out-of-memory|Deadly signal' "$log" |
      head -3 | sed 's/^/           /'
    echo "           log: $log"
  fi
done
echo "== fuzzing: $(( $(date +%s) - begin )) s in all =="
exit $failed
