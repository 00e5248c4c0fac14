#!/usr/bin/env python3
"""Write one Fixtures/<scenario>-<vantage>.expected.json (used by Scripts/lab).

usage: expect.py OUT.json SCENARIO VANTAGE DESCRIPTION [-f KIND[:PORT]]... [-c PORT]... [-x JSON]
"""
import argparse
import json
from pathlib import Path

p = argparse.ArgumentParser()
p.add_argument("out")
p.add_argument("scenario")
p.add_argument("vantage", choices=["client", "server", "router"])
p.add_argument("description")
p.add_argument("-f", dest="findings", action="append", default=[], help="KIND or KIND:SERVERPORT (its firstCause comes from the committed file)")
p.add_argument("-c", dest="clean", action="append", type=int, default=[], help="a clean server port")
p.add_argument("-x", dest="extra", default="", help="JSON object with details for detector tests")
a = p.parse_args()

# The first cause each finding must rank first is curated in the committed expected file
# (Fixtures/<scenario>-<vantage>.expected.json) and carried over when the lab remakes it.
curated = {}
committed = Path(__file__).resolve().parents[2] / "Fixtures" / f"{a.scenario}-{a.vantage}.expected.json"
if committed.exists():
    for item in json.loads(committed.read_text()).get("findings", []):
        if "firstCause" in item:
            curated[(item["kind"], item.get("serverPort"))] = item["firstCause"]

findings = []
for f in a.findings:
    kind, _, port = f.partition(":")
    item = {"kind": kind}
    if port:
        item["serverPort"] = int(port)
    cause = curated.get((kind, item.get("serverPort")))
    if cause:
        item["firstCause"] = cause
    findings.append(item)

doc = {
    "scenario": a.scenario,
    "vantage": a.vantage,
    "description": a.description,
    "findings": findings,
    "cleanPorts": a.clean,
}
if a.extra:
    extra = json.loads(a.extra)
    assert isinstance(extra, dict), "extra must be a JSON object"
    doc["extra"] = extra

with open(a.out, "w") as f:
    json.dump(doc, f, indent=2)
    f.write("\n")
