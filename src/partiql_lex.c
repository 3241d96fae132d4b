/* partiql_lex: the PartiQL tokenizer; see partiql.h.  Comments (-- to the
 * end of the line, block comments) and whitespace are dropped here. */
#include <ctype.h>
#include <string.h>

#include "partiql.h"

static bool ident_start(char c) { return isalpha((unsigned char)c) || c == '_' || c == '$'; }
static bool ident_char(char c) { return isalnum((unsigned char)c) || c == '_' || c == '$'; }

/* The end of a quoted token starting at i (the quote doubled inside), or
 * len + 1 when it is not closed. */
static size_t quoted_end(const char *s, size_t len, size_t i, char q)
{
    for (i++; i < len; i++) {
        if (s[i] != q) continue;
        if (i + 1 < len && s[i + 1] == q) {
            i++;
            continue;
        }
        return i + 1;
    }
    return len + 1;
}

static size_t number_end(const char *s, size_t len, size_t i)
{
    while (i < len && isdigit((unsigned char)s[i])) i++;
    if (i < len && s[i] == '.') {
        i++;
        while (i < len && isdigit((unsigned char)s[i])) i++;
    }
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        size_t j = i + 1;
        if (j < len && (s[j] == '+' || s[j] == '-')) j++;
        if (j < len && isdigit((unsigned char)s[j])) {
            while (j < len && isdigit((unsigned char)s[j])) j++;
            i = j;
        }
    }
    return i;
}

/* One- and two-character operators; 0 when s[i] starts none. */
static int punct(const char *s, size_t len, size_t i, size_t *n)
{
    char c = s[i], d = i + 1 < len ? s[i + 1] : 0;
    *n = 2;
    if (c == '<' && d == '<') return PQT_BAG_OPEN;
    if (c == '>' && d == '>') return PQT_BAG_CLOSE;
    if ((c == '<' && d == '>') || (c == '!' && d == '=')) return PQT_NE;
    if (c == '<' && d == '=') return PQT_LE;
    if (c == '>' && d == '=') return PQT_GE;
    *n = 1;
    static const char chars[] = "()[]{},.*;:=<>+-?";
    static const uint8_t kinds[] = {PQT_LPAREN,   PQT_RPAREN, PQT_LBRACKET,  PQT_RBRACKET,
                                    PQT_LBRACE,   PQT_RBRACE, PQT_COMMA,     PQT_DOT,
                                    PQT_STAR,     PQT_SEMICOLON, PQT_COLON,  PQT_EQ,
                                    PQT_LT,       PQT_GT,     PQT_PLUS,      PQT_MINUS,
                                    PQT_PARAM};
    const char *at = c ? strchr(chars, c) : NULL;
    return at ? kinds[at - chars] : 0;
}

size_t partiql_lex(const char *s, size_t len, partiql_token_t *toks)
{
    size_t n = 0, i = 0;
    while (i < len) {
        char c = s[i];
        if (isspace((unsigned char)c)) {
            i++;
            continue;
        }
        if (c == '-' && i + 1 < len && s[i + 1] == '-') {
            while (i < len && s[i] != '\n') i++;
            continue;
        }
        if (c == '/' && i + 1 < len && s[i + 1] == '*') {
            const char *end = memmem(s + i + 2, len - i - 2, "*/", 2);
            if (!end) {
                toks[n++] = (partiql_token_t){PQT_UNTERMINATED, (uint32_t)i, (uint32_t)(len - i)};
                return n;
            }
            i = (size_t)(end - s) + 2;
            continue;
        }
        size_t end, plen;
        int kind;
        if (ident_start(c)) {
            for (end = i + 1; end < len && ident_char(s[end]); end++) {}
            kind = PQT_IDENT;
        } else if (c == '"' || c == '\'') {
            end = quoted_end(s, len, i, c);
            if (end > len) {
                toks[n++] = (partiql_token_t){PQT_UNTERMINATED, (uint32_t)i, (uint32_t)(len - i)};
                return n;
            }
            kind = c == '"' ? PQT_QIDENT : PQT_STRING;
        } else if (isdigit((unsigned char)c) ||
                   (c == '.' && i + 1 < len && isdigit((unsigned char)s[i + 1]))) {
            end = number_end(s, len, i);
            kind = PQT_NUMBER;
        } else if ((kind = punct(s, len, i, &plen))) {
            end = i + plen;
        } else {
            end = i + 1;
            kind = PQT_UNKNOWN;
        }
        toks[n++] = (partiql_token_t){(uint8_t)kind, (uint32_t)i, (uint32_t)(end - i)};
        i = end;
    }
    toks[n++] = (partiql_token_t){PQT_EOF, (uint32_t)len, 0};
    return n;
}
