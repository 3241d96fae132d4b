/* expr_internal: what the expr_*.c files share and nothing else may use.
 *
 * Pipeline of one expression (expr_parse in expr_check.c):
 *   1. expr_lex        text -> tokens (whitespace dropped), parentheses matched
 *   2. expr_syntax_*   tokens -> tree; syntax errors and redundant parentheses,
 *                      whichever the left-to-right reading meets first
 *   3. translate walk  reserved words, list index range, function names and
 *                      where functions may appear, repeated update sections
 *                      (in the order the expression is written)
 *   4. validation      placeholders, path depth, operand counts and types,
 *                      distinct operands, BETWEEN bounds, IN size, operator
 *                      count, overlapping paths
 * Evaluation (expr_eval.c, expr_update.c) then never fails on anything the
 * validation accepted, except the update errors that depend on the item.
 */
#ifndef DDBD_EXPR_INTERNAL_H
#define DDBD_EXPR_INTERNAL_H

#include <stdint.h>

#include "expr.h"

#define EXPR_MAX_LENGTH 4096     /* bytes of expression text */
#define EXPR_MAX_PATH_DEPTH 32   /* steps in one document path */
#define EXPR_MAX_OPERATORS 300   /* operators and functions in one expression */
#define EXPR_MAX_IN_OPERANDS 100 /* values after IN */
#define EXPR_MAX_KEY_LENGTH 255  /* placeholder key in the attribute maps */
/* Parser recursion bound: deeper than any expression with at most
 * EXPR_MAX_OPERATORS operators can nest without redundant parentheses. */
#define EXPR_MAX_NESTING 1000

/* --- tokens ------------------------------------------------------------- */

typedef enum {
    TOK_EOF,
    TOK_COMMA,
    TOK_LPAREN,
    TOK_RPAREN,
    TOK_DOT,
    TOK_LBRACKET,
    TOK_RBRACKET,
    TOK_EQ,
    TOK_NE,
    TOK_LT,
    TOK_LE,
    TOK_GT,
    TOK_GE,
    TOK_PLUS,
    TOK_MINUS,
    TOK_IN,
    TOK_BETWEEN,
    TOK_NOT,
    TOK_AND,
    TOK_OR,
    TOK_SET,
    TOK_ADD,
    TOK_DELETE,
    TOK_REMOVE,
    TOK_INDEX,   /* 0 | [1-9][0-9]* */
    TOK_ID,      /* [A-Za-z][A-Za-z0-9_]* that is not a keyword */
    TOK_NAME,    /* #[A-Za-z0-9_]+ */
    TOK_VALUE,   /* :[A-Za-z0-9_]+ */
    TOK_UNKNOWN, /* any other character */
} expr_tok_kind_t;

/* '(' group flags, set by expr_lex for the parser's decisions. */
#define TOKF_COND 1  /* a comparator or logical keyword directly inside */
#define TOKF_ARITH 2 /* '+' or '-' directly inside */

typedef struct {
    uint8_t kind;
    uint8_t flags;  /* '(' only */
    uint32_t start; /* byte offset */
    uint32_t len;
    int32_t match; /* '(': index of the matching ')', or -1 */
} expr_token_t;

/* Tokenize text[0..len) into toks (room for len + 1 tokens); the last token
 * is TOK_EOF at offset len.  Returns the number of tokens. */
size_t expr_lex(const char *text, size_t len, expr_token_t *toks);

static inline bool expr_tok_is_comparator(int kind) { return kind >= TOK_EQ && kind <= TOK_GE; }

/* Is word[0..len) a DynamoDB reserved word (any case)? */
bool expr_reserved_word(const char *word, size_t len);

/* --- tree ----------------------------------------------------------------- */

typedef enum {
    NODE_PATH,
    NODE_VALUE,
    NODE_FUNC,
    NODE_CMP,
    NODE_BETWEEN,
    NODE_IN,
    NODE_AND,
    NODE_OR,
    NODE_NOT,
    NODE_ARITH,
} expr_node_kind_t;

typedef enum {
    FN_UNKNOWN,
    FN_ATTRIBUTE_EXISTS,
    FN_ATTRIBUTE_NOT_EXISTS,
    FN_ATTRIBUTE_TYPE,
    FN_BEGINS_WITH,
    FN_CONTAINS,
    FN_SIZE,
    FN_IF_NOT_EXISTS,
    FN_LIST_APPEND,
} expr_fn_t;

typedef enum { CMP_EQ, CMP_NE, CMP_LT, CMP_LE, CMP_GT, CMP_GE } expr_cmp_t;
typedef enum { ARITH_PLUS, ARITH_MINUS } expr_arith_t;

typedef struct expr_node expr_node_t;
struct expr_node {
    uint8_t kind;  /* expr_node_kind_t */
    uint8_t op;    /* expr_cmp_t, expr_fn_t or expr_arith_t */
    uint8_t paren; /* written inside its own pair of parentheses */
    uint32_t tok;  /* first token (path, placeholder, function name) */
    uint32_t nkids;
    expr_node_t *kids; /* operands, linked through next */
    expr_node_t *next;
    union {
        /* NODE_PATH.  Before validation a name step written as #x has
         * name "#x" and index 1 (unused for names otherwise); validation
         * replaces it with the attribute name and index 0. */
        expr_path_t path;
        const value_t *value; /* NODE_VALUE, set by validation */
    } u;
};

/* --- update actions and path tries ----------------------------------------- */

typedef enum {
    ACT_SET,
    ACT_REMOVE,
    ACT_ADD,
    ACT_DELETE,
    ACT_LEGACY_PUT,
    ACT_LEGACY_ADD,
    ACT_LEGACY_DELETE, /* with a set value; without one it is ACT_REMOVE */
} expr_action_kind_t;

typedef struct {
    uint8_t kind;      /* expr_action_kind_t */
    uint8_t section;   /* index of its section in the text (update expressions) */
    expr_node_t *path; /* NODE_PATH */
    expr_node_t *value;
} expr_action_t;

/* A tree of document paths: update targets, projections.  A node is the
 * end of at most one path (overlaps are rejected) and its children are all
 * names or all list indexes (conflicts are rejected); index children are
 * kept in ascending order. */
typedef struct expr_trie expr_trie_t;
struct expr_trie {
    expr_trie_t *kids, *next;
    const expr_path_step_t *step; /* NULL at the root */
    int32_t end;                  /* path ending here, or -1 */
    int32_t last;                 /* most recent path through here */
    /* Name children are also hashed once there are many of them (legacy
     * parameters can name tens of thousands of attributes): slots is an
     * open-addressing table of nslots (a power of two), or NULL. */
    expr_trie_t **slots;
    uint32_t nslots, nnames;
};

typedef enum { TRIE_OK, TRIE_OVERLAP, TRIE_CONFLICT } expr_trie_status_t;

/* Insert paths[i]; on a clash returns the status and the earlier path
 * involved in *other (the trie is left unchanged). */
expr_trie_status_t expr_trie_insert(arena_t *a, expr_trie_t *root, const expr_path_t *paths,
                                    int32_t i, int32_t *other);
expr_trie_t *expr_trie_new(arena_t *a);
/* A trie of paths that may overlap (a shorter path covers the longer). */
expr_trie_t *expr_trie_build_loose(arena_t *a, const expr_path_t *paths, size_t count);
/* The child of node for the attribute name, or NULL. */
const expr_trie_t *expr_trie_find_name(const expr_trie_t *node, const char *name, size_t len);

struct expr {
    expr_kind_t kind;
    bool legacy;
    expr_node_t *root; /* conditions */
    expr_action_t *actions;
    size_t nactions;
    expr_path_t *paths; /* update targets or projected paths, in text order */
    size_t npaths;
    expr_trie_t *trie; /* of paths (updates) */
    const char *text;  /* the expression (for error texts) */
    expr_token_t *toks;
};

/* --- placeholders ---------------------------------------------------------- */

typedef struct {
    const char *key;
    size_t key_len;
    const char *name; /* names: the attribute name */
    size_t name_len;
    value_t value; /* values */
    bool used;
} expr_placeholder_t;

struct expr_env_private {
    expr_placeholder_t *names, *values; /* in request order */
    size_t nnames, nvalues;
    uint32_t *names_sorted, *values_sorted; /* indexes ordered by key */
};

expr_placeholder_t *expr_env_find_name(expr_env_t *env, const char *key, size_t len);
expr_placeholder_t *expr_env_find_value(expr_env_t *env, const char *key, size_t len);

/* --- helpers shared by the evaluator and the update ------------------------ */

/* The expression's name in error texts: "ConditionExpression"... */
const char *expr_kind_name(expr_kind_t kind);

/* The value at a path, or NULL. */
const value_t *expr_path_lookup(const value_t *item, const expr_path_t *path);


/* Operand types a node may have, as a bit set over value_type_t. */
#define TYPEBIT(t) (1u << (t))
#define TYPES_ALL 0x3ffu
unsigned expr_node_types(const expr_node_t *n);

/* Condition evaluation (expr_eval.c); never fails. */
bool expr_eval_condition_node(const expr_node_t *n, const value_t *item);

/* A node allocated from the arena, zeroed. */
expr_node_t *expr_node_new(arena_t *a, expr_node_kind_t kind, uint32_t tok);

/* Parse the text of one expression into e (syntax only; steps 1 and 2). */
ddb_error_t *expr_syntax_parse(arena_t *a, expr_kind_t kind, const char *text, size_t len,
                               expr_t *e);

#endif
