/* tabledef: table and index definitions.
 *
 * A definition is read from JSON (a CreateTable request, a restore's
 * parameters, or the catalog's stored copy), checked against the service's
 * rules, and built into a table_t (catalog.h); tabledef_render writes the
 * stored copy back.  The same reader and rules serve a request and a
 * stored definition, so what was accepted once always loads again.
 *
 * Checking order is the service's: first every model constraint of the
 * request (reported together, constraint.h), then one rule at a time, the
 * first broken rule giving the error.  The rules are static functions of
 * tabledef.c named check_<rule>.
 */
#ifndef DDBD_TABLEDEF_H
#define DDBD_TABLEDEF_H

#include <stdbool.h>
#include <stdint.h>

#include "arena.h"
#include "buf.h"
#include "catalog.h"
#include "constraint.h"
#include "errors.h"
#include "json.h"

/* Parse and validate a table definition (a CreateTable request, or a
 * stored definition when stored is true, which also reads TableId,
 * CreationDateTime and the DBI name).  On success *out is a new table with
 * one reference, freed by tabledef_free when the last one goes. */
ddb_error_t *tabledef_parse(arena_t *a, const json_value_t *req, bool stored, table_t **out);
void tabledef_free(table_t *t);
/* t's index named name (len bytes), or NULL. */
const index_def_t *tabledef_index_find(const table_t *t, const char *name, size_t len);

/* A ProvisionedThroughput member (of a request or an index definition),
 * read and checked at path ("provisionedThroughput"). */
typedef struct {
    bool present;
    bool rcu_set, wcu_set;
    int64_t rcu, wcu;
} tabledef_throughput_t;
ddb_error_t *tabledef_read_throughput(arena_t *a, const json_value_t *obj, const char *path,
                                      constraint_list_t *cl, tabledef_throughput_t *out);

/* An OnDemandThroughput member (of a request or a GSI definition or
 * update): each maximum as sent ([0] read, [1] write). */
typedef struct {
    bool present;
    bool set[2];
    int64_t max[2];
} tabledef_on_demand_t;
ddb_error_t *tabledef_read_on_demand(arena_t *a, const json_value_t *obj,
                                     tabledef_on_demand_t *out);
/* The service's rules on od, of the table (index NULL) or of a GSI, whose
 * billing mode is on_demand: no maximum on a PROVISIONED table; each at
 * least 1 (update: -1 clears one); at most the per-table maximum. */
ddb_error_t *tabledef_check_on_demand(arena_t *a, const tabledef_on_demand_t *od,
                                      const char *index, bool on_demand, bool update);
/* The maxima after od applies to *read, *write (0: none). */
void tabledef_apply_on_demand(const tabledef_on_demand_t *od, int64_t *read, int64_t *write);

/* The per-table maxima of provisioned and on-demand throughput
 * (DescribeLimits), and the account's. */
#define TABLEDEF_TABLE_MAX_READ 40000
#define TABLEDEF_TABLE_MAX_WRITE 40000
#define TABLEDEF_ACCOUNT_MAX_READ 80000
#define TABLEDEF_ACCOUNT_MAX_WRITE 80000
/* Provisioned throughput within the per-table maxima: the table's own
 * (values[0]), each GSI's (values[1..n), named names[1..n)), then their
 * sum; values[i][0] read, [1] write units. */
ddb_error_t *tabledef_check_table_maxima(arena_t *a, const int64_t (*values)[2],
                                         const char *const *names, size_t n);

/* UpdateTable's pieces of a definition, checked as CreateTable checks them:
 * the request's AttributeDefinitions (absent: nothing), and one index
 * definition (a GlobalSecondaryIndexUpdates Create, or a restore's index
 * override; gsi: a global one) at `path`
 * ("globalSecondaryIndexUpdates.1.member.create"); their model constraints
 * go into cl, type errors are returned. */
ddb_error_t *tabledef_check_attribute_definitions(arena_t *a, const json_value_t *req,
                                                  constraint_list_t *cl);
ddb_error_t *tabledef_check_index_spec(arena_t *a, const json_value_t *spec, const char *path,
                                       bool gsi, constraint_list_t *cl);
/* The rules of a GSI that UpdateTable adds to t (after its model
 * constraints passed): its keys defined by the request's
 * AttributeDefinitions, with the types t already has, its key schema and
 * projection, and throughput as the billing mode after the update
 * (on_demand) wants it. */
ddb_error_t *tabledef_check_index_create(arena_t *a, const table_t *t, const json_value_t *req,
                                         const json_value_t *spec, bool on_demand);

/* The stored definition: everything tabledef_parse(stored) reads back. */
void tabledef_render(buf_t *b, const table_t *t);
/* The members descriptions share with the definition:
 * "KeySchema":[...], "AttributeDefinitions":[...], "Projection":{...}. */
void tabledef_render_key_schema(buf_t *b, const key_schema_t *k);
/* An index's KeySchema: every attribute, as the definition listed them. */
void tabledef_render_index_key_schema(buf_t *b, const index_def_t *ix);
void tabledef_render_attributes(buf_t *b, const table_t *t);
void tabledef_render_projection(buf_t *b, const index_def_t *ix);
/* An OnDemandThroughput object as stored: only the maxima set (0: none),
 * so that a definition read back sends none below 1. */
void tabledef_render_on_demand(buf_t *b, int64_t max_read, int64_t max_write);

#endif
