/* ceiling: the fastest "DynamoDB server" the benchmark can talk to, as a yardstick for ddbd.
 *
 * It answers every HTTP/1.1 request with one fixed 200 response shaped like a GetItem answer
 * of the benchmark's items (same headers, a body of the same size), and does nothing else: no
 * JSON, no storage.  Like ddbd it runs one epoll loop per thread on a listening socket shared
 * with SO_REUSEPORT, keeps connections alive and answers pipelined requests in order, so the
 * difference between the two is the cost of ddbd's own work.  Requests must carry
 * Content-Length when they have a body (wrk and curl do); chunked bodies are not supported.
 *
 * usage: ceiling PORT [THREADS]      THREADS defaults to the number of cores; runs until killed
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define IN_CAP (64 * 1024)   /* largest request accepted; the benchmark's are ~300 bytes */
#define OUT_CAP (256 * 1024) /* answers waiting for the socket; past this, stop reading */

static const char body[] =
    "{\"Item\":{\"pk\":{\"S\":\"k12345\"},\"ts\":{\"N\":\"123456\"},\"payload\":{\"S\":"
    "\"abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrst\"},"
    "\"flag\":{\"BOOL\":true}}}";

static char response[1024];
static size_t response_len;
static int listen_port;

struct conn {
    int fd;
    int waiting_out; /* registered for EPOLLOUT rather than EPOLLIN */
    size_t in_len, out_off, out_len;
    char in[IN_CAP];
    char out[OUT_CAP];
};

/* The length of the first complete request in c->in, 0 if incomplete, -1 if malformed. */
static long ceiling_request_len(const struct conn *c)
{
    const char *end = memmem(c->in, c->in_len, "\r\n\r\n", 4);
    if (!end) return c->in_len == IN_CAP ? -1 : 0;
    size_t head = (size_t)(end - c->in) + 4;
    size_t clen = 0;
    for (const char *line = memchr(c->in, '\n', head); line && line < end;
         line = memchr(line + 1, '\n', (size_t)(end - line))) {
        if (strncasecmp(line + 1, "content-length:", 15) == 0) clen = strtoul(line + 16, NULL, 10);
    }
    if (clen > IN_CAP || head + clen > IN_CAP) return -1;
    return c->in_len >= head + clen ? (long)(head + clen) : 0;
}

/* Writes what is queued; returns -1 when the connection is dead. */
static int ceiling_flush(struct conn *c)
{
    while (c->out_off < c->out_len) {
        ssize_t n = write(c->fd, c->out + c->out_off, c->out_len - c->out_off);
        if (n < 0) return errno == EAGAIN ? 0 : -1;
        c->out_off += (size_t)n;
    }
    c->out_off = c->out_len = 0;
    return 0;
}

/* Answers the complete requests buffered, then reads more, until the socket has nothing more
 * to give or cannot take more answers; returns -1 when the connection must be closed. */
static int ceiling_conn_serve(struct conn *c)
{
    for (;;) {
        long len = 0;
        while (c->out_len + response_len <= OUT_CAP && (len = ceiling_request_len(c)) > 0) {
            memcpy(c->out + c->out_len, response, response_len);
            c->out_len += response_len;
            memmove(c->in, c->in + len, c->in_len - (size_t)len);
            c->in_len -= (size_t)len;
        }
        if (len < 0 || ceiling_flush(c) < 0) return -1;
        if (c->out_len) return 0; /* the socket is full: go on at EPOLLOUT */
        if (len > 0) continue;    /* stopped by the answer buffer, not by a lack of requests */
        ssize_t n = read(c->fd, c->in + c->in_len, IN_CAP - c->in_len);
        if (n == 0) return -1;
        if (n < 0) return errno == EAGAIN ? 0 : -1;
        c->in_len += (size_t)n;
    }
}

static void *ceiling_loop_run(void *arg)
{
    (void)arg;
    int one = 1;
    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    setsockopt(lfd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((unsigned short)listen_port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(lfd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(lfd, 1024) < 0) {
        perror("ceiling: bind/listen");
        exit(1);
    }
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
    epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
    struct epoll_event events[256];
    for (;;) {
        int n = epoll_wait(ep, events, 256, -1);
        for (int i = 0; i < n; i++) {
            struct conn *c = events[i].data.ptr;
            if (!c) { /* the listening socket */
                int fd;
                while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    c = malloc(sizeof *c);
                    if (!c) {
                        close(fd);
                        continue;
                    }
                    c->fd = fd;
                    c->waiting_out = 0;
                    c->in_len = c->out_off = c->out_len = 0;
                    struct epoll_event cev = {.events = EPOLLIN, .data.ptr = c};
                    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &cev);
                }
                continue;
            }
            if (ceiling_conn_serve(c) < 0) {
                close(c->fd); /* also removes it from the epoll set */
                free(c);
                continue;
            }
            /* Ask for EPOLLOUT only while answers are waiting for the socket, and make the
             * system call only when that changes (the common case is one read, one write). */
            if (c->waiting_out != (c->out_len > 0)) {
                c->waiting_out = c->out_len > 0;
                struct epoll_event cev = {.events = c->waiting_out ? EPOLLOUT : EPOLLIN,
                                          .data.ptr = c};
                epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &cev);
            }
        }
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: ceiling PORT [THREADS]\n");
        return 2;
    }
    listen_port = atoi(argv[1]);
    long threads = argc > 2 ? atol(argv[2]) : sysconf(_SC_NPROCESSORS_ONLN);
    if (threads < 1) threads = 1;
    signal(SIGPIPE, SIG_IGN);
    /* Same header set and sizes as ddbd's answers (request id, CRC, date), but fixed. */
    response_len = (size_t)snprintf(
        response, sizeof response,
        "HTTP/1.1 200 OK\r\nServer: ceiling\r\nDate: Thu, 01 Jan 2026 00:00:00 GMT\r\n"
        "x-amzn-RequestId: 0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEF\r\n"
        "x-amz-crc32: 1234567890\r\nContent-Type: application/x-amz-json-1.0\r\n"
        "Content-Length: %zu\r\n\r\n%s",
        sizeof body - 1, body);
    pthread_t tids[256];
    if (threads > 256) threads = 256;
    for (long i = 0; i < threads; i++)
        pthread_create(&tids[i], NULL, ceiling_loop_run, NULL);
    for (long i = 0; i < threads; i++)
        pthread_join(tids[i], NULL);
    return 0;
}
