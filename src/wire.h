/* wire: typed reading of request JSON.
 *
 * The service deserialises each request member into a declared type before
 * validating anything; a JSON value of the wrong type is a
 * SerializationException whose text names what arrived and what was
 * expected.  These readers check one member's type and convert it.  A JSON
 * null counts as absent, as it does for the service.
 *
 * The texts, by the type expected (model shapes):
 *   string, boolean, integer, long, double   an object: "Start of structure or map
 *       found where not expected"; an array: "Start of list found where not
 *       expected"; a scalar: "<TOKEN> cannot be converted to <Type>", TOKEN
 *       one of STRING_VALUE NUMBER_VALUE DECIMAL_VALUE (a number with a
 *       fraction or an exponent) TRUE_VALUE FALSE_VALUE NULL_VALUE
 *   blob (base64 text)               a number or a boolean: "only
 *       base-64-encoded strings are convertible to bytes"
 *   list                             an object: "Start of structure...";
 *       a scalar: "Unexpected field type"
 *   map, structure                   an array: "Start of list..."; a scalar:
 *       "Unexpected field type"
 *   AttributeValue                   as a structure, but a scalar is
 *       "Unexpected value type in payload"
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
    WIRE_BLOB,
    WIRE_LIST,
    WIRE_MAP,
    WIRE_STRUCT,
    WIRE_ATTRIBUTE_VALUE,
    WIRE_TIMESTAMP, /* epoch seconds, a JSON number */
    WIRE_DOUBLE,
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

/* The timestamp member `name` of obj (epoch seconds, a JSON number) in
 * milliseconds, rounded to the nearest with round, else truncated; a time
 * beyond what milliseconds in 64 bits hold (1e400) is clamped to the
 * nearest end.  False when absent or not a number. */
bool wire_time_ms(const json_value_t *obj, const char *name, bool round, int64_t *ms);

/* A JSON string as a C string.  Text read this way (names, identifiers,
 * enumerations) cannot hold U+0000: each NUL becomes U+FFFD in an arena copy,
 * so that "a\u0000b" never passes for the name "a".  *len (optional) is the
 * length of the result. */
const char *wire_c_string(arena_t *a, const json_value_t *j, size_t *len);

/* Readers: *err is set on a type error; the return says whether the member
 * was present.  wire_string reads through wire_c_string. */
bool wire_string(arena_t *a, const json_value_t *obj, const char *name, const char **s,
                 size_t *len, ddb_error_t **err);
bool wire_bool(arena_t *a, const json_value_t *obj, const char *name, bool *v, ddb_error_t **err);
bool wire_long(arena_t *a, const json_value_t *obj, const char *name, int64_t *v,
               ddb_error_t **err);
/* A member the model declares an integer (Limit, Segment...): as wire_long,
 * with the texts naming Integer. */
bool wire_integer(arena_t *a, const json_value_t *obj, const char *name, int64_t *v,
                  ddb_error_t **err);
/* Present and of the given container type (WIRE_LIST, WIRE_MAP, WIRE_STRUCT). */
const json_value_t *wire_container(arena_t *a, const json_value_t *obj, const char *name,
                                   wire_type_t want, ddb_error_t **err);

/* A set of names from a request (attribute, index names) in the arena, for
 * duplicate and membership checks in linear time: a request can carry tens
 * of thousands of names, so pairwise comparisons would stall the server. */
typedef struct wire_names wire_names_t;
/* The hash of a name used by the set (and by other name tables). */
uint32_t wire_name_hash(const char *name, size_t len);
wire_names_t *wire_names_new(arena_t *a, size_t expected);
/* Add name; false if it was there already. */
bool wire_names_add(wire_names_t *s, const char *name, size_t len);
bool wire_names_has(const wire_names_t *s, const char *name, size_t len);
/* The index of the first string in list (a JSON array) equal to an earlier
 * one, or SIZE_MAX; elements that are not strings are ignored. */
size_t wire_first_repeat(arena_t *a, const json_value_t *list);

/* The declared type of a whole request (wire_shapes.c): the input shape of
 * each operation, named after it. */
typedef struct wire_shape wire_shape_t;
extern const wire_shape_t WIRE_REQUEST_CREATE_TABLE, WIRE_REQUEST_TABLE_NAME,
    WIRE_REQUEST_LIST_TABLES, WIRE_REQUEST_UPDATE_TABLE, WIRE_REQUEST_PUT_ITEM,
    WIRE_REQUEST_GET_ITEM, WIRE_REQUEST_DELETE_ITEM, WIRE_REQUEST_UPDATE_ITEM,
    WIRE_REQUEST_BATCH_GET_ITEM, WIRE_REQUEST_BATCH_WRITE_ITEM, WIRE_REQUEST_TRANSACT_WRITE_ITEMS,
    WIRE_REQUEST_TRANSACT_GET_ITEMS, WIRE_REQUEST_QUERY, WIRE_REQUEST_SCAN,
    WIRE_REQUEST_EXECUTE_STATEMENT, WIRE_REQUEST_BATCH_EXECUTE_STATEMENT,
    WIRE_REQUEST_EXECUTE_TRANSACTION,
    WIRE_REQUEST_UPDATE_TIME_TO_LIVE, WIRE_REQUEST_LIST_STREAMS, WIRE_REQUEST_DESCRIBE_STREAM,
    WIRE_REQUEST_GET_SHARD_ITERATOR, WIRE_REQUEST_GET_RECORDS, WIRE_REQUEST_TAG_RESOURCE,
    WIRE_REQUEST_UNTAG_RESOURCE, WIRE_REQUEST_LIST_TAGS_OF_RESOURCE,
    WIRE_REQUEST_PUT_RESOURCE_POLICY, WIRE_REQUEST_RESOURCE_ARN,
    WIRE_REQUEST_DELETE_RESOURCE_POLICY, WIRE_REQUEST_EMPTY, WIRE_REQUEST_CREATE_BACKUP,
    WIRE_REQUEST_BACKUP_ARN, WIRE_REQUEST_LIST_BACKUPS, WIRE_REQUEST_RESTORE_TABLE_FROM_BACKUP,
    WIRE_REQUEST_UPDATE_CONTINUOUS_BACKUPS, WIRE_REQUEST_RESTORE_TABLE_TO_POINT_IN_TIME,
    WIRE_REQUEST_EXPORT_TABLE, WIRE_REQUEST_DESCRIBE_EXPORT, WIRE_REQUEST_LIST_EXPORTS,
    WIRE_REQUEST_IMPORT_TABLE, WIRE_REQUEST_DESCRIBE_IMPORT, WIRE_REQUEST_LIST_IMPORTS,
    WIRE_REQUEST_DESCRIBE_CONTRIBUTOR_INSIGHTS, WIRE_REQUEST_UPDATE_CONTRIBUTOR_INSIGHTS,
    WIRE_REQUEST_LIST_CONTRIBUTOR_INSIGHTS, WIRE_REQUEST_CREATE_GLOBAL_TABLE,
    WIRE_REQUEST_UPDATE_GLOBAL_TABLE, WIRE_REQUEST_GLOBAL_TABLE_NAME,
    WIRE_REQUEST_LIST_GLOBAL_TABLES, WIRE_REQUEST_UPDATE_GLOBAL_TABLE_SETTINGS,
    WIRE_REQUEST_UPDATE_TABLE_REPLICA_AUTO_SCALING;
/* Check every member of req, at every depth and in document order, against
 * its declared type, as the service does before validating anything: the
 * first mismatch as a SerializationException, or NULL.  Unknown members
 * and JSON nulls pass (a null member is an absent one; what a null element
 * or map value means is left to the handler). */
ddb_error_t *wire_check_request(arena_t *a, const wire_shape_t *shape, const json_value_t *req);

#endif
