#!/usr/bin/env bash
# Run each libFuzzer target for SECONDS, keeping its corpus in
# build/fuzz/corpus/<target> (seeded from fuzz/seeds/<target> when present,
# with the dictionary fuzz/<target>.dict when there is one).
# Usage: scripts/fuzz.sh SECONDS build/fuzz/fuzz_x ...
set -u
seconds=$1; shift
status=0 passed=0 failed=0
mkdir -p build/fuzz-logs
for f in "$@"; do
  [ -x "$f" ] && [ -f "$f" ] || continue
  name=$(basename "$f")
  corpus=build/fuzz/corpus/$name
  mkdir -p "$corpus"
  seeds=()
  [ -d "fuzz/seeds/$name" ] && seeds=("fuzz/seeds/$name")
  dict=()
  [ -f "fuzz/$name.dict" ] && dict=("-dict=fuzz/$name.dict")
  if "$f" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=0 \
       "${dict[@]}" -artifact_prefix=build/fuzz/ "$corpus" "${seeds[@]}" >"build/fuzz-logs/$name.log" 2>&1; then
    echo "$name: ok ($(grep -c . "build/fuzz-logs/$name.log") log lines, ${seconds}s)"
    passed=$((passed+1))
  else
    echo "$name: FAILED"; tail -n 40 "build/fuzz-logs/$name.log"
    failed=$((failed+1)); status=1
  fi
done
echo "fuzz: $passed passed, $failed failed"
exit $status
