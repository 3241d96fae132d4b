/* arena: request-scoped memory.
 *
 * Every API call owns one arena; everything the call parses, builds or renders
 * is carved out of it and released in one arena_reset() when the response has
 * been sent.  Nothing on the request path mallocs per attribute.
 *
 * Allocation never fails: on out-of-memory the process aborts, as a database
 * that cannot allocate a few kilobytes cannot answer anyway.
 */
#ifndef DDBD_ARENA_H
#define DDBD_ARENA_H

#include <stddef.h>

typedef struct arena arena_t;

/* A new arena whose first block holds `first_block` bytes (0: a default). */
arena_t *arena_new(size_t first_block);
/* Release everything allocated since creation, keeping the first block. */
void arena_reset(arena_t *a);
void arena_free(arena_t *a);

/* `n` bytes aligned to 16; contents undefined. */
void *arena_alloc(arena_t *a, size_t n);
/* `n` zeroed bytes aligned to 16. */
void *arena_calloc(arena_t *a, size_t n);
/* A NUL-terminated copy of s[0..len). */
char *arena_strndup(arena_t *a, const char *s, size_t len);
/* A copy of the NUL-terminated s; NULL for NULL. */
const char *arena_strdup(arena_t *a, const char *s);
/* Grow the most recent allocation `p` (of `old` bytes) to `new_size` bytes,
 * in place when it is the last block's tail, else by copying. */
void *arena_realloc(arena_t *a, void *p, size_t old, size_t new_size);
/* printf into the arena. */
char *arena_sprintf(arena_t *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
