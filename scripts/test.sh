#!/usr/bin/env bash
# The whole test suite: unit tests (optimised and sanitized), then the API
# tests through real clients against the optimised server (in memory and on
# disk) and against the sanitized server.  Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
PY=/usr/bin/python3
results=build/test-results
rm -rf "$results"; mkdir -p "$results"
status=0 unit_passed=0 unit_failed=0

echo "== unit tests"
unit_out=$(scripts/run-unit.sh build/release/unit/test_* build/asan/unit/test_* 2>&1) || status=1
printf '%s\n' "$unit_out"
line=$(printf '%s\n' "$unit_out" | grep -E '^unit: [0-9]+ passed' | tail -n1)
if [ -n "$line" ]; then
  unit_passed=$(sed -E 's/unit: ([0-9]+) passed.*/\1/' <<<"$line")
  unit_failed=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")
fi

echo "== module dependencies (one way, no cycles)"
if $PY scripts/module_deps.py; then
  unit_passed=$((unit_passed + 1))
else
  unit_failed=$((unit_failed + 1)); status=1
fi

echo "== fuzz smoke (each target briefly, from its seeds)"
fuzz_out=$(scripts/fuzz.sh "${FUZZ_SMOKE_SECONDS:-10}" build/fuzz/fuzz_* 2>&1) || status=1
printf '%s\n' "$fuzz_out"
line=$(printf '%s\n' "$fuzz_out" | grep -E '^fuzz: [0-9]+ passed' | tail -n1)
if [ -n "$line" ]; then
  unit_passed=$((unit_passed + $(sed -E 's/fuzz: ([0-9]+) passed.*/\1/' <<<"$line")))
  unit_failed=$((unit_failed + $(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")))
fi

run_api() { # name binary mode [pytest args...]
  local name=$1 bin=$2 mode=$3; shift 3
  echo "== api tests: $name"
  DDBD_BIN="$bin" DDBD_MODE="$mode" \
  ASAN_OPTIONS="abort_on_error=1:detect_leaks=1" UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1" \
    $PY -m pytest -q -p no:cacheprovider --junitxml="$results/$name.xml" tests/api "$@" || status=1
}
run_api release-memory build/ddbd memory
run_api release-disk build/ddbd disk
run_api asan-memory build/ddbd-asan memory

read api_passed api_failed < <($PY - "$results" <<'PYEOF'
import sys, glob, xml.etree.ElementTree as ET
p = f = 0
for path in glob.glob(sys.argv[1] + "/*.xml"):
    root = ET.parse(path).getroot()
    for s in ([root] if root.tag == "testsuite" else root.iter("testsuite")):
        t = int(s.get("tests", 0)); bad = int(s.get("failures", 0)) + int(s.get("errors", 0))
        p += t - bad - int(s.get("skipped", 0)); f += bad
print(p, f)
PYEOF
)
passed=$((unit_passed + ${api_passed:-0})); failed=$((unit_failed + ${api_failed:-0}))
[ "$failed" -eq 0 ] || status=1
echo "total: $passed passed, $failed failed"
exit $status
