/* server: the network front end.
 *
 * N I/O threads, each with its own epoll loop and its own listening socket
 * bound with SO_REUSEPORT to the same address.  Each connection belongs to
 * one thread for its whole life.  Requests on a connection are answered in
 * order (keep-alive and pipelining): while one is pending in the writer, the
 * following ones wait parsed-but-unserved in the input buffer.
 *
 * The server answers GET / itself (the health check) and turns HTTP errors
 * into status lines; every POST goes to api_dispatch().
 */
#ifndef DDBD_SERVER_H
#define DDBD_SERVER_H

#include <stddef.h>

/* The service's largest request body; larger ones get 413. */
#define SERVER_MAX_BODY (16 * 1024 * 1024)

typedef struct {
    const char *bind; /* address to bind, e.g. "127.0.0.1" */
    int port;
    int threads;        /* I/O threads; 0: one per core */
    const char *region; /* for the health check text */
} server_config_t;

/* Bind, then serve until SIGTERM or SIGINT; in-flight calls are finished
 * before returning.  Returns 0 on a clean shutdown, -1 if it could not
 * start (logged). */
int server_run(const server_config_t *cfg);

#endif
