"""A body in the form a shape's BodyType asks for (Text, HTML, Best), and FilterHtmlContent's safe HTML.

Exchange converts between the two on read: an HTML body asked for as Text is its text, line by line, each line
ending in CRLF; a text body asked for as HTML is wrapped in Exchange's HTML document. FilterHtmlContent drops
what may run or load (scripts, styles, event handlers, frames, objects) and writes the document Exchange's
filter writes: a head with its charset meta, whitespace collapsed, the body's last line ending in a space.
Parsing is the standard library's :mod:`html.parser`.
"""
from __future__ import annotations

import html
import re
from html.parser import HTMLParser

from .item import Body

_HEAD = '<html>\r\n<head>\r\n<meta http-equiv="Content-Type" content="text/html; charset=utf-8">\r\n</head>\r\n'
#: elements that end a line of text
_BLOCKS = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol",
                     "blockquote", "pre", "hr"})
#: elements whose content is never text nor kept by the filter
_HIDDEN = frozenset({"script", "style", "head", "title", "noscript", "template"})
#: elements the filter drops with their content
_UNSAFE = _HIDDEN | frozenset({"iframe", "frame", "frameset", "object", "embed", "applet", "form", "meta",
                               "link", "base"})
_VOID = frozenset({"br", "hr", "img", "input", "meta", "link", "base", "col", "area", "wbr", "source"})
_SPACE = re.compile(r"\s+")


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = [""]
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in _HIDDEN:
            self.hidden += 1
        elif tag in _BLOCKS:
            self._break()

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in _BLOCKS:
            self._break()

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.lines[-1] += _SPACE.sub(" ", data)

    def _break(self) -> None:
        if self.lines[-1].strip():
            self.lines.append("")


def html_to_text(text: str) -> str:
    parser = _Text()
    parser.feed(text)
    parser.close()
    lines = [line.strip() for line in parser.lines if line.strip()]
    return "".join(f"{line}\r\n" for line in lines)


def text_to_html(text: str) -> str:
    lines = text.replace("\r\n", "\n").split("\n")
    inner = "<br>\r\n".join(html.escape(line, quote=False) for line in lines)
    return f"{_HEAD}<body>\r\n<div>{inner}</div>\r\n</body>\r\n</html>\r\n"


class _Filter(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.dropped = 0
        self.in_body = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in ("html", "body"):
            self.in_body = self.in_body or tag == "body"
            return
        if tag in _UNSAFE:
            if tag not in _VOID:
                self.dropped += 1
            return
        if self.dropped:
            return
        kept = "".join(f' {name}="{html.escape(value or "", quote=True)}"' for name, value in attrs
                       if not name.startswith("on") and not (value or "").strip().lower().startswith("javascript:"))
        self.out.append(f"<{tag}{kept}>")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("html", "body"):
            return
        if tag in _UNSAFE:
            if tag not in _VOID:
                self.dropped = max(0, self.dropped - 1)
            return
        if not self.dropped and tag not in _VOID:
            self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if not self.dropped:
            self.out.append(html.escape(_SPACE.sub(" ", data), quote=False))


def filtered_html(text: str) -> str:
    parser = _Filter()
    parser.feed(text)
    parser.close()
    inner = "".join(parser.out).strip()
    return f"{_HEAD}<body>\r\n{inner} \r\n</body>\r\n</html>\r\n"


def as_requested(body: Body, body_type: str | None, filter_html: bool = False) -> Body:
    """``body`` as a shape's BodyType (None or ``Best``: as stored) and FilterHtmlContent ask for it."""
    if body_type == "Text" and body.body_type == "HTML":
        return Body(html_to_text(body.text), "Text")
    if body_type == "HTML" and body.body_type == "Text":
        return Body(text_to_html(body.text), "HTML")
    if filter_html and body.body_type == "HTML" and body_type != "Text":
        return Body(filtered_html(body.text), "HTML")
    return body
