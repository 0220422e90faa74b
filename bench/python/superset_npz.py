#!/usr/bin/env python3
"""Checks that a newer ac1 export only adds to an older one (interchange.md:
"extend only by adding").

usage: superset_npz.py OLD.npz NEW.npz [ALLOWED_PREFIX ...]

Every member of OLD must be in NEW with an equal array (dtype, shape and
bytes); the members NEW adds must start with one of the allowed prefixes
(default: spk_); NEW's manifest must hold every key of OLD's with an equal
value, recursively (objects may gain keys, lists keep their length).
Prints one line per problem and OK / DIFFERENT; exit status 1 when different.
"""
import json
import sys

import numpy as np


def superset(old, new, at, problems):
    if isinstance(old, dict):
        if not isinstance(new, dict):
            problems.append(f"{at}: object became {type(new).__name__}")
            return
        for k, v in old.items():
            if k not in new:
                problems.append(f"{at}.{k}: missing")
            else:
                superset(v, new[k], f"{at}.{k}", problems)
    elif isinstance(old, list):
        if not isinstance(new, list) or len(new) != len(old):
            problems.append(f"{at}: list of {len(old)} became {new!r:.80}")
            return
        for i, (a, b) in enumerate(zip(old, new)):
            superset(a, b, f"{at}[{i}]", problems)
    elif old != new:
        problems.append(f"{at}: {old!r:.60} became {new!r:.60}")


def main():
    old_path, new_path = sys.argv[1:3]
    allowed = tuple(sys.argv[3:]) or ("spk_",)
    problems = []
    with np.load(old_path) as a, np.load(new_path) as b:
        for k in a.files:
            if k == "manifest":
                continue
            if k not in b.files:
                problems.append(f"{k}: missing")
                continue
            x, y = a[k], b[k]
            if x.dtype != y.dtype or x.shape != y.shape or x.tobytes() != y.tobytes():
                problems.append(f"{k}: differs ({x.dtype} {x.shape} vs {y.dtype} {y.shape})")
        added = sorted(set(b.files) - set(a.files))
        for k in added:
            if not k.startswith(allowed):
                problems.append(f"{k}: added, not one of {allowed}")
        superset(json.loads(str(a["manifest"])), json.loads(str(b["manifest"])), "manifest", problems)
    for p in problems[:40]:
        print(p)
    kinds = sorted({k.split("_")[0] for k in added})
    print(("OK" if not problems else "DIFFERENT"), old_path, new_path, f"({len(added)} members added: {', '.join(kinds) or '-'})")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
