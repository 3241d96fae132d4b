/* capacity: units and ConsumedCapacity; see capacity.h. */
#include "capacity.h"

#include <string.h>

#include "wire.h"

ddb_error_t *capacity_mode_read(arena_t *a, const json_value_t *req, constraint_list_t *cl,
                                capacity_mode_t *mode)
{
    ddb_error_t *e = NULL;
    const char *text = NULL;
    *mode = CAPACITY_NONE;
    if (!wire_string(a, req, "ReturnConsumedCapacity", &text, NULL, &e)) return e;
    int i = constraint_enum(cl, text, &ENUM_RETURN_CONSUMED_CAPACITY, "returnConsumedCapacity");
    if (i >= 0) *mode = (capacity_mode_t)i;
    return NULL;
}

double capacity_read_units(size_t bytes, bool consistent)
{
    size_t units = (bytes + 4095) / 4096;
    if (!units) units = 1;
    return consistent ? (double)units : (double)units / 2;
}

double capacity_write_units(size_t bytes)
{
    size_t units = (bytes + 1023) / 1024;
    return units ? (double)units : 1.0;
}

void capacity_add(capacity_t *list, size_t *count, const char *table, bool write, double units)
{
    for (size_t i = 0; i < *count; i++)
        if (strcmp(list[i].table, table) == 0) {
            list[i].units += units;
            return;
        }
    list[(*count)++] = (capacity_t){table, write, units};
}

static void render_object(buf_t *out, capacity_mode_t mode, const capacity_t *c)
{
    const char *kind = c->write ? "WriteCapacityUnits" : "ReadCapacityUnits";
    buf_append_str(out, "{\"TableName\":");
    json_write_string(out, c->table, strlen(c->table));
    buf_printf(out, ",\"CapacityUnits\":%.1f,\"%s\":%.1f", c->units, kind, c->units);
    if (mode == CAPACITY_INDEXES)
        buf_printf(out, ",\"Table\":{\"CapacityUnits\":%.1f,\"%s\":%.1f}", c->units, kind,
                   c->units);
    buf_putc(out, '}');
}

static void member_start(buf_t *out, bool *first)
{
    if (!*first) buf_putc(out, ',');
    *first = false;
    buf_append_str(out, "\"ConsumedCapacity\":");
}

void capacity_render(buf_t *out, capacity_mode_t mode, const capacity_t *c, bool *first)
{
    if (mode == CAPACITY_NONE) return;
    member_start(out, first);
    render_object(out, mode, c);
}

void capacity_render_list(buf_t *out, capacity_mode_t mode, const capacity_t *list, size_t count,
                          bool *first)
{
    if (mode == CAPACITY_NONE) return;
    member_start(out, first);
    buf_putc(out, '[');
    for (size_t i = 0; i < count; i++) {
        if (i) buf_putc(out, ',');
        render_object(out, mode, &list[i]);
    }
    buf_putc(out, ']');
}
