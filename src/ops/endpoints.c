/* ops/endpoints: DescribeEndpoints and DescribeLimits, the account-level
 * answers that need no table. */
#include <string.h>

#include "ops/ops.h"
#include "tabledef.h"

/* how long clients may keep the address, as the service says */
#define ENDPOINT_CACHE_MINUTES 1440

static const char *configured_address = "127.0.0.1:8000";

void endpoints_configure(const char *address)
{
    if (address) configured_address = address;
}

api_result_t op_describe_endpoints(api_call_t *call, const json_value_t *req)
{
    /* The address as the client reached this server when the server passes
     * the Host header on, else the one it listens on. */
    const char *host = call->host ? call->host : configured_address;
    size_t len = call->host ? call->host_len : strlen(configured_address);
    buf_append_str(call->out, "{\"Endpoints\":[{\"Address\":");
    json_write_string(call->out, host, len);
    buf_printf(call->out, ",\"CachePeriodInMinutes\":%d}]}", ENDPOINT_CACHE_MINUTES);
    return op_reply_ok(call);
}

api_result_t op_describe_limits(api_call_t *call, const json_value_t *req)
{
    buf_printf(call->out,
               "{\"AccountMaxReadCapacityUnits\":%d,\"AccountMaxWriteCapacityUnits\":%d,"
               "\"TableMaxReadCapacityUnits\":%d,\"TableMaxWriteCapacityUnits\":%d}",
               TABLEDEF_ACCOUNT_MAX_READ, TABLEDEF_ACCOUNT_MAX_WRITE, TABLEDEF_TABLE_MAX_READ,
               TABLEDEF_TABLE_MAX_WRITE);
    return op_reply_ok(call);
}
