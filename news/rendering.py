"""Markdown to HTML, and the one HTML sanitizing policy every page and the API apply.

Editors are trusted to write, not to write HTML that runs: ``markdown_render`` turns Markdown
into HTML and ``html_sanitize`` keeps only an allow-list of tags and attributes, drops scripts
and their content, event handlers, ``style``, every URL scheme but http(s) and mailto (so
``javascript:`` and ``data:`` go) and every iframe whose source is not on this site or on a
host in ``settings.NEWS_IFRAME_HOSTS``. The body is sanitized when it is saved and again when
it is shown, so HTML written into the table behind the application's back still cannot run.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urlsplit

import markdown
import nh3
from django.conf import settings

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "div", "dl", "dt", "em",
    "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "iframe", "img", "ins", "li",
    "mark", "ol", "p", "pre", "s", "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot",
    "th", "thead", "tr", "u", "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "iframe": {"src", "title", "width", "height", "allowfullscreen"},
    "ol": {"start"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
}
URL_SCHEMES = {"http", "https", "mailto"}
# Tags dropped together with everything inside them (not just the tag).
CLEAN_CONTENT_TAGS = {"script", "style", "object", "embed", "template", "noscript"}
_EMPTY_IFRAME = re.compile(r"<iframe\b(?![^>]*\ssrc=)[^>]*>.*?</iframe>", re.DOTALL | re.IGNORECASE)


@lru_cache(maxsize=1)
def iframe_hosts() -> frozenset[str]:
    """Hosts an iframe may show: this site's own host plus ``settings.NEWS_IFRAME_HOSTS``."""
    hosts = {urlsplit(settings.SITE_URL).hostname or ""}
    hosts.update(getattr(settings, "NEWS_IFRAME_HOSTS", []))
    return frozenset(h.lower() for h in hosts if h)


def _iframe_src_allowed(value: str) -> bool:
    value = value.strip()
    parts = urlsplit(value)
    if not parts.scheme and not parts.netloc:
        return value.startswith("/") and not value.startswith("//")  # a path on this site
    return parts.scheme in {"http", "https"} and (parts.hostname or "").lower() in iframe_hosts()


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    if tag == "iframe" and attribute == "src" and not _iframe_src_allowed(value):
        return None
    return value


def html_sanitize(html: str) -> str:
    """Return ``html`` with only the allow-listed tags, attributes and URL schemes.

    Idempotent: sanitizing sanitized HTML gives the same HTML. Foreign iframes are removed
    entirely (not left as empty frames).
    """
    cleaned = nh3.clean(
        html or "",
        tags=ALLOWED_TAGS,
        clean_content_tags=CLEAN_CONTENT_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_attribute_filter,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
        set_tag_attribute_values={
            "img": {"loading": "lazy"},
            "iframe": {"sandbox": "allow-scripts allow-same-origin allow-presentation", "loading": "lazy"},
        },
    )
    return _EMPTY_IFRAME.sub("", cleaned)


def markdown_render(text: str) -> str:
    """Render Markdown (with tables and fenced code) to sanitized HTML."""
    html = markdown.markdown(text or "", extensions=["tables", "fenced_code", "sane_lists", "nl2br"],
                             output_format="html")
    return html_sanitize(html)
