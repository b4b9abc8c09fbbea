"""The headers every answer carries: the content security policy and its companions."""

from __future__ import annotations


def content_security_policy(nonce: str | None = None) -> str:
    """Scripts from this service only (and, for a folium page, its own inline scripts carrying
    this answer's nonce): never inline script otherwise, so markup planted in data cannot run.
    Styles may be inline (Leaflet and folium position everything with style attributes); tiles
    of a chosen basemap (images) may come from its host; data URLs for icons."""
    scripts = "'self'" + (f" 'nonce-{nonce}'" if nonce else "")
    return (f"default-src 'self'; img-src 'self' data: https:; style-src 'self' 'unsafe-inline'; "
            f"script-src {scripts}; object-src 'none'; base-uri 'none'; form-action 'self'; "
            f"font-src 'self' data:; connect-src 'self'; frame-ancestors 'self'")


HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "SAMEORIGIN",
    "Content-Security-Policy": content_security_policy(),
}

# An answer for the signed-in user alone: kept by no shared cache, asked again before reuse. Every
# answer that says nothing of caching gets it (api/security.Guard); an answer with an ETag names it.
PRIVATE = {"Cache-Control": "private, no-cache", "Vary": "Authorization, Cookie"}
