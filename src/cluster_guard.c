/* cluster_guard: the cluster port's listening side, checking what libraft
 * will read; see cluster_guard.h. */
#include "cluster_guard.h"

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "byteorder.h"
#include "log.h"

/* libraft's wire format (uv_encoding.c, uv_tcp_listen.c): little-endian
 * u64s; the handshake is protocol | node ID | address length | address. */
#define HANDSHAKE_PROTOCOL 1
#define HANDSHAKE_LEN 24
#define ADDRESS_MAX_LEN 256
#define PREAMBLE_LEN 16
enum {
    MSG_APPEND_ENTRIES = 1,
    MSG_APPEND_ENTRIES_RESULT,
    MSG_REQUEST_VOTE,
    MSG_REQUEST_VOTE_RESULT,
    MSG_INSTALL_SNAPSHOT,
    MSG_TIMEOUT_NOW,
};
/* A connection's reads waiting to be written to libraft beyond this many
 * bytes (of buffers: a small read holds a whole one) stop its reading until
 * they drain (a fast sender cannot fill memory). */
#define QUEUE_HIGH (8u << 20)

int cluster_guard_check_header(uint64_t type, const uint8_t *h, size_t len, uint64_t *payload)
{
    *payload = 0;
    switch (type) {
    case MSG_REQUEST_VOTE: /* term, candidate, last index, last term [, flags] */
        return len == 32 || len >= 40 ? 0 : -1;
    case MSG_REQUEST_VOTE_RESULT: /* term, granted [, flags] */
        return len == 16 || len >= 24 ? 0 : -1;
    case MSG_APPEND_ENTRIES_RESULT: /* term, rejected, last index */
    case MSG_TIMEOUT_NOW:           /* term, last index, last term */
        return len >= 24 ? 0 : -1;
    case MSG_APPEND_ENTRIES: {
        /* term, prev index, prev term, commit, n, then n x (u64 term | u8
         * type | 3 | u32 length); the payload is the entries, each a
         * multiple of 8 bytes (libraft steps over them so) */
        if (len < 40) return -1;
        uint64_t n = le64_get(h + 32);
        if (n > (len - 40) / 16) return -1;
        uint64_t sum = 0;
        for (uint64_t i = 0; i < n; i++) {
            const uint8_t *e = h + 40 + 16 * i;
            if (e[8] != RAFT_COMMAND && e[8] != RAFT_BARRIER && e[8] != RAFT_CHANGE) return -1;
            uint32_t elen = le32_get(e + 12);
            if (elen % 8) return -1;
            sum += elen;
        }
        *payload = sum;
        return 0;
    }
    case MSG_INSTALL_SNAPSHOT: {
        /* term, last index, last term, conf index, conf length, the
         * configuration, then the data's length (the payload) */
        if (len < 48) return -1;
        uint64_t conf = le64_get(h + 32);
        if (conf > len - 48) return -1;
        *payload = le64_get(h + 40 + conf);
        return 0;
    }
    }
    return -1;
}

/* --- the relay ----------------------------------------------------------- */

typedef enum { S_HANDSHAKE, S_ADDRESS, S_PREAMBLE, S_HEADER, S_PAYLOAD } state_t;

typedef struct conn {
    uv_tcp_t tcp;          /* from the peer */
    uv_pipe_t out;         /* to libraft: our end of the pair */
    bool out_open;
    int closing;           /* handles still to close */
    state_t state;
    uint8_t small[HANDSHAKE_LEN + ADDRESS_MAX_LEN];
    uint8_t *header;       /* S_PREAMBLE..S_HEADER: preamble then header */
    size_t have, want;     /* bytes of the current part read, and needed */
    uint64_t payload_left; /* S_PAYLOAD */
    size_t queued;         /* bytes of reads waiting to be written to libraft */
    uint64_t node;
    uv_timer_t timer;      /* the handshake's deadline */
    struct conn *next;
} guarded_t;

static struct {
    uv_loop_t *loop;
    struct raft_uv_transport *t;
    int (*orig_init)(struct raft_uv_transport *, raft_id, const char *);
    void (*orig_close)(struct raft_uv_transport *, raft_uv_transport_close_cb);
    raft_uv_accept_cb accept_cb;
    char address[ADDRESS_MAX_LEN];
    uv_tcp_t listener;
    bool listening;
    guarded_t *conns;
    unsigned nconns;
    unsigned long refused; /* connections closed for what they sent */
} g;

static void conn_freed(uv_handle_t *h)
{
    guarded_t *c = h->data;
    if (--c->closing) return;
    for (guarded_t **p = &g.conns; *p; p = &(*p)->next)
        if (*p == c) {
            *p = c->next;
            break;
        }
    g.nconns--;
    free(c->header);
    free(c);
}

static void guarded_close(guarded_t *c)
{
    if (c->closing) return;
    c->closing = 2 + (c->out_open ? 1 : 0);
    uv_close((uv_handle_t *)&c->tcp, conn_freed);
    uv_close((uv_handle_t *)&c->timer, conn_freed);
    if (c->out_open) uv_close((uv_handle_t *)&c->out, conn_freed);
}

static void conn_refuse(guarded_t *c, const char *why)
{
    if (g.refused++ < 20)
        log_warn("cluster: a connection to the cluster port closed: %s (node ID %llu)", why,
                 (unsigned long long)c->node);
    guarded_close(c);
}

static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *b);
static void read_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *b);

/* One read of the peer, written on to libraft from where it was read: what
 * of it passed the checks goes in one write, after the start of a message
 * held back from earlier reads (its header was incomplete then). */
#define CHUNK_SPACE (64u << 10)
typedef struct {
    uv_write_t req;
    guarded_t *c;
    uint8_t *held; /* the held start, or NULL */
    char data[CHUNK_SPACE];
} chunk_t;

static void chunk_free(chunk_t *ch)
{
    free(ch->held);
    free(ch);
}

static void chunk_written(uv_write_t *req, int status)
{
    chunk_t *ch = (chunk_t *)req;
    guarded_t *c = ch->c;
    chunk_free(ch);
    c->queued -= sizeof *ch;
    if (c->closing) return;
    if (status) { /* libraft closed its end */
        guarded_close(c);
        return;
    }
    if (c->queued < QUEUE_HIGH / 8 &&
        !uv_is_active((uv_handle_t *)&c->tcp))
        uv_read_start((uv_stream_t *)&c->tcp, alloc_cb, read_cb);
}

/* Write ch's held start (held bytes) and data[from, to) to libraft; ch is
 * freed once written. */
static void pass_on(guarded_t *c, chunk_t *ch, size_t held, size_t from, size_t to)
{
    if (c->closing || (!held && from == to)) {
        chunk_free(ch);
        return;
    }
    uv_buf_t b[2];
    unsigned nb = 0;
    if (held) b[nb++] = uv_buf_init((char *)ch->held, (unsigned)held);
    if (from < to) b[nb++] = uv_buf_init(ch->data + from, (unsigned)(to - from));
    ch->c = c;
    if (uv_write(&ch->req, (uv_stream_t *)&c->out, b, nb, chunk_written)) {
        chunk_free(ch);
        guarded_close(c);
        return;
    }
    c->queued += sizeof *ch;
    if (c->queued > QUEUE_HIGH)
        uv_read_stop((uv_stream_t *)&c->tcp);
}

/* The handshake is complete and sound: hand libraft its end. */
static int hand_over(guarded_t *c)
{
    int fds[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds)) return -1;
    uv_pipe_t *theirs = raft_malloc(sizeof *theirs); /* libraft frees it */
    if (!theirs) abort();
    if (uv_pipe_init(g.loop, &c->out, 0) || uv_pipe_open(&c->out, fds[0])) {
        close(fds[0]), close(fds[1]), raft_free(theirs);
        return -1;
    }
    c->out.data = c;
    c->out_open = true;
    if (uv_pipe_init(g.loop, theirs, 0) || uv_pipe_open(theirs, fds[1])) {
        close(fds[1]), raft_free(theirs);
        return -1;
    }
    uv_timer_stop(&c->timer);
    g.accept_cb(g.t, (raft_id)c->node, (const char *)c->small + HANDSHAKE_LEN,
                (uv_stream_t *)theirs);
    return 0;
}

/* What of one read passes: its bytes [from, to), after `held` bytes of a
 * message's start kept from earlier reads (then in ch->held). */
typedef struct {
    size_t held, from, to;
} passing_t;

/* Take bytes p[0..n) of the connection (the read in ch->data), noting in
 * *out what passes; false when the connection is to be closed. */
static bool take(guarded_t *c, chunk_t *ch, size_t n, passing_t *out)
{
    const uint8_t *base = (const uint8_t *)ch->data, *p = base;
    /* a message's preamble and header pass only once checked: `unit` is
     * where the one being read began in this read (or 0, with `held` of
     * its bytes read before) */
    bool in_unit = c->state != S_PAYLOAD; /* the handshake never passes */
    size_t unit = 0, held = c->state == S_PREAMBLE || c->state == S_HEADER ? c->have : 0;
    *out = (passing_t){0, 0, 0};
    while (n && !c->closing) {
        if (c->state == S_PAYLOAD) {
            size_t k = n < c->payload_left ? n : (size_t)c->payload_left;
            p += k, n -= k, c->payload_left -= k;
            if (!c->payload_left) {
                c->state = S_PREAMBLE, c->have = 0, c->want = PREAMBLE_LEN;
                in_unit = true, unit = (size_t)(p - base);
            }
            continue;
        }
        uint8_t *buf = c->state == S_HANDSHAKE || c->state == S_ADDRESS ? c->small : c->header;
        size_t k = c->want - c->have < n ? c->want - c->have : n;
        memcpy(buf + c->have, p, k);
        c->have += k, p += k, n -= k;
        if (c->have < c->want) continue;
        switch (c->state) {
        case S_HANDSHAKE: {
            uint64_t len = le64_get(c->small + 16);
            c->node = le64_get(c->small + 8);
            if (le64_get(c->small) != HANDSHAKE_PROTOCOL) return conn_refuse(c, "not Raft"), false;
            if (len == 0 || len > ADDRESS_MAX_LEN - 1)
                return conn_refuse(c, "a handshake's address length out of bounds"), false;
            c->state = S_ADDRESS;
            c->want += (size_t)len;
            break;
        }
        case S_ADDRESS: {
            const uint8_t *a = c->small + HANDSHAKE_LEN;
            size_t len = c->want - HANDSHAKE_LEN;
            if (c->node == 0 || a[len - 1] != 0 || memchr(a, 0, len) != a + len - 1)
                return conn_refuse(c, "a handshake without an address or a node ID"), false;
            if (hand_over(c)) return guarded_close(c), false;
            c->state = S_PREAMBLE, c->have = 0, c->want = PREAMBLE_LEN;
            c->header = malloc(PREAMBLE_LEN);
            if (!c->header) abort();
            /* the handshake is the guard's: libraft's end begins after it */
            out->from = (size_t)(p - base);
            in_unit = true, unit = out->from;
            break;
        }
        case S_PREAMBLE: {
            uint64_t len = le64_get(c->header + 8), type = le64_get(c->header);
            if (type < MSG_APPEND_ENTRIES || type > MSG_TIMEOUT_NOW || len == 0 ||
                len > GUARD_MAX_HEADER)
                return conn_refuse(c, "a message's type or header length out of bounds"), false;
            c->header = realloc(c->header, PREAMBLE_LEN + (size_t)len);
            if (!c->header) abort();
            c->state = S_HEADER;
            c->want = PREAMBLE_LEN + (size_t)len;
            break;
        }
        case S_HEADER: {
            uint64_t payload;
            if (cluster_guard_check_header(le64_get(c->header), c->header + PREAMBLE_LEN,
                                           c->want - PREAMBLE_LEN, &payload))
                return conn_refuse(c, "a message header whose lengths do not agree"), false;
            if (held && !out->held) { /* its start came in earlier reads: it goes first */
                assert(unit == 0 && !ch->held);
                ch->held = c->header;
                out->held = held;
                c->header = malloc(PREAMBLE_LEN);
            } else {
                c->header = realloc(c->header, PREAMBLE_LEN);
            }
            if (!c->header) abort();
            in_unit = false;
            c->have = 0;
            if (payload) c->state = S_PAYLOAD, c->payload_left = payload;
            else {
                c->state = S_PREAMBLE, c->want = PREAMBLE_LEN;
                in_unit = true, unit = (size_t)(p - base);
            }
            break;
        }
        case S_PAYLOAD: break;
        }
    }
    /* a message's start not yet checked waits for the next read */
    out->to = in_unit ? unit : (size_t)(p - base);
    if (out->to < out->from) out->to = out->from;
    return !c->closing;
}

static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *b)
{
    chunk_t *ch = malloc(sizeof *ch);
    if (!ch) abort();
    ch->held = NULL;
    *b = uv_buf_init(ch->data, sizeof ch->data);
}

static void read_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
    guarded_t *c = s->data;
    chunk_t *ch = b->base ? (chunk_t *)(b->base - offsetof(chunk_t, data)) : NULL;
    if (n <= 0 || !ch) {
        if (ch) chunk_free(ch);
        if (n < 0) guarded_close(c);
        return;
    }
    passing_t pass;
    if (!take(c, ch, (size_t)n, &pass)) {
        chunk_free(ch);
        return;
    }
    pass_on(c, ch, pass.held, pass.from, pass.to);
}

static void handshake_late(uv_timer_t *t)
{
    conn_refuse(t->data, "no handshake in time");
}

static void on_connection(uv_stream_t *server, int status)
{
    if (status) return;
    guarded_t *c = calloc(1, sizeof *c);
    if (!c) abort();
    uv_tcp_init(g.loop, &c->tcp);
    c->tcp.data = c;
    if (uv_accept(server, (uv_stream_t *)&c->tcp)) {
        c->closing = 1;
        g.nconns++;
        c->next = g.conns, g.conns = c;
        uv_close((uv_handle_t *)&c->tcp, conn_freed);
        return;
    }
    uv_timer_init(g.loop, &c->timer);
    c->timer.data = c;
    c->next = g.conns, g.conns = c;
    g.nconns++;
    if (g.nconns > GUARD_MAX_CONNECTIONS) {
        conn_refuse(c, "too many connections");
        return;
    }
    c->state = S_HANDSHAKE;
    c->want = HANDSHAKE_LEN;
    uv_tcp_nodelay(&c->tcp, 1);
    uv_timer_start(&c->timer, handshake_late, GUARD_HANDSHAKE_MS, 0);
    uv_read_start((uv_stream_t *)&c->tcp, alloc_cb, read_cb);
}

/* --- the transport's methods ------------------------------------------------ */

static int guard_init(struct raft_uv_transport *t, raft_id id, const char *address)
{
    snprintf(g.address, sizeof g.address, "%s", address);
    return g.orig_init(t, id, address);
}

static int guard_listen(struct raft_uv_transport *t, raft_uv_accept_cb cb)
{
    g.accept_cb = cb;
    char host[ADDRESS_MAX_LEN];
    const char *colon = strrchr(g.address, ':');
    if (!colon || colon == g.address) return RAFT_INVALID;
    snprintf(host, sizeof host, "%.*s", (int)(colon - g.address), g.address);
    struct sockaddr_storage sa;
    if (uv_ip4_addr(host, atoi(colon + 1), (struct sockaddr_in *)&sa) &&
        uv_ip6_addr(host, atoi(colon + 1), (struct sockaddr_in6 *)&sa))
        return RAFT_INVALID;
    uv_tcp_init(g.loop, &g.listener);
    g.listening = true;
    if (uv_tcp_bind(&g.listener, (const struct sockaddr *)&sa, 0) ||
        uv_listen((uv_stream_t *)&g.listener, 128, on_connection))
        return RAFT_IOERR;
    return 0;
}

static void guard_close(struct raft_uv_transport *t, raft_uv_transport_close_cb cb)
{
    if (g.listening) uv_close((uv_handle_t *)&g.listener, NULL);
    g.listening = false;
    for (guarded_t *c = g.conns; c; c = c->next) guarded_close(c);
    g.orig_close(t, cb);
}

void cluster_guard_wrap(struct raft_uv_transport *t, uv_loop_t *loop)
{
    g.loop = loop;
    g.t = t;
    g.orig_init = t->init;
    g.orig_close = t->close;
    t->init = guard_init;
    t->listen = guard_listen;
    t->close = guard_close;
}
