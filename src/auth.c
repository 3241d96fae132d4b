/* auth: the credentials file, request authentication and access rights;
 * see auth.h. */
#include "auth.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "catalog.h"
#include "log.h"
#include "policy.h"

struct auth_keyring {
    char *region;
    auth_identity_t *ids; /* sorted by access key id */
    size_t count;
    size_t first; /* the file's first key */
};

/* The keys in force; NULL: authentication is off. */
static auth_keyring_t *keys_in_use;

/* ---- the credentials file ---- */

/* One section as read, before it becomes an identity. */
typedef struct {
    char *name;
    int line;
    /* values and the lines they were on (0: absent) */
    char *id, *secret, *token, *tables, *access;
    int id_line, secret_line, token_line, tables_line, access_line;
} section_t;

typedef struct {
    section_t *v;
    size_t count, cap;
    char *err;
    size_t err_size;
} parse_t;

static bool parse_fail(parse_t *p, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool parse_fail(parse_t *p, int line, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (line)
        snprintf(p->err, p->err_size, "line %d: %s", line, msg);
    else
        snprintf(p->err, p->err_size, "%s", msg);
    return false;
}

static char *dup_span(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (!d) abort();
    memcpy(d, s, n);
    d[n] = 0;
    return d;
}

static void trim(const char **s, size_t *n)
{
    while (*n && isspace((unsigned char)**s))
        (*s)++, (*n)--;
    while (*n && isspace((unsigned char)(*s)[*n - 1]))
        (*n)--;
}

/* Secrets do not outlive their use in freed memory. */
static void wipe(char *s)
{
    if (s) OPENSSL_cleanse(s, strlen(s));
}

static void sections_free(parse_t *p)
{
    for (size_t i = 0; i < p->count; i++) {
        section_t *s = &p->v[i];
        wipe(s->secret), wipe(s->token);
        free(s->name), free(s->id), free(s->secret), free(s->token), free(s->tables);
        free(s->access);
    }
    free(p->v);
}

/* "[name]" or "[profile name]". */
static bool parse_section(parse_t *p, int line, const char *s, size_t n)
{
    if (n < 2 || s[n - 1] != ']') return parse_fail(p, line, "a section header must end with ]");
    s++, n -= 2;
    trim(&s, &n);
    if (n > 8 && memcmp(s, "profile", 7) == 0 && isspace((unsigned char)s[7])) {
        s += 8, n -= 8;
        trim(&s, &n);
    }
    if (!n) return parse_fail(p, line, "a section needs a name");
    for (size_t i = 0; i < p->count; i++)
        if (strlen(p->v[i].name) == n && memcmp(p->v[i].name, s, n) == 0)
            return parse_fail(p, line, "[%.*s] appears twice", (int)n, s);
    for (size_t i = 0; i < n; i++)
        if (!isgraph((unsigned char)s[i]) || s[i] == '/')
            return parse_fail(p, line, "a section name (a user name) cannot hold '%c'", s[i]);
    if (p->count == p->cap) {
        p->cap = p->cap ? 2 * p->cap : 8;
        p->v = realloc(p->v, p->cap * sizeof *p->v);
        if (!p->v) abort();
    }
    section_t *sec = &p->v[p->count++];
    memset(sec, 0, sizeof *sec);
    sec->name = dup_span(s, n);
    sec->line = line;
    return true;
}

/* "key = value" inside the last section.  *ours: the key is one this server
 * reads (a continuation line may not follow it). */
static bool parse_pair(parse_t *p, int line, const char *s, size_t n, bool *ours)
{
    const char *sep = NULL;
    for (size_t i = 0; i < n && !sep; i++)
        if (s[i] == '=' || s[i] == ':') sep = s + i;
    if (!sep) return parse_fail(p, line, "expected [section], key = value or a comment");
    if (!p->count) return parse_fail(p, line, "key outside of any [section]");
    const char *k = s, *v = sep + 1;
    size_t kn = (size_t)(sep - s), vn = n - kn - 1;
    trim(&k, &kn);
    trim(&v, &vn);
    char key[64];
    if (!kn || kn >= sizeof key) return parse_fail(p, line, "expected a key before '%c'", *sep);
    for (size_t i = 0; i < kn; i++)
        key[i] = (char)tolower((unsigned char)k[i]);
    key[kn] = 0;
    section_t *sec = &p->v[p->count - 1];
    struct {
        const char *name;
        char **value;
        int *line;
    } known[] = {
        {"aws_access_key_id", &sec->id, &sec->id_line},
        {"aws_secret_access_key", &sec->secret, &sec->secret_line},
        {"aws_session_token", &sec->token, &sec->token_line},
        {"ddbd_tables", &sec->tables, &sec->tables_line},
        {"ddbd_access", &sec->access, &sec->access_line},
    };
    *ours = false;
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        if (strcmp(key, known[i].name) != 0) continue;
        if (*known[i].value)
            return parse_fail(p, line, "%s is given twice in [%s]", key, sec->name);
        if (!vn) return parse_fail(p, line, "%s has no value", key);
        *known[i].value = dup_span(v, vn);
        *known[i].line = line;
        *ours = true;
        return true;
    }
    if (strncmp(key, "ddbd_", 5) == 0)
        return parse_fail(p, line, "unknown key %s (this server reads ddbd_tables and ddbd_access)",
                          key);
    return true;
}

static bool parse_lines(parse_t *p, const char *text, size_t len)
{
    bool last_ours = false;
    int line = 0;
    for (size_t i = 0; i < len;) {
        const char *nl = memchr(text + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - text) : len;
        const char *s = text + i;
        size_t n = end - i;
        i = end + 1;
        line++;
        if (n && s[n - 1] == '\r') n--;
        if (memchr(s, 0, n)) return parse_fail(p, line, "a NUL byte");
        bool indented = n && (s[0] == ' ' || s[0] == '\t');
        trim(&s, &n);
        if (!n || s[0] == '#' || s[0] == ';') continue;
        if (indented && p->count) {
            /* A continuation of the previous value (the CLI's nested settings). */
            if (last_ours) return parse_fail(p, line, "a value of this server's cannot go on");
            continue;
        }
        bool ok =
            s[0] == '[' ? parse_section(p, line, s, n) : parse_pair(p, line, s, n, &last_ours);
        if (!ok) return false;
        if (s[0] == '[') last_ours = false;
    }
    return true;
}

static bool table_pattern_ok(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool star_at_end = c == '*' && i == n - 1;
        if (!isalnum((unsigned char)c) && c != '_' && c != '.' && c != '-' && !star_at_end)
            return false;
    }
    return n > 0;
}

/* ddbd_tables: a comma-separated list; "*" alone: every table. */
static bool identity_tables(parse_t *p, const section_t *sec, auth_identity_t *id)
{
    const char *t = sec->tables;
    size_t cap = 1;
    for (const char *c = t; *c; c++)
        cap += *c == ',';
    const char **list = calloc(cap, sizeof *list);
    if (!list) abort();
    size_t n = 0;
    bool all = false;
    for (const char *s = t;;) {
        const char *comma = strchr(s, ',');
        size_t len = comma ? (size_t)(comma - s) : strlen(s);
        const char *e = s;
        trim(&e, &len);
        if (!table_pattern_ok(e, len)) {
            for (size_t k = 0; k < n; k++)
                free((char *)list[k]);
            free(list);
            return parse_fail(p, sec->tables_line,
                              "'%.*s' in ddbd_tables is not a table name (letters, digits, _ . - "
                              "and a final * for a prefix)",
                              (int)len, e);
        }
        if (len == 1 && e[0] == '*') all = true;
        list[n++] = dup_span(e, len);
        if (!comma) break;
        s = comma + 1;
    }
    if (all) {
        for (size_t k = 0; k < n; k++)
            free((char *)list[k]);
        free(list);
        return true;
    }
    id->tables = list;
    id->table_count = n;
    return true;
}

static int identity_cmp(const void *x, const void *y)
{
    return strcmp(((const auth_identity_t *)x)->key.id, ((const auth_identity_t *)y)->key.id);
}

static bool id_chars_ok(const char *s)
{
    for (; *s; s++)
        if (!isgraph((unsigned char)*s) || *s == '/' || *s == ',' || *s == '=') return false;
    return true;
}

/* One identity from a complete section. */
static bool identity_build(parse_t *p, section_t *sec, auth_keyring_t *ring, auth_identity_t *id)
{
    memset(id, 0, sizeof *id);
    if (!id_chars_ok(sec->id))
        return parse_fail(p, sec->id_line, "an access key id cannot hold blanks, '/', ',' or '='");
    if (sec->access && strcmp(sec->access, "read-only") != 0 &&
        strcmp(sec->access, "read-write") != 0)
        return parse_fail(p, sec->access_line,
                          "ddbd_access must be read-only or read-write, not '%s'", sec->access);
    if (sec->tables && !identity_tables(p, sec, id)) return false;
    id->read_only = sec->access && strcmp(sec->access, "read-only") == 0;
    id->key.id = sec->id, sec->id = NULL;
    id->key.secret = sec->secret, sec->secret = NULL;
    id->key.session_token = sec->token, sec->token = NULL;
    id->name = sec->name, sec->name = NULL;
    char *arn = NULL;
    if (asprintf(&arn, "arn:aws:iam::%s:user/%s", CATALOG_ACCOUNT, id->name) < 0) abort();
    id->principal_arn = arn;
    id->ring = ring;
    sigv4_key_init(&id->key);
    return true;
}

static void identity_free(auth_identity_t *id)
{
    sigv4_key_destroy(&id->key);
    wipe((char *)id->key.secret);
    wipe((char *)id->key.session_token);
    free((char *)id->key.id), free((char *)id->key.secret), free((char *)id->key.session_token);
    free((char *)id->name), free((char *)id->principal_arn);
    for (size_t i = 0; i < id->table_count; i++)
        free((char *)id->tables[i]);
    free((void *)id->tables);
}

auth_keyring_t *auth_keyring_parse(const char *text, size_t len, const char *region, char *err,
                                   size_t err_size)
{
    parse_t p = {.err = err, .err_size = err_size};
    auth_keyring_t *ring = calloc(1, sizeof *ring);
    if (!ring) abort();
    ring->region = strdup(region);
    if (!ring->region) abort();
    bool ok = parse_lines(&p, text, len);
    ring->ids = calloc(p.count ? p.count : 1, sizeof *ring->ids);
    if (!ring->ids) abort();
    for (size_t i = 0; ok && i < p.count; i++) {
        section_t *sec = &p.v[i];
        bool has_rights = sec->tables || sec->access || sec->token;
        if (!sec->id && !sec->secret) {
            if (has_rights)
                ok = parse_fail(&p, sec->line, "[%s] has no aws_access_key_id", sec->name);
            continue;
        }
        if (!sec->id || !sec->secret) {
            ok = parse_fail(&p, sec->line,
                            "[%s] needs both aws_access_key_id and "
                            "aws_secret_access_key",
                            sec->name);
            break;
        }
        ok = identity_build(&p, sec, ring, &ring->ids[ring->count]);
        if (ok) ring->count++;
    }
    if (ok && ring->count == 0) ok = parse_fail(&p, 0, "no access key in the file");
    if (ok) {
        const char *first = ring->ids[0].key.id;
        qsort(ring->ids, ring->count, sizeof *ring->ids, identity_cmp);
        for (size_t i = 0; i < ring->count; i++)
            if (ring->ids[i].key.id == first) ring->first = i;
        for (size_t i = 1; i < ring->count && ok; i++)
            if (strcmp(ring->ids[i].key.id, ring->ids[i - 1].key.id) == 0)
                ok = parse_fail(&p, 0, "access key %s is the key of both [%s] and [%s]",
                                ring->ids[i].key.id, ring->ids[i - 1].name, ring->ids[i].name);
    }
    sections_free(&p);
    if (!ok) {
        auth_keyring_free(ring);
        return NULL;
    }
    return ring;
}

void auth_keyring_free(auth_keyring_t *ring)
{
    if (!ring) return;
    for (size_t i = 0; i < ring->count; i++)
        identity_free(&ring->ids[i]);
    free(ring->ids);
    free(ring->region);
    free(ring);
}

size_t auth_keyring_count(const auth_keyring_t *ring) { return ring ? ring->count : 0; }

const auth_identity_t *auth_keyring_find(const auth_keyring_t *ring, const char *id, size_t len)
{
    size_t lo = 0, hi = ring->count;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const char *k = ring->ids[mid].key.id;
        size_t kn = strlen(k);
        int c = memcmp(k, id, kn < len ? kn : len);
        if (c == 0) c = (kn > len) - (kn < len);
        if (c == 0) return &ring->ids[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static const sigv4_key_t *ring_find_key(const void *keys, const char *id, size_t len)
{
    const auth_identity_t *who = auth_keyring_find(keys, id, len);
    return who ? &who->key : NULL;
}

/* ---- authentication ---- */

ddb_error_t *auth_keyring_verify(arena_t *a, const auth_keyring_t *ring, const http_request_t *req,
                                 int64_t now, const auth_identity_t **who)
{
    sigv4_verifier_t v = {ring->region, "dynamodb", now, ring_find_key, ring};
    const sigv4_key_t *key;
    ddb_error_t *e = sigv4_verify(a, req, &v, &key);
    /* key is the first member of its identity */
    *who = e ? NULL : (const auth_identity_t *)key;
    return e;
}

ddb_error_t *auth_authenticate(arena_t *a, const http_request_t *req, bool has_authorization,
                               const auth_identity_t **who)
{
    *who = NULL;
    if (!keys_in_use)
        return has_authorization || (req && sigv4_has_credentials(req)) ? NULL
                                                                        : err_missing_auth(a);
    if (!req) return err_missing_auth(a);
    return auth_keyring_verify(a, keys_in_use, req, (int64_t)time(NULL), who);
}

int auth_open(const char *path, const char *region)
{
    if (!path) {
        log_info("authentication is off: any credentials are accepted (--credentials FILE turns "
                 "it on)");
        return 0;
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        log_error("cannot read the credentials file %s: %s", path, strerror(errno));
        return -1;
    }
    char *text = NULL;
    size_t len = 0, cap = 0, n;
    char chunk[4096];
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (len + n > cap) {
            cap = (len + n) * 2;
            text = realloc(text, cap);
            if (!text) abort();
        }
        memcpy(text + len, chunk, n);
        len += n;
    }
    bool read_error = ferror(f);
    fclose(f);
    if (read_error) {
        free(text);
        log_error("cannot read the credentials file %s", path);
        return -1;
    }
    char err[600];
    auth_keyring_t *ring = auth_keyring_parse(text ? text : "", len, region, err, sizeof err);
    if (text) OPENSSL_cleanse(text, len);
    free(text);
    if (!ring) {
        log_error("credentials file %s: %s", path, err);
        return -1;
    }
    keys_in_use = ring;
    log_info("authentication is on: %zu access key%s from %s", ring->count,
             ring->count == 1 ? "" : "s", path);
    return 0;
}

const sigv4_key_t *auth_first_key(void)
{
    return keys_in_use ? &keys_in_use->ids[keys_in_use->first].key : NULL;
}

void auth_close(void)
{
    auth_keyring_free(keys_in_use);
    keys_in_use = NULL;
}

/* ---- access rights ---- */

/* Where an operation names its resources. */
typedef enum {
    RES_NONE,         /* nothing to guard (DescribeEndpoints) */
    RES_ACCOUNT,      /* the account: every table */
    RES_TABLE,        /* TableName (and IndexName) */
    RES_ITEMS,        /* RequestItems' keys */
    RES_TRANSACT,     /* TransactItems[*].<Action>.TableName */
    RES_STREAM,       /* StreamArn */
    RES_ITERATOR,     /* ShardIterator: "<stream ARN>|..." */
    RES_ARN,          /* ResourceArn */
    RES_LIST_STREAMS, /* TableName when given, else the account */
    RES_BACKUP,       /* BackupArn: ".../table/<name>/backup/..." */
    RES_RESTORE,      /* TargetTableName, and the table of BackupArn */
    RES_PITR_RESTORE, /* TargetTableName, and SourceTableName or SourceTableArn */
    RES_EXPORT,       /* TableArn, or ExportArn ".../table/<name>/export/..." */
    RES_IMPORT,       /* TableCreationParameters.TableName, or ImportArn ".../import/..." */
} resource_kind_t;

typedef struct {
    const char *op;
    bool write;
    resource_kind_t res;
    const char *account_resource; /* RES_ACCOUNT's resource after "...:<account>:"; NULL: "*" */
} op_rights_t;

/* Operations this server knows or may learn; any other counts as an
 * account-wide write. */
static const op_rights_t op_rights[] = {
    {"CreateTable", true, RES_TABLE, NULL},
    {"DeleteTable", true, RES_TABLE, NULL},
    {"DescribeTable", false, RES_TABLE, NULL},
    {"ListTables", false, RES_ACCOUNT, "table/*"},
    {"UpdateTable", true, RES_TABLE, NULL},
    {"PutItem", true, RES_TABLE, NULL},
    {"GetItem", false, RES_TABLE, NULL},
    {"DeleteItem", true, RES_TABLE, NULL},
    {"UpdateItem", true, RES_TABLE, NULL},
    {"BatchGetItem", false, RES_ITEMS, NULL},
    {"BatchWriteItem", true, RES_ITEMS, NULL},
    {"TransactWriteItems", true, RES_TRANSACT, NULL},
    {"TransactGetItems", false, RES_TRANSACT, NULL},
    {"Query", false, RES_TABLE, NULL},
    {"Scan", false, RES_TABLE, NULL},
    {"UpdateTimeToLive", true, RES_TABLE, NULL},
    {"DescribeTimeToLive", false, RES_TABLE, NULL},
    {"DescribeContinuousBackups", false, RES_TABLE, NULL},
    {"ListStreams", false, RES_LIST_STREAMS, "table/*/stream/*"},
    {"DescribeStream", false, RES_STREAM, NULL},
    {"GetShardIterator", false, RES_STREAM, NULL},
    {"GetRecords", false, RES_ITERATOR, NULL},
    {"TagResource", true, RES_ARN, NULL},
    {"UntagResource", true, RES_ARN, NULL},
    {"ListTagsOfResource", false, RES_ARN, NULL},
    {"PutResourcePolicy", true, RES_ARN, NULL},
    {"DeleteResourcePolicy", true, RES_ARN, NULL},
    {"GetResourcePolicy", false, RES_ARN, NULL},
    {"DescribeLimits", false, RES_ACCOUNT, NULL},
    {"DescribeEndpoints", false, RES_NONE, NULL},
    /* the tables are inside the statements: the operation asks auth_authorize_table */
    {"ExecuteStatement", false, RES_NONE, NULL},
    {"BatchExecuteStatement", false, RES_NONE, NULL},
    {"ExecuteTransaction", false, RES_NONE, NULL},
    {"CreateBackup", true, RES_TABLE, NULL},
    {"DescribeBackup", false, RES_BACKUP, NULL},
    {"DeleteBackup", true, RES_BACKUP, NULL},
    {"ListBackups", false, RES_LIST_STREAMS, "table/*/backup/*"},
    {"RestoreTableFromBackup", true, RES_RESTORE, NULL},
    {"UpdateContinuousBackups", true, RES_TABLE, NULL},
    {"RestoreTableToPointInTime", true, RES_PITR_RESTORE, NULL},
    {"ExportTableToPointInTime", true, RES_EXPORT, NULL},
    {"DescribeExport", false, RES_EXPORT, NULL},
    {"ListExports", false, RES_LIST_STREAMS, "table/*/export/*"},
    {"ImportTable", true, RES_IMPORT, NULL},
    {"DescribeImport", false, RES_IMPORT, NULL},
    {"ListImports", false, RES_LIST_STREAMS, "table/*/import/*"},
    {"UpdateContributorInsights", true, RES_TABLE, NULL},
    {"DescribeContributorInsights", false, RES_TABLE, NULL},
    {"ListContributorInsights", false, RES_LIST_STREAMS, NULL},
};

static const op_rights_t *rights_of(const char *op, size_t len)
{
    for (size_t i = 0; i < sizeof op_rights / sizeof op_rights[0]; i++)
        if (op_rights[i].op[0] == op[0] && strncmp(op_rights[i].op, op, len) == 0 &&
            op_rights[i].op[len] == '\0')
            return &op_rights[i];
    return NULL;
}

static bool table_allowed(const auth_identity_t *who, const char *name, size_t len)
{
    if (!who->table_count) return true;
    for (size_t i = 0; i < who->table_count; i++) {
        const char *t = who->tables[i];
        size_t n = strlen(t);
        if (n && t[n - 1] == '*' ? len >= n - 1 && memcmp(t, name, n - 1) == 0
                                 : len == n && memcmp(t, name, n) == 0)
            return true;
    }
    return false;
}

typedef struct {
    arena_t *a;
    const auth_identity_t *who;
} guard_t;

static const char *table_arn(const guard_t *g, const char *name, size_t len)
{
    return arena_sprintf(g->a, "arn:aws:dynamodb:%s:%s:table/%.*s", g->who->ring->region,
                         CATALOG_ACCOUNT, (int)len, name);
}

/* Whether resource is a stream's ARN (".../table/<name>/stream/<label>");
 * *label then points at the label. */
static bool arn_stream_label(const char *resource, const char **label)
{
    const char *s = resource ? strstr(resource, ":table/") : NULL;
    s = s ? strchr(s + 7, '/') : NULL;
    if (!s || strncmp(s, "/stream/", 8) != 0) return false;
    *label = s + 8;
    return true;
}

/* The explicit Deny of the table's resource-based policy (its stream's, for
 * a stream ARN), if one matches; NULL when the table is missing (the
 * operation answers that) or has no such policy. */
static ddb_error_t *guard_policy(const guard_t *g, const char *action, const char *name,
                                 size_t len, const char *resource)
{
    table_t *t = catalog_acquire(name, len);
    if (!t) return NULL;
    const table_policies_t *p = atomic_load(&t->policies);
    const char *label, *doc = p->table;
    if (arn_stream_label(resource, &label))
        doc = p->stream_label && strcmp(p->stream_label, label) == 0 ? p->stream : NULL;
    ddb_error_t *e = NULL;
    if (doc) {
        const char *arn = resource ? resource : table_arn(g, name, len);
        if (policy_denies(doc, g->who->principal_arn, arena_sprintf(g->a, "dynamodb:%s", action),
                          arn))
            e = err_auth_explicit_deny(g->a, g->who->principal_arn, action, arn);
    }
    catalog_release(t);
    return e;
}

/* One resource: table name[0..len) (resource: its ARN, or NULL for the
 * table's own).  An explicit Deny of a resource-based policy wins over the
 * key's own rights, as in the service's evaluation. */
static ddb_error_t *guard_table(const guard_t *g, const char *action, bool write, const char *name,
                                size_t len, const char *resource)
{
    ddb_error_t *e = guard_policy(g, action, name, len, resource);
    if (e) return e;
    if (!(write && g->who->read_only) && table_allowed(g->who, name, len)) return NULL;
    return err_auth_access_denied(g->a, g->who->principal_arn, action,
                                  resource ? resource : table_arn(g, name, len));
}

static ddb_error_t *guard_account(const guard_t *g, const char *action, const op_rights_t *r)
{
    if (!(r->write && g->who->read_only) && !g->who->table_count) return NULL;
    const char *resource =
        r->account_resource ? arena_sprintf(g->a, "arn:aws:dynamodb:%s:%s:%s", g->who->ring->region,
                                            CATALOG_ACCOUNT, r->account_resource)
                            : "*";
    return err_auth_access_denied(g->a, g->who->principal_arn, action, resource);
}

static const json_value_t *member_string(const json_value_t *obj, const char *name)
{
    const json_value_t *v = obj && obj->type == JSON_OBJECT ? json_object_get(obj, name) : NULL;
    return v && v->type == JSON_STRING ? v : NULL;
}

static const json_value_t *member_object(const json_value_t *obj, const char *name)
{
    const json_value_t *v = obj && obj->type == JSON_OBJECT ? json_object_get(obj, name) : NULL;
    return v && v->type == JSON_OBJECT ? v : NULL;
}

/* The table an ARN names (".../table/<name>[/...]"); false when none. */
static bool arn_table(const char *arn, size_t len, const char **name, size_t *name_len)
{
    static const char mark[] = ":table/";
    for (size_t i = 0; i + sizeof mark - 1 <= len; i++) {
        if (memcmp(arn + i, mark, sizeof mark - 1) != 0) continue;
        const char *s = arn + i + sizeof mark - 1;
        const char *end = memchr(s, '/', (size_t)(arn + len - s));
        *name = s;
        *name_len = end ? (size_t)(end - s) : (size_t)(arn + len - s);
        return true;
    }
    return false;
}

static ddb_error_t *guard_arn(const guard_t *g, const char *action, bool write, const char *arn,
                              size_t len)
{
    const char *name;
    size_t n;
    /* An ARN naming no table names nothing this key could reach; the
     * operation refuses it. */
    if (!arn_table(arn, len, &name, &n)) return NULL;
    return guard_table(g, action, write, name, n, arena_strndup(g->a, arn, len));
}

/* TransactItems: the action of each item. */
static ddb_error_t *guard_transact(const guard_t *g, const json_value_t *req)
{
    static const struct {
        const char *member, *action;
        bool write;
    } kinds[] = {
        {"Put", "PutItem", true},       {"Update", "UpdateItem", true},
        {"Delete", "DeleteItem", true}, {"ConditionCheck", "ConditionCheckItem", false},
        {"Get", "GetItem", false},
    };
    const json_value_t *items = json_object_get(req, "TransactItems");
    if (!items || items->type != JSON_ARRAY) return NULL;
    for (size_t i = 0; i < items->u.array.count; i++) {
        const json_value_t *item = items->u.array.items[i];
        if (item->type != JSON_OBJECT) continue;
        for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
            const json_value_t *t =
                member_string(json_object_get(item, kinds[k].member), "TableName");
            if (!t) continue;
            ddb_error_t *e =
                guard_table(g, kinds[k].action, kinds[k].write, t->u.str.ptr, t->u.str.len, NULL);
            if (e) return e;
        }
    }
    return NULL;
}

ddb_error_t *auth_authorize(arena_t *a, const auth_identity_t *who, const char *op, size_t op_len,
                            const json_value_t *req)
{
    if (!who) return NULL;
    static const op_rights_t unknown = {NULL, true, RES_ACCOUNT, NULL};
    const op_rights_t *r = rights_of(op, op_len);
    if (!r) r = &unknown;
    guard_t g = {a, who};
    const char *action = arena_strndup(a, op, op_len);
    const json_value_t *v;
    switch (r->res) {
    case RES_NONE: return NULL;
    case RES_ACCOUNT: return guard_account(&g, action, r);
    case RES_TABLE:
        if (!(v = member_string(req, "TableName"))) return NULL;
        const json_value_t *index = member_string(req, "IndexName");
        const char *resource =
            index ? arena_sprintf(a, "%s/index/%.*s", table_arn(&g, v->u.str.ptr, v->u.str.len),
                                  (int)index->u.str.len, index->u.str.ptr)
                  : NULL;
        return guard_table(&g, action, r->write, v->u.str.ptr, v->u.str.len, resource);
    case RES_LIST_STREAMS:
        if (!(v = member_string(req, "TableName"))) return guard_account(&g, action, r);
        return guard_table(&g, action, r->write, v->u.str.ptr, v->u.str.len, NULL);
    case RES_ITEMS: {
        const json_value_t *items = json_object_get(req, "RequestItems");
        if (!items || items->type != JSON_OBJECT) return NULL;
        for (size_t i = 0; i < items->u.object.count; i++) {
            const json_member_t *m = &items->u.object.members[i];
            ddb_error_t *e = guard_table(&g, action, r->write, m->key, m->key_len, NULL);
            if (e) return e;
        }
        return NULL;
    }
    case RES_TRANSACT: return guard_transact(&g, req);
    case RES_STREAM:
        if (!(v = member_string(req, "StreamArn"))) return NULL;
        return guard_arn(&g, action, r->write, v->u.str.ptr, v->u.str.len);
    case RES_ITERATOR: {
        if (!(v = member_string(req, "ShardIterator"))) return NULL;
        const char *bar = memchr(v->u.str.ptr, '|', v->u.str.len);
        size_t n = bar ? (size_t)(bar - v->u.str.ptr) : v->u.str.len;
        return guard_arn(&g, action, r->write, v->u.str.ptr, n);
    }
    case RES_ARN:
        if (!(v = member_string(req, "ResourceArn"))) return NULL;
        return guard_arn(&g, action, r->write, v->u.str.ptr, v->u.str.len);
    case RES_BACKUP:
        if (!(v = member_string(req, "BackupArn"))) return NULL;
        return guard_arn(&g, action, r->write, v->u.str.ptr, v->u.str.len);
    case RES_RESTORE: {
        /* the new table is written; the backup's table is read */
        ddb_error_t *e = NULL;
        if ((v = member_string(req, "TargetTableName")))
            e = guard_table(&g, action, true, v->u.str.ptr, v->u.str.len, NULL);
        if (!e && (v = member_string(req, "BackupArn")))
            e = guard_arn(&g, action, false, v->u.str.ptr, v->u.str.len);
        return e;
    }
    case RES_EXPORT:
        if (!(v = member_string(req, "TableArn")) && !(v = member_string(req, "ExportArn")))
            return NULL;
        return guard_arn(&g, action, r->write, v->u.str.ptr, v->u.str.len);
    case RES_IMPORT:
        /* an import writes the table it creates */
        if ((v = member_string(member_object(req, "TableCreationParameters"), "TableName")))
            return guard_table(&g, action, true, v->u.str.ptr, v->u.str.len, NULL);
        if (!(v = member_string(req, "ImportArn"))) return NULL;
        return guard_arn(&g, action, r->write, v->u.str.ptr, v->u.str.len);
    case RES_PITR_RESTORE: {
        ddb_error_t *e = NULL;
        if ((v = member_string(req, "TargetTableName")))
            e = guard_table(&g, action, true, v->u.str.ptr, v->u.str.len, NULL);
        if (!e && (v = member_string(req, "SourceTableName")))
            e = guard_table(&g, action, false, v->u.str.ptr, v->u.str.len, NULL);
        if (!e && (v = member_string(req, "SourceTableArn")))
            e = guard_arn(&g, action, false, v->u.str.ptr, v->u.str.len);
        return e;
    }
    }
    return NULL;
}

ddb_error_t *auth_authorize_table(arena_t *a, const auth_identity_t *who, const char *action,
                                  bool write, const char *table, size_t len, const char *index)
{
    if (!who) return NULL;
    guard_t g = {a, who};
    const char *resource =
        index ? arena_sprintf(a, "%s/index/%s", table_arn(&g, table, len), index) : NULL;
    return guard_table(&g, action, write, table, len, resource);
}
