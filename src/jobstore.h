/* jobstore: the durable records of background jobs (exports, imports),
 * one JSON object a file in a directory of the data directory:
 *   <data-dir>/<kind>/<id>.json
 *
 * Contract:
 * - A record is written whole or not at all: to <id>.json.tmp, flushed and
 *   fsync'd, then renamed over <id>.json and the directory fsync'd
 *   (durable_file.h), so a crash or a power loss leaves the old record or
 *   the new one, never a torn one.
 * - A record reads back as the JSON object written; a file that is missing,
 *   unreadable or not a JSON object reads as none (the caller skips it).
 * - Listing visits every "<id>.json" of the directory, in no set order
 *   (callers sort their registries); temporaries are passed over.
 * - A job's id is "<14-digit start ms>-<8 random hex>" (so ids sort by start
 *   time), its ARN "arn:aws:dynamodb:<region>:<account>:table/<table>/<kind>/<id>"
 *   with this server's region and account.
 * - The members' readers turn a record's JSON back into C values the caller
 *   then owns: strings malloc'd (NULL when absent), times as milliseconds
 *   from the seconds with a fraction that descriptions carry, counts 0 when
 *   absent.
 * - The registry: a job's record in memory starts with a jobstore_job_t
 *   (id, ARN, table ARN, start time); a registry holds them by start time
 *   (ids break ties) and renders the pages of a List operation.  Its calls
 *   run under the job module's lock.
 * What a record holds and its locking stay with each job's module
 * (export.c, import.c). */
#ifndef DDBD_JOBSTORE_H
#define DDBD_JOBSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "buf.h"
#include "json.h"

/* The directory <data_dir>/<kind>, created when missing, into *dir
 * (malloc'd, the caller frees it); -1 (logged) when it cannot be made. */
int jobstore_dir_open(const char *data_dir, const char *kind, char **dir);
/* Call visit for each record file ("<id>.json") of dir; -1 when dir
 * cannot be read. */
int jobstore_dir_each(const char *dir, void (*visit)(const char *file, void *ctx), void *ctx);

/* The size of a job's id with its NUL. */
#define JOBSTORE_ID_SIZE 24

/* A new id for a job started at start_ms. */
void jobstore_id_new(int64_t start_ms, char id[JOBSTORE_ID_SIZE]);
/* Whether arn has the shape of the ARN of a job of kind ("export",
 * "import") of this server. */
bool jobstore_arn_valid(const char *arn, const char *kind);

/* Write the record id (len bytes of JSON text) atomically into dir; false,
 * with errno set, when it could not be made durable. */
bool jobstore_record_write(const char *dir, const char *id, const char *text, size_t len);
/* The record in dir/file as a JSON object parsed in a, or NULL. */
json_value_t *jobstore_record_read(arena_t *a, const char *dir, const char *file);
/* The id of a record file: its name without ".json", cut to cap - 1. */
void jobstore_record_id(const char *file, char *id, size_t cap);

/* --- the registry --------------------------------------------------------- */

typedef struct {
    char id[JOBSTORE_ID_SIZE];
    char *arn, *table_arn; /* malloc'd; freed by the job's module */
    int64_t start_ms;
} jobstore_job_t;

typedef struct {
    jobstore_job_t **items; /* by start time once sorted, then in arrival order */
    size_t count, cap;
} jobstore_registry_t;

void jobstore_registry_add(jobstore_registry_t *r, jobstore_job_t *job);
/* Order the jobs by start time (after loading them in no set order). */
void jobstore_registry_sort(jobstore_registry_t *r);
jobstore_job_t *jobstore_registry_find(const jobstore_registry_t *r, const char *arn);
/* Free every job (free_job) and forget them. */
void jobstore_registry_clear(jobstore_registry_t *r, void (*free_job)(jobstore_job_t *));

/* The size of a List page token with its NUL. */
#define JOBSTORE_TOKEN_SIZE 128
/* One page of a List operation into out:
 *   {"<member>":[<render(job)>,...],"NextToken":"<token of the last>"}
 * the jobs of table_arn (NULL: all) after the one whose token is next_token
 * (NULL: from the first), at most max; NextToken only when more follow.  A
 * job's token is token_of(its id), or its id when token_of is NULL. */
void jobstore_registry_page(const jobstore_registry_t *r, buf_t *out, const char *member,
                            const char *table_arn, size_t max, const char *next_token,
                            void (*token_of)(const char *id, char token[JOBSTORE_TOKEN_SIZE]),
                            void (*render)(buf_t *out, const jobstore_job_t *job));

/* Members of a record, as the contract says. */
char *jobstore_member_string(arena_t *a, const json_value_t *j, const char *name);
int64_t jobstore_member_time_ms(const json_value_t *j, const char *name);
uint64_t jobstore_member_count(arena_t *a, const json_value_t *j, const char *name);

#endif
