"""Helpers shared by the API tests: attribute-value constructors, a canonical
form for comparing items (set members unordered, numbers compared by value),
and a strongly consistent read of one item."""

from decimal import Decimal

KEY = {"pk": {"S": "k"}}


def N(x):
    return {"N": str(x)}


def S(x):
    return {"S": x}


def B(x):
    return {"B": x}


def L(*xs):
    return {"L": list(xs)}


def M(**kw):
    return {"M": kw}


def _number(text):
    return Decimal(text).normalize()


def canon(v):
    """An attribute value in a form where equal values compare equal: set
    members sorted, numbers (also in sets) by value, recursively."""
    (t, x), = v.items()
    if t == "N":
        return {"N": _number(x)}
    if t == "NS":
        return {"NS": sorted(_number(n) for n in x)}
    if t in ("SS", "BS"):
        return {t: sorted(x)}
    if t == "M":
        return {"M": {k: canon(y) for k, y in x.items()}}
    if t == "L":
        return {"L": [canon(y) for y in x]}
    return v


def canon_item(item):
    return None if item is None else {k: canon(v) for k, v in item.items()}


def read(ddb, table, key=KEY):
    return ddb.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")
