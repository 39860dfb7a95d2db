"""The only URL fetcher WeasyPrint gets: the app's static files, the record's media, data: URIs.

Everything else (the network, other files on disk, other records' media) is refused, so a template
or a value that smuggles in a URL can neither make a request nor read a file.
"""

from __future__ import annotations

import base64
import mimetypes
from pathlib import Path
from urllib.parse import unquote, unquote_to_bytes, urlsplit

from weasyprint.urls import URLFetcher, URLFetcherResponse


class RefusedURL(ValueError):
    """A URL outside what a PDF may load."""


def _data_uri(url: str) -> URLFetcherResponse:
    header, _, payload = url[len("data:") :].partition(",")
    params = header.split(";")
    mime = params[0] or "text/plain"
    body = base64.b64decode(payload) if "base64" in params[1:] else unquote_to_bytes(payload)
    return URLFetcherResponse(url, body, {"Content-Type": mime})


class RestrictedFetcher(URLFetcher):
    """``static_root``: the app's static folder; ``media``: the media files of the record being printed."""

    def __init__(self, static_root: str | Path, media=()):
        super().__init__(allowed_protocols=("data", "file"), allow_redirects=False)
        self.static_root = Path(static_root).resolve()
        self.media = {Path(p).resolve() for p in media}
        self.refused: list[str] = []
        self.fetched: list[str] = []

    def allows_path(self, path: Path) -> bool:
        path = path.resolve()
        if path in self.media:
            return path.is_file()
        return path.is_relative_to(self.static_root) and path.is_file()

    def fetch(self, url, headers=None):
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme == "data":
            return _data_uri(url)
        if scheme == "file" and parts.netloc in ("", "localhost"):
            path = Path(unquote(parts.path))
            if self.allows_path(path):
                self.fetched.append(url)
                mime, _ = mimetypes.guess_type(path.name)
                return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime or "application/octet-stream"})
        self.refused.append(url)
        raise RefusedURL(f"refused to fetch {url!r}: PDFs may load only the app's static files and the record's media")
