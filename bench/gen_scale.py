#!/usr/bin/env python3
"""Write the scale workloads of bench/scale.sh (see bench/README.md, "Scale workloads").

  L   one 19 MiB JSON list (150,000 objects of 5 fields) fetched once, with three
      JSONPath checks: a length, an index and a filter. baton and Hurl.
  K   `baton check` of a collection of N requests (10,000 / 100,000 / 200,000 to
      show it is linear), each with a templated URL, a header, a JSON body with a
      template, status + two JSON expectations and a capture. baton only: Hurl has no
      command that validates a file without sending it (`hurl --test` sends).
  S   a 10 MB text body fetched once at -vv with a JSON report, with 0, 200 and 500
      secrets (each occurs in the body). baton and Hurl (`--secret NAME=VALUE`).

Usage: gen_scale.py --out DIR [--base http://127.0.0.1:18081]
DIR gets www/ (what the server serves), ours/ and hurl/. Only the standard library;
output is deterministic.
"""
import argparse
import json
import os

N_ITEMS = 150_000
TEXT_BYTES = 10_000_000
CHECK_SIZES = (10_000, 100_000, 200_000)
SECRET_COUNTS = (0, 200, 500)
STATUSES = ("active", "disabled", "pending", "archived")


def item(i):
    return {
        "id": i,
        "name": f"device-{i:06d}",
        "email": f"owner{i:06d}@example.com",
        "status": STATUSES[i % len(STATUSES)],
        "description": f"sensor {i % 97:02d} in rack {i % 13:02d}, fw 2.{i % 7}.{i % 11}",
    }


def write(path, text, mode="w"):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, mode) as f:
        f.write(text)


def large_body(out, base):
    parts = [json.dumps(item(i), separators=(",", ":")) for i in range(N_ITEMS)]
    write(os.path.join(out, "www", "big.json"), "[" + ",".join(parts) + "]")
    last = N_ITEMS - 1
    write(os.path.join(out, "ours", "L.yaml"), f"""name: large body
requests:
  - name: big list
    url: {base}/big.json
    expect:
      status: 200
      json:
        $: {{ length: {N_ITEMS} }}
        $[75000].name: device-075000
        "$[?@.id == {last}].email": owner{last:06d}@example.com
""")
    write(os.path.join(out, "hurl", "L.hurl"), f"""GET {base}/big.json
HTTP 200
[Asserts]
jsonpath "$" count == {N_ITEMS}
jsonpath "$[75000].name" == "device-075000"
jsonpath "$[?(@.id == {last})].email" == "owner{last:06d}@example.com"
""")


CHECK_REQUEST = """  - name: r{i}
    method: POST
    url: "{{{{ base_url }}}}/api/v1/items/{i}"
    headers: {{ Authorization: "Bearer {{{{ token }}}}" }}
    json: {{ id: {i}, owner: "{{{{ user }}}}", tags: [a, b] }}
    expect:
      status: 201
      json:
        $.id: {i}
        $.owner: {{ eq: "{{{{ user }}}}" }}
    capture:
      item_{i}: $.id
"""


def big_check(out):
    head = (
        "name: big check\nvars:\n  base_url: http://127.0.0.1:18081\n"
        "  token: t0k3n\n  user: alice\nrequests:\n"
    )
    for n in CHECK_SIZES:
        path = os.path.join(out, "ours", f"K{n // 1000}k.yaml")
        with open(path, "w") as f:
            f.write(head)
            for i in range(n):
                f.write(CHECK_REQUEST.format(i=i))


def secret_value(k):
    return f"sk_live_{k:04d}_" + f"{(k * 2654435761) % (1 << 32):08x}" * 3


def secrets(out, base):
    n_max = max(SECRET_COUNTS)
    line = "lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor\n"
    lines = TEXT_BYTES // len(line)
    every = lines // n_max
    body = []
    for i in range(lines):
        if i % every == 0 and i // every < n_max:
            body.append(f"token {secret_value(i // every)} issued\n")
        else:
            body.append(line)
    write(os.path.join(out, "www", "text.txt"), "".join(body))
    for n in SECRET_COUNTS:
        names = [f"S{k:04d}" for k in range(n)]
        env = "".join(f"{name}={secret_value(k)}\n" for k, name in enumerate(names))
        write(os.path.join(out, "ours", f"S{n}.env"), env)
        vars_ = "".join(f"  {name.lower()}: \"{{{{ secret('{name}') }}}}\"\n" for name in names)
        write(os.path.join(out, "ours", f"S{n}.yaml"), f"""name: secrets {n}
{"vars:" + chr(10) + vars_ if n else ""}requests:
  - name: text
    url: {base}/text.txt
    expect:
      status: 200
""")
        args = "".join(f"--secret {name}={secret_value(k)}\n" for k, name in enumerate(names))
        write(os.path.join(out, "hurl", f"S{n}.args"), args)
    write(os.path.join(out, "hurl", "S.hurl"), f"GET {base}/text.txt\nHTTP 200\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--base", default="http://127.0.0.1:18081")
    a = ap.parse_args()
    for d in ("www", "ours", "hurl"):
        os.makedirs(os.path.join(a.out, d), exist_ok=True)
    large_body(a.out, a.base)
    big_check(a.out)
    secrets(a.out, a.base)


if __name__ == "__main__":
    main()
