#!/usr/bin/env python3
"""How many requests `baton import openapi` generates that `prism mock --errors` accepts.

usage: accept.py [--dynamic] BATON PRISM DOC [DOC...]

For each document: import it, serve it with `prism mock --errors` on 127.0.0.1, run the
collection with every `secret()` it names set to a dummy value and nothing else filled
in, and count responses below 400 (Prism answers 422/400 for a request it refuses, 401 for
missing credentials, 404/405 for an unknown route). Also counts `openapi` contract
failures on Prism's responses: with --dynamic Prism makes each response up from the
schema (`prism mock -d`), so every contract failure there is a baton false positive."""
import json, os, re, shutil, socket, subprocess, sys, tempfile, time

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

def accepted_by_prism(r):
    """Below 400, or Prism's 500 about its own response (the document's example breaks the
    document's schema: the request itself passed)."""
    resp = r.get("response") or {}
    status = resp.get("status")
    if status is None:
        return False
    if status < 400:
        return True
    body = resp.get("body") or ""
    try:
        v = json.loads(body)
    except ValueError:
        return False
    locs = [x.get("location", [""])[0] for x in v.get("validation", [])] if isinstance(v, dict) else []
    return status == 500 and locs != [] and all(l == "response" for l in locs)

def failures(r):
    """The failed expectations of a request, as `name: message` lines."""
    out = []
    for a in r.get("assertions") or []:
        if not a.get("passed", True):
            out.append(f'{a.get("subject", "")}: {a.get("message") or a.get("actual")}')
    return out

def measure(baton, prism, doc, dynamic=False):
    d = tempfile.mkdtemp()
    name = os.path.basename(doc)
    shutil.copy(doc, os.path.join(d, name))
    out = subprocess.run([baton, "import", "openapi", name], cwd=d, capture_output=True, text=True)
    if out.returncode != 0:
        return {"doc": name, "error": out.stderr.strip()[:300]}
    open(os.path.join(d, "c.yaml"), "w").write(out.stdout)
    port = free_port()
    server = subprocess.Popen([prism, "mock", "-h", "127.0.0.1", "-p", str(port), "--errors"]
                              + (["-d"] if dynamic else []) + [name],
                              cwd=d, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(300):
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close(); break
            except OSError:
                time.sleep(0.1)
        env = dict(os.environ)
        for s in set(re.findall(r"secret\('(\w+)'\)", out.stdout)):
            env[s] = "dummy-" + s.lower()
        subprocess.run([baton, "run", "c.yaml", "-q", "--var", f"base_url=http://127.0.0.1:{port}",
                        "--report", "json=r.json"], cwd=d, env=env, capture_output=True, text=True)
        report = json.load(open(os.path.join(d, "r.json")))
    finally:
        server.terminate(); server.wait()
    reqs = [r for c in report["collections"] for r in c["requests"]]
    ok = [accepted_by_prism(r) for r in reqs]
    refused = [(r["name"], (r.get("response") or {}).get("status")) for r, a in zip(reqs, ok) if not a]
    contract = [(r["name"], m) for r in reqs for m in failures(r) if m.startswith("openapi")]
    shutil.rmtree(d, ignore_errors=True)
    return {"doc": name, "requests": len(reqs), "accepted": sum(ok), "refused": refused,
            "contract_failures": contract}

if __name__ == "__main__":
    args = sys.argv[1:]
    dynamic = args[0] == "--dynamic"
    if dynamic:
        args = args[1:]
    baton, prism, docs = args[0], args[1], args[2:]
    for doc in docs:
        print(json.dumps(measure(baton, prism, doc, dynamic)))
