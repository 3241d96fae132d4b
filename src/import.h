/* import: ImportTable's imports, read from files laid out as the service
 * reads them from S3, in a local directory.
 *
 * A bucket is a directory under the export root (--export-root), as for
 * exports (export.h); S3KeyPrefix is a raw prefix of object keys: the
 * files read are those under <root>/<bucket> whose path relative to it
 * starts with the prefix (an export's "<prefix>/AWSDynamoDB/<id>/data/"
 * names its data files), in name order.
 *
 * Formats: DYNAMODB_JSON, one {"Item":{...}} per line as an export writes
 * it; ION, one "$ion_1_0 {Item:{...}}" per line (ion.h); CSV, a header
 * (the first line of each file, or HeaderList), every column typed as the table's AttributeDefinitions type it when it names a
 * defined attribute, else S (an empty non-key column is no attribute).
 * GZIP and NONE are read alike (zlib reads plain files as they are); ZSTD
 * files are zstd streams (one or more frames); one that is not, or is cut
 * short, counts one error after the lines read from it.
 *
 * The job: a thread of its own reads the files; it first creates the table
 * (a missing bucket: FAILED, S3NoSuchBucket, no table), marked `restoring`
 * with the import's ARN as its source (CREATING, invisible to item
 * operations, no RestoreSummary); then puts the good lines' items in
 * bounded writer steps (storage_job_t, IMPORT_STEP items each; the last
 * wins for a repeated key), and finally makes the table ACTIVE in one
 * step.  A bad line (not parseable, a key missing or of the wrong type, an
 * index key broken, too large) is counted in ErrorCount, logged with its
 * file and line, and not imported; the import then ends FAILED with
 * ItemValidationError while the table keeps the good items, as the
 * service does.  Counts: ProcessedItemCount every data line,
 * ImportedItemCount the good ones, ProcessedSizeBytes the bytes of the
 * lines read.
 *
 * A stop or kill -9 during an import: the table is never ACTIVE half
 * filled.  At the next start the import is FAILED and its table dropped
 * (import_table_abandon): re-reading the source from the start is the
 * client's choice, not a guess of the server's (a resumed import would
 * need the files unchanged since).
 *
 * Each import's description is kept in <data-dir>/imports/<id>.json, so
 * DescribeImport and ListImports outlive restarts.
 */
#ifndef DDBD_IMPORT_H
#define DDBD_IMPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "buf.h"
#include "catalog.h"
#include "errors.h"
#include "json.h"

/* Items per writer step. */
#define IMPORT_STEP 1000

typedef struct {
    const char *token, *bucket, *prefix, *owner; /* NULL: not given */
    const char *format, *compression;            /* compression NULL: NONE */
    char delimiter;                              /* CSV */
    const char *const *headers;                  /* CSV HeaderList; NULL: first lines */
    size_t header_count;
    const json_value_t *options, *params; /* as given, rendered back */
} import_request_t;

/* Load the imports recorded under data_dir (those cut short: FAILED);
 * files are read under root. */
int import_store_open(const char *data_dir, const char *root);
/* Stop imports in progress (recorded IN_PROGRESS, so FAILED at the next
 * start) and forget all. */
void import_store_close(void);

/* Start importing into t (a new table, parsed from
 * TableCreationParameters; the job takes the reference); renders
 * {"ImportTableDescription":{...}}.  A ClientToken of an import started in
 * the last 8 hours answers that import, in progress or finished
 * (ImportConflict when the parameters differ); a table name an import in
 * progress creates is in use. */
#define IMPORT_TOKEN_LIFE_MS (8 * 3600 * 1000LL)
ddb_error_t *import_start(arena_t *a, table_t *t, const import_request_t *r, buf_t *out);
ddb_error_t *import_describe(arena_t *a, const char *arn, buf_t *out);
/* ListImports: of table_arn (NULL: all), after the token next_token
 * (NULL: from the first), at most max. */
void import_list(buf_t *out, const char *table_arn, size_t max, const char *next_token);
bool import_arn_valid(const char *arn);
/* Whether an import in progress creates a table named name. */
bool import_table_pending(const char *name);
/* At start-up: drop t, the table of an import cut short. */
void import_table_abandon(table_t *t);

#endif
