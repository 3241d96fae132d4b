/* expr: DynamoDB's expression language.
 *
 * One tokenizer, one recursive-descent parser to a small AST and one
 * evaluator over the value model serve every kind of expression:
 * condition, filter and key-condition expressions (boolean), projection
 * expressions (lists of document paths) and update expressions (SET /
 * REMOVE / ADD / DELETE clauses).  The legacy parameters (Expected with
 * ConditionalOperator, AttributeUpdates, AttributesToGet) are translated
 * into the same AST, so they are evaluated by the same code.
 *
 * Everything is allocated from the request arena; nothing is freed
 * separately.  Every error text comes from errors.c.
 *
 * A request with expressions does:
 *   expr_env_init(&env, arena, ExpressionAttributeNames, ExpressionAttributeValues)
 *   expr_parse(&env, EXPR_UPDATE, text, len, &update)     (each expression)
 *   expr_env_check_unused(&env)                          (after all parses)
 * then evaluates them against items (possibly on another thread, one at a
 * time: an env is not shared between threads concurrently).
 */
#ifndef DDBD_EXPR_H
#define DDBD_EXPR_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "constraint.h"
#include "errors.h"
#include "json.h"
#include "value.h"

typedef enum {
    EXPR_CONDITION,     /* "ConditionExpression" */
    EXPR_FILTER,        /* "FilterExpression" */
    EXPR_KEY_CONDITION, /* "KeyConditionExpression" */
    EXPR_PROJECTION,    /* "ProjectionExpression" */
    EXPR_UPDATE,        /* "UpdateExpression" */
} expr_kind_t;

/* One step of a document path: a map key or a list index. */
typedef struct {
    bool is_index;
    size_t index;     /* is_index */
    const char *name; /* !is_index: the attribute name, placeholders resolved */
    size_t name_len;
} expr_path_step_t;

typedef struct {
    expr_path_step_t *steps;
    size_t count; /* >= 1; steps[0] is always a name (a top-level attribute) */
} expr_path_t;

typedef struct expr expr_t; /* a parsed expression of any kind (opaque) */
typedef struct expr_env_private expr_env_private_t;

typedef struct {
    arena_t *arena;
    expr_env_private_t *p; /* placeholder tables, used flags, parsed values */
} expr_env_t;

/* Validate and index ExpressionAttributeNames / ExpressionAttributeValues
 * (JSON objects, or NULL when absent) as the service does: empty maps,
 * malformed placeholder keys, invalid attribute values. */
ddb_error_t *expr_env_init(expr_env_t *env, arena_t *a, const json_value_t *names,
                           const json_value_t *values);

/* Parse one expression of the given kind.  Syntax errors, undefined or
 * reserved names, too long expressions, bad function use... all come back
 * with the service's "Invalid <Kind>Expression: ..." messages. */
ddb_error_t *expr_parse(expr_env_t *env, expr_kind_t kind, const char *text, size_t len,
                        expr_t **out);

/* After every expression of the request is parsed: names or values that no
 * expression used are an error, as in the service. */
ddb_error_t *expr_env_check_unused(expr_env_t *env);

/* --- evaluation ------------------------------------------------------------ */

/* A condition or filter against an item (NULL: the item does not exist). */
ddb_error_t *expr_condition_eval(expr_env_t *env, const expr_t *e, const value_t *item,
                                 bool *result);

/* Apply an update expression to an item (NULL: a new item) and build the
 * new item in *out (the old one is not modified).  Errors are those the
 * service reports while updating (missing operands, wrong operand types,
 * invalid paths for update).  For an item that does not exist yet, pass the
 * Key as the item rather than NULL: the service lets SET operands read the
 * key attributes ("SET b = if_not_exists(b, pk)"). */
ddb_error_t *expr_update_apply(expr_env_t *env, const expr_t *e, const value_t *item,
                               value_t *out);

/* Whether an update has actions and each of them only takes something
 * away (REMOVE, DELETE from a set, the legacy DELETE): the service creates
 * no item for such an update of an item that does not exist. */
bool expr_update_only_removes(const expr_t *e);

/* The document paths an update expression writes or removes (for
 * ReturnValues UPDATED_OLD / UPDATED_NEW and the key-attribute check), or a
 * projection expression lists. */
size_t expr_paths(const expr_t *e, const expr_path_t **paths);

/* The item reduced to the given paths, with the shapes the service returns
 * (nested maps keep only the projected members; projected list elements
 * are gathered in order into a shorter list). */
void expr_project(arena_t *a, const value_t *item, const expr_path_t *paths, size_t count,
                  value_t *out);

/* A condition split at its top-level ANDs (parentheses looked through), for
 * the checks the operations make on KeyConditionExpression: each term is
 * one comparison, BETWEEN, IN or function call, or an OR / NOT that the
 * caller will reject.  Operands are a path, a value, or neither (size(),
 * a nested condition). */
typedef struct {
    const char *op; /* "=", "<>", "<", "<=", ">", ">=", "BETWEEN", "IN", a function
                       name ("begins_with"...), "OR" or "NOT" */
    size_t noperands;
    struct {
        const expr_path_t *path; /* the operand is a document path */
        const value_t *value;    /* the operand is an :value placeholder */
    } operands[3];               /* the first three */
} expr_term_t;

/* Fills up to max terms in text order; returns how many there are. */
size_t expr_condition_terms(const expr_t *e, expr_term_t *terms, size_t max);

/* Whether any document path of a condition, however nested (under OR, NOT,
 * functions), starts at the top-level attribute `name`. */
bool expr_condition_mentions(const expr_t *e, const char *name);

/* --- legacy parameters ------------------------------------------------------ */

/* The legacy members' enumerations, which the service checks with the
 * request's other constraints, before anything else about them: each
 * entry's ComparisonOperator (path "expected", "queryFilter", "scanFilter"
 * or "keyConditions"; required in a Condition, optional in Expected), each
 * AttributeUpdates entry's Action, ConditionalOperator (NULL: absent).  The
 * translations below assume these were checked. */
void expr_legacy_check_operators(constraint_list_t *cl, const json_value_t *entries,
                                 const char *path, bool required);
void expr_legacy_check_actions(constraint_list_t *cl, const json_value_t *updates);
void expr_legacy_check_conditional_operator(constraint_list_t *cl, const char *op);

/* Expected (+ ConditionalOperator, may be NULL) as a condition. */
ddb_error_t *expr_from_expected(expr_env_t *env, const json_value_t *expected,
                                const char *conditional_operator, expr_t **out);
/* QueryFilter or ScanFilter (+ ConditionalOperator, may be NULL) as a
 * condition. */
ddb_error_t *expr_from_conditions(expr_env_t *env, const json_value_t *conditions,
                                  const char *conditional_operator, expr_t **out);
/* KeyConditions checked as Conditions, then as a whole (one or two). */
ddb_error_t *expr_check_key_conditions(expr_env_t *env, const json_value_t *conditions);
/* AttributeUpdates as an update. */
ddb_error_t *expr_from_attribute_updates(expr_env_t *env, const json_value_t *updates,
                                         expr_t **out);
/* AttributesToGet (a JSON list of strings; the operation checked that it is
 * not empty) as a projection; a repeated name is an error. */
ddb_error_t *expr_from_attributes_to_get(expr_env_t *env, const json_value_t *names,
                                         expr_t **out);

#endif
