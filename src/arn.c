/* arn: splitting resource ARNs; see arn.h. */
#include "arn.h"

#include <string.h>

/* The resource part: which kind, and the names in it. */
static void classify(arena_t *a, arn_t *out)
{
    const char *r = out->resource;
    out->kind = ARN_OTHER;
    if (strncmp(r, "table/", 6) != 0 || r[6] == '\0' || r[6] == '/') return;
    const char *name = r + 6, *slash = strchr(name, '/');
    out->table = arena_strndup(a, name, slash ? (size_t)(slash - name) : strlen(name));
    if (!slash) {
        out->kind = ARN_TABLE;
        return;
    }
    static const struct {
        const char *word;
        arn_kind_t kind;
    } children[] = {{"/stream/", ARN_STREAM}, {"/index/", ARN_INDEX}};
    for (size_t i = 0; i < 2; i++) {
        size_t n = strlen(children[i].word);
        const char *child = slash + n;
        if (strncmp(slash, children[i].word, n) == 0 && *child && !strchr(child, '/')) {
            out->kind = children[i].kind;
            out->child = child;
            return;
        }
    }
}

ddb_error_t *arn_parse(arena_t *a, const char *text, arn_t *out)
{
    memset(out, 0, sizeof *out);
    if (strncmp(text, "arn:", 4) != 0) return err_arn_no_prefix(a, text);
    const char *parts[5];
    const char *p = text + 4;
    for (int i = 0; i < 4; i++) {
        const char *colon = strchr(p, ':');
        if (!colon) return err_arn_part_missing(a, i + 2, text);
        parts[i] = arena_strndup(a, p, (size_t)(colon - p));
        p = colon + 1;
    }
    parts[4] = p;
    out->partition = parts[0];
    out->service = parts[1];
    out->region = parts[2];
    out->account = parts[3];
    out->resource = parts[4];
    classify(a, out);
    return NULL;
}

static const char *server_region;

void arn_region_set(const char *region) { server_region = region; }

const char *arn_region(void) { return server_region ? server_region : "us-east-1"; }
