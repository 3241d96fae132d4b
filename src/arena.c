/* arena: bump allocator over a chain of blocks; see arena.h. */
#include "arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_ALIGN 16
#define ARENA_DEFAULT_BLOCK (64 * 1024)

typedef struct block {
    struct block *next;
    size_t size; /* usable bytes after the header */
    size_t used;
    _Alignas(ARENA_ALIGN) unsigned char data[];
} block_t;

struct arena {
    block_t *head;  /* block being carved */
    block_t *first; /* kept across resets */
    size_t first_size;
};

static block_t *block_new(size_t size)
{
    block_t *b = malloc(sizeof(block_t) + size);
    if (!b) abort();
    b->next = NULL;
    b->size = size;
    b->used = 0;
    return b;
}

arena_t *arena_new(size_t first_block)
{
    arena_t *a = malloc(sizeof(*a));
    if (!a) abort();
    a->first_size = first_block ? first_block : ARENA_DEFAULT_BLOCK;
    a->first = a->head = block_new(a->first_size);
    return a;
}

void arena_reset(arena_t *a)
{
    block_t *b = a->head;
    while (b != a->first) {
        block_t *next = b->next;
        free(b);
        b = next;
    }
    a->head = a->first;
    a->first->used = 0;
}

void arena_free(arena_t *a)
{
    if (!a) return;
    arena_reset(a);
    free(a->first);
    free(a);
}

void *arena_alloc(arena_t *a, size_t n)
{
    size_t need = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    if (need < n) abort(); /* overflow */
    block_t *b = a->head;
    if (b->size - b->used < need) {
        size_t size = b->size * 2;
        if (size < need) size = need;
        block_t *nb = block_new(size);
        nb->next = b;
        a->head = b = nb;
    }
    void *p = b->data + b->used;
    b->used += need;
    return p;
}

void *arena_calloc(arena_t *a, size_t n)
{
    void *p = arena_alloc(a, n);
    memset(p, 0, n);
    return p;
}

char *arena_strndup(arena_t *a, const char *s, size_t len)
{
    char *p = arena_alloc(a, len + 1);
    if (len) memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

const char *arena_strdup(arena_t *a, const char *s)
{
    return s ? arena_strndup(a, s, strlen(s)) : NULL;
}

void *arena_realloc(arena_t *a, void *p, size_t old, size_t new_size)
{
    if (!p) return arena_alloc(a, new_size);
    if (new_size <= old) return p;
    block_t *b = a->head;
    size_t old_al = (old + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    size_t new_al = (new_size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    if ((unsigned char *)p + old_al == b->data + b->used &&
        b->used - old_al + new_al <= b->size) {
        b->used = b->used - old_al + new_al;
        return p;
    }
    void *q = arena_alloc(a, new_size);
    memcpy(q, p, old);
    return q;
}

char *arena_sprintf(arena_t *a, const char *fmt, ...)
{
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0) abort();
    char *p = arena_alloc(a, (size_t)n + 1);
    if ((size_t)n < sizeof tmp) {
        memcpy(p, tmp, (size_t)n + 1);
        return p;
    }
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}
