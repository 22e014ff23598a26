"""kb serve: a local preview of the built site over http (Pagefind and axe need http, not file://)."""

from __future__ import annotations

import os
import sys
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from .errors import KbError
from .layout import NOT_FOUND_PAGE

DEFAULT_HOST = "127.0.0.1"

# Types Python's table lacks or gets wrong for the site's files.
MEDIA_TYPES = {
    ".jsonld": "application/ld+json",
    ".json": "application/json",
    ".ttl": "text/turtle; charset=utf-8",
    ".trig": "application/trig; charset=utf-8",
    ".nq": "application/n-quads; charset=utf-8",
    ".csv": "text/csv; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".wasm": "application/wasm",
    ".pagefind": "application/octet-stream",
    ".pf_meta": "application/octet-stream",
    ".pf_index": "application/octet-stream",
    ".pf_fragment": "application/octet-stream",
    ".pf_filter": "application/octet-stream",
    ".ico": "image/x-icon",
}


class ServeError(KbError):
    """The site cannot be served: no built site, or the port is taken."""


class _Handler(SimpleHTTPRequestHandler):
    """Static files with the site's media types, never cached, logged briefly to stderr."""

    extensions_map = {**SimpleHTTPRequestHandler.extensions_map,  # noqa: RUF012  (a dict in
                      **MEDIA_TYPES}  # the base class, read per instance)

    def send_head(self):
        """Refuse what is not a file or folder of the site itself: a path with a NUL (which
        open() cannot take), or one a symlink leads out of the site folder."""
        path = self.translate_path(self.path)
        if "\0" in path or not _inside(path, self.directory):
            self.send_error(HTTPStatus.NOT_FOUND, "File not found")
            return None
        return super().send_head()

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def list_directory(self, path):
        """A folder without index.html is not a page: answer 404, never a listing."""
        self.send_error(404, "Not found")
        return None

    def send_error(self, code: int, message: str | None = None, explain: str | None = None
                   ) -> None:
        """A missing page gets the site's own 404 page, as a static host would serve it."""
        page = Path(self.directory) / NOT_FOUND_PAGE
        if code != 404 or not page.is_file():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(404, message)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format: str, *args) -> None:
        sys.stderr.write(f"{self.address_string()} {format % args}\n")


def _inside(path: str, folder: str) -> bool:
    """Does path, with every symlink resolved, lie in folder (resolved too)?"""
    real, root = os.path.realpath(path), os.path.realpath(folder)
    return real == root or real.startswith(root.rstrip(os.sep) + os.sep)


class SiteServer(ThreadingHTTPServer):
    """A threaded http server for one site folder."""

    daemon_threads = True

    @property
    def url(self) -> str:
        """The address to open in a browser."""
        host, port = self.server_address[:2]
        name = host.decode() if isinstance(host, bytes) else host
        return f"http://{name}:{port}/"


def make_server(site: Path, host: str = DEFAULT_HOST, port: int = 8000,
                quiet: bool = False) -> SiteServer:
    """A server for the built site in `site`; call serve_forever() on it."""
    if not (site / "index.html").is_file():
        raise ServeError(f"{site}: no built site here; run kb build first, or pass --site DIR")
    handler = partial(_QuietHandler if quiet else _Handler, directory=str(site))
    try:
        return SiteServer((host, port), handler)
    except OSError as exc:
        raise ServeError(f"cannot listen on {host}:{port}: {exc.strerror or exc}; pass "
                         "--port N (0 picks a free port)") from None


class _QuietHandler(_Handler):
    """The same handler without request logging (for tests)."""

    def log_message(self, format: str, *args) -> None:
        return None
