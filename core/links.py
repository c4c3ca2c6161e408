"""What a shared link asks for, read the same way on every page: a value the page allows is kept, any other
becomes the nearest allowed one (or the default), and a sentence says so, quoting what the link said."""

import math
import re

QUOTED_LENGTH = 24  # characters of a typed value a sentence quotes; longer ones end in "…"


def shortened(text: str, limit: int = QUOTED_LENGTH) -> str:
    """What a person typed (in a field or a link), as a message quotes it: at most `limit` characters, ending in
    "…" when cut, with what cannot be printed shown as �."""
    text = "".join(ch if ch.isprintable() else "\ufffd" for ch in text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def quoted(text: str, limit: int = QUOTED_LENGTH) -> str:
    """A link's value as a sentence quotes it, in a Markdown code span: the page shows these very characters, never
    a link, a formula or formatting someone put in the URL; shortened."""
    text = shortened(text, limit)
    fence = "`" * (1 + max((len(run) for run in re.findall("`+", text)), default=0))
    # A span may not start or end with its own fence's character, nor be empty: a space inside each end then.
    padded = f" {text} " if not text.strip("`") or text[0] == "`" or text[-1] == "`" else text
    return f"{fence}{padded}{fence}"


def shown(number: float) -> str:
    """A number as a message shows it: thousands separated, a true minus sign."""
    return f"{number:,}".replace("-", "−")


def listed(values) -> str:
    """Words in a sentence: "a", "a and b", "a, b and c"."""
    values = [str(value) for value in values]
    return ", ".join(values[:-1]) + " and " + values[-1] if len(values) > 1 else "".join(values)


def number_from_link(
    name: str, text: str, low: int, high: int, default: int, offered=(), page: str = "the lab"
) -> tuple[int, str | None]:
    """A whole number a shared link asks for: kept if the page allows it, else the nearest allowed value, and a
    sentence saying what was changed (None when nothing was). `offered`, when given, lists the only allowed values;
    `page` names what shows the value ("the lab", "this page")."""
    if not text.strip():
        return default, f"The link gave no value for {name}, so {page} shows {shown(default)}, the default."
    asked = f"The link asked for {name} = {quoted(text)}"
    try:
        number = float(text)
    except (TypeError, ValueError):
        number = math.nan
    if not math.isfinite(number):  # inf asks for no particular size: the default, not the largest training
        return default, f"{asked}, which is not a number, so {page} shows {shown(default)}, the default."
    rounded = min(max(number, low), high)
    rounded = int(math.floor(rounded + 0.5))
    if offered:
        nearest = min(offered, key=lambda value: (abs(value - number), value))
        if nearest == number:
            return nearest, None
        choices = listed(shown(value) for value in offered)
        tied = sum(abs(value - number) == abs(nearest - number) for value in offered) > 1
        which = "the smaller of the two nearest" if tied else "the nearest"
        return nearest, f"{asked}; {page} offers {choices}, so it shows {shown(nearest)}, {which}."
    if rounded == number:
        return rounded, None
    if low <= number <= high:
        return rounded, f"{asked}; {page} takes whole numbers only, so it shows {shown(rounded)}."
    return rounded, f"{asked}; {page} allows {shown(low)} to {shown(high)}, so it shows {shown(rounded)}."


def choice_from_link(
    name: str, text: str, allowed, default: str, spellings: dict[str, str] | None = None, page: str = "the lab"
) -> tuple[str, str | None]:
    """A choice a shared link asks for, as the control shows it: kept if the lab offers it, in any case or under
    another spelling of the same choice (`spellings`: other spelling → the control's, as gap → global average), with
    no sentence; else the default, and a sentence saying so."""
    known = {spelling.lower(): choice for spelling, choice in (spellings or {}).items()}
    known.update({choice.lower(): choice for choice in allowed})
    if text and text.strip().lower() in known:
        return known[text.strip().lower()], None
    asked = f"The link asked for {name} = {quoted(text)}" if text else f"The link gave no value for {name}"
    return default, f"{asked}; the choices are {listed(allowed)}, so {page} shows {default}, the default."
