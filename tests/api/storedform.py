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


def stored_members(members):
    """A stored item of members given as (name, encoded value) pairs, names as bytes or text,
    in the order given (duplicates too: for what a server must refuse)."""
    body = varint(len(members))
    for name, value in members:
        n = name.encode() if isinstance(name, str) else name
        body += varint(len(n)) + n + value
    return varint(sum(len(v) for _, v in members)) + body


def s_value(b):
    """An S value (bytes as they are, valid UTF-8 or not)."""
    b = b.encode() if isinstance(b, str) else b
    return b"S" + varint(len(b)) + b


def ss_value(members):
    """An SS value of the members given (any count, duplicates too)."""
    out = b"s" + varint(len(members))
    for m in members:
        m = m.encode() if isinstance(m, str) else m
        out += varint(len(m)) + m
    return out


def m_value(members):
    """An M value of (name, encoded value) pairs."""
    out = b"M" + varint(len(members))
    for name, value in members:
        n = name.encode() if isinstance(name, str) else name
        out += varint(len(n)) + n + value
    return out


def stored_map(attrs):
    body = varint(len(attrs))
    for name, value in attrs.items():
        n, v = name.encode(), value.encode()
        body += varint(len(n)) + n + b"S" + varint(len(v)) + v
    size = sum(len(k.encode()) + len(v.encode()) for k, v in attrs.items())
    return varint(size) + body
