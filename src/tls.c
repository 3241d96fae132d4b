/* tls: OpenSSL behind tls.h.  The context is OpenSSL's SSL_CTX; a session
 * is an SSL object and what its socket's last read said. */
#include "tls.h"

#include <errno.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* TLS 1.2: forward secrecy and AEAD only (TLS 1.3's suites are all such). */
#define TLS_CIPHERS_12                                                                             \
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"                                   \
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"                                   \
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"

#define TLS_CIPHERS_13 "TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_256_GCM_SHA384"

/* OpenSSL's first queued error as text, or fallback; clears the queue. */
static void tls_error_text(char *err, size_t err_len, const char *what, const char *file)
{
    unsigned long e = ERR_peek_last_error();
    char reason[256] = "";
    if (e) ERR_error_string_n(e, reason, sizeof reason);
    snprintf(err, err_len, "%s %s: %s", what, file, e ? reason : "invalid");
    ERR_clear_error();
}

/* A clear message for a missing or unreadable file before OpenSSL's own. */
static int tls_file_readable(const char *file, const char *what, char *err, size_t err_len)
{
    FILE *f = fopen(file, "r");
    if (!f) {
        snprintf(err, err_len, "cannot read the %s %s: %s", what, file, strerror(errno));
        return -1;
    }
    fclose(f);
    return 0;
}

struct tls_session {
    SSL *ssl;
    int fd;
    bool short_read; /* the socket's last read got less than asked, or nothing */
    bool eof;        /* the socket's last read found the end of its input */
};

/* The socket under a session is a BIO of ddbd's own rather than OpenSSL's
 * socket BIO: it sends with MSG_NOSIGNAL (a write to a connection the
 * client reset must fail with EPIPE, not raise SIGPIPE), it notes a read
 * that came back short (read-ahead asks for a whole buffer, so a short
 * one drained the socket), and its controls cost a switch: OpenSSL asks
 * its BIO a dozen questions per record, and a socket BIO with a callback
 * to watch its reads answers each through the callback twice. */
static BIO_METHOD *tls_bio_method;

static int tls_bio_read(BIO *b, char *buf, size_t len, size_t *got)
{
    tls_session_t *s = BIO_get_data(b);
    BIO_clear_retry_flags(b);
    for (;;) {
        ssize_t n = recv(s->fd, buf, len, 0);
        if (n > 0) {
            s->short_read = (size_t)n < len;
            *got = (size_t)n;
            return 1;
        }
        s->short_read = true;
        if (n == 0) {
            s->eof = true; /* told by BIO_CTRL_EOF: the peer closed */
            return 0;
        }
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) BIO_set_retry_read(b);
        return 0;
    }
}

static int tls_bio_write(BIO *b, const char *buf, size_t len, size_t *put)
{
    tls_session_t *s = BIO_get_data(b);
    BIO_clear_retry_flags(b);
    for (;;) {
        ssize_t n = send(s->fd, buf, len, MSG_NOSIGNAL);
        if (n >= 0) {
            *put = (size_t)n;
            return 1;
        }
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) BIO_set_retry_write(b);
        return 0;
    }
}

static long tls_bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    (void)num, (void)ptr;
    switch (cmd) {
    case BIO_CTRL_FLUSH: return 1; /* nothing is buffered here */
    case BIO_CTRL_EOF: return ((tls_session_t *)BIO_get_data(b))->eof;
    default: return 0; /* no kTLS, no pending bytes, nothing else to say */
    }
}

static int tls_bio_create(BIO *b)
{
    BIO_set_init(b, 1);
    return 1;
}

/* The method of the sessions' socket BIO, made once. */
static bool tls_bio_method_init(void)
{
    if (tls_bio_method) return true;
    BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "ddbd socket");
    if (!m || BIO_meth_set_read_ex(m, tls_bio_read) != 1 ||
        BIO_meth_set_write_ex(m, tls_bio_write) != 1 || BIO_meth_set_ctrl(m, tls_bio_ctrl) != 1 ||
        BIO_meth_set_create(m, tls_bio_create) != 1) {
        BIO_meth_free(m);
        ERR_clear_error();
        return false;
    }
    tls_bio_method = m;
    return true;
}

tls_context_t *tls_context_new(const char *cert_file, const char *key_file, char *err,
                               size_t err_len)
{
    if (tls_file_readable(cert_file, "TLS certificate", err, err_len) < 0 ||
        tls_file_readable(key_file, "TLS key", err, err_len) < 0)
        return NULL;
    if (!tls_bio_method_init()) {
        snprintf(err, err_len, "cannot make a TLS socket method for %s", cert_file);
        return NULL;
    }
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx) {
        tls_error_text(err, err_len, "cannot make a TLS context for", cert_file);
        return NULL;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    /* A client that closes without close_notify (as HTTP clients do) has
     * closed, not failed. */
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION |
                                 SSL_OP_IGNORE_UNEXPECTED_EOF);
    /* Partial writes: a write returns once a record is out, so output can
     * grow (and move) between the retries of a blocked write.  Read-ahead:
     * one recv takes in every record that has arrived, not 5 bytes and then
     * the rest.  The record buffers (about 33 KB) stay while the session is
     * busy: releasing them after every record (SSL_MODE_RELEASE_BUFFERS)
     * costs a malloc and a free of each per request; tls_session_trim
     * releases them once it is idle. */
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    SSL_CTX_set_read_ahead(ctx, 1);
    /* AES-128-GCM first: as safe, and cheaper for small records; the
     * server's order decides. */
    SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
    if (SSL_CTX_set_cipher_list(ctx, TLS_CIPHERS_12) != 1 ||
        SSL_CTX_set_ciphersuites(ctx, TLS_CIPHERS_13) != 1) {
        tls_error_text(err, err_len, "cannot set the TLS ciphers for", cert_file);
        goto fail;
    }
    if (SSL_CTX_use_certificate_chain_file(ctx, cert_file) != 1) {
        tls_error_text(err, err_len, "bad TLS certificate", cert_file);
        goto fail;
    }
    /* Loading the key also checks it against the certificate. */
    if (SSL_CTX_use_PrivateKey_file(ctx, key_file, SSL_FILETYPE_PEM) != 1 &&
        ERR_GET_REASON(ERR_peek_last_error()) != X509_R_KEY_VALUES_MISMATCH) {
        tls_error_text(err, err_len, "bad TLS key", key_file);
        goto fail;
    }
    if (SSL_CTX_check_private_key(ctx) != 1) {
        ERR_clear_error();
        snprintf(err, err_len, "the TLS key %s does not match the certificate %s", key_file,
                 cert_file);
        goto fail;
    }
    return (tls_context_t *)ctx;
fail:
    SSL_CTX_free(ctx);
    return NULL;
}

void tls_context_free(tls_context_t *ctx) { SSL_CTX_free((SSL_CTX *)ctx); }

tls_session_t *tls_session_new(tls_context_t *ctx, int fd)
{
    tls_session_t *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->fd = fd;
    s->ssl = SSL_new((SSL_CTX *)ctx);
    BIO *bio = s->ssl ? BIO_new(tls_bio_method) : NULL;
    if (!bio) {
        ERR_clear_error();
        tls_session_free(s);
        return NULL;
    }
    BIO_set_data(bio, s);
    SSL_set_bio(s->ssl, bio, bio); /* one reference, for both directions */
    SSL_set_accept_state(s->ssl);
    return s;
}

void tls_session_free(tls_session_t *s)
{
    if (!s) return;
    SSL_free(s->ssl);
    free(s);
}

bool tls_session_drained(const tls_session_t *s)
{
    return s->short_read && !SSL_has_pending(s->ssl);
}

/* The TLS_ value of a failed call; the error queue is left empty (it is
 * per thread, and a stale entry would fail the next session's call). */
static int tls_result(SSL *ssl, int rc)
{
    int e = SSL_get_error(ssl, rc);
    switch (e) {
    case SSL_ERROR_WANT_READ: return TLS_WANT_READ;
    case SSL_ERROR_WANT_WRITE: return TLS_WANT_WRITE;
    case SSL_ERROR_ZERO_RETURN: return TLS_CLOSED;
    case SSL_ERROR_SYSCALL:
        ERR_clear_error();
        /* EOF without close_notify, as most HTTP clients close */
        return errno == 0 ? TLS_CLOSED : TLS_ERROR;
    default: ERR_clear_error(); return TLS_ERROR;
    }
}

int tls_session_handshake(tls_session_t *s)
{
    SSL *ssl = s->ssl;
    errno = 0;
    int rc = SSL_do_handshake(ssl);
    if (rc == 1) return 1;
    int r = tls_result(ssl, rc);
    return r == TLS_CLOSED ? TLS_ERROR : r; /* a handshake cut short is a failed one */
}

ssize_t tls_session_read(tls_session_t *s, void *buf, size_t n)
{
    SSL *ssl = s->ssl;
    size_t got = 0;
    errno = 0;
    if (SSL_read_ex(ssl, buf, n, &got) == 1) return (ssize_t)got;
    return tls_result(ssl, 0);
}

ssize_t tls_session_write(tls_session_t *s, const void *buf, size_t n)
{
    SSL *ssl = s->ssl;
    size_t put = 0;
    errno = 0;
    if (SSL_write_ex(ssl, buf, n, &put) == 1) return (ssize_t)put;
    int r = tls_result(ssl, 0);
    return r == TLS_CLOSED ? TLS_ERROR : r;
}

void tls_session_trim(tls_session_t *s)
{
    /* Never with bytes in the read buffer, not even part of a record: some
     * OpenSSL 3.0 releases would free a buffer still in use. */
    if (!SSL_has_pending(s->ssl)) SSL_free_buffers(s->ssl);
}

void tls_session_close(tls_session_t *s)
{
    SSL *ssl = s->ssl;
    if (SSL_is_init_finished(ssl)) SSL_shutdown(ssl);
    ERR_clear_error();
}
