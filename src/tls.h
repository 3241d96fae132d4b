/* tls: TLS 1.2 and 1.3 for connections, on OpenSSL's libssl.
 *
 * One context is made at start-up from a PEM certificate chain and its
 * private key; every TLS connection then has a session over its
 * non-blocking socket.  No call here ever blocks: each reports that it
 * waits for the socket to become readable (TLS_WANT_READ) or writable
 * (TLS_WANT_WRITE), and the caller calls again once the event loop says
 * so.  Unlike a plain socket, a read shorter than the space offered does
 * not mean the socket is drained (a read returns one TLS record; ask
 * tls_session_drained), nor a short write that it is full (a write returns
 * after one record): the WANT answers say so.
 *
 * The context offers forward-secret AEAD ciphers only (ECDHE with AES-GCM
 * or ChaCha20-Poly1305 for TLS 1.2; TLS 1.3's own suites), refuses
 * renegotiation.  A busy session keeps its record buffers (about 33 KB);
 * tls_session_trim releases them when it goes idle.
 */
#ifndef DDBD_TLS_H
#define DDBD_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

typedef struct tls_context tls_context_t;
typedef struct tls_session tls_session_t;

/* The first byte of a TLS connection: a handshake record (ClientHello). */
#define TLS_RECORD_HANDSHAKE 0x16

enum {
    TLS_CLOSED = 0,      /* the peer closed the connection (close_notify or EOF) */
    TLS_WANT_READ = -1,  /* call again once the socket is readable */
    TLS_WANT_WRITE = -2, /* call again once the socket is writable */
    TLS_ERROR = -3,      /* broken: a protocol error, a bad handshake; close */
};

/* Loads the certificate chain and the key and checks that they match.
 * NULL on failure, with the reason in err (e.g. the file that cannot be
 * read, or OpenSSL's word on its content). */
tls_context_t *tls_context_new(const char *cert_file, const char *key_file, char *err,
                               size_t err_len);
void tls_context_free(tls_context_t *ctx);

/* A server session over the socket fd (owned by the caller); NULL when out
 * of memory. */
tls_session_t *tls_session_new(tls_context_t *ctx, int fd);
/* Frees the session (never sends anything; see tls_session_close). */
void tls_session_free(tls_session_t *s);

/* Advances the handshake: 1 when it is complete, else a TLS_ value. */
int tls_session_handshake(tls_session_t *s);

/* Up to n bytes of application data into buf: the count (> 0), or a TLS_ value. */
ssize_t tls_session_read(tls_session_t *s, void *buf, size_t n);

/* After a read: the socket's last read came back short and OpenSSL holds
 * no bytes unread, so the socket is drained as a short plain read says (the
 * next arrival brings an edge), and another read would only answer
 * TLS_WANT_READ. */
bool tls_session_drained(const tls_session_t *s);

/* Writes from buf (n > 0): the count written (> 0, maybe less than n), or
 * a TLS_ value.  After TLS_WANT_*, call again with the same bytes first
 * (more may follow them), from wherever the buffer has moved. */
ssize_t tls_session_write(tls_session_t *s, const void *buf, size_t n);

/* Releases the session's record buffers if it holds no data in them (an
 * idle session); its next read or write allocates them again. */
void tls_session_trim(tls_session_t *s);

/* Sends close_notify if the socket takes it at once (best effort). */
void tls_session_close(tls_session_t *s);

#endif
