/* sigv4: the verifier behind sigv4.h.
 *
 * Hashing uses OpenSSL's SHA256_CTX, whose state is a plain struct that can
 * be copied: a key's signing key is kept as the two HMAC pad states
 * (inner and outer, each one block already absorbed), so a request's HMAC
 * starts from copies of them.  EVP contexts cannot be copied without an
 * allocation, and OpenSSL 3's one-shot HMAC() costs about 4 us, a fifth of
 * a whole GetItem; hence the low-level interface, deprecated but present.
 *
 * Every signed request passes here, so the rest is kept cheap too: one
 * pass over the headers finds those SigV4 reads; the Authorization value is
 * copied once and cut into its parts in place; the signed header list is
 * split once and serves both the host check and the canonical request;
 * header names are compared and scanned a word at a time; the signing key
 * is looked up by the credential's own scope text.  The canonical request
 * is built in one buffer and hashed in one call: feeding SHA-256 its ~25
 * pieces one by one costs more in calls than the copies it saves.
 */
#define OPENSSL_SUPPRESS_DEPRECATED
#include "sigv4.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* ---- hashing ---- */

/* A digest in lower-case hex (three per request): with SSE2 sixteen bytes
 * at a time, each byte's nibbles interleaved, then made digits, 'a'-'f'
 * for those above nine; else by table. */
static void hex_encode(const uint8_t p[32], char out[65])
{
#ifdef __SSE2__
    const __m128i low = _mm_set1_epi8(0x0f), nine = _mm_set1_epi8(9);
    const __m128i zero = _mm_set1_epi8('0'), letter = _mm_set1_epi8('a' - '0' - 10);
    for (size_t i = 0; i < 32; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(p + i));
        __m128i hi = _mm_and_si128(_mm_srli_epi16(v, 4), low), lo = _mm_and_si128(v, low);
        __m128i d[2] = {_mm_unpacklo_epi8(hi, lo), _mm_unpackhi_epi8(hi, lo)};
        for (size_t k = 0; k < 2; k++) {
            __m128i above = _mm_and_si128(_mm_cmpgt_epi8(d[k], nine), letter);
            d[k] = _mm_add_epi8(_mm_add_epi8(d[k], zero), above);
            _mm_storeu_si128((__m128i *)(out + 2 * i + 16 * k), d[k]);
        }
    }
#else
    for (size_t i = 0; i < 32; i++) {
        out[2 * i] = "0123456789abcdef"[p[i] >> 4];
        out[2 * i + 1] = "0123456789abcdef"[p[i] & 15];
    }
#endif
    out[64] = 0;
}

void sigv4_sha256_hex(const void *data, size_t len, char out[65])
{
    SHA256_CTX c;
    uint8_t md[32];
    SHA256_Init(&c);
    SHA256_Update(&c, data, len);
    SHA256_Final(md, &c);
    hex_encode(md, out);
}

/* The HMAC-SHA256 pad states of key: each has absorbed one block. */
static void hmac_pads(const void *key, size_t len, SHA256_CTX *inner, SHA256_CTX *outer)
{
    uint8_t k[64] = {0}, pad[64];
    if (len > sizeof k) {
        SHA256_CTX c;
        SHA256_Init(&c);
        SHA256_Update(&c, key, len);
        SHA256_Final(k, &c);
    } else {
        memcpy(k, key, len);
    }
    for (size_t i = 0; i < 64; i++)
        pad[i] = k[i] ^ 0x36;
    SHA256_Init(inner);
    SHA256_Update(inner, pad, 64);
    for (size_t i = 0; i < 64; i++)
        pad[i] = k[i] ^ 0x5c;
    SHA256_Init(outer);
    SHA256_Update(outer, pad, 64);
    OPENSSL_cleanse(k, sizeof k);
    OPENSSL_cleanse(pad, sizeof pad);
}

static void hmac_finish(const SHA256_CTX *inner, const SHA256_CTX *outer, const void *msg,
                        size_t len, uint8_t out[32])
{
    SHA256_CTX c = *inner;
    uint8_t ih[32];
    SHA256_Update(&c, msg, len);
    SHA256_Final(ih, &c);
    c = *outer;
    SHA256_Update(&c, ih, 32);
    SHA256_Final(out, &c);
}

static void hmac(const void *key, size_t key_len, const char *msg, uint8_t out[32])
{
    SHA256_CTX inner, outer;
    hmac_pads(key, key_len, &inner, &outer);
    hmac_finish(&inner, &outer, msg, strlen(msg), out);
}

void sigv4_signing_key(const char *secret, const char *day, const char *region, const char *service,
                       uint8_t out[32])
{
    size_t n = strlen(secret);
    char *k = malloc(n + 5);
    if (!k) abort();
    memcpy(k, "AWS4", 4);
    memcpy(k + 4, secret, n + 1);
    uint8_t a[32], b[32];
    hmac(k, n + 4, day, a);
    hmac(a, 32, region, b);
    hmac(b, 32, service, a);
    hmac(a, 32, "aws4_request", out);
    OPENSSL_cleanse(k, n + 4);
    OPENSSL_cleanse(a, sizeof a);
    OPENSSL_cleanse(b, sizeof b);
    free(k);
}

void sigv4_signature_hex(const uint8_t key[32], const char *sts, size_t len, char out[65])
{
    SHA256_CTX inner, outer;
    uint8_t sig[32];
    hmac_pads(key, 32, &inner, &outer);
    hmac_finish(&inner, &outer, sts, len, sig);
    hex_encode(sig, out);
}

/* ---- keys and their signing-key cache ---- */

/* Every day a request may be signed for: a presigned request may be up to
 * 7 days old, and any may be 15 minutes early, which spans 9 dates. */
#define CACHE_SLOTS 10
#define CACHE_SCOPE_MAX 128

/* One derived signing key, as HMAC pad states, for "<day>/<region>/<service>".
 * Never changed once published in a slot. */
typedef struct cache_entry {
    char scope[CACHE_SCOPE_MAX];
    size_t scope_len;
    SHA256_CTX inner, outer;
    struct cache_entry *retired; /* the list of entries replaced before */
} cache_entry_t;

/* Readers take no lock: every I/O thread verifies with the same few keys, and
 * a lock held by a thread the scheduler preempts would stall the others.  A
 * replaced entry may still be read, so it is kept until the key goes.  Only
 * scopes already checked (the server's region and service, the day of a
 * date inside the time window) get here, and a miss replaces the oldest day,
 * so with a slot for every day the window spans, entries are replaced once
 * a day at most, whatever the requests. */
struct sigv4_cache {
    _Atomic(cache_entry_t *) slot[CACHE_SLOTS];
    pthread_mutex_t lock; /* misses, and retired */
    cache_entry_t *retired;
};

void sigv4_key_init(sigv4_key_t *key)
{
    key->cache = calloc(1, sizeof *key->cache);
    if (!key->cache) abort();
    for (size_t i = 0; i < CACHE_SLOTS; i++)
        atomic_init(&key->cache->slot[i], NULL);
    pthread_mutex_init(&key->cache->lock, NULL);
}

static void entry_free(cache_entry_t *e)
{
    OPENSSL_cleanse(e, sizeof *e);
    free(e);
}

void sigv4_key_destroy(sigv4_key_t *key)
{
    struct sigv4_cache *c = key->cache;
    if (!c) return;
    for (size_t i = 0; i < CACHE_SLOTS; i++) {
        cache_entry_t *e = atomic_load_explicit(&c->slot[i], memory_order_relaxed);
        if (e) entry_free(e);
    }
    while (c->retired) {
        cache_entry_t *next = c->retired->retired;
        entry_free(c->retired);
        c->retired = next;
    }
    pthread_mutex_destroy(&c->lock);
    free(c);
    key->cache = NULL;
}

static const cache_entry_t *cache_find(struct sigv4_cache *c, const char *scope, size_t n)
{
    for (size_t i = 0; i < CACHE_SLOTS; i++) {
        const cache_entry_t *e = atomic_load_explicit(&c->slot[i], memory_order_acquire);
        if (e && e->scope_len == n && memcmp(e->scope, scope, n) == 0) return e;
    }
    return NULL;
}

/* The signing key's pad states for scope "<day>/<region>/<service>"
 * (day, region and service also given apart, NUL-terminated, for deriving
 * it), derived once per scope and kept.  A scope too long to keep is
 * derived into *spare, which the caller wipes. */
static const cache_entry_t *signing_pads(const sigv4_key_t *key, const char *scope, size_t n,
                                         const char *day, const char *region, const char *service,
                                         cache_entry_t *spare)
{
    struct sigv4_cache *c = key->cache;
    if (n >= CACHE_SCOPE_MAX || !c) { /* derive each time */
        uint8_t k[32];
        sigv4_signing_key(key->secret, day, region, service, k);
        hmac_pads(k, 32, &spare->inner, &spare->outer);
        OPENSSL_cleanse(k, sizeof k);
        return spare;
    }
    const cache_entry_t *e = cache_find(c, scope, n);
    if (e) return e;
    pthread_mutex_lock(&c->lock);
    if (!(e = cache_find(c, scope, n))) { /* not added by another thread meanwhile */
        cache_entry_t *fresh = calloc(1, sizeof *fresh);
        if (!fresh) abort();
        uint8_t k[32];
        sigv4_signing_key(key->secret, day, region, service, k);
        hmac_pads(k, 32, &fresh->inner, &fresh->outer);
        OPENSSL_cleanse(k, sizeof k);
        memcpy(fresh->scope, scope, n);
        fresh->scope_len = n;
        /* an empty slot, else the oldest day ("YYYYMMDD/..." sorts by day) */
        size_t victim = 0;
        for (size_t i = 0; i < CACHE_SLOTS; i++) {
            const cache_entry_t *v = atomic_load_explicit(&c->slot[i], memory_order_relaxed);
            const cache_entry_t *w = atomic_load_explicit(&c->slot[victim], memory_order_relaxed);
            if (!v) {
                victim = i;
                break;
            }
            if (memcmp(v->scope, w->scope, 8) < 0) victim = i;
        }
        cache_entry_t *old =
            atomic_exchange_explicit(&c->slot[victim], fresh, memory_order_acq_rel);
        if (old) {
            old->retired = c->retired;
            c->retired = old;
        }
        e = fresh;
    }
    pthread_mutex_unlock(&c->lock);
    return e;
}

/* ---- dates ---- */

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static unsigned days_in_month(unsigned y, unsigned m)
{
    static const unsigned char n[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : n[m - 1];
}

/* n decimal digits at s. */
static bool digits(const char *s, size_t n, unsigned *out)
{
    unsigned v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return false;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    *out = v;
    return true;
}

static bool date_epoch(unsigned y, unsigned mo, unsigned d, unsigned h, unsigned mi, unsigned s,
                       int64_t *epoch)
{
    if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 ||
        s > 59)
        return false;
    *epoch = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
    return true;
}

static bool iso_parse(const char *s, size_t len, int64_t *epoch)
{
    unsigned y, mo, d, h, mi, sec;
    return len == 16 && s[8] == 'T' && s[15] == 'Z' && digits(s, 4, &y) && digits(s + 4, 2, &mo) &&
           digits(s + 6, 2, &d) && digits(s + 9, 2, &h) && digits(s + 11, 2, &mi) &&
           digits(s + 13, 2, &sec) && date_epoch(y, mo, d, h, mi, sec, epoch);
}

/* "Mon, 01 Jan 2024 00:00:00 GMT" (also "1 Jan", and zones UTC, UT, Z, +hhmm, -hhmm). */
static bool http_date_parse(const char *s, size_t len, int64_t *epoch)
{
    static const char weekdays[] = "MonTueWedThuFriSatSun";
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    if (len < 5 || s[3] != ',' || s[4] != ' ') return false;
    bool weekday = false;
    for (size_t i = 0; i < 7; i++)
        weekday |= memcmp(s, weekdays + 3 * i, 3) == 0;
    if (!weekday) return false;
    size_t p = 5, dlen = len > 6 && s[6] == ' ' ? 1 : 2;
    unsigned d, y, h, mi, sec, mo = 0;
    if (len < p + dlen + 1 || !digits(s + p, dlen, &d) || s[p + dlen] != ' ') return false;
    p += dlen + 1;
    if (len < p + 4 || s[p + 3] != ' ') return false;
    for (unsigned i = 0; i < 12; i++)
        if (memcmp(s + p, months + 3 * i, 3) == 0) mo = i + 1;
    p += 4;
    if (!mo || len < p + 14 || !digits(s + p, 4, &y) || s[p + 4] != ' ' ||
        !digits(s + p + 5, 2, &h) || s[p + 7] != ':' || !digits(s + p + 8, 2, &mi) ||
        s[p + 10] != ':' || !digits(s + p + 11, 2, &sec) || s[p + 13] != ' ')
        return false;
    p += 14;
    const char *z = s + p;
    size_t zl = len - p;
    int64_t offset = 0;
    unsigned zh, zm;
    if ((zl == 3 && (memcmp(z, "GMT", 3) == 0 || memcmp(z, "UTC", 3) == 0)) ||
        (zl == 2 && memcmp(z, "UT", 2) == 0) || (zl == 1 && z[0] == 'Z')) {
        offset = 0;
    } else if (zl == 5 && (z[0] == '+' || z[0] == '-') && digits(z + 1, 2, &zh) &&
               digits(z + 3, 2, &zm) && zh < 24 && zm < 60) {
        offset = (z[0] == '+' ? 1 : -1) * (int64_t)(zh * 3600 + zm * 60);
    } else {
        return false;
    }
    if (!date_epoch(y, mo, d, h, mi, sec, epoch)) return false;
    *epoch -= offset;
    return true;
}

bool sigv4_date_parse(const char *s, size_t len, bool http_date, int64_t *epoch)
{
    return iso_parse(s, len, epoch) || (http_date && http_date_parse(s, len, epoch));
}

static char *digits_put(char *o, unsigned v, int n)
{
    for (int i = n - 1; i >= 0; i--, v /= 10)
        o[i] = (char)('0' + v % 10);
    return o + n;
}

/* By hand, not strftime: it runs for every signed request. */
void sigv4_date_format(int64_t epoch, char out[17])
{
    /* 0000-01-01 .. 9999-12-31: the years that have four digits */
    if (epoch < -62167219200LL || epoch > 253402300799LL) {
        memcpy(out, "00000000T000000Z", 17);
        return;
    }
    int64_t days = epoch >= 0 ? epoch / 86400 : -((-epoch + 86399) / 86400);
    int64_t sec = epoch - days * 86400;
    /* the inverse of days_from_civil */
    days += 719468;
    int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    unsigned doe = (unsigned)(days - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153, d = doy - (153 * mp + 2) / 5 + 1;
    unsigned m = mp < 10 ? mp + 3 : mp - 9;
    unsigned y = (unsigned)((int64_t)yoe + era * 400 + (m <= 2));
    char *o = digits_put(out, y, 4);
    o = digits_put(o, m, 2);
    o = digits_put(o, d, 2);
    *o++ = 'T';
    o = digits_put(o, (unsigned)(sec / 3600), 2);
    o = digits_put(o, (unsigned)(sec / 60 % 60), 2);
    o = digits_put(o, (unsigned)(sec % 60), 2);
    memcpy(o, "Z", 2);
}

/* ---- URI encoding ---- */

static bool unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == '~';
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* s[0..n) with %XX decoded (a '%' not followed by two hex digits stays). */
static char *percent_decode(arena_t *a, const char *s, size_t n, size_t *out_len)
{
    char *o = arena_alloc(a, n + 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        int hi, lo;
        if (s[i] == '%' && i + 2 < n && (hi = hex_value(s[i + 1])) >= 0 &&
            (lo = hex_value(s[i + 2])) >= 0) {
            o[k++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            o[k++] = s[i];
        }
    }
    o[k] = 0;
    *out_len = k;
    return o;
}

/* Appends s[0..n) URI-encoded at o; returns the new end. */
static char *uri_encode(char *o, const char *s, size_t n)
{
    static const char upper[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (unreserved(c)) {
            *o++ = (char)c;
        } else {
            *o++ = '%';
            *o++ = upper[c >> 4];
            *o++ = upper[c & 15];
        }
    }
    return o;
}

/* ---- the request's parts ---- */

static bool mem_is(const char *p, size_t n, const char *lit)
{
    size_t l = strlen(lit);
    return n == l && memcmp(p, lit, l) == 0;
}

static const sigv4_param_t *param_find(const sigv4_auth_t *au, const char *name)
{
    for (size_t i = 0; i < au->param_count; i++)
        if (mem_is(au->params[i].name, au->params[i].name_len, name)) return &au->params[i];
    return NULL;
}

/* The query string's parameters, decoded, empty ones ("a&&b") skipped. */
static void parse_query(arena_t *a, const char *q, size_t n, sigv4_auth_t *au)
{
    size_t count = 1;
    for (size_t i = 0; i < n; i++)
        count += q[i] == '&';
    sigv4_param_t *ps = arena_alloc(a, count * sizeof *ps);
    size_t k = 0, i = 0;
    while (i <= n) {
        const char *amp = memchr(q + i, '&', n - i);
        size_t end = amp ? (size_t)(amp - q) : n;
        if (end > i) {
            const char *eq = memchr(q + i, '=', end - i);
            size_t name_end = eq ? (size_t)(eq - q) : end;
            sigv4_param_t *p = &ps[k++];
            p->name = percent_decode(a, q + i, name_end - i, &p->name_len);
            if (eq)
                p->value = percent_decode(a, eq + 1, end - name_end - 1, &p->value_len);
            else
                p->value = "", p->value_len = 0;
        }
        i = end + 1;
    }
    au->params = ps;
    au->param_count = k;
}

/* ---- eight bytes at a time ----
 * Header names, the signed header list and header values are scanned and
 * compared a word at a time: they are short, but there are many. */

#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

static uint64_t load8(const char *p)
{
    uint64_t x;
    memcpy(&x, p, 8);
    return x;
}

/* Each byte of x with 'A'-'Z' made lower case (bytes from 0x80 kept). */
static uint64_t fold8(uint64_t x)
{
    uint64_t h = x & ~HIGHS; /* no carry between bytes below */
    uint64_t upper = (h + (0x80 - 'A') * ONES) & ~(h + (0x7f - 'Z') * ONES) & ~x & HIGHS;
    return x | upper >> 2;
}

/* Whether a byte of x equals c. */
static bool has_byte(uint64_t x, char c)
{
    uint64_t y = x ^ (ONES * (unsigned char)c);
    return ((y - ONES) & ~y & HIGHS) != 0;
}

static char lower_char(char c) { return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c; }

static uint64_t load4(const char *p)
{
    uint32_t x;
    memcpy(&x, p, 4);
    return x;
}

/* a[0..n) equals lower[0..n) but for the case of a's letters.  Words that
 * overlap cover the lengths that are not multiples of eight. */
static inline bool name_ieq(const char *a, const char *lower, size_t n)
{
    if (n >= 8) {
        for (size_t i = 0; i + 8 < n; i += 8)
            if (fold8(load8(a + i)) != load8(lower + i)) return false;
        return fold8(load8(a + n - 8)) == load8(lower + n - 8);
    }
    if (n >= 4)
        return fold8(load4(a) | load4(a + n - 4) << 32) ==
               (load4(lower) | load4(lower + n - 4) << 32);
    for (size_t i = 0; i < n; i++)
        if (lower_char(a[i]) != lower[i]) return false;
    return true;
}

/* o[0..n) = s[0..n) in lower case. */
static void lower_copy(char *o, const char *s, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t x = fold8(load8(s + i));
        memcpy(o + i, &x, 8);
    }
    for (; i < n; i++)
        o[i] = lower_char(s[i]);
}

/* Whether v[0..n) holds a blank or a tab. */
static bool has_blank(const char *v, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t x = load8(v + i);
        if (has_byte(x, ' ') || has_byte(x, '\t')) return true;
    }
    for (; i < n; i++)
        if (v[i] == ' ' || v[i] == '\t') return true;
    return false;
}

/* The headers SigV4 reads, each the first of its name (as
 * http_request_header finds it), found in one pass over the request's. */
typedef struct {
    const http_header_t *authorization, *amz_date, *date, *token, *content_sha256;
} auth_headers_t;

static void auth_headers_find(const http_request_t *req, auth_headers_t *hs)
{
    memset(hs, 0, sizeof *hs);
    for (size_t i = 0; i < req->header_count; i++) {
        const http_header_t *h = &req->headers[i], **slot = NULL;
        switch (h->name_len) { /* the length rules out most names */
        case 4:
            if (name_ieq(h->name, "date", 4)) slot = &hs->date;
            break;
        case 10:
            if (name_ieq(h->name, "x-amz-date", 10)) slot = &hs->amz_date;
            break;
        case 13:
            if (name_ieq(h->name, "authorization", 13)) slot = &hs->authorization;
            break;
        case 20:
            if (name_ieq(h->name, "x-amz-security-token", 20))
                slot = &hs->token;
            else if (name_ieq(h->name, "x-amz-content-sha256", 20))
                slot = &hs->content_sha256;
            break;
        }
        if (slot && !*slot) *slot = h;
    }
}

static bool auth_separator(char c) { return c == ' ' || c == ',' || c == '\t'; }

/* The first separator in s[i..n), or n.  With SSE2 sixteen bytes at a
 * time: s must be readable (and initialised) up to n + 16. */
static size_t token_end(const char *s, size_t i, size_t n)
{
#ifdef __SSE2__
    const __m128i blank = _mm_set1_epi8(' '), comma = _mm_set1_epi8(','), tab = _mm_set1_epi8('\t');
    for (; i < n; i += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(s + i));
        __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, blank), _mm_cmpeq_epi8(x, comma)),
                                   _mm_cmpeq_epi8(x, tab));
        unsigned mask = (unsigned)_mm_movemask_epi8(hit);
        if (mask) {
            size_t at = i + (size_t)__builtin_ctz(mask);
            return at < n ? at : n;
        }
    }
    return n;
#else
    while (i < n && !auth_separator(s[i]))
        i++;
    return i;
#endif
}

/* The Authorization header: algorithm, then key=value pairs separated by
 * commas and blanks.  Written once to the arena:
 * the value whole (for messages), then a copy that NULs cut into the parts
 * in place, then the date and the token. */
static ddb_error_t *parse_header(arena_t *a, const auth_headers_t *hs, sigv4_auth_t *au)
{
    const char *v = hs->authorization->value;
    size_t n = hs->authorization->value_len;
    const http_header_t *date = hs->amz_date ? hs->amz_date : hs->date, *token = hs->token;
    size_t date_len = date ? date->value_len : 0, token_len = token ? token->value_len : 0;
    /* all written before token_end reads the first copy, 16 bytes past */
    size_t size = 2 * (n + 1) + date_len + 1 + token_len + 1;
    char *buf = arena_alloc(a, size + 16), *w = buf + n + 1, *d = w + n + 1, *t = d + date_len + 1;
    memcpy(buf, v, n);
    buf[n] = 0;
    memcpy(w, v, n);
    w[n] = 0;
    if (date) memcpy(d, date->value, date_len);
    d[date_len] = 0;
    if (token) memcpy(t, token->value, token_len);
    t[token_len] = 0;
    memset(buf + size, 0, 16);
    au->header = buf, au->header_len = n;
    if (n < 5 || memcmp(v, "AWS4-", 5) != 0) return err_missing_auth(a);
    size_t i = token_end(buf, 0, n);
    w[i] = 0;
    au->algorithm = w, au->algorithm_len = i;
    while (i < n) {
        while (i < n && auth_separator(v[i]))
            i++;
        size_t start = i;
        i = token_end(buf, i, n);
        if (i == start) break;
        const char *eq = memchr(v + start, '=', i - start);
        if (!eq)
            return err_auth_pair_without_equals(a, arena_strndup(a, v + start, i - start),
                                                au->header);
        size_t klen = (size_t)(eq - (v + start));
        const char **slot = NULL;
        size_t *slot_len = NULL;
        if (klen == 10 && memcmp(v + start, "Credential", 10) == 0)
            slot = &au->credential, slot_len = &au->credential_len;
        else if (klen == 13 && memcmp(v + start, "SignedHeaders", 13) == 0)
            slot = &au->signed_headers, slot_len = &au->signed_headers_len;
        else if (klen == 9 && memcmp(v + start, "Signature", 9) == 0)
            slot = &au->signature, slot_len = &au->signature_len;
        if (slot && !*slot) {
            w[i] = 0; /* a separator, or the end */
            *slot = w + start + klen + 1, *slot_len = i - start - klen - 1;
        }
    }
    /* An empty SignedHeaders is no missing part: it fails the host check. */
    bool no_cred = !au->credential_len, no_sig = !au->signature_len;
    if (no_cred || no_sig || !au->signed_headers || !date)
        return err_auth_header_incomplete(a, no_cred, no_sig, !au->signed_headers, !date,
                                          au->header);
    au->date = d, au->date_len = date_len;
    au->date_is_http = !hs->amz_date;
    if (token) au->token = t, au->token_len = token_len;
    return NULL;
}

/* The presigned form: every part a query parameter. */
static ddb_error_t *parse_presigned(arena_t *a, sigv4_auth_t *au)
{
    static const char *const names[5] = {"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature",
                                         "X-Amz-SignedHeaders", "X-Amz-Date"};
    const char **slots[5] = {&au->algorithm, &au->credential, &au->signature, &au->signed_headers,
                             &au->date};
    size_t *lens[5] = {&au->algorithm_len, &au->credential_len, &au->signature_len,
                       &au->signed_headers_len, &au->date_len};
    bool missing[5], any = false;
    for (size_t i = 0; i < 5; i++) {
        const sigv4_param_t *p = param_find(au, names[i]);
        missing[i] = !p || !p->value_len;
        any |= missing[i];
        *slots[i] = p ? p->value : NULL;
        *lens[i] = p ? p->value_len : 0;
    }
    if (any)
        return err_auth_query_incomplete(a, missing[0], missing[1], missing[2], missing[3],
                                         missing[4]);
    const sigv4_param_t *e = param_find(au, "X-Amz-Expires");
    const sigv4_param_t *t = param_find(au, "X-Amz-Security-Token");
    if (e) au->expires = e->value, au->expires_len = e->value_len;
    if (t) au->token = t->value, au->token_len = t->value_len;
    return NULL;
}

bool sigv4_has_credentials(const http_request_t *req)
{
    if (http_request_header(req, "authorization")) return true;
    const char *q = memchr(req->path, '?', req->path_len);
    if (!q) return false;
    arena_t *a = arena_new(0);
    sigv4_auth_t au = {0};
    parse_query(a, q + 1, req->path_len - (size_t)(q + 1 - req->path), &au);
    bool found = param_find(&au, "X-Amz-Algorithm") != NULL;
    arena_free(a);
    return found;
}

ddb_error_t *sigv4_parse(arena_t *a, const http_request_t *req, sigv4_auth_t *au)
{
    memset(au, 0, sizeof *au);
    const char *q = memchr(req->path, '?', req->path_len);
    if (q) parse_query(a, q + 1, req->path_len - (size_t)(q + 1 - req->path), au);
    bool presigned = q && param_find(au, "X-Amz-Algorithm") != NULL;
    auth_headers_t hs;
    auth_headers_find(req, &hs);
    if (presigned && hs.authorization) return err_auth_both_forms(a);
    if (!presigned && !hs.authorization) return err_missing_auth(a);
    au->query = presigned;
    if (hs.content_sha256) {
        au->content_sha256 =
            arena_strndup(a, hs.content_sha256->value, hs.content_sha256->value_len);
        au->content_sha256_len = hs.content_sha256->value_len;
    }
    return presigned ? parse_presigned(a, au) : parse_header(a, &hs, au);
}

/* ---- the canonical request ---- */

typedef struct {
    const char *p;
    size_t n;
} span_t;

static int span_cmp(const void *x, const void *y)
{
    const span_t *a = x, *b = y;
    size_t n = a->n < b->n ? a->n : b->n;
    int c = memcmp(a->p, b->p, n);
    return c ? c : (a->n > b->n) - (a->n < b->n);
}

typedef struct {
    span_t name, value;
} query_pair_t;

static int pair_cmp(const void *x, const void *y)
{
    const query_pair_t *a = x, *b = y;
    int c = span_cmp(&a->name, &b->name);
    return c ? c : span_cmp(&a->value, &b->value);
}

/* The signed header names: lower case, without blanks, sorted, each once
 * (list[0..len) as sent). */
static size_t signed_names(arena_t *a, const char *list, size_t len, span_t **out)
{
    /* a name takes at least one byte and its ';' */
    span_t *names = arena_alloc(a, (len / 2 + 1) * sizeof *names);
    char *lower = arena_alloc(a, len + 1);
    lower_copy(lower, list, len);
    size_t n = 0;
    for (size_t i = 0; i <= len;) {
        const char *semi = memchr(lower + i, ';', len - i);
        size_t end = semi ? (size_t)(semi - lower) : len, s = i, e = end;
        while (s < e && (lower[s] == ' ' || lower[s] == '\t'))
            s++;
        while (e > s && (lower[e - 1] == ' ' || lower[e - 1] == '\t'))
            e--;
        if (e > s) names[n++] = (span_t){lower + s, e - s};
        i = end + 1;
    }
    /* Clients send them sorted: check before sorting. */
    size_t sorted = 1;
    while (sorted < n && span_cmp(&names[sorted - 1], &names[sorted]) <= 0)
        sorted++;
    if (sorted < n) qsort(names, n, sizeof *names, span_cmp);
    size_t k = 0;
    for (size_t j = 0; j < n; j++)
        if (k == 0 || span_cmp(&names[k - 1], &names[j]) != 0) names[k++] = names[j];
    *out = names;
    return k;
}

/* A header value with its blanks trimmed and inner runs made one space. */
static char *header_value_canonical(char *o, const char *v, size_t n)
{
    size_t i = 0;
    while (i < n && (v[i] == ' ' || v[i] == '\t'))
        i++;
    while (n > i && (v[n - 1] == ' ' || v[n - 1] == '\t'))
        n--;
    /* Most values hold no blank at all: copied whole. */
    if (!has_blank(v + i, n - i)) {
        memcpy(o, v + i, n - i);
        return o + (n - i);
    }
    bool blank = false;
    for (; i < n; i++) {
        if (v[i] == ' ' || v[i] == '\t') {
            blank = true;
            continue;
        }
        if (blank) *o++ = ' ';
        blank = false;
        *o++ = v[i];
    }
    return o;
}

/* The path without dot segments and repeated slashes, each segment
 * URI-encoded (so an encoded path is encoded twice, as the service wants). */
static char *canonical_path(arena_t *a, char *o, const char *path, size_t n)
{
    if (n == 0 || (n == 1 && path[0] == '/')) { /* every DynamoDB request's */
        *o++ = '/';
        return o;
    }
    span_t *segs = arena_alloc(a, (n / 2 + 1) * sizeof *segs);
    size_t count = 0, i = 0;
    while (i <= n) {
        const char *slash = memchr(path + i, '/', n - i);
        size_t end = slash ? (size_t)(slash - path) : n, len = end - i;
        if (len == 2 && path[i] == '.' && path[i + 1] == '.') {
            if (count) count--;
        } else if (len && !(len == 1 && path[i] == '.')) {
            segs[count++] = (span_t){path + i, len};
        }
        i = end + 1;
    }
    if (path[0] == '/') *o++ = '/';
    for (size_t k = 0; k < count; k++) {
        if (k) *o++ = '/';
        o = uri_encode(o, segs[k].p, segs[k].n);
    }
    if (path[n - 1] == '/' && count) *o++ = '/';
    return o;
}

/* sigv4_canonical_request for the signed header names (signed_names),
 * and its length in *len. */
static char *canonical_build(arena_t *a, const http_request_t *req, const sigv4_auth_t *au,
                             const span_t *names, size_t name_count, const char *payload_hash,
                             size_t hash_len, size_t *len)
{
    size_t values = 0;
    for (size_t i = 0; i < req->header_count; i++)
        values += req->headers[i].value_len + 1;
    size_t cap = req->method_len + 3 * req->path_len + 2 * au->signed_headers_len + name_count * 2 +
                 values + hash_len + 16;
    char *out = arena_alloc(a, cap), *o = out;

    memcpy(o, req->method, req->method_len);
    o += req->method_len;
    *o++ = '\n';
    const char *q = memchr(req->path, '?', req->path_len);
    o = canonical_path(a, o, req->path, q ? (size_t)(q - req->path) : req->path_len);
    *o++ = '\n';

    /* the query: encoded pairs, sorted by name then value */
    if (au->param_count) {
        query_pair_t *pairs = arena_alloc(a, au->param_count * sizeof *pairs);
        size_t np = 0;
        for (size_t i = 0; i < au->param_count; i++) {
            const sigv4_param_t *p = &au->params[i];
            if (au->query && mem_is(p->name, p->name_len, "X-Amz-Signature")) continue;
            char *s = arena_alloc(a, 3 * (p->name_len + p->value_len) + 1);
            char *e = uri_encode(s, p->name, p->name_len);
            pairs[np].name = (span_t){s, (size_t)(e - s)};
            char *f = uri_encode(e, p->value, p->value_len);
            pairs[np++].value = (span_t){e, (size_t)(f - e)};
        }
        qsort(pairs, np, sizeof *pairs, pair_cmp);
        for (size_t i = 0; i < np; i++) {
            if (i) *o++ = '&';
            memcpy(o, pairs[i].name.p, pairs[i].name.n);
            o += pairs[i].name.n;
            *o++ = '=';
            memcpy(o, pairs[i].value.p, pairs[i].value.n);
            o += pairs[i].value.n;
        }
    }
    *o++ = '\n';

    for (size_t k = 0; k < name_count; k++) {
        memcpy(o, names[k].p, names[k].n);
        o += names[k].n;
        *o++ = ':';
        bool first = true;
        for (size_t i = 0; i < req->header_count; i++) {
            const http_header_t *h = &req->headers[i];
            if (h->name_len != names[k].n || !name_ieq(h->name, names[k].p, names[k].n)) continue;
            if (!first) *o++ = ',';
            first = false;
            o = header_value_canonical(o, h->value, h->value_len);
        }
        *o++ = '\n';
    }
    *o++ = '\n';
    for (size_t k = 0; k < name_count; k++) {
        if (k) *o++ = ';';
        memcpy(o, names[k].p, names[k].n);
        o += names[k].n;
    }
    *o++ = '\n';
    memcpy(o, payload_hash, hash_len);
    o[hash_len] = 0;
    *len = (size_t)(o + hash_len - out);
    return out;
}

char *sigv4_canonical_request(arena_t *a, const http_request_t *req, const sigv4_auth_t *au,
                              const char *payload_hash)
{
    span_t *names;
    size_t count = signed_names(a, au->signed_headers, au->signed_headers_len, &names), len;
    return canonical_build(a, req, au, names, count, payload_hash, strlen(payload_hash), &len);
}

/* ---- verification ---- */

/* Whether host is among the signed header names. */
static bool signs_host(const span_t *names, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (names[i].n == 4 && memcmp(names[i].p, "host", 4) == 0) return true;
    return false;
}

/* "15 min", "90 sec" */
static const char *window_text(arena_t *a, int64_t seconds)
{
    return seconds % 60 == 0 ? arena_sprintf(a, "%lld min", (long long)(seconds / 60))
                             : arena_sprintf(a, "%lld sec", (long long)seconds);
}

/* Step 3: the date's format and the request's age. */
static ddb_error_t *check_time(arena_t *a, const sigv4_auth_t *au, int64_t now, int64_t *when)
{
    if (!sigv4_date_parse(au->date, au->date_len, au->date_is_http, when))
        return err_auth_date_format(a, au->date);
    int64_t past = SIGV4_WINDOW_S;
    if (au->query && au->expires) {
        unsigned long long e = 0;
        size_t n = au->expires_len;
        bool ok = n > 0 && n <= 7;
        for (size_t i = 0; ok && i < n; i++) {
            ok = au->expires[i] >= '0' && au->expires[i] <= '9';
            e = e * 10 + (unsigned)(au->expires[i] - '0');
        }
        if (!ok || e < 1 || e > SIGV4_MAX_EXPIRES_S)
            return err_auth_expires_invalid(a, au->expires);
        past = (int64_t)e;
    }
    char t[17], limit[17], n[17];
    if (*when < now - past) {
        sigv4_date_format(*when, t), sigv4_date_format(now - past, limit),
            sigv4_date_format(now, n);
        return err_auth_expired(a, t, limit, n, window_text(a, past));
    }
    if (*when > now + SIGV4_WINDOW_S) {
        sigv4_date_format(*when, t), sigv4_date_format(now + SIGV4_WINDOW_S, limit);
        sigv4_date_format(now, n);
        return err_auth_not_yet_current(a, t, limit, n, window_text(a, SIGV4_WINDOW_S));
    }
    return NULL;
}

/* The credential's parts: key id, day, region, service, terminator. */
typedef struct {
    span_t part[5];
} credential_t;

/* Split cred[0..n) on '/' as the service does (trailing empty parts
 * dropped); false unless exactly five remain. */
static bool credential_split(const char *cred, size_t n, credential_t *c)
{
    while (n > 0 && cred[n - 1] == '/')
        n--;
    size_t count = 0, i = 0;
    while (i <= n) {
        const char *slash = memchr(cred + i, '/', n - i);
        size_t end = slash ? (size_t)(slash - cred) : n;
        if (count == 5) return false;
        c->part[count++] = (span_t){cred + i, end - i};
        i = end + 1;
    }
    return count == 5;
}

static bool span_is(span_t s, const char *lit, size_t n)
{
    return s.n == n && memcmp(s.p, lit, n) == 0;
}

static ddb_error_t *check_scope(arena_t *a, const credential_t *c, const char *iso,
                                const sigv4_verifier_t *v)
{
    bool region = !span_is(c->part[2], v->region, strlen(v->region));
    bool service = !span_is(c->part[3], v->service, strlen(v->service));
    bool term = !span_is(c->part[4], "aws4_request", 12);
    bool day = !(c->part[1].n == 8 && memcmp(c->part[1].p, iso, 8) == 0);
    if (!region && !service && !term && !day) return NULL;
    return err_auth_scope(a, region, service,
                          term ? arena_strndup(a, c->part[4].p, c->part[4].n) : NULL,
                          day ? arena_strndup(a, c->part[1].p, c->part[1].n) : NULL, iso);
}

/* The signature against the expected one, in time independent of where
 * they differ: 64 hex digits as eight words. */
static bool signature_equal(const char *sent, size_t n, const char expected[64])
{
    if (n != 64) return false;
    uint64_t diff = 0;
    for (size_t i = 0; i < 64; i += 8) {
        uint64_t x, y;
        memcpy(&x, sent + i, 8);
        memcpy(&y, expected + i, 8);
        diff |= x ^ y;
    }
    return diff == 0;
}

static bool secret_equal(const char *a, size_t an, const char *b, size_t bn)
{
    return an == bn && CRYPTO_memcmp(a, b, an) == 0;
}

ddb_error_t *sigv4_verify(arena_t *a, const http_request_t *req, const sigv4_verifier_t *v,
                          const sigv4_key_t **key)
{
    *key = NULL;
    sigv4_auth_t au;
    ddb_error_t *e = sigv4_parse(a, req, &au);
    if (e) return e;
    int64_t when;
    if ((e = check_time(a, &au, v->now, &when))) return e;
    span_t *names;
    size_t name_count = signed_names(a, au.signed_headers, au.signed_headers_len, &names);
    if (!signs_host(names, name_count)) return err_auth_host_not_signed(a);
    if (au.algorithm_len != sizeof SIGV4_ALGORITHM - 1 ||
        memcmp(au.algorithm, SIGV4_ALGORITHM, sizeof SIGV4_ALGORITHM - 1) != 0)
        return err_auth_algorithm(a, au.algorithm);
    credential_t c;
    if (!credential_split(au.credential, au.credential_len, &c))
        return err_auth_credential_shape(a, au.credential);
    /* A date of 16 characters that parsed is in the ISO form already (an
     * HTTP date is longer), and the ISO form of its time. */
    char iso[17];
    if (au.date_len == 16)
        memcpy(iso, au.date, 17);
    else
        sigv4_date_format(when, iso);
    if ((e = check_scope(a, &c, iso, v))) return e;
    const sigv4_key_t *k = v->find_key(v->keys, c.part[0].p, c.part[0].n);
    if (!k) return err_auth_unknown_key(a);

    char body_hash[65];
    sigv4_sha256_hex(req->body, req->body_len, body_hash);
    const char *payload = au.content_sha256 ? au.content_sha256 : body_hash;
    size_t payload_len = au.content_sha256 ? au.content_sha256_len : 64;
    size_t canonical_len;
    char *canonical =
        canonical_build(a, req, &au, names, name_count, payload, payload_len, &canonical_len);
    /* "AWS4-HMAC-SHA256\n<iso>\n<day>/<region>/<service>/aws4_request\n<hash>" */
    size_t scope_len = (size_t)(c.part[4].p + c.part[4].n - c.part[1].p);
    size_t sts_len = sizeof SIGV4_ALGORITHM + 17 + scope_len + 1 + 64;
    char *sts = arena_alloc(a, sts_len + 1), *o = sts;
    memcpy(o, SIGV4_ALGORITHM "\n", sizeof SIGV4_ALGORITHM);
    o += sizeof SIGV4_ALGORITHM;
    memcpy(o, iso, 16);
    o += 16;
    *o++ = '\n';
    memcpy(o, c.part[1].p, scope_len);
    o += scope_len;
    *o++ = '\n';
    sigv4_sha256_hex(canonical, canonical_len, o);
    o += 64;

    /* The scope checked above is "<day>/<region>/<service>/aws4_request":
     * its first three parts name the signing key. */
    char day[9];
    memcpy(day, iso, 8);
    day[8] = 0;
    cache_entry_t spare;
    const cache_entry_t *pads =
        signing_pads(k, c.part[1].p, (size_t)(c.part[3].p + c.part[3].n - c.part[1].p), day,
                     v->region, v->service, &spare);
    uint8_t mac[32];
    hmac_finish(&pads->inner, &pads->outer, sts, (size_t)(o - sts), mac);
    if (pads == &spare) OPENSSL_cleanse(&spare, sizeof spare);
    char expected[65];
    hex_encode(mac, expected);
    if (!signature_equal(au.signature, au.signature_len, expected) ||
        (au.content_sha256 && (payload_len != 64 || memcmp(au.content_sha256, body_hash, 64) != 0)))
        return err_auth_signature_mismatch(a);

    if (k->session_token ? !au.token || !secret_equal(au.token, au.token_len, k->session_token,
                                                      strlen(k->session_token))
                         : au.token != NULL)
        return err_auth_unknown_key(a);
    *key = k;
    return NULL;
}
