#!/usr/bin/env bash
# Run unit-test binaries; print each one's line and a total "N passed, N failed".
set -u
passed=0 failed=0
for t in "$@"; do
  [ -x "$t" ] && [ "${t%.d}" = "$t" ] || continue
  out=$("$t" 2>&1); rc=$?
  line=$(printf '%s\n' "$out" | grep -E '[0-9]+ passed, [0-9]+ failed' | tail -n1)
  if [ -z "$line" ]; then
    printf '%s\n' "$out"; echo "$t: crashed (exit $rc)"; failed=$((failed+1)); continue
  fi
  [ $rc -eq 0 ] || printf '%s\n' "$out"
  echo "$t: ${line#*: }"
  p=$(sed -E 's/.*: ([0-9]+) passed.*/\1/' <<<"$line"); f=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")
  passed=$((passed+p)); failed=$((failed+f))
  [ $rc -eq 0 ] || [ "$f" -gt 0 ] || failed=$((failed+1))
done
echo "unit: $passed passed, $failed failed"
[ $failed -eq 0 ]
