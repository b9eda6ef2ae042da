#!/usr/bin/env python3
"""Recompute an opening's lottery order (摇号) from its published list (issue 18, EstateCore LotteryOrder).
Usage: opening-order.py SEED LIST   (LIST: one registration number per line; '-' for stdin)
key = sha256(seed || id) in hex; order = keys ascending (ties by id). Prints rank<TAB>id<TAB>key,
then the list hash (sha256 of exactly those lines), which the notary view prints."""
import hashlib, sys

def order(seed, ids):
    keyed = sorted((hashlib.sha256((seed + i).encode()).hexdigest(), i) for i in ids)
    return "".join(f"{r}\t{i}\t{k}\n" for r, (k, i) in enumerate(keyed, 1))

if __name__ == "__main__":
    src = sys.stdin if sys.argv[2] == "-" else open(sys.argv[2], encoding="utf-8")
    text = order(sys.argv[1], [l.strip() for l in src if l.strip()])
    sys.stdout.write(text)
    print("list-hash", hashlib.sha256(text.encode()).hexdigest())
