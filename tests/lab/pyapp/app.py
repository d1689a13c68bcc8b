"""The lab's small Python web app: an image the catalogue does not know.

At start it writes a cache file under /app/cache (its own directory in the image) and a
scratch file through tempfile, then serves HTTP on port 8000: GET / answers with the cache
file, GET /healthz with "ok".
"""

import http.server
import json
import os
import tempfile
import time

CACHE = os.environ.get("APP_CACHE", "/app/cache")


def warm_cache():
    os.makedirs(CACHE, exist_ok=True)
    path = os.path.join(CACHE, "started.json")
    with open(path, "w", encoding="utf-8") as out:
        json.dump({"started": time.time(), "pid": os.getpid(), "uid": os.getuid()}, out)
    with tempfile.NamedTemporaryFile() as scratch:
        scratch.write(b"scratch")
    return path


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/healthz":
            body = b"ok\n"
        else:
            with open(os.path.join(CACHE, "started.json"), "rb") as cached:
                body = cached.read()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


if __name__ == "__main__":
    print("cache written to", warm_cache())
    http.server.ThreadingHTTPServer(("0.0.0.0", 8000), Handler).serve_forever()
