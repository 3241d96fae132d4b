#!/usr/bin/env bash
# Instructions the server executes per request, counted by valgrind's callgrind (a busy machine
# blurs times, not instruction counts): ddbd (in memory, one I/O thread) is run twice under
# callgrind with the same set-up and N1, then N2 requests of one kind on one keep-alive
# connection; (Ir(N2) - Ir(N1)) / (N2 - N1) is the cost of one request, start-up and set-up
# cancelled out.  All threads count (the writer's share of a PutItem too).
#   bench/callgrind_per_request.sh DDBD_BINARY get|put [ddbd args...]
# prints: RESULT workload=callgrind-<kind> instructions_per_request=<n>
# CALLGRIND_KEEP=DIR keeps the two callgrind outputs there (for callgrind_annotate).
set -u
ddbd=$1 kind=$2
shift 2
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/ddbd-callgrind.XXXXXX") || exit 1
trap '[ -n "${CALLGRIND_KEEP:-}" ] && cp "$work"/cg.* "$CALLGRIND_KEEP"/; rm -rf "$work"' EXIT
n1=${CALLGRIND_N1:-300} n2=${CALLGRIND_N2:-1300}
declare -A ir
for n in "$n1" "$n2"; do
    port=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')
    # (a small map: valgrind cannot reserve the default 256 GB of address space)
    valgrind --tool=callgrind --callgrind-out-file="$work/cg.$n" "$ddbd" --in-memory \
        --storage-map-size 1G \
        --threads 1 --port "$port" "$@" 2>"$work/log.$n" &
    pid=$!
    for ((i = 0; i < 600; i++)); do
        "$PY" -c "import socket; socket.create_connection(('127.0.0.1', $port), 1).close()" \
            2>/dev/null && break
        sleep 0.1
    done
    "$PY" "$here/callgrind_client.py" "$port" 0 setup >/dev/null &&
        "$PY" "$here/callgrind_client.py" "$port" "$n" "$kind" || { kill "$pid"; exit 1; }
    kill -TERM "$pid"
    wait "$pid"
    ir[$n]=$(awk '/^(summary|totals):/ {print $2; exit}' "$work/cg.$n")
    [ -n "${ir[$n]}" ] || { echo "callgrind: no totals for $n requests" >&2; exit 1; }
done
awk -v a="${ir[$n1]}" -v b="${ir[$n2]}" -v n="$((n2 - n1))" -v k="$kind" \
    'BEGIN {printf "RESULT workload=callgrind-%s instructions_per_request=%.0f\n", k, (b - a) / n}'
