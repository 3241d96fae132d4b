/* main: command line, start-up and shutdown of ddbd. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "log.h"
#include "server.h"

#define DDBD_VERSION "0.1.0"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: ddbd [--port N] [--bind ADDR] [--data-dir DIR | --in-memory] [--region R]\n"
            "            [--threads N] [--stream-retention S] [--stream-shard-lifetime S]\n"
            "            [--stream-iterator-lifetime S]\n"
            "            [--ttl-delay S] [--ttl-cooldown S] [--help] [--version]\n"
            "\n"
            "  --port N        TCP port to listen on (default 8000)\n"
            "  --bind ADDR     address to bind (default 127.0.0.1)\n"
            "  --data-dir DIR  where data is kept (default ./data)\n"
            "  --in-memory     keep nothing on disk; everything is gone at exit\n"
            "  --region R      region named in ARNs (default us-east-1)\n"
            "  --threads N     I/O threads (default: one per core)\n"
            "  --stream-retention S       stream records are kept S seconds (default 86400)\n"
            "  --stream-shard-lifetime S  an open stream shard is closed and followed by a\n"
            "                             child after S seconds (default 14400)\n"
            "  --stream-iterator-lifetime S  shard iterators expire after S seconds (default 900)\n"
            "  --ttl-delay S     expired items are deleted within about S seconds (default 1)\n"
            "  --ttl-cooldown S  a table's TTL setting may change once per S seconds\n"
            "                    (default 3600, as the service)\n");
}

static bool parse_seconds(const char *s, double lo, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (!*s || *end || !(v >= lo) || v > 1e9) return false;
    *out = v;
    return true;
}

static bool parse_int(const char *s, int lo, int hi, int *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < lo || v > hi) return false;
    *out = (int)v;
    return true;
}

int main(int argc, char **argv)
{
    server_config_t srv = {.bind = "127.0.0.1", .port = 8000, .threads = 0,
                           .region = "us-east-1"};
    api_config_t api = {.data_dir = "./data", .in_memory = false, .region = "us-east-1",
                        .stream_retention_s = 86400, .stream_shard_lifetime_s = 14400,
                        .stream_iterator_lifetime_s = 900,
                        .ttl_delay_s = 1, .ttl_cooldown_s = 3600};
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(arg, "--version") == 0) {
            printf("ddbd %s\n", DDBD_VERSION);
            return 0;
        } else if (strcmp(arg, "--in-memory") == 0) {
            api.in_memory = true;
        } else if (next && strcmp(arg, "--port") == 0) {
            if (!parse_int(next, 0, 65535, &srv.port)) goto bad;
            i++;
        } else if (next && strcmp(arg, "--threads") == 0) {
            if (!parse_int(next, 0, 256, &srv.threads)) goto bad;
            i++;
        } else if (next && strcmp(arg, "--bind") == 0) {
            srv.bind = argv[++i];
        } else if (next && strcmp(arg, "--data-dir") == 0) {
            api.data_dir = argv[++i];
        } else if (next && strcmp(arg, "--region") == 0) {
            srv.region = api.region = argv[++i];
        } else if (next && strcmp(arg, "--stream-retention") == 0) {
            if (!parse_seconds(next, 0.05, &api.stream_retention_s)) goto bad;
            i++;
        } else if (next && strcmp(arg, "--stream-shard-lifetime") == 0) {
            if (!parse_seconds(next, 0.05, &api.stream_shard_lifetime_s)) goto bad;
            i++;
        } else if (next && strcmp(arg, "--stream-iterator-lifetime") == 0) {
            if (!parse_seconds(next, 0.05, &api.stream_iterator_lifetime_s)) goto bad;
            i++;
        } else if (next && strcmp(arg, "--ttl-delay") == 0) {
            if (!parse_seconds(next, 0.05, &api.ttl_delay_s)) goto bad;
            i++;
        } else if (next && strcmp(arg, "--ttl-cooldown") == 0) {
            if (!parse_seconds(next, 0, &api.ttl_cooldown_s)) goto bad;
            i++;
        } else {
            goto bad;
        }
        continue;
    bad:
        fprintf(stderr, "ddbd: bad argument: %s\n", arg);
        usage(stderr);
        return 2;
    }

    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (api_open(&api) != 0) return 1;
    log_info("ddbd %s: %s, region %s", DDBD_VERSION,
             api.in_memory ? "in memory" : api.data_dir, api.region);
    int rc = server_run(&srv);
    api_close();
    log_info("stopped");
    return rc == 0 ? 0 : 1;
}
