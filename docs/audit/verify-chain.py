#!/usr/bin/env python3
"""Offline check of an audit export: every line hashes to the next line's link, and the chain ends at the signed head.

Usage: verify-chain.py manifest.json entries.jsonl   (python3 standard library only)
Each line is the exact canonical form its hash covers: a JSON array whose element 0 is the sequence number,
element 11 the previous entry's hash and element 12 the hash algorithm (sha256, or sm3 where OpenSSL provides it).
"""
import hashlib
import json
import sys

manifest = json.load(open(sys.argv[1], encoding="utf-8"))
previous, expected, count = manifest["previousHash"], manifest["from"], 0
with open(sys.argv[2], "rb") as lines:
    for raw in lines:
        line = raw.rstrip(b"\n")
        entry = json.loads(line)
        if entry[0] != expected:
            sys.exit(f"FAIL: expected entry {expected}, found {entry[0]}")
        if entry[11] != previous:
            sys.exit(f"FAIL: entry {expected} does not link to the previous entry's hash")
        previous = hashlib.new(entry[12], line).hexdigest()
        expected, count = expected + 1, count + 1
if count != manifest["entries"] or expected - 1 != manifest["to"]:
    sys.exit(f"FAIL: {count} entries up to {expected - 1}, the manifest says {manifest['entries']} up to {manifest['to']}")
if previous != manifest["head"]:
    sys.exit(f"FAIL: the chain ends at {previous}, the manifest's head is {manifest['head']}")
print(f"chain OK: entries {manifest['from']}..{manifest['to']} ({count}), head {previous}")
