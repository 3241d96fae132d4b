/* wire: typed reading of request JSON.
 *
 * The service deserialises each request member into a declared type before
 * validating anything; a JSON value of the wrong type is a
 * SerializationException whose text names what arrived and what was
 * expected.  These readers check one member's type and convert it.  A JSON
 * null counts as absent, as it does for the service.
 */
#ifndef DDBD_WIRE_H
#define DDBD_WIRE_H

#include <stdbool.h>
#include <stdint.h>

#include "errors.h"
#include "json.h"

typedef enum {
    WIRE_STRING,
    WIRE_BOOLEAN,
    WIRE_LONG,
    WIRE_INTEGER,
    WIRE_LIST,
    WIRE_MAP,
    WIRE_STRUCT
} wire_type_t;

/* NULL if j (non-NULL, not JSON null) has the JSON shape of `want`, else the
 * service's SerializationException. */
ddb_error_t *wire_check(arena_t *a, const json_value_t *j, wire_type_t want);

/* A request value as the service quotes it in constraint messages (Java's
 * rendering): lists "[a, b]", maps and structures "{k=v, k2=v2}", strings
 * bare.  Long texts are cut. */
const char *wire_value_text(arena_t *a, const json_value_t *j);

/* The member `name` of obj, or NULL when absent or JSON null. */
const json_value_t *wire_member(const json_value_t *obj, const char *name);

/* Readers: *err is set on a type error; the return says whether the member
 * was present. */
bool wire_string(arena_t *a, const json_value_t *obj, const char *name, const char **s,
                 size_t *len, ddb_error_t **err);
bool wire_bool(arena_t *a, const json_value_t *obj, const char *name, bool *v, ddb_error_t **err);
bool wire_long(arena_t *a, const json_value_t *obj, const char *name, int64_t *v,
               ddb_error_t **err);
/* An Integer member of the model (Limit, Segment...): 32 bits. */
bool wire_integer(arena_t *a, const json_value_t *obj, const char *name, int64_t *v,
                  ddb_error_t **err);
/* Present and of the given container type (WIRE_LIST, WIRE_MAP, WIRE_STRUCT). */
const json_value_t *wire_container(arena_t *a, const json_value_t *obj, const char *name,
                                   wire_type_t want, ddb_error_t **err);

#endif
