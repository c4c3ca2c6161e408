"""KaTeX for the layer as a matrix: bracketed matrices and vectors that fit a projector's column, each weight in its
colour from the sliding-window picture, and a highlighted output or weight lit while the rest turns grey."""

from dataclasses import dataclass

from core.chart_style import PALETTE
from core.exercise.layer.conv1d import Layer, Vector
from core.exercise.views.matrix import weight_at
from core.exercise.writing.numbers import format_number
from core.exercise.writing.typeset import ROW_WIDTH, inline_vector, latex_width

Highlight = tuple[str, int] | None  # ("output", i) or ("weight", l), 0-based; None: nothing picked
GREY = "#9AA0A6"  # zeros, and what a highlight leaves out: readable on light and dark backgrounds
MAX_TYPESET_ROWS = 16  # a taller column vector would push the rest of the tab off the screen
COLUMN_GAP = 1.0  # em between a KaTeX matrix's columns (2 × arraycolsep)
BRACKETS = 1.2  # em of the two brackets of a bmatrix


def weight_colour(l: int) -> str:
    """w_l's colour in the sliding-window picture (its colour scale runs through the palette in order)."""
    return PALETTE[l % len(PALETTE)]


def is_lit(layer: Layer, i: int, q: int, highlight: Highlight) -> bool:
    """Whether W's cell (i, q) is lit by the highlight (a cell holding a weight, never a zero)."""
    l = weight_at(layer, i, q)
    if l is None or highlight is None:
        return False
    kind, index = highlight
    return (kind == "output" and i == index) or (kind == "weight" and l == index)


def lit_inputs(layer: Layer, highlight: Highlight) -> dict[int, int]:
    """The padded inputs a highlight lights (q → the weight l it meets there): output i's window, or w_l's inputs."""
    if highlight is None:
        return {}
    kind, index = highlight
    if kind == "output":
        return {layer.weight_input(index, l): l for l in range(len(layer.w))}
    return {layer.weight_input(i, index): index for i in range(layer.output_length)}


@dataclass(frozen=True)
class Entry:
    """One entry of a typeset matrix or vector: its LaTeX, and how it is painted."""

    latex: str
    colour: str | None = None  # None: the text colour of the theme
    bold: bool = False

    def __str__(self) -> str:
        latex = rf"\boldsymbol{{{self.latex}}}" if self.bold else self.latex
        return rf"\textcolor{{{self.colour}}}{{{latex}}}" if self.colour else latex


@dataclass(frozen=True)
class Typeset:
    latex: str
    width: float  # em, about
    rows: int


def bmatrix(rows: list[list[Entry]]) -> Typeset:
    """A bracketed matrix (a column vector when each row has one entry), with about how wide KaTeX draws it."""
    columns = list(zip(*rows))
    width = sum(max(latex_width(entry.latex) for entry in column) for column in columns)
    width += COLUMN_GAP * (len(columns) - 1) + BRACKETS
    body = r" \\ ".join(" & ".join(str(entry) for entry in row) for row in rows)
    return Typeset(rf"\begin{{bmatrix}} {body} \end{{bmatrix}}", width, len(rows))


def column(entries: list[Entry]) -> Typeset:
    return bmatrix([[entry] for entry in entries])


def typesettable(rows: int, columns: int) -> bool:
    """Whether a matrix this big could fit the column at all (each column at least a digit and a gap wide)."""
    return rows <= MAX_TYPESET_ROWS and columns * (0.5 + COLUMN_GAP) + BRACKETS <= ROW_WIDTH


def chain(left: str, sides: list[tuple[str, float]], tallest: int) -> str | None:
    """left = side₁ = side₂ …: one row when it fits, else two, the second starting with =; None when it needs more."""
    if tallest > MAX_TYPESET_ROWS:
        return None
    room = ROW_WIDTH - latex_width(left) - latex_width("=")
    if any(width > room for _, width in sides):
        return None
    rows, current, used = [], [], 0.0
    for latex, width in sides:
        extra = width + (latex_width("=") if current else 0)
        if current and used + extra > room:
            rows.append(" = ".join(current))
            current, used = [], 0.0
            extra = width
        current.append(latex)
        used += extra
    rows.append(" = ".join(current))
    if len(rows) > 2:  # a third row of tall matrices would fill the screen
        return None
    if len(rows) == 1:
        return f"$$\n{left} = {rows[0]}\n$$"
    body = " \\\\\n".join((left if n == 0 else "") + " &= " + row for n, row in enumerate(rows))
    return "$$\n\\begin{aligned}\n" + body + "\n\\end{aligned}\n$$"


def product_display(
    left: tuple[str, str], symbolic: str, product: tuple[str, float], result: Typeset, tallest: int, values: Vector
) -> str | None:
    """left = symbolic = [matrix][vector] = [result] in at most two rows; the result as text when it no longer fits.

    left is (display LaTeX, inline LaTeX); None when even the product is too big to typeset.
    """
    sides = [(symbolic, latex_width(symbolic)), product]
    shown = chain(left[0], [*sides, (result.latex, result.width)], max(tallest, result.rows))
    if shown is not None:
        return shown
    shown = chain(left[0], sides, tallest)
    if shown is None:
        return None
    return rf"{shown}" + "\n\n" + rf"That is, ${left[1]} = {vec(values)}.$"


def vec(values: Vector) -> str:
    """A vector inside a sentence: it wraps after a comma, like the words around it."""
    return inline_vector([format_number(v) for v in values])


def cell(layer: Layer, i: int, q: int, highlight: Highlight, symbol: bool) -> Entry:
    """W's entry (i, q): w_l (or its value) in w_l's colour; zeros, and cells a highlight leaves out, grey."""
    l = weight_at(layer, i, q)
    if l is None:
        return Entry("0", GREY)
    latex = f"w_{{{l + 1}}}" if symbol else format_number(layer.w[l])
    if highlight is None:
        return Entry(latex, weight_colour(l))
    return Entry(latex, weight_colour(l), True) if is_lit(layer, i, q, highlight) else Entry(latex, GREY)


def matrix_entries(layer: Layer, highlight: Highlight, symbol: bool, transposed: bool = False) -> list[list[Entry]]:
    rows = [
        [cell(layer, i, q, highlight, symbol) for q in range(len(layer.padded_x))] for i in range(layer.output_length)
    ]
    return [list(r) for r in zip(*rows)] if transposed else rows


def input_entries(layer: Layer, values: Vector, highlight: Highlight) -> list[Entry]:
    """A vector over x̃: with a highlight, the inputs it lights in their weight's colour, the others grey."""
    lit = lit_inputs(layer, highlight)
    if highlight is None:
        return [Entry(format_number(v)) for v in values]
    return [
        Entry(format_number(v), weight_colour(lit[q]), True) if q in lit else Entry(format_number(v), GREY)
        for q, v in enumerate(values)
    ]


def output_entries(values: Vector, highlight: Highlight) -> list[Entry]:
    """A vector over the outputs: a highlighted output in bold, the others grey; a weight touches every output."""
    if highlight is None or highlight[0] != "output":
        return [Entry(format_number(v)) for v in values]
    return [
        Entry(format_number(v), None, True) if i == highlight[1] else Entry(format_number(v), GREY)
        for i, v in enumerate(values)
    ]
