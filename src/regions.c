/* regions: peer regions and calls to them; see regions.h. */
#include "regions.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "http_reply.h"
#include "log.h"
#include "sigv4.h"

static struct {
    region_peer_t peers[REGIONS_MAX];
    size_t count;
    const char *local;
    char *key_id, *key_secret;
    const char *ca_file;
    SSL_CTX *tls;
    pthread_mutex_t tls_lock;
} rg = {.tls_lock = PTHREAD_MUTEX_INITIALIZER};

static bool name_ok(const char *s, size_t n)
{
    if (n == 0 || n > 64) return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
            return false;
    return true;
}

const char *regions_add(const char *spec)
{
    const char *eq = strchr(spec, '=');
    if (!eq || !name_ok(spec, eq - spec)) return "a peer region is NAME=URL (name: a-z 0-9 -)";
    if (rg.count == REGIONS_MAX) return "too many peer regions";
    if (regions_find(spec, eq - spec)) return "a peer region is named twice";
    const char *url = eq + 1, *rest;
    bool tls;
    if (strncmp(url, "http://", 7) == 0)
        tls = false, rest = url + 7;
    else if (strncmp(url, "https://", 8) == 0)
        tls = true, rest = url + 8;
    else
        return "a peer's URL starts with http:// or https://";
    size_t hl = strcspn(rest, ":/");
    region_peer_t *p = &rg.peers[rg.count];
    if (hl == 0 || hl >= sizeof p->host) return "a peer's URL names no host";
    memcpy(p->host, rest, hl);
    p->host[hl] = 0;
    const char *port = rest[hl] == ':' ? rest + hl + 1 : NULL;
    size_t pl = port ? strcspn(port, "/") : 0;
    if (port && (pl == 0 || pl >= sizeof p->port || strspn(port, "0123456789") != pl))
        return "a peer's URL has a bad port";
    if (port) {
        memcpy(p->port, port, pl);
        p->port[pl] = 0;
    } else {
        strcpy(p->port, tls ? "443" : "80");
    }
    p->name = strndup(spec, eq - spec);
    p->url = strdup(url);
    p->tls = tls;
    rg.count++;
    return NULL;
}

void regions_clear(void)
{
    for (size_t i = 0; i < rg.count; i++) {
        free((char *)rg.peers[i].name);
        free((char *)rg.peers[i].url);
    }
    memset(rg.peers, 0, sizeof rg.peers);
    rg.count = 0;
}

const char *regions_load_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) return "the peer regions file cannot be read";
    static char why[300];
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int n = 0;
    const char *err = NULL;
    /* whole lines, however long: a piece of one is no peer */
    while (!err && (len = getline(&line, &cap, f)) > 0) {
        n++;
        /* a NUL would end the line early, taking the rest for nothing */
        const char *e = memchr(line, 0, (size_t)len) ? "a NUL byte" : NULL;
        char *s = line + strspn(line, " \t");
        /* the line's end only: a CR inside it is part of it (cutting there
         * took the line's first part for all of it) */
        for (char *t = s + strlen(s); t > s && strchr(" \t\r\n", t[-1]);)
            *--t = 0;
        if (!e && (!*s || *s == '#')) continue;
        if (!e) e = regions_add(s);
        if (e) {
            snprintf(why, sizeof why, "%s, line %d: %s", path, n, e);
            err = why;
        }
    }
    free(line);
    fclose(f);
    return err;
}

const char *regions_set_key(const char *spec)
{
    const char *colon = strchr(spec, ':');
    if (!colon || colon == spec || !colon[1]) return "the replication key is ID:SECRET";
    rg.key_id = strndup(spec, colon - spec);
    rg.key_secret = strdup(colon + 1);
    return NULL;
}

void regions_default_key(const char *id, const char *secret)
{
    if (rg.key_id) return;
    rg.key_id = strdup(id);
    rg.key_secret = strdup(secret);
}

/* Without a key, calls still carry a signature (a server whose
 * authentication is off asks only for some credentials). */
static const char *key_id(void) { return rg.key_id ? rg.key_id : "ddbd-replication"; }
static const char *key_secret(void) { return rg.key_secret ? rg.key_secret : "unset"; }

const char *regions_set_ca_file(const char *path)
{
    rg.ca_file = path;
    return NULL;
}

const char *regions_set_local(const char *region)
{
    rg.local = region;
    if (regions_find(region, strlen(region))) return "a peer region has this server's name";
    return NULL;
}

void regions_log(void)
{
    for (size_t i = 0; i < rg.count; i++)
        log_info("peer region %s at %s%s", rg.peers[i].name, rg.peers[i].url,
                 rg.key_id ? " (signed)" : "");
}

size_t regions_count(void) { return rg.count; }
const region_peer_t *regions_get(size_t i) { return i < rg.count ? &rg.peers[i] : NULL; }
const char *regions_local(void) { return rg.local; }

const region_peer_t *regions_find(const char *name, size_t len)
{
    for (size_t i = 0; i < rg.count; i++)
        if (strlen(rg.peers[i].name) == len && memcmp(rg.peers[i].name, name, len) == 0)
            return &rg.peers[i];
    return NULL;
}

void regions_render_list(buf_t *b)
{
    buf_putc(b, '[');
    buf_append_str(b, rg.local);
    for (size_t i = 0; i < rg.count; i++) {
        buf_append_str(b, ", ");
        buf_append_str(b, rg.peers[i].name);
    }
    buf_putc(b, ']');
}

/* --- calls ---------------------------------------------------------------------- */

/* The Authorization and X-Amz-Date headers of a signed call. */
static void sign(buf_t *head, const region_peer_t *p, const char *host, const char *target,
                 const char *type, const char *body, size_t len)
{
    char date[17], day[9], body_hash[65], canon_hash[65];
    sigv4_date_format((int64_t)time(NULL), date);
    memcpy(day, date, 8);
    day[8] = 0;
    if (!rg.key_id) {
        /* No key: no peer can verify a signature, and one whose
         * authentication is off only asks for the header; hashing the body
         * would be most of a call's cost for nothing. */
        buf_printf(head,
                   "X-Amz-Date: %s\r\nAuthorization: %s Credential=%s/%s/%s/dynamodb/aws4_request, "
                   "SignedHeaders=host, Signature=0\r\n",
                   date, SIGV4_ALGORITHM, key_id(), day, p->name);
        return;
    }
    sigv4_sha256_hex(body, len, body_hash);
    buf_t canon;
    buf_init(&canon);
    buf_printf(&canon,
               "POST\n/\n\ncontent-type:%s\nhost:%s\nx-amz-date:%s\n"
               "x-amz-target:%s\n\ncontent-type;host;x-amz-date;x-amz-target\n%s",
               type, host, date, target, body_hash);
    sigv4_sha256_hex(canon.data, canon.len, canon_hash);
    buf_free(&canon);
    char sts[512];
    int sts_len = snprintf(sts, sizeof sts, "%s\n%s\n%s/%s/dynamodb/aws4_request\n%s",
                           SIGV4_ALGORITHM, date, day, p->name, canon_hash);
    /* The signing key changes once a day: kept per thread and peer. */
    static __thread struct {
        char day[9];
        uint8_t key[32];
    } cache[REGIONS_MAX];
    size_t pi = (size_t)(p - rg.peers);
    if (strcmp(cache[pi].day, day) != 0) {
        sigv4_signing_key(key_secret(), day, p->name, "dynamodb", cache[pi].key);
        memcpy(cache[pi].day, day, sizeof cache[pi].day);
    }
    char hex[65];
    sigv4_signature_hex(cache[pi].key, sts, (size_t)sts_len, hex);
    buf_printf(head,
               "X-Amz-Date: %s\r\nAuthorization: %s Credential=%s/%s/%s/dynamodb/aws4_request, "
               "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=%s\r\n",
               date, SIGV4_ALGORITHM, key_id(), day, p->name, hex);
}

static SSL_CTX *tls_client(void)
{
    pthread_mutex_lock(&rg.tls_lock);
    if (!rg.tls) {
        SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
        if (ctx) {
            SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
            int ok = rg.ca_file ? SSL_CTX_load_verify_locations(ctx, rg.ca_file, NULL)
                                : SSL_CTX_set_default_verify_paths(ctx);
            if (ok != 1) {
                log_error("replication: the CA file %s cannot be used",
                          rg.ca_file ? rg.ca_file : "(system)");
                SSL_CTX_free(ctx);
                ctx = NULL;
            }
        }
        rg.tls = ctx;
    }
    SSL_CTX *ctx = rg.tls;
    pthread_mutex_unlock(&rg.tls_lock);
    return ctx;
}

typedef struct {
    int fd;
    SSL *ssl;
} link_t;

static int link_write(link_t *l, const char *p, size_t n)
{
    while (n) {
        ssize_t w = l->ssl ? SSL_write(l->ssl, p, (int)n) : send(l->fd, p, n, MSG_NOSIGNAL);
        if (w <= 0) {
            if (!l->ssl && w < 0 && errno == EINTR) continue;
            return -1;
        }
        p += w, n -= (size_t)w;
    }
    return 0;
}

static ssize_t link_read(link_t *l, char *p, size_t n)
{
    for (;;) {
        ssize_t r = l->ssl ? SSL_read(l->ssl, p, (int)n) : recv(l->fd, p, n, 0);
        if (r < 0 && !l->ssl && errno == EINTR) continue;
        return r;
    }
}

static int link_open(link_t *l, const region_peer_t *p, int timeout_s)
{
    l->fd = -1, l->ssl = NULL;
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res;
    if (getaddrinfo(p->host, p->port, &hints, &res) != 0) return -1;
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd >= 0) {
        struct timeval tv = {timeout_s, 0};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (connect(fd, res->ai_addr, res->ai_addrlen) != 0) {
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    if (fd < 0) return -1;
    l->fd = fd;
    if (!p->tls) return 0;
    SSL_CTX *ctx = tls_client();
    if (!ctx || !(l->ssl = SSL_new(ctx))) return -1;
    SSL_set_fd(l->ssl, fd);
    SSL_set_tlsext_host_name(l->ssl, p->host);
    SSL_set1_host(l->ssl, p->host);
    if (SSL_connect(l->ssl) != 1) return -1;
    return 0;
}

static void link_close(link_t *l)
{
    if (l->ssl) {
        SSL_shutdown(l->ssl);
        SSL_free(l->ssl);
    }
    if (l->fd >= 0) close(l->fd);
}

/* The longest answer a peer's body may be (read into memory): far above
 * any it sends (a page of a replica's copy is about a megabyte). */
#define MAX_RESPONSE_BODY (64u << 20)

/* Read one response: status, then a body of Content-Length bytes. */
static int read_response(link_t *l, int *status, buf_t *out)
{
    buf_t in;
    buf_init(&in);
    char chunk[16384];
    http_reply_t reply;
    http_reply_status_t st = HTTP_REPLY_MORE;
    int rc = -1;
    for (;;) {
        if (st == HTTP_REPLY_MORE) st = http_reply_head(in.data, in.len, MAX_RESPONSE_BODY, &reply);
        if (st == HTTP_REPLY_BAD) break;
        if (st == HTTP_REPLY_OK && in.len >= reply.head_len + reply.body_len) {
            *status = reply.status;
            buf_append(out, in.data + reply.head_len, reply.body_len);
            rc = 0;
            break;
        }
        ssize_t r = link_read(l, chunk, sizeof chunk);
        if (r <= 0) break;
        buf_append(&in, chunk, (size_t)r);
    }
    buf_free(&in);
    return rc;
}

/* Each thread keeps one connection per peer open between calls. */
static __thread link_t kept[REGIONS_MAX];
static __thread bool kept_open[REGIONS_MAX];

static int call_once(link_t *l, const region_peer_t *p, const char *target, const char *type,
                     const char *body, size_t len, int *status, buf_t *out)
{
    char host[300];
    bool default_port = strcmp(p->port, p->tls ? "443" : "80") == 0;
    snprintf(host, sizeof host, default_port ? "%s" : "%s:%s", p->host, p->port);
    buf_t head;
    buf_init(&head);
    buf_printf(&head,
               "POST / HTTP/1.1\r\nHost: %s\r\nContent-Type: %s\r\n"
               "X-Amz-Target: %s\r\nContent-Length: %zu\r\n",
               host, type, target, len);
    sign(&head, p, host, target, type, body, len);
    buf_append_str(&head, "\r\n");
    int rc = link_write(l, head.data, head.len);
    buf_free(&head);
    if (!rc) rc = link_write(l, body, len);
    if (!rc) rc = read_response(l, status, out);
    return rc;
}

int regions_call(const region_peer_t *p, const char *target, const char *body, size_t len,
                 int timeout_s, int *status, buf_t *out)
{
    return regions_call_typed(p, target, "application/x-amz-json-1.0", body, len, timeout_s, status,
                              out);
}

int regions_call_typed(const region_peer_t *p, const char *target, const char *type,
                       const char *body, size_t len, int timeout_s, int *status, buf_t *out)
{
    size_t i = (size_t)(p - rg.peers);
    link_t *l = &kept[i];
    size_t out_len = out->len;
    if (kept_open[i]) { /* the peer may have closed it meanwhile: then once more, anew */
        if (!call_once(l, p, target, type, body, len, status, out)) return 0;
        link_close(l);
        kept_open[i] = false;
        out->len = out_len;
    }
    int rc = link_open(l, p, timeout_s);
    if (!rc) rc = call_once(l, p, target, type, body, len, status, out);
    if (rc)
        link_close(l);
    else
        kept_open[i] = true;
    return rc;
}

void regions_thread_done(void)
{
    for (size_t i = 0; i < REGIONS_MAX; i++)
        if (kept_open[i]) {
            link_close(&kept[i]);
            kept_open[i] = false;
        }
}

void regions_shutdown(void)
{
    if (rg.tls) SSL_CTX_free(rg.tls);
    rg.tls = NULL;
}
