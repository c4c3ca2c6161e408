"""The exercise as one Markdown file: the task stated in full, a link back to these numbers, then its solution."""

from urllib.parse import urlencode

from core.exercise.layer.conv1d import Layer
from core.exercise.layer.fields import CLASSIC_CONVENTIONS, DEFAULTS, FIELDS, read_inputs, texts_from_layer
from core.exercise.practice.exercises import task_text
from core.exercise.writing.worked_solution import WorkedSolution

PAGE_PATH = "/convolution"
TITLE = "# Convolution by hand: an exercise and its solution"


def link_query(layer: Layer, y, lr, rule: str = "half") -> dict[str, str]:
    """The URL parameters of this exercise: only the values that differ from the classic one.

    A page-1 URL without a name means the classic value (each field's default, cross-correlation, ½Σ), so
    naming the rest is enough: dilation, op and loss appear only when they are not the classic ones.
    """
    classic = read_inputs(DEFAULTS).values
    texts = {name: text.replace(" ", "") for name, text in texts_from_layer(layer, y, lr).items()}
    values = {"x": layer.x, "w": layer.w, "b": layer.b, "y": tuple(y), "lr": lr}
    values |= {"stride": layer.stride, "padding": layer.padding, "dilation": layer.dilation}
    query = {name: texts[name] for name in FIELDS if values[name] != classic[name]}
    conventions = {"op": layer.operation, "loss": rule}
    return query | {name: value for name, value in conventions.items() if value != CLASSIC_CONVENTIONS[name]}


def exercise_link(layer: Layer, y, lr, page_url: str | None = None, rule: str = "half") -> str:
    """The page with these numbers: at the app's own address when known, else relative to the app."""
    query = urlencode(link_query(layer, y, lr, rule), safe=",/")
    return (page_url or PAGE_PATH) + (f"?{query}" if query else "")


def exercise_markdown(
    layer: Layer, y, lr, solution: WorkedSolution, page_url: str | None = None, rule: str = "half"
) -> str:
    """Title, the task as practice mode states it, a link back to the page, then the worked solution."""
    if y is None or lr is None:
        head = [
            TITLE,
            "",
            "*The targets or the learning rate are not readable yet: the exercise and its link are left out "
            "until every field on the page is filled in correctly.*",
        ]
    else:
        head = [
            TITLE,
            "",
            f"[Open this exercise in ConvLab]({exercise_link(layer, y, lr, page_url, rule)})",
            "",
            "## The exercise",
            "",
            task_text(layer, y, lr, rule),
        ]
    # The solution's own title gives way to "## Solution"; its sections become subsections of it.
    lines = solution.to_markdown().split("\n")
    if lines[0].startswith("# "):
        lines = lines[1:]
    solution_lines = ["#" + line if line.startswith("## ") else line for line in lines]
    return "\n".join([*head, "", "## Solution", *solution_lines])
