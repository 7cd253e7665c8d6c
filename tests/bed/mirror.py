#!/usr/bin/env python3
"""A tiny threaded HTTP file server for runtime archives, for tests (binds 127.0.0.1 only).

usage: mirror.py --root DIR [--port 0] [--port-file FILE]

- GET and HEAD of /<path> serve DIR/<path> with Content-Length (404 if it is missing or not a
  regular file, 400 for paths escaping DIR, 405 for other methods).
- GET /truncated/<path> serves DIR/<path> but sends only the first half of the body while
  announcing the full Content-Length, then closes the connection (a cut download).
- GET /redirect/<path> answers 302 with Location /<path> (a redirect on the same mirror).
- GET /redirect-to-http/<path> answers 302 with Location http://example.invalid/<path> (a
  redirect to plain http on a host that isn't loopback, which downloads must refuse).
- Prints "listening on http://127.0.0.1:PORT" on stdout once it accepts connections and, with
  --port-file, writes PORT to FILE (atomically: written to FILE.tmp, then renamed).
- Logs one line per request to stderr.  Stops on SIGTERM/SIGINT.
"""

import argparse
import os
import signal
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TRUNCATED = "/truncated/"
REDIRECTS = {"/redirect/": "", "/redirect-to-http/": "http://example.invalid"}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "assetpack-bed-mirror/1"
    root = "."

    def log_message(self, fmt, *args):
        sys.stderr.write("[mirror] %s %s\n" % (self.address_string(), fmt % args))
        sys.stderr.flush()

    def resolve(self):
        path = urllib.parse.urlsplit(self.path).path
        truncated = path.startswith(TRUNCATED)
        if truncated:
            path = path[len(TRUNCATED) - 1:]
        rel = urllib.parse.unquote(path).lstrip("/")
        parts = rel.split("/")
        if not rel or ".." in parts or "\0" in rel:
            return None, truncated, 400 if rel else 404
        full = os.path.join(self.root, *parts)
        if not os.path.isfile(full):
            return None, truncated, 404
        return full, truncated, 200

    def send_plain(self, code, text, body=True):
        data = (text + "\n").encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if body:
            self.wfile.write(data)

    def redirect(self, body):
        path = urllib.parse.urlsplit(self.path).path
        for prefix, target in REDIRECTS.items():
            if path.startswith(prefix):
                self.send_response(302)
                self.send_header("Location", target + "/" + path[len(prefix):])
                self.send_header("Content-Length", "0")
                self.end_headers()
                return True
        return False

    def serve(self, body):
        if self.redirect(body):
            return
        full, truncated, code = self.resolve()
        if full is None:
            self.send_plain(code, "not found" if code == 404 else "bad request", body)
            return
        size = os.path.getsize(full)
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(size))
        if truncated:
            self.send_header("Connection", "close")
        self.end_headers()
        if not body:
            return
        remaining = size // 2 if truncated else size
        with open(full, "rb") as f:
            while remaining > 0:
                chunk = f.read(min(1 << 16, remaining))
                if not chunk:
                    break
                self.wfile.write(chunk)
                remaining -= len(chunk)
        if truncated:
            self.wfile.flush()
            self.close_connection = True
            self.log_message("truncated %s after %d of %d bytes", self.path, size // 2, size)

    def do_GET(self):
        self.serve(body=True)

    def do_HEAD(self):
        self.serve(body=False)

    def method_not_allowed(self):
        self.send_plain(405, "method not allowed")

    do_POST = do_PUT = do_DELETE = do_PATCH = method_not_allowed


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    a = ap.parse_args()
    if not os.path.isdir(a.root):
        sys.exit(f"mirror: --root {a.root} is not a directory")
    Handler.root = os.path.abspath(a.root)

    server = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    server.daemon_threads = True
    port = server.server_address[1]

    def stop(*_):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    if a.port_file:
        tmp = a.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(f"{port}\n")
        os.replace(tmp, a.port_file)
    print(f"listening on http://127.0.0.1:{port}", flush=True)
    try:
        server.serve_forever(poll_interval=0.1)
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
