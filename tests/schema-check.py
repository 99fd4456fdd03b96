#!/usr/bin/python3
# Checks JSON documents (or JSON Lines, *.jsonl) against one of pftrace's schemas (man/*.schema.json,
# which refer to each other by file name). Prints the first errors and "errors: N".
#   tests/schema-check.py SCHEMA FILE...
import json, sys, os
import jsonschema
from jsonschema import RefResolver
path = sys.argv[1]
schema = json.load(open(path))
base = os.path.dirname(os.path.abspath(path))
store = {}
for n in os.listdir(base):
    if n.endswith('.schema.json'):
        s = json.load(open(os.path.join(base, n)))
        store[n] = s
        store[s['$id']] = s
        store['https://pftrace.invalid/schema/2/' + n] = s
resolver = RefResolver(base_uri=schema['$id'], referrer=schema, store=store)
v = jsonschema.Draft202012Validator(schema, resolver=resolver)
bad = 0
for f in sys.argv[2:]:
    docs = [json.loads(l) for l in open(f)] if f.endswith('.jsonl') else [json.load(open(f))]
    for d in docs:
        for e in v.iter_errors(d):
            bad += 1
            if bad < 6: print(f, list(e.absolute_path)[:6], e.message[:200])
print("errors:", bad)
