/* ops/common: request checks shared by several operation families. */
#include <string.h>

#include "ops/ops.h"
#include "wire.h"

ddb_error_t *op_unsupported(api_call_t *call, const json_value_t *req, const char *const *names)
{
    for (; *names; names++)
        if (wire_member(req, *names))
            return err_validation(call->arena, "%s is not supported by this server yet", *names);
    return NULL;
}
