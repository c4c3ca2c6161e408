"""LaTeX that fits a projector's column: equations broken into aligned rows, vectors that wrap like text.

KaTeX never breaks a display formula, so a long one is broken here, by an estimate of its width in em
(KaTeX_Main's metrics). Inline formulas may break after a top-level + or =, and after an \\allowbreak.
"""

import re

# The page's column at 1024×768 (wide layout, sidebar open) is 564 px; KaTeX draws at 1.21 × 16 px = 19.4 px
# per em, so 29 em. A row is kept to 27 em, room for the estimate's error.
ROW_WIDTH = 27.0

_TOKEN = re.compile(r"\\[a-zA-Z]+|\\.|.", re.DOTALL)
# Widths in em, spacing included: binary operators get 2 × 0.222 em around them, relations 2 × 0.278 em.
_WIDTHS = {
    "+": 1.22,
    "-": 1.22,
    "=": 1.34,
    "<": 1.34,
    r"\cdot": 0.72,
    r"\approx": 1.34,
    r"\le": 1.34,
    r"\quad": 1.0,
    r"\qquad": 2.0,
    r"\ ": 0.33,
    r"\,": 0.17,
    r"\;": 0.28,
    r"\partial": 0.56,
    r"\alpha": 0.64,
    r"\lambda": 0.59,
    r"\sum": 1.45,
    r"\lfloor": 0.45,
    r"\rfloor": 0.45,
    r"\lVert": 0.5,
    r"\rVert": 0.5,
    r"\max": 1.5,
    "(": 0.39,
    ")": 0.39,
    "[": 0.28,
    "]": 0.28,
    ".": 0.28,
    ",": 0.28,
    "'": 0.3,
    "…": 1.0,
    "/": 0.5,
}
# Commands that draw nothing themselves (accents sit on the next symbol; \Big[ is as wide as [).
_INVISIBLE = {r"\hat", r"\tilde", r"\left", r"\right", r"\big", r"\Big", r"\allowbreak", r"\displaystyle", r"\\", "&"}
_FRACTIONS = {r"\frac": 1.0, r"\dfrac": 1.0, r"\tfrac": 0.7}


def latex_width(latex: str) -> float:
    """About how wide KaTeX draws this formula, in em (subscripts and fractions at their smaller size)."""
    width, _ = _width(_TOKEN.findall(latex), 0)
    return width


def _width(tokens: list[str], start: int, stop_at_brace: bool = False) -> tuple[float, int]:
    total, i = 0.0, start
    while i < len(tokens):
        token = tokens[i]
        if token == "}" and stop_at_brace:
            return total, i + 1
        if token in ("_", "^"):
            part, i = _group(tokens, i + 1)
            total += 0.7 * part
            continue
        if token in _FRACTIONS:
            top, i = _group(tokens, i + 1)
            bottom, i = _group(tokens, i)
            total += _FRACTIONS[token] * max(top, bottom) + 0.24
            continue
        if token in (r"\begin", r"\end", r"\text", r"\mathrm"):
            if token in (r"\text", r"\mathrm"):
                inner, i = _group(tokens, i + 1)
                total += inner * 0.9  # text letters are narrower than math italics, spaces count
            else:
                _, i = _group(tokens, i + 1)
            continue
        if token == "{":
            part, i = _width(tokens, i + 1, stop_at_brace=True)
            total += part
            continue
        i += 1
        if token in _INVISIBLE or token == "}" or token.isspace():
            continue
        total += _WIDTHS.get(token, 0.5 if token.isdigit() else 0.6)
    return total, i


def _group(tokens: list[str], i: int) -> tuple[float, int]:
    """The width of one argument: a braced group, or a single token."""
    while i < len(tokens) and tokens[i].isspace():
        i += 1
    if i >= len(tokens):
        return 0.0, i
    if tokens[i] == "{":
        return _width(tokens, i + 1, stop_at_brace=True)
    return _width([tokens[i]], 0)[0], i + 1


def inline_vector(entries: list[str]) -> str:
    """(a, b, c) for inline math that may break after any comma, as text does, when it is too long for a line."""
    return "(" + r",\allowbreak\ ".join(entries) + ")"


def inline_sum(terms: list[str]) -> str:
    """a + b + c for inline math that may break between terms (never inside one: each term is a group)."""
    return " + ".join("{" + term + "}" for term in terms) if terms else "0"


class Terms:
    """Pieces joined into one side of an equation, which may be split across rows between two pieces."""

    def __init__(self, pieces: list[str], joiner: str = " + ", before: str = "", after: str = ""):
        self.pieces, self.joiner, self.before, self.after = pieces or ["0"], joiner, before, after

    def __str__(self) -> str:
        return self.before + self.joiner.join(self.pieces) + self.after

    def rows(self, first_room: float, room: float) -> list[str]:
        """The side over as many rows as it needs: the first with first_room em, the others with room.

        A row of a sum ends before a +, which starts the next row (as on paper); a list's row ends with its comma.
        """
        operator = self.joiner.strip()
        is_list = operator.startswith(",")
        rows, current, limit = [], self.before, first_room
        for n, piece in enumerate(self.pieces):
            ending = self.after if n == len(self.pieces) - 1 else ""
            joined = current + (self.joiner if n else "") + piece
            if n and latex_width(joined + ending) > limit:
                rows.append(current + ("," if is_list else ""))
                current, limit = (piece if is_list else f"{operator} {piece}"), room
            else:
                current = joined
        rows.append(current + self.after)
        return rows


INDENT = r"\quad "  # continuation rows of a long side start a little right of the = sign
EQUALS = latex_width("=")


def equation(left: str, sides: list, row_width: float = ROW_WIDTH) -> list[str]:
    """Rows of an aligned block for left = side₁ = side₂ … = result: one row when it fits, else a row per side,
    each starting with =, the result kept beside the last side, and a side too long for a row broken between terms."""
    sides = [side if isinstance(side, Terms) else Terms([str(side)]) for side in sides]
    one_row = left + " &= " + " = ".join(str(side) for side in sides)
    if latex_width(one_row) <= row_width:
        return [one_row]
    room = row_width - latex_width(left)  # the width of the column right of the &
    indent = latex_width(INDENT)
    rows, current, used = [], left + " &= ", EQUALS
    for n, side in enumerate(sides):
        width = latex_width(str(side))
        if n:
            if n == len(sides) - 1 and used + EQUALS + width <= room:
                current += " = " + str(side)
                continue
            rows.append(current)
            current, used = "&= ", EQUALS
        parts = side.rows(room - used, room - indent)
        for part in parts[:-1]:
            rows.append(current + part)
            current, used = "&" + INDENT, indent
        current, used = current + parts[-1], used + latex_width(parts[-1])
    rows.append(current)
    return rows


def aligned(rows: list[str]) -> str:
    """Display math: the rows of an aligned block, one under the other, lined up at &."""
    return "$$\n\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}\n$$"
