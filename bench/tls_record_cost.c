/* tls_record_cost: what one keep-alive exchange costs a TLS server in its TLS library, apart
 * from any HTTP or database work: a request record of 1,100 bytes in, a response record of
 * 350 bytes out (the sizes of the benchmark's GetItem), AES-128-GCM, TLS 1.3 or 1.2.
 *
 * The server side is this process; the client is this program again, exec'd over a socketpair
 * (so a tool that traces this process, such as callgrind, does not trace the client).  After the
 * handshake and 100 warm-up exchanges, N exchanges run inside exchange_loop, so
 *   valgrind --tool=callgrind --toggle-collect=exchange_loop tls_record_cost ...
 * counts exactly those (divide by N); with TRC_TIMES=1 in the environment it also prints the
 * server's CPU and wall time per exchange.  bench/tls_record_cost.sh runs the whole table.
 *
 *   tls_record_cost LIB VER N CERT KEY [VARIANT]
 * LIB: plain (no TLS: the floor), openssl, or gnutls (when built with -DWITH_GNUTLS); VER: 13
 * or 12 (0 for plain).  OpenSSL runs as src/tls.c sets it up (own socket BIO, read-ahead,
 * partial writes); VARIANT words change one thing each: sockbio (OpenSSL's socket BIO),
 * libctx (a library context of its own with only the default provider), noreadahead, release
 * (SSL_MODE_RELEASE_BUFFERS), noautoretry, noticket.  GnuTLS: intfd (its own socket I/O instead
 * of push and pull functions). */
#define _GNU_SOURCE
#include <openssl/err.h>
#include <openssl/provider.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef WITH_GNUTLS
#include <gnutls/gnutls.h>
#endif

#define REQ_LEN 1100
#define RESP_LEN 350
#define WARM_UP 100

static void trc_die(const char *what)
{
    fprintf(stderr, "tls_record_cost: %s\n", what);
    ERR_print_errors_fp(stderr);
    exit(1);
}

/* The server side of one library: blocking calls on a connected socket. */
struct trc_server {
    int (*handshake)(void *s);
    int (*read)(void *s, char *buf, int n);
    int (*write)(void *s, const char *buf, int n);
    void *s;
};

/* ---- the client: OpenSSL (or plain), blocking, one cipher ---- */

static void trc_client_exchanges(int fd, SSL *ssl, int n)
{
    char req[REQ_LEN], resp[RESP_LEN];
    memset(req, 'q', sizeof req);
    for (int i = 0; i < n; i++) {
        int put = ssl ? SSL_write(ssl, req, REQ_LEN) : (int)send(fd, req, REQ_LEN, 0);
        if (put != REQ_LEN) trc_die("client write");
        for (int got = 0; got < RESP_LEN;) {
            int r = ssl ? SSL_read(ssl, resp + got, RESP_LEN - got)
                        : (int)recv(fd, resp + got, RESP_LEN - got, 0);
            if (r <= 0) trc_die("client read");
            got += r;
        }
    }
}

static int trc_client(int fd, int ver, int n)
{
    if (ver == 0) {
        trc_client_exchanges(fd, NULL, n);
        return 0;
    }
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    int v = ver == 13 ? TLS1_3_VERSION : TLS1_2_VERSION;
    SSL_CTX_set_min_proto_version(ctx, v);
    SSL_CTX_set_max_proto_version(ctx, v);
    SSL_CTX_set_ciphersuites(ctx, "TLS_AES_128_GCM_SHA256");
    SSL_CTX_set_cipher_list(ctx, "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256");
    SSL *ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    if (SSL_connect(ssl) != 1) trc_die("client handshake");
    fprintf(stderr, "negotiated %s %s\n", SSL_get_version(ssl), SSL_get_cipher_name(ssl));
    trc_client_exchanges(fd, ssl, n);
    SSL_shutdown(ssl);
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    return 0;
}

/* ---- the exchanges ---- */

__attribute__((noinline)) static void trc_exchanges(struct trc_server *v, int n)
{
    char buf[4096], resp[RESP_LEN];
    memset(resp, 'r', sizeof resp);
    for (int i = 0; i < n; i++) {
        for (int got = 0; got < REQ_LEN;) {
            int r = v->read(v->s, buf + got, (int)sizeof buf - got);
            if (r <= 0) trc_die("server read");
            got += r;
        }
        if (v->write(v->s, resp, RESP_LEN) != RESP_LEN) trc_die("server write");
    }
}

/* The counted exchanges (callgrind's --toggle-collect=exchange_loop); not a tail call, so
 * that callgrind sees the function entered and left. */
__attribute__((noinline)) void exchange_loop(struct trc_server *v, int n);
__attribute__((noinline, optimize("no-optimize-sibling-calls"))) void
exchange_loop(struct trc_server *v, int n)
{
    trc_exchanges(v, n);
}

/* ---- plain sockets ---- */

static int plain_handshake(void *s)
{
    (void)s;
    return 0;
}
static int plain_read(void *s, char *buf, int n)
{
    return (int)recv((int)(long)s, buf, (size_t)n, 0);
}
static int plain_write(void *s, const char *buf, int n)
{
    return (int)send((int)(long)s, buf, (size_t)n, MSG_NOSIGNAL);
}

/* ---- OpenSSL, set up as src/tls.c does ---- */

static int openssl_fd;

static int openssl_bio_read(BIO *b, char *buf, size_t len, size_t *got)
{
    BIO_clear_retry_flags(b);
    ssize_t n = recv(openssl_fd, buf, len, 0);
    if (n <= 0) return 0;
    *got = (size_t)n;
    return 1;
}

static int openssl_bio_write(BIO *b, const char *buf, size_t len, size_t *put)
{
    BIO_clear_retry_flags(b);
    ssize_t n = send(openssl_fd, buf, len, MSG_NOSIGNAL);
    if (n < 0) return 0;
    *put = (size_t)n;
    return 1;
}

static long openssl_bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    (void)b, (void)num, (void)ptr;
    return cmd == BIO_CTRL_FLUSH;
}

static int openssl_bio_create(BIO *b)
{
    BIO_set_init(b, 1);
    return 1;
}

static int openssl_handshake(void *s) { return SSL_accept(s) == 1 ? 0 : -1; }
static int openssl_read(void *s, char *buf, int n)
{
    size_t got;
    return SSL_read_ex(s, buf, (size_t)n, &got) == 1 ? (int)got : -1;
}
static int openssl_write(void *s, const char *buf, int n)
{
    size_t put;
    return SSL_write_ex(s, buf, (size_t)n, &put) == 1 ? (int)put : -1;
}

static void *openssl_server(int fd, const char *cert, const char *key, const char *variant)
{
    openssl_fd = fd;
    OSSL_LIB_CTX *lib = NULL;
    if (strstr(variant, "libctx")) {
        lib = OSSL_LIB_CTX_new();
        if (!lib || !OSSL_PROVIDER_load(lib, "default")) trc_die("library context");
    }
    SSL_CTX *ctx = SSL_CTX_new_ex(lib, NULL, TLS_server_method());
    if (!ctx) trc_die("SSL_CTX_new_ex");
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION |
                                 SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_CIPHER_SERVER_PREFERENCE);
    if (strstr(variant, "noticket")) SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    long mode = SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER;
    if (strstr(variant, "release")) mode |= SSL_MODE_RELEASE_BUFFERS;
    SSL_CTX_set_mode(ctx, mode);
    if (strstr(variant, "noautoretry")) SSL_CTX_clear_mode(ctx, SSL_MODE_AUTO_RETRY);
    if (!strstr(variant, "noreadahead")) SSL_CTX_set_read_ahead(ctx, 1);
    SSL_CTX_set_cipher_list(ctx, "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256");
    SSL_CTX_set_ciphersuites(ctx, "TLS_AES_128_GCM_SHA256");
    if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) trc_die("certificate");
    if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) trc_die("key");
    SSL *ssl = SSL_new(ctx);
    if (strstr(variant, "sockbio")) {
        SSL_set_fd(ssl, fd);
        return ssl;
    }
    BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "socket");
    BIO_meth_set_read_ex(m, openssl_bio_read);
    BIO_meth_set_write_ex(m, openssl_bio_write);
    BIO_meth_set_ctrl(m, openssl_bio_ctrl);
    BIO_meth_set_create(m, openssl_bio_create);
    BIO *b = BIO_new(m);
    SSL_set_bio(ssl, b, b);
    return ssl;
}

/* ---- GnuTLS ---- */

#ifdef WITH_GNUTLS
static int gnutls_server_handshake(void *s)
{
    int r;
    do r = gnutls_handshake(s);
    while (r < 0 && !gnutls_error_is_fatal(r));
    if (r < 0) fprintf(stderr, "gnutls handshake: %s\n", gnutls_strerror(r));
    return r < 0 ? -1 : 0;
}
static int gnutls_server_read(void *s, char *buf, int n)
{
    return (int)gnutls_record_recv(s, buf, (size_t)n);
}
static int gnutls_server_write(void *s, const char *buf, int n)
{
    return (int)gnutls_record_send(s, buf, (size_t)n);
}
static ssize_t gnutls_push(gnutls_transport_ptr_t p, const void *buf, size_t n)
{
    return send((int)(long)p, buf, n, MSG_NOSIGNAL);
}
static ssize_t gnutls_pull(gnutls_transport_ptr_t p, void *buf, size_t n)
{
    return recv((int)(long)p, buf, n, 0);
}

static void *gnutls_server(int fd, int ver, const char *cert, const char *key,
                           const char *variant)
{
    gnutls_global_init();
    gnutls_certificate_credentials_t cred;
    gnutls_certificate_allocate_credentials(&cred);
    if (gnutls_certificate_set_x509_key_file(cred, cert, key, GNUTLS_X509_FMT_PEM) < 0)
        trc_die("gnutls certificate");
    gnutls_session_t s;
    gnutls_init(&s, GNUTLS_SERVER);
    const char *prio = ver == 13 ? "NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+AES-128-GCM"
                                 : "NORMAL:-VERS-ALL:+VERS-TLS1.2:-CIPHER-ALL:+AES-128-GCM";
    if (gnutls_priority_set_direct(s, prio, NULL) < 0) trc_die("gnutls priority");
    gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred);
    if (strstr(variant, "intfd")) {
        gnutls_transport_set_int(s, fd);
    } else {
        gnutls_transport_set_ptr(s, (gnutls_transport_ptr_t)(long)fd);
        gnutls_transport_set_push_function(s, gnutls_push);
        gnutls_transport_set_pull_function(s, gnutls_pull);
    }
    return s;
}
#endif

static double trc_us(struct timeval a, struct timeval b)
{
    return (double)(b.tv_sec - a.tv_sec) * 1e6 + (double)(b.tv_usec - a.tv_usec);
}

int main(int argc, char **argv)
{
    if (argc >= 5 && !strcmp(argv[1], "client"))
        return trc_client(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]));
    if (argc < 6) trc_die("usage: tls_record_cost LIB VER N CERT KEY [VARIANT]");
    const char *lib = argv[1], *cert = argv[4], *key = argv[5];
    int ver = atoi(argv[2]), n = atoi(argv[3]);
    const char *variant = argc > 6 ? argv[6] : "";
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) trc_die("socketpair");
    pid_t pid = fork();
    if (pid == 0) {
        close(sv[0]);
        char fd_arg[16], ver_arg[8], n_arg[16];
        snprintf(fd_arg, sizeof fd_arg, "%d", sv[1]);
        snprintf(ver_arg, sizeof ver_arg, "%d", ver);
        snprintf(n_arg, sizeof n_arg, "%d", n + WARM_UP);
        /* argv[0], not /proc/self/exe: under valgrind that names valgrind */
        execl(argv[0], argv[0], "client", fd_arg, ver_arg, n_arg, (char *)NULL);
        trc_die("exec");
    }
    close(sv[1]);
    struct trc_server v;
    if (!strcmp(lib, "plain")) {
        v = (struct trc_server){plain_handshake, plain_read, plain_write, (void *)(long)sv[0]};
    } else if (!strcmp(lib, "openssl")) {
        v = (struct trc_server){openssl_handshake, openssl_read, openssl_write,
                                openssl_server(sv[0], cert, key, variant)};
#ifdef WITH_GNUTLS
    } else if (!strcmp(lib, "gnutls")) {
        v = (struct trc_server){gnutls_server_handshake, gnutls_server_read, gnutls_server_write,
                                gnutls_server(sv[0], ver, cert, key, variant)};
#endif
    } else {
        trc_die("unknown library");
    }
    if (v.handshake(v.s) < 0) trc_die("handshake");
    trc_exchanges(&v, WARM_UP);
    struct rusage r0, r1;
    struct timespec t0, t1;
    getrusage(RUSAGE_SELF, &r0);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    exchange_loop(&v, n);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    getrusage(RUSAGE_SELF, &r1);
    if (getenv("TRC_TIMES")) {
        double user = trc_us(r0.ru_utime, r1.ru_utime), sys = trc_us(r0.ru_stime, r1.ru_stime);
        double wall = (double)(t1.tv_sec - t0.tv_sec) * 1e6 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e3;
        printf("RESULT lib=%s tls=%d variant=%s user_us=%.2f sys_us=%.2f cpu_us=%.2f "
               "wall_us=%.2f\n",
               lib, ver, variant[0] ? variant : "default", user / n, sys / n, (user + sys) / n,
               wall / n);
    }
    char rest[64];
    v.read(v.s, rest, sizeof rest); /* the client's close_notify, or EOF */
    int status;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
