"""Page 1's fields (typed or from a URL) and its two convention switches read into a layer, with a clear message per bad field."""

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field

from core.exercise.layer.conv1d import LOSS_RULES, OPERATIONS, Layer, output_length
from core.exercise.writing.numbers import (
    NumberError,
    TooLarge,
    compact_number,
    parse_number,
    parse_vector,
    parse_whole_number,
)

FIELDS = ("x", "w", "b", "y", "stride", "padding", "dilation", "lr")
DEFAULTS = {
    "x": "1, 2, 3, 4",
    "w": "2, 1, 3",
    "b": "1",
    "y": "2, 4",
    "stride": "1",
    "padding": "0",
    "dilation": "1",
    "lr": "0.01",
}
# The two convention switches, as named in the URL (op=…, loss=…); the first of each is the classic exercise's.
CONVENTIONS = {"op": OPERATIONS, "loss": LOSS_RULES}
CLASSIC_CONVENTIONS = {"op": OPERATIONS[0], "loss": LOSS_RULES[0]}
MAX_VECTOR_LENGTH = 32
MAX_STRIDE = 16
MAX_PADDING = 16
MAX_DILATION = 8
MAX_LEARNING_RATE = 100


@dataclass
class Inputs:
    """What could be read from the fields, and a message for each field that could not."""

    values: dict = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    operation: str = OPERATIONS[0]  # "correlation" or "convolution"
    rule: str = LOSS_RULES[0]  # the loss: "half" (½Σ), "sum" or "mean"
    misfit: str | None = None  # why no window fits, in full, for a place wider than w's column

    @property
    def layer(self) -> Layer | None:
        """The layer, when x, w, b, stride, padding and dilation are all good: enough for the forward pass."""
        if any(name not in self.values for name in LAYER_FIELDS):
            return None
        v = self.values
        return Layer(v["x"], v["w"], v["b"], v["stride"], v["padding"], v["dilation"], self.operation)

    @property
    def y(self):
        return self.values.get("y")

    @property
    def lr(self):
        return self.values.get("lr")

    @property
    def complete(self) -> bool:
        return not self.errors


LAYER_FIELDS = ("x", "w", "b", "stride", "padding", "dilation")

# Two separators with only spaces between them ("1,,2", "1, ,2", "1;;2"), or one before the first number.
_EMPTY_ENTRY = re.compile(r"([,;])\s*([,;])")
_LEADING_SEPARATOR = re.compile(r"^[\s\[(]*[,;]")


def _read_list(text: str):
    """Numbers separated by commas, semicolons or spaces; an empty place between two commas is refused.

    "1,,2" is more likely a number left out than a typo for "1, 2". One comma at the end ("1, 2,") is
    what a list copied from code often has, and reads as it looks.
    """
    plain = unicodedata.normalize("NFKC", text)  # full-width commas are commas
    gap = _EMPTY_ENTRY.search(plain)
    if gap:
        pair = {(",", ","): "two commas", (";", ";"): "two semicolons"}.get(gap.groups(), "two separators")
        raise NumberError(f"{pair} in a row: is a number missing?")
    if _LEADING_SEPARATOR.search(plain):
        raise NumberError("the list starts with a separator: is the first number missing?")
    return parse_vector(text, MAX_VECTOR_LENGTH)


def _read(name: str, text: str):
    if name in ("x", "w", "y"):
        return _read_list(text)
    if name == "b":
        return parse_number(text)
    if name == "stride":
        return parse_whole_number(text, 1, MAX_STRIDE)
    if name == "padding":
        return parse_whole_number(text, 0, MAX_PADDING)
    if name == "dilation":
        return parse_whole_number(text, 1, MAX_DILATION)
    try:
        lr = parse_number(text)
    except TooLarge:
        lr = None  # said with the rate's own range below
    if lr is None or not 0 < lr <= MAX_LEARNING_RATE:
        raise NumberError(f"the learning rate must be above 0 and at most {MAX_LEARNING_RATE}")
    return lr


def read_convention(name: str, text: str | None) -> str:
    """op or loss as a link or a switch gives it; anything else (a typo in a link) is the classic convention."""
    text = (text or "").strip().lower()
    return text if text in CONVENTIONS[name] else CLASSIC_CONVENTIONS[name]


def read_inputs(texts: Mapping[str, str]) -> Inputs:
    """Parse every field on its own, then check how they fit together (kernel span, length of y)."""
    inputs = Inputs(operation=read_convention("op", texts.get("op")), rule=read_convention("loss", texts.get("loss")))
    for name in FIELDS:
        text = texts.get(name)
        try:
            inputs.values[name] = _read(name, "" if text is None else str(text))
        except NumberError as error:
            inputs.errors[name] = _sentence(str(error))
    v = inputs.values
    if all(name in v for name in ("x", "w", "padding", "dilation")):
        _check_the_kernel_fits(inputs)
    if all(name in v for name in ("x", "w", "stride", "padding", "dilation", "y")):
        n, k, s, p, d = len(v["x"]), len(v["w"]), v["stride"], v["padding"], v["dilation"]
        m = output_length(n, k, s, p, d)
        rule = (
            f"⌊(n + 2p − k)/s⌋ + 1 = ⌊({n} + 2·{p} − {k})/{s}⌋ + 1"
            if d == 1
            else f"⌊(n + 2p − d(k − 1) − 1)/s⌋ + 1 = ⌊({n} + 2·{p} − {d}·{k - 1} − 1)/{s}⌋ + 1"
        )
        if len(v["y"]) != m:
            inputs.errors["y"] = (
                f"y needs {m} value{'s' if m != 1 else ''}, one per output: the layer gives "
                f"{rule} = {m} outputs, and y has {len(v['y'])}."
            )
            del v["y"]
    return inputs


def _check_the_kernel_fits(inputs: Inputs) -> None:
    """A kernel wider than the padded input: a short message beside w (a narrow column), one beside the dilation when
    it is what makes the kernel too wide (the learner has likely just raised it), and the whole story in `misfit`."""
    v = inputs.values
    n, k, p, d = len(v["x"]), len(v["w"]), v["padding"], v["dilation"]
    padded, span = n + 2 * p, d * (k - 1) + 1
    if span <= padded:
        return
    dilation_alone = d > 1 and k <= padded  # undilated, the kernel would fit
    if d == 1:
        inputs.errors["w"] = f"w needs {k} inputs; the padded input has {padded}."
        spans = f"The kernel has {k} weights"
    else:
        inputs.errors["w"] = f"Dilated by {d}, w spans {span} inputs; the padded input has {padded}."
        spans = f"The kernel's {k} weights, dilated by {d}, span {span} inputs"
    if dilation_alone:
        largest = (padded - 1) // (k - 1)
        inputs.errors["dilation"] = f"At most {largest} with this x, w and padding."
        fix = f"Lower the dilation (to {largest} at most), shorten w or add padding."
    else:
        fix = "Shorten w or add padding."
    inputs.misfit = (
        f"**No window fits.** {spans}, but the padded input has only {padded} values (n + 2p = {n} + 2·{p}). {fix}"
    )
    del v["w"]


def missing_layer_text(inputs: Inputs) -> str:
    """What the page says where the solution would be, when the fields do not make a layer yet."""
    count = len(inputs.errors)
    marked = "the field marked above" if count == 1 else f"the {count} fields marked above"
    fix = f"Fix {marked} to see the solution: the forward pass needs x, w, b, the stride, the padding and the dilation."
    return f"{inputs.misfit} {fix}" if inputs.misfit else fix


def _sentence(message: str) -> str:
    message = message[0].upper() + message[1:]
    return message if message.endswith((".", "?")) else message + "."


def texts_from_layer(layer: Layer, y, lr) -> dict[str, str]:
    """Field texts that show a given exercise (for "New exercise")."""
    return {
        "x": ", ".join(compact_number(v) for v in layer.x),
        "w": ", ".join(compact_number(v) for v in layer.w),
        "b": compact_number(layer.b),
        "y": ", ".join(compact_number(v) for v in y),
        "stride": str(layer.stride),
        "padding": str(layer.padding),
        "dilation": str(layer.dilation),
        "lr": compact_number(lr),
    }
