#!/usr/bin/env python3
"""Adds keys to both string catalogues: catalog-add.py FILE.json where FILE maps key -> [zh, en].
Existing keys are overwritten; files stay sorted with one key per line."""
import json, sys, pathlib
root = pathlib.Path(__file__).resolve().parents[2] / "Sources/EstateServer/Resources/i18n"
new = json.load(open(sys.argv[1]))
for i, name in enumerate(["zh-Hans.json", "en.json"]):
    p = root / name
    d = json.loads(p.read_text())
    for k, v in new.items():
        d[k] = v[i]
    p.write_text(json.dumps(dict(sorted(d.items())), ensure_ascii=False, indent=1) + "\n")
print(f"{len(new)} keys added")
