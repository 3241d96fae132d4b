/* main: command line, start-up and shutdown of ddbd. */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "cluster.h"
#include "cluster_admin.h"
#include "auth.h"
#include "log.h"
#include "regions.h"
#include "replication.h"
#include "metrics.h"
#include "throttle.h"
#include "server.h"
#include "storage.h"
#include "tls.h"

#define DDBD_VERSION "0.1.0"

#define MAIN_MAX_TIMEOUT_S 86400.0            /* a day */
#define MAIN_MAX_BYTES (1024.0 * 1024 * 1024) /* 1 GiB */
#define MAIN_MAX_MAP_SIZE ((size_t)64 << 40)  /* 64 TiB, well inside 47-bit address space */

static void usage(FILE *f)
{
    fprintf(f,
            "usage: ddbd [--port N] [--bind ADDR] [--data-dir DIR | --in-memory] [--region R]\n"
            "            [--threads N] [--stream-retention S] [--stream-shard-lifetime S]\n"
            "            [--stream-iterator-lifetime S] [--ttl-delay S] [--ttl-cooldown S]\n"
            "            [--storage-map-size BYTES] [--pitr-snapshot-interval S] [--pitr-lag S] [--pitr-day S]\n"
            "            [--export-root DIR] [--metrics-port N] [--no-metrics]\n"
            "            [--throttling [--throttling-burst-seconds S]\n"
            "                          [--throttling-partition-bytes BYTES]]\n"
            "            [--node-id ID --cluster ID=HOST:PORT,... [--cluster-join]]\n"
            "       ddbd cluster status|add|remove ... --to HOST:PORT (see ddbd cluster)\n"
            "            [--tls-cert FILE --tls-key FILE [--tls-port N]]\n"
            "            [--credentials FILE] [--peer-region NAME=URL]... [--peer-regions-file F]\n"
            "            [--replication-key ID:SECRET] [--replication-ca-file F]\n"
            "            [--replication-version-keep S]\n"
            "            [limits...] [--help] [--version]\n"
            "\n"
            "  --port N        TCP port to listen on (default 8000)\n"
            "  --bind ADDR     address to bind (default 127.0.0.1)\n"
            "  --data-dir DIR  where data is kept (default ./data)\n"
            "  --in-memory     keep nothing on disk; everything is gone at exit\n"
            "  --region R      region named in ARNs (default us-east-1)\n"
            "  --credentials FILE  access keys (the AWS CLI's credentials format): requests\n"
            "                  must be signed with one of them (default: authentication off,\n"
            "                  any credentials accepted)\n"
            "  --threads N     I/O threads (default: one per core)\n"
            "  --tls-cert FILE  serve HTTPS with this PEM certificate (chain), and\n"
            "  --tls-key FILE   its PEM private key: on --port, besides HTTP (each\n"
            "                   connection's first byte tells which), or with\n"
            "  --tls-port N     on port N only, --port staying HTTP only\n"
            "  --stream-retention S       stream records are kept S seconds (default 86400)\n"
            "  --stream-shard-lifetime S  an open stream shard is closed and followed by a\n"
            "                             child after S seconds (default 14400)\n"
            "  --stream-iterator-lifetime S  shard iterators expire after S seconds (default 900)\n"
            "  --ttl-delay S     expired items are deleted within about S seconds (default 1)\n"
            "  --ttl-cooldown S  a table's TTL setting may change once per S seconds\n"
            "                    (default 3600, as the service)\n"
            "  --pitr-snapshot-interval S  point-in-time recovery takes a base snapshot of a\n"
            "                    changed table every S seconds (default 3600): a restore\n"
            "                    replays at most that much of the change log\n"
            "  --export-root DIR  ExportTableToPointInTime writes S3Bucket/S3Prefix as\n"
            "                    DIR/<bucket>/<prefix> (default <data-dir>/s3)\n"
            "  --pitr-lag S      LatestRestorableDateTime is S seconds before now, but not\n"
            "                    before PITR was enabled (default 300, as the service)\n"
            "  --pitr-day S      the length of a day of RecoveryPeriodInDays (default 86400;\n"
            "                    shorter only for tests)\n"
            "  --metrics-port N  serve GET /metrics (Prometheus) on port N too, and nothing\n"
            "                    else there (it is always served on --port, unsigned)\n"
            "  --no-metrics      count nothing and do not serve /metrics\n"
            "  --throttling      throttle requests as the service does: token buckets per\n"
            "                    table, GSI and partition (default off: capacity is only\n"
            "                    reported)\n"
            "  --throttling-burst-seconds S  unused capacity kept as burst (default 300);\n"
            "                    the other throttling times scale with it (for tests)\n"
            "  --throttling-partition-bytes BYTES  the data a partition holds before it\n"
            "                    splits (default 10G; smaller only for tests)\n"
            "  --storage-map-size BYTES  the most data the data directory may hold, with an\n"
            "                    optional K, M, G or T suffix (default 256G; address space\n"
            "                    only, the file grows as it is used)\n"
            "  --node-id ID      cluster mode: this node's ID (a number from 1), with\n"
            "  --cluster ID=HOST:PORT,...  every node's ID and cluster address (Raft's\n"
            "                    port, not the API's); needs --data-dir (log in <dir>/raft)\n"
            "  --cluster-join    a node added to a running cluster (ddbd cluster add):\n"
            "                    it waits for the leader rather than starting a group\n"
            "  --cluster-snapshot-entries N  log entries between snapshots of the store\n"
            "                    (default %d); the log keeps the last N/2 of them\n"
            "\n"
            "limits (SECONDS may have a fraction, e.g. 0.5):\n"
            "  --header-timeout SECONDS  to receive a request's line and headers, from its\n"
            "                            first byte; then 408 and close (default %g)\n"
            "  --body-timeout SECONDS    to receive a request's body once its headers are in;\n"
            "                            then 408 and close (default %g)\n"
            "  --idle-timeout SECONDS    a connection without a request in progress is closed\n"
            "                            after this long (default %g)\n"
            "  --write-timeout SECONDS   a connection whose responses go unread for this long\n"
            "                            is closed (default %g)\n"
            "  --max-header-bytes N      request line and headers; larger: 431 (default %zu)\n"
            "  --max-body-bytes N        request body, also once un-gzipped; larger: 413\n"
            "                            (default %zu, the service's limit)\n"
            "  --max-output-bytes N      unsent responses at which a connection's pipelined\n"
            "                            requests wait for the client to read (default %zu)\n"
            "  --max-connections N       open connections; more are closed at once\n"
            "                            (default %zu)\n",
            CLUSTER_SNAPSHOT_ENTRIES, SERVER_DEFAULT_HEADER_TIMEOUT_MS / 1000.0, SERVER_DEFAULT_BODY_TIMEOUT_MS / 1000.0,
            SERVER_DEFAULT_IDLE_TIMEOUT_MS / 1000.0, SERVER_DEFAULT_WRITE_TIMEOUT_MS / 1000.0,
            (size_t)SERVER_DEFAULT_MAX_HEADER_BYTES, (size_t)SERVER_DEFAULT_MAX_BODY_BYTES,
            (size_t)SERVER_DEFAULT_MAX_OUTPUT_BYTES, (size_t)SERVER_DEFAULT_MAX_CONNECTIONS);
}

/* Seconds (with a fraction) of at least lo, for the change log's periods. */
static bool parse_duration(const char *s, double lo, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (*s < '0' || *s > '9' || *end || errno || !isfinite(v) || v < lo || v > 1e9) return false;
    *out = v;
    return true;
}

static bool parse_int(const char *s, int lo, int hi, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (!*s || *end || errno || v < lo || v > hi) return false;
    *out = (int)v;
    return true;
}

/* A whole number in [lo, hi]. */
static bool parse_size(const char *s, double lo, double hi, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (*s < '0' || *s > '9' || *end || errno || (double)v < lo || (double)v > hi) return false;
    *out = (size_t)v;
    return true;
}

/* Bytes with an optional binary suffix (K, M, G, T), in [lo, hi]. */
static bool parse_bytes(const char *s, size_t lo, size_t hi, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (*s < '0' || *s > '9' || errno) return false;
    static const char suffixes[] = "KMGT";
    const char *at = *end ? strchr(suffixes, *end) : NULL;
    if (*end && (!at || end[1])) return false;
    for (int shift = at ? (int)(at - suffixes) + 1 : 0; shift > 0; shift--) {
        if (v > hi / 1024) return false;
        v *= 1024;
    }
    if (v < lo || v > hi) return false;
    *out = (size_t)v;
    return true;
}

/* Seconds, possibly with a fraction, from 1 ms to a day; kept in ms. */
static bool parse_seconds(const char *s, unsigned *out_ms)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (*s < '0' || *s > '9' || *end || errno || !isfinite(v) || v < 0.001 ||
        v > MAIN_MAX_TIMEOUT_S)
        return false;
    *out_ms = (unsigned)(v * 1000 + 0.5);
    return true;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "cluster") == 0) return cluster_admin_main(argc - 1, argv + 1);
    server_config_t srv;
    server_config_init(&srv);
    const char *tls_cert = NULL, *tls_key = NULL;
    api_config_t api = {.data_dir = "./data", .in_memory = false, .region = "us-east-1",
                        .stream_retention_s = 86400, .stream_shard_lifetime_s = 14400,
                        .pitr_snapshot_interval_s = 3600, .pitr_day_s = 86400, .pitr_lag_s = 300,
                        .stream_iterator_lifetime_s = 900,
                        .ttl_delay_s = 1, .ttl_cooldown_s = 3600,
                        .storage_map_size = STORAGE_DEFAULT_MAP_SIZE};
    const char *credentials = NULL;
    bool throttling = false;
    double burst_seconds = THROTTLE_BURST_SECONDS;
    size_t partition_bytes = 0;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
        bool ok = true, known = true;
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(arg, "--version") == 0) {
            printf("ddbd %s\n", DDBD_VERSION);
            return 0;
        } else if (strcmp(arg, "--in-memory") == 0) {
            api.in_memory = true;
            continue;
        } else if (strcmp(arg, "--no-metrics") == 0) {
            metrics_enable(false);
            continue;
        } else if (strcmp(arg, "--throttling") == 0) {
            throttling = true;
            continue;
        } else if (strcmp(arg, "--cluster-join") == 0) {
            api.cluster_join = true;
            continue;
        } else if (!next) {
            ok = known = false;
        } else if (strcmp(arg, "--port") == 0) {
            ok = parse_int(next, 0, 65535, &srv.port);
        } else if (strcmp(arg, "--threads") == 0) {
            ok = parse_int(next, 0, 256, &srv.threads);
        } else if (strcmp(arg, "--metrics-port") == 0) {
            ok = parse_int(next, 1, 65535, &srv.metrics_port);
        } else if (strcmp(arg, "--tls-port") == 0) {
            ok = parse_int(next, 0, 65535, &srv.tls_port);
        } else if (strcmp(arg, "--tls-cert") == 0) {
            tls_cert = next;
        } else if (strcmp(arg, "--tls-key") == 0) {
            tls_key = next;
        } else if (strcmp(arg, "--bind") == 0) {
            srv.bind = next;
        } else if (strcmp(arg, "--data-dir") == 0) {
            api.data_dir = next;
        } else if (strcmp(arg, "--region") == 0) {
            srv.region = api.region = next;
        } else if (strcmp(arg, "--credentials") == 0) {
            credentials = next;
        } else if (strcmp(arg, "--header-timeout") == 0) {
            ok = parse_seconds(next, &srv.header_timeout_ms);
        } else if (strcmp(arg, "--body-timeout") == 0) {
            ok = parse_seconds(next, &srv.body_timeout_ms);
        } else if (strcmp(arg, "--idle-timeout") == 0) {
            ok = parse_seconds(next, &srv.idle_timeout_ms);
        } else if (strcmp(arg, "--write-timeout") == 0) {
            ok = parse_seconds(next, &srv.write_timeout_ms);
        } else if (strcmp(arg, "--max-header-bytes") == 0) {
            /* Room for a request line and the headers SDKs send. */
            ok = parse_size(next, 1024, MAIN_MAX_BYTES, &srv.max_header_bytes);
        } else if (strcmp(arg, "--max-body-bytes") == 0) {
            ok = parse_size(next, 1, MAIN_MAX_BYTES, &srv.max_body_bytes);
        } else if (strcmp(arg, "--max-output-bytes") == 0) {
            ok = parse_size(next, 1, MAIN_MAX_BYTES, &srv.max_output_bytes);
        } else if (strcmp(arg, "--max-connections") == 0) {
            ok = parse_size(next, 1, 10000000, &srv.max_connections);
        } else if (strcmp(arg, "--stream-retention") == 0) {
            ok = parse_duration(next, 0.05, &api.stream_retention_s);
        } else if (strcmp(arg, "--stream-shard-lifetime") == 0) {
            ok = parse_duration(next, 0.05, &api.stream_shard_lifetime_s);
        } else if (strcmp(arg, "--stream-iterator-lifetime") == 0) {
            ok = parse_duration(next, 0.05, &api.stream_iterator_lifetime_s);
        } else if (strcmp(arg, "--ttl-delay") == 0) {
            ok = parse_duration(next, 0.05, &api.ttl_delay_s);
        } else if (strcmp(arg, "--pitr-snapshot-interval") == 0) {
            ok = parse_duration(next, 0.05, &api.pitr_snapshot_interval_s);
        } else if (strcmp(arg, "--export-root") == 0) {
            api.export_root = next;
            ok = next != NULL;
        } else if (strcmp(arg, "--pitr-lag") == 0) {
            ok = parse_duration(next, 0, &api.pitr_lag_s);
        } else if (strcmp(arg, "--pitr-day") == 0) {
            ok = parse_duration(next, 0.05, &api.pitr_day_s);
        } else if (strcmp(arg, "--ttl-cooldown") == 0) {
            ok = parse_duration(next, 0, &api.ttl_cooldown_s);
        } else if (strcmp(arg, "--throttling-burst-seconds") == 0) {
            ok = parse_duration(next, 0.05, &burst_seconds);
        } else if (strcmp(arg, "--throttling-partition-bytes") == 0) {
            ok = parse_bytes(next, 1, THROTTLE_PARTITION_BYTES, &partition_bytes);
        } else if (strcmp(arg, "--node-id") == 0) {
            ok = (api.cluster_node_id = next) != NULL;
        } else if (strcmp(arg, "--cluster") == 0) {
            ok = (api.cluster_members = next) != NULL;
        } else if (strcmp(arg, "--peer-region") == 0) {
            const char *why = regions_add(next);
            if (why) fprintf(stderr, "ddbd: %s\n", why);
            ok = !why;
        } else if (strcmp(arg, "--peer-regions-file") == 0) {
            const char *why = regions_load_file(next);
            if (why) fprintf(stderr, "ddbd: %s\n", why);
            ok = !why;
        } else if (strcmp(arg, "--replication-key") == 0) {
            ok = !regions_set_key(next);
        } else if (strcmp(arg, "--replication-version-keep") == 0) {
            ok = parse_duration(next, 0, &replication_version_keep_s);
        } else if (strcmp(arg, "--replication-ca-file") == 0) {
            ok = !regions_set_ca_file(next);
        } else if (strcmp(arg, "--cluster-snapshot-entries") == 0) {
            int n;
            ok = parse_int(next, 2, 1 << 30, &n);
            api.cluster_snapshot_entries = (unsigned)n;
        } else if (strcmp(arg, "--storage-map-size") == 0) {
            ok = parse_bytes(next, STORAGE_MIN_MAP_SIZE, MAIN_MAX_MAP_SIZE, &api.storage_map_size);
        } else {
            ok = known = false;
        }
        if (ok) {
            i++;
            continue;
        }
        if (known)
            fprintf(stderr, "ddbd: bad value for %s: %s\n", arg, next);
        else
            fprintf(stderr, "ddbd: bad argument: %s\n", arg);
        usage(stderr);
        return 2;
    }

    if (!tls_cert != !tls_key || (srv.tls_port >= 0 && !tls_cert)) {
        fprintf(stderr, "ddbd: %s\n",
                !tls_cert != !tls_key ? "--tls-cert and --tls-key go together"
                                      : "--tls-port needs --tls-cert and --tls-key");
        usage(stderr);
        return 2;
    }
    if (srv.tls_port >= 0 && srv.tls_port == srv.port && srv.port != 0) {
        fprintf(stderr, "ddbd: --tls-port must differ from --port (leave it out to serve both "
                        "on one port)\n");
        return 2;
    }
    cluster_config_t cluster = {api.cluster_node_id, api.cluster_members,
                                api.in_memory ? NULL : api.data_dir, NULL, 0, false};
    const char *cluster_error = cluster_config_check(&cluster);
    if (cluster_error) {
        fprintf(stderr, "ddbd: %s\n", cluster_error);
        usage(stderr);
        return 2;
    }
    /* Before anything is opened: a bad certificate is a start-up error. */
    if (tls_cert) {
        char err[512];
        srv.tls = tls_context_new(tls_cert, tls_key, err, sizeof err);
        if (!srv.tls) {
            log_error("%s", err);
            return 1;
        }
    }

    /* the address DescribeEndpoints names (an IPv6 one in brackets) */
    char endpoint[300];
    if (strchr(srv.bind, ':')) snprintf(endpoint, sizeof endpoint, "[%s]:%d", srv.bind, srv.port);
    else snprintf(endpoint, sizeof endpoint, "%s:%d", srv.bind, srv.port);
    api.endpoint = endpoint;
    /* exports go under the data directory unless told otherwise */
    char export_root[4096];
    if (!api.export_root && !api.in_memory) {
        snprintf(export_root, sizeof export_root, "%s/s3", api.data_dir);
        api.export_root = export_root;
    }

    const char *region_error = regions_set_local(api.region);
    if (region_error) {
        fprintf(stderr, "ddbd: %s\n", region_error);
        return 2;
    }
    if (auth_open(credentials, api.region) != 0) {
        tls_context_free(srv.tls);
        return 1;
    }
    const sigv4_key_t *own_key = auth_first_key();
    if (own_key) regions_default_key(own_key->id, own_key->secret);
    if (api_open(&api) != 0) {
        auth_close();
        tls_context_free(srv.tls);
        return 1;
    }
    throttle_configure(throttling, burst_seconds, partition_bytes);
    log_info("ddbd %s: %s, region %s", DDBD_VERSION,
             api.in_memory ? "in memory" : api.data_dir, api.region);
    regions_log();
    if (throttling) log_info("throttling on (burst %g s)", burst_seconds);
    else log_info("throttling off");
    int rc = server_run(&srv);
    api_close();
    throttle_shutdown();
    auth_close();
    tls_context_free(srv.tls);
    log_info("stopped");
    return rc == 0 ? 0 : 1;
}
