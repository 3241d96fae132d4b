/* buf: a growable byte buffer with a long-lived owner (a connection's input
 * and output, a writer's scratch).  Grows by doubling; never shrinks until
 * buf_free().  Allocation failure aborts. */
#ifndef DDBD_BUF_H
#define DDBD_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct {
    char *data;
    size_t len;
    size_t cap;
} buf_t;

void buf_init(buf_t *b);
void buf_free(buf_t *b);
/* The slow path of buf_reserve: grow so that `extra` more bytes fit. */
void buf_grow(buf_t *b, size_t extra);
/* Make room for `extra` more bytes past len.  Inline, as buf_append: a
 * response is built of many short appends (a Query page of items renders
 * hundreds), and most need only this compare. */
static inline void buf_reserve(buf_t *b, size_t extra)
{
    if (b->cap - b->len < extra) buf_grow(b, extra);
}
static inline void buf_append(buf_t *b, const void *p, size_t n)
{
    if (!n) return;
    buf_reserve(b, n);
    memcpy(b->data + b->len, p, n);
    b->len += n;
}
void buf_append_str(buf_t *b, const char *s);
static inline void buf_putc(buf_t *b, char c)
{
    if (b->len == b->cap) buf_reserve(b, 1);
    b->data[b->len++] = c;
}
void buf_printf(buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Drop the first n bytes (consumed input). */
void buf_consume(buf_t *b, size_t n);

#endif
