/* fuzz_config: the parsers of what an operator hands the server at
 * start-up, under libFuzzer: the credentials file (auth_keyring_parse,
 * auth.c), the peer regions file (regions_load_file, regions.c) and the
 * --node-id / --cluster member list (cluster_config_check, cluster.c).
 * Whatever the text, start-up must refuse it with a reason or accept it,
 * never crash.
 *
 * Input: a first byte choosing the parser (its value modulo 3: '0' the
 * credentials file, '1' the peer regions file, '2' the cluster flags), then
 * the text: a file's contents, or for the cluster "NODE-ID\nMEMBERS".
 * Checked:
 *  - credentials: refused with a message "line N: ..." or a whole-file one;
 *    accepted with at least one key;
 *  - peer regions: refused with a message naming the file; accepted, each
 *    peer found by its name, with a host, a numeric port, and its
 *    "NAME=URL" a whole line of the file (no part of a line taken as one);
 *  - cluster: an answer either way, and the same answer twice.
 * Any violation aborts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth.h"
#include "cluster.h"
#include "regions.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char regions_path[256];

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_config: %s\n", what);
    abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(regions_path, sizeof regions_path, "%s/fuzz-regions-XXXXXX",
             tmp && *tmp ? tmp : "/tmp");
    int fd = mkstemp(regions_path);
    if (fd < 0) fail("no temporary file");
    close(fd);
    regions_set_local("us-east-1"); /* as start-up does, before any peer */
    return 0;
}

static void check_credentials(const uint8_t *text, size_t len)
{
    char *copy = malloc(len ? len : 1); /* exact size: no terminator to lean on */
    if (!copy) abort();
    memcpy(copy, text, len);
    char err[256];
    err[0] = 0;
    auth_keyring_t *ring = auth_keyring_parse(copy, len, "us-east-1", err, sizeof err);
    if (!ring) {
        if (!err[0] || !memchr(err, 0, sizeof err)) fail("credentials refused without a reason");
    } else {
        if (auth_keyring_count(ring) == 0) fail("credentials accepted without a key");
        (void)auth_keyring_find(ring, "AKIDEXAMPLE", 11);
        auth_keyring_free(ring);
    }
    free(copy);
}

/* line (len bytes, trimmed as the loader trims) is a whole line of text. */
static bool whole_line(const uint8_t *text, size_t len, const char *line)
{
    size_t n = strlen(line);
    for (size_t i = 0; i < len;) {
        const uint8_t *nl = memchr(text + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - text) : len;
        const char *s = (const char *)text + i;
        size_t m = end - i;
        while (m && (*s == ' ' || *s == '\t')) s++, m--;
        while (m && (s[m - 1] == ' ' || s[m - 1] == '\t' || s[m - 1] == '\r')) m--;
        if (m == n && memcmp(s, line, n) == 0) return true;
        i = end + 1;
    }
    return false;
}

static void check_regions(const uint8_t *text, size_t len)
{
    FILE *f = fopen(regions_path, "w");
    if (!f || fwrite(text, 1, len, f) != len || fclose(f)) fail("cannot write the file");
    regions_clear();
    const char *why = regions_load_file(regions_path);
    if (why) {
        if (strncmp(why, regions_path, strlen(regions_path)) != 0)
            fail("a refusal that does not name the file");
    } else {
        if (regions_count() > REGIONS_MAX) fail("more peers than allowed");
        for (size_t i = 0; i < regions_count(); i++) {
            const region_peer_t *p = regions_get(i);
            if (regions_find(p->name, strlen(p->name)) != p) fail("a peer not found by name");
            if (!p->host[0] || !p->port[0] || strspn(p->port, "0123456789") != strlen(p->port))
                fail("a peer without a host or a numeric port");
            char line[2048];
            snprintf(line, sizeof line, "%s=%s", p->name, p->url);
            if (!whole_line(text, len, line)) fail("a peer taken from part of a line");
        }
        buf_t b;
        buf_init(&b);
        regions_render_list(&b);
        buf_free(&b);
    }
    regions_clear();
}

static void check_cluster(const uint8_t *text, size_t len)
{
    char *s = malloc(len + 1);
    if (!s) abort();
    memcpy(s, text, len);
    s[len] = 0;
    char *nl = strchr(s, '\n');
    const char *node = "1", *members = s;
    if (nl) {
        *nl = 0;
        node = s;
        members = nl + 1;
    }
    cluster_config_t cfg = {.node_id = node, .members = members, .data_dir = "/nonexistent"};
    const char *why = cluster_config_check(&cfg);
    const char *again = cluster_config_check(&cfg);
    if (!why != !again || (why && strcmp(why, again) != 0)) fail("two answers to one member list");
    free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    switch (data[0] % 3) {
    case 0: check_credentials(data + 1, size - 1); break;
    case 1: check_regions(data + 1, size - 1); break;
    default: check_cluster(data + 1, size - 1); break;
    }
    return 0;
}
