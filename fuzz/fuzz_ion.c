/* fuzz_ion: libFuzzer target for ion.c's reader.  The input is one line of
 * Ion text; whatever the reader accepts must be JSON with an Item member
 * (unless a struct repeats a field name, which the JSON reader refuses, as
 * the importer then does), and an item made of it, written as Ion and read
 * again, must give the same item (writer and reader agree). */
#include "ion.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    buf_t json, ion, again;
    buf_init(&json);
    buf_init(&ion);
    buf_init(&again);
    arena_t *a = arena_new(0);
    if (!ion_line_to_json((const char *)data, size, &json)) {
        json_value_t *j;
        value_t item;
        /* the item may still break a value rule (a bad number, an empty
         * set), which the importer counts */
        const json_value_t *it = NULL;
        if (json_parse(a, json.data, json.len, &j, NULL) == JSON_OK) {
            it = json_object_get(j, "Item");
            FUZZ_CHECK(it != NULL);
        }
        if (it && !value_map_from_json(a, it, &item)) {
            ion_write_item_line(&ion, &item);
            FUZZ_CHECK(ion_line_to_json(ion.data, ion.len - 1, &again) == NULL);
            buf_t canon;
            buf_init(&canon);
            buf_append_str(&canon, "{\"Item\":");
            value_map_write_json(&canon, &item);
            buf_putc(&canon, '}');
            json_value_t *j2;
            value_t item2;
            FUZZ_CHECK(json_parse(a, again.data, again.len, &j2, NULL) == JSON_OK);
            FUZZ_CHECK(!value_map_from_json(a, json_object_get(j2, "Item"), &item2));
            buf_t canon2;
            buf_init(&canon2);
            buf_append_str(&canon2, "{\"Item\":");
            value_map_write_json(&canon2, &item2);
            buf_putc(&canon2, '}');
            FUZZ_CHECK(canon.len == canon2.len && memcmp(canon.data, canon2.data, canon.len) == 0);
            buf_free(&canon);
            buf_free(&canon2);
        }
    }
    arena_free(a);
    buf_free(&json);
    buf_free(&ion);
    buf_free(&again);
    return 0;
}
