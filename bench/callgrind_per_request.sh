#!/usr/bin/env bash
# Instructions the server executes per request, counted by valgrind's callgrind (a busy machine
# blurs times, not instruction counts): ddbd (in memory, one I/O thread) is run twice under
# callgrind with the same set-up and N1, then N2 requests of one kind on one keep-alive
# connection; (Ir(N2) - Ir(N1)) / (N2 - N1) is the cost of one request, start-up and set-up
# cancelled out.  All threads count (the writer's share of a PutItem too).
# Read write counts with one thing in mind: each write transaction's begin copies LMDB's table of
# handle sequence numbers (4 bytes x the 8,192 handles the store allows, 32 KB) with `rep movsb`,
# which callgrind counts byte by byte: ~33k of a serial PutItem's ~57k "instructions" are that
# one copy, well under a microsecond on the machine (and shared by every write of a group
# commit under load).  Compare writes by their difference, or subtract it.
#   bench/callgrind_per_request.sh DDBD_BINARY get|put|query|get-q|put-q [ddbd args...]
# prints: RESULT workload=callgrind-<kind> instructions_per_request=<n>
# CALLGRIND_KEEP=DIR keeps the two callgrind outputs there (for callgrind_annotate).
# CALLGRIND_DATA_DIR=DIR runs the server on that data directory (made beforehand, e.g. with
# the benchmark's loader: query, get-q and put-q address its "benchq" table of
# CALLGRIND_ITEMS items) instead of in memory with a table of its own.
# CALLGRIND_CACHE=1 simulates the caches too: the line then also gives the first-level data
# cache misses (d1_misses_per_request) and the last-level ones (ll_misses_per_request).
set -u
ddbd=$1 kind=$2
shift 2
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/ddbd-callgrind.XXXXXX") || exit 1
trap '[ -n "${CALLGRIND_KEEP:-}" ] && cp "$work"/cg.* "$CALLGRIND_KEEP"/; rm -rf "$work"' EXIT
n1=${CALLGRIND_N1:-300} n2=${CALLGRIND_N2:-1300}
declare -A ir d1 ll
for n in "$n1" "$n2"; do
    port=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')
    # (a small map: valgrind cannot reserve the default 256 GB of address space)
    store=(--in-memory --storage-map-size 1G)
    [ -n "${CALLGRIND_DATA_DIR:-}" ] && store=(--data-dir "$CALLGRIND_DATA_DIR" --storage-map-size 8G)
    cache=()
    [ "${CALLGRIND_CACHE:-0}" = 1 ] && cache=(--cache-sim=yes)
    valgrind --tool=callgrind "${cache[@]}" --callgrind-out-file="$work/cg.$n" "$ddbd" \
        "${store[@]}" --threads 1 --port "$port" "$@" 2>"$work/log.$n" &
    pid=$!
    for ((i = 0; i < 600; i++)); do
        "$PY" -c "import socket; socket.create_connection(('127.0.0.1', $port), 1).close()" \
            2>/dev/null && break
        sleep 0.1
    done
    { [ -n "${CALLGRIND_DATA_DIR:-}" ] || "$PY" "$here/callgrind_client.py" "$port" 0 setup >/dev/null; } &&
        "$PY" "$here/callgrind_client.py" "$port" "$n" "$kind" || { kill "$pid"; exit 1; }
    kill -TERM "$pid"
    wait "$pid"
    # Ir, and with the cache simulated D1mr, D1mw (columns 6, 7) and DLmr, DLmw (9, 10)
    ir[$n]=$(awk '/^(summary|totals):/ {print $2; exit}' "$work/cg.$n")
    d1[$n]=$(awk '/^(summary|totals):/ {print $6 + $7; exit}' "$work/cg.$n")
    ll[$n]=$(awk '/^(summary|totals):/ {print $9 + $10; exit}' "$work/cg.$n")
    [ -n "${ir[$n]}" ] || { echo "callgrind: no totals for $n requests" >&2; exit 1; }
done
awk -v a="${ir[$n1]}" -v b="${ir[$n2]}" -v n="$((n2 - n1))" -v k="$kind" \
    -v c="${CALLGRIND_CACHE:-0}" -v d1a="${d1[$n1]}" -v d1b="${d1[$n2]}" -v lla="${ll[$n1]}" \
    -v llb="${ll[$n2]}" 'BEGIN {printf "RESULT workload=callgrind-%s instructions_per_request=%.0f", k,
    (b - a) / n; if (c == 1) printf " d1_misses_per_request=%.1f ll_misses_per_request=%.1f",
    (d1b - d1a) / n, (llb - lla) / n; printf "\n"}'
