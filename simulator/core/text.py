"""Text safe to print on a terminal: control characters escaped, one line per problem.

Scenario keys and values reach error messages; a key holding ESC, a newline or a NUL must
not clear the screen, forge an "ok" line or split one problem into two.
"""

from __future__ import annotations

import unicodedata


def printable(text: str) -> str:
    """``text`` with control and format characters (C0, DEL, C1, bidi overrides, ...)
    written as Python escapes."""
    if text.isprintable():
        return text
    out = []
    for ch in text:
        if ch == " " or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
            out.append(ch)
        else:
            out.append(ch.encode("unicode_escape").decode("ascii"))
    return "".join(out)
