"""Page bytes to text: the one decoder of text dumps, HTML pages and JSON Lines files."""

from __future__ import annotations

import codecs
import logging
import re

import charset_normalizer

logger = logging.getLogger(__name__)

# Encodings an undeclared non-UTF-8 page is tried in: those news sites in our region use.
# Left open, charset-normalizer read a Latin-1 "Göttingen" page as HP Roman-8.
LEGACY_ENCODINGS = [
    "cp1252",
    "cp1251",
    "koi8_r",
    "cp1250",
    "cp1254",
    "cp1256",
    "gb18030",
    "big5",
    "shift_jis",
    "euc_kr",
    "utf_16",
]

# UTF-32 before UTF-16: the UTF-32-LE BOM starts with the UTF-16-LE one.
BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Both <meta charset="x"> and <meta http-equiv="Content-Type" content="text/html; charset=x">.
META_CHARSET_RE = re.compile(rb"<meta[^>]{0,500}?charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:\-]+)", re.I)
XML_ENCODING_RE = re.compile(rb"^\s*<\?xml[^>]{0,200}?encoding\s*=\s*[\"']([A-Za-z0-9_.:\-]+)")
# How far into the page to look for a declaration: some CMSs put 10 KB of inline CSS first.
SNIFF_BYTES = 16384
# WHATWG: browsers read these labels as their supersets, and so must we (a "latin-1" page
# with curly quotes is really windows-1252, as on several German pages of trafilatura's set).
CHARSET_SUPERSETS = {
    "latin_1": "cp1252",
    "iso8859-1": "cp1252",
    "ascii": "cp1252",
    "iso8859-9": "cp1254",
    "iso8859-11": "cp874",
    "tis-620": "cp874",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "big5": "big5hkscs",
    "shift_jis": "cp932",
    "euc_kr": "cp949",
}
SINGLE_BYTE_PREFIXES = ("cp", "iso8859", "koi8", "mac", "latin", "tis")


def _codec(label: bytes | str | None) -> str | None:
    """Returns the Python codec name for a charset label, mapped to its WHATWG superset."""
    if not label:
        return None
    text = label.decode("ascii", "ignore") if isinstance(label, bytes) else label
    try:
        name = codecs.lookup(text.strip().lower()).name
    except LookupError:
        return None
    if name.startswith(("utf-16", "utf-32")):
        return "utf-8"  # a BOM-less page that says UTF-16 is ASCII-compatible: WHATWG says UTF-8
    return CHARSET_SUPERSETS.get(name, name)


def _is_utf8(data: bytes) -> bool:
    """Returns True when data decodes strictly as UTF-8."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def decode(data: bytes, *, markup: bool = False) -> tuple[str, str]:
    """Returns (text, charset) for a page's bytes: BOM, declared charset (HTML), UTF-8, detection
    among the charsets of our sources; never raises.

    Args:
        data: the page as fetched.
        markup: the page is HTML or XML: a charset it declares is read first.

    Returns:
        The decoded text and the Python name of the codec that decoded it. When no codec
        decodes the bytes cleanly, the text is UTF-8 with U+FFFD for the bad bytes.
    """
    if not data:
        return "", "utf-8"
    for bom, name in BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(name, "replace"), name
    head = data[:SNIFF_BYTES]
    found = (XML_ENCODING_RE.search(head) or META_CHARSET_RE.search(head)) if markup else None
    declared = _codec(found.group(1)) if found else None
    non_ascii = not data.isascii()
    if declared and declared.startswith(SINGLE_BYTE_PREFIXES) and non_ascii and _is_utf8(data):
        # Valid multi-byte UTF-8 is next to impossible by chance in a single-byte charset:
        # the declaration is stale (a page re-saved as UTF-8 with its old <meta> kept).
        return data.decode("utf-8"), "utf-8"
    if declared:
        try:
            return data.decode(declared), declared
        except UnicodeDecodeError:
            logger.debug("page declares %s but does not decode as it", declared)
    elif _is_utf8(data):
        return data.decode("utf-8"), "utf-8"
    best = charset_normalizer.from_bytes(data, cp_isolation=LEGACY_ENCODINGS).best()
    if best is not None and best.encoding:
        name = _codec(best.encoding) or best.encoding
        try:
            return data.decode(name), name
        except (UnicodeDecodeError, LookupError):
            return str(best), best.encoding
    fallback = declared or "utf-8"
    return data.decode(fallback, "replace"), fallback


UTF16_32_BOMS = tuple(bom for bom, name in BOMS if name.startswith(("utf-16", "utf-32")))
