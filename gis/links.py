"""Links a user hands the service: where to go after signing in must be a page of this site."""

from __future__ import annotations

import posixpath
from urllib.parse import quote, unquote, urlsplit


def local_path(value: str, default: str = "/") -> str:
    """``value`` as a path on this site (with its query), or ``default`` when it could lead
    anywhere else.

    The path is percent-decoded until nothing changes and its dot segments resolved, so that
    encodings (``/.%2F/evil.com``, ``/%2E//evil.com``, ``/./%2Fevil.com``) cannot hide a second
    slash or a backslash that a browser would read as another host; what comes back is that
    normalised path, re-encoded.
    """
    if not value.startswith("/") or any(ord(c) < 0x20 or c == "\x7f" for c in value):
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return default
    path = parts.path
    for _ in range(10):
        decoded = unquote(path)
        if decoded == path:
            break
        path = decoded
    else:
        return default
    if "\\" in path or any(ord(c) < 0x20 or c == "\x7f" for c in path):
        return default
    normal = posixpath.normpath(path)
    if normal.startswith("//"):  # POSIX keeps a leading "//"
        normal = "/" + normal.lstrip("/")
    if path.endswith("/") and normal != "/":
        normal += "/"
    query = f"?{parts.query}" if parts.query else ""
    return quote(normal, safe="/-_.~!$&'()*+,;=:@") + query
