/* tags: the rules of resource tags, shared by CreateTable and the tag APIs.
 *
 * A key is 1 to 128 characters, a value 0 to 256 (characters as the
 * service counts them: UTF-16 units), both made of letters of any script,
 * digits, space separators and + - = . _ : / @.  Keys may not start with
 * "aws:" in any case.  A resource holds at most TAGS_MAX tags.
 *
 * A tag set is immutable once built: a change builds a new one, so that a
 * reader holding the old one is never disturbed.
 */
#ifndef DDBD_TAGS_H
#define DDBD_TAGS_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "errors.h"

#define TAGS_MAX 50
#define TAGS_KEY_MAX 128
#define TAGS_VALUE_MAX 256

typedef struct {
    const char *key, *value;
} tag_t;

typedef struct {
    size_t count;
    tag_t items[]; /* in the order they were first set */
} tag_set_t;

/* A key (NULL: absent) of TagResource, CreateTable or UntagResource. */
ddb_error_t *tags_check_key(arena_t *a, const char *key);
/* A value (NULL: absent). */
ddb_error_t *tags_check_value(arena_t *a, const char *value);
/* The tags of one request, in order: each key then its value, and no key
 * twice.  The count is the caller's (it depends on the tags already set). */
ddb_error_t *tags_check_list(arena_t *a, const tag_t *tags, size_t count);

/* A new set in arena a: set (NULL: none) with tags added (an existing key
 * takes the new value and keeps its place) and the keys `removed` taken
 * out. */
tag_set_t *tags_merge(arena_t *a, const tag_set_t *set, const tag_t *added, size_t added_count,
                      const char *const *removed, size_t removed_count);

#endif
