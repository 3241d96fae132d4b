/* auth: who may call, and what each caller may do.
 *
 * Off by default: a request must only carry credentials in some form (an
 * Authorization header, or a presigned query string), which are not
 * checked, and every call may do everything.  auth_open with a credentials
 * file turns it on: every request must then be signed (SigV4, sigv4.h) with
 * one of the file's access keys, and a key may be limited to some tables
 * and to reading.
 *
 * The credentials file has the AWS CLI's format, one INI section per key:
 *
 *   [alice]                             the user name (principal ARN
 *   aws_access_key_id = AKIDALICE        arn:aws:iam::<account>:user/alice)
 *   aws_secret_access_key = ...
 *   aws_session_token = ...             optional: requests must carry it
 *   ddbd_tables = orders, logs_*        optional: only these tables (a
 *                                       trailing * matches a prefix; * all)
 *   ddbd_access = read-only             optional: read-only or read-write
 *
 * Names are case-insensitive, values trimmed; '#' and ';' start comment
 * lines; "[profile x]" is section x; other keys (region, output...) are
 * ignored, but an unknown ddbd_ key is an error.  Sections without either
 * key are skipped; any other fault stops start-up, naming the line.
 *
 * Rights: reads are Get, Query, Scan, Describe*, List*, the Streams reads
 * and a transaction's ConditionCheck; everything else writes.  A key limited
 * to tables may touch only those (every table a request names: TableName,
 * RequestItems, each transaction item, a stream ARN or shard iterator, a
 * ResourceArn) and no account-wide operation (ListTables, ListStreams
 * without a table).  A refused call gets AccessDeniedException naming the
 * action and the first resource refused (for transactions the action of the
 * item: PutItem, ConditionCheckItem...).
 *
 * Resource-based policies (policy.h) of the tables a request names are
 * enforced for the key's principal: an explicit Deny that matches the
 * principal, the action and the resource (a stream ARN: the stream's own
 * policy) refuses the call, before the key's own rights are looked at, as
 * an explicit deny wins in the service's evaluation.  Allow statements grant
 * nothing beyond the key's rights.  With authentication off there is no
 * principal, and policies are stored but not evaluated.
 */
#ifndef DDBD_AUTH_H
#define DDBD_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "errors.h"
#include "http.h"
#include "json.h"
#include "sigv4.h"

typedef struct auth_keyring auth_keyring_t;

/* One access key of the credentials file and what it may do.  Lives as long
 * as its keyring. */
typedef struct auth_identity {
    sigv4_key_t key;           /* key.id: the access key id */
    const char *name;          /* the section's name */
    const char *principal_arn; /* arn:aws:iam::<account>:user/<name> */
    bool read_only;
    const char *const *tables; /* table names and "prefix*" patterns */
    size_t table_count;        /* 0: every table, and account-wide operations */
    const auth_keyring_t *ring;
} auth_identity_t;

/* Start-up: with path NULL authentication is off; else the keys are read
 * from the file.  Logs which, or why the file cannot be used; -1 then. */
int auth_open(const char *path, const char *region);
void auth_close(void);
/* The credentials file's first key (NULL: authentication is off): the key
 * calls to other regions are signed with unless one is configured. */
const sigv4_key_t *auth_first_key(void);

/* A request's credentials.  Off: NULL when it carries any (has_authorization:
 * an Authorization header was seen; req may be NULL), *who NULL.  On: NULL
 * and *who set when it is signed with a known key, else the service's error. */
ddb_error_t *auth_authenticate(arena_t *a, const http_request_t *req, bool has_authorization,
                               const auth_identity_t **who);

/* Whether who may make the call op (the operation's name, "PutItem") with
 * the request req (already checked for JSON types).  NULL: allowed (also
 * when who is NULL: authentication is off). */
ddb_error_t *auth_authorize(arena_t *a, const auth_identity_t *who, const char *op, size_t op_len,
                            const json_value_t *req);

/* The check auth_authorize makes for one table, for an operation that names
 * its table where auth_authorize cannot see it (ExecuteStatement: inside the
 * statement): action ("PartiQLSelect") on table[0..len), or on its index
 * when index is not NULL.  NULL: allowed (also when who is NULL). */
ddb_error_t *auth_authorize_table(arena_t *a, const auth_identity_t *who, const char *action,
                                  bool write, const char *table, size_t len, const char *index);

/* --- the keyring, for tests ------------------------------------------------- */

/* Parse a credentials file's text; NULL with a message in err ("line 3: ...")
 * when it cannot be used. */
auth_keyring_t *auth_keyring_parse(const char *text, size_t len, const char *region, char *err,
                                   size_t err_size);
void auth_keyring_free(auth_keyring_t *ring);
size_t auth_keyring_count(const auth_keyring_t *ring);
const auth_identity_t *auth_keyring_find(const auth_keyring_t *ring, const char *id, size_t len);
/* auth_authenticate against ring at time now (seconds since the epoch). */
ddb_error_t *auth_keyring_verify(arena_t *a, const auth_keyring_t *ring, const http_request_t *req,
                                 int64_t now, const auth_identity_t **who);

#endif
