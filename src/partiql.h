/* partiql: DynamoDB's PartiQL statements, read into a small statement tree.
 *
 * partiql_lex turns the text into tokens (comments dropped); partiql_parse
 * reads one statement (SELECT, INSERT, UPDATE, DELETE, and the
 * EXISTS(SELECT ...) check of transactions) into a
 * partiql_statement_t whose WHERE clause, SET values and INSERT item are
 * trees of partiql_node_t.  Nothing here evaluates anything: the executor
 * (ops/partiql.c) lowers a statement onto the item operations and the
 * expression language of expr.h, so one evaluator serves both.
 *
 * Literals are kept as AttributeValue JSON text ('a' -> {"S":"a"}, 1.50 ->
 * {"N":"1.5"}, <<1,2>> -> {"NS":["1","2"]}); a `?` inside a list or tuple
 * literal is written as the bytes PARTIQL_PARAM_MARK, its decimal index and
 * PARTIQL_PARAM_MARK, which partiql_literal_render replaces by the bound
 * parameter (the JSON writer escapes control bytes, so the mark cannot
 * occur otherwise).
 *
 * Every error is the service's ValidationException text (errors.c); all
 * memory comes from the arena.
 */
#ifndef DDBD_PARTIQL_H
#define DDBD_PARTIQL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "buf.h"
#include "errors.h"
#include "expr.h"
#include "value.h"

#define PARTIQL_MAX_LENGTH 8192 /* characters of a statement */
#define PARTIQL_MAX_DEPTH 200   /* nesting of conditions and literals */
#define PARTIQL_PARAM_MARK '\x01'

/* --- tokens ----------------------------------------------------------------- */

typedef enum {
    PQT_EOF,
    PQT_IDENT,   /* bare name or keyword: [A-Za-z_$][A-Za-z0-9_$]* */
    PQT_QIDENT,  /* "quoted name" ("" inside is one ") */
    PQT_STRING,  /* 'text' ('' inside is one ') */
    PQT_NUMBER,  /* 12, 1.5, .5, 7e3 */
    PQT_PARAM,   /* ? */
    PQT_LPAREN,
    PQT_RPAREN,
    PQT_LBRACKET,
    PQT_RBRACKET,
    PQT_LBRACE,
    PQT_RBRACE,
    PQT_BAG_OPEN,  /* << */
    PQT_BAG_CLOSE, /* >> */
    PQT_COMMA,
    PQT_DOT,
    PQT_STAR,
    PQT_SEMICOLON,
    PQT_COLON,
    PQT_EQ,
    PQT_NE, /* <> or != */
    PQT_LT,
    PQT_LE,
    PQT_GT,
    PQT_GE,
    PQT_PLUS,
    PQT_MINUS,
    PQT_UNKNOWN,      /* any other character, e.g. # */
    PQT_UNTERMINATED, /* a string, name or block comment without its end */
} partiql_tok_kind_t;

typedef struct {
    uint8_t kind;
    uint32_t start; /* byte offset */
    uint32_t len;
} partiql_token_t;

/* Tokenize text[0..len) into toks (room for len + 1); the last token is
 * PQT_EOF (or PQT_UNTERMINATED).  Returns the number of tokens. */
size_t partiql_lex(const char *text, size_t len, partiql_token_t *toks);

/* --- statement tree ------------------------------------------------------------- */

typedef enum {
    PQN_PATH,    /* path */
    PQN_LITERAL, /* json, type */
    PQN_PARAM,   /* param */
    PQN_CMP,     /* op: PQ_EQ...; kids[0] op kids[1] */
    PQN_BETWEEN, /* kids[0] BETWEEN kids[1] AND kids[2] */
    PQN_IN,      /* kids[0] IN [kids[1..]] */
    PQN_AND,
    PQN_OR,
    PQN_NOT,
    PQN_IS,    /* kids[0] IS [NOT] is_type (NULL: MISSING); negated */
    PQN_FUNC,  /* name (lower case), kids: arguments */
    PQN_ARITH, /* SET values: kids[0] (+|-) kids[1]; op: PQ_PLUS, PQ_MINUS */
} partiql_node_kind_t;

typedef enum { PQ_EQ, PQ_NE, PQ_LT, PQ_LE, PQ_GT, PQ_GE, PQ_PLUS, PQ_MINUS } partiql_op_t;

typedef struct partiql_node partiql_node_t;
struct partiql_node {
    uint8_t kind; /* partiql_node_kind_t */
    uint8_t op;   /* partiql_op_t */
    bool negated; /* IS NOT */
    bool has_param; /* a literal with a ? inside */
    uint32_t pos, len; /* where it is written (byte offset, length) */
    partiql_node_t **kids;
    size_t nkids;
    expr_path_t path;   /* PQN_PATH */
    const char *json;   /* PQN_LITERAL: AttributeValue JSON */
    size_t json_len;
    value_type_t type;  /* PQN_LITERAL */
    size_t param;       /* PQN_PARAM: 0-based index */
    const char *name;   /* PQN_FUNC */
    const char *is_type; /* PQN_IS: "S", "N", "BOOL"..., NULL for MISSING */
};

/* PQ_EXISTS: EXISTS(SELECT ...), the SELECT's members filled in. */
typedef enum { PQ_SELECT, PQ_INSERT, PQ_UPDATE, PQ_DELETE, PQ_EXISTS } partiql_kind_t;

typedef enum {
    PQ_RETURN_NONE,
    PQ_RETURN_ALL_OLD,
    PQ_RETURN_MODIFIED_OLD,
    PQ_RETURN_ALL_NEW,
    PQ_RETURN_MODIFIED_NEW,
} partiql_returning_t;

typedef struct {
    bool remove;           /* REMOVE path; else SET path = value */
    partiql_node_t *path;  /* PQN_PATH */
    partiql_node_t *value; /* literal, param, path, PQN_ARITH or PQN_FUNC */
} partiql_action_t;

typedef struct {
    partiql_kind_t kind;
    const char *table; /* FROM / INTO / UPDATE name */
    const char *index; /* SELECT FROM "table"."index", or NULL */
    partiql_node_t *where; /* or NULL */
    /* SELECT */
    bool star;
    partiql_node_t **projection; /* PQN_PATH */
    size_t nprojection;
    const char *order_by; /* or NULL */
    bool order_desc;
    /* UPDATE */
    partiql_action_t *actions;
    size_t nactions;
    /* INSERT */
    partiql_node_t *item; /* a tuple literal */
    partiql_returning_t returning;
    size_t nparams; /* number of ? */
} partiql_statement_t;

/* Parse one statement (a trailing ';' allowed). */
ddb_error_t *partiql_parse(arena_t *a, const char *text, size_t len, partiql_statement_t **out);

/* Append a literal's JSON to out with each parameter mark replaced by
 * params[i] (AttributeValue JSON texts); false when a mark names a
 * parameter beyond nparams. */
bool partiql_literal_render(buf_t *out, const char *json, size_t len, const char *const *params,
                            const size_t *param_lens, size_t nparams);

#endif
