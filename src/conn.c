/* conn: the connections of an I/O thread; see conn.h.
 *
 * A connection has an input and an output buffer.  Requests are served in
 * order: complete ones are parsed from the input one after another and
 * their responses appended to the output, sent with one send() when the
 * input runs dry.  A POST borrows a call slot from the loop (api_call_t,
 * arena and body buffer, reused without malloc); while its call is pending
 * the connection reads nothing, since the call's headers and body point
 * into the input buffer, which must neither move nor grow.
 *
 * Readiness is edge-triggered and registered once for input and output:
 * the connection tracks it itself (readable, writable), so pausing input (a
 * call pending in the writer, a large output backlog) or waiting for output
 * space costs no epoll_ctl call.  After a read shorter than the space
 * offered the socket is known drained and the next edge will announce
 * more, so a request costs one recv and one send.
 *
 * Timeouts: the thread's timer calls conn_tick(), which compares the times
 * the connection last moved with the limits, so the request path only
 * stores the loop's clock in a field or two.  A request whose head or body
 * is late gets 408; an idle connection, or one whose output does not move,
 * is closed.  Buffers of connections idle for CONN_TRIM_AFTER_MS are
 * released, a TLS session's too.  Closing after an error, a timeout or
 * "Connection: close" shuts down the sending side and drains input for up
 * to CONN_LINGER_MS, so the client reads the response rather than a reset.
 *
 * Fairness: a connection is driven for at most CONN_REQUESTS_PER_TURN
 * requests and CONN_READS_PER_TURN reads per turn; with more to do it goes
 * on the loop's "again" list and waits for the other ready connections.
 * Its unsent output stops the serving of its pipelined requests at
 * max_output_bytes, so deep pipelining costs one connection's worth of
 * memory and no more than its turns of time.
 */
#include "conn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cluster.h"
#include "errors.h"
#include "http_body.h"
#include "metrics.h"

#define CONN_READ_SIZE (16 * 1024)  /* space offered to each recv */
#define CONN_BUF_KEEP (64 * 1024)   /* larger slot buffers are freed after use */
#define CONN_FREE_SLOTS 64          /* idle call slots kept per loop */
#define CONN_TRIM_AFTER_MS 10000    /* idle before buffers are released */
#define CONN_READS_PER_TURN 16      /* then other connections get a turn */
#define CONN_REQUESTS_PER_TURN 32   /* likewise */

static void conn_drive(conn_t *c);

/* ---- call slots ---- */

static call_slot_t *slot_acquire(conn_loop_t *l, conn_t *c)
{
    call_slot_t *s = l->free_slots;
    if (s) {
        l->free_slots = s->next;
        l->nfree_slots--;
    } else {
        s = calloc(1, sizeof *s);
        if (!s) abort();
        s->arena = arena_new(0);
        buf_init(&s->body);
    }
    s->conn = c;
    s->next = NULL;
    s->body.len = 0;
    memset(&s->call, 0, sizeof s->call);
    s->call.arena = s->arena;
    s->call.thread = l->api;
    s->call.out = &s->body;
    s->call.http_status = 200;
    s->call.owner = s;
    return s;
}

static void slot_free(call_slot_t *s)
{
    arena_free(s->arena);
    buf_free(&s->body);
    free(s);
}

static void slot_release(conn_loop_t *l, call_slot_t *s)
{
    arena_reset(s->arena);
    if (s->body.cap > CONN_BUF_KEEP) buf_free(&s->body);
    s->conn = NULL;
    if (l->nfree_slots >= CONN_FREE_SLOTS) {
        slot_free(s);
        return;
    }
    s->next = l->free_slots;
    l->free_slots = s;
    l->nfree_slots++;
}


/* ---- connections: lifecycle ---- */

static void conn_unlink(conn_t *c)
{
    conn_loop_t *l = c->loop;
    if (c->prev)
        c->prev->next = c->next;
    else
        l->conns = c->next;
    if (c->next) c->next->prev = c->prev;
    c->prev = c->next = NULL;
    atomic_fetch_sub_explicit(l->nconns, 1, memory_order_relaxed);
    atomic_fetch_sub_explicit(&l->open, 1, memory_order_relaxed);
}

static void conn_free(conn_t *c)
{
    buf_free(&c->in);
    buf_free(&c->out);
    free(c);
}

/* See conn.h. */
void conn_close(conn_t *c)
{
    if (c->dead) return;
    conn_loop_t *l = c->loop;
    c->dead = true;
    if (c->tls) {
        tls_session_free(c->tls);
        c->tls = NULL;
    }
    close(c->fd);
    c->fd = -1;
    conn_unlink(c);
    if (c->inflight) {
        l->nzombies++;
        return;
    }
    c->next = l->dead;
    l->dead = c;
}

/* Revisit the connection after the other ready ones: it has more to do
 * than one turn allows, and no new edge will announce it. */
static void conn_defer(conn_t *c)
{
    if (c->again) return;
    c->again = true;
    c->again_next = c->loop->again;
    c->loop->again = c;
}

/* Close after the client has had time to read what was sent: shut down our
 * side and discard its input until it closes too (or CONN_LINGER_MS). */
static void conn_linger_drain(conn_t *c);

static void conn_close_gracefully(conn_t *c)
{
    if (c->loop->stopping) {
        conn_close(c);
        return;
    }
    if (c->tls) tls_session_close(c->tls);
    shutdown(c->fd, SHUT_WR);
    c->lingering = true;
    c->last_active = c->loop->now;
    buf_free(&c->in);
    buf_free(&c->out);
    c->in_off = c->out_off = 0;
    conn_linger_drain(c);
}

static void conn_linger_drain(conn_t *c)
{
    char scratch[CONN_READ_SIZE];
    for (int reads = 0; c->readable; reads++) {
        if (reads == CONN_READS_PER_TURN) {
            conn_defer(c);
            return;
        }
        ssize_t n = recv(c->fd, scratch, sizeof scratch, 0);
        if (n > 0) continue;
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            c->readable = false;
            return;
        }
        conn_close(c); /* EOF or error */
        return;
    }
}

/* ---- connections: output ---- */

static size_t conn_backlog(const conn_t *c) { return c->out.len - c->out_off; }

/* One TLS write (a record or more; a short one does not mean the socket
 * is full).  False when the connection was closed. */
static bool conn_send_tls(conn_t *c)
{
    ssize_t n = tls_session_write(c->tls, c->out.data + c->out_off, conn_backlog(c));
    if (n > 0) {
        c->write_progress = c->loop->now;
        c->out_off += (size_t)n;
        return true;
    }
    if (n == TLS_WANT_WRITE || n == TLS_WANT_READ) {
        /* WANT_READ (the peer's handshake message first): conn_on_epoll
         * retries on the next input too. */
        c->writable = false;
        return true;
    }
    conn_close(c);
    return false;
}

/* Send what is queued; false when the connection was closed. */
static bool conn_flush(conn_t *c)
{
    while (c->writable && conn_backlog(c) > 0) {
        if (c->tls) {
            if (!conn_send_tls(c)) return false;
            continue;
        }
        ssize_t n = send(c->fd, c->out.data + c->out_off, conn_backlog(c), MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                c->writable = false;
                break;
            }
            conn_close(c);
            return false;
        }
        c->write_progress = c->loop->now;
        c->out_off += (size_t)n;
        if (conn_backlog(c) > 0) c->writable = false; /* a short send means the socket is full */
    }
    if (c->out_off == c->out.len) {
        c->out.len = c->out_off = 0;
    } else if (c->out_off > c->out.len / 2) {
        buf_consume(&c->out, c->out_off);
        c->out_off = 0;
    }
    return true;
}

/* Appends a response to the output. */
static void conn_respond(conn_t *c, const http_response_t *r)
{
    if (c->out.len == 0) c->write_progress = c->loop->now;
    http_response_write(&c->loop->writer, &c->out, r);
}

/* Answers a request that cannot be served with a bare status, and closes
 * after it. */
static void conn_respond_status(conn_t *c, int status)
{
    http_response_t r = {.status = status, .close = true};
    conn_respond(c, &r);
    c->closing = true;
}

/* The request at in_off, of len bytes, has been answered. */
static void conn_consume(conn_t *c, size_t len, bool keep)
{
    c->in_off += len;
    if (c->in_off == c->in.len) c->in_off = c->in.len = 0;
    c->parse_seen = c->parse_need = 0;
    memset(&c->progress, 0, sizeof c->progress);
    c->continue_sent = false;
    c->last_active = c->request_start = c->loop->now;
    if (!keep) c->closing = true;
}

/* ---- requests ---- */

/* The headers the server and the api care about, found in one pass. */
typedef struct {
    const http_header_t *target, *content_type, *authorization, *encoding, *origin, *host;
    const http_header_t *accept_encoding;
    const http_header_t *acr_headers; /* Access-Control-Request-Headers */
} req_headers_t;

static void request_headers(const http_request_t *req, req_headers_t *h)
{
    memset(h, 0, sizeof *h);
    for (size_t i = 0; i < req->header_count; i++) {
        const http_header_t *x = &req->headers[i];
        switch (x->name_len) {
        case 4:
            if (!h->host && http_token_ieq(x->name, 4, "host")) h->host = x;
            break;
        case 6:
            if (!h->origin && http_token_ieq(x->name, 6, "origin")) h->origin = x;
            break;
        case 12:
            if (!h->target && http_token_ieq(x->name, 12, "x-amz-target"))
                h->target = x;
            else if (!h->content_type && http_token_ieq(x->name, 12, "content-type"))
                h->content_type = x;
            break;
        case 13:
            if (!h->authorization && http_token_ieq(x->name, 13, "authorization")) h->authorization = x;
            break;
        case 15:
            if (!h->accept_encoding && http_token_ieq(x->name, 15, "accept-encoding"))
                h->accept_encoding = x;
            break;
        case 16:
            if (!h->encoding && http_token_ieq(x->name, 16, "content-encoding")) h->encoding = x;
            break;
        case 30:
            if (!h->acr_headers && http_token_ieq(x->name, 30, "access-control-request-headers"))
                h->acr_headers = x;
            break;
        default: break;
        }
    }
}

/* An api call's answer: its body, compressed when the client accepts it
 * and it is long enough to gain (the CRC-32 is of the bytes sent, as the
 * service's). */
static void conn_answer_call(conn_t *c, call_slot_t *s, const conn_answer_t *how)
{
    if (metrics_enabled())
        metrics_request_count(s->call.operation, s->call.error_kind,
                              metrics_now_ns() - s->call.started_ns, s->call.table_name,
                              s->call.table_name_len);
    http_response_t r = {
        .status = s->call.http_status,
        .content_type = "application/x-amz-json-1.0",
        .body = s->body.data,
        .body_len = s->body.len,
        .close = !how->keep || c->loop->stopping,
        .ka_header = how->ka_header,
        .cors = how->cors,
    };
    if (how->accept != HTTP_CODING_IDENTITY && r.body_len >= HTTP_BODY_COMPRESS_MIN &&
        http_body_encode(s->arena, how->accept, r.body, r.body_len, &r.body, &r.body_len) == 0)
        r.content_encoding = how->accept == HTTP_CODING_GZIP ? "gzip" : "deflate";
    conn_respond(c, &r);
}

/* Decodes a body sent with a Content-Encoding into the call.  False when
 * it cannot be: the answer is then in the slot (or, for a body that
 * inflates past the limit, *too_large is set). */
static bool conn_call_decode(conn_t *c, call_slot_t *s, const http_header_t *encoding,
                             bool *too_large)
{
    api_call_t *call = &s->call;
    http_coding_t coding = http_body_coding(encoding->value, encoding->value_len);
    if (coding == HTTP_CODING_IDENTITY) return true;
    http_body_status_t rc =
        coding == HTTP_CODING_UNSUPPORTED
            ? HTTP_BODY_CORRUPT
            : http_body_decode(s->arena, coding, call->body, call->body_len,
                               c->loop->limits.max_body, &call->body, &call->body_len);
    if (rc == HTTP_BODY_OK) return true;
    *too_large = rc == HTTP_BODY_TOO_LARGE;
    ddb_error_t *e = err_body_not_decodable(s->arena);
    call->http_status = ddb_error_status(e->kind);
    ddb_error_render(e, call->out);
    return false;
}

/* A POST: one api call.  False when it is pending. */
static bool conn_call(conn_t *c, const http_request_t *req, const req_headers_t *h, size_t len,
                      bool keep)
{
    conn_loop_t *l = c->loop;
    call_slot_t *s = slot_acquire(l, c);
    api_call_t *call = &s->call;
    conn_answer_t how = {.keep = keep,
                         .ka_header = keep && req->minor_version == 0,
                         .cors = h->origin != NULL,
                         .accept = h->accept_encoding
                                       ? http_body_accepted(h->accept_encoding->value,
                                                            h->accept_encoding->value_len)
                                       : HTTP_CODING_IDENTITY};
    if (h->target) call->target = h->target->value, call->target_len = h->target->value_len;
    if (h->content_type) {
        call->content_type = h->content_type->value;
        call->content_type_len = h->content_type->value_len;
    }
    if (h->host) call->host = h->host->value, call->host_len = h->host->value_len;
    call->has_authorization = h->authorization != NULL;
    call->request = req;
    call->body = req->body;
    call->body_len = req->body_len;
    call->on_complete = l->call_done;
    call->error_kind = -1;
    if (metrics_enabled()) call->started_ns = metrics_now_ns();

    bool too_large = false;
    if (h->encoding && !conn_call_decode(c, s, h->encoding, &too_large)) {
        if (too_large) {
            /* as for a body over the limit: the rest of the input is not read */
            http_response_t r = {.status = 413, .close = true, .cors = how.cors};
            conn_respond(c, &r);
            how.keep = false;
        } else {
            conn_answer_call(c, s, &how);
        }
        slot_release(l, s);
        conn_consume(c, len, how.keep);
        return true;
    }

    if (api_dispatch(call) == API_PENDING) {
        c->inflight = s;
        c->inflight_len = len;
        c->inflight_answer = how;
        return false;
    }
    conn_answer_call(c, s, &how);
    slot_release(l, s);
    conn_consume(c, len, keep);
    return true;
}

/* "/", with or without a query. */
static bool request_path_is_root(const http_request_t *req)
{
    return req->path_len >= 1 && req->path[0] == '/' && (req->path_len == 1 || req->path[1] == '?');
}

static bool request_path_is_metrics(const http_request_t *req)
{
    return req->path_len >= 8 && memcmp(req->path, "/metrics", 8) == 0 &&
           (req->path_len == 8 || req->path[8] == '?');
}

static bool conn_peer_is_loopback(const conn_t *c)
{
    struct sockaddr_storage a;
    socklen_t n = sizeof a;
    if (getpeername(c->fd, (struct sockaddr *)&a, &n) != 0) return false;
    if (a.ss_family == AF_INET)
        return (ntohl(((struct sockaddr_in *)&a)->sin_addr.s_addr) >> 24) == 127;
    if (a.ss_family == AF_INET6) {
        const struct in6_addr *v6 = &((struct sockaddr_in6 *)&a)->sin6_addr;
        return IN6_IS_ADDR_LOOPBACK(v6) ||
               (IN6_IS_ADDR_V4MAPPED(v6) && v6->s6_addr[12] == 127);
    }
    return a.ss_family == AF_UNIX;
}

/* One complete request at in_off.  False when it left a call pending. */
static bool conn_handle(conn_t *c, const http_request_t *req, size_t len)
{
    conn_loop_t *l = c->loop;
    bool keep = req->keep_alive && !l->stopping;
    req_headers_t h;
    request_headers(req, &h);
    const char *m = req->method;
    size_t mlen = req->method_len;

    bool cluster_admin_asked = cluster_on && !c->metrics_only &&
                               cluster_admin_path(req->path, req->path_len);
    if (mlen == 4 && memcmp(m, "POST", 4) == 0 && !c->metrics_only && !cluster_admin_asked)
        return conn_call(c, req, &h, len, keep);

    http_response_t r = {
        .close = !keep, .ka_header = keep && req->minor_version == 0, .cors = h.origin != NULL};
    bool get = mlen == 3 && memcmp(m, "GET", 3) == 0, head = mlen == 4 && memcmp(m, "HEAD", 4) == 0;
    buf_t health;
    buf_init(&health);
    if (cluster_admin_asked) {
        /* The cluster admin command: not signed, so from this machine only. */
        r.content_type = "application/json";
        if (conn_peer_is_loopback(c))
            r.status = cluster_admin(mlen == 4 && memcmp(m, "POST", 4) == 0, req->path,
                                     req->path_len, &health);
        else
            r.status = 403;
        r.body = health.data, r.body_len = health.len;
    } else if ((get || head) && request_path_is_metrics(req) && metrics_enabled()) {
        /* Not signed: a scraper has no credentials (README). */
        api_metrics_render(l->api, atomic_load_explicit(l->nconns, memory_order_relaxed),
                           &health);
        r.status = 200;
        r.content_type = METRICS_CONTENT_TYPE;
        r.body = health.data, r.body_len = health.len;
        r.head_only = head;
    } else if (c->metrics_only) {
        static const char none[] = "Only GET /metrics is served on this port.\n";
        r.status = 404;
        r.content_type = "text/plain";
        r.body = none;
        r.body_len = sizeof none - 1;
        r.head_only = head;
    } else if ((get || head) && request_path_is_root(req)) {
        /* The health check names the host the client asked for. */
        const http_header_t *host = h.host;
        r.status = 200;
        r.content_type = "text/plain";
        if (host && host->value_len) {
            buf_append_str(&health, "healthy: ");
            buf_append(&health, host->value, host->value_len);
            buf_putc(&health, ' ');
            r.body = health.data, r.body_len = health.len;
        } else {
            r.body = l->health, r.body_len = l->health_len;
        }
        r.head_only = head;
    } else if (mlen == 7 && memcmp(m, "OPTIONS", 7) == 0 && h.origin) {
        /* A browser's CORS preflight: what it asks for is allowed. */
        const http_header_t *method = http_request_header(req, "access-control-request-method");
        r.status = 200;
        r.preflight = true;
        if (method) r.allow_methods = method->value, r.allow_methods_len = method->value_len;
        if (h.acr_headers) {
            r.allow_headers = h.acr_headers->value;
            r.allow_headers_len = h.acr_headers->value_len;
        }
    } else {
        /* Any other method or path: the service knows no such operation. */
        static const char unknown[] = "<UnknownOperationException/>\n";
        r.status = 404;
        r.body = unknown;
        r.body_len = sizeof unknown - 1;
        r.head_only = head;
    }
    conn_respond(c, &r);
    buf_free(&health);
    conn_consume(c, len, keep);
    return true;
}

static bool request_expects_continue(const http_request_t *req)
{
    if (req->minor_version < 1) return false;
    const http_header_t *e = http_request_header(req, "expect");
    return e && http_token_ieq(e->value, e->value_len, "100-continue");
}

/* Serves the complete requests buffered, in order, until one is pending,
 * the input ends mid-request, the output backlog is too large or the turn's
 * budget is spent. */
static void conn_serve(conn_t *c)
{
    conn_loop_t *l = c->loop;
    while (!c->inflight && !c->closing && !c->dead && c->budget &&
           conn_backlog(c) < l->cfg->max_output_bytes) {
        char *data = c->in.data + c->in_off;
        size_t len = c->in.len - c->in_off;
        if (len == 0) break;
        if (c->parse_need) {
            if (len < c->parse_need) break;
        } else if (c->parse_seen && len < l->limits.max_head &&
                   !memchr(data + c->parse_seen, '\n', len - c->parse_seen)) {
            /* The head is still incomplete and no new line arrived: the
             * parser would answer the same, after re-reading everything. */
            c->parse_seen = len;
            break;
        }
        http_request_t req;
        size_t used;
        http_status_t st = http_parse_request(data, len, &l->limits, &c->progress, &req, &used);
        if (st == HTTP_INCOMPLETE) {
            c->parse_seen = len;
            if (used && !c->parse_need) c->head_done = l->now;
            c->parse_need = used;
            if (used && !c->continue_sent && request_expects_continue(&req)) {
                buf_append_str(&c->out, "HTTP/1.1 100 Continue\r\n\r\n");
                c->continue_sent = true;
            }
            break;
        }
        if (st != HTTP_COMPLETE) {
            conn_respond_status(c, http_response_status_of(st));
            break;
        }
        c->budget--;
        if (!conn_handle(c, &req, used)) break;
    }
}

/* ---- connections: input ---- */

typedef enum { READ_DATA, READ_EOF, READ_AGAIN, READ_ERROR } read_result_t;

static void conn_received(conn_t *c, size_t n)
{
    if (c->in.len == 0) c->request_start = c->loop->now;
    c->in.len += n;
    c->last_active = c->loop->now;
    c->tls_trimmed = false;
}

/* A TLS read returns one record: the socket is drained when its last read
 * came back short and OpenSSL holds nothing more (see tls.h), as with a
 * short plain read. */
static read_result_t conn_read_tls(conn_t *c, size_t space)
{
    ssize_t n = tls_session_read(c->tls, c->in.data + c->in.len, space);
    if (n > 0) {
        conn_received(c, (size_t)n);
        if (!c->peer_shut && tls_session_drained(c->tls)) c->readable = false;
        return READ_DATA;
    }
    switch (n) {
    case TLS_WANT_READ: c->readable = false; return READ_AGAIN;
    case TLS_WANT_WRITE: c->writable = false; return READ_AGAIN; /* readable stays: read on */
    case TLS_CLOSED:
        c->readable = false;
        c->peer_eof = true;
        return READ_EOF;
    default: return READ_ERROR;
    }
}

static read_result_t conn_read(conn_t *c)
{
    /* Nothing points into the input here (no call pending): compact it. */
    if (c->in_off) {
        buf_consume(&c->in, c->in_off);
        c->in_off = 0;
    }
    size_t want = CONN_READ_SIZE;
    if (c->parse_need > c->in.len && c->parse_need - c->in.len > want)
        want = c->parse_need - c->in.len; /* a large body: room for all of it at once */
    buf_reserve(&c->in, want);
    size_t space = c->in.cap - c->in.len;
    if (c->tls) return conn_read_tls(c, space);
    for (;;) {
        ssize_t n = recv(c->fd, c->in.data + c->in.len, space, 0);
        if (n > 0) {
            conn_received(c, (size_t)n);
            /* A short read drained the socket, unless the peer's FIN came
             * with the data: then only reading on finds the EOF. */
            if ((size_t)n < space && !c->peer_shut) c->readable = false;
            return READ_DATA;
        }
        if (n == 0) {
            c->readable = false;
            c->peer_eof = true;
            return READ_EOF;
        }
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            c->readable = false;
            return READ_AGAIN;
        }
        return READ_ERROR;
    }
}

/* A plain HTTP request on a TLS-only port: say so in plain HTTP, and close. */
static void conn_refuse_plain(conn_t *c)
{
    static const char text[] = "This port speaks HTTPS only.\n";
    c->mode = CONN_PLAIN;
    http_response_t r = {.status = 400,
                         .content_type = "text/plain",
                         .body = text,
                         .body_len = sizeof text - 1,
                         .close = true};
    conn_respond(c, &r);
    c->closing = true;
}

/* Settles a connection's protocol: its first byte (peeked, left for the
 * parser or OpenSSL) tells HTTPS from HTTP, then the TLS handshake runs.
 * True when it is settled, false while it waits for the socket (or was
 * closed). */
static bool conn_settle(conn_t *c)
{
    if (!c->tls) {
        unsigned char first;
        ssize_t n;
        do n = recv(c->fd, &first, 1, MSG_PEEK);
        while (n < 0 && errno == EINTR);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            c->readable = false;
            return false;
        }
        if (n <= 0) {
            conn_close(c); /* closed (or broken) before a byte */
            return false;
        }
        if (first != TLS_RECORD_HANDSHAKE) {
            if (c->mode == CONN_TLS) conn_refuse_plain(c);
            c->mode = CONN_PLAIN;
            c->settled = true;
            return true;
        }
        c->mode = CONN_TLS;
        c->tls = tls_session_new(c->loop->tls, c->fd);
        if (!c->tls) {
            conn_close(c);
            return false;
        }
    }
    switch (tls_session_handshake(c->tls)) {
    case 1:
        c->settled = true;
        c->request_start = c->last_active = c->loop->now;
        return true;
    case TLS_WANT_READ: c->readable = false; return false;
    case TLS_WANT_WRITE: c->writable = false; return false;
    default: conn_close(c); return false; /* not TLS, or a handshake that failed */
    }
}

/* Runs a connection as far as one turn allows: serve, read, serve..., then
 * send. */
static void conn_drive(conn_t *c)
{
    if (c->dead) return;
    if (c->lingering) {
        conn_linger_drain(c);
        return;
    }
    if (!c->settled && !conn_settle(c)) return;
    size_t high = c->loop->cfg->max_output_bytes;
    bool more = false; /* work left that this turn may not do */
    c->budget = CONN_REQUESTS_PER_TURN;
    for (int reads = 0;;) {
        conn_serve(c);
        if (c->dead) return;
        if (conn_backlog(c) >= high) {
            if (!conn_flush(c)) return;
            if (conn_backlog(c) >= high) break; /* wait for EPOLLOUT */
            continue;
        }
        if (c->inflight || c->closing) break;
        if (c->budget == 0 && c->in.len > c->in_off) {
            more = true; /* requests left in the input */
            break;
        }
        if (c->peer_eof || !c->readable) break;
        if (reads++ == CONN_READS_PER_TURN) {
            more = true; /* no new edge will come for this input */
            break;
        }
        read_result_t r = conn_read(c);
        if (r == READ_ERROR) {
            conn_close(c);
            return;
        }
        if (r == READ_AGAIN) break;
    }
    if (!conn_flush(c)) return;
    if (more) {
        conn_defer(c);
        return;
    }
    if (c->inflight || conn_backlog(c) > 0) return;
    if (c->closing)
        conn_close_gracefully(c);
    else if (c->peer_eof)
        conn_close(c); /* whatever is left is a partial request */
    else if (c->loop->stopping)
        conn_close(c);
}


/* The timeouts of one connection (not lingering, no call pending). */
static void conn_check_timeouts(conn_t *c, int64_t now)
{
    const server_config_t *cfg = c->loop->cfg;
    if (!c->settled) {
        /* no request yet, but a handshake (or its first byte) overdue */
        if (now - c->request_start >= cfg->header_timeout_ms) conn_close(c);
        return;
    }
    size_t backlog = conn_backlog(c);
    if (backlog > 0 && now - c->write_progress >= cfg->write_timeout_ms) {
        conn_close(c); /* the client does not read what it asked for */
    } else if (c->in.len > c->in_off) {
        /* A partial request, unless its input waits for the output to
         * drain (then the write timeout applies) or is no longer wanted. */
        if (backlog >= cfg->max_output_bytes || c->closing) return;
        bool late = c->parse_need ? now - c->head_done >= cfg->body_timeout_ms
                                  : now - c->request_start >= cfg->header_timeout_ms;
        if (late) {
            conn_respond_status(c, 408);
            conn_drive(c);
        }
    } else if (backlog == 0) {
        if (now - c->last_active >= cfg->idle_timeout_ms) {
            conn_close(c);
        } else if (now - c->last_active >= CONN_TRIM_AFTER_MS &&
                   (c->in.cap || c->out.cap || (c->tls && !c->tls_trimmed))) {
            buf_free(&c->in);
            buf_free(&c->out);
            c->in_off = c->out_off = 0;
            if (c->tls) tls_session_trim(c->tls);
            c->tls_trimmed = c->tls != NULL;
        }
    }
}


/* ---- what the loop calls ---- */

conn_t *conn_open(conn_loop_t *l, int fd, conn_mode_t mode)
{
    conn_t *c = calloc(1, sizeof *c);
    if (!c) abort();
    c->kind = EV_CONN;
    c->fd = fd;
    c->loop = l;
    c->mode = mode;
    c->settled = mode == CONN_PLAIN;
    c->writable = true;
    c->last_active = c->request_start = c->write_progress = l->now;
    buf_init(&c->in);
    buf_init(&c->out);
    c->next = l->conns;
    if (l->conns) l->conns->prev = c;
    l->conns = c;
    return c;
}

void conn_on_epoll(conn_t *c, uint32_t events)
{
    if (c->dead) return;
    if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) c->readable = true;
    if (events & (EPOLLRDHUP | EPOLLHUP)) c->peer_shut = true;
    if (events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) c->writable = true;
    if (c->tls && (events & EPOLLIN)) c->writable = true; /* a write may wait for input */
    conn_drive(c);
}

void conn_call_completed(conn_loop_t *l, call_slot_t *s)
{
    conn_t *c = s->conn;
    c->inflight = NULL;
    if (c->dead) {
        slot_release(l, s);
        l->nzombies--;
        c->next = l->dead; /* an event of this batch may still name it */
        l->dead = c;
        return;
    }
    conn_answer_call(c, s, &c->inflight_answer);
    slot_release(l, s);
    conn_consume(c, c->inflight_len, c->inflight_answer.keep && !l->stopping);
    conn_drive(c);
}

void conn_begin_stop(conn_t *c)
{
    if (c->inflight) {
        c->closing = true; /* after its response */
    } else if (c->lingering || conn_backlog(c) == 0) {
        conn_close(c);
    } else {
        c->closing = true;
        conn_drive(c);
    }
}

void conn_tick(conn_t *c, int64_t now)
{
    if (c->inflight) return;
    if (c->lingering) {
        /* Even while the client keeps sending (then it is on the again
         * list): the drain lasts CONN_LINGER_MS, no more. */
        if (now - c->last_active >= CONN_LINGER_MS) conn_close(c);
    } else if (!c->again) { /* on the again list: busy, not late */
        conn_check_timeouts(c, now);
    }
}

void conn_loop_run_again(conn_loop_t *l)
{
    conn_t *again = l->again;
    l->again = NULL;
    while (again) {
        conn_t *c = again;
        again = c->again_next;
        c->again = false;
        conn_drive(c); /* a no-op when it died meanwhile */
    }
}

void conn_loop_free_dead(conn_loop_t *l)
{
    while (l->dead) {
        conn_t *c = l->dead;
        l->dead = c->next;
        conn_free(c);
    }
}

void conn_loop_free_slots(conn_loop_t *l)
{
    while (l->free_slots) {
        call_slot_t *s = l->free_slots;
        l->free_slots = s->next;
        slot_free(s);
    }
    l->nfree_slots = 0;
}
