/* server: the I/O threads, their event loops, start-up and signals, behind
 * server.h.
 *
 * Each I/O thread runs one epoll loop over its own SO_REUSEPORT listening
 * socket, its connections (conn.c), an eventfd (completions of pending api
 * calls and the stop request) and a timerfd (timeouts) ticking at a
 * quarter of the shortest timeout, at most once a second.  The writer
 * thread's on_complete queues a call's slot for the loop of its connection
 * (mutex and eventfd); the loop answers it and resumes the connection's
 * pipelined input.  Over max_connections (counted across threads), or out
 * of descriptors, new connections are accepted and closed at once.
 *
 * The kernel spreads new connections over the listening sockets by a hash
 * of their addresses: 16 connections over two threads split 10/6 or worse
 * almost half the time and 12/4 or worse one time in 13, and the
 * connections of the fuller thread then wait longer for their turn (up to
 * three times as long).  So the thread that accepts a connection hands it
 * to the thread with the fewest (its incoming list, woken by the eventfd)
 * when that has fewer than it has itself.
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

#include "api.h"
#include "conn.h"
#include "log.h"

#define SERVER_MAX_THREADS 256
#define SERVER_SHUTDOWN_GRACE_MS 5000 /* for pending calls at shutdown */
#define SERVER_TICK_MAX_MS 1000
#define SERVER_TICK_MIN_MS 10
#define SERVER_FD_RESERVE 64 /* descriptors kept for everything but connections */
#define SERVER_EVENTS 128
#define SERVER_MAX_LISTENERS 3 /* the port, the TLS port and the metrics port */

typedef struct server server_t;
typedef struct server_thread server_thread_t;
typedef struct incoming incoming_t;

/* An address served, and how its connections speak. */
typedef struct {
    struct sockaddr_storage ss;
    socklen_t len;
    conn_mode_t mode;
    bool metrics_only;
    char text[INET6_ADDRSTRLEN + 2]; /* for logs: "127.0.0.1", "[::1]" */
    int port;
} server_addr_t;

/* A thread's listening socket of one address. */
typedef struct {
    ev_kind_t kind; /* first: epoll data points here */
    int fd;
    conn_mode_t mode;
    bool metrics_only;
    bool paused; /* out of descriptors: off epoll until the next tick */
} listener_t;

/* A connection accepted by another thread for this one. */
struct incoming {
    incoming_t *next;
    int fd;
    conn_mode_t mode;
    bool metrics_only;
};

struct server_thread {
    conn_loop_t loop; /* its connections */
    server_t *srv;
    const server_config_t *cfg;
    int index;
    pthread_t tid;
    int epfd, wake_fd, timer_fd, reserve_fd;
    listener_t listeners[SERVER_MAX_LISTENERS];
    int nlisteners;
    ev_kind_t wake_kind, timer_kind;
    bool api_failed;

    pthread_mutex_t done_lock; /* also guards incoming and gone */
    call_slot_t *done_head, *done_tail;
    incoming_t *incoming;
    bool gone; /* its loop has ended: nothing more is handed to it */

    int64_t stop_deadline;
    int64_t last_overload_log; /* in seconds */
};

struct server {
    const server_config_t *cfg;
    int nthreads;
    server_thread_t *threads;
    server_addr_t addrs[SERVER_MAX_LISTENERS];
    int naddrs;
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

/* The coarse clock is read from memory, without a system call; its
 * resolution (a few ms) is plenty for timeouts. */
static int64_t server_monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Writer thread: hand the call back to the loop owning its connection. */
static void server_call_done(api_call_t *call)
{
    call_slot_t *s = call->owner;
    server_thread_t *t = s->conn->loop->owner;
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

/* ---- the loop ---- */

/* Logs an overload at most once a second per thread. */
static bool thread_overload_log_due(server_thread_t *t)
{
    if (t->loop.now / 1000 == t->last_overload_log) return false;
    t->last_overload_log = t->loop.now / 1000;
    return true;
}

/* A connection of this thread's from now on: in its epoll set. */
static void thread_adopt(server_thread_t *t, int fd, conn_mode_t mode, bool metrics_only)
{
    conn_t *c = conn_open(&t->loop, fd, mode);
    c->metrics_only = metrics_only;
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.ptr = c};
    if (epoll_ctl(t->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
        log_warn("epoll_ctl: %s", strerror(errno));
        conn_close(c);
    }
}

/* The thread with the fewest connections, if it has fewer than t: the one
 * to serve a connection t has just accepted (counted in there). */
static server_thread_t *thread_for_new(server_thread_t *t)
{
    server_t *srv = t->srv;
    server_thread_t *best = t;
    size_t fewest = atomic_load_explicit(&t->loop.open, memory_order_relaxed);
    for (int i = 0; i < srv->nthreads && fewest > 0; i++) {
        size_t n = atomic_load_explicit(&srv->threads[i].loop.open, memory_order_relaxed);
        if (n < fewest) best = &srv->threads[i], fewest = n;
    }
    atomic_fetch_add_explicit(&best->loop.open, 1, memory_order_relaxed);
    return best;
}

/* Hands fd to thread to; false when to's loop has ended (the caller keeps
 * the connection). */
static bool thread_hand_over(server_thread_t *to, int fd, const listener_t *ln)
{
    incoming_t *in = malloc(sizeof *in);
    if (!in) abort();
    *in = (incoming_t){.fd = fd, .mode = ln->mode, .metrics_only = ln->metrics_only};
    pthread_mutex_lock(&to->done_lock);
    bool gone = to->gone, was_empty = !to->done_head && !to->incoming;
    if (!gone) {
        in->next = to->incoming;
        to->incoming = in;
    }
    pthread_mutex_unlock(&to->done_lock);
    if (gone) {
        free(in);
        return false;
    }
    if (was_empty) {
        uint64_t one = 1;
        ssize_t r = write(to->wake_fd, &one, sizeof one);
        (void)r; /* a full counter still wakes the loop */
    }
    return true;
}

static void thread_accept(server_thread_t *t, listener_t *ln)
{
    server_t *srv = t->srv;
    for (int i = 0; i < 64 && ln->fd >= 0; i++) {
        int fd = accept4(ln->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
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
                    fd = accept(ln->fd, NULL, NULL);
                    if (fd >= 0) close(fd);
                    t->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
                    continue;
                }
                epoll_ctl(t->epfd, EPOLL_CTL_DEL, ln->fd, NULL);
                ln->paused = true;
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
        server_thread_t *to = thread_for_new(t);
        if (to == t || !thread_hand_over(to, fd, ln)) {
            if (to != t) { /* counted in at the other thread */
                atomic_fetch_sub_explicit(&to->loop.open, 1, memory_order_relaxed);
                atomic_fetch_add_explicit(&t->loop.open, 1, memory_order_relaxed);
            }
            thread_adopt(t, fd, ln->mode, ln->metrics_only);
        }
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
    incoming_t *in = t->incoming;
    t->incoming = NULL;
    pthread_mutex_unlock(&t->done_lock);
    while (s) {
        call_slot_t *next = s->next;
        conn_call_completed(&t->loop, s);
        s = next;
    }
    while (in) {
        incoming_t *next = in->next;
        thread_adopt(t, in->fd, in->mode, in->metrics_only);
        free(in);
        in = next;
    }
}

/* The loop has ended: connections handed to it since are closed. */
static void thread_refuse_incoming(server_thread_t *t)
{
    pthread_mutex_lock(&t->done_lock);
    t->gone = true;
    incoming_t *in = t->incoming;
    t->incoming = NULL;
    pthread_mutex_unlock(&t->done_lock);
    while (in) {
        incoming_t *next = in->next;
        close(in->fd);
        atomic_fetch_sub_explicit(&t->srv->nconns, 1, memory_order_relaxed);
        atomic_fetch_sub_explicit(&t->loop.open, 1, memory_order_relaxed);
        free(in);
        in = next;
    }
}

static void thread_begin_stop(server_thread_t *t)
{
    t->loop.stopping = true;
    t->stop_deadline = t->loop.now + SERVER_SHUTDOWN_GRACE_MS;
    for (int i = 0; i < t->nlisteners; i++)
        if (t->listeners[i].fd >= 0) {
            close(t->listeners[i].fd);
            t->listeners[i].fd = -1;
        }
    for (conn_t *c = t->loop.conns, *next; c; c = next) {
        next = c->next;
        conn_begin_stop(c);
    }
}

/* Every tick: timeouts, idle buffers, the shutdown deadline. */
static void thread_tick(server_thread_t *t)
{
    uint64_t n;
    ssize_t r = read(t->timer_fd, &n, sizeof n);
    (void)r;
    int64_t now = t->loop.now;
    for (int i = 0; i < t->nlisteners; i++) {
        listener_t *ln = &t->listeners[i];
        if (!ln->paused || ln->fd < 0) continue;
        if (t->reserve_fd < 0) t->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = ln};
        if (t->reserve_fd >= 0 && epoll_ctl(t->epfd, EPOLL_CTL_ADD, ln->fd, &ev) == 0)
            ln->paused = false;
    }
    for (conn_t *c = t->loop.conns, *next; c; c = next) {
        next = c->next;
        conn_tick(c, now);
    }
    if (t->loop.stopping && now >= t->stop_deadline) {
        for (conn_t *c = t->loop.conns, *next; c; c = next) {
            next = c->next;
            conn_close(c);
        }
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
    t->loop.api = api_thread_new();
    t->api_failed = t->loop.api == NULL;
    pthread_mutex_lock(&srv->start_lock);
    srv->ready++;
    pthread_cond_broadcast(&srv->start_cond);
    while (srv->go == 0) pthread_cond_wait(&srv->start_cond, &srv->start_lock);
    int go = srv->go;
    pthread_mutex_unlock(&srv->start_lock);
    if (go < 0) {
        if (t->loop.api) api_thread_free(t->loop.api);
        t->loop.api = NULL;
        return NULL;
    }

    struct epoll_event evs[SERVER_EVENTS];
    for (;;) {
        int n = epoll_wait(t->epfd, evs, SERVER_EVENTS, t->loop.again ? 0 : -1);
        if (n < 0) {
            if (errno != EINTR) {
                log_error("epoll_wait: %s", strerror(errno));
                break;
            }
            n = 0;
        }
        t->loop.now = server_monotonic_ms();
        for (int i = 0; i < n; i++) {
            ev_kind_t *kind = evs[i].data.ptr;
            switch (*kind) {
            case EV_LISTEN: thread_accept(t, (listener_t *)kind); break;
            case EV_WAKE:
                thread_completions(t);
                if (!t->loop.stopping && atomic_load(&t->srv->stop)) thread_begin_stop(t);
                break;
            case EV_TIMER: thread_tick(t); break;
            case EV_CONN: conn_on_epoll((conn_t *)kind, evs[i].events); break;
            }
        }
        if (t->loop.again) conn_loop_run_again(&t->loop);
        if (t->loop.dead) conn_loop_free_dead(&t->loop);
        if (t->loop.stopping &&
            ((!t->loop.conns && t->loop.nzombies == 0) || t->loop.now >= t->stop_deadline))
            break;
    }
    thread_refuse_incoming(t);

    for (conn_t *c = t->loop.conns, *next; c; c = next) {
        next = c->next;
        conn_close(c);
    }
    conn_loop_free_dead(&t->loop);
    if (t->loop.nzombies) {
        /* The writer still holds calls of this thread: leave their
         * connections, the slots and the api context allocated for it. */
        log_warn("thread %d: %zu calls still pending at shutdown", t->index, t->loop.nzombies);
    } else {
        api_thread_free(t->loop.api);
        t->loop.api = NULL;
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
static int server_resolve(const server_config_t *cfg, int port_number, struct sockaddr_storage *ss,
                          socklen_t *len)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    char port[16];
    snprintf(port, sizeof port, "%d", port_number);
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
static int thread_open(server_thread_t *t)
{
    t->wake_kind = EV_WAKE;
    t->timer_kind = EV_TIMER;
    pthread_mutex_init(&t->done_lock, NULL);
    uint64_t seed;
    if (getrandom(&seed, sizeof seed, 0) != sizeof seed)
        seed = (uint64_t)time(NULL) ^ ((uint64_t)t->index << 32);
    http_writer_init(&t->loop.writer, seed);
    t->epfd = epoll_create1(EPOLL_CLOEXEC);
    t->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    t->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    t->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    unsigned tick = t->srv->tick_ms;
    struct timespec every = {.tv_sec = tick / 1000, .tv_nsec = (long)(tick % 1000) * 1000000};
    struct itimerspec its = {.it_interval = every, .it_value = every};
    if (t->epfd < 0 || t->wake_fd < 0 || t->timer_fd < 0 ||
        timerfd_settime(t->timer_fd, 0, &its, NULL) < 0 ||
        epoll_add(t->epfd, t->wake_fd, &t->wake_kind) < 0 ||
        epoll_add(t->epfd, t->timer_fd, &t->timer_kind) < 0) {
        log_error("cannot start an I/O thread: %s", strerror(errno));
        return -1;
    }
    for (int i = 0; i < t->srv->naddrs; i++) {
        const server_addr_t *a = &t->srv->addrs[i];
        listener_t *ln = &t->listeners[t->nlisteners];
        *ln = (listener_t){.kind = EV_LISTEN, .fd = server_listen(&a->ss, a->len), .mode = a->mode,
                           .metrics_only = a->metrics_only};
        if (ln->fd < 0 || (t->nlisteners++, epoll_add(t->epfd, ln->fd, &ln->kind) < 0)) {
            log_error("cannot listen on %s:%d: %s", a->text, a->port, strerror(errno));
            return -1;
        }
    }
    return 0;
}

static void thread_close(server_thread_t *t)
{
    for (int i = 0; i < t->nlisteners; i++)
        if (t->listeners[i].fd >= 0) close(t->listeners[i].fd);
    t->nlisteners = 0;
    int *fds[] = {&t->epfd, &t->timer_fd, &t->reserve_fd, &t->wake_fd};
    for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
        if (*fds[i] >= 0) {
            close(*fds[i]);
            *fds[i] = -1;
        }
    conn_loop_free_slots(&t->loop);
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
        .tls = NULL,
        .tls_port = -1,
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
    unsigned shortest = CONN_LINGER_MS;
    unsigned t[] = {cfg->header_timeout_ms, cfg->body_timeout_ms, cfg->idle_timeout_ms,
                    cfg->write_timeout_ms};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (t[i] < shortest) shortest = t[i];
    unsigned tick = shortest / 4;
    if (tick < SERVER_TICK_MIN_MS) tick = SERVER_TICK_MIN_MS;
    if (tick > SERVER_TICK_MAX_MS) tick = SERVER_TICK_MAX_MS;
    return tick;
}

/* The addresses to serve: the port (also HTTPS, sniffed, when TLS is on
 * and has no port of its own) and the TLS port. */
static int server_addrs(server_t *srv)
{
    const server_config_t *cfg = srv->cfg;
    server_addr_t *a = &srv->addrs[0];
    a->mode = !cfg->tls ? CONN_PLAIN : cfg->tls_port < 0 ? CONN_SNIFF : CONN_PLAIN;
    if (server_resolve(cfg, cfg->port, &a->ss, &a->len) < 0) return -1;
    srv->naddrs = 1;
    if (cfg->tls && cfg->tls_port >= 0) {
        a = &srv->addrs[1];
        a->mode = CONN_TLS;
        if (server_resolve(cfg, cfg->tls_port, &a->ss, &a->len) < 0) return -1;
        srv->naddrs = 2;
    }
    if (cfg->metrics_port > 0) {
        a = &srv->addrs[srv->naddrs];
        a->mode = CONN_PLAIN;
        a->metrics_only = true;
        if (server_resolve(cfg, cfg->metrics_port, &a->ss, &a->len) < 0) return -1;
        srv->naddrs++;
    }
    return 0;
}

static void server_log_listening(const server_t *srv)
{
    static const char *const speaks[] = {[CONN_PLAIN] = "HTTP", [CONN_TLS] = "HTTPS",
                                         [CONN_SNIFF] = "HTTP and HTTPS"};
    char text[256];
    size_t n = 0;
    for (int i = 0; i < srv->naddrs && n < sizeof text; i++) {
        const server_addr_t *a = &srv->addrs[i];
        n += (size_t)snprintf(text + n, sizeof text - n, "%s%s:%d (%s)", i ? " and " : "",
                              a->text, a->port, a->metrics_only ? "metrics" : speaks[a->mode]);
    }
    log_info("listening on %s with %d threads", text, srv->nthreads);
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

    if (server_addrs(&srv) < 0) return -1;

    srv.threads = calloc((size_t)srv.nthreads, sizeof *srv.threads);
    if (!srv.threads) abort();
    for (int i = 0; i < srv.nthreads; i++) {
        server_thread_t *t = &srv.threads[i];
        t->srv = &srv;
        t->cfg = cfg;
        t->loop.cfg = cfg;
        t->loop.limits =
            (http_limits_t){.max_head = cfg->max_header_bytes, .max_body = cfg->max_body_bytes};
        t->loop.nconns = &srv.nconns;
        t->loop.health = srv.health;
        t->loop.health_len = srv.health_len;
        t->loop.call_done = server_call_done;
        t->loop.tls = cfg->tls;
        t->loop.owner = t;
        t->index = i;
        t->epfd = t->wake_fd = t->timer_fd = t->reserve_fd = -1;
    }

    int opened = 0, created = 0, rc = -1;
    for (int i = 0; i < srv.naddrs; i++) {
        server_addr_t *a = &srv.addrs[i];
        int ok = server_probe(&a->ss, a->len);
        server_addr_text(&a->ss, a->text, sizeof a->text, &a->port);
        if (ok < 0) {
            log_error("cannot listen on %s:%d: %s", a->text, a->port, strerror(errno));
            goto out;
        }
    }
    for (; opened < srv.nthreads; opened++) {
        if (thread_open(&srv.threads[opened]) < 0) {
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
        char name[16];
        snprintf(name, sizeof name, "io %d", created);
        pthread_setname_np(srv.threads[created].tid, name);
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
        server_log_listening(&srv);
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
    for (int i = 0; i < opened; i++) pending += srv.threads[i].loop.nzombies;
    if (pending == 0) {
        for (int i = 0; i < opened; i++) thread_close(&srv.threads[i]);
        free(srv.threads);
        srv.threads = NULL;
    }
    if (rc == 0) log_info("I/O threads stopped");
    return rc;
}
