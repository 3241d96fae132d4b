/* server: the I/O threads, connections and HTTP framing behind server.h.
 *
 * Each I/O thread runs one epoll loop over its own SO_REUSEPORT listening
 * socket, its connections, an eventfd (completions of pending api calls and
 * the stop request) and a timerfd (timeouts) ticking at a quarter of the
 * shortest timeout, at most once a second.  Connections are
 * edge-triggered and registered once for input and output: the loop tracks
 * readiness itself, so pausing input (a call pending in the writer, a large
 * output backlog) or waiting for output space costs no epoll_ctl call.
 * After a read shorter than the space offered the socket is known drained
 * and the next edge will announce more, so a request costs one recv and one
 * send.
 *
 * A connection has an input and an output buffer.  Requests are served in
 * order: complete ones are parsed from the input one after another and
 * their responses appended to the output, sent with one send() when the
 * input runs dry.  A POST borrows a call slot from the thread (api_call_t,
 * arena and body buffer, reused without malloc); while its call is pending
 * the connection reads nothing, since the call's headers and body point
 * into the input buffer, which must neither move nor grow.  The writer
 * thread's on_complete queues the slot for its loop (mutex and eventfd);
 * the loop answers and resumes the connection's pipelined input.
 *
 * Limits and timeouts (server.h): the timer walks the thread's connections
 * and compares the times they last moved with the limits, so the request
 * path only stores the loop's clock (read once per wake-up) in a field or
 * two.  A request whose head or body is late gets 408; an idle connection,
 * or one whose output does not move, is closed.  Buffers of connections
 * idle for 10 s are released.  Closing after an error, a timeout or
 * "Connection: close" shuts down the sending side and drains input for up
 * to 2 s, so the client reads the response rather than a reset.  Over
 * max_connections (counted across threads), or out of descriptors, new
 * connections are accepted and closed at once.
 *
 * Fairness: a connection is driven for at most SERVER_REQUESTS_PER_TURN
 * requests and SERVER_READS_PER_TURN reads per turn; with more to do it
 * goes on the thread's "again" list and waits for the other ready
 * connections.  Its unsent output stops the serving of its pipelined
 * requests at max_output_bytes, so deep pipelining costs one connection's
 * worth of memory and no more than its turns of time.
 *
 * SIGTERM and SIGINT are caught by a handler that only writes to an
 * eventfd: a handler works whichever thread the signal lands on, even
 * threads started before server_run() without the signals blocked (the
 * storage writer), which a signalfd would not.  The main thread then stops
 * the loops: listening sockets close, idle connections close, pending calls
 * are answered (for at most 5 s) and the threads are joined.
 */
#include "server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "api.h"
#include "arena.h"
#include "buf.h"
#include "errors.h"
#include "http.h"
#include "log.h"

#define SERVER_MAX_THREADS 256
#define SERVER_READ_SIZE (16 * 1024)  /* space offered to each recv */
#define SERVER_BUF_KEEP (64 * 1024)   /* larger slot buffers are freed after use */
#define SERVER_FREE_SLOTS 64          /* idle call slots kept per thread */
#define SERVER_TRIM_AFTER_MS 10000    /* idle before buffers are released */
#define SERVER_LINGER_MS 2000         /* of draining input before a close */
#define SERVER_SHUTDOWN_GRACE_MS 5000 /* for pending calls at shutdown */
#define SERVER_TICK_MAX_MS 1000
#define SERVER_TICK_MIN_MS 10
#define SERVER_FD_RESERVE 64 /* descriptors kept for everything but connections */
#define SERVER_EVENTS 128
#define SERVER_READS_PER_TURN 16    /* then other connections get a turn */
#define SERVER_REQUESTS_PER_TURN 32 /* likewise */
#define SERVER_REQUEST_ID_LEN 52

typedef enum { EV_LISTEN, EV_WAKE, EV_TIMER, EV_CONN } ev_kind_t;

typedef struct server server_t;
typedef struct server_thread server_thread_t;
typedef struct conn conn_t;

/* What one api call needs; owned by a thread, lent to one connection at a time. */
typedef struct call_slot {
    api_call_t call;
    arena_t *arena;
    buf_t body;
    conn_t *conn;
    struct call_slot *next; /* free list or completion queue */
} call_slot_t;

struct conn {
    ev_kind_t kind; /* first: epoll data points here */
    int fd;
    server_thread_t *t;
    conn_t *prev, *next; /* the thread's live connections, or its dead list */

    buf_t in;
    size_t in_off; /* start of the unserved input */
    buf_t out;
    size_t out_off; /* start of the unsent output */

    /* Parser state of the request at in_off, to avoid re-parsing in vain. */
    size_t parse_seen; /* bytes present at the last incomplete parse (0: none) */
    size_t parse_need; /* head complete: the request needs at least this many */
    http_progress_t progress; /* through its chunked body */
    bool continue_sent;
    unsigned budget; /* requests left in this turn */

    call_slot_t *inflight;   /* pending api call */
    size_t inflight_len;     /* bytes of input its request occupies */
    bool inflight_keep;      /* keep-alive after it */
    bool inflight_ka_header; /* HTTP/1.0 keep-alive: say so */
    bool inflight_cors;

    bool readable, writable; /* edge-triggered readiness not yet consumed */
    bool peer_shut;          /* EPOLLRDHUP seen: read on to the EOF, no edge will come */
    bool again;              /* on the thread's again list */
    conn_t *again_next;
    bool peer_eof;
    bool closing;   /* close once the output is sent */
    bool lingering; /* write side shut, draining input */
    bool dead;

    /* Times in ms of the loop's clock (server_thread.now). */
    int64_t last_active;    /* last byte read or request served */
    int64_t request_start;  /* first byte of the partial request at in_off */
    int64_t head_done;      /* its head complete (parse_need set) */
    int64_t write_progress; /* last time the output moved */
};

struct server_thread {
    server_t *srv;
    const server_config_t *cfg;
    http_limits_t limits;
    int index;
    pthread_t tid;
    int epfd, listen_fd, wake_fd, timer_fd, reserve_fd;
    bool listen_paused; /* out of descriptors: off epoll until the next tick */
    ev_kind_t listen_kind, wake_kind, timer_kind;
    api_thread_t *api;
    bool api_failed;

    conn_t *conns;   /* live */
    conn_t *dead;    /* closed this iteration, freed after it */
    conn_t *again;   /* still readable after their read budget: revisit */
    size_t nzombies; /* closed with a call pending: freed on completion */

    call_slot_t *free_slots;
    size_t nfree_slots;

    pthread_mutex_t done_lock;
    call_slot_t *done_head, *done_tail;

    bool stopping;
    int64_t stop_deadline;
    int64_t now; /* CLOCK_MONOTONIC_COARSE in ms, refreshed per wakeup */

    uint64_t rng;
    time_t date_sec;
    char date[32]; /* "Sun, 06 Nov 1994 08:49:37 GMT" */
    int64_t last_overload_log; /* in seconds */
};

struct server {
    const server_config_t *cfg;
    int nthreads;
    server_thread_t *threads;
    char health[128];
    size_t health_len;
    atomic_bool stop;
    atomic_size_t nconns; /* open connections of all threads */
    unsigned tick_ms;

    /* Start-up handshake: every thread reports (ready), then waits for go
     * (1: serve, -1: give up because another thread failed). */
    pthread_mutex_t start_lock;
    pthread_cond_t start_cond;
    int ready, go;
};

static int server_stop_fd = -1; /* written by the signal handler */

/* ---- small helpers ---- */

/* The coarse clock is read from memory, without a system call; its
 * resolution (a few ms) is plenty for timeouts. */
static int64_t server_monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t thread_random(server_thread_t *t)
{
    /* splitmix64: request ids need to be unique, not secret */
    uint64_t z = (t->rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static const char *thread_date(server_thread_t *t)
{
    static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME_COARSE, &ts);
    if (ts.tv_sec != t->date_sec) {
        struct tm tm;
        gmtime_r(&ts.tv_sec, &tm);
        snprintf(t->date, sizeof t->date, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday],
                 tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                 tm.tm_sec);
        t->date_sec = ts.tv_sec;
    }
    return t->date;
}

static char *put_str(char *p, const char *s, size_t n)
{
    memcpy(p, s, n);
    return p + n;
}
#define PUT_LIT(p, lit) put_str((p), (lit), sizeof(lit) - 1)

static char *put_u64(char *p, uint64_t v)
{
    char tmp[20];
    int n = 0;
    do tmp[n++] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    while (n) *p++ = tmp[--n];
    return p;
}

static const char *status_reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 413: return "Request Entity Too Large";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
    }
}

static bool mem_ieq(const char *a, size_t alen, const char *lit)
{
    size_t n = strlen(lit);
    if (alen != n) return false;
    for (size_t i = 0; i < n; i++) {
        char c = a[i];
        if (c >= 'A' && c <= 'Z') c = (char)(c + 32);
        if (c != lit[i]) return false;
    }
    return true;
}

/* ---- call slots ---- */

static call_slot_t *slot_acquire(server_thread_t *t, conn_t *c)
{
    call_slot_t *s = t->free_slots;
    if (s) {
        t->free_slots = s->next;
        t->nfree_slots--;
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
    s->call.thread = t->api;
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

static void slot_release(server_thread_t *t, call_slot_t *s)
{
    arena_reset(s->arena);
    if (s->body.cap > SERVER_BUF_KEEP) buf_free(&s->body);
    s->conn = NULL;
    if (t->nfree_slots >= SERVER_FREE_SLOTS) {
        slot_free(s);
        return;
    }
    s->next = t->free_slots;
    t->free_slots = s;
    t->nfree_slots++;
}

/* Writer thread: hand the call back to the loop owning its connection. */
static void server_call_done(api_call_t *call)
{
    call_slot_t *s = call->owner;
    server_thread_t *t = s->conn->t;
    pthread_mutex_lock(&t->done_lock);
    bool was_empty = t->done_head == NULL;
    s->next = NULL;
    if (t->done_tail)
        t->done_tail->next = s;
    else
        t->done_head = s;
    t->done_tail = s;
    pthread_mutex_unlock(&t->done_lock);
    if (was_empty) {
        uint64_t one = 1;
        ssize_t r = write(t->wake_fd, &one, sizeof one);
        (void)r; /* a full counter still wakes the loop */
    }
}

/* ---- connections: lifecycle ---- */

static void conn_unlink(conn_t *c)
{
    server_thread_t *t = c->t;
    if (c->prev)
        c->prev->next = c->next;
    else
        t->conns = c->next;
    if (c->next) c->next->prev = c->prev;
    c->prev = c->next = NULL;
    atomic_fetch_sub_explicit(&t->srv->nconns, 1, memory_order_relaxed);
}

static void conn_free(conn_t *c)
{
    buf_free(&c->in);
    buf_free(&c->out);
    free(c);
}

/* Close at once.  A connection with a call pending stays allocated, as a
 * zombie, until the call completes. */
static void conn_close(conn_t *c)
{
    if (c->dead) return;
    server_thread_t *t = c->t;
    c->dead = true;
    close(c->fd);
    c->fd = -1;
    conn_unlink(c);
    if (c->inflight) {
        t->nzombies++;
        return;
    }
    c->next = t->dead;
    t->dead = c;
}

/* Revisit the connection after the other ready ones: it has more to do
 * than one turn allows, and no new edge will announce it. */
static void conn_defer(conn_t *c)
{
    if (c->again) return;
    c->again = true;
    c->again_next = c->t->again;
    c->t->again = c;
}

/* Close after the client has had time to read what was sent: shut down our
 * side and discard its input until it closes too (or SERVER_LINGER_MS). */
static void conn_linger_drain(conn_t *c);

static void conn_close_gracefully(conn_t *c)
{
    if (c->t->stopping) {
        conn_close(c);
        return;
    }
    shutdown(c->fd, SHUT_WR);
    c->lingering = true;
    c->last_active = c->t->now;
    buf_free(&c->in);
    buf_free(&c->out);
    c->in_off = c->out_off = 0;
    conn_linger_drain(c);
}

static void conn_linger_drain(conn_t *c)
{
    char scratch[SERVER_READ_SIZE];
    for (int reads = 0; c->readable; reads++) {
        if (reads == SERVER_READS_PER_TURN) {
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

/* Send what is queued; false when the connection was closed. */
static bool conn_flush(conn_t *c)
{
    while (c->writable && conn_backlog(c) > 0) {
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
        c->write_progress = c->t->now;
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

typedef struct {
    int status;
    const char *content_type; /* NULL: none */
    const char *body;
    size_t body_len;
    bool head_only; /* HEAD: the length of the body, not the body */
    bool close;     /* Connection: close */
    bool ka_header; /* Connection: keep-alive, for an HTTP/1.0 client */
    bool cors;      /* the request came from a browser page (Origin) */
} response_t;

/* Appends status line, headers and body to the output. */
static void conn_respond(conn_t *c, const response_t *r)
{
    server_thread_t *t = c->t;
    if (c->out.len == 0) c->write_progress = t->now;
    const char *reason = status_reason(r->status);
    size_t rlen = strlen(reason);
    size_t body = r->head_only ? 0 : r->body_len;
    buf_reserve(&c->out, 640 + rlen + body);
    char *p = c->out.data + c->out.len;

    p = PUT_LIT(p, "HTTP/1.1 ");
    p = put_u64(p, (uint64_t)r->status);
    *p++ = ' ';
    p = put_str(p, reason, rlen);
    const char *date = thread_date(t);
    p = PUT_LIT(p, "\r\nServer: ddbd\r\nDate: ");
    p = put_str(p, date, strlen(date));
    p = PUT_LIT(p, "\r\nx-amzn-RequestId: ");
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    uint64_t bits = 0;
    for (int i = 0; i < SERVER_REQUEST_ID_LEN; i++) {
        if (i % 12 == 0) bits = thread_random(t); /* 36^12 < 2^64 */
        *p++ = alphabet[bits % 36];
        bits /= 36;
    }
    p = PUT_LIT(p, "\r\nx-amz-crc32: ");
    uLong crc = crc32(0L, Z_NULL, 0);
    if (r->body_len) crc = crc32_z(crc, (const Bytef *)r->body, r->body_len);
    p = put_u64(p, crc);
    if (r->content_type) {
        p = PUT_LIT(p, "\r\nContent-Type: ");
        p = put_str(p, r->content_type, strlen(r->content_type));
    }
    p = PUT_LIT(p, "\r\nContent-Length: ");
    p = put_u64(p, r->body_len);
    if (r->close)
        p = PUT_LIT(p, "\r\nConnection: close");
    else if (r->ka_header)
        p = PUT_LIT(p, "\r\nConnection: keep-alive");
    if (r->cors)
        p = PUT_LIT(p, "\r\nAccess-Control-Allow-Origin: *\r\nAccess-Control-Expose-Headers: "
                       "x-amzn-RequestId,x-amzn-ErrorType,x-amz-crc32,Date");
    p = PUT_LIT(p, "\r\n\r\n");
    if (body) p = put_str(p, r->body, body);
    c->out.len = (size_t)(p - c->out.data);
}

/* Answers a request that cannot be served with a bare status, and closes
 * after it. */
static void conn_respond_status(conn_t *c, int status)
{
    response_t r = {.status = status, .close = true};
    conn_respond(c, &r);
    c->closing = true;
}

static int http_error_status(http_status_t st)
{
    switch (st) {
    case HTTP_ERR_TOO_LARGE: return 413;
    case HTTP_ERR_HEAD_TOO_LARGE: return 431;
    case HTTP_ERR_BAD_VERSION: return 505;
    default: return 400;
    }
}

/* The request at in_off, of len bytes, has been answered. */
static void conn_consume(conn_t *c, size_t len, bool keep)
{
    c->in_off += len;
    if (c->in_off == c->in.len) c->in_off = c->in.len = 0;
    c->parse_seen = c->parse_need = 0;
    memset(&c->progress, 0, sizeof c->progress);
    c->continue_sent = false;
    c->last_active = c->request_start = c->t->now;
    if (!keep) c->closing = true;
}

/* ---- requests ---- */

/* The headers the server and the api care about, found in one pass. */
typedef struct {
    const http_header_t *target, *content_type, *authorization, *encoding, *origin;
    const http_header_t *acr_headers; /* Access-Control-Request-Headers */
} req_headers_t;

static void request_headers(const http_request_t *req, req_headers_t *h)
{
    memset(h, 0, sizeof *h);
    for (size_t i = 0; i < req->header_count; i++) {
        const http_header_t *x = &req->headers[i];
        switch (x->name_len) {
        case 6:
            if (!h->origin && mem_ieq(x->name, 6, "origin")) h->origin = x;
            break;
        case 12:
            if (!h->target && mem_ieq(x->name, 12, "x-amz-target"))
                h->target = x;
            else if (!h->content_type && mem_ieq(x->name, 12, "content-type"))
                h->content_type = x;
            break;
        case 13:
            if (!h->authorization && mem_ieq(x->name, 13, "authorization")) h->authorization = x;
            break;
        case 16:
            if (!h->encoding && mem_ieq(x->name, 16, "content-encoding")) h->encoding = x;
            break;
        case 30:
            if (!h->acr_headers && mem_ieq(x->name, 30, "access-control-request-headers"))
                h->acr_headers = x;
            break;
        default: break;
        }
    }
}

static void *zlib_arena_alloc(void *opaque, uInt items, uInt size)
{
    return arena_alloc(opaque, (size_t)items * size);
}

static void zlib_arena_free(void *opaque, void *p) { (void)opaque, (void)p; }

/* Inflates a gzip body (one or more members) into the arena.  Returns 0,
 * -1 when corrupt, -2 when the result exceeds max bytes. */
static int request_gunzip(arena_t *a, const char *in, size_t in_len, size_t max, const char **out,
                          size_t *out_len)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    zs.zalloc = zlib_arena_alloc;
    zs.zfree = zlib_arena_free;
    zs.opaque = a;
    if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) return -1;
    size_t cap = in_len < max / 4 ? in_len * 4 : max + 1;
    if (cap < 4096) cap = 4096;
    char *buf = arena_alloc(a, cap);
    size_t produced = 0;
    zs.next_in = (Bytef *)in;
    zs.avail_in = (uInt)in_len;
    for (;;) {
        zs.next_out = (Bytef *)buf + produced;
        zs.avail_out = (uInt)(cap - produced);
        int rc = inflate(&zs, Z_NO_FLUSH);
        produced = (size_t)((char *)zs.next_out - buf);
        if (produced > max) return -2;
        if (rc == Z_STREAM_END) {
            if (zs.avail_in == 0) break;
            if (inflateReset(&zs) != Z_OK) return -1; /* another gzip member follows */
            continue;
        }
        if (rc != Z_OK && rc != Z_BUF_ERROR) return -1;
        if (zs.avail_out == 0) {
            size_t ncap = cap * 2 > max + 1 ? max + 1 : cap * 2;
            buf = arena_realloc(a, buf, produced, ncap);
            cap = ncap;
        } else if (zs.avail_in == 0) {
            return -1; /* truncated */
        } else if (rc == Z_BUF_ERROR) {
            return -1;
        }
    }
    *out = buf;
    *out_len = produced;
    return 0;
}

static void conn_answer_call(conn_t *c, call_slot_t *s, bool keep, bool ka_header, bool cors)
{
    response_t r = {
        .status = s->call.http_status,
        .content_type = "application/x-amz-json-1.0",
        .body = s->body.data,
        .body_len = s->body.len,
        .close = !keep,
        .ka_header = ka_header,
        .cors = cors,
    };
    conn_respond(c, &r);
}

/* A POST: one api call.  False when it is pending. */
static bool conn_call(conn_t *c, const http_request_t *req, const req_headers_t *h, size_t len,
                      bool keep)
{
    server_thread_t *t = c->t;
    call_slot_t *s = slot_acquire(t, c);
    api_call_t *call = &s->call;
    bool ka_header = keep && req->minor_version == 0, cors = h->origin != NULL;
    if (h->target) call->target = h->target->value, call->target_len = h->target->value_len;
    if (h->content_type) {
        call->content_type = h->content_type->value;
        call->content_type_len = h->content_type->value_len;
    }
    call->has_authorization = h->authorization != NULL;
    call->request = req;
    call->body = req->body;
    call->body_len = req->body_len;
    call->on_complete = server_call_done;

    if (h->encoding && req->body_len &&
        mem_ieq(h->encoding->value, h->encoding->value_len, "gzip")) {
        int rc = request_gunzip(s->arena, req->body, req->body_len, t->limits.max_body, &call->body,
                                &call->body_len);
        if (rc != 0) {
            response_t r = {.status = rc == -2 ? 413 : 400,
                            .close = rc == -2 || !keep,
                            .ka_header = ka_header,
                            .cors = cors};
            if (rc == -1) {
                s->body.len = 0;
                ddb_error_render(err_body_not_decompressible(s->arena), &s->body);
                r.content_type = "application/x-amz-json-1.0";
                r.body = s->body.data;
                r.body_len = s->body.len;
            }
            conn_respond(c, &r);
            slot_release(t, s);
            conn_consume(c, len, !r.close);
            return true;
        }
    }

    if (api_dispatch(call) == API_PENDING) {
        c->inflight = s;
        c->inflight_len = len;
        c->inflight_keep = keep;
        c->inflight_ka_header = ka_header;
        c->inflight_cors = cors;
        return false;
    }
    conn_answer_call(c, s, keep, ka_header, cors);
    slot_release(t, s);
    conn_consume(c, len, keep);
    return true;
}

/* One complete request at in_off.  False when it left a call pending. */
static bool conn_handle(conn_t *c, const http_request_t *req, size_t len)
{
    server_thread_t *t = c->t;
    bool keep = req->keep_alive && !t->stopping;
    req_headers_t h;
    request_headers(req, &h);
    const char *m = req->method;
    size_t mlen = req->method_len;

    if (mlen == 4 && memcmp(m, "POST", 4) == 0) return conn_call(c, req, &h, len, keep);

    response_t r = {
        .close = !keep, .ka_header = keep && req->minor_version == 0, .cors = h.origin != NULL};
    if ((mlen == 3 && memcmp(m, "GET", 3) == 0) || (mlen == 4 && memcmp(m, "HEAD", 4) == 0)) {
        /* The health check, on any path as the service does. */
        r.status = 200;
        r.content_type = "text/plain";
        r.body = t->srv->health;
        r.body_len = t->srv->health_len;
        r.head_only = mlen == 4;
        conn_respond(c, &r);
    } else if (mlen == 7 && memcmp(m, "OPTIONS", 7) == 0 && h.origin) {
        /* A browser's CORS preflight. */
        r.status = 200;
        conn_respond(c, &r);
        /* Splice the preflight headers in front of the blank line just written. */
        c->out.len -= 2;
        buf_append_str(&c->out, "Access-Control-Allow-Methods: GET, POST, OPTIONS\r\n"
                                "Access-Control-Max-Age: 172800\r\n");
        if (h.acr_headers) {
            buf_append_str(&c->out, "Access-Control-Allow-Headers: ");
            buf_append(&c->out, h.acr_headers->value, h.acr_headers->value_len);
            buf_append_str(&c->out, "\r\n");
        }
        buf_append_str(&c->out, "\r\n");
    } else {
        r.status = 405;
        conn_respond(c, &r);
    }
    conn_consume(c, len, keep);
    return true;
}

static bool request_expects_continue(const http_request_t *req)
{
    if (req->minor_version < 1) return false;
    const http_header_t *e = http_request_header(req, "expect");
    return e && mem_ieq(e->value, e->value_len, "100-continue");
}

/* Serves the complete requests buffered, in order, until one is pending,
 * the input ends mid-request, the output backlog is too large or the turn's
 * budget is spent. */
static void conn_serve(conn_t *c)
{
    server_thread_t *t = c->t;
    while (!c->inflight && !c->closing && !c->dead && c->budget &&
           conn_backlog(c) < t->cfg->max_output_bytes) {
        char *data = c->in.data + c->in_off;
        size_t len = c->in.len - c->in_off;
        if (len == 0) break;
        if (c->parse_need) {
            if (len < c->parse_need) break;
        } else if (c->parse_seen && len < t->limits.max_head &&
                   !memchr(data + c->parse_seen, '\n', len - c->parse_seen)) {
            /* The head is still incomplete and no new line arrived: the
             * parser would answer the same, after re-reading everything. */
            c->parse_seen = len;
            break;
        }
        http_request_t req;
        size_t used;
        http_status_t st = http_parse_request(data, len, &t->limits, &c->progress, &req, &used);
        if (st == HTTP_INCOMPLETE) {
            c->parse_seen = len;
            if (used && !c->parse_need) c->head_done = t->now;
            c->parse_need = used;
            if (used && !c->continue_sent && request_expects_continue(&req)) {
                buf_append_str(&c->out, "HTTP/1.1 100 Continue\r\n\r\n");
                c->continue_sent = true;
            }
            break;
        }
        if (st != HTTP_COMPLETE) {
            conn_respond_status(c, http_error_status(st));
            break;
        }
        c->budget--;
        if (!conn_handle(c, &req, used)) break;
    }
}

/* ---- connections: input ---- */

typedef enum { READ_DATA, READ_EOF, READ_AGAIN, READ_ERROR } read_result_t;

static read_result_t conn_read(conn_t *c)
{
    /* Nothing points into the input here (no call pending): compact it. */
    if (c->in_off) {
        buf_consume(&c->in, c->in_off);
        c->in_off = 0;
    }
    size_t want = SERVER_READ_SIZE;
    if (c->parse_need > c->in.len && c->parse_need - c->in.len > want)
        want = c->parse_need - c->in.len; /* a large body: room for all of it at once */
    buf_reserve(&c->in, want);
    size_t space = c->in.cap - c->in.len;
    for (;;) {
        ssize_t n = recv(c->fd, c->in.data + c->in.len, space, 0);
        if (n > 0) {
            if (c->in.len == 0) c->request_start = c->t->now;
            c->in.len += (size_t)n;
            c->last_active = c->t->now;
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

/* Runs a connection as far as one turn allows: serve, read, serve..., then
 * send. */
static void conn_drive(conn_t *c)
{
    if (c->dead) return;
    if (c->lingering) {
        conn_linger_drain(c);
        return;
    }
    size_t high = c->t->cfg->max_output_bytes;
    bool more = false; /* work left that this turn may not do */
    c->budget = SERVER_REQUESTS_PER_TURN;
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
        if (reads++ == SERVER_READS_PER_TURN) {
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
    else if (c->t->stopping)
        conn_close(c);
}

/* ---- the loop ---- */

/* Logs an overload at most once a second per thread. */
static bool thread_overload_log_due(server_thread_t *t)
{
    if (t->now / 1000 == t->last_overload_log) return false;
    t->last_overload_log = t->now / 1000;
    return true;
}

static void thread_accept(server_thread_t *t)
{
    server_t *srv = t->srv;
    for (int i = 0; i < 64 && t->listen_fd >= 0; i++) {
        int fd = accept4(t->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            if (errno == EMFILE || errno == ENFILE) {
                if (thread_overload_log_due(t))
                    log_warn("out of file descriptors: refusing connections");
                /* Free the spare descriptor to take the connection off the
                 * queue and refuse it, rather than have the level-triggered
                 * listener wake us forever.  Without a spare, stop listening
                 * until the next tick. */
                if (t->reserve_fd >= 0) {
                    close(t->reserve_fd);
                    fd = accept(t->listen_fd, NULL, NULL);
                    if (fd >= 0) close(fd);
                    t->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
                    continue;
                }
                epoll_ctl(t->epfd, EPOLL_CTL_DEL, t->listen_fd, NULL);
                t->listen_paused = true;
                return;
            }
            if (errno != EAGAIN && errno != EWOULDBLOCK) log_warn("accept: %s", strerror(errno));
            return;
        }
        /* Counted before the check, so that threads accepting at once
         * cannot overshoot together. */
        if (atomic_fetch_add_explicit(&srv->nconns, 1, memory_order_relaxed) >=
            t->cfg->max_connections) {
            atomic_fetch_sub_explicit(&srv->nconns, 1, memory_order_relaxed);
            close(fd);
            if (thread_overload_log_due(t))
                log_warn("%zu connections open: refusing more", t->cfg->max_connections);
            continue;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        conn_t *c = calloc(1, sizeof *c);
        if (!c) abort();
        c->kind = EV_CONN;
        c->fd = fd;
        c->t = t;
        c->writable = true;
        c->last_active = c->request_start = c->write_progress = t->now;
        buf_init(&c->in);
        buf_init(&c->out);
        struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
                                 .data.ptr = c};
        if (epoll_ctl(t->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
            log_warn("epoll_ctl: %s", strerror(errno));
            atomic_fetch_sub_explicit(&srv->nconns, 1, memory_order_relaxed);
            close(fd);
            free(c);
            continue;
        }
        c->next = t->conns;
        if (t->conns) t->conns->prev = c;
        t->conns = c;
    }
}

static void thread_completions(server_thread_t *t)
{
    uint64_t n;
    ssize_t r = read(t->wake_fd, &n, sizeof n);
    (void)r;
    pthread_mutex_lock(&t->done_lock);
    call_slot_t *s = t->done_head;
    t->done_head = t->done_tail = NULL;
    pthread_mutex_unlock(&t->done_lock);
    while (s) {
        call_slot_t *next = s->next;
        conn_t *c = s->conn;
        c->inflight = NULL;
        if (c->dead) {
            slot_release(t, s);
            t->nzombies--;
            c->next = t->dead; /* an event of this batch may still name it */
            t->dead = c;
        } else {
            conn_answer_call(c, s, c->inflight_keep && !t->stopping, c->inflight_ka_header,
                             c->inflight_cors);
            slot_release(t, s);
            conn_consume(c, c->inflight_len, c->inflight_keep && !t->stopping);
            conn_drive(c);
        }
        s = next;
    }
}

static void thread_begin_stop(server_thread_t *t)
{
    t->stopping = true;
    t->stop_deadline = t->now + SERVER_SHUTDOWN_GRACE_MS;
    if (t->listen_fd >= 0) {
        close(t->listen_fd);
        t->listen_fd = -1;
    }
    for (conn_t *c = t->conns, *next; c; c = next) {
        next = c->next;
        if (c->inflight) {
            c->closing = true; /* after its response */
        } else if (c->lingering || conn_backlog(c) == 0) {
            conn_close(c);
        } else {
            c->closing = true;
            conn_drive(c);
        }
    }
}

/* The timeouts of one connection (not lingering, no call pending). */
static void conn_check_timeouts(conn_t *c, int64_t now)
{
    const server_config_t *cfg = c->t->cfg;
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
        } else if (now - c->last_active >= SERVER_TRIM_AFTER_MS && (c->in.cap || c->out.cap)) {
            buf_free(&c->in);
            buf_free(&c->out);
            c->in_off = c->out_off = 0;
        }
    }
}

/* Every tick: timeouts, idle buffers, the shutdown deadline. */
static void thread_tick(server_thread_t *t)
{
    uint64_t n;
    ssize_t r = read(t->timer_fd, &n, sizeof n);
    (void)r;
    int64_t now = t->now;
    if (t->listen_paused && t->listen_fd >= 0) {
        if (t->reserve_fd < 0) t->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &t->listen_kind};
        if (t->reserve_fd >= 0 && epoll_ctl(t->epfd, EPOLL_CTL_ADD, t->listen_fd, &ev) == 0)
            t->listen_paused = false;
    }
    for (conn_t *c = t->conns, *next; c; c = next) {
        next = c->next;
        if (c->inflight) continue;
        if (c->lingering) {
            /* Even while the client keeps sending (then it is on the again
             * list): the drain lasts SERVER_LINGER_MS, no more. */
            if (now - c->last_active >= SERVER_LINGER_MS) conn_close(c);
        } else if (!c->again) { /* on the again list: busy, not late */
            conn_check_timeouts(c, now);
        }
    }
    if (t->stopping && now >= t->stop_deadline) {
        for (conn_t *c = t->conns, *next; c; c = next) {
            next = c->next;
            conn_close(c);
        }
    }
}

static void thread_free_dead(server_thread_t *t)
{
    while (t->dead) {
        conn_t *c = t->dead;
        t->dead = c->next;
        conn_free(c);
    }
}

static void *thread_main(void *arg)
{
    server_thread_t *t = arg;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);

    server_t *srv = t->srv;
    t->api = api_thread_new();
    t->api_failed = t->api == NULL;
    pthread_mutex_lock(&srv->start_lock);
    srv->ready++;
    pthread_cond_broadcast(&srv->start_cond);
    while (srv->go == 0) pthread_cond_wait(&srv->start_cond, &srv->start_lock);
    int go = srv->go;
    pthread_mutex_unlock(&srv->start_lock);
    if (go < 0) {
        if (t->api) api_thread_free(t->api);
        t->api = NULL;
        return NULL;
    }

    struct epoll_event evs[SERVER_EVENTS];
    for (;;) {
        int n = epoll_wait(t->epfd, evs, SERVER_EVENTS, t->again ? 0 : -1);
        if (n < 0) {
            if (errno != EINTR) {
                log_error("epoll_wait: %s", strerror(errno));
                break;
            }
            n = 0;
        }
        t->now = server_monotonic_ms();
        for (int i = 0; i < n; i++) {
            ev_kind_t *kind = evs[i].data.ptr;
            switch (*kind) {
            case EV_LISTEN: thread_accept(t); break;
            case EV_WAKE:
                thread_completions(t);
                if (!t->stopping && atomic_load(&t->srv->stop)) thread_begin_stop(t);
                break;
            case EV_TIMER: thread_tick(t); break;
            case EV_CONN: {
                conn_t *c = (conn_t *)kind;
                if (c->dead) break;
                uint32_t e = evs[i].events;
                if (e & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) c->readable = true;
                if (e & (EPOLLRDHUP | EPOLLHUP)) c->peer_shut = true;
                if (e & (EPOLLOUT | EPOLLHUP | EPOLLERR)) c->writable = true;
                conn_drive(c);
                break;
            }
            }
        }
        conn_t *again = t->again;
        t->again = NULL;
        while (again) {
            conn_t *c = again;
            again = c->again_next;
            c->again = false;
            conn_drive(c); /* a no-op when it died meanwhile */
        }
        thread_free_dead(t);
        if (t->stopping && ((!t->conns && t->nzombies == 0) || t->now >= t->stop_deadline)) break;
    }

    for (conn_t *c = t->conns, *next; c; c = next) {
        next = c->next;
        conn_close(c);
    }
    thread_free_dead(t);
    if (t->nzombies) {
        /* The writer still holds calls of this thread: leave their
         * connections, the slots and the api context allocated for it. */
        log_warn("thread %d: %zu calls still pending at shutdown", t->index, t->nzombies);
    } else {
        api_thread_free(t->api);
        t->api = NULL;
    }
    return NULL;
}

/* ---- setup and teardown ---- */

static void server_on_signal(int sig)
{
    int saved = errno;
    uint64_t v = (uint64_t)sig;
    ssize_t r = write(server_stop_fd, &v, sizeof v);
    (void)r;
    errno = saved;
}

/* The address to bind: IPv4 preferred when a name has both. */
static int server_resolve(const server_config_t *cfg, struct sockaddr_storage *ss, socklen_t *len)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    char port[16];
    snprintf(port, sizeof port, "%d", cfg->port);
    const char *host = cfg->bind && *cfg->bind ? cfg->bind : NULL;
    struct addrinfo *res;
    int rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0) {
        log_error("cannot resolve bind address %s: %s", host ? host : "(any)", gai_strerror(rc));
        return -1;
    }
    struct addrinfo *pick = res;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next)
        if (ai->ai_family == AF_INET) {
            pick = ai;
            break;
        }
    memcpy(ss, pick->ai_addr, pick->ai_addrlen);
    *len = pick->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

/* Binds once without SO_REUSEPORT: that fails when anyone holds the
 * address, where SO_REUSEPORT sockets would silently share it with another
 * server of the same user.  Resolves port 0 to a free port. */
static int server_probe(struct sockaddr_storage *ss, socklen_t len)
{
    int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    int one = 1;
    socklen_t l = len;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
        bind(fd, (const struct sockaddr *)ss, len) < 0 ||
        getsockname(fd, (struct sockaddr *)ss, &l) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    close(fd);
    return 0;
}

static int server_listen(const struct sockaddr_storage *ss, socklen_t len)
{
    int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    int one = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0 ||
        bind(fd, (const struct sockaddr *)ss, len) < 0 || listen(fd, SOMAXCONN) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

static void server_addr_text(const struct sockaddr_storage *ss, char *out, size_t n, int *port)
{
    if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
        char tmp[INET6_ADDRSTRLEN];
        inet_ntop(AF_INET6, &a->sin6_addr, tmp, sizeof tmp);
        snprintf(out, n, "[%s]", tmp);
        *port = ntohs(a->sin6_port);
    } else {
        const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
        inet_ntop(AF_INET, &a->sin_addr, out, (socklen_t)n);
        *port = ntohs(a->sin_port);
    }
}

static int epoll_add(int epfd, int fd, ev_kind_t *kind)
{
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = kind};
    return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

/* Everything but the connections, which the loop closes. */
static int thread_open(server_thread_t *t, const struct sockaddr_storage *ss, socklen_t len)
{
    t->listen_kind = EV_LISTEN;
    t->wake_kind = EV_WAKE;
    t->timer_kind = EV_TIMER;
    pthread_mutex_init(&t->done_lock, NULL);
    if (getrandom(&t->rng, sizeof t->rng, 0) != sizeof t->rng)
        t->rng = (uint64_t)time(NULL) ^ ((uint64_t)t->index << 32);
    t->listen_fd = server_listen(ss, len);
    if (t->listen_fd < 0) return -1;
    t->epfd = epoll_create1(EPOLL_CLOEXEC);
    t->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    t->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    t->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (t->epfd < 0 || t->wake_fd < 0 || t->timer_fd < 0) return -1;
    unsigned tick = t->srv->tick_ms;
    struct timespec every = {.tv_sec = tick / 1000, .tv_nsec = (long)(tick % 1000) * 1000000};
    struct itimerspec its = {.it_interval = every, .it_value = every};
    if (timerfd_settime(t->timer_fd, 0, &its, NULL) < 0) return -1;
    if (epoll_add(t->epfd, t->listen_fd, &t->listen_kind) < 0 ||
        epoll_add(t->epfd, t->wake_fd, &t->wake_kind) < 0 ||
        epoll_add(t->epfd, t->timer_fd, &t->timer_kind) < 0)
        return -1;
    return 0;
}

static void thread_close(server_thread_t *t)
{
    int *fds[] = {&t->listen_fd, &t->epfd, &t->timer_fd, &t->reserve_fd, &t->wake_fd};
    for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
        if (*fds[i] >= 0) {
            close(*fds[i]);
            *fds[i] = -1;
        }
    while (t->free_slots) {
        call_slot_t *s = t->free_slots;
        t->free_slots = s->next;
        slot_free(s);
    }
    pthread_mutex_destroy(&t->done_lock);
}

void server_config_init(server_config_t *cfg)
{
    *cfg = (server_config_t){
        .bind = "127.0.0.1",
        .port = 8000,
        .threads = 0,
        .region = "us-east-1",
        .header_timeout_ms = SERVER_DEFAULT_HEADER_TIMEOUT_MS,
        .body_timeout_ms = SERVER_DEFAULT_BODY_TIMEOUT_MS,
        .idle_timeout_ms = SERVER_DEFAULT_IDLE_TIMEOUT_MS,
        .write_timeout_ms = SERVER_DEFAULT_WRITE_TIMEOUT_MS,
        .max_header_bytes = SERVER_DEFAULT_MAX_HEADER_BYTES,
        .max_body_bytes = SERVER_DEFAULT_MAX_BODY_BYTES,
        .max_output_bytes = SERVER_DEFAULT_MAX_OUTPUT_BYTES,
        .max_connections = SERVER_DEFAULT_MAX_CONNECTIONS,
    };
}

/* Thousands of connections need thousands of descriptors, and the soft
 * limit is often 1024: raise it to the hard limit. */
static void server_raise_fd_limit(const server_config_t *cfg)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return;
    if (rl.rlim_cur < rl.rlim_max) {
        rlim_t want = rl.rlim_max;
        if (want == RLIM_INFINITY) {
            /* The kernel caps descriptors at fs.nr_open. */
            FILE *f = fopen("/proc/sys/fs/nr_open", "r");
            unsigned long long v = 0;
            if (f) {
                if (fscanf(f, "%llu", &v) != 1) v = 0;
                fclose(f);
            }
            want = v ? (rlim_t)v : rl.rlim_cur;
        }
        struct rlimit up = {.rlim_cur = want, .rlim_max = rl.rlim_max};
        if (want > rl.rlim_cur && setrlimit(RLIMIT_NOFILE, &up) == 0) rl.rlim_cur = want;
    }
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < cfg->max_connections + SERVER_FD_RESERVE)
        log_warn("up to %zu connections, but only %llu file descriptors: connections beyond "
                 "the descriptors are refused",
                 cfg->max_connections, (unsigned long long)rl.rlim_cur);
}

/* A quarter of the shortest timeout, so that none fires much late. */
static unsigned server_tick_ms(const server_config_t *cfg)
{
    unsigned shortest = SERVER_LINGER_MS;
    unsigned t[] = {cfg->header_timeout_ms, cfg->body_timeout_ms, cfg->idle_timeout_ms,
                    cfg->write_timeout_ms};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (t[i] < shortest) shortest = t[i];
    unsigned tick = shortest / 4;
    if (tick < SERVER_TICK_MIN_MS) tick = SERVER_TICK_MIN_MS;
    if (tick > SERVER_TICK_MAX_MS) tick = SERVER_TICK_MAX_MS;
    return tick;
}

int server_run(const server_config_t *cfg)
{
    static server_t srv; /* the signal handler and on_complete outlive nothing but this */
    memset(&srv, 0, sizeof srv);
    srv.cfg = cfg;
    srv.tick_ms = server_tick_ms(cfg);
    server_raise_fd_limit(cfg);
    long n = cfg->threads > 0 ? cfg->threads : sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1) n = 1;
    if (n > SERVER_MAX_THREADS) n = SERVER_MAX_THREADS;
    srv.nthreads = (int)n;
    srv.health_len =
        (size_t)snprintf(srv.health, sizeof srv.health, "healthy: dynamodb.%s.amazonaws.com ",
                         cfg->region && *cfg->region ? cfg->region : "us-east-1");
    if (srv.health_len >= sizeof srv.health) srv.health_len = sizeof srv.health - 1;
    pthread_mutex_init(&srv.start_lock, NULL);
    pthread_cond_init(&srv.start_cond, NULL);

    struct sockaddr_storage ss;
    socklen_t sslen;
    if (server_resolve(cfg, &ss, &sslen) < 0) return -1;

    srv.threads = calloc((size_t)srv.nthreads, sizeof *srv.threads);
    if (!srv.threads) abort();
    for (int i = 0; i < srv.nthreads; i++) {
        server_thread_t *t = &srv.threads[i];
        t->srv = &srv;
        t->cfg = cfg;
        t->limits =
            (http_limits_t){.max_head = cfg->max_header_bytes, .max_body = cfg->max_body_bytes};
        t->index = i;
        t->listen_fd = t->epfd = t->wake_fd = t->timer_fd = t->reserve_fd = -1;
    }

    char addr[INET6_ADDRSTRLEN + 2];
    int port = cfg->port, opened = 0, created = 0, rc = -1;
    if (server_probe(&ss, sslen) < 0) {
        server_addr_text(&ss, addr, sizeof addr, &port);
        log_error("cannot listen on %s:%d: %s", addr, port, strerror(errno));
        goto out;
    }
    server_addr_text(&ss, addr, sizeof addr, &port);
    for (; opened < srv.nthreads; opened++) {
        if (thread_open(&srv.threads[opened], &ss, sslen) < 0) {
            log_error("cannot listen on %s:%d: %s", addr, port, strerror(errno));
            opened++;
            goto out;
        }
    }

    server_stop_fd = eventfd(0, EFD_CLOEXEC);
    if (server_stop_fd < 0) {
        log_error("eventfd: %s", strerror(errno));
        goto out;
    }
    struct sigaction sa, old_term, old_int;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = server_on_signal;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, &old_term);
    sigaction(SIGINT, &sa, &old_int);

    bool failed = false;
    for (; created < srv.nthreads; created++) {
        int e = pthread_create(&srv.threads[created].tid, NULL, thread_main, &srv.threads[created]);
        if (e != 0) {
            log_error("cannot start an I/O thread: %s", strerror(e));
            failed = true;
            break;
        }
    }
    pthread_mutex_lock(&srv.start_lock);
    while (srv.ready < created) pthread_cond_wait(&srv.start_cond, &srv.start_lock);
    for (int i = 0; i < created; i++)
        if (srv.threads[i].api_failed) failed = true;
    srv.go = failed ? -1 : 1;
    pthread_cond_broadcast(&srv.start_cond);
    pthread_mutex_unlock(&srv.start_lock);

    if (failed) {
        log_error("cannot start the I/O threads");
    } else {
        log_info("listening on %s:%d with %d threads", addr, port, srv.nthreads);
        /* poll, not a bare read: a thread sanitizer runs deferred signal
         * handlers only inside calls it knows to block. */
        struct pollfd pfd = {.fd = server_stop_fd, .events = POLLIN};
        uint64_t sig = 0;
        while (poll(&pfd, 1, -1) < 0 && errno == EINTR)
            ;
        if (read(server_stop_fd, &sig, sizeof sig) < 0) sig = SIGTERM;
        log_info("%s received: stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
        atomic_store(&srv.stop, true);
        for (int i = 0; i < created; i++) {
            uint64_t one = 1;
            ssize_t w = write(srv.threads[i].wake_fd, &one, sizeof one);
            (void)w;
        }
        rc = 0;
    }
    for (int i = 0; i < created; i++) pthread_join(srv.threads[i].tid, NULL);

    sigaction(SIGTERM, &old_term, NULL);
    sigaction(SIGINT, &old_int, NULL);
    close(server_stop_fd);
    server_stop_fd = -1;

out:;
    size_t pending = 0;
    for (int i = 0; i < opened; i++) pending += srv.threads[i].nzombies;
    if (pending == 0) {
        for (int i = 0; i < opened; i++) thread_close(&srv.threads[i]);
        free(srv.threads);
        srv.threads = NULL;
    }
    if (rc == 0) log_info("I/O threads stopped");
    return rc;
}
