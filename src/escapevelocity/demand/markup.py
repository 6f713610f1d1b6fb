"""Markdown written by the hub (requirements, playbooks), rendered and then sanitized."""

from __future__ import annotations

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "strong", "em", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip


def render_markdown(text: str) -> SafeString:
    """Markdown to HTML, then cleaned by nh3 (Ammonia): no scripts, styles, images or raw HTML
    surprises; links keep only http(s) and mailto, with rel="noopener noreferrer"."""
    html = markdown.markdown(text or "", extensions=["tables", "sane_lists"])
    cleaned = nh3.clean(
        html,
        tags=TAGS,
        attributes={"a": {"href", "title"}, "th": {"align"}, "td": {"align"}},
        url_schemes={"http", "https", "mailto"},
    )
    return mark_safe(cleaned)  # noqa: S308 -- sanitized by nh3 just above
