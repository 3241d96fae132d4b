/* number: DynamoDB's exact decimal numbers.
 *
 * A number is (-1)^neg * coef * 10^exp with at most 38 significant decimal
 * digits, so the coefficient fits an unsigned 128-bit integer.  Values are
 * kept canonical: coef has no trailing decimal zeros (they move into exp),
 * and zero is {coef 0, exp 0, neg false}.  Two equal numbers therefore have
 * identical fields, whatever text they were parsed from ("1.50" == "15E-1").
 *
 * Range (the service's): zero, or a magnitude in [1E-130, 9.99..9E+125]
 * (38 nines).  Text follows the service's grammar: optional sign, digits with
 * an optional '.', optional exponent (e/E, optional sign); no spaces, no
 * hex, no Infinity/NaN; at least one digit in the mantissa.
 *
 * Output (number_format) is the service's: plain notation, never an
 * exponent, no trailing fractional zeros, no '+', "-0" printed as "0".
 *   "1.50" -> "1.5"   "1E+2" -> "100"   "-0.0" -> "0"   "1E-3" -> "0.001"
 */
#ifndef DDBD_NUMBER_H
#define DDBD_NUMBER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NUMBER_MAX_DIGITS 38
#define NUMBER_MIN_EXP (-130) /* smallest magnitude 1E-130 */
#define NUMBER_MAX_EXP 125    /* largest magnitude < 1E+126 */
/* Longest text number_format can produce, with the terminating NUL. */
#define NUMBER_MAX_TEXT 176
/* Longest key encoding number_encode_key can produce. */
#define NUMBER_MAX_KEY 21

typedef struct {
    unsigned __int128 coef;
    int32_t exp;
    bool neg;
} number_t;

typedef enum {
    NUMBER_OK = 0,
    NUMBER_INVALID,     /* not a number at all */
    NUMBER_TOO_PRECISE, /* more than 38 significant digits */
    NUMBER_OVERFLOW,    /* magnitude too large */
    NUMBER_UNDERFLOW,   /* magnitude too small (but not zero) */
} number_status_t;

/* Parse s[0..len).  Leading and trailing zeros do not count as significant
 * digits ("0001.2000" has 2). */
number_status_t number_parse(const char *s, size_t len, number_t *out);

/* Write the canonical text of n into out (NUMBER_MAX_TEXT bytes), NUL
 * terminated; returns its length. */
size_t number_format(const number_t *n, char *out);

/* <0, 0, >0 as a <, ==, > b numerically. */
int number_compare(const number_t *a, const number_t *b);

/* Exact a+b / a-b.  A result needing more than 38 significant digits is
 * NUMBER_TOO_PRECISE; one out of range NUMBER_OVERFLOW/NUMBER_UNDERFLOW. */
number_status_t number_add(const number_t *a, const number_t *b, number_t *out);
number_status_t number_sub(const number_t *a, const number_t *b, number_t *out);

bool number_is_zero(const number_t *n);

/* Order-preserving binary encoding: memcmp order of encodings equals
 * numeric order, and equal numbers encode identically.  Returns the length
 * written into out (at most NUMBER_MAX_KEY bytes).  The encoding is
 * self-delimiting: number_decode_key reads it back and says how many bytes
 * it used. */
size_t number_encode_key(const number_t *n, uint8_t *out);
bool number_decode_key(const uint8_t *in, size_t len, number_t *out, size_t *used);

/* A number from a machine integer (for counters, ItemCount...). */
void number_from_int64(int64_t v, number_t *out);
/* The value as int64 if it is an integer in range, else false. */
bool number_to_int64(const number_t *n, int64_t *out);

#endif
