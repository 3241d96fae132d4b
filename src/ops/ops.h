/* ops: the operation handlers, one file per family, and what they share.
 *
 * Every handler reads as validate -> execute -> render.  Validation reads
 * only the request; execution reads storage inline (reads) or queues a
 * storage_write_t to the writer (writes), whose done() renders the response
 * and completes the call.
 */
#ifndef DDBD_OPS_H
#define DDBD_OPS_H

#include "api.h"
#include "catalog.h"
#include "errors.h"
#include "json.h"
#include "storage.h"
#include "value.h"

typedef api_result_t (*op_handler_t)(api_call_t *call, const json_value_t *req);

/* Render an error as the response; returns API_DONE. */
api_result_t op_reply_error(api_call_t *call, ddb_error_t *e);
/* The response body is in call->out: status 200; returns API_DONE. */
api_result_t op_reply_ok(api_call_t *call);
/* Complete a pending call from the writer thread (after its response or
 * error was rendered with op_reply_*). */
void op_complete(api_call_t *call);

/* The read transaction of the calling I/O thread (with the DBI lock). */
MDB_txn *op_read_begin(api_call_t *call);
void op_read_end(api_call_t *call, MDB_txn *txn);

/* A request member that this server does not implement yet. */
ddb_error_t *op_unsupported(api_call_t *call, const json_value_t *req, const char *const *names);

/* tables.c */
api_result_t op_create_table(api_call_t *call, const json_value_t *req);
api_result_t op_describe_table(api_call_t *call, const json_value_t *req);
api_result_t op_delete_table(api_call_t *call, const json_value_t *req);
api_result_t op_list_tables(api_call_t *call, const json_value_t *req);
api_result_t op_update_table(api_call_t *call, const json_value_t *req);

/* items.c */
api_result_t op_put_item(api_call_t *call, const json_value_t *req);
api_result_t op_get_item(api_call_t *call, const json_value_t *req);
api_result_t op_delete_item(api_call_t *call, const json_value_t *req);
api_result_t op_update_item(api_call_t *call, const json_value_t *req);

#endif
