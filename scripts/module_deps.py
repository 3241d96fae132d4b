#!/usr/bin/env python3
"""Module dependencies point one way: list the calls between the modules of
src/ (one .c file each) and fail when modules call each other in a cycle.

A module depends on another when it calls a function the other defines
(non-static, found by name in the text with comments and strings removed).
Prints "module deps: N modules, no cycles" or each cycle with the calls
that close it, and exits 1 then.

Usage: scripts/module_deps.py [SRC_DIR]
"""

import re
import sys
from pathlib import Path

DEFINITION = re.compile(r"^(?!static)[A-Za-z_][\w \*]*?\b([a-z_][a-z0-9_]*)\s*\([^;{]*\)\s*\{",
                        re.M)


def strip(text):
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    text = re.sub(r"//[^\n]*", "", text)
    return re.sub(r'"(\\.|[^"\\\n])*"', '""', text)


def modules(src):
    files = sorted(list(src.glob("*.c")) + list(src.glob("ops/*.c")))
    return {str(f.relative_to(src))[:-2]: strip(f.read_text()) for f in files}


def edges(mods):
    defined = {}
    for name, text in mods.items():
        for m in DEFINITION.finditer(text):
            defined[m.group(1)] = name
    calls = {name: {} for name in mods}
    for name, text in mods.items():
        words = set(re.findall(r"\b[a-z_][a-z0-9_]*\b", text))
        for fn in words:
            owner = defined.get(fn)
            if owner and owner != name:
                calls[name].setdefault(owner, []).append(fn)
    return calls


def cycles(calls):
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in calls[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in calls:
        if v not in index:
            visit(v)
    return out


def main():
    src = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parents[1] / "src")
    calls = edges(modules(src))
    found = cycles(calls)
    if not found:
        print("module deps: %d modules, no cycles" % len(calls))
        return 0
    for comp in found:
        print("module deps: cycle between %s" % ", ".join(comp))
        for a in comp:
            for b, fns in sorted(calls[a].items()):
                if b in comp:
                    print("  %s -> %s (%s)" % (a, b, ", ".join(sorted(fns)[:5])))
    return 1


if __name__ == "__main__":
    sys.exit(main())
