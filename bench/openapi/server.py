#!/usr/bin/env python3
"""The deliberate-violation server: GET /<id> answers as violations.json says (status,
headers, body), for the tools in table.py. The Rust test tests/openapi_violations.rs
serves the same file with axum. usage: server.py PORT"""
import json, os, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = json.load(open(os.path.join(HERE, "violations.json")))
ROUTES = {"/" + e["id"]: e for e in DATA["violations"] + DATA["controls"]}

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def answer(self, with_body):
        e = ROUTES.get(self.path.split("?")[0])
        if e is None:
            self.send_response(404); self.send_header("Content-Length", "0"); self.end_headers(); return
        body = e["body"].encode()
        self.send_response(e["status"])
        for k, v in e["headers"].items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if with_body:
            self.wfile.write(body)

    def do_GET(self):
        self.answer(True)

    def do_HEAD(self):
        self.answer(False)

    def not_allowed(self):
        self.send_response(405)
        self.send_header("Allow", "GET, HEAD")
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_TRACE = do_CONNECT = do_QUERY = not_allowed

    def log_message(self, *args):
        pass

if __name__ == "__main__":
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
