/* ion: items as Amazon Ion text, the way the service writes ION exports.
 *
 * One item is one line, a version marker and a struct:
 *   $ion_1_0 {Item:{pk:"a",n:12.,price:1.5d3,b:{{AAE=}},ok:true,gone:null,
 *                   l:["x",1.],m:{k:"v"},tags:$dynamodb_SS::["a","b"]}}
 * The mapping: S a string, N a decimal (always with a point or a `d`
 * exponent, so that it never reads back as an int), B a blob, BOOL a bool,
 * NULL null, L a list, M a struct, and the sets lists annotated
 * $dynamodb_SS, $dynamodb_NS and $dynamodb_BS.  Field names are symbols:
 * bare when they are identifiers and no keyword, else quoted ('a b').
 */
#ifndef DDBD_ION_H
#define DDBD_ION_H

#include "buf.h"
#include "value.h"

/* An item or any map of attributes as an Ion struct. */
void ion_write_map(buf_t *b, const value_t *map);
/* One attribute value as Ion text. */
void ion_write_value(buf_t *b, const value_t *v);
/* "$ion_1_0 {Item:{...}}\n" for one item (a map). */
void ion_write_item_line(buf_t *b, const value_t *item);

/* The reverse, for imports: one line of Ion text holding {Item:{...}} (a
 * leading $ion_1_0 allowed) as the DynamoDB JSON {"Item":{...}} into out,
 * its values typed by the mapping above (an int or a float is N too); NULL,
 * or what is wrong with it.  A struct repeating a field name gives JSON
 * repeating a member, which the JSON reader then refuses. */
const char *ion_line_to_json(const char *line, size_t len, buf_t *out);

#endif
