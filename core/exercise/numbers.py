"""Exact numbers for the worked solution: reading what a person types, and writing numbers back."""

import re
import unicodedata
from fractions import Fraction

MAX_MAGNITUDE = 10**6
MAX_DENOMINATOR = 10**6
MAX_TEXT_LENGTH = 2000

# A decimal with an optional exponent ("-1.5", ".5", "2e-3"), or a fraction of two such decimals.
_DECIMAL = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d{1,3})?"
_NUMBER = re.compile(rf"^({_DECIMAL})(?:/({_DECIMAL}))?$")
# Characters people type for a minus sign, or that fonts and phones substitute for one.
_MINUS_SIGNS = "\u2212\u2012\u2013\u2014\ufe63\uff0d"


class NumberError(ValueError):
    """A typed value that is not a number we accept; the message says why, for a person."""


def _normalise(text: str) -> str:
    """Fold unicode digits, minus signs and full-width forms into plain ASCII."""
    text = unicodedata.normalize("NFKC", text)
    out = []
    for ch in text:
        if ch in _MINUS_SIGNS:
            out.append("-")
        elif ch.isdigit() and not ch.isascii() and unicodedata.decimal(ch, None) is not None:
            out.append(str(unicodedata.decimal(ch)))
        else:
            out.append(ch)
    return "".join(out).strip()


def parse_number(text: str) -> Fraction:
    """Read one number exactly: "3", "-0.25", "1e-3", "1/3", "−2" (unicode minus)."""
    token = _normalise(text)
    if not token:
        raise NumberError("a value is missing")
    lowered = token.lower()
    if lowered.lstrip("+-") in {"inf", "infinity", "nan", "∞"}:
        raise NumberError(f"'{token}' is not a finite number")
    match = _NUMBER.match(token)
    if not match:
        raise NumberError(f"'{_clip(token)}' is not a number")
    # The regex caps the exponent at three digits, so Fraction never builds a giant power of ten.
    numerator, denominator = match.group(1), match.group(2)
    for part in (numerator, denominator):
        if part is not None and _exponent(part) > 30:
            raise NumberError(f"'{_clip(token)}' is far too large or too small")
    value = Fraction(numerator)
    if denominator is not None:
        if Fraction(denominator) == 0:
            raise NumberError(f"'{_clip(token)}' divides by zero")
        value /= Fraction(denominator)
    if abs(value) > MAX_MAGNITUDE:
        raise NumberError(f"'{_clip(token)}' is too large: keep numbers between −1,000,000 and 1,000,000")
    if value.denominator > MAX_DENOMINATOR:
        raise NumberError(f"'{_clip(token)}' has too many decimal places: six at most")
    return value


def _exponent(decimal: str) -> int:
    match = re.search(r"[eE]([+-]?\d+)$", decimal)
    return abs(int(match.group(1))) if match else 0


_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>$~&])")


def _clip(text: str, limit: int = 24) -> str:
    """What the person typed, shortened, and escaped so that the page shows it as plain text.

    Messages are rendered as Markdown (with LaTeX between dollar signs): typed `<b>`, `[a](url)`,
    `*`, `$` or `&lt;` must come back as the characters typed, never as formatting or a link.
    """
    text = "".join(ch if ch.isprintable() else "\ufffd" for ch in text)
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return _MARKDOWN_SPECIALS.sub(r"\\\1", text)


def parse_vector(text: str, max_length: int) -> tuple[Fraction, ...]:
    """Read numbers separated by commas, semicolons or spaces, optionally in brackets: "[1, 2, 3]"."""
    if len(text) > MAX_TEXT_LENGTH:
        raise NumberError(f"this is too long to be a list of at most {max_length} numbers")
    tokens = [t for t in re.split(r"[,;\s]+", _normalise(text).strip("[]() ")) if t]
    if not tokens:
        raise NumberError("enter at least one number")
    if len(tokens) > max_length:
        raise NumberError(f"{len(tokens)} numbers is more than the {max_length} this page shows")
    values = []
    for position, token in enumerate(tokens, start=1):
        try:
            values.append(parse_number(token))
        except NumberError as error:
            raise NumberError(f"number {position}: {error}") from None
    return tuple(values)


def parse_whole_number(text: str, low: int, high: int) -> int:
    """Read a whole number within [low, high]; "2" and "2.0" are fine, "2.5" is not."""
    value = parse_number(text)
    if value.denominator != 1:
        raise NumberError(f"'{_clip(_normalise(text))}' is not a whole number")
    if not low <= value <= high:
        raise NumberError(f"use a whole number from {low} to {high}")
    return int(value)


def is_finite_decimal(value: Fraction) -> bool:
    """True when the decimal expansion ends: the denominator has no prime factors but 2 and 5."""
    d = value.denominator
    for prime in (2, 5):
        while d % prime == 0:
            d //= prime
    return d == 1


def format_number(value: Fraction, digits: int = 4) -> str:
    """The exact decimal when it ends (0.28, 61.064), else rounded with a visible ellipsis (0.3333…)."""
    if is_finite_decimal(value):
        return _exact_decimal(value)
    magnitude = abs(value)
    # Keep `digits` significant digits for small numbers, `digits` decimals for the rest.
    places = digits
    while magnitude and magnitude < Fraction(1, 10 ** (places - digits + 1)) and places < 40:
        places += 1
    rounded = round(value, places)
    text = _exact_decimal(rounded)
    if "." not in text:
        text += "." + "0" * places
    return text + "…"


def _exact_decimal(value: Fraction) -> str:
    sign = "-" if value < 0 else ""
    value = abs(value)
    places = 0
    while (value * 10**places).denominator != 1:
        places += 1
    scaled = str((value * 10**places).numerator).rjust(places + 1, "0")
    if places == 0:
        return sign + scaled
    return f"{sign}{scaled[:-places]}.{scaled[-places:]}"


def format_vector(values) -> str:
    """A vector as a learner writes it: [1.56, 0.28, 2]."""
    return "[" + ", ".join(format_number(v) for v in values) + "]"


def format_factor(value: Fraction) -> str:
    """A number ready to multiply in a formula: negatives in parentheses, (−2)·3."""
    text = format_number(value)
    return f"({text})" if value < 0 else text


def compact_number(value: Fraction) -> str:
    return _exact_decimal(value) if is_finite_decimal(value) else f"{value.numerator}/{value.denominator}"
