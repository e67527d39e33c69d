"""ClickHouse's HTTP interface, as much of it as the `clickhouse` crate uses,
in front of chDB (ClickHouse 26 in process, PyPI `chdb`): so that the
statistics store's contract tests send every statement they send to the
Debian ClickHouse 18.16 to a current ClickHouse as well.

    python chdb_http.py PORT DATA_DIR

Requests: `GET /ping`; `POST /?database=D[&default_format=F][&query=Q]`
with the statement in the body, or with `query=INSERT … FORMAT RowBinary`
and the rows in the body (chunked or not). Answers 200 with the result in
`F` (or the statement's own FORMAT), or 500 with ClickHouse's error text. One statement at a time, in one session.
"""

import os
import re
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from chdb import session

PORT, DATA = int(sys.argv[1]), sys.argv[2]
SESSION = session.Session(os.path.join(DATA, "chdb"))
LOCK = threading.Lock()
INSERT = re.compile(r"^\s*INSERT\s+INTO\s+(.+?)\s+FORMAT\s+RowBinary\s*$", re.I | re.S)


def body(handler):
    if handler.headers.get("Transfer-Encoding", "").lower() == "chunked":
        data = bytearray()
        while True:
            size = int(handler.rfile.readline().split(b";")[0].strip(), 16)
            if size == 0:
                while handler.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass
                return bytes(data)
            data += handler.rfile.read(size)
            handler.rfile.readline()
    return handler.rfile.read(int(handler.headers.get("Content-Length") or 0))


def run(database, statement, rows, output_format):
    with LOCK:
        if database:
            SESSION.query(f"USE {database}")
        insert = INSERT.match(statement)
        if insert:
            with tempfile.NamedTemporaryFile(dir=DATA, suffix=".bin") as f:
                f.write(rows)
                f.flush()
                SESSION.query(f"INSERT INTO {insert.group(1)} FROM INFILE '{f.name}' FORMAT RowBinary")
            return b""
        result = SESSION.query(statement, output_format)
        return result.bytes() if result is not None else b""


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def answer(self, status, payload):
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=UTF-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self):
        url = urlsplit(self.path)
        if url.path in ("/ping", "/"):
            query = parse_qs(url.query).get("query")
            if not query:
                return self.answer(200, b"Ok.\n")
        self.handle_statement(b"")

    def do_POST(self):
        self.handle_statement(body(self))

    def handle_statement(self, data):
        params = parse_qs(urlsplit(self.path).query)
        database = params.get("database", [""])[0]
        output_format = params.get("default_format", ["TabSeparated"])[0]
        if "query" in params:
            statement, rows = params["query"][0], data
        else:
            statement, rows = data.decode("utf-8"), b""
        try:
            self.answer(200, run(database, statement, rows, output_format))
        except Exception as e:  # chDB's errors are ClickHouse's: answered as the server would
            sys.stderr.write(f"chdb_http: {e}\n  in: {statement[:2000]}\n")
            self.answer(500, f"Code: 0. DB::Exception: {e}".encode())

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
