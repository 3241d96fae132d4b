/* expr_parse: recursive-descent parser from tokens to the expression tree.
 *
 * Grammar (the service's; keywords in capitals are case-insensitive):
 *   condition  := condition OR condition | condition AND condition
 *               | NOT condition | '(' condition ')'
 *               | operand comparator operand
 *               | operand BETWEEN operand AND operand
 *               | operand IN '(' operand (',' operand)* ')'
 *               | function
 *   operand    := path | :value | function | '(' operand ')'
 *   function   := ID '(' operand (',' operand)* ')'
 *   path       := (ID | #name) ('.' (ID | #name) | '[' INDEX ']')*
 *   update     := (SET set_action (',' set_action)*
 *                 | REMOVE path (',' path)*
 *                 | ADD path :value (',' path :value)*
 *                 | DELETE path :value (',' path :value)*)+
 *   set_action := path '=' (operand | arithmetic)
 *   arithmetic := operand ('+' | '-') operand | '(' arithmetic ')'
 *   projection := path (',' path)*
 * NOT binds tighter than AND, AND tighter than OR; comparisons are atoms.
 *
 * Two parentheses directly around the same thing are an error ("redundant
 * parentheses"), raised when the outer one closes, so it wins over a syntax
 * error further right.  A syntax error names the offending token and the
 * text from the token before it to the token after it.
 *
 * Where a '(' opens, the lexer has noted whether a comparator, logical
 * keyword or '+'/'-' sits directly inside; with the token after the
 * matching ')' that decides between the readings without backtracking.
 */
#include <stdlib.h>
#include <string.h>

#include "expr_internal.h"

const char *expr_kind_name(expr_kind_t kind)
{
    switch (kind) {
    case EXPR_CONDITION: return "ConditionExpression";
    case EXPR_FILTER: return "FilterExpression";
    case EXPR_KEY_CONDITION: return "KeyConditionExpression";
    case EXPR_PROJECTION: return "ProjectionExpression";
    case EXPR_UPDATE: return "UpdateExpression";
    }
    return "Expression";
}


typedef struct {
    arena_t *a;
    expr_kind_t kind;
    const char *text;
    size_t len;
    expr_token_t *t;
    size_t n;   /* tokens, the last being TOK_EOF */
    size_t pos; /* current token */
    unsigned depth;
    ddb_error_t *err;
} parser_t;

expr_node_t *expr_node_new(arena_t *a, expr_node_kind_t kind, uint32_t tok)
{
    expr_node_t *n = arena_alloc(a, sizeof *n);
    memset(n, 0, sizeof *n);
    n->kind = (uint8_t)kind;
    n->tok = tok;
    return n;
}

static int cur(const parser_t *p) { return p->t[p->pos].kind; }
static int peek(const parser_t *p, size_t k)
{
    size_t i = p->pos + k;
    return i < p->n ? p->t[i].kind : TOK_EOF;
}

static void syntax_error(parser_t *p, size_t i)
{
    if (p->err) return;
    const expr_token_t *t = &p->t[i];
    const char *tok = t->kind == TOK_EOF ? "<EOF>" : p->text + t->start;
    size_t tok_len = t->kind == TOK_EOF ? 5 : t->len;
    /* near: the previous token, the token and the next one, with the
     * whitespace between them; an end of input shows as nothing. */
    size_t from = i > 0 ? p->t[i - 1].start : 0;
    size_t to = t->kind == TOK_EOF || i + 1 >= p->n ? p->len
                : p->t[i + 1].kind == TOK_EOF       ? p->len
                                                    : p->t[i + 1].start + p->t[i + 1].len;
    p->err =
        err_expr_syntax(p->a, expr_kind_name(p->kind), tok, tok_len, p->text + from, to - from);
}

static bool expect(parser_t *p, int kind)
{
    if (cur(p) != kind) {
        syntax_error(p, p->pos);
        return false;
    }
    p->pos++;
    return true;
}

/* Nesting guard: a deeper expression cannot stay within the operator limit. */
static bool enter(parser_t *p)
{
    if (++p->depth <= EXPR_MAX_NESTING) return true;
    if (!p->err)
        p->err = err_expr_too_many_operators(p->a, expr_kind_name(p->kind), EXPR_MAX_OPERATORS + 1);
    return false;
}

static void leave(parser_t *p) { p->depth--; }

static bool redundant(parser_t *p, expr_node_t *inner)
{
    if (!inner->paren) {
        inner->paren = 1;
        return false;
    }
    if (!p->err) p->err = err_expr_redundant_parens(p->a, expr_kind_name(p->kind));
    return true;
}

/* --- paths, operands, functions ------------------------------------------- */

static size_t index_value(const char *s, size_t len)
{
    size_t v = 0;
    for (size_t i = 0; i < len; i++) {
        v = v * 10 + (size_t)(s[i] - '0');
        if (v > (size_t)INT32_MAX) return SIZE_MAX; /* rejected by the checks */
    }
    return v;
}

static expr_node_t *parse_path(parser_t *p)
{
    size_t first = p->pos;
    if (cur(p) != TOK_ID && cur(p) != TOK_NAME) {
        syntax_error(p, p->pos);
        return NULL;
    }
    /* count the well-formed steps, then fill them */
    size_t count = 1, i = first + 1;
    for (;;) {
        int k = p->t[i].kind;
        if (k == TOK_DOT && (p->t[i + 1].kind == TOK_ID || p->t[i + 1].kind == TOK_NAME)) {
            i += 2;
        } else if (k == TOK_LBRACKET && p->t[i + 1].kind == TOK_INDEX &&
                   p->t[i + 2].kind == TOK_RBRACKET) {
            i += 3;
        } else {
            break;
        }
        count++;
    }
    expr_node_t *n = expr_node_new(p->a, NODE_PATH, (uint32_t)first);
    expr_path_step_t *steps = arena_alloc(p->a, count * sizeof *steps);
    i = first;
    for (size_t s = 0; s < count; s++) {
        if (s > 0 && p->t[i].kind == TOK_LBRACKET) {
            const expr_token_t *t = &p->t[i + 1];
            steps[s].is_index = true;
            steps[s].index = index_value(p->text + t->start, t->len);
            steps[s].name = NULL;
            steps[s].name_len = 0;
            i += 3;
            continue;
        }
        if (s > 0) i++; /* '.' */
        const expr_token_t *t = &p->t[i];
        steps[s].is_index = false;
        steps[s].index = t->kind == TOK_NAME; /* placeholder, resolved later */
        steps[s].name = p->text + t->start;
        steps[s].name_len = t->len;
        i++;
    }
    n->u.path.steps = steps;
    n->u.path.count = count;
    p->pos = i;
    /* a '.' or '[' that does not continue the path is the error */
    if (cur(p) == TOK_DOT) {
        syntax_error(p, p->pos + 1);
        return NULL;
    }
    if (cur(p) == TOK_LBRACKET) {
        syntax_error(p, p->t[p->pos + 1].kind == TOK_INDEX ? p->pos + 2 : p->pos + 1);
        return NULL;
    }
    return n;
}

static expr_node_t *parse_operand(parser_t *p);

static expr_fn_t function_id(const char *s, size_t len)
{
    static const struct {
        const char *name;
        expr_fn_t fn;
    } functions[] = {
        {"attribute_exists", FN_ATTRIBUTE_EXISTS},
        {"attribute_not_exists", FN_ATTRIBUTE_NOT_EXISTS},
        {"attribute_type", FN_ATTRIBUTE_TYPE},
        {"begins_with", FN_BEGINS_WITH},
        {"contains", FN_CONTAINS},
        {"size", FN_SIZE},
        {"if_not_exists", FN_IF_NOT_EXISTS},
        {"list_append", FN_LIST_APPEND},
    };
    for (size_t i = 0; i < sizeof functions / sizeof functions[0]; i++)
        if (strlen(functions[i].name) == len && memcmp(functions[i].name, s, len) == 0)
            return functions[i].fn;
    return FN_UNKNOWN;
}

/* operand (',' operand)* ')' appended to n's kids; the '(' is consumed. */
static bool parse_operand_list(parser_t *p, expr_node_t *n)
{
    expr_node_t **tail = &n->kids;
    while (*tail)
        tail = &(*tail)->next;
    for (;;) {
        expr_node_t *o = parse_operand(p);
        if (!o) return false;
        *tail = o;
        tail = &o->next;
        n->nkids++;
        if (cur(p) == TOK_COMMA) {
            p->pos++;
            continue;
        }
        return expect(p, TOK_RPAREN);
    }
}

static expr_node_t *parse_function(parser_t *p)
{
    size_t name = p->pos;
    expr_node_t *n = expr_node_new(p->a, NODE_FUNC, (uint32_t)name);
    n->op = (uint8_t)function_id(p->text + p->t[name].start, p->t[name].len);
    p->pos += 2; /* ID '(' */
    if (!enter(p)) return NULL;
    bool ok = parse_operand_list(p, n);
    leave(p);
    return ok ? n : NULL;
}

static expr_node_t *parse_operand(parser_t *p)
{
    switch (cur(p)) {
    case TOK_LPAREN: {
        p->pos++;
        if (!enter(p)) return NULL;
        expr_node_t *inner = parse_operand(p);
        leave(p);
        if (!inner || !expect(p, TOK_RPAREN) || redundant(p, inner)) return NULL;
        return inner;
    }
    case TOK_ID:
        if (peek(p, 1) == TOK_LPAREN) return parse_function(p);
        return parse_path(p);
    case TOK_NAME: return parse_path(p);
    case TOK_VALUE: {
        expr_node_t *n = expr_node_new(p->a, NODE_VALUE, (uint32_t)p->pos);
        p->pos++;
        return n;
    }
    default: syntax_error(p, p->pos); return NULL;
    }
}

/* --- conditions -------------------------------------------------------------- */

static expr_node_t *parse_or(parser_t *p);

static expr_node_t *binary(parser_t *p, expr_node_kind_t kind, size_t tok, expr_node_t *l,
                           expr_node_t *r)
{
    expr_node_t *n = expr_node_new(p->a, kind, (uint32_t)tok);
    n->kids = l;
    l->next = r;
    n->nkids = 2;
    return n;
}

static expr_node_t *parse_comparison(parser_t *p)
{
    expr_node_t *left = parse_operand(p);
    if (!left) return NULL;
    size_t op = p->pos;
    int k = cur(p);
    if (expr_tok_is_comparator(k)) {
        p->pos++;
        expr_node_t *right = parse_operand(p);
        if (!right) return NULL;
        expr_node_t *n = binary(p, NODE_CMP, op, left, right);
        n->op = (uint8_t)(k - TOK_EQ);
        return n;
    }
    if (k == TOK_BETWEEN) {
        p->pos++;
        expr_node_t *lo = parse_operand(p);
        if (!lo || !expect(p, TOK_AND)) return NULL;
        expr_node_t *hi = parse_operand(p);
        if (!hi) return NULL;
        expr_node_t *n = binary(p, NODE_BETWEEN, op, left, lo);
        lo->next = hi;
        n->nkids = 3;
        return n;
    }
    if (k == TOK_IN) {
        p->pos++;
        if (!expect(p, TOK_LPAREN)) return NULL;
        expr_node_t *n = expr_node_new(p->a, NODE_IN, (uint32_t)op);
        n->kids = left;
        n->nkids = 1;
        return parse_operand_list(p, n) ? n : NULL;
    }
    syntax_error(p, p->pos);
    return NULL;
}

/* The '(' at token i's flags; a group holding nothing but another group
 * reads as that group (so "((b + c))" is arithmetic, redundantly wrapped). */
static unsigned group_flags(const parser_t *p, size_t i)
{
    while (p->t[i].match >= 0 && p->t[i + 1].kind == TOK_LPAREN &&
           p->t[i + 1].match == p->t[i].match - 1)
        i++;
    return p->t[i].flags;
}

/* After the ')' matching the '(' at token i, does a comparison go on? */
static bool comparison_follows(const parser_t *p, size_t i)
{
    int32_t close = p->t[i].match;
    if (close < 0) return false;
    int k = p->t[close + 1].kind;
    return expr_tok_is_comparator(k) || k == TOK_BETWEEN || k == TOK_IN;
}

static expr_node_t *parse_primary(parser_t *p)
{
    if (cur(p) == TOK_LPAREN &&
        ((group_flags(p, p->pos) & TOKF_COND) || !comparison_follows(p, p->pos))) {
        p->pos++;
        expr_node_t *inner = parse_or(p);
        if (!inner || !expect(p, TOK_RPAREN) || redundant(p, inner)) return NULL;
        return inner;
    }
    if (cur(p) == TOK_ID && peek(p, 1) == TOK_LPAREN && !comparison_follows(p, p->pos + 1))
        return parse_function(p); /* a function as a condition */
    return parse_comparison(p);
}

static expr_node_t *parse_not(parser_t *p)
{
    if (!enter(p)) return NULL;
    expr_node_t *n;
    if (cur(p) == TOK_NOT) {
        size_t tok = p->pos++;
        expr_node_t *operand = parse_not(p);
        if (!operand) {
            n = NULL;
        } else {
            n = expr_node_new(p->a, NODE_NOT, (uint32_t)tok);
            n->kids = operand;
            n->nkids = 1;
        }
    } else {
        n = parse_primary(p);
    }
    leave(p);
    return n;
}

static expr_node_t *parse_and(parser_t *p)
{
    expr_node_t *left = parse_not(p);
    while (left && cur(p) == TOK_AND) {
        size_t tok = p->pos++;
        expr_node_t *right = parse_not(p);
        left = right ? binary(p, NODE_AND, tok, left, right) : NULL;
    }
    return left;
}

static expr_node_t *parse_or(parser_t *p)
{
    expr_node_t *left = parse_and(p);
    while (left && cur(p) == TOK_OR) {
        size_t tok = p->pos++;
        expr_node_t *right = parse_and(p);
        left = right ? binary(p, NODE_OR, tok, left, right) : NULL;
    }
    return left;
}

/* --- updates ------------------------------------------------------------------ */

static expr_node_t *parse_arith_group(parser_t *p);

/* operand ('+' | '-') operand, the first operand already read. */
static expr_node_t *parse_arith_rest(parser_t *p, expr_node_t *left)
{
    size_t op = p->pos;
    int k = cur(p);
    if (k != TOK_PLUS && k != TOK_MINUS) {
        syntax_error(p, p->pos);
        return NULL;
    }
    p->pos++;
    expr_node_t *right = parse_operand(p);
    if (!right) return NULL;
    expr_node_t *n = binary(p, NODE_ARITH, op, left, right);
    n->op = k == TOK_PLUS ? ARITH_PLUS : ARITH_MINUS;
    return n;
}

static expr_node_t *parse_arith_group(parser_t *p)
{
    p->pos++; /* '(' */
    if (!enter(p)) return NULL;
    expr_node_t *inner;
    if (cur(p) == TOK_LPAREN && (group_flags(p, p->pos) & TOKF_ARITH)) {
        inner = parse_arith_group(p);
    } else {
        inner = parse_operand(p);
        if (inner) inner = parse_arith_rest(p, inner);
    }
    leave(p);
    if (!inner || !expect(p, TOK_RPAREN) || redundant(p, inner)) return NULL;
    return inner;
}

static expr_node_t *parse_set_value(parser_t *p)
{
    if (cur(p) == TOK_LPAREN && (group_flags(p, p->pos) & TOKF_ARITH)) return parse_arith_group(p);
    expr_node_t *left = parse_operand(p);
    if (!left) return NULL;
    if (cur(p) == TOK_PLUS || cur(p) == TOK_MINUS) return parse_arith_rest(p, left);
    return left;
}

typedef struct action_list {
    expr_action_t action;
    struct action_list *next;
} action_list_t;

static bool parse_update(parser_t *p, expr_t *e)
{
    action_list_t *head = NULL, **tail = &head;
    size_t count = 0;
    unsigned section = 0;
    do {
        int k = cur(p);
        if (k != TOK_SET && k != TOK_REMOVE && k != TOK_ADD && k != TOK_DELETE) {
            syntax_error(p, p->pos);
            return false;
        }
        p->pos++;
        do {
            action_list_t *l = arena_alloc(p->a, sizeof *l);
            memset(l, 0, sizeof *l);
            l->action.section = (uint8_t)(section < 255 ? section : 255);
            l->action.kind = k == TOK_SET      ? ACT_SET
                             : k == TOK_REMOVE ? ACT_REMOVE
                             : k == TOK_ADD    ? ACT_ADD
                                               : ACT_DELETE;
            if (!(l->action.path = parse_path(p))) return false;
            if (k == TOK_SET) {
                if (!expect(p, TOK_EQ) || !(l->action.value = parse_set_value(p))) return false;
            } else if (k == TOK_ADD || k == TOK_DELETE) {
                if (cur(p) != TOK_VALUE) {
                    syntax_error(p, p->pos);
                    return false;
                }
                l->action.value = expr_node_new(p->a, NODE_VALUE, (uint32_t)p->pos++);
            }
            *tail = l;
            tail = &l->next;
            count++;
        } while (cur(p) == TOK_COMMA && (++p->pos, true));
        section++;
    } while (cur(p) != TOK_EOF);
    e->actions = arena_alloc(p->a, count * sizeof *e->actions);
    e->nactions = count;
    size_t i = 0;
    for (action_list_t *l = head; l; l = l->next)
        e->actions[i++] = l->action;
    return true;
}

static bool parse_projection(parser_t *p, expr_t *e)
{
    size_t count = 1;
    /* a projection is a flat list: one node per path */
    expr_node_t *head = parse_path(p), *last = head;
    if (!head) return false;
    while (cur(p) == TOK_COMMA) {
        p->pos++;
        expr_node_t *n = parse_path(p);
        if (!n) return false;
        last->next = n;
        last = n;
        count++;
    }
    if (cur(p) != TOK_EOF) {
        syntax_error(p, p->pos);
        return false;
    }
    e->root = head;
    e->npaths = count;
    return true;
}

ddb_error_t *expr_syntax_parse(arena_t *a, expr_kind_t kind, const char *text, size_t len,
                               expr_t *e)
{
    parser_t p = {.a = a, .kind = kind, .text = text, .len = len};
    p.t = arena_alloc(a, (len + 1) * sizeof *p.t);
    p.n = expr_lex(text, len, p.t);
    e->kind = kind;
    e->text = text;
    e->toks = p.t;
    switch (kind) {
    case EXPR_UPDATE: parse_update(&p, e); break;
    case EXPR_PROJECTION: parse_projection(&p, e); break;
    default:
        e->root = parse_or(&p);
        if (e->root && cur(&p) != TOK_EOF) syntax_error(&p, p.pos);
        break;
    }
    return p.err;
}
