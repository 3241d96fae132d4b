/* cluster_forward: forwarding calls to the leader; see cluster_forward.h. */
#include "cluster_forward.h"

#include <assert.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "errors.h"
#include "http_body.h"
#include "http_reply.h"
#include "log.h"
#include "storage.h"

/* Calls in flight to the leader at once: one per thread, each thread with
 * its own kept-alive connection, so that a follower under load keeps about
 * as many requests in flight as its clients do (the leader's group commit
 * then batches them as if they came to it directly).  A few threads start
 * with the node; more (up to FORWARD_THREADS) only when a call finds none
 * idle, so a node that forwards little (the leader: strong reads only)
 * keeps few.  Small stacks: the threads only copy bytes, or run one read
 * handler. */
#define FORWARD_THREADS 64
#define FORWARD_THREADS_START 4
#define FORWARD_STACK (2 * 1024 * 1024)
#define LEADER_WAIT_MS 1000
/* The longest body a leader's answer may have (read into memory): above
 * the largest the API gives (a BatchGetItem's 16 MB, in JSON). */
#define MAX_RESPONSE_BODY (64u << 20)

typedef struct job {
    api_call_t *call;
    const char *request; /* to forward; NULL: run handler here */
    size_t len;
    cluster_handler_t handler;
    const json_value_t *req;
    struct job *next;
} job_t;

#define CONFIRM_WAIT_MS 2000

static struct {
    cluster_leader_fn leader;
    cluster_confirm_fn confirm;
    pthread_t threads[FORWARD_THREADS];
    size_t nthreads; /* started (under mutex) */
    size_t idle;     /* waiting for a job */
    size_t queued;   /* jobs from head to tail */
    pthread_mutex_t mutex;
    pthread_cond_t cond;
    job_t *head, *tail;
    bool stopping;
} fw = {.mutex = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

/* One forwarding thread's connection to the leader. */
typedef struct {
    int fd;
    char address[300];
    buf_t in;
} link_t;

static int link_connect(link_t *l, const char *address)
{
    char host[300];
    const char *colon = strrchr(address, ':');
    if (!colon || (size_t)(colon - address) >= sizeof host) return -1;
    memcpy(host, address, colon - address);
    host[colon - address] = 0;
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res;
    if (getaddrinfo(host, colon + 1, &hints, &res) != 0) return -1;
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd >= 0 && connect(fd, res->ai_addr, res->ai_addrlen) != 0) {
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) return -1;
    struct timeval tv = {CLUSTER_FORWARD_TIMEOUT_S, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    l->fd = fd;
    snprintf(l->address, sizeof l->address, "%s", address);
    return 0;
}

static void link_close(link_t *l)
{
    if (l->fd >= 0) close(l->fd);
    l->fd = -1;
    l->in.len = 0;
}

static int send_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Read one response: status, body and its coding.  0, or -1 (nothing
 * sensible read; *got says whether any byte came). */
static int read_response(link_t *l, int *status, size_t *body_at, size_t *body_len,
                         http_coding_t *coding, bool *got)
{
    l->in.len = 0;
    http_reply_t reply;
    http_reply_status_t st = HTTP_REPLY_MORE;
    for (;;) {
        if (st == HTTP_REPLY_MORE) st = http_reply_head(l->in.data, l->in.len, MAX_RESPONSE_BODY, &reply);
        if (st == HTTP_REPLY_BAD) return -1;
        if (st == HTTP_REPLY_OK && l->in.len >= reply.head_len + reply.body_len) break;
        /* the head a read at a time, then the rest of the body at once */
        size_t want = st == HTTP_REPLY_OK ? reply.head_len + reply.body_len - l->in.len : 4096;
        buf_reserve(&l->in, want);
        ssize_t r = recv(l->fd, l->in.data + l->in.len, want, 0);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return -1;
        *got = true;
        l->in.len += (size_t)r;
    }
    *status = reply.status;
    *body_at = reply.head_len;
    *body_len = reply.body_len;
    *coding = reply.coding;
    return 0;
}

static void reply_internal(api_call_t *call)
{
    ddb_error_t *e = err_internal(call->arena);
    call->http_status = ddb_error_status(e->kind);
    call->out->len = 0;
    ddb_error_render(e, call->out);
}

/* One exchange with the leader; false when the call could not be relayed. */
static bool forward_one(link_t *l, job_t *j)
{
    char address[300];
    if (fw.leader(address, sizeof address, LEADER_WAIT_MS) != 0) return false;
    if (l->fd >= 0 && strcmp(l->address, address) != 0) link_close(l);
    /* A kept connection the leader closed meanwhile gets one more try on a
     * new one; a request sent on a new connection is never sent twice. */
    for (int attempt = 0; attempt < 2; attempt++) {
        bool reused = l->fd >= 0, got = false;
        if (!reused && link_connect(l, address) != 0) return false;
        int status;
        size_t at, len;
        http_coding_t coding;
        if (send_all(l->fd, j->request, j->len) == 0 &&
            read_response(l, &status, &at, &len, &coding, &got) == 0) {
            const char *body = l->in.data + at;
            if (coding != HTTP_CODING_IDENTITY &&
                http_body_decode(j->call->arena, coding, body, len, SIZE_MAX, &body, &len) !=
                    HTTP_BODY_OK)
                return false;
            j->call->http_status = status;
            buf_append(j->call->out, body, len);
            return true;
        }
        link_close(l);
        if (!reused || got) return false;
    }
    return false;
}

/* A strongly consistent read on the leader, once it confirmed it leads. */
static void run_confirmed(api_thread_t *ctx, job_t *j)
{
    api_call_t *call = j->call;
    if (fw.confirm(CONFIRM_WAIT_MS) != 0) {
        reply_internal(call);
        return;
    }
    api_thread_t *own = call->thread;
    call->thread = ctx;
    api_result_t r = j->handler(call, j->req);
    call->thread = own;
    (void)r;
    assert(r == API_DONE); /* reads complete at once */
}

static void *forward_main(void *arg)
{
    link_t l = {.fd = -1};
    api_thread_t ctx = {0};
    buf_init(&l.in);
    pthread_mutex_lock(&fw.mutex);
    for (;;) {
        fw.idle++;
        while (!fw.head && !fw.stopping) pthread_cond_wait(&fw.cond, &fw.mutex);
        fw.idle--;
        if (!fw.head) break;
        job_t *j = fw.head;
        fw.queued--;
        fw.head = j->next;
        if (!fw.head) fw.tail = NULL;
        pthread_mutex_unlock(&fw.mutex);
        if (!j->request) {
            run_confirmed(&ctx, j);
        } else if (!forward_one(&l, j)) {
            link_close(&l);
            reply_internal(j->call);
        }
        api_call_t *call = j->call;
        free(j);
        call->on_complete(call);
        pthread_mutex_lock(&fw.mutex);
    }
    pthread_mutex_unlock(&fw.mutex);
    link_close(&l);
    buf_free(&l.in);
    storage_read_slot_free(&ctx.read_txn);
    return NULL;
}

/* One more forwarding thread (mutex held); -1 when none could start. */
static int thread_add(void)
{
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, FORWARD_STACK);
    int rc = pthread_create(&fw.threads[fw.nthreads], &attr, forward_main, NULL);
    pthread_attr_destroy(&attr);
    if (rc != 0) return -1;
    pthread_setname_np(fw.threads[fw.nthreads], "forward");
    fw.nthreads++;
    return 0;
}

int cluster_forward_start(cluster_leader_fn leader, cluster_confirm_fn confirm)
{
    fw.leader = leader;
    fw.confirm = confirm;
    fw.stopping = false;
    pthread_mutex_lock(&fw.mutex);
    int rc = 0;
    while (!rc && fw.nthreads < FORWARD_THREADS_START) rc = thread_add();
    pthread_mutex_unlock(&fw.mutex);
    if (rc) log_error("cluster: cannot start a forwarding thread");
    return rc;
}

void cluster_forward_stop(void)
{
    pthread_mutex_lock(&fw.mutex);
    fw.stopping = true;
    pthread_cond_broadcast(&fw.cond);
    pthread_mutex_unlock(&fw.mutex);
    /* no thread starts once stopping is set */
    for (size_t i = 0; i < fw.nthreads; i++) pthread_join(fw.threads[i], NULL);
    fw.nthreads = 0;
}

static void job_queue(job_t *j)
{
    pthread_mutex_lock(&fw.mutex);
    if (fw.tail) fw.tail->next = j;
    else fw.head = j;
    fw.tail = j;
    fw.queued++;
    /* more jobs than idle threads: one more thread, while there may be
     * more (one that cannot start leaves the job to the running ones) */
    if (fw.idle < fw.queued && fw.nthreads < FORWARD_THREADS && !fw.stopping && thread_add() != 0)
        log_warn("cluster: cannot start another forwarding thread");
    pthread_cond_signal(&fw.cond);
    pthread_mutex_unlock(&fw.mutex);
}

void cluster_forward_submit(api_call_t *call, const char *request, size_t len)
{
    job_t *j = malloc(sizeof *j);
    if (!j) abort();
    *j = (job_t){.call = call, .request = request, .len = len};
    job_queue(j);
}

void cluster_forward_confirmed(api_call_t *call, cluster_handler_t handler,
                               const json_value_t *req)
{
    job_t *j = malloc(sizeof *j);
    if (!j) abort();
    *j = (job_t){.call = call, .handler = handler, .req = req};
    job_queue(j);
}
