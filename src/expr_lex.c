/* expr_lex: the tokenizer of the expression language.
 *
 * The service's lexical rules: whitespace is [ \t\r\n]; names start with a
 * letter and continue with letters, digits and '_'; #x and :x placeholders
 * take one or more of those; list indexes are 0 or a number without leading
 * zeros ("01" is two indexes); IN BETWEEN NOT AND OR SET ADD DELETE REMOVE
 * are keywords in any case; anything else is a one-character token that no
 * grammar rule accepts, so it surfaces as the syntax error's token.
 *
 * The lexer also matches parentheses, so the parser can tell a condition in
 * parentheses from an operand in parentheses without backtracking.
 */
#include <string.h>

#include "expr_internal.h"

static bool is_letter(unsigned char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }
static bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static bool is_name_char(unsigned char c) { return is_letter(c) || is_digit(c) || c == '_'; }

static const struct {
    const char *word;
    uint8_t len;
    uint8_t kind;
} keywords[] = {
    {"IN", 2, TOK_IN},         {"OR", 2, TOK_OR},         {"NOT", 3, TOK_NOT},
    {"AND", 3, TOK_AND},       {"SET", 3, TOK_SET},       {"ADD", 3, TOK_ADD},
    {"DELETE", 6, TOK_DELETE}, {"REMOVE", 6, TOK_REMOVE}, {"BETWEEN", 7, TOK_BETWEEN},
};

static int keyword_kind(const char *s, size_t len)
{
    if (len < 2 || len > 7) return TOK_ID;
    for (size_t k = 0; k < sizeof keywords / sizeof keywords[0]; k++) {
        if (keywords[k].len != len) continue;
        size_t i = 0;
        while (i < len && (s[i] & ~0x20) == keywords[k].word[i])
            i++;
        if (i == len) return keywords[k].kind;
    }
    return TOK_ID;
}

/* Length of the UTF-8 character at s (1 for a stray byte). */
static size_t utf8_char_len(const unsigned char *s, size_t avail)
{
    size_t n = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc0 ? 2 : 1;
    if (n > avail) return 1;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xc0) != 0x80) return 1;
    return n;
}

size_t expr_lex(const char *text, size_t len, expr_token_t *toks)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t n = 0, i = 0;
    int32_t open = -1; /* innermost unclosed '(' (chained through match) */
    while (i < len) {
        unsigned char c = s[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            i++;
            continue;
        }
        expr_token_t *t = &toks[n];
        t->start = (uint32_t)i;
        t->flags = 0;
        t->match = -1;
        size_t j = i + 1;
        int kind = TOK_UNKNOWN;
        switch (c) {
        case ',': kind = TOK_COMMA; break;
        case '(': kind = TOK_LPAREN; break;
        case ')': kind = TOK_RPAREN; break;
        case '.': kind = TOK_DOT; break;
        case '[': kind = TOK_LBRACKET; break;
        case ']': kind = TOK_RBRACKET; break;
        case '=': kind = TOK_EQ; break;
        case '+': kind = TOK_PLUS; break;
        case '-': kind = TOK_MINUS; break;
        case '<':
            kind = TOK_LT;
            if (j < len && s[j] == '>')
                kind = TOK_NE, j++;
            else if (j < len && s[j] == '=')
                kind = TOK_LE, j++;
            break;
        case '>':
            kind = TOK_GT;
            if (j < len && s[j] == '=') kind = TOK_GE, j++;
            break;
        case '#':
        case ':':
            while (j < len && is_name_char(s[j]))
                j++;
            if (j > i + 1) kind = c == '#' ? TOK_NAME : TOK_VALUE;
            break;
        default:
            if (is_letter(c)) {
                while (j < len && is_name_char(s[j]))
                    j++;
                kind = keyword_kind(text + i, j - i);
            } else if (c == '0') {
                kind = TOK_INDEX;
            } else if (is_digit(c)) {
                while (j < len && is_digit(s[j]))
                    j++;
                kind = TOK_INDEX;
            } else {
                j = i + utf8_char_len(s + i, len - i);
            }
        }
        t->kind = (uint8_t)kind;
        t->len = (uint32_t)(j - i);
        if (kind == TOK_LPAREN) {
            t->match = open; /* parent link until closed */
            open = (int32_t)n;
        } else if (kind == TOK_RPAREN && open >= 0) {
            int32_t parent = toks[open].match;
            toks[open].match = (int32_t)n;
            open = parent;
        } else if (open >= 0) {
            if (expr_tok_is_comparator(kind) || (kind >= TOK_IN && kind <= TOK_OR))
                toks[open].flags |= TOKF_COND;
            else if (kind == TOK_PLUS || kind == TOK_MINUS)
                toks[open].flags |= TOKF_ARITH;
        }
        n++;
        i = j;
    }
    /* parentheses never closed */
    while (open >= 0) {
        int32_t parent = toks[open].match;
        toks[open].match = -1;
        open = parent;
    }
    toks[n].kind = TOK_EOF;
    toks[n].flags = 0;
    toks[n].start = (uint32_t)len;
    toks[n].len = 0;
    toks[n].match = -1;
    return n + 1;
}
