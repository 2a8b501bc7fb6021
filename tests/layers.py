#!/usr/bin/env python3
"""The core's layering, checked on what the linker sees.

core/meson.build opens with the files of core/ in layers, top to bottom:
each file may call only files on the lines below its own. This reads that
block and the symbols of the built library (nm), and fails on any call
that goes up or sideways, so the written layering stays the real one.
Usage: layers.py CORE_MESON_BUILD LIBCCMAILFS.a
"""
import re
import subprocess
import sys


def layers(meson_build):
    rank, level = {}, 0
    head = open(meson_build, encoding="utf-8").read().split("core_sources")[0]
    for line in head.splitlines():
        m = re.match(r"#\s+((?:\w+\.c\s+)+)", line)
        if m:
            for f in m.group(1).split():
                rank[f[:-2]] = level
            level += 1
    return rank


def symbols(archive):
    defined, used = {}, {}
    out = subprocess.run(["nm", "-A", archive], capture_output=True,
                         text=True, check=True).stdout
    for line in out.splitlines():
        m = re.search(r"([^:/]+)\.c\.o:\s*(.*)$", line)
        if not m:
            continue
        obj, f = m.group(1), m.group(2).split()
        if len(f) == 3 and f[1] in "TDBRV":
            defined[f[2]] = obj
        elif len(f) == 2 and f[0] == "U":
            used.setdefault(obj, set()).add(f[1])
    return defined, used


def main():
    rank = layers(sys.argv[1])
    defined, used = symbols(sys.argv[2])
    bad = 0
    for obj in sorted(used):
        if obj not in rank:
            print(f"core/{obj}.c is not in the layering of core/meson.build")
            bad += 1
            continue
        for sym in sorted(used[obj]):
            to = defined.get(sym)
            if to and to != obj and rank.get(to, -1) <= rank[obj]:
                print(f"core/{obj}.c calls {sym} of core/{to}.c, "
                      "which is not below it")
                bad += 1
    print(f"layers: {len(rank)} files, {bad} calls against the layering")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
