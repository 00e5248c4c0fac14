#!/usr/bin/env python3
"""Write one Fixtures/<scenario>-<vantage>.expected.json (used by Scripts/lab).

usage: expect.py OUT.json SCENARIO VANTAGE DESCRIPTION [-f KIND[:PORT]]... [-c PORT]... [-x JSON]
"""
import argparse
import json

p = argparse.ArgumentParser()
p.add_argument("out")
p.add_argument("scenario")
p.add_argument("vantage", choices=["client", "server", "router"])
p.add_argument("description")
p.add_argument("-f", dest="findings", action="append", default=[], help="KIND or KIND:SERVERPORT")
p.add_argument("-c", dest="clean", action="append", type=int, default=[], help="a clean server port")
p.add_argument("-x", dest="extra", default="", help="JSON object with details for detector tests")
a = p.parse_args()

findings = []
for f in a.findings:
    kind, _, port = f.partition(":")
    item = {"kind": kind}
    if port:
        item["serverPort"] = int(port)
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
