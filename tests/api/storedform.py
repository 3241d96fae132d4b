"""Bytes in the forms the store keeps them, for requests that carry them
(ApplyRecords): varints, and maps of S attributes as a stored item (varint
size, varint count, then per attribute varint name length, name, tag S,
varint length, bytes)."""


def varint(n):
    out = bytearray()
    while n >= 0x80:
        out.append(n & 0x7F | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def stored_map(attrs):
    body = varint(len(attrs))
    for name, value in attrs.items():
        n, v = name.encode(), value.encode()
        body += varint(len(n)) + n + b"S" + varint(len(v)) + v
    size = sum(len(k.encode()) + len(v.encode()) for k, v in attrs.items())
    return varint(size) + body
