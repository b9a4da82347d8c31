"""Reading one article: plain text, HTML, or the dev-set layout, plus its publication date.

The publication date is the anchor for every relative date in the text, so it
is taken from the document itself when it says so (a leading ``date
YYYY-MM-DD`` token, a dateline, a date in the URL path) or from the caller.
"""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from pathlib import Path

from salvo.extract.dates import MONTHS

_URL_LINE = re.compile(r"^\s*(https?://\S+)\s*$")
_DATE_TOKEN = re.compile(r"^\s*date (\d{4})-(\d{2})-(\d{2})\b")
_URL_YMD = re.compile(r"/(20\d\d|19\d\d)[/-](\d{1,2})[/-](\d{1,2})(?=[/_.-]|$)")
_URL_YM = re.compile(r"/(20\d\d|19\d\d)/(\d{1,2})(?=/)")
_URL_MONTHNAME = re.compile(r"/(20\d\d)/([a-z]{3})/(\d{1,2})/")
_URL_DMY = re.compile(r"/(\d{1,2})[/-](\d{1,2})[/-](20\d\d)(?=[/_.-]|$)")
_URL_DMY_PACKED = re.compile(r"/(\d{2})(\d{2})(20\d\d)\d*(?=[-/_.]|$)")
_MONTH = r"(Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
_DATELINE = [
    re.compile(rf"\b{_MONTH} (\d{{1,2}}),? (20\d\d)\b"),
    re.compile(rf"\b(\d{{1,2}}) {_MONTH},? (20\d\d)\b"),
]
_DATELINE_DMY_SLASH = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(20\d\d)\s*$", re.MULTILINE)


class _TextOnly(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in ("p", "br", "div", "li", "h1", "h2", "h3", "h4", "tr", "title"):
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1
        elif tag in ("p", "div", "li", "h1", "h2", "h3", "h4", "tr", "title"):
            self.parts.append("\n")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """The visible text of an HTML page, one block per line."""
    parser = _TextOnly()
    parser.feed(html)
    parser.close()
    return re.sub(r"\n\s*\n+", "\n\n", "".join(parser.parts)).strip()


def read_article(path: str | Path, published: dt.date | None = None) -> tuple[str, str | None, dt.date | None]:
    """Read an article file and return ``(text, url, published)``.

    Handles HTML (tags stripped with the standard library's parser), the
    dev-set layout (line 1 the URL, a blank line, then the text) and plain
    text. `published` from the caller wins over a date found in the document.
    """
    raw = Path(path).read_text(encoding="utf-8", errors="replace")
    url = None
    first, _, rest = raw.partition("\n")
    if _URL_LINE.match(first):
        url = first.strip()
        raw = rest.lstrip("\n")
    if re.search(r"<(?:html|body|p|div|br)\b", raw[:5000], re.IGNORECASE):
        raw = html_to_text(raw)
    found = published or publication_date(raw, url)
    return raw, url, found if isinstance(found, dt.date) else None


def publication_date(text: str, url: str | None = None) -> dt.date | None:
    """The publication day stated by the document, or None.

    Tried in order: the store's leading ``date YYYY-MM-DD`` token, a full date
    in the URL path (``/2021/07/05/``, ``/2021-07-07/``, ``05-07-2021``), a
    dateline with a full date in the first lines of the text.
    """
    if m := _DATE_TOKEN.match(text):
        return _safe(int(m[1]), int(m[2]), int(m[3]))
    if url:
        day = url_date(url)
        if isinstance(day, dt.date):
            return day
    head = text[:400]
    for pattern in _DATELINE:
        for m in pattern.finditer(head):
            if re.search(r"\bon (?:\w+day,? )?$", head[: m.start()], re.IGNORECASE):
                continue
            groups = m.groups()
            if groups[0].isdigit():
                day, month, year = int(groups[0]), MONTHS[groups[1][:3].lower()], int(groups[2])
            else:
                month, day, year = MONTHS[groups[0][:3].lower()], int(groups[1]), int(groups[2])
            return _safe(year, month, day)
    if m := _DATELINE_DMY_SLASH.search(text[:600]):
        return _safe(int(m[3]), int(m[1]), int(m[2])) or _safe(int(m[3]), int(m[2]), int(m[1]))
    return None


def url_date(url: str) -> dt.date | str | None:
    """The date in a URL path: a day, or ``"YYYY-MM"`` when only the month is given."""
    path = re.sub(r"^https?://[^/]+", "", url)
    if m := _URL_YMD.search(path):
        return _safe(int(m[1]), int(m[2]), int(m[3]))
    if m := _URL_MONTHNAME.search(path):
        if (month := MONTHS.get(m[2])) is not None:
            return _safe(int(m[1]), month, int(m[3]))
    if m := _URL_DMY.search(path):
        return _safe(int(m[3]), int(m[2]), int(m[1]))
    if m := _URL_DMY_PACKED.search(path):
        return _safe(int(m[3]), int(m[2]), int(m[1]))
    if m := _URL_YM.search(path):
        return f"{m[1]}-{int(m[2]):02d}"
    return None


def _safe(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None
