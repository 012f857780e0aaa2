"""The few Markdown constructs a provider guide uses (paragraphs, numbered lists, **bold**, *italic*, `code`)."""
import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

_INLINE = (
    (re.compile(r"`([^`]+)`"), r"<code>\1</code>"),
    (re.compile(r"\*\*([^*]+)\*\*"), r"<strong>\1</strong>"),
    (re.compile(r"\*([^*]+)\*"), r"<em>\1</em>"),
)
_ITEM = re.compile(r"^\d+\.\s+")


def render_guide(text: str) -> SafeString:
    """HTML for a guide written by a provider module (trusted text, escaped all the same)."""
    blocks = []
    for block in text.split("\n\n"):
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        if not lines:
            continue
        if _ITEM.match(lines[0]):
            items: list[str] = []
            for line in lines:
                if _ITEM.match(line):
                    items.append(_ITEM.sub("", line))
                else:
                    items[-1] += " " + line
            blocks.append("<ol>" + "".join(f"<li>{_inline(item)}</li>" for item in items) + "</ol>")
        else:
            blocks.append(f"<p>{_inline(' '.join(lines))}</p>")
    return mark_safe("\n".join(blocks))


def _inline(text: str) -> str:
    html = escape(" ".join(text.split()))
    for pattern, replacement in _INLINE:
        html = pattern.sub(replacement, html)
    return html
