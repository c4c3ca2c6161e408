"""The exercise as one Markdown file: the task stated in full, a link back to these numbers, then its solution."""

from urllib.parse import urlencode

from core.exercise.conv1d import Layer
from core.exercise.fields import DEFAULTS, FIELDS, read_inputs, texts_from_layer
from core.exercise.practice import task_text
from core.exercise.worked_solution import WorkedSolution

PAGE_PATH = "/convolution"
TITLE = "# Convolution by hand: an exercise and its solution"


def link_query(layer: Layer, y, lr) -> dict[str, str]:
    """The URL parameters of this exercise: only the values that differ from the classic one.

    A page-1 URL without a name means the classic value (each field's default), so naming the rest is enough.
    """
    classic = read_inputs(DEFAULTS).values
    texts = {name: text.replace(" ", "") for name, text in texts_from_layer(layer, y, lr).items()}
    values = {"x": layer.x, "w": layer.w, "b": layer.b, "y": tuple(y), "lr": lr}
    values |= {"stride": layer.stride, "padding": layer.padding, "dilation": layer.dilation}
    return {name: texts[name] for name in FIELDS if values[name] != classic[name]}


def exercise_link(layer: Layer, y, lr, page_url: str | None = None) -> str:
    """The page with these numbers: at the app's own address when known, else relative to the app."""
    query = urlencode(link_query(layer, y, lr), safe=",/")
    return (page_url or PAGE_PATH) + (f"?{query}" if query else "")


def exercise_markdown(layer: Layer, y, lr, solution: WorkedSolution, page_url: str | None = None) -> str:
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
            f"[Open this exercise in ConvLab]({exercise_link(layer, y, lr, page_url)})",
            "",
            "## The exercise",
            "",
            task_text(layer, y, lr),
        ]
    # The solution's own title gives way to "## Solution"; its sections become subsections of it.
    lines = solution.to_markdown().split("\n")
    if lines[0].startswith("# "):
        lines = lines[1:]
    solution_lines = ["#" + line if line.startswith("## ") else line for line in lines]
    return "\n".join([*head, "", "## Solution", *solution_lines])
