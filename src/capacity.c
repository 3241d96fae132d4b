/* capacity: units and ConsumedCapacity; see capacity.h. */
#include "capacity.h"

#include <assert.h>
#include <string.h>

#include "metrics.h"
#include "throttle.h"
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

static capacity_t *entry_for(capacity_t *list, size_t *count, const char *table, bool write)
{
    for (size_t i = 0; i < *count; i++)
        if (strcmp(list[i].table, table) == 0) return &list[i];
    list[*count] = (capacity_t){table, write, 0, NULL, 0, false, 0};
    return &list[(*count)++];
}

void capacity_add(capacity_t *list, size_t *count, const char *table, bool write, double units)
{
    entry_for(list, count, table, write)->units += units;
}

void capacity_add_index(arena_t *a, capacity_t *list, size_t *count, const char *table, bool write,
                        const char *index, bool global, double units)
{
    capacity_t *c = entry_for(list, count, table, write);
    for (size_t i = 0; i < c->index_count; i++)
        if (strcmp(c->indexes[i].name, index) == 0) {
            c->indexes[i].units += units;
            return;
        }
    if (!c->indexes) c->indexes = arena_alloc(a, CAPACITY_INDEXES_MAX * sizeof *c->indexes);
    assert(c->index_count < CAPACITY_INDEXES_MAX);
    c->indexes[c->index_count++] = (capacity_index_t){index, global, units};
}

double capacity_total(const capacity_t *c)
{
    double units = c->units;
    for (size_t i = 0; i < c->index_count; i++)
        units += c->indexes[i].units;
    return units;
}

void capacity_account(const capacity_t *c)
{
    metrics_units_add(c->table, NULL, c->write, c->units);
    for (size_t i = 0; i < c->index_count; i++)
        metrics_units_add(c->table, c->indexes[i].name, c->write, c->indexes[i].units);
    if (throttle_on) throttle_charge(c);
}

static void render_units(buf_t *out, const char *kind, double units)
{
    buf_printf(out, "{\"CapacityUnits\":%.1f,\"%s\":%.1f}", units, kind, units);
}

/* "GlobalSecondaryIndexes":{...} or "LocalSecondaryIndexes":{...}, when
 * an index of that kind consumed something. */
static void render_indexes(buf_t *out, const capacity_t *c, bool global, const char *kind)
{
    bool any = false;
    for (size_t i = 0; i < c->index_count; i++) {
        const capacity_index_t *ix = &c->indexes[i];
        if (ix->global != global) continue;
        buf_append_str(out, any      ? ","
                            : global ? ",\"GlobalSecondaryIndexes\":{"
                                     : ",\"LocalSecondaryIndexes\":{");
        any = true;
        json_write_string(out, ix->name, strlen(ix->name));
        buf_putc(out, ':');
        render_units(out, kind, ix->units);
    }
    if (any) buf_putc(out, '}');
}

static void render_object(buf_t *out, capacity_mode_t mode, const capacity_t *c)
{
    const char *kind = c->write ? "WriteCapacityUnits" : "ReadCapacityUnits";
    double total = capacity_total(c);
    buf_append_str(out, "{\"TableName\":");
    json_write_string(out, c->table, strlen(c->table));
    buf_printf(out, ",\"CapacityUnits\":%.1f,\"%s\":%.1f", total, kind, total);
    if (mode == CAPACITY_INDEXES) {
        buf_append_str(out, ",\"Table\":");
        render_units(out, kind, c->units);
        render_indexes(out, c, true, kind);
        render_indexes(out, c, false, kind);
    }
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
    capacity_account(c);
    if (mode == CAPACITY_NONE) return;
    member_start(out, first);
    render_object(out, mode, c);
}

void capacity_render_list(buf_t *out, capacity_mode_t mode, const capacity_t *list, size_t count,
                          bool *first)
{
    for (size_t i = 0; i < count; i++)
        capacity_account(&list[i]);
    if (mode == CAPACITY_NONE) return;
    member_start(out, first);
    buf_putc(out, '[');
    for (size_t i = 0; i < count; i++) {
        if (i) buf_putc(out, ',');
        render_object(out, mode, &list[i]);
    }
    buf_putc(out, ']');
}
