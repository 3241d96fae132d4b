#!/usr/bin/env python3
"""Write the seed corpora of fuzz_changeset, fuzz_stored, fuzz_config, fuzz_http_reply and
fuzz_journal
(fuzz/seeds/<target>/), each seed a valid input of the format the target's
header describes, plus a few damaged ones:
  fuzz_changeset  change sets (changeset.h) over the target's store: puts,
                  deletes, DBI creations, drops and emptyings, a long DBI
                  name (length 255 then a u16), the main DB
  fuzz_stored     stored items (value.h's stored form) of every type, stats
                  records (stats.h), stored keys, change records (changelog.h)
  fuzz_config     credentials files, peer regions files, cluster flags
  fuzz_http_reply response heads as peers send them, and some no peer sends
  fuzz_journal    journal rings (journal.h) after a start position and
                  sequence: change sets, a canceled one, an unlogged
                  transaction's mark, a wrap marker, an implicit wrap, a
                  stale record, a torn one

Usage: fuzz/make_parser_seeds.py
"""

import os
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))


def write(target, name, data):
    d = os.path.join(HERE, "seeds", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# --- change sets --------------------------------------------------------------

def name(n):
    n = n.encode()
    if len(n) < 255:
        return bytes([len(n)]) + n
    return b"\xff" + struct.pack("<H", len(n)) + n


def lv(b):
    return struct.pack("<I", len(b)) + b


def op(kind, dbi, key=None, val=None):
    out = kind.encode() + name(dbi)
    if key is not None:
        out += lv(key)
    if val is not None:
        out += lv(val)
    return out


LONG = "i" * 299
changesets = {
    "put": op("P", "t:1", b"k9", b"new"),
    "overwrite": op("P", "t:1", b"k0", b"other"),
    "delete": op("D", "t:1", b"k1"),
    "delete-absent": op("D", "t:1", b"nope"),
    "create-put": op("C", "t:2") + op("P", "t:2", b"a", b"b"),
    "drop": op("X", "t:1"),
    "empty": op("E", "changelog"),
    "catalog": op("P", "catalog", b"tbl", b"{}") + op("D", "catalog", b"k0"),
    "changelog": op("P", "changelog", b"\0\0\0\0\0\0\0\1", b"rec"),
    "long-name": op("P", LONG, b"k7", b"v") + op("D", LONG, b"k0"),
    "long-create": op("C", "i:1:" + "g" * 280) + op("P", "i:1:" + "g" * 280, b"e", b"f"),
    "main-db": op("P", "", b"plain", b"x"),
    "drop-absent": op("X", "t:9") + op("D", "t:9", b"k"),
    "mixed": (op("C", "t:3") + op("P", "t:3", b"x" * 100, b"y" * 3000) +
              op("D", "t:1", b"k2") + op("E", "t:3") + op("P", "catalog", b"t", b"") +
              op("X", "t:3")),
    "cut-key": op("P", "t:1", b"k9", b"v")[:-4],
    "cut-long-name": b"P\xff\x2b\x01" + b"i" * 20,
    "bad-op": b"Z" + name("t:1"),
}
for k, v in changesets.items():
    write("fuzz_changeset", k, v)


# --- stored items ---------------------------------------------------------------

def varint(n):
    out = b""
    while n >= 0x80:
        out += bytes([(n & 0x7F) | 0x80])
        n >>= 7
    return out + bytes([n])


def number(text):
    """number_encode_key of a decimal text (sign, digits, exponent)."""
    neg = text.startswith("-")
    t = text.lstrip("-")
    mant, _, exp = t.partition("e")
    exp = int(exp or 0)
    whole, _, frac = mant.partition(".")
    digits = (whole + frac).lstrip("0")
    exp -= len(frac)
    if not digits:
        return b"\x02"
    stripped = digits.rstrip("0")
    exp += len(digits) - len(stripped)
    digits = stripped
    adj = exp + len(digits) - 1
    mask = 0xFF if neg else 0
    out = bytes([1 if neg else 3, (adj + 130) ^ mask])
    for i in range(0, len(digits), 2):
        pair = int(digits[i]) * 10 + (int(digits[i + 1]) if i + 1 < len(digits) else 0)
        more = 1 if i + 2 < len(digits) else 0
        out += bytes([(pair * 2 + more) ^ mask])
    return out


def s(x, tag=b"S"):
    x = x.encode() if isinstance(x, str) else x
    return tag + varint(len(x)) + x


def n(x):
    return b"N" + number(x)


def m(members):
    out = varint(len(members))
    for k, v in members:
        out += varint(len(k)) + k.encode() + v
    return out


def item(members, size=100):
    return varint(size) + m(members)


def payload(x):
    x = x.encode() if isinstance(x, str) else x
    return varint(len(x)) + x


items = {
    "item-s": item([("pk", s("a"))]),
    "item-types": item([
        ("s", s("text")), ("n", n("42")), ("neg", n("-1.5e-3")), ("zero", n("0")),
        ("big", n("9" * 38)), ("b", s(b"\x00\xff", b"B")), ("t", b"T"), ("f", b"F"),
        ("null", b"0"), ("m", b"M" + m([("in", s("x"))])),
        ("l", b"L" + varint(2) + s("a") + n("7")),
        ("ss", b"s" + varint(2) + payload("a") + payload("b")),
        ("ns", b"n" + varint(2) + number("1") + number("-2")),
        ("bs", b"b" + varint(1) + payload(b"\x01")),
    ], 300),
    "item-nested": item([("deep", b"M" + m([("l", b"L" + varint(1) + b"M" + m([("x", b"0")]))]))]),
    "item-empty": item([], 3),
    "item-long-name": item([("a" * 300, s("v" * 500))], 800),
    "item-cut": item([("pk", s("abcdef"))])[:-3],
}
for k, v in items.items():
    write("fuzz_stored", k, v)
write("fuzz_stored", "items-two", items["item-s"] + items["item-types"])
write("fuzz_stored", "stats", struct.pack(">QQ", 3, 250))
write("fuzz_stored", "stats-max", struct.pack(">QQ", 2**64 - 1, 2**63))
write("fuzz_stored", "key", s("pk") + n("12"))


def record(event, flags, time, version, maps):
    """A change record as changelog.h lays it out (flags: 1 old image, 2 new,
    4 by the service, 8 a version follows, 16 hidden)."""
    out = bytes([1, event, flags]) + varint(time)
    if flags & 8:
        out += varint(version)
    return out + b"".join(maps)


key = item([("pk", s("a"))], 3)
old_image = item([("pk", s("a")), ("v", n("1"))], 6)
new_image = item([("pk", s("a")), ("v", n("2")), ("w", s("x"))], 9)
records = {
    "record-modify-versioned": record(2, 1 | 2 | 8, 1700000000000, 1700000000000123,
                                      [key, old_image, new_image]),
    "record-hidden": record(2, 1 | 2 | 8 | 16, 5, 99, [key, new_image, new_image]),
    "record-remove-service": record(3, 1 | 4 | 8, 7, 7001, [key, old_image]),
    "record-plain": record(1, 2, 7, 0, [key, new_image]),
}
for k, v in records.items():
    write("fuzz_stored", k, v)


# --- configuration --------------------------------------------------------------

config = {
    "credentials": "0[default]\naws_access_key_id = AKIDEXAMPLE\n"
                   "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\n",
    "credentials-rights": "0# keys\n[reader]\naws_access_key_id=AKIDREADER\n"
                          "aws_secret_access_key=secret1\nddbd_tables = Orders, logs-*\n"
                          "ddbd_access = read\n\n[admin]\naws_access_key_id = AKIDADMIN\n"
                          "aws_secret_access_key = secret2\naws_session_token = tok\n"
                          "s3 =\n  max_concurrent_requests = 2\n",
    "credentials-bad": "0[x]\naws_access_key_id = A\n",
    "regions": "1# peers\nus-west-2=http://127.0.0.1:8002\n  eu-west-1=https://replica.example  \n",
    "regions-bad": "1ap-1=ftp://h:1\n",
    "regions-port": "1sa-east-1=https://h.example:8443/path\r\n",
    "cluster": "21\n1=127.0.0.1:7001,2=127.0.0.1:7002,3=127.0.0.1:7003",
    "cluster-one": "2" + "1=localhost:9000",
    "cluster-bad": "20\n1=h:1,1=h:2",
    "cluster-nine": "29\n" + ",".join("%d=h%d:%d" % (i, i, 7000 + i) for i in range(1, 10)),
}
for k, v in config.items():
    write("fuzz_config", k, v.encode())


# --- response heads -------------------------------------------------------------

replies = {
    "ok": b"HTTP/1.1 200 OK\r\nServer: Server\r\nContent-Type: application/x-amz-json-1.0\r\n"
          b"x-amzn-RequestId: ABC\r\nx-amz-crc32: 2745614147\r\nContent-Length: 2\r\n\r\n{}",
    "error": b"HTTP/1.1 400 Bad Request\r\nContent-Length: 61\r\n\r\n"
             b'{"__type":"com.amazon.coral.validate#ValidationException"}',
    "gzip": b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 20\r\n\r\n",
    "no-reason": b"HTTP/1.0 500\r\ncontent-length:0\r\n\r\n",
    "chunked": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
    "two-lengths": b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
}
for k, v in replies.items():
    write("fuzz_http_reply", k, v)


# --- journal rings --------------------------------------------------------------

def jrecord(kind, seq, payload=b"", room=None):
    head = struct.pack("<IQI", kind, seq, len(payload))
    crc = zlib.crc32(payload, zlib.crc32(head))
    out = b"DJR1" + head + struct.pack("<I", crc) + payload
    return out + b"\0" * (-len(out) % 8)


def jring(start, seq, body, ring):
    return struct.pack("<QQ", start, seq) + body.ljust(ring, b"\0")[:ring]


put = op("P", "t:1", b"k", b"v")
three = jrecord(1, 5, put) + jrecord(1, 6, put + put) + jrecord(1, 7, op("D", "t:1", b"k"))
write("fuzz_journal", "three", jring(0, 5, three, 512))
write("fuzz_journal", "canceled", jring(0, 1, jrecord(1, 1, put) + jrecord(2, 2) + jrecord(1, 3, put), 256))
write("fuzz_journal", "unlogged", jring(0, 1, jrecord(1, 1, put) + jrecord(4, 2) + jrecord(1, 3, put), 256))
# start 200 of a 256-byte ring: a wrap marker, then a record at the ring's start
wrapped = jrecord(1, 41, put)
body = wrapped + b"\0" * (200 - len(wrapped)) + jrecord(3, 40)
write("fuzz_journal", "wrap-marker", jring(200, 40, body, 256))
# start 240: 16 bytes left, no marker
write("fuzz_journal", "wrap-implicit", jring(240, 7, jrecord(1, 7, put), 256))
write("fuzz_journal", "stale", jring(0, 9, jrecord(1, 9, put) + jrecord(1, 3, put), 256))
torn = bytearray(jrecord(1, 1, put) + jrecord(1, 2, put))
torn[-3] ^= 0xff
write("fuzz_journal", "torn", jring(0, 1, bytes(torn), 256))
