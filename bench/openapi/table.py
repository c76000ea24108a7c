#!/usr/bin/env python3
"""The violation table: each kind of contract violation in violations.json, served by
server.py, checked by baton (its `openapi:` contract check), Schemathesis (`st run
--checks all`) and Prism (`prism proxy`, which validates responses it forwards).

usage: table.py BATON PRISM ST   (prints the Markdown table of README.md)

caught: the tool reports the violation; missed: it does not; for the controls (c..), which
keep to the contract, `false positive` when a tool reports one, else `ok`."""
import json, os, re, socket, subprocess, sys, tempfile, time, urllib.request
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = json.load(open(os.path.join(HERE, "violations.json")))
ENTRIES = DATA["violations"] + DATA["controls"]

def port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

def wait(p):
    for _ in range(600):
        try:
            socket.create_connection(("127.0.0.1", p), 0.2).close(); return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"nothing listens on {p}")

def baton(binary, url):
    d = tempfile.mkdtemp()
    reqs = "\n".join(f'  - {{ name: {e["id"]}, method: GET, url: "{{{{ base_url }}}}/{e["id"]}" }}' for e in ENTRIES)
    open(os.path.join(d, "c.yaml"), "w").write(
        f"version: 1\nname: violations\nopenapi: {os.path.join(HERE, 'violations.yaml')}\nrequests:\n{reqs}\n")
    subprocess.run([binary, "run", "c.yaml", "-q", "--var", f"base_url={url}", "--report", "json=r.json"],
                   cwd=d, capture_output=True)
    report = json.load(open(os.path.join(d, "r.json")))
    out = {}
    for r in report["collections"][0]["requests"]:
        out[r["name"]] = any(a["subject"] == "openapi" and not a["passed"] for a in r.get("assertions") or [])
    return out

def prism(binary, url):
    p = port()
    proc = subprocess.Popen([binary, "proxy", "-h", "127.0.0.1", "-p", str(p), os.path.join(HERE, "violations.yaml"), url],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait(p)
        out = {}
        for e in ENTRIES:
            try:
                r = urllib.request.urlopen(f"http://127.0.0.1:{p}/{e['id']}", timeout=30)
                status, headers = r.status, r.headers
            except urllib.error.HTTPError as err:
                status, headers = err.code, err.headers
            violations = headers.get("sl-violations") or ""
            errors = "Error" in violations or (headers.get("content-type") or "").startswith("application/problem+json")
            out[e["id"]] = errors
        return out
    finally:
        proc.terminate(); proc.wait()

def schemathesis(binary, url):
    d = tempfile.mkdtemp()
    junit = os.path.join(d, "st.xml")
    subprocess.run([binary, "run", os.path.join(HERE, "violations.yaml"), "--url", url, "--checks", "all",
                    "--max-examples", "5", "--report", "junit", "--report-junit-path", junit],
                   cwd=d, capture_output=True, text=True)
    out = {e["id"]: False for e in ENTRIES}
    for case in ET.parse(junit).getroot().iter("testcase"):
        m = re.search(r"/(v\d\d|c\d\d)\b", case.get("name", ""))
        if m and (case.find("failure") is not None or case.find("error") is not None):
            out[m.group(1)] = True
    return out

def cell(e, hit, tool, documented=True):
    if not documented:
        return "n/a (not in the document)" if not hit else "caught"
    if e["id"].startswith("c"):
        return "false positive" if hit else "ok"
    return "caught" if hit else "missed"

if __name__ == "__main__":
    baton_bin, prism_bin, st_bin = sys.argv[1:4]
    p = port()
    server = subprocess.Popen([sys.executable, os.path.join(HERE, "server.py"), str(p)])
    try:
        wait(p)
        url = f"http://127.0.0.1:{p}"
        results = {"baton": baton(baton_bin, url), "Schemathesis": schemathesis(st_bin, url), "Prism proxy": prism(prism_bin, url)}
    finally:
        server.terminate(); server.wait()
    print("| | violation | baton | Schemathesis | Prism proxy |")
    print("|---|---|---|---|---|")
    for e in ENTRIES:
        documented = e["note"] != "undocumented"
        row = [cell(e, results["baton"][e["id"]], "baton")]
        row.append(cell(e, results["Schemathesis"][e["id"]], "st", documented))
        row.append(cell(e, results["Prism proxy"][e["id"]], "prism"))
        print(f"| {e['id']} | {e['kind']} | " + " | ".join(row) + " |")
