"""Worksheets for a class: seeded exercises and their exact answers, as a student sheet and an answer key, in PDF
(typeset offline by typst, from worksheet.typ beside this file) and in Markdown with LaTeX."""

import json
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from fractions import Fraction
from pathlib import Path
from urllib.parse import urlencode

import typst

from core.exercise.layer.conv1d import LOSS_RULES, OPERATIONS, Solution, solve
from core.exercise.layer.conventions import LOSS_LABELS, OPERATION_LABELS
from core.exercise.practice.exercises import LEVELS, random_exercise, task_text
from core.exercise.writing.numbers import compact_number, format_number, is_finite_decimal
from core.links import choice_from_link, number_from_link

MAX_EXERCISES = 30
MAX_SEED = 999_999
PAPERS = {"A4": "a4", "Letter": "us-letter"}  # as the page names them → as typst does
PAGE_PATH = "/worksheets"
PAGE = "the sheet"  # what shows a link's values, in the sentences that say one was changed
TITLE = "Convolution by hand"
TEMPLATE = Path(__file__).with_name("worksheet.typ")
# The least room to work an exercise out on the student sheet, in cm: its box grows to fill its share of the page.
WORKING_SPACE = 3.2


@dataclass(frozen=True)
class SheetSettings:
    """What a teacher picks: how many exercises, how hard, in which convention, from which seed, on which paper."""

    count: int = 10
    level: str = "stride_padding"
    operation: str = "correlation"
    rule: str = "half"
    seed: int = 1
    paper: str = "A4"


# The URL names start with sheet_: the app is one page of URL parameters, and the lab already says `seed`.
URL_NAMES = {
    "count": "sheet_count",
    "level": "sheet_level",
    "operation": "sheet_op",
    "rule": "sheet_loss",
    "seed": "sheet_seed",
    "paper": "sheet_paper",
}
CHOICES = {"level": tuple(LEVELS), "operation": OPERATIONS, "rule": LOSS_RULES, "paper": tuple(PAPERS)}
CHOICE_LABELS = {"level": LEVELS, "operation": OPERATION_LABELS, "rule": LOSS_LABELS, "paper": {p: p for p in PAPERS}}
BOUNDS = {"count": (1, MAX_EXERCISES), "seed": (0, MAX_SEED)}

OPERATION_NAMES = {
    "correlation": "cross-correlation (the kernel as written)",
    "convolution": "true convolution (the kernel flipped)",
}
RULE_NAMES = {
    "half": "loss ½Σ (half the sum of squared errors)",
    "sum": "loss Σ (the sum of squared errors)",
    "mean": "loss (1/m)Σ (the mean of the squared errors)",
}


@dataclass(frozen=True)
class Question:
    typst: str  # the quantity asked for, in typst math
    latex: str
    answer: Callable[[Solution], object]  # the exact answer: a Fraction or a tuple of them


QUESTIONS = {
    "y_hat": Question("hat(y)", r"\hat y", lambda s: s.y_hat),
    "loss": Question("L", "L", lambda s: s.loss),
    "d_w": Question("partial L \\/ partial w", r"\partial L/\partial w", lambda s: s.grads.d_w),
    "d_b": Question("partial L \\/ partial b", r"\partial L/\partial b", lambda s: s.grads.d_b),
    "w_new": Question("w'", "w'", lambda s: s.new_layer.w),
    "b_new": Question("b'", "b'", lambda s: s.new_layer.b),
    # Last, on a line of its own: a vector as long as the input, and not needed for the step.
    "d_x": Question("partial L \\/ partial x", r"\partial L/\partial x", lambda s: s.grads.d_x),
}
# The levels past "with ∂L/∂x" keep asking for it.
ASKS_INPUT_GRADIENT = ("input_gradient", "dilation")


def questions(level: str) -> list[str]:
    return [key for key in QUESTIONS if key != "d_x" or level in ASKS_INPUT_GRADIENT]


@dataclass(frozen=True)
class Worksheet:
    """The exercises of one sheet, each solved exactly."""

    settings: SheetSettings
    solutions: tuple[Solution, ...]


def make_worksheet(settings: SheetSettings) -> Worksheet:
    """The same settings give the same exercises; a longer sheet starts with the shorter one's exercises."""
    rng = random.Random(settings.seed)
    solutions = []
    for _ in range(settings.count):
        layer, y, lr = random_exercise(rng, settings.level, settings.operation, settings.rule)
        solutions.append(solve(layer, y, lr, settings.rule))
    return Worksheet(settings, tuple(solutions))


def answers(solution: Solution, level: str) -> dict[str, object]:
    """What the answer key says for one exercise: every value straight from the exact solver."""
    return {key: QUESTIONS[key].answer(solution) for key in questions(level)}


# ---- Links ---------------------------------------------------------------------------------------------------


def sheet_query(settings: SheetSettings) -> dict[str, str]:
    """Every setting, defaults included: a sheet handed out must come back the same even if the defaults change."""
    return {URL_NAMES[field.name]: str(getattr(settings, field.name)) for field in fields(SheetSettings)}


def sheet_link(settings: SheetSettings, page_url: str | None = None) -> str:
    return (page_url or PAGE_PATH) + "?" + urlencode(sheet_query(settings))


def settings_from_link(params: Mapping[str, str]) -> tuple[SheetSettings, list[str]]:
    """The sheet a link asks for. A value the page cannot take becomes the nearest one it can (a whole number in
    range) or the default, with a sentence saying so, as every page says it (core/links.py); choices are read in any
    case."""
    default, values, notes = SheetSettings(), {}, []
    for name, url_name in URL_NAMES.items():
        text = params.get(url_name)
        if text is None:
            continue
        if name in CHOICES:
            shown = CHOICE_LABELS[name]  # a value → what the control shows; a link may use either
            labels = [shown[value] for value in CHOICES[name]]
            label, note = choice_from_link(url_name, text, labels, shown[getattr(default, name)], shown, page=PAGE)
            values[name] = {shown[value]: value for value in CHOICES[name]}[label]
        else:
            low, high = BOUNDS[name]
            values[name], note = number_from_link(url_name, text, low, high, getattr(default, name), page=PAGE)
        notes += [note] if note else []
    return SheetSettings(**values), notes


# ---- Numbers as each format writes them ----------------------------------------------------------------------


def typst_value(value) -> str:
    """Exact, in typst math: (1, −2, 4\\/3); a single number that is a repeating decimal also rounded."""
    if isinstance(value, tuple):
        return "(" + ", ".join(_typst_number(v) for v in value) + ")"
    if is_finite_decimal(value):
        return _typst_number(value)
    return f"{_typst_number(value)} approx {format_number(value)}"


def _typst_number(value: Fraction) -> str:
    return compact_number(value).replace("/", "\\/")


def latex_value(value) -> str:
    """Exact, in LaTeX that any Markdown viewer's maths reads (no KaTeX-only \\allowbreak): (1, -2, 4/3)."""
    if isinstance(value, tuple):
        return "(" + ", ".join(compact_number(v) for v in value) + ")"
    if is_finite_decimal(value):
        return compact_number(value)
    return rf"{compact_number(value)} \approx {format_number(value)}"


# ---- The sheet as the typst template reads it ----------------------------------------------------------------


@dataclass(frozen=True)
class Symbols:
    """Which of the layer's settings a sheet names: the stride and padding (with x̃), and the dilation."""

    spaced: bool
    dilated: bool


def symbols(sheet: Worksheet) -> Symbols:
    """Only what this sheet's exercises need: a sheet of stride 1 without padding never mentions s, p or x̃."""
    layers = [solution.layer for solution in sheet.solutions]
    dilated = any(layer.dilation != 1 for layer in layers) or sheet.settings.level == "dilation"
    return Symbols(dilated or any(layer.stride != 1 or layer.padding != 0 for layer in layers), dilated)


def layer_formula(sheet: Worksheet) -> str:
    """ŷ_i in typst math, in the symbols the sheet names."""
    named = symbols(sheet)
    # The window read left to right, as practice mode writes it; a true convolution meets the weights last to first.
    weight = "w_(k+1-l)" if sheet.settings.operation == "convolution" else "w_l"
    if not named.spaced:
        return f"hat(y)_i = sum_(l=1)^k x_(i+l-1) {weight} + b"
    index = "s(i-1)+d(l-1)+1" if named.dilated else "s(i-1)+l"
    return f"hat(y)_i = sum_(l=1)^k tilde(x)_({index}) {weight} + b"


LOSS_FORMULAS = {
    "half": "L = 1/2 sum_(i=1)^m (hat(y)_i - y_i)^2",
    "sum": "L = sum_(i=1)^m (hat(y)_i - y_i)^2",
    "mean": "L = 1/m sum_(i=1)^m (hat(y)_i - y_i)^2",
}


def _rules(sheet: Worksheet) -> list[str]:
    """The rules every exercise follows, in typst markup: the layer, the loss, the step."""
    settings, named = sheet.settings, symbols(sheet)
    window = (
        "the kernel flipped (a true convolution: $w_k$ meets the window's first input)"
        if settings.operation == "convolution"
        else "the kernel as written (a cross-correlation: $w_1$ meets the window's first input)"
    )
    layer = f"*Layer.* Each output is a window of the input times {window}, plus the bias: ${layer_formula(sheet)}$"
    if named.spaced:
        spacing = "stride $s$, " + ("dilation $d$, " if named.dilated else "")
        layer += f", where $tilde(x)$ is $x$ with $p$ zeros added at each end ({spacing}$k$ weights)."
    else:
        layer += " ($k$ weights)."
    loss = f"*Loss.* ${LOSS_FORMULAS[settings.rule]}$ over the $m$ outputs, with targets $y$."
    step = "*Step.* One step of gradient descent with learning rate $alpha$: "
    step += "$w' = w - alpha thin partial L \\/ partial w$ and $b' = b - alpha thin partial L \\/ partial b$."
    return [layer, loss, step]


def _given(solution: Solution, named: Symbols) -> list[tuple[str, object]]:
    """What the exercise gives, symbol by symbol: the stride, padding and dilation only where the sheet names them."""
    layer = solution.layer
    given = [("x", layer.x), ("w", layer.w), ("b", layer.b)]
    if named.spaced:
        given += [("s", Fraction(layer.stride)), ("p", Fraction(layer.padding))]
        if named.dilated:
            given.append(("d", Fraction(layer.dilation)))
    return given + [("y", solution.y), ("alpha", solution.lr)]


_LATEX_SYMBOLS = {"alpha": r"\alpha"}


def layout(sheet: Worksheet, key: bool, link: str) -> dict:
    """Everything the template prints, as plain strings: the numbers already written as typst math."""
    settings, named = sheet.settings, symbols(sheet)
    count = f"{settings.count} exercise{'s' if settings.count != 1 else ''}"
    exercises = []
    for number, solution in enumerate(sheet.solutions, 1):
        found = answers(solution, settings.level)
        exercises.append(
            {
                "number": number,
                "given": [(symbol, typst_value(value)) for symbol, value in _given(solution, named)],
                "answers": [
                    (QUESTIONS[name].typst, typst_value(value) if key else "") for name, value in found.items()
                ],
            }
        )
    return {
        "title": f"{TITLE}: worksheet",
        "kind": "Answer key" if key else "Student sheet",
        "paper": PAPERS[settings.paper],
        "details": [
            ("Level", f"{LEVELS[settings.level]} · {count}"),
            ("Convention", f"{OPERATION_NAMES[settings.operation]}; {RULE_NAMES[settings.rule]}"),
        ],
        "seed": str(settings.seed),
        "link": link,
        "rules": _rules(sheet),
        "note": "Every answer is exact." if key else "Give every answer exactly: none has more than three decimals.",
        "name_line": not key,
        "footer": f"ConvLab · seed {settings.seed}",
        "working": 0 if key else WORKING_SPACE,
        "exercises": exercises,
    }


def sheet_pdf(sheet: Worksheet, key: bool, link: str = PAGE_PATH) -> bytes:
    """The sheet typeset by typst with its own embedded fonts: the same sheet gives the same bytes on any machine."""
    return _compile(layout(sheet, key, link), "pdf")


def sheet_pages_png(sheet: Worksheet, key: bool, link: str = PAGE_PATH, ppi: int = 100) -> list[bytes]:
    """Every page as a PNG, for a preview."""
    pages = _compile(layout(sheet, key, link), "png", ppi)
    return pages if isinstance(pages, list) else [pages]


def _compile(data: dict, output: str, ppi: int | None = None):
    return typst.compile(
        str(TEMPLATE),
        format=output,
        ppi=ppi,
        sys_inputs={"sheet": json.dumps(data, ensure_ascii=False)},
        ignore_system_fonts=True,
    )


# ---- Markdown ------------------------------------------------------------------------------------------------


def sheet_markdown(sheet: Worksheet, key: bool, link: str = PAGE_PATH) -> str:
    """The student sheet (each task as practice mode states it) or the answer key, in Markdown with LaTeX."""
    settings = sheet.settings
    kind = "answer key" if key else "worksheet"
    lines = [
        f"# {TITLE}: {kind}",
        "",
        f"**Level:** {LEVELS[settings.level]} · **Convention:** {OPERATION_NAMES[settings.operation]}; "
        f"{RULE_NAMES[settings.rule]} · **Seed:** {settings.seed} · [this sheet again]({link})",
        "",
    ]
    if not key:
        lines += ["Name: ______________________________ Date: ______________", ""]
    for number, solution in enumerate(sheet.solutions, 1):
        lines += [f"## Exercise {number}", ""]
        if key:
            # The exercise restated in a line, so that the key marks a sheet on its own.
            given = _given(solution, symbols(sheet))
            lines += [", ".join(f"${_LATEX_SYMBOLS.get(name, name)} = {latex_value(value)}$" for name, value in given)]
            lines.append("")
            found = answers(solution, settings.level)
            lines += [f"- ${QUESTIONS[name].latex} = {latex_value(value)}$" for name, value in found.items()]
        else:
            extra = ["d_x"] if "d_x" in questions(settings.level) else []
            lines.append(task_text(solution.layer, solution.y, solution.lr, settings.rule, extra))
        lines.append("")
    return "\n".join(lines)
