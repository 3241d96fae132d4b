#!/usr/bin/env bash
# The ddbd benchmark (`make bench`): start-up time, loading, PutItem / GetItem / mixed /
# UpdateItem counter / conditional PutItem / PartiQL SELECT by key (ratio to GetItem)
# throughput and latency at 1, 16 and 64 connections with wrk, resident memory, and the same
# GetItem load against bench/ceiling.c (a server that does no work) as a yardstick.
#
# The server runs in its default durable mode on a fresh data directory: every write is
# committed to disk before it is acknowledged.  Nothing here judges the figures: the exit
# status is non-zero only when something could not run (no server, no table, a crash).
#
# Environment: BENCH_SECONDS (per wrk run, default 10), BENCH_ITEMS (items loaded and key
# range of the workloads, default 100000), DDBD_BIN (the server, default build/ddbd), TMPDIR
# (where data directories are made), BENCH_STREAM_RECORDS (changes written to a table with a
# stream and read back with GetRecords, default 1000000), BENCH_TTL_ITEMS (due items the TTL
# deleter removes, default 100000), BENCH_LARGE_ITEMS (the large data directory of the size
# section: start-up and memory on it, latency at 10^4, 10^6 and this many items; default
# 10000000), BENCH_PITR_CHANGES (changes logged with point-in-time recovery on and replayed by
# a RestoreTableToPointInTime, default 1000000; the same table is then backed up, restored,
# exported and imported, and backed up under a GetItem load: BENCH_BACKUP=0 skips that),
# BENCH_SCALE_SECONDS (per wrk run of that section, default BENCH_SECONDS or 5 if less),
# BENCH_SCALE_ROUNDS (its rounds taking turns between the sizes, default 5), BENCH_SCALE_PIN=0
# (that section's runs on shared cores instead of server and wrk on a core each),
# BENCH_BASELINE (another ddbd binary) or BENCH_BASELINE_REF
# (a git revision to build one from): GetItem at 16 connections is then run on both builds,
# alternately, and their ratio printed.  GetItem at 16 connections over HTTPS (keep-alive) is
# compared with plain HTTP on one server serving both (a certificate made with openssl), in
# three alternating rounds, on shared cores and then with server and wrk pinned to a core each;
# BENCH_TLS=0 skips that, BENCH_ONLY=tls runs only that.  GetItem at 16 connections also runs
# with authentication on and off (--credentials, requests signed by bench/sign_requests.py).
# GetItem and PutItem at 16 connections also run with metrics on and off (--no-metrics);
# BENCH_ONLY=metrics runs only that comparison.  BENCH_ONLY=pitr runs only the point-in-time
# restore, backup, export and import section (BENCH_PITR_CHANGES items; BENCH_ITEMS loaded first
# for its GetItem runs).
# GetItem and PutItem at 16 connections also run with --throttling and without, on a
# provisioned table (40,000 RCU/WCU) that the load never exhausts; BENCH_ONLY=throttling runs
# only that comparison.
# A three-node cluster against one node (PutItem, spread GetItem) and its failover time;
# BENCH_ONLY=cluster runs only that section (BENCH_CLUSTER_KILLS kills, default 20).
# Query through a GSI with a multi-attribute key (3 HASH + 2 RANGE) is compared with a
# single-attribute GSI over the same BENCH_MK_ITEMS items (default min(BENCH_ITEMS, 100000)).
# Global tables: replication lag p50/p99 between two local regions under a bounded write load
# (BENCH_REPLICATION_RATE writes/s, default 5000), and PutItem at 16 connections
# (BENCH_REPLICATION_CONNS) on a table with one replica vs a server without peers, and on that
# server's table with the stream a replica turns on (5 alternating rounds; the replica's region
# keeps its data in memory, standing in for its own machine, and once more on this disk;
# instructions per PutItem with callgrind); BENCH_ONLY=replication runs only that section.
# A quick smoke run: BENCH_SECONDS=2 BENCH_ITEMS=2000 scripts/bench.sh
set -u
cd "$(dirname "$0")/.." || exit 1
export LC_ALL=C

run_seconds=${BENCH_SECONDS:-10}
items=${BENCH_ITEMS:-100000}
conn_counts=(1 16 64)
start_runs=5
ddbd=${DDBD_BIN:-build/ddbd}
tools=build/bench
logs=$tools/logs
auth='AWS4-HMAC-SHA256 Credential=bench/20260101/us-east-1/dynamodb/aws4_request,'
auth+=' SignedHeaders=host, Signature=0'
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

die() { echo "bench: $*" >&2; exit 1; }

[[ $run_seconds =~ ^[1-9][0-9]*$ ]] || die "BENCH_SECONDS must be a whole number of seconds"
[[ $items =~ ^[1-9][0-9]*$ ]] || die "BENCH_ITEMS must be a positive number"
for tool in wrk curl cc openssl; do command -v $tool >/dev/null || die "$tool is missing (make deps)"; done
[ -x "$ddbd" ] || die "$ddbd is missing (make build/ddbd)"

mkdir -p "$tools" "$logs"
rm -f "$logs"/*
for t in probe ceiling; do
    cc -std=gnu11 -D_GNU_SOURCE -O2 -pthread -Wall -Wextra "bench/$t.c" -o "$tools/$t" ||
        die "cannot build bench/$t.c"
done

work=$(mktemp -d "${TMPDIR:-/tmp}/ddbd-bench.XXXXXX") || die "mktemp failed"
running=() # pids of the servers this script started and has not stopped yet

# Stops a server: SIGTERM, then SIGKILL after 10 s.  Sets stop_ms and stop_rc.
stop_server() {
    local pid=$1 t0=${EPOCHREALTIME/./} i
    kill -TERM "$pid" 2>/dev/null
    for ((i = 0; i < 1000; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.01
    done
    if kill -0 "$pid" 2>/dev/null; then
        echo "bench: pid $pid did not stop within 10 s of SIGTERM: killing it" >&2
        kill -KILL "$pid" 2>/dev/null
    fi
    wait "$pid" 2>/dev/null
    stop_rc=$?
    stop_ms=$(((${EPOCHREALTIME/./} - t0) / 1000))
    local keep=() p
    for p in "${running[@]}"; do [ "$p" = "$pid" ] || keep+=("$p"); done
    running=("${keep[@]}")
}

# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
    local pid
    for pid in "${running[@]}"; do stop_server "$pid"; done
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
    "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# start_ddbd DATA_DIR LOG [ARGS...]: starts ddbd on a data directory (with more arguments if
# given); sets port, ddbd_pid, start_us (spawn to the first answered GET /) and start_counts
# (what the server had cost at that answer, as bench/probe.c reads it: "MAJFLT MINFLT
# READ_BYTES RSS_KIB CPU_US WAIT_US").  ddbd_cpu=N runs it (every thread) on CPU N only.
# $EPOCHREALTIME is read by the shell itself, so the time includes the fork of the server but
# no other process.
start_ddbd() {
    local dir=$1 log=$2 t0 t1
    shift 2
    port=$(free_port)
    t0=${EPOCHREALTIME/./}
    ${ddbd_cpu:+taskset -c "$ddbd_cpu"} "$ddbd" --port "$port" --data-dir "$dir" "$@" 2>>"$log" &
    ddbd_pid=$!
    running+=("$ddbd_pid")
    local out
    out=$("$tools/probe" "$port" 10000 "$ddbd_pid") || return 1
    read -r t1 start_counts <<<"$out"
    start_us=$((t1 - t0))
}

# memory PID: VmRSS split into anonymous and file-backed pages (LMDB's map of the data file),
# and the peak (VmHWM), in MiB, from /proc/PID/status.
memory() {
    awk '/^VmRSS/ {r = $2} /^RssAnon/ {a = $2} /^RssFile/ {f = $2} /^VmHWM/ {h = $2}
         END {printf "%.1f MiB (anon %.1f, file %.1f; peak so far %.1f)",
              r / 1024, a / 1024, f / 1024, h / 1024}' "/proc/$1/status"
}

# ddb OP JSON: one request to ddbd; prints the body, fails on a non-200 status.
ddb() {
    local code
    code=$(curl -sS --max-time 10 -o "$work/body" -w '%{http_code}' \
        -H 'Content-Type: application/x-amz-json-1.0' -H "X-Amz-Target: DynamoDB_20120810.$1" \
        -H "Authorization: $auth" --data-binary "$2" "http://127.0.0.1:$port/")
    cat "$work/body"
    [ "$code" = 200 ]
}

field() { [[ $1 =~ (^| )$2=([^ ]*) ]] && echo "${BASH_REMATCH[2]}"; }

# create_table NAME [EXTRA_JSON_MEMBERS]: a table with hash key pk (S), waited for until ACTIVE.
# The billing is on demand unless table_billing holds other members.
create_table() {
    local i
    ddb CreateTable "{\"TableName\":\"$1\",${table_billing:-\"BillingMode\":\"PAY_PER_REQUEST\"},
      \"AttributeDefinitions\":[{\"AttributeName\":\"pk\",\"AttributeType\":\"S\"}],
      \"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"}]${2:+,$2}}" >/dev/null ||
        die "CreateTable $1 failed: $(cat "$work/body")"
    for ((i = 0; i < 100; i++)); do
        ddb DescribeTable "{\"TableName\":\"$1\"}" | grep -q '"TableStatus":"ACTIVE"' && return
        sleep 0.1
    done
    die "table $1 did not become ACTIVE: $(cat "$work/body")"
}

# median of the arguments
median() { printf '%s\n' "$@" | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

# errors_of RESULT_LINE: every kind of failed request wrk counted.
errors_of() {
    local e n=0
    for e in status timeout connect read write; do n=$((n + $(field "$1" "errors_$e"))); done
    echo $n
}

# cpu_ticks PID: user + system CPU time of every thread of PID, in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
# child_ticks: sets child_ticks to the CPU time, in clock ticks, of this shell's children that
# have ended (wrk's, once it has run); read by the shell itself, so no process of its own counts.
child_ticks() {
    local stat
    read -r stat <"/proc/$BASHPID/stat"
    stat=${stat##*) } # the fields after the command's name, from the 3rd
    # shellcheck disable=SC2086 # split into fields on purpose
    set -- $stat
    child_ticks=$((${14} + ${15}))
}
ticks_per_s=$(getconf CLK_TCK)
# machine_ticks: "busy idle" clock ticks of the whole machine so far (idle: idle and waiting for
# I/O), from /proc/stat: a run that leaves the machine idle is bound by waits (a commit's flush),
# not by the CPU.
machine_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9, $5 + $6; exit}' /proc/stat; }
# disk_bytes PID: the bytes the process PID has caused to be written to storage so far
# (write_bytes of /proc/PID/io: pages it dirtied, counted again once written back and dirtied
# anew, so about what reaches the disk; tmpfs and in-memory servers count none).
disk_bytes() { awk '/^write_bytes/ {print $2}' "/proc/$1/io" 2>/dev/null || echo 0; }

# wrk_run LABEL REQUEST CONNS PORT PID [wrk options...]: one wrk run against the server PID on
# PORT; prints and keeps its RESULT line, to which it adds the server's CPU time per request
# (when wrk itself is the bottleneck on a small machine, throughput cannot tell two servers
# apart but their CPU cost can) and wrk's own (client_cpu_us_per_op: on the same cores, what
# the load generator spends is not the server's to spend), the machine's idle share
# meanwhile (machine_idle_pct) and the bytes the server wrote to disk per request
# (server_disk_kb_per_op, disk_bytes).  wrk_cpu=N runs wrk on CPU N only.  Two wrk threads (one
# per core) except for one connection, and for the loader, whose key counter lives in its one
# thread; wrk_threads=N sets their number.
declare -A result stream_pair
wrk_run() {
    local label=$1 script=$2 conns=$3 target=$4 pid=$5 threads=2 line cpu0 cpu1 kid0 kid1 m0 m1
    local d0 d1
    shift 5
    [ "$conns" -lt 2 ] || [[ $script == load* ]] && threads=1
    threads=${wrk_threads:-$threads}
    cpu0=$(cpu_ticks "$pid")
    d0=$(disk_bytes "$pid")
    m0=$(machine_ticks)
    child_ticks
    kid0=$child_ticks
    local lua=bench/workload.lua
    [[ $script == load* ]] && lua=bench/load.lua
    # The guard: a minute past the run's own duration (a -d given here, else run_seconds).
    local limit=$run_seconds args=("$@") i
    for ((i = 0; i + 1 < ${#args[@]}; i++)); do
        [ "${args[i]}" = -d ] && limit=${args[i + 1]%s}
    done
    BENCH_WORKLOAD=$label BENCH_REQUEST=$script BENCH_CONNS=$conns \
        BENCH_ITEMS=${run_items:-$items} BENCH_LOAD_FROM=${load_from:-0} \
        timeout --foreground $((limit + 60)) ${wrk_cpu:+taskset -c "$wrk_cpu"} wrk -t "$threads" -c "$conns" --timeout 2s \
        --latency -s "$lua" "$@" "${scheme:-http}://127.0.0.1:$target/" \
        >"$logs/$label-$conns.txt" 2>&1
    child_ticks
    kid1=$child_ticks
    cpu1=$(cpu_ticks "$pid")
    d1=$(disk_bytes "$pid")
    m1=$(machine_ticks)
    line=$(grep '^RESULT ' "$logs/$label-$conns.txt")
    if [ -z "$line" ]; then
        echo "bench: wrk gave no result for $label at $conns connections:" >&2
        tail -n 20 "$logs/$label-$conns.txt" >&2
        return 1
    fi
    line+=$(awk -v t="$((cpu1 - cpu0))" -v k="$((kid1 - kid0))" -v hz="$ticks_per_s" \
        -v n="$(field "$line" requests)" -v m0="$m0" -v m1="$m1" -v d="$((d1 - d0))" \
        'BEGIN {split(m0, a, " "); split(m1, b, " "); busy = b[1] - a[1]; idle = b[2] - a[2]
        printf " server_cpu_us_per_op=%.2f client_cpu_us_per_op=%.2f machine_idle_pct=%.0f" \
        " server_disk_kb_per_op=%.2f",
        (n > 0 ? t * 1e6 / hz / n : 0), (n > 0 ? k * 1e6 / hz / n : 0),
        (busy + idle > 0 ? 100 * idle / (busy + idle) : 0), (n > 0 ? d / 1024 / n : 0)}')
    echo "$line"
    result[$label/$conns]=$line
}

ddbd_alive() {
    kill -0 "$ddbd_pid" 2>/dev/null && return 0
    wait "$ddbd_pid" 2>/dev/null
    echo "bench: ddbd (pid $ddbd_pid) died with status $? during $1; its stderr ends with:" >&2
    tail -n 30 "$logs/ddbd.stderr" >&2
    return 1
}

echo "== ddbd benchmark: $("$ddbd" --version 2>&1 | head -n 1), $(nproc) cores, load average" \
    "$(cut -d' ' -f1-3 /proc/loadavg), data on $(stat -f -c %T "$work"), durable mode"
echo "   ${run_seconds}s per run, $items items; logs in $logs"
[ "$(stat -f -c %T "$work")" = tmpfs ] && echo "   WARNING: data on tmpfs, writes are not durable"

# 1f. Metrics: GetItem and PutItem at 16 connections on a server counting everything (the
# default: capacity accounting and /metrics counters) and on one started with --no-metrics,
# alternately, 3 rounds each, each with the same items; throughput and the server's CPU time
# per request.  BENCH_ONLY=metrics runs this section alone.  (Instructions per request, which a
# busy machine cannot blur: valgrind --tool=callgrind on both servers, see the README.)
metrics_section() {
    echo "== metrics: GetItem and PutItem at 16 connections, counting vs --no-metrics, 3 rounds"
    local m_items=$((items < 100000 ? items : 100000)) which round w r
    declare -gA met
    for which in on off; do
        local extra=()
        [ $which = off ] && extra=(--no-metrics)
        start_ddbd "$work/metrics-$which" "$logs/ddbd-metrics-$which.stderr" "${extra[@]}" ||
            die "the metrics ($which) server did not start"
        create_table bench
        run_items=$m_items wrk_run "metrics-load-$which" load 64 "$port" "$ddbd_pid" \
            -d $((30 + m_items / 1000))s >/dev/null || die "the metrics load failed"
        met[$which/port]=$port met[$which/pid]=$ddbd_pid
    done
    for round in 1 2 3; do
        for w in get put; do
            for which in on off; do
                run_items=$m_items wrk_run "metrics-$w-$which-$round" $w 16 "${met[$which/port]}" \
                    "${met[$which/pid]}" -d "${run_seconds}s" >/dev/null || metrics_failed=1
                r=${result[metrics-$w-$which-$round/16]:-}
                met[$w/$which/$round]=$(field "$r" ops_per_s)
                met[$w/$which/cpu/$round]=$(field "$r" server_cpu_us_per_op)
                [ "$(errors_of "$r")" = 0 ] || echo "bench: errors in metrics-$w-$which-$round: $r" >&2
            done
        done
    done
    for which in on off; do stop_server "${met[$which/pid]}"; done
    # Instructions per request (callgrind), which a busy machine cannot blur.
    if command -v valgrind >/dev/null; then
        for w in get put; do
            for which in on off; do
                local extra=()
                [ $which = off ] && extra=(--no-metrics)
                r=$(bench/callgrind_per_request.sh "$ddbd" $w "${extra[@]}" 2>>"$logs/callgrind.txt")
                met[$w/$which/ir]=$(field "$r" instructions_per_request)
            done
        done
    fi
    metrics_lines=()
    for w in get put; do
        local on off con coff
        on=$(median "${met[$w/on/1]}" "${met[$w/on/2]}" "${met[$w/on/3]}")
        off=$(median "${met[$w/off/1]}" "${met[$w/off/2]}" "${met[$w/off/3]}")
        con=$(median "${met[$w/on/cpu/1]}" "${met[$w/on/cpu/2]}" "${met[$w/on/cpu/3]}")
        coff=$(median "${met[$w/off/cpu/1]}" "${met[$w/off/cpu/2]}" "${met[$w/off/cpu/3]}")
        metrics_lines+=("$(awk -v w="$w" -v a="$on" -v b="$off" -v x="$con" -v y="$coff" \
            -v i="${met[$w/on/ir]:-0}" -v j="${met[$w/off/ir]:-0}" \
            'BEGIN {printf "RESULT workload=metrics-%s on_ops_per_s=%d off_ops_per_s=%d" \
            " ratio=%.3f on_cpu_us_per_op=%.2f off_cpu_us_per_op=%.2f cpu_ratio=%.3f" \
            " on_instructions=%d off_instructions=%d instruction_ratio=%.3f",
            w, a, b, (b > 0 ? a / b : 0), x, y, (x > 0 ? y / x : 0), i, j, (i > 0 ? j / i : 0)}')")
        echo "${metrics_lines[-1]} (rounds: on ${met[$w/on/1]} ${met[$w/on/2]} ${met[$w/on/3]};" \
            "off ${met[$w/off/1]} ${met[$w/off/2]} ${met[$w/off/3]})"
    done
}
metrics_summary() {
    local l
    for l in "${metrics_lines[@]}"; do
        echo "metrics, $(field "$l" workload | cut -d- -f2) at 16 conns:" \
            "$(field "$l" on_ops_per_s) ops/s counting, $(field "$l" off_ops_per_s) with" \
            "--no-metrics: ratio $(field "$l" ratio) (goal >= 0.97); server CPU" \
            "$(field "$l" on_cpu_us_per_op) vs $(field "$l" off_cpu_us_per_op) us/request" \
            "(medians of 3 alternating runs); instructions per request (callgrind)" \
            "$(field "$l" on_instructions) vs $(field "$l" off_instructions):" \
            "ratio $(field "$l" instruction_ratio)"
    done
}

# 1g. Throttling: GetItem and PutItem at 16 connections on a server started with --throttling
# and on one without, alternately, 3 rounds each, on a provisioned table of 40,000 RCU and WCU
# (54 partitions) that the load never exhausts: what the token buckets cost when nothing is
# throttled.  Then instructions per request (callgrind, on its on-demand table).
throttling_section() {
    echo "== throttling: GetItem and PutItem at 16 connections, --throttling vs without, 3 rounds"
    local t_items=$((items < 100000 ? items : 100000)) which round w r
    declare -gA thr
    for which in on off; do
        local extra=()
        [ $which = on ] && extra=(--throttling)
        start_ddbd "$work/throttling-$which" "$logs/ddbd-throttling-$which.stderr" "${extra[@]}" ||
            die "the throttling ($which) server did not start"
        table_billing='"ProvisionedThroughput":{"ReadCapacityUnits":40000,"WriteCapacityUnits":40000}' \
            create_table bench
        run_items=$t_items wrk_run "throttling-load-$which" load 64 "$port" "$ddbd_pid" \
            -d $((30 + t_items / 1000))s >/dev/null || die "the throttling load failed"
        thr[$which/port]=$port thr[$which/pid]=$ddbd_pid
    done
    for round in 1 2 3; do
        for w in get put; do
            for which in on off; do
                run_items=$t_items wrk_run "throttling-$w-$which-$round" $w 16 \
                    "${thr[$which/port]}" "${thr[$which/pid]}" -d "${run_seconds}s" >/dev/null ||
                    throttling_failed=1
                r=${result[throttling-$w-$which-$round/16]:-}
                thr[$w/$which/$round]=$(field "$r" ops_per_s)
                thr[$w/$which/cpu/$round]=$(field "$r" server_cpu_us_per_op)
                [ "$(errors_of "$r")" = 0 ] ||
                    echo "bench: errors (throttled?) in throttling-$w-$which-$round: $r" >&2
            done
        done
    done
    for which in on off; do stop_server "${thr[$which/pid]}"; done
    if command -v valgrind >/dev/null; then
        for w in get put; do
            for which in on off; do
                local extra=()
                [ $which = on ] && extra=(--throttling)
                r=$(bench/callgrind_per_request.sh "$ddbd" $w "${extra[@]}" 2>>"$logs/callgrind.txt")
                thr[$w/$which/ir]=$(field "$r" instructions_per_request)
            done
        done
    fi
    throttling_lines=()
    for w in get put; do
        local on off con coff
        on=$(median "${thr[$w/on/1]}" "${thr[$w/on/2]}" "${thr[$w/on/3]}")
        off=$(median "${thr[$w/off/1]}" "${thr[$w/off/2]}" "${thr[$w/off/3]}")
        con=$(median "${thr[$w/on/cpu/1]}" "${thr[$w/on/cpu/2]}" "${thr[$w/on/cpu/3]}")
        coff=$(median "${thr[$w/off/cpu/1]}" "${thr[$w/off/cpu/2]}" "${thr[$w/off/cpu/3]}")
        throttling_lines+=("$(awk -v w="$w" -v a="$on" -v b="$off" -v x="$con" -v y="$coff" \
            -v i="${thr[$w/on/ir]:-0}" -v j="${thr[$w/off/ir]:-0}" \
            'BEGIN {printf "RESULT workload=throttling-%s on_ops_per_s=%d off_ops_per_s=%d" \
            " ratio=%.3f on_cpu_us_per_op=%.2f off_cpu_us_per_op=%.2f cpu_ratio=%.3f" \
            " on_instructions=%d off_instructions=%d instruction_ratio=%.3f",
            w, a, b, (b > 0 ? a / b : 0), x, y, (x > 0 ? y / x : 0), i, j, (i > 0 ? j / i : 0)}')")
        echo "${throttling_lines[-1]} (rounds: on ${thr[$w/on/1]} ${thr[$w/on/2]} ${thr[$w/on/3]};" \
            "off ${thr[$w/off/1]} ${thr[$w/off/2]} ${thr[$w/off/3]})"
    done
}
throttling_summary() {
    local l
    for l in "${throttling_lines[@]}"; do
        echo "throttling, $(field "$l" workload | cut -d- -f2) at 16 conns, capacity never" \
            "exceeded: $(field "$l" on_ops_per_s) ops/s with --throttling," \
            "$(field "$l" off_ops_per_s) without: ratio $(field "$l" ratio) (goal >= 0.95);" \
            "server CPU $(field "$l" on_cpu_us_per_op) vs $(field "$l" off_cpu_us_per_op)" \
            "us/request (medians of 3 alternating runs); instructions per request (callgrind)" \
            "$(field "$l" on_instructions) vs $(field "$l" off_instructions):" \
            "ratio $(field "$l" instruction_ratio)"
    done
}
# region_pair KEY [B's options...]: region A (us-east-1, its data on disk) with a replica of
# its table "bench" in region B (us-west-2, started with the options given), both local
# servers; sets rep[KEY/port] and rep[KEY/pid] (region A), rep[KEY/b/port] and rep[KEY/b/pid].
region_pair() {
    local key=$1 port_a i
    shift
    port_a=$(free_port)
    start_ddbd "$work/replication-$key-b" "$logs/ddbd-replication-$key-b.stderr" "$@" \
        --region us-west-2 --peer-region "us-east-1=http://127.0.0.1:$port_a" ||
        die "region B ($key) did not start"
    rep[$key/b/port]=$port rep[$key/b/pid]=$ddbd_pid
    # region A on the port B knows
    "$ddbd" --port "$port_a" --data-dir "$work/replication-$key-a" --region us-east-1 \
        --peer-region "us-west-2=http://127.0.0.1:${rep[$key/b/port]}" \
        2>>"$logs/ddbd-replication-$key-a.stderr" &
    ddbd_pid=$!
    running+=("$ddbd_pid")
    port=$port_a
    "$tools/probe" "$port" 10000 "$ddbd_pid" >/dev/null || die "region A ($key) did not start"
    rep[$key/port]=$port_a rep[$key/pid]=$ddbd_pid
    create_table bench
    ddb UpdateTable '{"TableName":"bench","ReplicaUpdates":[{"Create":{"RegionName":"us-west-2"}}]}' \
        >/dev/null || die "the replica ($key) could not be asked for"
    for ((i = 0; i < 600; i++)); do
        ddb DescribeTable '{"TableName":"bench"}' | grep -q '"ReplicaStatus":"ACTIVE"' && return 0
        sleep 0.1
    done
    die "the replica ($key) did not become ACTIVE"
}
# 1j. Global tables: region A (us-east-1) with a replica of its table in region B
# (us-west-2), both local servers.  Lag: bench/replication_lag.py writes at a bounded rate to A
# and times markers from their acknowledgement in A to their first sight in B, both regions'
# data on disk.  Throughput: PutItem at 16 connections, 5 rounds taking turns, on
#   replica: A's table with its replica in a region B that keeps its data in memory, standing
#     in for the other region's own machine: B's CPU still runs on these two cores, but its
#     writes do not go to this machine's disk (the goal's ratio, to "none");
#   shared disk: the same with B's data on this disk too: every change is then written to the
#     one disk twice, once by each region (the bytes per put are measured: disk_bytes);
#   none: a server without peers (a table without a stream);
#   stream only: that server's table with the stream a replica turns on, which shows how much
#     of a replica's cost is that stream's;
# then instructions per PutItem (callgrind) with a replica and without peers.
replication_section() {
    echo "== replication: lag between two local regions, PutItem with one replica vs none"
    local r_items=$((items < 100000 ? items : 100000)) rate=${BENCH_REPLICATION_RATE:-5000}
    local conns=${BENCH_REPLICATION_CONNS:-16}
    local round which r pair d0 d1
    declare -gA rep
    region_pair shared
    r=$("$PY" bench/replication_lag.py "${rep[shared/port]}" "${rep[shared/b/port]}" bench \
        "$rate" "$run_seconds")
    echo "$r"
    rep[lag]=$r
    region_pair replica --in-memory
    for pair in shared replica; do
        run_items=$r_items wrk_run "replication-load-$pair" load 64 "${rep[$pair/port]}" \
            "${rep[$pair/pid]}" -d $((30 + r_items / 1000))s >/dev/null ||
            die "the replication load ($pair) failed"
    done
    start_ddbd "$work/replication-solo" "$logs/ddbd-replication-solo.stderr" ||
        die "the server without peers did not start"
    rep[solo/port]=$port rep[solo/pid]=$ddbd_pid
    create_table bench
    run_items=$r_items wrk_run "replication-solo-load" load 64 "$port" "$ddbd_pid" \
        -d $((30 + r_items / 1000))s >/dev/null || die "the load without peers failed"
    # the same server's table with the stream a replica turns on (NEW_AND_OLD_IMAGES)
    create_table bench_stream \
        '"StreamSpecification":{"StreamEnabled":true,"StreamViewType":"NEW_AND_OLD_IMAGES"}'
    BENCH_TABLE=bench_stream run_items=$r_items wrk_run "replication-stream-load" load 64 \
        "$port" "$ddbd_pid" -d $((30 + r_items / 1000))s >/dev/null ||
        die "the load of the table with a stream failed"
    rep[stream/port]=$port rep[stream/pid]=$ddbd_pid
    for round in 1 2 3 4 5; do
        for which in replica shared solo stream; do
            [ $which = shared ] && d0=$(disk_bytes "${rep[shared/b/pid]}")
            BENCH_TABLE=$([ $which = stream ] && echo bench_stream || echo bench) \
                run_items=$r_items wrk_run "replication-put-$which-$round" put "$conns" \
                "${rep[$which/port]}" "${rep[$which/pid]}" -d "${run_seconds}s" >/dev/null ||
                replication_failed=1
            r=${result[replication-put-$which-$round/$conns]:-}
            rep[$which/$round]=$(field "$r" ops_per_s)
            rep[$which/cpu/$round]=$(field "$r" server_cpu_us_per_op)
            rep[$which/idle/$round]=$(field "$r" machine_idle_pct)
            rep[$which/disk/$round]=$(field "$r" server_disk_kb_per_op)
            # region B's bytes per put of A's while the shared-disk replica's table was written
            if [ $which = shared ]; then
                d1=$(disk_bytes "${rep[shared/b/pid]}")
                rep[peer/disk/$round]=$(awk -v d="$((d1 - d0))" -v n="$(field "$r" requests)" \
                    'BEGIN {printf "%.2f", (n > 0 ? d / 1024 / n : 0)}')
            fi
            [ "$(errors_of "$r")" = 0 ] || echo "bench: errors in replication-put-$which-$round: $r" >&2
        done
    done
    stop_server "${rep[solo/pid]}"
    stop_server "${rep[replica/pid]}"
    stop_server "${rep[replica/b/pid]}"
    stop_server "${rep[shared/pid]}"
    if command -v valgrind >/dev/null; then
        r=$(CALLGRIND_REPLICA=us-west-2 bench/callgrind_per_request.sh "$ddbd" put \
            --region us-east-1 --peer-region "us-west-2=http://127.0.0.1:${rep[shared/b/port]}" \
            2>>"$logs/callgrind.txt")
        rep[replica/ir]=$(field "$r" instructions_per_request)
        r=$(bench/callgrind_per_request.sh "$ddbd" put 2>>"$logs/callgrind.txt")
        rep[solo/ir]=$(field "$r" instructions_per_request)
    fi
    stop_server "${rep[shared/b/pid]}"
    local -A m
    local k
    for k in replica shared solo stream replica/cpu solo/cpu replica/idle solo/idle replica/disk \
        shared/disk solo/disk peer/disk; do
        m[$k]=$(median "${rep[$k/1]}" "${rep[$k/2]}" "${rep[$k/3]}" "${rep[$k/4]}" "${rep[$k/5]}")
    done
    replication_line=$(awk -v a="${m[replica]}" -v b="${m[solo]}" -v sh="${m[shared]}" \
        -v st="${m[stream]}" -v i="${rep[replica/ir]:-0}" -v j="${rep[solo/ir]:-0}" \
        -v gc="${m[replica/cpu]:-0}" -v sc="${m[solo/cpu]:-0}" -v gi="${m[replica/idle]:-0}" \
        -v si="${m[solo/idle]:-0}" -v gd="${m[replica/disk]:-0}" -v shd="${m[shared/disk]:-0}" \
        -v sd="${m[solo/disk]:-0}" -v pd="${m[peer/disk]:-0}" -v conns="$conns" \
        'BEGIN {printf "RESULT workload=replication-put conns=%d replica_ops_per_s=%d solo_ops_per_s=%d" \
        " ratio=%.3f shared_disk_ops_per_s=%d shared_disk_ratio=%.3f" \
        " replica_instructions=%d solo_instructions=%d instruction_ratio=%.3f" \
        " replica_cpu_us_per_put=%.2f solo_cpu_us_per_put=%.2f cpu_ratio=%.3f" \
        " stream_ops_per_s=%d stream_ratio=%.3f replica_over_stream=%.3f" \
        " replica_machine_idle_pct=%d solo_machine_idle_pct=%d" \
        " replica_disk_kb_per_put=%.2f shared_disk_kb_per_put=%.2f peer_disk_kb_per_put=%.2f" \
        " solo_disk_kb_per_put=%.2f",
        conns, a, b, (b > 0 ? a / b : 0), sh, (b > 0 ? sh / b : 0), i, j, (i > 0 ? j / i : 0),
        gc, sc, (gc > 0 ? sc / gc : 0), st, (b > 0 ? st / b : 0), (st > 0 ? a / st : 0), gi, si,
        gd, shd, pd, sd}')
    local w rounds=""
    for w in replica shared solo stream; do
        rounds+="${rounds:+; }$w ${rep[$w/1]} ${rep[$w/2]} ${rep[$w/3]} ${rep[$w/4]} ${rep[$w/5]}"
    done
    echo "$replication_line (rounds: $rounds)"
}
replication_summary() {
    local l=${rep[lag]} p=$replication_line
    echo "replication lag between two local regions at $(field "$l" rate) writes/s:" \
        "p50 $(field "$l" p50_ms) ms, p99 $(field "$l" p99_ms) ms, max $(field "$l" max_ms) ms" \
        "($(field "$l" samples) markers)"
    echo "PutItem at $(field "$p" conns) conns, table with one replica (region B's data in" \
        "memory, off this machine's disk) vs server without peers:" \
        "$(field "$p" replica_ops_per_s) vs $(field "$p" solo_ops_per_s) ops/s: ratio" \
        "$(field "$p" ratio) (goal >= 0.8; medians of 5 alternating runs); instructions per" \
        "PutItem (callgrind) $(field "$p" replica_instructions) vs $(field "$p" solo_instructions):" \
        "ratio $(field "$p" instruction_ratio); server CPU per PutItem" \
        "$(field "$p" replica_cpu_us_per_put) vs $(field "$p" solo_cpu_us_per_put) us: ratio" \
        "$(field "$p" cpu_ratio) (none / replica: the throughput ratio a CPU-bound server would reach);" \
        "machine idle meanwhile $(field "$p" replica_machine_idle_pct) % vs" \
        "$(field "$p" solo_machine_idle_pct) % (well above 0: bound by each write's wait for its flush)"
    echo "of which the stream a replica turns on: a table with that stream and no replica" \
        "$(field "$p" stream_ops_per_s) ops/s, ratio to none $(field "$p" stream_ratio);" \
        "replica over stream only $(field "$p" replica_over_stream)"
    echo "region B's data on this disk too: $(field "$p" shared_disk_ops_per_s) ops/s, ratio to" \
        "none $(field "$p" shared_disk_ratio); written to disk per put: region A" \
        "$(field "$p" shared_disk_kb_per_put) KiB + region B $(field "$p" peer_disk_kb_per_put) KiB" \
        "(A with B in memory $(field "$p" replica_disk_kb_per_put) KiB, none" \
        "$(field "$p" solo_disk_kb_per_put) KiB)"
}
replication_failed=0
if [ "${BENCH_ONLY:-}" = replication ]; then
    replication_section
    echo
    replication_summary
    exit "$replication_failed"
fi

# 1h. Cluster mode: durable PutItem at 64 connections on a three-node cluster (through its
# leader, and sent to a follower that forwards it) vs a single node, eventually consistent GetItem at 64 connections spread over the
# three nodes (three wrk runs at once, a third of the connections each) vs 64 on one node,
# 3 alternating rounds each on min(BENCH_ITEMS, 20000) items; then the failover time (leader
# killed -9 -> first acknowledged PutItem through a survivor) over BENCH_CLUSTER_KILLS kills
# (default 20), by bench/cluster_failover.py.  BENCH_ONLY=cluster runs this section alone.
cluster_leader_port() {
    local t i
    for ((t = 0; t < 500; t++)); do
        for i in 1 2 3; do
            curl -s --max-time 1 "http://127.0.0.1:${cl_api[$i]}/metrics" |
                grep -q '^ddbd_cluster_role{role="leader"} 1' && { cl_leader=$i; return 0; }
        done
        sleep 0.02
    done
    return 1
}
cluster_section() {
    local c_items=$((items < 20000 ? items : 20000)) i round which r members=""
    local kills=${BENCH_CLUSTER_KILLS:-20}
    echo "== cluster: PutItem and GetItem at 64 connections, 3 nodes vs 1, 3 rounds; failover" \
        "over $kills kills"
    declare -gA cl_api cl_pid cl
    start_ddbd "$work/cluster-single" "$logs/ddbd-cluster-single.stderr" ||
        die "the single node did not start"
    create_table bench
    run_items=$c_items wrk_run cluster-load-single load 64 "$port" "$ddbd_pid" \
        -d $((30 + c_items / 1000))s >/dev/null || die "the single node's load failed"
    cl[single/port]=$port cl[single/pid]=$ddbd_pid
    for i in 1 2 3; do members+="${members:+,}$i=127.0.0.1:$(free_port)"; done
    for i in 1 2 3; do
        start_ddbd "$work/cluster-node$i" "$logs/ddbd-cluster-$i.stderr" --node-id $i \
            --cluster "$members" || die "cluster node $i did not start"
        cl_api[$i]=$port cl_pid[$i]=$ddbd_pid
    done
    cluster_leader_port || die "the cluster elected no leader"
    port=${cl_api[$cl_leader]}
    create_table bench
    run_items=$c_items wrk_run cluster-load-3 load 64 "$port" "${cl_pid[$cl_leader]}" \
        -d $((30 + c_items / 1000))s >/dev/null || die "the cluster's load failed"
    for i in 1 2 3; do # every node has applied the load
        port=${cl_api[$i]}
        for ((r = 0; r < 600; r++)); do
            ddb DescribeTable '{"TableName":"bench"}' | grep -q "\"ItemCount\":$c_items[,}]" && break
            sleep 0.1
        done
    done
    for round in 1 2 3; do
        for which in single cluster follower; do
            local p=${cl[single/port]} pid=${cl[single/pid]} f
            if [ $which != single ]; then # the leader of the moment (an election may move it)
                cluster_leader_port || die "the cluster has no leader"
                f=$cl_leader
                [ $which = follower ] && f=$((cl_leader % 3 + 1)) # forwards to the leader
                p=${cl_api[$f]} pid=${cl_pid[$f]}
            fi
            run_items=$c_items wrk_run "cluster-put-$which-$round" put 64 "$p" "$pid" \
                -d "${run_seconds}s" >/dev/null || cluster_failed=1
            r=${result[cluster-put-$which-$round/64]:-}
            cl[put/$which/$round]=$(field "$r" ops_per_s)
            [ "$(errors_of "$r")" = 0 ] || echo "bench: errors in cluster-put-$which-$round: $r" >&2
        done
        run_items=$c_items wrk_run "cluster-get-single-$round" get 64 "${cl[single/port]}" \
            "${cl[single/pid]}" -d "${run_seconds}s" >/dev/null || cluster_failed=1
        cl[get/single/$round]=$(field "${result[cluster-get-single-$round/64]:-}" ops_per_s)
        local conns wpids=() sum=0
        for i in 1 2 3; do
            conns=$((i == 1 ? 22 : 21))
            BENCH_WORKLOAD=cluster-get-spread-$i BENCH_REQUEST=get BENCH_CONNS=$conns \
                BENCH_ITEMS=$c_items BENCH_LOAD_FROM=0 \
                timeout --foreground $((run_seconds + 60)) wrk -t 1 -c $conns --timeout 2s \
                --latency -s bench/workload.lua -d "${run_seconds}s" \
                "http://127.0.0.1:${cl_api[$i]}/" >"$logs/cluster-get-spread-$round-$i.txt" 2>&1 &
            wpids+=($!)
        done
        for i in "${wpids[@]}"; do wait "$i"; done
        for i in 1 2 3; do
            r=$(grep '^RESULT ' "$logs/cluster-get-spread-$round-$i.txt")
            [ -n "$r" ] || { cluster_failed=1; continue; }
            sum=$((sum + $(field "$r" ops_per_s | cut -d. -f1)))
            [ "$(errors_of "$r")" = 0 ] || echo "bench: errors in cluster-get-spread: $r" >&2
        done
        cl[get/cluster/$round]=$sum
    done
    stop_server "${cl[single/pid]}"
    for i in 1 2 3; do stop_server "${cl_pid[$i]}"; done
    mkdir -p "$work/cluster-failover"
    cl[failover]=$("$PY" bench/cluster_failover.py "$ddbd" "$work/cluster-failover" "$kills") ||
        cluster_failed=1
    cluster_lines=()
    local w a b
    for w in put get; do
        a=$(median "${cl[$w/cluster/1]}" "${cl[$w/cluster/2]}" "${cl[$w/cluster/3]}")
        b=$(median "${cl[$w/single/1]}" "${cl[$w/single/2]}" "${cl[$w/single/3]}")
        cluster_lines+=("$(awk -v w="$w" -v a="$a" -v b="$b" 'BEGIN {printf "RESULT " \
            "workload=cluster-%s cluster_ops_per_s=%d single_ops_per_s=%d ratio=%.3f",
            w, a, b, (b > 0 ? a / b : 0)}')")
        echo "${cluster_lines[-1]} (rounds: cluster ${cl[$w/cluster/1]} ${cl[$w/cluster/2]}" \
            "${cl[$w/cluster/3]}; single ${cl[$w/single/1]} ${cl[$w/single/2]} ${cl[$w/single/3]})"
    done
    a=$(median "${cl[put/follower/1]}" "${cl[put/follower/2]}" "${cl[put/follower/3]}")
    b=$(median "${cl[put/cluster/1]}" "${cl[put/cluster/2]}" "${cl[put/cluster/3]}")
    cluster_lines+=("$(awk -v a="$a" -v b="$b" 'BEGIN {printf "RESULT " \
        "workload=cluster-put-follower follower_ops_per_s=%d leader_ops_per_s=%d ratio=%.3f",
        a, b, (b > 0 ? a / b : 0)}')")
    echo "${cluster_lines[-1]} (rounds: follower ${cl[put/follower/1]} ${cl[put/follower/2]}" \
        "${cl[put/follower/3]}; load $(cut -d' ' -f1-3 /proc/loadavg))"
    echo "${cl[failover]}"
}
cluster_summary() {
    local l=${cluster_lines[0]:-} g=${cluster_lines[1]:-} f=${cl[failover]:-}
    echo "cluster, durable PutItem at 64 conns: $(field "$l" cluster_ops_per_s) ops/s on 3 nodes" \
        "(through the leader), $(field "$l" single_ops_per_s) on one: ratio $(field "$l" ratio)" \
        "(goal >= 0.6)"
    echo "cluster, eventually consistent GetItem at 64 conns: $(field "$g" cluster_ops_per_s)" \
        "ops/s spread over 3 nodes, $(field "$g" single_ops_per_s) on one: ratio" \
        "$(field "$g" ratio) (all on this machine's cores)"
    local fl=${cluster_lines[2]:-}
    echo "cluster, durable PutItem at 64 conns sent to a follower (forwarded):" \
        "$(field "$fl" follower_ops_per_s) ops/s, through the leader" \
        "$(field "$fl" leader_ops_per_s): ratio $(field "$fl" ratio) (goal >= 0.6)"
    echo "cluster, failover (leader killed -> first acknowledged write) over" \
        "$(field "$f" kills) kills: median $(field "$f" median_ms) ms, max $(field "$f" max_ms) ms" \
        "(goal: median < 2000)"
}
cluster_failed=0
if [ "${BENCH_ONLY:-}" = cluster ]; then
    cluster_section
    echo
    cluster_summary
    exit "$cluster_failed"
fi

# tls_rounds NAME WORKLOAD: GetItem at 16 connections over HTTP and HTTPS on the TLS server
# (port, tls_port, ddbd_pid), alternately, 3 rounds each; sets tls_result to a RESULT line of
# the medians: throughput, its ratio, the server's and wrk's CPU time per request, and the
# ratio of the server's CPU time per request (HTTP / HTTPS: what the server alone would do).
tls_rounds() {
    local name=$1 round w
    declare -A tls_ops=()
    for round in 1 2 3; do
        run_items=$tls_items wrk_run "get-http-$name-$round" get 16 "$port" "$ddbd_pid" \
            -d "${run_seconds}s" >/dev/null || echo "bench: GetItem over HTTP failed" >&2
        scheme=https run_items=$tls_items wrk_run "get-https-$name-$round" get 16 "$tls_port" \
            "$ddbd_pid" -d "${run_seconds}s" >/dev/null || echo "bench: GetItem over HTTPS failed" >&2
        for w in http https; do
            tls_ops[$w]+=" $(field "${result[get-$w-$name-$round/16]:-}" ops_per_s)"
            tls_ops[$w/cpu]+=" $(field "${result[get-$w-$name-$round/16]:-}" server_cpu_us_per_op)"
            tls_ops[$w/wrk]+=" $(field "${result[get-$w-$name-$round/16]:-}" client_cpu_us_per_op)"
        done
    done
    # shellcheck disable=SC2086 # the lists are words on purpose
    tls_result=$(awk -v a="$(median ${tls_ops[https]})" -v b="$(median ${tls_ops[http]})" \
        -v x="$(median ${tls_ops[https/cpu]})" -v y="$(median ${tls_ops[http/cpu]})" \
        -v u="$(median ${tls_ops[https/wrk]})" -v v="$(median ${tls_ops[http/wrk]})" \
        -v name="$2" \
        'BEGIN {printf "RESULT workload=%s https_ops_per_s=%d http_ops_per_s=%d" \
        " ratio=%.3f https_cpu_us_per_op=%.2f http_cpu_us_per_op=%.2f cpu_ratio=%.3f" \
        " https_client_cpu_us_per_op=%.2f http_client_cpu_us_per_op=%.2f", name, a, b,
        (b > 0 ? a / b : 0), x, y, (x > 0 ? y / x : 0), u, v}')
    echo "$tls_result (rounds: https${tls_ops[https]}; http${tls_ops[http]};" \
        "server us/op https${tls_ops[https/cpu]}; http${tls_ops[http/cpu]})"
}

# 1c. HTTPS against HTTP: GetItem at 16 connections with keep-alive, on one server with a TLS
# port beside its plain one, alternately, three rounds each: first with server and wrk sharing
# both cores (as every other section runs), then with the server pinned to CPU 0 and wrk to
# CPU 1 (tls_rounds).  BENCH_ONLY=tls runs this section alone.
tls_section() {
    tls_items=$((items < 100000 ? items : 100000))
    echo "== HTTPS vs HTTP: GetItem at 16 connections, keep-alive, 3 rounds each, shared cores" \
        "then server on CPU 0 and wrk on CPU 1"
    mkdir -p "$work/tls"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
        -subj /CN=localhost -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
        -keyout "$work/tls/key.pem" -out "$work/tls/cert.pem" >"$logs/tls-cert.txt" 2>&1 ||
        die "cannot make a certificate: $(cat "$logs/tls-cert.txt")"
    tls_port=$(free_port)
    start_ddbd "$work/tls-data" "$logs/ddbd-tls.stderr" --tls-cert "$work/tls/cert.pem" \
        --tls-key "$work/tls/key.pem" --tls-port "$tls_port" || die "the TLS server did not start"
    create_table bench
    run_items=$tls_items wrk_run tls-load load 64 "$port" "$ddbd_pid" \
        -d $((30 + tls_items / 1000))s >/dev/null || die "the load of the TLS server failed"
    tls_rounds shared tls-vs-plain
    tls_line=$tls_result
    # The server on CPU 0 (all its threads), wrk on CPU 1: neither takes the other's core, so
    # the ratio is the server's (unless wrk saturates its core: then cpu_ratio, from the
    # server's CPU time per request, is).  The goal reads this line.
    if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null &&
        taskset -a -p -c 0 "$ddbd_pid" >/dev/null; then
        wrk_cpu=1 tls_rounds pinned tls-vs-plain-pinned
        tls_pinned_line=$tls_result
    fi
    stop_server "$ddbd_pid"
}
tls_summary() {
    [ -n "${tls_line:-}" ] && echo "HTTPS vs HTTP, GetItem at 16 conns with keep-alive:" \
        "$(field "$tls_line" https_ops_per_s) vs $(field "$tls_line" http_ops_per_s) ops/s, ratio" \
        "$(field "$tls_line" ratio) (server CPU per op" \
        "$(field "$tls_line" https_cpu_us_per_op) vs $(field "$tls_line" http_cpu_us_per_op) us," \
        "wrk's $(field "$tls_line" https_client_cpu_us_per_op) vs" \
        "$(field "$tls_line" http_client_cpu_us_per_op) us on the same cores;" \
        "medians of 3 alternating runs)"
    [ -n "${tls_pinned_line:-}" ] && echo "  pinned (server CPU 0, wrk CPU 1):" \
        "$(field "$tls_pinned_line" https_ops_per_s) vs $(field "$tls_pinned_line" http_ops_per_s)" \
        "ops/s, ratio $(field "$tls_pinned_line" ratio) (goal >= 0.8); server CPU per op" \
        "$(field "$tls_pinned_line" https_cpu_us_per_op) vs" \
        "$(field "$tls_pinned_line" http_cpu_us_per_op) us, ratio $(field "$tls_pinned_line" cpu_ratio);" \
        "wrk's $(field "$tls_pinned_line" https_client_cpu_us_per_op) vs" \
        "$(field "$tls_pinned_line" http_client_cpu_us_per_op) us"
}
if [ "${BENCH_ONLY:-}" = tls ]; then
    tls_section
    echo
    tls_summary
    exit 0
fi

# 3c. Size: start-up time (spawn to the first answered request) and resident memory after start
# on an empty data directory and on one of BENCH_LARGE_ITEMS items (generated here as fast as
# the server takes them: BatchWriteItem of 25 at 64 connections), the second with the data
# file's pages warm and then dropped from the page cache (cold); and GetItem / PutItem / Query
# p50 and p99 at 16 connections at 10^4, 10^6 and BENCH_LARGE_ITEMS items (sizes above it
# skipped): each size on a server and data directory of its own (query-table layout, no index),
# the sizes taking turns for BENCH_SCALE_ROUNDS rounds (default 5), medians printed with the
# spread of the rounds' p99.
# The latency runs have the server on CPU 0 and wrk on CPU 1 (BENCH_SCALE_PIN=0: both on the
# shared cores), each with one thread.  A p99 of 1-3 ms at a p50 of 0.1 ms is time a runnable
# thread spends waiting for a core: with four busy threads (two of wrk, two I/O threads) on two
# cores, or two of either on one core, each waits out the other's time slice now and then
# (perf sched; the server's I/O threads never block on a lock or fault a page during GetItem,
# and its own time per request, from /metrics, is over 1 ms for under 2 in 1000 even at a load
# average of 12).  wrk weighs such stalls heavily: its percentiles are corrected for
# coordinated omission, a request that took D adding D / (connections / throughput) samples
# (about 20 per 3 ms at 100,000/s), so a few stalls a second make the p99, and it swings 2-3x
# between rounds.  One busy thread per core leaves the server's own.
# The servers load with their default threads on both cores, then restart (on the same data
# directory, in milliseconds whatever its size) pinned with one I/O thread; a GetItem run
# that is not counted maps the data file's pages in the new process before the rounds.
# Start-up is measured over BENCH_START_RUNS restarts (default 7) per condition: median and
# range of the time, medians of the page faults, disk reads and memory at the first answer.
# BENCH_ONLY=size runs this section alone.
large_items=${BENCH_LARGE_ITEMS:-10000000}
# Each workload runs twice per round: flat out (16 connections each sending its next request
# as soon as the answer arrives: ops/s is the server's capacity at that size, and the
# latencies are mostly the wait behind the other 15 connections, so they grow as the capacity
# falls) and paced (the same 16 connections, each pausing after every answer: BENCH_PACED_MS,
# default 1 ms, for reads, BENCH_PACED_PUT_MS, default 4 ms, for PutItem; about 14,000 reads/s
# and 3,500 puts/s, a load every size carries, so the latencies are those of a request, not of
# a queue).  The goal's p99_x is the paced one; the flat-out rows show the capacity per size.
scale_workloads="get-q put-q query get-q-paced put-q-paced query-paced"
scale_delay_ms() {
    case $1 in
    put-q-paced) echo "${BENCH_PACED_PUT_MS:-4}" ;;
    *-paced) echo "${BENCH_PACED_MS:-1}" ;;
    esac
}
scale_seconds=${BENCH_SCALE_SECONDS:-$((run_seconds < 5 ? run_seconds : 5))}
declare -A scale scale_srv
# startup_series LABEL DIR [cold]: stop the scale server, then start_size_runs restarts on DIR
# (cold: the data file dropped from the page cache before each); keeps the median and the
# range of the time to the first answered request, the medians of the page faults, bytes read
# from disk, resident memory and CPU time at that moment (cpu_us: the time the server's threads
# ran, summed; runq_wait_us: the time they waited for a core, summed, which is most of the
# start-up time on a loaded machine), the memory 0.2 s after the last start, and a RESULT line.
# One restart is one sample of a noisy machine; the counts are not noisy.
start_size_runs=${BENCH_START_RUNS:-7}
startup_series() {
    local label=$1 dir=$2 cold=${3:-} i times=() maj=() minf=() rd=() rss=() cpu=() wt=() n=0
    local a b c d e f
    [ "$label" = empty ] || n=$large_items
    for ((i = 1; i <= start_size_runs; i++)); do
        stop_server "$ddbd_pid"
        if [ -n "$cold" ]; then
            "$PY" -c 'import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)' "$dir/data.mdb" || return 1
        fi
        start_ddbd "$dir" "$logs/ddbd-scale.stderr" || return 1
        read -r a b c d e f <<<"$start_counts"
        times+=("$start_us") maj+=("$a") minf+=("$b") rd+=("$c") rss+=("$d") cpu+=("$e") wt+=("$f")
    done
    # shellcheck disable=SC2086 # the lists are words on purpose
    scale[$label/start]=$(printf '%s\n' "${times[@]}" | sort -n | awk '{v[NR] = $1}
        END {printf "%.1f ms (%.1f-%.1f over %d restarts)", v[int((NR + 1) / 2)] / 1000,
             v[1] / 1000, v[NR] / 1000, NR}')
    scale[$label/counts]="majflt $(median "${maj[@]}"), minflt $(median "${minf[@]}"),"
    scale[$label/counts]+=" read $(($(median "${rd[@]}") / 1024)) KiB from disk,"
    scale[$label/counts]+=" RSS $(($(median "${rss[@]}") / 1024)) MiB at the answer;"
    scale[$label/counts]+=" threads ran $(median "${cpu[@]}") us, waited for a core"
    scale[$label/counts]+=" $(median "${wt[@]}") us (summed)"
    scale[$label/result]=$(printf '%s\n' "${times[@]}" | sort -n | awk -v l="$label" -v n="$n" \
        -v maj="$(median "${maj[@]}")" -v minf="$(median "${minf[@]}")" \
        -v rd="$(median "${rd[@]}")" -v rss="$(median "${rss[@]}")" -v cpu="$(median "${cpu[@]}")" \
        -v wt="$(median "${wt[@]}")" -v load="$(cut -d' ' -f1 /proc/loadavg)" \
        '{v[NR] = $1; all = all sprintf("%s%.1f", NR > 1 ? " " : "", $1 / 1000)}
         END {printf "RESULT workload=startup-size condition=%s items=%d runs=%d" \
              " median_ms=%.1f min_ms=%.1f max_ms=%.1f majflt=%d minflt=%d read_kib=%d rss_kib=%d" \
              " cpu_us=%d runq_wait_us=%d loadavg=%s all_ms=\"%s\"", l, n, NR,
              v[int((NR + 1) / 2)] / 1000, v[1] / 1000, v[NR] / 1000, maj, minf, rd / 1024, rss,
              cpu, wt, load, all}')
    echo "${scale[$label/result]}"
    sleep 0.2
    scale[$label/rss]=$(memory "$ddbd_pid")
}
# startup_warm_cold DIR WHAT: the start-up series on DIR (holding WHAT) with a warm and a cold
# page cache, then the item count the server reports (scale[data], scale[count]).
startup_warm_cold() {
    scale[data]=$(du -h "$1/data.mdb" | cut -f1)
    echo "== size: start-up and memory on $2 (${scale[data]}), warm cache"
    startup_series warm "$1" || return 1
    echo "== size: the same with the data file dropped from the page cache (cold)"
    startup_series cold "$1" cold || return 1
    ddb DescribeTable '{"TableName":"benchq"}' | grep -o '"ItemCount":[0-9]*' >"$work/count"
    scale[count]=$(cut -d: -f2 "$work/count")
}
scale_section() {
    main_pid=${ddbd_pid:-} main_port=${port:-}
    echo "== size: start-up and memory on an empty data directory"
    start_ddbd "$work/scale" "$logs/ddbd-scale.stderr" || die "the scale server did not start"
    startup_series empty "$work/scale" || failed=1
    scale_sizes=()
    for size in 10000 1000000 "$large_items"; do
        [ "$size" -le "$large_items" ] || continue
        [ ${#scale_sizes[@]} -gt 0 ] && [ "$size" -le "${scale_sizes[-1]}" ] && continue
        scale_sizes+=("$size")
    done
    # Each size its own server and data directory, the largest on the one just measured
    # empty, so that the sizes can take turns: a machine whose load drifts then blurs each
    # size alike, not the one that happened to run last.
    large_port=$port large_pid=$ddbd_pid
    for size in "${scale_sizes[@]}"; do
        [ $failed = 0 ] || break
        if [ "$size" = "${scale_sizes[-1]}" ]; then
            port=$large_port ddbd_pid=$large_pid
        else
            start_ddbd "$work/scale-$size" "$logs/ddbd-scale.stderr" || { failed=1; break; }
        fi
        scale_srv[$size/port]=$port scale_srv[$size/pid]=$ddbd_pid
        ddb CreateTable '{"TableName":"benchq","BillingMode":"PAY_PER_REQUEST",
          "AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},
            {"AttributeName":"sk","AttributeType":"N"}],
          "KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}]
          }' >/dev/null || die "CreateTable benchq (scale) failed: $(cat "$work/body")"
        echo "== size: load $size items (BatchWriteItem of 25, 64 connections)"
        t0=${EPOCHREALTIME/./}
        run_items=$size wrk_run "load-scale-$size" load-qb 64 "$port" "$ddbd_pid" \
            -d $((120 + size / 2000))s >/dev/null || { failed=1; break; }
        scale[$size/load_s]=$(awk -v a="$t0" -v b="${EPOCHREALTIME/./}" -v n="$size" \
            'BEGIN {printf "%.1f s, %.0f items/s", (b - a) / 1e6, n * 1e6 / (b - a)}')
    done
    scale_rounds=${BENCH_SCALE_ROUNDS:-5}
    scale_pinned='' scale_cores="shared cores"
    if [ "${BENCH_SCALE_PIN:-1}" != 0 ] && [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null
    then
        scale_pinned=1 scale_cores="server on CPU 0, wrk on CPU 1, one thread each"
        for size in "${scale_sizes[@]}"; do
            [ $failed = 0 ] || break
            dir=$work/scale-$size
            [ "$size" = "${scale_sizes[-1]}" ] && dir=$work/scale
            stop_server "${scale_srv[$size/pid]}"
            ddbd_cpu=0 start_ddbd "$dir" "$logs/ddbd-scale.stderr" --threads 1 || { failed=1; break; }
            scale_srv[$size/port]=$port scale_srv[$size/pid]=$ddbd_pid
            wrk_cpu=1 wrk_threads=1 run_items=$size wrk_run "scale-warm@$size" get-q 16 "$port" \
                "$ddbd_pid" -d 2s >/dev/null || failed=1
        done
        large_port=${scale_srv[${scale_sizes[-1]}/port]} large_pid=${scale_srv[${scale_sizes[-1]}/pid]}
    fi
    for ((round = 1; round <= scale_rounds && failed == 0; round++)); do
        echo "== size: round $round of $scale_rounds: GetItem, PutItem, Query at each size" \
            "($scale_cores)"
        for size in "${scale_sizes[@]}"; do
            port=${scale_srv[$size/port]} ddbd_pid=${scale_srv[$size/pid]}
            for w in $scale_workloads; do
                BENCH_DELAY_MS=$(scale_delay_ms "$w") wrk_cpu=${scale_pinned:+1} \
                    wrk_threads=${scale_pinned:+1} run_items=$size \
                    wrk_run "scale-$w@$size-$round" "${w%-paced}" 16 "$port" "$ddbd_pid" \
                    -d "${scale_seconds}s" >/dev/null || failed=1
                r=${result[scale-$w@$size-$round/16]:-}
                for f in ops_per_s p50_us p99_us server_cpu_us_per_op; do
                    scale[$w/$size/$f]+=" $(field "$r" $f)"
                done
                scale[$w/$size/errors]=$((${scale[$w/$size/errors]:-0} + $(errors_of "$r")))
            done
            ddbd_alive "the size workloads at $size items" || { failed=1; break; }
        done
    done
    for size in "${scale_sizes[@]}"; do
        for w in $scale_workloads; do
            [ -n "${scale[$w/$size/p99_us]:-}" ] || continue
            # shellcheck disable=SC2086 # the lists are words on purpose
            scale[$w/$size]="ops_per_s=$(median ${scale[$w/$size/ops_per_s]})"
            scale[$w/$size]+=" p50_us=$(median ${scale[$w/$size/p50_us]})"
            scale[$w/$size]+=" p99_us=$(median ${scale[$w/$size/p99_us]})"
            scale[$w/$size]+=" p99_min_us=$(printf '%s\n' ${scale[$w/$size/p99_us]} | sort -n | head -n 1)"
            scale[$w/$size]+=" p99_max_us=$(printf '%s\n' ${scale[$w/$size/p99_us]} | sort -n | tail -n 1)"
            scale[$w/$size]+=" server_cpu_us_per_op=$(median ${scale[$w/$size/server_cpu_us_per_op]})"
            scale[$w/$size]+=" errors=${scale[$w/$size/errors]}"
            echo "RESULT workload=scale-$w items=$size ${scale[$w/$size]}" \
                "(p99 rounds:${scale[$w/$size/p99_us]})"
        done
        [ "$size" = "${scale_sizes[-1]}" ] && continue
        kill -0 "${scale_srv[$size/pid]}" 2>/dev/null && stop_server "${scale_srv[$size/pid]}"
        rm -rf "$work/scale-$size"
    done
    port=$large_port ddbd_pid=$large_pid
    if [ $failed = 0 ]; then
        startup_warm_cold "$work/scale" "$large_items items" || failed=1
    fi
    kill -0 "$ddbd_pid" 2>/dev/null && stop_server "$ddbd_pid"
    rm -rf "$work/scale"
    ddbd_pid=$main_pid port=$main_port
}
scale_summary() {
    [ -n "${scale[empty/start]:-}" ] || return 0
    echo
    echo "size (query-table layout, 16 connections): start-up to the first answer and memory"
    echo "  (median and range of the restarts; counts: medians at the first answer)"
    echo "  empty data directory: ${scale[empty/start]}; ${scale[empty/rss]}"
    echo "    ${scale[empty/counts]}"
    [ -n "${scale[warm/start]:-}" ] && echo "  $large_items items (${scale[data]}), warm:" \
        "${scale[warm/start]}; ${scale[warm/rss]}" && echo "    ${scale[warm/counts]}"
    [ -n "${scale[cold/start]:-}" ] && echo "  $large_items items, cold page cache:" \
        "${scale[cold/start]}; ${scale[cold/rss]}; ItemCount then ${scale[count]:-?}" &&
        echo "    ${scale[cold/counts]}"
    [ ${#scale_sizes[@]} -gt 0 ] || return 0
    echo "  medians of $scale_rounds rounds taking turns between the sizes ($scale_cores);" \
        "p99_x: p99 over the smallest size's (goal <= 1.5 at the largest, paced); p99_range: the" \
        "rounds' lowest and highest p99"
    printf '%-12s %10s %9s %8s %8s %13s %9s %7s %7s   %s\n' workload items ops/s p50_ms p99_ms \
        p99_range_ms cpu_us/op p99_x errors load
    for w in $scale_workloads; do
        for size in "${scale_sizes[@]}"; do
            r=${scale[$w/$size]:-}
            if [ -z "$r" ]; then
                printf '%-12s %10s %9s\n' "$w" "$size" "not run"
                continue
            fi
            base=$(field "${scale[$w/${scale_sizes[0]}]:-}" p99_us)
            ratio=$(awk -v a="$(field "$r" p99_us)" -v b="${base:-0}" \
                'BEGIN {print (b > 0 ? a / b : 0)}')
            printf '%-12s %10s %9s %8.3f %8.3f %13s %9s %7.2f %7s   %s\n' "$w" "$size" \
                "$(field "$r" ops_per_s)" "$(field "$r" p50_us)e-3" "$(field "$r" p99_us)e-3" \
                "$(awk -v a="$(field "$r" p99_min_us)" -v b="$(field "$r" p99_max_us)" \
                    'BEGIN {printf "%.3f-%.3f", a / 1000, b / 1000}')" \
                "$(field "$r" server_cpu_us_per_op)" "$ratio" \
                "$(field "$r" errors)" "$([ $w = get-q ] && echo "${scale[$size/load_s]:-}")"
        done
    done
}
# BENCH_ONLY=startup BENCH_STARTUP_DIR=DIR: only the start-up series of the size section, on
# an empty data directory and on DIR (one made before, with BENCH_LARGE_ITEMS items in the
# table "benchq"; it is restarted on, warm and cold, and not written to by any request).
if [ "${BENCH_ONLY:-}" = startup ]; then
    [ -f "${BENCH_STARTUP_DIR:-}/data.mdb" ] || die "BENCH_STARTUP_DIR must hold a data.mdb"
    failed=0 scale_sizes=() scale_rounds=0
    echo "== size: start-up and memory on an empty data directory"
    start_ddbd "$work/scale" "$logs/ddbd-scale.stderr" || die "the scale server did not start"
    startup_series empty "$work/scale" || failed=1
    startup_warm_cold "$BENCH_STARTUP_DIR" "$BENCH_STARTUP_DIR" || failed=1
    stop_server "$ddbd_pid"
    echo
    scale_summary
    exit "$failed"
fi
if [ "${BENCH_ONLY:-}" = size ]; then
    failed=0
    scale_section
    echo
    scale_summary
    exit "$failed"
fi

throttling_failed=0
if [ "${BENCH_ONLY:-}" = throttling ]; then
    throttling_section
    echo
    throttling_summary
    exit "$throttling_failed"
fi

metrics_failed=0
if [ "${BENCH_ONLY:-}" = metrics ]; then
    metrics_section
    echo
    metrics_summary
    exit "$metrics_failed"
fi

# 3c. Point-in-time recovery, backups, exports and imports (pitr_section, on the server under
# test once the table "bench" is loaded); BENCH_ONLY=pitr runs only this, on a server of its
# own with "bench" loaded first (for the GetItem runs).
pitr_section() {
    # Point-in-time restore: PITR enabled on an empty table (its base is empty), then
    # BENCH_PITR_CHANGES items written: the restore to the latest time replays every one.
    pitr_changes=${BENCH_PITR_CHANGES:-1000000}
    create_table benchpitr
    ddb UpdateContinuousBackups '{"TableName":"benchpitr",
      "PointInTimeRecoverySpecification":{"PointInTimeRecoveryEnabled":true}}' >/dev/null ||
        die "UpdateContinuousBackups failed: $(cat "$work/body")"
    echo "== PITR table: $pitr_changes changes logged (load, 64 connections)"
    BENCH_TABLE=benchpitr run_items=$pitr_changes \
        wrk_run load-pitr load 64 "$port" "$ddbd_pid" -d $((60 + pitr_changes / 1000))s ||
        failed=1
    echo "== RestoreTableToPointInTime (latest): base + $pitr_changes changes replayed"
    pitr_line=$("$PY" bench/pitr_restore.py "$port" benchpitr $((120 + pitr_changes / 2000))) ||
        failed=1
    echo "$pitr_line"
    ddbd_alive "the point-in-time restore" || failed=1

    # Backups, exports and imports of that table (BENCH_PITR_CHANGES items): a backup and a
    # restore from it, an export and an import of its data files (seconds, items/s); then
    # GetItem at 16 connections without, and with backups of it taken one after the other
    # (p99 ratio).  BENCH_BACKUP=0 skips this.
    if [ "${BENCH_BACKUP:-1}" != 0 ]; then
        limit=$((300 + pitr_changes / 1000))
        echo "== CreateBackup and RestoreTableFromBackup of benchpitr ($pitr_changes items)"
        "$PY" bench/backup_export.py backup-restore "$port" benchpitr "$limit" || failed=1
        echo "== ExportTableToPointInTime and ImportTable of benchpitr ($pitr_changes items)"
        "$PY" bench/backup_export.py export-import "$port" benchpitr "$limit" || failed=1
        echo "== GetItem at 16 connections without, then during backups of benchpitr"
        wrk_run get-nobackup get 16 "$port" "$ddbd_pid" -d "${run_seconds}s" || failed=1
        "$PY" bench/backup_export.py backup-loop "$port" benchpitr "$run_seconds" \
            >"$logs/backup-loop.txt" &
        loop_pid=$!
        wrk_run get-backup get 16 "$port" "$ddbd_pid" -d "${run_seconds}s" || failed=1
        wait "$loop_pid" || failed=1
        grep '^RESULT' "$logs/backup-loop.txt"
        quiet_p99=$(field "${result[get-nobackup/16]:-}" p99_us)
        busy_p99=$(field "${result[get-backup/16]:-}" p99_us)
        awk -v a="${busy_p99:-0}" -v b="${quiet_p99:-0}" 'BEGIN { printf "RESULT workload=get-p99-during-backup p99_us=%d quiet_p99_us=%d ratio=%.2f\n", a, b, (b > 0 ? a / b : 0) }'
        ddbd_alive "the backups, exports and imports" || failed=1
    fi
}

if [ "${BENCH_ONLY:-}" = pitr ]; then
    start_ddbd "$work/data" "$logs/ddbd.stderr" --pitr-lag 0 ||
        die "ddbd did not start; its stderr: $(tail -n 20 "$logs/ddbd.stderr")"
    create_table bench
    echo "== load: $items items (for the GetItem runs), 64 connections"
    wrk_run load load 64 "$port" "$ddbd_pid" -d $((30 + items / 1000))s || die "the load did not run"
    failed=0
    pitr_section
    exit "$failed"
fi

# 1. Start-up time.
echo "== start-up: spawn to first answered GET /, $start_runs runs"
starts=()
for ((i = 1; i <= start_runs; i++)); do
    start_ddbd "$work/start$i" "$logs/ddbd-startup.stderr" ||
        die "ddbd did not start (no answer to GET / within 10 s, or it exited); its stderr:" \
            "$(tail -n 20 "$logs/ddbd-startup.stderr")"
    starts+=("$start_us")
    stop_server "$ddbd_pid"
    [ "$stop_rc" = 0 ] || echo "bench: ddbd exited with status $stop_rc after SIGTERM" >&2
done
start_list=$(printf '%s\n' "${starts[@]}" | sort -n | awk '{printf "%.1f ", $1/1000}')
start_median=$(printf '%s\n' "${starts[@]}" | sort -n |
    awk '{v[NR] = $1} END {printf "%.1f", v[int((NR + 1) / 2)] / 1000}')
echo "RESULT workload=startup runs=$start_runs median_ms=$start_median all_ms=\"${start_list% }\""

# 1b. Side by side with another build: GetItem at 16 connections, alternately, each server on
# its own data directory loaded with the same items.
baseline=${BENCH_BASELINE:-}
if [ -z "$baseline" ] && [ -n "${BENCH_BASELINE_REF:-}" ]; then
    echo "== building the baseline from ${BENCH_BASELINE_REF}"
    mkdir -p "$work/baseline-src"
    if git archive "$BENCH_BASELINE_REF" | tar -x -C "$work/baseline-src" &&
        make -C "$work/baseline-src" build/ddbd >"$logs/baseline-build.txt" 2>&1; then
        baseline=$work/baseline-src/build/ddbd
    else
        echo "bench: cannot build $BENCH_BASELINE_REF (see $logs/baseline-build.txt)" >&2
    fi
fi
declare -A side
if [ -n "$baseline" ]; then
    side_items=$((items < 100000 ? items : 100000))
    echo "== side by side: GetItem at 16 connections, this build vs $baseline, 3 rounds each"
    for which in this baseline; do
        bin=$ddbd
        [ $which = baseline ] && bin=$baseline
        ddbd=$bin start_ddbd "$work/side-$which" "$logs/ddbd-$which.stderr" ||
            die "the $which server did not start"
        side[$which/port]=$port side[$which/pid]=$ddbd_pid
        create_table bench
        run_items=$side_items wrk_run "side-load-$which" load 64 "$port" "$ddbd_pid" \
            -d $((30 + side_items / 1000))s >/dev/null || die "the side-by-side load failed"
    done
    for round in 1 2 3; do
        for which in this baseline; do
            run_items=$side_items wrk_run "side-get-$which-$round" get 16 "${side[$which/port]}" \
                "${side[$which/pid]}" -d "${run_seconds}s" >/dev/null || failed_side=1
            side[$which/$round]=$(field "${result[side-get-$which-$round/16]:-}" ops_per_s)
        done
    done
    for which in this baseline; do stop_server "${side[$which/pid]}"; done
    this_med=$(median "${side[this/1]}" "${side[this/2]}" "${side[this/3]}")
    base_med=$(median "${side[baseline/1]}" "${side[baseline/2]}" "${side[baseline/3]}")
    side_line=$(awk -v a="$this_med" -v b="$base_med" 'BEGIN {printf \
        "RESULT workload=side-by-side this_ops_per_s=%d baseline_ops_per_s=%d ratio=%.3f", a, b,
        (b > 0 ? a / b : 0)}')
    echo "$side_line (rounds: this ${side[this/1]} ${side[this/2]} ${side[this/3]};" \
        "baseline ${side[baseline/1]} ${side[baseline/2]} ${side[baseline/3]})"
fi

[ "${BENCH_TLS:-1}" != 0 ] && [ -z "${BENCH_ONLY:-}" ] && tls_section

# 1d. Authentication: GetItem at 16 connections on a server with --credentials (every request's
# signature verified) and on one without, alternately, each with the same items.  Both get the
# very same requests, signed ahead of time (wrk cannot sign), so the difference is the
# verification alone.  The tables are made and loaded with authentication off; the second
# server is then restarted with the credentials file.
echo "== authentication: GetItem at 16 connections, --credentials vs none, 3 rounds each"
auth_items=$((items < 100000 ? items : 100000))
auth_secret=bench-secret-$RANDOM$RANDOM
printf '[bench]\naws_access_key_id = AKIDBENCH\naws_secret_access_key = %s\n' "$auth_secret" \
    >"$work/credentials"
declare -A auth
for which in off on; do
    start_ddbd "$work/auth-$which" "$logs/ddbd-auth-$which.stderr" ||
        die "the authentication ($which) server did not start"
    create_table bench
    run_items=$auth_items wrk_run "auth-load-$which" load 64 "$port" "$ddbd_pid" \
        -d $((30 + auth_items / 1000))s >/dev/null || die "the authentication load failed"
    if [ $which = on ]; then
        stop_server "$ddbd_pid"
        start_ddbd "$work/auth-on" "$logs/ddbd-auth-on.stderr" --credentials "$work/credentials" ||
            die "the server with --credentials did not start"
    fi
    auth[$which/port]=$port auth[$which/pid]=$ddbd_pid
done
for round in 1 2 3; do
    # Signed afresh each round, so that no request outlives the server's 15-minute window.
    "$PY" bench/sign_requests.py "$work/signed" AKIDBENCH "$auth_secret" "$auth_items" 2000 ||
        die "cannot sign the benchmark's requests"
    for which in off on; do
        BENCH_SIGNED=$work/signed wrk_run "auth-get-$which-$round" signed 16 \
            "${auth[$which/port]}" "${auth[$which/pid]}" -d "${run_seconds}s" >/dev/null ||
            failed_auth=1
        r=${result[auth-get-$which-$round/16]:-}
        auth[$which/$round]=$(field "$r" ops_per_s)
        auth[$which/cpu/$round]=$(field "$r" server_cpu_us_per_op)
        [ "$(errors_of "$r")" = 0 ] || echo "bench: errors in auth-get-$which-$round: $r" >&2
    done
done
for which in off on; do stop_server "${auth[$which/pid]}"; done
auth_on=$(median "${auth[on/1]}" "${auth[on/2]}" "${auth[on/3]}")
auth_off=$(median "${auth[off/1]}" "${auth[off/2]}" "${auth[off/3]}")
auth_cpu_on=$(median "${auth[on/cpu/1]}" "${auth[on/cpu/2]}" "${auth[on/cpu/3]}")
auth_cpu_off=$(median "${auth[off/cpu/1]}" "${auth[off/cpu/2]}" "${auth[off/cpu/3]}")
auth_line=$(awk -v a="$auth_on" -v b="$auth_off" -v x="$auth_cpu_on" -v y="$auth_cpu_off" \
    'BEGIN {printf "RESULT workload=auth on_ops_per_s=%d off_ops_per_s=%d ratio=%.3f" \
    " on_cpu_us_per_op=%.2f off_cpu_us_per_op=%.2f", a, b, (b > 0 ? a / b : 0), x, y}')
echo "$auth_line (rounds: on ${auth[on/1]} ${auth[on/2]} ${auth[on/3]};" \
    "off ${auth[off/1]} ${auth[off/2]} ${auth[off/3]})"

metrics_section
throttling_section
cluster_section
replication_section

# 1e. Multi-attribute keys: Query of one partition's ten items through a GSI whose key has three
# HASH and two RANGE attributes against the same through a single-attribute GSI over the same
# items (table "benchmk", bench/common.lua), alternately, three rounds each, on one server.
mk_items=${BENCH_MK_ITEMS:-$((items < 100000 ? items : 100000))}
echo "== multi-attribute GSI keys: Query at 16 connections, byMulti (3 HASH + 2 RANGE) vs" \
    "bySingle, $mk_items items, 3 rounds each"
start_ddbd "$work/multikey" "$logs/ddbd-multikey.stderr" || die "the multi-key server did not start"
ddb CreateTable '{"TableName":"benchmk","BillingMode":"PAY_PER_REQUEST",
  "KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],
  "AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},
  {"AttributeName":"g","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"N"},
  {"AttributeName":"t","AttributeType":"S"},{"AttributeName":"r","AttributeType":"N"},
  {"AttributeName":"c","AttributeType":"S"},{"AttributeName":"d","AttributeType":"N"},
  {"AttributeName":"e","AttributeType":"N"}],
  "GlobalSecondaryIndexes":[{"IndexName":"bySingle","Projection":{"ProjectionType":"ALL"},
    "KeySchema":[{"AttributeName":"g","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}]},
   {"IndexName":"byMulti","Projection":{"ProjectionType":"ALL"},
    "KeySchema":[{"AttributeName":"t","KeyType":"HASH"},{"AttributeName":"r","KeyType":"HASH"},
     {"AttributeName":"c","KeyType":"HASH"},{"AttributeName":"d","KeyType":"RANGE"},
     {"AttributeName":"e","KeyType":"RANGE"}]}]}' >/dev/null ||
    die "CreateTable benchmk failed: $(cat "$work/body")"
run_items=$mk_items wrk_run mk-load load-mk 64 "$port" "$ddbd_pid" \
    -d $((30 + mk_items / 1000))s >/dev/null || die "the multi-key load failed"
declare -A mk
for round in 1 2 3; do
    for w in query-mk query-sk; do
        run_items=$mk_items wrk_run "$w-$round" "$w" 16 "$port" "$ddbd_pid" \
            -d "${run_seconds}s" >/dev/null || echo "bench: $w failed" >&2
        r=${result[$w-$round/16]:-}
        mk[$w]+=" $(field "$r" ops_per_s)"
        mk[$w/cpu]+=" $(field "$r" server_cpu_us_per_op)"
        mk[$w/p99]+=" $(field "$r" p99_us)"
        [ "$(errors_of "$r")" = 0 ] || echo "bench: errors in $w-$round: $r" >&2
    done
done
stop_server "$ddbd_pid"
# shellcheck disable=SC2086 # the lists are words on purpose
mk_line=$(awk -v a="$(median ${mk[query-mk]})" -v b="$(median ${mk[query-sk]})" \
    -v x="$(median ${mk[query-mk/cpu]})" -v y="$(median ${mk[query-sk/cpu]})" \
    -v p="$(median ${mk[query-mk/p99]})" -v q="$(median ${mk[query-sk/p99]})" \
    'BEGIN {printf "RESULT workload=multi-key-gsi multi_ops_per_s=%d single_ops_per_s=%d" \
    " ratio=%.3f multi_cpu_us_per_op=%.2f single_cpu_us_per_op=%.2f multi_p99_us=%d" \
    " single_p99_us=%d", a, b, (b > 0 ? a / b : 0), x, y, p, q}')
echo "$mk_line (rounds: multi${mk[query-mk]}; single${mk[query-sk]})"

# 2. The server under test, its table and the load.
start_ddbd "$work/data" "$logs/ddbd.stderr" --pitr-lag 0 ||
    die "ddbd did not start; its stderr: $(tail -n 20 "$logs/ddbd.stderr")"
sleep 0.5
mem_idle=$(memory "$ddbd_pid")
echo "== memory idle after start: $mem_idle"

create_table bench

echo "== load: $items items of ~100 bytes, keys k0..k$((items - 1)) in order, 64 connections"
wrk_run load load 64 "$port" "$ddbd_pid" -d $((30 + items / 1000))s || die "the load did not run"
ddbd_alive "the load" || exit 1
item_count=$(ddb DescribeTable '{"TableName":"bench"}' | grep -o '"ItemCount":[0-9]*' | cut -d: -f2)
missing=0
for k in 0 $((items / 2)) $((items - 1)); do
    ddb GetItem "{\"TableName\":\"bench\",\"Key\":{\"pk\":{\"S\":\"k$k\"}}}" | grep -q '"Item"' ||
        missing=$((missing + 1))
done
echo "   ItemCount after load: $item_count (expected $items); spot-checked keys missing: $missing"
[ "$item_count" = "$items" ] && [ $missing = 0 ] || echo "bench: WARNING: incomplete load" >&2
mem_loaded=$(memory "$ddbd_pid")
echo "== memory after load: $mem_loaded"

# 3. The workloads.
failed=0
for w in put get mix counter cput bwrite bget transfer; do
    echo "== $w"
    for c in "${conn_counts[@]}"; do
        wrk_run "$w" "$w" "$c" "$port" "$ddbd_pid" -d "${run_seconds}s" || failed=1
        ddbd_alive "$w at $c connections" || { failed=1; break 2; }
    done
done

# 3b. PartiQL: SELECT by the whole key (ExecuteStatement) against GetItem of the same keys, on
# the same server and table ("bench"), at 16 connections, alternately, 3 rounds each; medians.
# The statement is parsed and lowered onto GetItem on every request: the ratio is that cost.
if [ $failed = 0 ]; then
    echo "== PartiQL SELECT by full key vs GetItem at 16 connections, 3 rounds each"
    declare -A pql
    for round in 1 2 3; do
        for w in get pql-get; do
            wrk_run "partiql-$w-$round" "$w" 16 "$port" "$ddbd_pid" -d "${run_seconds}s" ||
                failed=1
            r=${result[partiql-$w-$round/16]:-}
            for f in ops_per_s p50_us p99_us server_cpu_us_per_op; do
                pql[$w/$f/$round]=$(field "$r" $f)
            done
            [ "$(errors_of "$r")" = 0 ] || echo "bench: errors in partiql-$w-$round: $r" >&2
        done
        ddbd_alive "the PartiQL workload" || { failed=1; break; }
    done
    pql_line="RESULT workload=partiql-get"
    for w in pql-get get; do
        for f in ops_per_s p50_us p99_us server_cpu_us_per_op; do
            pql_line+=" ${w/-/_}_$f=$(median "${pql[$w/$f/1]:-0}" "${pql[$w/$f/2]:-0}" \
                "${pql[$w/$f/3]:-0}")"
        done
    done
    pql_line+=$(awk -v a="$(field "$pql_line" pql_get_ops_per_s)" \
        -v b="$(field "$pql_line" get_ops_per_s)" 'BEGIN {printf " ratio=%.3f", (b > 0 ? a / b : 0)}')
    echo "$pql_line"
fi

# 3a. The change log.  Durable PutItem with a NEW_AND_OLD_IMAGES stream against the same
# without one: two tables alike but for the stream, of the same size and key range (the
# workload table "bench" and "benchsp"), pairs run back to back; GetRecords over every record
# of a stream of BENCH_STREAM_RECORDS changes; and the TTL deleter removing BENCH_TTL_ITEMS
# due items while a GetItem load runs (its p99 with and without the deleter).
stream_items=${BENCH_STREAM_RECORDS:-1000000}
ttl_items=${BENCH_TTL_ITEMS:-100000}
if [ $failed = 0 ]; then
    create_table benchs '"StreamSpecification":{"StreamEnabled":true,
      "StreamViewType":"NEW_AND_OLD_IMAGES"}'
    echo "== stream table: load $stream_items items (one INSERT record each), 64 connections"
    BENCH_TABLE=benchs run_items=$stream_items \
        wrk_run load-s load 64 "$port" "$ddbd_pid" -d $((60 + stream_items / 1000))s ||
        failed=1
    create_table benchsp '"StreamSpecification":{"StreamEnabled":true,
      "StreamViewType":"NEW_AND_OLD_IMAGES"}'
    echo "== a table like the workload table but with a stream: load $items items, 64 connections"
    BENCH_TABLE=benchsp wrk_run load-sp load 64 "$port" "$ddbd_pid" -d $((60 + items / 1000))s ||
        failed=1

    for c in 16 64; do
        echo "== put without, then with a stream, $c connections, 3 rounds (medians in the summary)"
        for round in 1 2 3; do
            wrk_run "put-nostream-$round" put "$c" "$port" "$ddbd_pid" -d "${run_seconds}s" ||
                failed=1
            BENCH_TABLE=benchsp wrk_run "put-stream-$round" put "$c" "$port" "$ddbd_pid" \
                -d "${run_seconds}s" || failed=1
            for w in nostream stream; do
                stream_pair[$w/$c]+=" $(field "${result[put-$w-$round/$c]:-}" ops_per_s)"
                stream_pair[$w/$c/p99]+=" $(field "${result[put-$w-$round/$c]:-}" p99_us)"
            done
        done
    done
    ddbd_alive "the stream workloads" || failed=1
    echo "== GetRecords: every record of the stream, 1000 per call"
    records_line=$("$PY" bench/streams_ttl.py read "$port" benchs) || failed=1
    echo "$records_line"

    create_table benchttl
    echo "== TTL table: $ttl_items items already expired, TTL not yet enabled"
    BENCH_TABLE=benchttl BENCH_EXPIRES=$(($(date +%s) - 60)) run_items=$ttl_items \
        wrk_run load-ttl load 64 "$port" "$ddbd_pid" -d $((60 + ttl_items / 1000))s || failed=1
    echo "== GetItem at 16 connections without, then with the TTL deleter at work"
    wrk_run get-quiet get 16 "$port" "$ddbd_pid" -d "${run_seconds}s" || failed=1
    "$PY" bench/streams_ttl.py expire "$port" benchttl exp $((run_seconds + 120)) \
        >"$logs/expire.txt" &
    expire_pid=$!
    wrk_run get-expiring get 16 "$port" "$ddbd_pid" -d "${run_seconds}s" || failed=1
    wait "$expire_pid" || failed=1
    expire_line=$(grep '^RESULT' "$logs/expire.txt")
    echo "$expire_line"
    ddbd_alive "the TTL deleter" || failed=1

    pitr_section
fi

# 3b. Query and Scan on the query table "benchq" (ten items per partition, GSI byG over the same
# groups): GetItem and Query latency at BENCH_GROWTH_SMALL items and again after growing the
# table to BENCH_GROWTH_LARGE (they should stay flat), then a full paged Scan.
small=${BENCH_GROWTH_SMALL:-10000}
large=${BENCH_GROWTH_LARGE:-1000000}
growth_seconds=${BENCH_GROWTH_SECONDS:-5}
declare -A growth
if [ $failed = 0 ]; then
    ddb CreateTable '{"TableName":"benchq","BillingMode":"PAY_PER_REQUEST",
      "AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},
        {"AttributeName":"sk","AttributeType":"N"},{"AttributeName":"g","AttributeType":"S"}],
      "KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}],
      "GlobalSecondaryIndexes":[{"IndexName":"byG","Projection":{"ProjectionType":"ALL"},
        "KeySchema":[{"AttributeName":"g","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}]}]
      }' >/dev/null || die "CreateTable benchq failed: $(cat "$work/body")"
    loaded=0
    for size in "$small" "$large"; do
        echo "== query table: load items $loaded..$((size - 1)) (table and GSI), 64 connections"
        run_items=$((size - loaded)) load_from=$loaded \
            wrk_run "load-q-$size" load-q 64 "$port" "$ddbd_pid" -d $((60 + size / 1000))s ||
            { failed=1; break; }
        loaded=$size
        for w in get-q query query-rev query-gsi; do
            run_items=$size wrk_run "$w@$size" "$w" 16 "$port" "$ddbd_pid" \
                -d "${growth_seconds}s" || failed=1
            growth[$w/$size]=${result[$w@$size/16]:-}
        done
        ddbd_alive "the query workloads at $size items" || { failed=1; break; }
    done
    if [ $failed = 0 ]; then
        echo "== full Scan of the query table ($large items), 1 MB pages"
        scan_line=$(/usr/bin/python3 bench/scan_all.py "$port" benchq) || failed=1
        echo "$scan_line"
    fi
fi

[ $failed = 0 ] && [[ $large_items =~ ^[1-9][0-9]*$ ]] && scale_section

# 4. Memory after the workloads, and a clean shutdown.
if [ $failed = 0 ] || kill -0 "$ddbd_pid" 2>/dev/null; then
    mem_after=$(memory "$ddbd_pid")
    echo "== memory after the workloads: $mem_after"
    stop_server "$ddbd_pid"
    echo "== ddbd stopped by SIGTERM in $stop_ms ms, exit status $stop_rc"
    [ "$stop_rc" = 0 ] || failed=1
fi
problems=$(grep -cv ' INFO ' "$logs/ddbd.stderr")
if [ "$problems" -gt 0 ]; then
    echo "== ddbd logged $problems lines other than INFO; the first ones:"
    grep -v ' INFO ' "$logs/ddbd.stderr" | head -n 10
fi

# 5. The ceiling: the same GetItem load against a server that does no work.
echo "== ceiling: bench/ceiling.c, $(nproc) threads, same GetItem script"
cport=$(free_port)
"$tools/ceiling" "$cport" "$(nproc)" 2>>"$logs/ceiling.stderr" &
ceiling_pid=$!
running+=("$ceiling_pid")
if "$tools/probe" "$cport" 10000 "$ceiling_pid" >/dev/null; then
    for c in "${conn_counts[@]}"; do
        wrk_run ceiling-get get "$c" "$cport" "$ceiling_pid" -d "${run_seconds}s" || failed=1
    done
else
    echo "bench: the ceiling server did not start" >&2
    failed=1
fi
stop_server "$ceiling_pid"

# 6. Summary.
echo
echo "== summary ($(nproc) cores shared by server and wrk;" \
    "load average now $(cut -d' ' -f1-3 /proc/loadavg))"
echo "start-up: median $start_median ms of $start_runs (${start_list% } ms)"
if [ -n "${result[load/64]:-}" ]; then
    l=${result[load/64]}
    echo "load: $(field "$l" requests) items in $(field "$l" seconds) s" \
        "= $(field "$l" ops_per_s) items/s at 64 connections, errors $(errors_of "$l")," \
        "ItemCount $item_count"
fi
echo "memory (VmRSS): idle $mem_idle"
echo "                after load $mem_loaded"
echo "                after workloads ${mem_after:-n/a}"
echo
printf '%-12s %5s %9s %8s %8s %8s %7s %9s  %s\n' workload conns ops/s p50_ms p99_ms p99.9_ms \
    errors cpu_us/op "vs ceiling: ops/s, cpu/op"
for w in put get mix counter cput bwrite bget transfer ceiling-get; do
    for c in "${conn_counts[@]}"; do
        r=${result[$w/$c]:-}
        if [ -z "$r" ]; then
            printf '%-12s %5s %9s\n' "$w" "$c" "not run"
            continue
        fi
        vs=""
        cr=${result[ceiling-get/$c]:-}
        if [ "$w" = get ] && [ -n "$cr" ]; then
            vs=$(awk -v a="$(field "$r" ops_per_s)" -v b="$(field "$cr" ops_per_s)" \
                -v x="$(field "$r" server_cpu_us_per_op)" \
                -v y="$(field "$cr" server_cpu_us_per_op)" \
                'BEGIN {if (b > 0) printf "%.0f%%", 100 * a / b
                        if (y > 0) printf ", %.1fx", x / y}')
        fi
        printf '%-12s %5s %9s %8.3f %8.3f %8.3f %7s %9s  %s\n' "$w" "$c" "$(field "$r" ops_per_s)" \
            "$(field "$r" p50_us)e-3" "$(field "$r" p99_us)e-3" "$(field "$r" p999_us)e-3" \
            "$(errors_of "$r")" "$(field "$r" server_cpu_us_per_op)" "$vs"
    done
done
for w in bwrite bget transfer; do
    per=$([ $w = bwrite ] && echo 25 || { [ $w = bget ] && echo 100 || echo 2; })
    line="$w: items/s"
    for c in "${conn_counts[@]}"; do
        r=${result[$w/$c]:-}
        [ -n "$r" ] && line+=" $(awk -v o="$(field "$r" ops_per_s)" -v n="$per" \
            'BEGIN {printf "%.0f", o * n}') at $c conns,"
    done
    echo "${line%,} ($per items per request)"
done
echo "(ops/s counts successful responses; errors = non-2xx + timeouts + socket errors;"
echo " cpu_us/op = the server's CPU time (all threads) per request; full wrk output in $logs)"
echo "(at 1 connection every request waits for a wake-up across cores, which on a virtual machine"
echo " can cost tens of microseconds and differ from run to run: compare with the ceiling row)"
echo
echo "the change log:"
for conns in 16 64; do
    [ -n "${stream_pair[stream/$conns]:-}" ] || continue
    # shellcheck disable=SC2086 # the lists are words on purpose
    awk -v a="$(median ${stream_pair[stream/$conns]})" \
        -v b="$(median ${stream_pair[nostream/$conns]})" -v c="$conns" \
        -v p="$(median ${stream_pair[stream/$conns/p99]})" \
        -v q="$(median ${stream_pair[nostream/$conns/p99]})" \
        -v rs="${stream_pair[stream/$conns]}" -v rn="${stream_pair[nostream/$conns]}" \
        'BEGIN {printf "  PutItem at %d conns: %d ops/s with a NEW_AND_OLD_IMAGES stream," \
        " %d without: ratio %.2f (medians of 3 alternating rounds:%s vs%s; p99 %.3f vs %.3f ms)\n",
        c, a, b, (b > 0 ? a / b : 0), rs, rn, p / 1000, q / 1000}'
done
[ -n "${records_line:-}" ] && echo "  GetRecords: $(field "$records_line" records) records in" \
    "$(field "$records_line" seconds) s = $(field "$records_line" records_per_s) records/s"
if [ -n "${expire_line:-}" ]; then
    echo "  TTL deleter: $(field "$expire_line" items) items in $(field "$expire_line" seconds) s" \
        "= $(field "$expire_line" items_per_s) items/s (fill of the expiry index included)"
    a=${result[get-quiet/16]:-} b=${result[get-expiring/16]:-}
    [ -n "$a" ] && [ -n "$b" ] && echo "  GetItem at 16 conns meanwhile: p99" \
        "$(field "$a" p99_us) us without, $(field "$b" p99_us) us with the deleter;" \
        "$(field "$a" ops_per_s) vs $(field "$b" ops_per_s) ops/s"
fi
[ -n "${pitr_line:-}" ] && echo "  point-in-time restore: $(field "$pitr_line" items) logged" \
    "changes replayed in $(field "$pitr_line" seconds) s = $(field "$pitr_line" items_per_s)" \
    "items/s (request to ACTIVE)"
tls_summary
[ -n "${auth_line:-}" ] && echo "authentication, GetItem at 16 conns (the same signed requests):" \
    "$(field "$auth_line" on_ops_per_s) ops/s with --credentials," \
    "$(field "$auth_line" off_ops_per_s) without: ratio $(field "$auth_line" ratio) (goal >= 0.95);" \
    "server CPU $(field "$auth_line" on_cpu_us_per_op) vs $(field "$auth_line" off_cpu_us_per_op)" \
    "us/request (medians of 3 alternating runs)"
metrics_summary
[ "$metrics_failed" = 0 ] || failed=1
throttling_summary
[ "$throttling_failed" = 0 ] || failed=1
cluster_summary
[ "$cluster_failed" = 0 ] || failed=1
replication_summary
[ "$replication_failed" = 0 ] || failed=1
[ -n "${mk_line:-}" ] && echo "Query of 10 items at 16 conns, GSI with 3 HASH + 2 RANGE" \
    "attributes vs a single-attribute GSI over the same items:" \
    "$(field "$mk_line" multi_ops_per_s) vs $(field "$mk_line" single_ops_per_s) ops/s, ratio" \
    "$(field "$mk_line" ratio) (goal >= 0.9); server CPU $(field "$mk_line" multi_cpu_us_per_op)" \
    "vs $(field "$mk_line" single_cpu_us_per_op) us/request (medians of 3 alternating runs)"
[ -n "${pql_line:-}" ] && echo "PartiQL SELECT by full key, 16 conns:" \
    "$(field "$pql_line" pql_get_ops_per_s) ops/s (p50 $(field "$pql_line" pql_get_p50_us) us," \
    "p99 $(field "$pql_line" pql_get_p99_us) us) vs GetItem $(field "$pql_line" get_ops_per_s)" \
    "ops/s (p50 $(field "$pql_line" get_p50_us) us, p99 $(field "$pql_line" get_p99_us) us):" \
    "ratio $(field "$pql_line" ratio) (goal >= 0.9); server CPU" \
    "$(field "$pql_line" pql_get_server_cpu_us_per_op) vs" \
    "$(field "$pql_line" get_server_cpu_us_per_op) us/request (medians of 3 alternating runs)"
[ -n "${side_line:-}" ] && echo "side by side, GetItem at 16 conns: this build" \
    "$(field "$side_line" this_ops_per_s) ops/s, baseline $(field "$side_line" baseline_ops_per_s)" \
    "ops/s: ratio $(field "$side_line" ratio) (medians of 3 alternating runs)"
echo
echo "query table (10 items per partition; 16 connections): latency as the table grows"
printf '%-10s %10s %9s %8s %8s %7s\n' workload items ops/s p50_ms p99_ms errors
for w in get-q query query-rev query-gsi; do
    for size in "$small" "$large"; do
        r=${growth[$w/$size]:-}
        if [ -z "$r" ]; then
            printf '%-10s %10s %9s\n' "$w" "$size" "not run"
            continue
        fi
        printf '%-10s %10s %9s %8.3f %8.3f %7s\n' "$w" "$size" "$(field "$r" ops_per_s)" \
            "$(field "$r" p50_us)e-3" "$(field "$r" p99_us)e-3" "$(errors_of "$r")"
    done
done
[ -n "${scan_line:-}" ] && echo "full scan: $(field "$scan_line" items) items in" \
    "$(field "$scan_line" seconds) s = $(field "$scan_line" items_per_s) items/s" \
    "($(field "$scan_line" pages) pages of 1 MB, client JSON decoding included)"
scale_summary
exit $failed
