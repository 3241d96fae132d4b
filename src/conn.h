/* conn: the client connections of one I/O thread.
 *
 * A connection reads requests, frames them with the HTTP parser, serves
 * them in order (keep-alive and pipelining), appends their responses to its
 * output and sends it; it applies the limits and timeouts of server.h and
 * closes gracefully.  A POST becomes one api call (conn_call); a call that
 * is pending in the writer holds the connection's input still until
 * conn_call_completed() answers it.
 *
 * The I/O thread (server.c) owns the epoll loop: it accepts, hands each
 * connection its readiness (conn_on_epoll), revisits deferred ones
 * (conn_loop_run_again), ticks the timeouts (conn_tick) and frees closed
 * ones (conn_loop_free_dead).  Everything a connection needs from its
 * thread is in conn_loop_t, filled by the thread; a connection never calls
 * the thread back, except through call_done, the hook that moves a
 * completed api call from the writer thread to the loop.
 */
#ifndef DDBD_CONN_H
#define DDBD_CONN_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api.h"
#include "arena.h"
#include "buf.h"
#include "http.h"
#include "http_body.h"
#include "http_response.h"
#include "server.h"
#include "tls.h"

/* How long a closed connection's input is drained after its last response. */
#define CONN_LINGER_MS 2000

/* What an epoll event's data points to; a connection's first member. */
typedef enum { EV_LISTEN, EV_WAKE, EV_TIMER, EV_CONN } ev_kind_t;

typedef struct conn conn_t;
typedef struct conn_loop conn_loop_t;

/* What a listening socket's connections speak. */
typedef enum {
    CONN_PLAIN, /* HTTP */
    CONN_TLS,   /* HTTPS; a plain HTTP request gets a 400 that says so */
    CONN_SNIFF, /* either: a first byte that opens a TLS handshake means HTTPS */
} conn_mode_t;

/* What one api call needs; owned by a thread, lent to one connection at a time. */
typedef struct call_slot {
    api_call_t call;
    arena_t *arena;
    buf_t body;
    conn_t *conn;
    struct call_slot *next; /* free list or completion queue */
} call_slot_t;

/* A thread's share of the connections: its lists, clock, limits and reusable parts. */
struct conn_loop {
    const server_config_t *cfg;
    http_limits_t limits;
    int64_t now;   /* CLOCK_MONOTONIC_COARSE in ms, refreshed by the thread per wakeup */
    bool stopping; /* shutting down: no keep-alive, idle connections close */

    conn_t *conns;   /* live */
    conn_t *dead;    /* closed this iteration, freed after it */
    conn_t *again;   /* more to do than one turn allowed: revisit */
    size_t nzombies; /* closed with a call pending: freed on completion */

    call_slot_t *free_slots;
    size_t nfree_slots;

    api_thread_t *api;
    tls_context_t *tls; /* NULL: no TLS */
    http_writer_t writer;
    atomic_size_t *nconns; /* open connections of all threads */
    /* This loop's open connections and those on their way to it: read by
     * the other threads, which give a new connection to the loop with the
     * fewest.  The owner counts them in (server.c); closing counts out. */
    atomic_size_t open;
    const char *health;    /* the health check's text */
    size_t health_len;
    /* Called by the writer thread when a pending call completes: must hand
     * the slot back to this loop, which then calls conn_call_completed(). */
    void (*call_done)(api_call_t *call);
    void *owner; /* the thread's, untouched here */
};

/* How a request asked to be answered. */
typedef struct {
    bool keep;      /* keep-alive after it */
    bool ka_header; /* HTTP/1.0 keep-alive: say so */
    bool cors;      /* from a browser page */
    http_coding_t accept; /* the response coding it accepts */
} conn_answer_t;

struct conn {
    ev_kind_t kind; /* first: epoll data points here */
    int fd;
    conn_loop_t *loop;
    conn_mode_t mode;  /* CONN_SNIFF until the first byte tells */
    bool metrics_only; /* on the metrics port: GET /metrics and nothing else */
    bool settled;      /* its protocol is known and any handshake done */
    tls_session_t *tls; /* HTTPS */
    bool tls_trimmed;   /* its record buffers released since it last read */
    conn_t *prev, *next; /* the loop's live connections, or its dead list */

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

    call_slot_t *inflight;          /* pending api call */
    size_t inflight_len;            /* bytes of input its request occupies */
    conn_answer_t inflight_answer; /* how to answer it */

    bool readable, writable; /* edge-triggered readiness not yet consumed */
    bool peer_shut;          /* EPOLLRDHUP seen: read on to the EOF, no edge will come */
    bool again;              /* on the loop's again list */
    conn_t *again_next;
    bool peer_eof;
    bool closing;   /* close once the output is sent */
    bool lingering; /* write side shut, draining input */
    bool dead;

    /* Times in ms of the loop's clock. */
    int64_t last_active;    /* last byte read or request served */
    int64_t request_start;  /* first byte of the partial request at in_off */
    int64_t head_done;      /* its head complete (parse_need set) */
    int64_t write_progress; /* last time the output moved */
};

/* A connection for the accepted socket fd (non-blocking), speaking as its
 * listener's mode says, on the loop's live list; the caller registers it
 * with epoll (EPOLLET, data = it).  Until a TLS handshake is complete (or
 * the first byte is in, to tell HTTPS from HTTP) the header timeout runs:
 * a client that stalls in the handshake is closed then. */
conn_t *conn_open(conn_loop_t *l, int fd, conn_mode_t mode);

/* Close at once.  A connection with a call pending stays allocated, as a
 * zombie, until the call completes. */
void conn_close(conn_t *c);

/* Readiness reported by epoll: run the connection as far as one turn allows. */
void conn_on_epoll(conn_t *c, uint32_t events);

/* A pending call of the loop completed (the slot came back through call_done). */
void conn_call_completed(conn_loop_t *l, call_slot_t *s);

/* Shutdown begins: close what is idle, finish what is in progress. */
void conn_begin_stop(conn_t *c);

/* The timer: timeouts of the connection and the end of its linger. */
void conn_tick(conn_t *c, int64_t now);

/* Drive the connections deferred during this iteration. */
void conn_loop_run_again(conn_loop_t *l);

/* Free the connections closed during this iteration. */
void conn_loop_free_dead(conn_loop_t *l);

/* Free the loop's idle call slots (at thread exit). */
void conn_loop_free_slots(conn_loop_t *l);

#endif
