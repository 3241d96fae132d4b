/* tags: key and value rules, merging; see tags.h. */
#include "tags.h"

#include <ctype.h>
#include <locale.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <wctype.h>

/* Letters of every script are told by the C library's Unicode tables
 * (C.UTF-8); where that locale is missing, every non-ASCII character
 * counts as a letter rather than refusing names in other scripts. */
static locale_t unicode;
static pthread_once_t unicode_once = PTHREAD_ONCE_INIT;

static void unicode_open(void) { unicode = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0); }

/* The service's pattern, [\p{L}\p{Z}\p{N}_.:/=+\-@]*. */
static bool char_allowed(uint32_t c)
{
    if (c < 0x80) return isalnum((int)c) || c == ' ' || strchr("_.:/=+-@", (int)c);
    /* \p{Z}: the space, line and paragraph separators */
    if (c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 ||
        c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000)
        return true;
    pthread_once(&unicode_once, unicode_open);
    if (!unicode) return true;
    return iswalpha_l((wint_t)c, unicode) || iswdigit_l((wint_t)c, unicode);
}

/* Whether s (valid UTF-8, from the JSON reader) has only allowed
 * characters and min to max UTF-16 units. */
static bool text_ok(const char *s, size_t min, size_t max)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t units = 0;
    while (*p) {
        uint32_t c;
        int n;
        if (*p < 0x80) c = *p, n = 1;
        else if (*p < 0xE0) c = *p & 0x1F, n = 2;
        else if (*p < 0xF0) c = *p & 0x0F, n = 3;
        else c = *p & 0x07, n = 4;
        for (int i = 1; i < n; i++) {
            if ((p[i] & 0xC0) != 0x80) return false;
            c = c << 6 | (p[i] & 0x3F);
        }
        p += n;
        units += c > 0xFFFF ? 2 : 1;
        if (!char_allowed(c)) return false;
    }
    return units >= min && units <= max;
}

ddb_error_t *tags_check_key(arena_t *a, const char *key)
{
    if (!key || !text_ok(key, 1, TAGS_KEY_MAX)) return err_tag_key_invalid(a, key);
    if (strncasecmp(key, "aws:", 4) == 0) return err_tag_key_reserved(a, key);
    return NULL;
}

ddb_error_t *tags_check_value(arena_t *a, const char *value)
{
    if (!value || !text_ok(value, 0, TAGS_VALUE_MAX)) return err_tag_value_invalid(a, value);
    return NULL;
}

ddb_error_t *tags_check_list(arena_t *a, const tag_t *tags, size_t count)
{
    ddb_error_t *e;
    for (size_t i = 0; i < count; i++) {
        if ((e = tags_check_key(a, tags[i].key)) || (e = tags_check_value(a, tags[i].value)))
            return e;
        /* at most TAGS_MAX tags get this far in practice: pairs are cheap */
        for (size_t k = 0; k < i; k++)
            if (strcmp(tags[k].key, tags[i].key) == 0) return err_tag_key_duplicate(a, tags[i].key);
    }
    return NULL;
}

static bool listed(const char *key, const char *const *keys, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(keys[i], key) == 0) return true;
    return false;
}

tag_set_t *tags_merge(arena_t *a, const tag_set_t *set, const tag_t *added, size_t added_count,
                      const char *const *removed, size_t removed_count)
{
    size_t old = set ? set->count : 0;
    tag_set_t *out = arena_alloc(a, sizeof *out + (old + added_count) * sizeof(tag_t));
    out->count = 0;
    for (size_t i = 0; i < old; i++) {
        tag_t t = set->items[i];
        for (size_t k = 0; k < added_count; k++)
            if (strcmp(added[k].key, t.key) == 0) t.value = added[k].value;
        if (listed(t.key, removed, removed_count)) continue;
        out->items[out->count].key = arena_strndup(a, t.key, strlen(t.key));
        out->items[out->count].value = arena_strndup(a, t.value, strlen(t.value));
        out->count++;
    }
    for (size_t k = 0; k < added_count; k++) {
        bool had = false;
        for (size_t i = 0; i < old && !had; i++) had = strcmp(set->items[i].key, added[k].key) == 0;
        if (had || listed(added[k].key, removed, removed_count)) continue;
        out->items[out->count].key = arena_strndup(a, added[k].key, strlen(added[k].key));
        out->items[out->count].value = arena_strndup(a, added[k].value, strlen(added[k].value));
        out->count++;
    }
    return out;
}
