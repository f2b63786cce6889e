#!/usr/bin/env python3
"""Print every webhook POSTed to http://127.0.0.1:<port>/ and answer 204 (demo helper; stdlib only).

Usage: python3 deploy/local/webhook-sink.py [port]   (default 5299; also: deploy/local/platform sink [port])
"""
import http.server
import sys

SHOWN_HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature", "content-type")


class WebhookSink(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8", errors="replace")
        print(f"--- POST {self.path}", flush=False)
        for name in SHOWN_HEADERS:
            if name in self.headers:
                print(f"{name}: {self.headers[name]}")
        print(body, flush=True)
        self.send_response(204)
        self.end_headers()

    def log_message(self, format, *args):
        pass  # the request itself is printed above


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 5299
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), WebhookSink)
    print(f"Listening for webhooks on http://127.0.0.1:{port}/ (Ctrl-C to stop)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
