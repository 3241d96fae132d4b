/* policy: checking, canonical form and Deny evaluation of resource-based
 * policies; see policy.h. */
#include "policy.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "json.h"

/* The actions a table's policy may name, and those of a stream's. */
static const char *const table_actions[] = {
    "BatchGetItem", "BatchWriteItem", "ConditionCheckItem", "CreateBackup", "CreateTable",
    "CreateTableReplica", "DeleteItem", "DeleteResourcePolicy", "DeleteTable",
    "DeleteTableReplica", "DescribeBackup", "DescribeContinuousBackups",
    "DescribeContributorInsights", "DescribeExport", "DescribeImport",
    "DescribeKinesisStreamingDestination", "DescribeTable", "DescribeTableReplicaAutoScaling",
    "DescribeTimeToLive", "DisableKinesisStreamingDestination",
    "EnableKinesisStreamingDestination", "ExportTableToPointInTime", "GetItem",
    "GetResourcePolicy", "ImportTable", "ListTagsOfResource", "PartiQLDelete", "PartiQLInsert",
    "PartiQLSelect", "PartiQLUpdate", "PutItem", "PutResourcePolicy", "Query",
    "RestoreTableFromBackup", "RestoreTableToPointInTime", "Scan", "TagResource",
    "UntagResource", "UpdateContinuousBackups", "UpdateContributorInsights", "UpdateGlobalTable",
    "UpdateItem", "UpdateKinesisStreamingDestination", "UpdateTable",
    "UpdateTableReplicaAutoScaling", "UpdateTimeToLive", NULL};
static const char *const stream_actions[] = {"DescribeStream", "GetRecords", "GetShardIterator",
                                             "GetResourcePolicy", "PutResourcePolicy",
                                             "DeleteResourcePolicy", NULL};

/* --- wildcards ------------------------------------------------------------------------- */

/* The policy language's globbing: * any run, ? any one character. */
static bool glob(const char *pat, const char *s, bool nocase)
{
    const char *star = NULL, *resume = NULL;
    while (*s) {
        if (*pat == '*') {
            star = pat++;
            resume = s;
        } else if (*pat == '?' || (nocase ? tolower((unsigned char)*pat) ==
                                                tolower((unsigned char)*s)
                                          : *pat == *s)) {
            pat++;
            s++;
        } else if (star) {
            pat = star + 1;
            s = ++resume;
        } else {
            return false;
        }
    }
    while (*pat == '*') pat++;
    return *pat == '\0';
}

static bool has_wildcard(const char *s) { return strchr(s, '*') || strchr(s, '?'); }

/* --- checking -------------------------------------------------------------------------------- */

static const char *str(const json_value_t *v) { return v->u.str.ptr; }

/* A string or a non-empty list of strings. */
static bool strings_ok(const json_value_t *v)
{
    if (v->type == JSON_STRING) return true;
    if (v->type != JSON_ARRAY || v->u.array.count == 0) return false;
    for (size_t i = 0; i < v->u.array.count; i++)
        if (v->u.array.items[i]->type != JSON_STRING) return false;
    return true;
}

static size_t strings_count(const json_value_t *v)
{
    return v->type == JSON_STRING ? 1 : v->u.array.count;
}

static const char *strings_at(const json_value_t *v, size_t i)
{
    return str(v->type == JSON_STRING ? v : v->u.array.items[i]);
}

static bool is_account_id(const char *s)
{
    size_t n = 0;
    while (isdigit((unsigned char)s[n])) n++;
    return n == 12 && s[n] == '\0';
}

/* An AWS principal: *, an account id, or an IAM/STS ARN of an account. */
static bool aws_principal_ok(const char *p)
{
    if (strcmp(p, "*") == 0 || is_account_id(p)) return true;
    static const char *const prefixes[] = {"arn:aws:iam::", "arn:aws:sts::"};
    for (int i = 0; i < 2; i++) {
        size_t n = strlen(prefixes[i]);
        if (strncmp(p, prefixes[i], n) != 0) continue;
        const char *colon = strchr(p + n, ':');
        return colon && colon - (p + n) == 12 && colon[1] != '\0';
    }
    return false;
}

static ddb_error_t *check_principal(arena_t *a, const json_value_t *p)
{
    if (p->type == JSON_STRING) return strcmp(str(p), "*") == 0 ? NULL : err_policy_principal(a);
    if (p->type != JSON_OBJECT || p->u.object.count == 0) return err_policy_principal(a);
    for (size_t i = 0; i < p->u.object.count; i++) {
        const json_member_t *m = &p->u.object.members[i];
        if (!strings_ok(m->value)) return err_policy_principal(a);
        if (strcmp(m->key, "AWS") != 0) continue;
        for (size_t k = 0; k < strings_count(m->value); k++)
            if (!aws_principal_ok(strings_at(m->value, k))) return err_policy_principal(a);
    }
    return NULL;
}

static bool action_known(const char *action, bool stream)
{
    if (strcmp(action, "*") == 0) return true;
    if (strncasecmp(action, "dynamodb:", 9) != 0) return false;
    const char *name = action + 9;
    if (*name && has_wildcard(name)) return true;
    for (const char *const *k = stream ? stream_actions : table_actions; *k; k++)
        if (strcasecmp(*k, name) == 0) return true;
    return false;
}

static ddb_error_t *check_actions(arena_t *a, const json_value_t *v, bool stream)
{
    if (!strings_ok(v)) return err_policy_document(a, "This policy contains invalid Json");
    buf_t bad;
    buf_init(&bad);
    for (size_t i = 0; i < strings_count(v); i++) {
        const char *action = strings_at(v, i);
        if (action_known(action, stream)) continue;
        buf_printf(&bad, "%s\"%s\"", bad.len ? ", " : "", action);
    }
    ddb_error_t *e = NULL;
    if (bad.len) {
        buf_putc(&bad, '\0');
        e = err_policy_document(a, "The following action names are invalid: %s", bad.data);
    }
    buf_free(&bad);
    return e;
}

/* One of the members `name` or `not_name` of statement s (NULL: neither). */
static const json_value_t *either(const json_value_t *s, const char *name, const char *not_name,
                                  const char **which)
{
    const json_value_t *v = json_object_get(s, name);
    *which = name;
    if (!v) {
        v = json_object_get(s, not_name);
        *which = not_name;
    }
    return v;
}

static bool allows_everyone(const json_value_t *principal)
{
    if (principal->type == JSON_STRING) return strcmp(str(principal), "*") == 0;
    const json_value_t *aws = json_object_get(principal, "AWS");
    for (size_t k = 0; aws && k < strings_count(aws); k++)
        if (strcmp(strings_at(aws, k), "*") == 0) return true;
    return false;
}

static ddb_error_t *check_statement(arena_t *a, const json_value_t *s, bool stream)
{
    ddb_error_t *e;
    const char *which;
    if (s->type != JSON_OBJECT) return err_policy_document(a, "This policy contains invalid Json");
    const json_value_t *sid = json_object_get(s, "Sid");
    if (sid && sid->type != JSON_STRING)
        return err_policy_document(a, "This policy contains invalid Json");
    const json_value_t *effect = json_object_get(s, "Effect");
    if (!effect) return err_policy_document(a, "Missing required field Effect");
    if (effect->type != JSON_STRING ||
        (strcmp(str(effect), "Allow") != 0 && strcmp(str(effect), "Deny") != 0))
        return err_policy_document(a, "Invalid effect: %s",
                                   effect->type == JSON_STRING ? str(effect) : "null");
    const json_value_t *principal = either(s, "Principal", "NotPrincipal", &which);
    if (!principal) return err_policy_document(a, "Missing required field Principal");
    if ((e = check_principal(a, principal))) return e;
    const json_value_t *action = either(s, "Action", "NotAction", &which);
    if (!action) return err_policy_document(a, "Missing required field Action");
    if ((e = check_actions(a, action, stream))) return e;
    const json_value_t *resource = either(s, "Resource", "NotResource", &which);
    if (!resource) return err_policy_document(a, "Missing required field Resource");
    if (!strings_ok(resource)) return err_policy_document(a, "This policy contains invalid Json");
    const json_value_t *condition = json_object_get(s, "Condition");
    if (condition && condition->type != JSON_OBJECT)
        return err_policy_document(a, "This policy contains invalid Json");
    if (strcmp(str(effect), "Allow") == 0 && json_object_get(s, "Principal") && !condition &&
        allows_everyone(principal))
        return err_policy_unbounded(a);
    return NULL;
}

/* --- the canonical text ----------------------------------------------------------------------- */

static void put_key(buf_t *b, const char *key, bool *first)
{
    if (!*first) buf_putc(b, ',');
    *first = false;
    json_write_string(b, key, strlen(key));
    buf_putc(b, ':');
}

static void write_principal_value(buf_t *b, const char *p, bool aws)
{
    if (aws && is_account_id(p)) {
        buf_printf(b, "\"arn:aws:iam::%s:root\"", p);
        return;
    }
    json_write_string(b, p, strlen(p));
}

/* A string list: one element as a plain string. */
static void write_strings(buf_t *b, const json_value_t *v, bool aws_principals)
{
    size_t n = strings_count(v);
    if (n > 1) buf_putc(b, '[');
    for (size_t i = 0; i < n; i++) {
        if (i) buf_putc(b, ',');
        write_principal_value(b, strings_at(v, i), aws_principals);
    }
    if (n > 1) buf_putc(b, ']');
}

static void write_principal(buf_t *b, const json_value_t *p)
{
    if (p->type == JSON_STRING) {
        json_write_value(b, p);
        return;
    }
    buf_putc(b, '{');
    for (size_t i = 0; i < p->u.object.count; i++) {
        const json_member_t *m = &p->u.object.members[i];
        if (i) buf_putc(b, ',');
        json_write_string(b, m->key, m->key_len);
        buf_putc(b, ':');
        write_strings(b, m->value, strcmp(m->key, "AWS") == 0);
    }
    buf_putc(b, '}');
}

static void write_statement(buf_t *b, const json_value_t *s)
{
    static const char *const order[] = {"Sid", "Effect", "Principal", "NotPrincipal", "Action",
                                        "NotAction", "Resource", "NotResource", "Condition"};
    bool first = true;
    buf_putc(b, '{');
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        const json_value_t *v = json_object_get(s, order[i]);
        if (!v) continue;
        put_key(b, order[i], &first);
        if (strstr(order[i], "Principal")) write_principal(b, v);
        else if (strstr(order[i], "Action") || strstr(order[i], "Resource"))
            write_strings(b, v, false);
        else json_write_value(b, v);
    }
    buf_putc(b, '}');
}

ddb_error_t *policy_normalize(arena_t *a, const char *doc, size_t len, bool stream,
                              const char **out)
{
    ddb_error_t *e;
    if (len > POLICY_MAX_BYTES) return err_policy_too_large(a, POLICY_MAX_BYTES);
    json_value_t *root;
    if (json_parse(a, doc, len, &root, NULL) != JSON_OK || root->type != JSON_OBJECT)
        return err_policy_document(a, "This policy contains invalid Json");
    const json_value_t *version = json_object_get(root, "Version");
    if (version && (version->type != JSON_STRING || (strcmp(str(version), "2012-10-17") != 0 &&
                                                     strcmp(str(version), "2008-10-17") != 0)))
        return err_policy_document(a, "The policy must contain a valid version string");
    const json_value_t *id = json_object_get(root, "Id");
    if (id && id->type != JSON_STRING)
        return err_policy_document(a, "This policy contains invalid Json");
    const json_value_t *statements = json_object_get(root, "Statement");
    size_t n = !statements                        ? 0
               : statements->type == JSON_ARRAY ? statements->u.array.count
                                                : 1;
    if (n == 0) return err_policy_document(a, "Could not parse the policy: Statement is empty!");
    const json_value_t *const *items =
        statements->type == JSON_ARRAY ? (const json_value_t *const *)statements->u.array.items
                                       : &statements;
    for (size_t i = 0; i < n; i++) {
        if ((e = check_statement(a, items[i], stream))) return e;
        const json_value_t *sid = json_object_get(items[i], "Sid");
        for (size_t k = 0; sid && k < i; k++) {
            const json_value_t *other = json_object_get(items[k], "Sid");
            if (other && strcmp(str(other), str(sid)) == 0)
                return err_policy_document(a, "The Statement Ids in the policy are not unique");
        }
    }
    buf_t b;
    buf_init(&b);
    buf_append_str(&b, "{\"Version\":");
    if (version) json_write_value(&b, version);
    else buf_append_str(&b, "\"2008-10-17\"");
    if (id) {
        buf_append_str(&b, ",\"Id\":");
        json_write_value(&b, id);
    }
    buf_append_str(&b, ",\"Statement\":[");
    for (size_t i = 0; i < n; i++) {
        if (i) buf_putc(&b, ',');
        write_statement(&b, items[i]);
    }
    buf_append_str(&b, "]}");
    *out = arena_strndup(a, b.data, b.len);
    buf_free(&b);
    return NULL;
}

/* --- evaluation -------------------------------------------------------------------------------- */

/* The account of an IAM or STS ARN ("" when there is none). */
static void account_of(const char *arn, char out[13])
{
    out[0] = '\0';
    const char *p = arn;
    for (int i = 0; i < 4 && p; i++) {
        p = strchr(p, ':');
        if (p) p++;
    }
    if (p && strlen(p) >= 12 && p[12] == ':') {
        memcpy(out, p, 12);
        out[12] = '\0';
    }
}

static bool principal_listed(const json_value_t *p, const char *principal_arn)
{
    if (p->type == JSON_STRING) return strcmp(str(p), "*") == 0;
    const json_value_t *aws = p->type == JSON_OBJECT ? json_object_get(p, "AWS") : NULL;
    if (!aws || !strings_ok(aws)) return false;
    char account[13];
    account_of(principal_arn, account);
    for (size_t i = 0; i < strings_count(aws); i++) {
        const char *want = strings_at(aws, i);
        if (strcmp(want, "*") == 0 || strcmp(want, principal_arn) == 0) return true;
        char root[40];
        if (!account[0]) continue;
        if (is_account_id(want) && strcmp(want, account) == 0) return true;
        snprintf(root, sizeof root, "arn:aws:iam::%s:root", account);
        if (strcmp(want, root) == 0) return true;
    }
    return false;
}

static bool pattern_listed(const json_value_t *v, const char *s, bool nocase)
{
    if (!strings_ok(v)) return false;
    for (size_t i = 0; i < strings_count(v); i++)
        if (glob(strings_at(v, i), s, nocase)) return true;
    return false;
}

static bool statement_denies(const json_value_t *s, const char *principal_arn,
                             const char *action, const char *resource_arn)
{
    const json_value_t *effect = json_object_get(s, "Effect");
    if (!effect || effect->type != JSON_STRING || strcmp(str(effect), "Deny") != 0) return false;
    if (json_object_get(s, "Condition")) return false;
    const json_value_t *v;
    bool match;
    if ((v = json_object_get(s, "Principal"))) match = principal_listed(v, principal_arn);
    else if ((v = json_object_get(s, "NotPrincipal"))) match = !principal_listed(v, principal_arn);
    else return false;
    if (!match) return false;
    if ((v = json_object_get(s, "Action"))) match = pattern_listed(v, action, true);
    else if ((v = json_object_get(s, "NotAction"))) match = !pattern_listed(v, action, true);
    else return false;
    if (!match) return false;
    if ((v = json_object_get(s, "Resource"))) return pattern_listed(v, resource_arn, false);
    if ((v = json_object_get(s, "NotResource"))) return !pattern_listed(v, resource_arn, false);
    return false;
}

bool policy_denies(const char *policy, const char *principal_arn, const char *action,
                   const char *resource_arn)
{
    if (!policy) return false;
    arena_t *a = arena_new(0);
    json_value_t *root;
    bool denied = false;
    if (json_parse(a, policy, strlen(policy), &root, NULL) == JSON_OK &&
        root->type == JSON_OBJECT) {
        const json_value_t *st = json_object_get(root, "Statement");
        size_t n = !st ? 0 : st->type == JSON_ARRAY ? st->u.array.count : 1;
        for (size_t i = 0; i < n && !denied; i++) {
            const json_value_t *s = st->type == JSON_ARRAY ? st->u.array.items[i] : st;
            denied = s->type == JSON_OBJECT &&
                     statement_denies(s, principal_arn, action, resource_arn);
        }
    }
    arena_free(a);
    return denied;
}
