/* cluster_admin: the `ddbd cluster` command; see cluster_admin.h. */
#include "cluster_admin.h"

#include <netdb.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "arena.h"
#include "buf.h"
#include "http_reply.h"
#include "json.h"

/* A membership change may wait for a new node's catch-up (the server
 * gives up after 30 s). */
#define REQUEST_TIMEOUT_S 40
/* The longest answer body read (a status of the largest group is a few KB). */
#define ADMIN_MAX_BODY (1u << 20)
/* A change asked during an election is asked again this many times, this
 * far apart. */
#define ELECTION_RETRIES 10
#define ELECTION_RETRY_MS 500
/* A member's own status: it may be down. */
#define MEMBER_TIMEOUT_S 2

static void usage(FILE *f)
{
    fprintf(f, "usage: ddbd cluster status --to HOST:PORT\n"
               "       ddbd cluster add ID=HOST:PORT --to HOST:PORT\n"
               "       ddbd cluster remove ID --to HOST:PORT\n"
               "--to names a node's API address (HOST:PORT, asked from this machine); a\n"
               "change is sent on to the leader.  add: ID is the new node's ID and HOST:PORT\n"
               "its cluster address; start it first with --cluster-join.\n");
}

/* One HTTP/1.1 request to address ("HOST:PORT"); the status (0: no
 * answer, why in body) and the body. */
int cluster_admin_http(const char *address, const char *method, const char *path, int timeout_s,
                     buf_t *body)
{
    char host[256];
    const char *colon = strrchr(address, ':');
    body->len = 0;
    if (!colon || colon == address || (size_t)(colon - address) >= sizeof host) {
        buf_printf(body, "%s is not HOST:PORT", address);
        return 0;
    }
    memcpy(host, address, (size_t)(colon - address));
    host[colon - address] = 0;
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *ai;
    int rc = getaddrinfo(host, colon + 1, &hints, &ai);
    if (rc) {
        buf_printf(body, "%s: %s", address, gai_strerror(rc));
        return 0;
    }
    int fd = -1;
    for (struct addrinfo *a = ai; a && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) continue;
        struct timeval tv = {timeout_s, 0};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        if (connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(ai);
    if (fd < 0) {
        buf_printf(body, "cannot connect to %s", address);
        return 0;
    }
    buf_t req;
    buf_init(&req);
    buf_printf(&req, "%s %s HTTP/1.1\r\nHost: %s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
               method, path, address);
    bool sent = send(fd, req.data, req.len, MSG_NOSIGNAL) == (ssize_t)req.len;
    buf_free(&req);
    buf_t in;
    buf_init(&in);
    char chunk[4096];
    ssize_t n;
    /* (Connection: close: to the end, but no further than an answer can be) */
    while (sent && in.len <= HTTP_REPLY_MAX_HEAD + ADMIN_MAX_BODY &&
           (n = recv(fd, chunk, sizeof chunk, 0)) > 0)
        buf_append(&in, chunk, (size_t)n);
    close(fd);
    int status = 0;
    http_reply_t reply;
    if (http_reply_head(in.data, in.len, ADMIN_MAX_BODY, &reply) == HTTP_REPLY_OK &&
        in.len >= reply.head_len + reply.body_len) {
        status = reply.status;
        buf_append(body, in.data + reply.head_len, reply.body_len);
    } else {
        buf_printf(body, "no answer from %s", address);
    }
    buf_free(&in);
    return status;
}

static const json_value_t *member(const json_value_t *o, const char *key)
{
    return o && o->type == JSON_OBJECT ? json_object_get(o, key) : NULL;
}

/* A member as text ("" when absent). */
static const char *text(arena_t *a, const json_value_t *o, const char *key)
{
    const json_value_t *v = member(o, key);
    if (!v || (v->type != JSON_STRING && v->type != JSON_NUMBER)) return "";
    char *s = arena_alloc(a, v->u.str.len + 1);
    memcpy(s, v->u.str.ptr, v->u.str.len);
    s[v->u.str.len] = 0;
    return s;
}

static json_value_t *parse(arena_t *a, const buf_t *b)
{
    json_value_t *v;
    return json_parse(a, b->data, b->len, &v, NULL) == JSON_OK && v->type == JSON_OBJECT ? v : NULL;
}

/* A failed answer from address: its "error", or the body. */
static int fail(arena_t *a, const char *address, int status, const buf_t *body)
{
    json_value_t *v = parse(a, body);
    const char *why = v ? text(a, v, "error") : "";
    if (*why) fprintf(stderr, "ddbd cluster: %s\n", why);
    else if (status == 404 || status == 400)
        fprintf(stderr, "ddbd cluster: %s answers no cluster requests: not in cluster mode\n",
                address);
    else fprintf(stderr, "ddbd cluster: %.*s\n", (int)body->len, body->data);
    return 1;
}

/* A change (POST), sent on to the leader when `to` does not lead. */
static int change(arena_t *a, const char *to, const char *path)
{
    buf_t body;
    buf_init(&body);
    int status = 0;
    /* during an election (503) ask again, a few times */
    for (int attempt = 0; attempt < ELECTION_RETRIES; attempt++) {
        if (attempt) usleep(ELECTION_RETRY_MS * 1000);
        status = cluster_admin_http(to, "POST", path, REQUEST_TIMEOUT_S, &body);
        if (status == 409) {
            json_value_t *v = parse(a, &body);
            const char *leader = v ? text(a, v, "leader_api") : "";
            if (*leader) status = cluster_admin_http(leader, "POST", path, REQUEST_TIMEOUT_S, &body);
        }
        if (status != 503) break;
    }
    int rc = status == 200 ? 0 : fail(a, to, status, &body);
    if (!rc) {
        json_value_t *v = parse(a, &body);
        printf("node %s %s\n", text(a, v, "node"), member(v, "added") ? "added, a voter" : "removed");
    }
    buf_free(&body);
    return rc;
}

static int status(arena_t *a, const char *to)
{
    buf_t body;
    buf_init(&body);
    int code = cluster_admin_http(to, "GET", "/cluster/status", REQUEST_TIMEOUT_S, &body);
    json_value_t *view = code == 200 ? parse(a, &body) : NULL;
    const char *leader = view ? text(a, view, "leader_api") : "";
    if (view && strcmp(text(a, view, "role"), "leader") != 0 && *leader) {
        /* the leader knows every member's progress */
        code = cluster_admin_http(leader, "GET", "/cluster/status", REQUEST_TIMEOUT_S, &body);
        view = code == 200 ? parse(a, &body) : NULL;
    }
    if (!view) {
        int rc = fail(a, to, code, &body);
        buf_free(&body);
        return rc;
    }
    bool leading = strcmp(text(a, view, "role"), "leader") == 0;
    if (leading)
        printf("leader: node %s, term %s, commit %s, last entry %s, elections seen %s\n",
               text(a, view, "node"), text(a, view, "term"), text(a, view, "commit"),
               text(a, view, "last"), text(a, view, "elections"));
    else
        printf("no leader known to node %s (term %s)\n", text(a, view, "node"), text(a, view, "term"));
    printf("%-5s %-11s %-8s %-6s %-8s %-8s %-8s %-6s %-22s %s\n", "node", "role", "member", "term",
           "commit", "applied", "match", "lag", "cluster", "api");
    const json_value_t *ms = member(view, "members");
    for (size_t i = 0; ms && ms->type == JSON_ARRAY && i < ms->u.array.count; i++) {
        const json_value_t *m = ms->u.array.items[i];
        const char *api = text(a, m, "api");
        json_value_t *own = NULL;
        buf_t mb;
        buf_init(&mb);
        if (*api && cluster_admin_http(api, "GET", "/cluster/status", MEMBER_TIMEOUT_S, &mb) == 200)
            own = parse(a, &mb);
        const char *lag = text(a, m, "lag");
        printf("%-5s %-11s %-8s %-6s %-8s %-8s %-8s %-6s %-22s %s\n", text(a, m, "id"),
               own ? text(a, own, "role") : "unreachable", text(a, m, "role"),
               own ? text(a, own, "term") : "-", own ? text(a, own, "commit") : "-",
               own ? text(a, own, "applied") : "-", *lag ? text(a, m, "match") : "-",
               *lag ? lag : "-", text(a, m, "address"), *api ? api : "-");
        buf_free(&mb);
    }
    buf_free(&body);
    return 0;
}

int cluster_admin_main(int argc, char **argv)
{
    const char *to = NULL, *what = argc > 1 ? argv[1] : "", *arg = NULL;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--to") == 0 && i + 1 < argc) to = argv[++i];
        else if (!arg && argv[i][0] != '-') arg = argv[i];
        else {
            usage(stderr);
            return 2;
        }
    }
    bool is_status = strcmp(what, "status") == 0, is_add = strcmp(what, "add") == 0,
         is_remove = strcmp(what, "remove") == 0;
    if (!to || (!is_status && !is_add && !is_remove) || (is_status == (arg != NULL))) {
        usage(stderr);
        return 2;
    }
    arena_t *a = arena_new(0);
    int rc;
    char path[600];
    if (is_status) rc = status(a, to);
    else if (is_remove) {
        if (strspn(arg, "0123456789") != strlen(arg) || !*arg) {
            fprintf(stderr, "ddbd cluster: remove takes a node ID (a number from 1)\n");
            rc = 2;
        } else {
            snprintf(path, sizeof path, "/cluster/remove?id=%s", arg);
            rc = change(a, to, path);
        }
    } else {
        const char *eq = strchr(arg, '=');
        size_t idlen = eq ? (size_t)(eq - arg) : 0;
        if (!eq || !idlen || strspn(arg, "0123456789") != idlen || strlen(eq + 1) > 255 ||
            strpbrk(eq + 1, "&?# ")) {
            fprintf(stderr, "ddbd cluster: add takes ID=HOST:PORT (the new node's cluster address)\n");
            rc = 2;
        } else {
            snprintf(path, sizeof path, "/cluster/add?id=%.*s&address=%s", (int)idlen, arg, eq + 1);
            rc = change(a, to, path);
        }
    }
    arena_free(a);
    return rc;
}
