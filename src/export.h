/* export: ExportTableToPointInTime's exports, written as the service
 * writes them to S3, into a local directory.
 *
 * A bucket is a directory under the export root (--export-root), the
 * prefix a path under it:
 *   <root>/<bucket>/<prefix>/AWSDynamoDB/<ExportId>/
 *     _started                   (empty, written first)
 *     data/<random>.json.gz      gzip'd JSON Lines, one {"Item":{...}} per item
 *                                (ION: .ion.gz, one "$ion_1_0 {Item:{...}}" per line)
 *     manifest-files.json        one line per data file: itemCount, md5Checksum
 *                                (base64), etag (hex MD5), dataFileS3Key
 *     manifest-summary.json      version, exportArn, times, table, bucket, prefix,
 *                                sizes and counts, manifestFilesS3Key, outputFormat
 *     manifest-*.checksum        the hex MD5 of each manifest
 * A full export at time T holds the table as a point-in-time restore to T
 * would (pitr.h): the newest base at or before T, merged in key order with
 * the change-log records after it committed at or before T.  An
 * incremental export of [F, T) holds one line per item changed in it
 * (write_changes in export.c): its keys, its image at T (NewImage, absent
 * when deleted) and at F (OldImage, NEW_AND_OLD_IMAGES only), the latter
 * from the base at F and the records after it before F.  A thread
 * writes the files; the export is IN_PROGRESS until then, COMPLETED or
 * FAILED after.  Each export's description is kept in
 * <data-dir>/exports/<ExportId>.json, so DescribeExport and ListExports
 * outlive the table and restarts (one cut short by a stop is FAILED).
 */
#ifndef DDBD_EXPORT_H
#define DDBD_EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "buf.h"
#include "catalog.h"
#include "errors.h"

typedef struct {
    const char *bucket, *prefix, *owner, *sse, *kms_key, *token; /* NULL: not given */
    int64_t time_ms;                                             /* the instant exported */
    uint64_t log_seq; /* the base's position in the table's change log */
    const char *base; /* the base snapshot's ARN */
    /* INCREMENTAL_EXPORT: the changes committed in [from_ms, to_ms), the base
     * and log_seq those of the table at from_ms - 1 */
    bool incremental, new_image_only;
    int64_t from_ms, to_ms;
    bool ion; /* ExportFormat ION: lines of Amazon Ion text (ion.h), files .ion.gz */
} export_request_t;

/* Load the exports recorded under data_dir; files go under root. */
int export_store_open(const char *data_dir, const char *root);
/* Wait for exports in progress to end (they are then FAILED). */
void export_store_close(void);

/* Start exporting t; renders {"ExportDescription":{...}}.  A ClientToken
 * seen before answers that export (ExportConflict when the parameters
 * differ). */
ddb_error_t *export_start(arena_t *a, table_t *t, const export_request_t *r, buf_t *out);
/* {"ExportDescription":{...}} of the export arn names. */
ddb_error_t *export_describe(arena_t *a, const char *arn, buf_t *out);
/* ListExports: of table_arn (NULL: all), after the export named by
 * next_token (NULL: from the first), at most max. */
void export_list(buf_t *out, const char *table_arn, size_t max, const char *next_token);
/* Whether text has the shape of an export ARN of this server. */
bool export_arn_valid(const char *arn);

#endif
