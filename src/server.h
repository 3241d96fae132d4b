/* server: the network front end.
 *
 * N I/O threads, each with its own epoll loop and its own listening socket
 * bound with SO_REUSEPORT to the same address.  Each connection belongs to
 * one thread for its whole life.  Requests on a connection are answered in
 * order (keep-alive and pipelining): while one is pending in the writer, the
 * following ones wait parsed-but-unserved in the input buffer.
 *
 * The server answers GET / itself (the health check) and GET /metrics (the
 * api renders it; on metrics_port only that), and turns HTTP errors
 * into status lines; every POST goes to api_dispatch().
 *
 * Limits keep hostile or broken clients from holding resources or starving
 * others (all in server_config_t, defaults below):
 * - a request head must arrive within header_timeout_ms of its first byte,
 *   and its body within body_timeout_ms of the head's end (408, then close);
 * - a connection without a partial request closes after idle_timeout_ms;
 * - pending output that makes no progress for write_timeout_ms closes the
 *   connection;
 * - heads over max_header_bytes get 431, bodies over max_body_bytes 413
 *   (also chunked, and gzip bodies that inflate past it), then close;
 * - a connection's pipelined requests are not served while its unsent
 *   output reaches max_output_bytes (its input is then not read either), so
 *   a client that never reads holds at most that much plus one response;
 * - beyond max_connections, new connections are closed at once.
 * An I/O thread serves a bounded number of requests and reads of one
 * connection before it turns to the others.
 */
#ifndef DDBD_SERVER_H
#define DDBD_SERVER_H

#include <stddef.h>

#define SERVER_DEFAULT_HEADER_TIMEOUT_MS 10000
#define SERVER_DEFAULT_BODY_TIMEOUT_MS 60000
#define SERVER_DEFAULT_IDLE_TIMEOUT_MS 300000 /* long enough for SDK connection pools */
#define SERVER_DEFAULT_WRITE_TIMEOUT_MS 60000
#define SERVER_DEFAULT_MAX_HEADER_BYTES (64 * 1024)
#define SERVER_DEFAULT_MAX_BODY_BYTES (16 * 1024 * 1024) /* the service's request limit */
#define SERVER_DEFAULT_MAX_OUTPUT_BYTES (1024 * 1024)
#define SERVER_DEFAULT_MAX_CONNECTIONS 10000

typedef struct {
    const char *bind; /* address to bind, e.g. "127.0.0.1" */
    int port;
    int threads;        /* I/O threads; 0: one per core */
    const char *region; /* for the health check text */
    unsigned header_timeout_ms, body_timeout_ms, idle_timeout_ms, write_timeout_ms;
    size_t max_header_bytes, max_body_bytes, max_output_bytes;
    size_t max_connections; /* all threads together */
    /* HTTPS (NULL: none): on tls_port, or with tls_port < 0 on port too,
     * told from HTTP by the first byte of each connection. */
    struct tls_context *tls;
    int tls_port;
    int metrics_port; /* > 0: a port serving only GET /metrics (plain HTTP) */
} server_config_t;

/* The defaults: 127.0.0.1:8000, one thread per core, us-east-1, the limits
 * above, no TLS. */
void server_config_init(server_config_t *cfg);

/* Raise the descriptor limit, bind, then serve until SIGTERM or SIGINT;
 * in-flight calls are finished before returning.  Returns 0 on a clean shutdown, -1 if it could not
 * start (logged). */
int server_run(const server_config_t *cfg);

#endif
