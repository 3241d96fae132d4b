#!/usr/bin/env bash
# The TLS libraries' cost per keep-alive exchange, server side (bench/tls_record_cost.c):
# callgrind's instructions per exchange for each library and TLS version (and OpenSSL's
# variants), then, with TRC_TIMES_ROUNDS=R (default 0), R rounds of CPU and wall time per
# exchange, natively (medians; a loaded machine blurs them, not the instruction counts).
#   bench/tls_record_cost.sh
# prints: RESULT lib=L tls=V variant=X instructions_per_exchange=N
# GnuTLS is measured when its headers are installed (libgnutls28-dev).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/ddbd-tls-cost.XXXXXX")
trap 'rm -rf "$work"' EXIT
n=${TRC_N:-2000}
gnutls=
if pkg-config --exists gnutls 2>/dev/null; then
    gnutls="-DWITH_GNUTLS $(pkg-config --cflags --libs gnutls)"
fi
# shellcheck disable=SC2086 # $gnutls is flags
cc -O2 -g -std=gnu11 -Wall -Wextra -o "$work/trc" "$here/tls_record_cost.c" -lssl -lcrypto $gnutls
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/key.pem" \
    -out "$work/cert.pem" -days 1 -subj /CN=localhost 2>/dev/null
configs=("plain 0")
for v in 13 12; do
    for variant in default sockbio libctx noreadahead release noautoretry noticket; do
        configs+=("openssl $v $variant")
    done
    [ -n "$gnutls" ] && configs+=("gnutls $v default" "gnutls $v intfd")
done
for c in "${configs[@]}"; do
    read -r lib ver variant <<<"$c"
    valgrind --tool=callgrind --toggle-collect=exchange_loop --callgrind-out-file="$work/cg" \
        "$work/trc" "$lib" "$ver" "$n" "$work/cert.pem" "$work/key.pem" "${variant:-}" 2>/dev/null
    ir=$(awk '/^(summary|totals):/ {print $2; exit}' "$work/cg")
    echo "RESULT lib=$lib tls=$ver variant=${variant:-default} instructions_per_exchange=$((ir / n))"
done
rounds=${TRC_TIMES_ROUNDS:-0}
((rounds > 0)) || exit 0
for ((r = 0; r < rounds; r++)); do
    for c in "plain 0" "openssl 13" "openssl 12" ${gnutls:+"gnutls 13" "gnutls 12"}; do
        read -r lib ver <<<"$c"
        TRC_TIMES=1 "$work/trc" "$lib" "$ver" 50000 "$work/cert.pem" "$work/key.pem" 2>/dev/null
    done
done >"$work/times"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
awk '{k = $2 " " $3; for (i = 5; i <= NF; i++) { split($i, f, "="); v[k, f[1]] = v[k, f[1]] " " f[2] }
      keys[k] = 1}
     function med(s,   a, m, i, j, t) { m = split(s, a, " ")
         for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
         return a[int((m + 1) / 2)] }
     END { for (k in keys) printf "RESULT %s median cpu_us=%s user_us=%s sys_us=%s wall_us=%s\n", k,
           med(v[k, "cpu_us"]), med(v[k, "user_us"]), med(v[k, "sys_us"]), med(v[k, "wall_us"]) }' \
    "$work/times" | sort
