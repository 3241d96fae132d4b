/* arn: the resource ARNs of DynamoDB's tag and resource-policy APIs.
 *
 *   arn:<partition>:<service>:<region>:<account>:<resource>
 *   resource  table/<name>                 a table
 *             table/<name>/stream/<label>  a table's stream
 *             table/<name>/index/<index>   an index (refused by these APIs)
 *             anything else (backup/..., export/...)
 *
 * Splitting an ARN is common to every caller; which parts must match this
 * server (region, account) and which error each mismatch earns differs
 * between the tag and the policy APIs, so that is left to them.
 */
#ifndef DDBD_ARN_H
#define DDBD_ARN_H

#include "arena.h"
#include "errors.h"

typedef enum { ARN_TABLE, ARN_STREAM, ARN_INDEX, ARN_OTHER } arn_kind_t;

typedef struct {
    const char *partition, *service, *region, *account, *resource;
    arn_kind_t kind;
    const char *table; /* ARN_TABLE, ARN_STREAM, ARN_INDEX: the table's name */
    const char *child; /* ARN_STREAM: the label; ARN_INDEX: the index name */
} arn_t;

/* Split text into its parts (copies in the arena), or the service's error
 * for text that is no ARN at all (no "arn:" prefix, a part missing). */
ddb_error_t *arn_parse(arena_t *a, const char *text, arn_t *out);

/* The region this server answers as (--region), in every ARN it builds and
 * every message naming the region; set once at start-up, before any request. */
void arn_region_set(const char *region);
const char *arn_region(void);

#endif
