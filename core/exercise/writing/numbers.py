"""Exact numbers for the worked solution: reading what a person types, and writing numbers back."""

import math
import re
import unicodedata
from fractions import Fraction

from core.links import QUOTED_LENGTH, shortened

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


class TooLarge(NumberError):
    """A number beyond what the page computes with; a field that allows less says its own range instead."""


# The thousands separator the page writes (a narrow no-break space, 1 234 567: a comma would read as a list's),
# and the thin space some writers use: between digits both are part of the number, so a copied one reads back.
THOUSANDS = "\u202f"
_DIGIT_GROUPS = re.compile(r"(?<=\d)[\u202f\u2009](?=\d)")


def group_digits(whole: int) -> str:
    """A whole number in thousands, as the page writes it outside LaTeX: 4 008 609 800."""
    return f"{whole:,}".replace(",", THOUSANDS)


# A vulgar fraction (½, ¾, ⅓, …) on its own reads as a/b; after a digit or a point (4½, 2.½) it is kept as typed,
# and refused as such: Unicode's compatibility form would fold 4½ into 41⁄2.
_VULGAR = "[\u00bc-\u00be\u2150-\u215e]"
_LONE_FRACTION, _MIXED_FRACTION = re.compile(rf"(?<![\d.]){_VULGAR}"), re.compile(rf"(?<=[\d.]){_VULGAR}")
_KEPT = "\ue000"  # a private-use character standing in for a mixed fraction while the rest is folded


def _normalise(text: str) -> str:
    """Fold unicode digits, minus signs, full-width forms and a lone vulgar fraction (½ is 1/2) into plain ASCII;
    digit groups join up again."""
    text = _LONE_FRACTION.sub(lambda m: unicodedata.normalize("NFKC", m.group()).replace("\u2044", "/"), text)
    mixed = _MIXED_FRACTION.findall(text)
    text = unicodedata.normalize("NFKC", _DIGIT_GROUPS.sub("", _MIXED_FRACTION.sub(_KEPT, text)))
    for fraction in mixed:
        text = text.replace(_KEPT, fraction, 1)
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
    # The regex caps the exponent at three digits, so the largest power of ten Fraction builds (10⁹⁹⁹) is cheap:
    # 1e300 and 99999999999999999999 are then refused by the same rule, with the same message.
    numerator, denominator = match.group(1), match.group(2)
    value = Fraction(numerator)
    if denominator is not None:
        if Fraction(denominator) == 0:
            raise NumberError(f"'{_clip(token)}' divides by zero")
        value /= Fraction(denominator)
    if abs(value) > MAX_MAGNITUDE:
        limit = group_digits(MAX_MAGNITUDE)
        raise TooLarge(f"'{_clip(token)}' is too large: keep numbers between −{limit} and {limit}")
    if value.denominator > MAX_DENOMINATOR:
        raise NumberError(f"'{_clip(token)}' has too many decimal places: six at most")
    return value


_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>$~&])")


def _clip(text: str, limit: int = QUOTED_LENGTH) -> str:
    """What the person typed, shortened, and escaped so that the page shows it as plain text.

    Messages are rendered as Markdown (with LaTeX between dollar signs): typed `<b>`, `[a](url)`,
    `*`, `$` or `&lt;` must come back as the characters typed, never as formatting or a link.
    """
    return _MARKDOWN_SPECIALS.sub(r"\\\1", shortened(text, limit))


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
    try:
        value = parse_number(text)
    except TooLarge:
        raise NumberError(
            f"'{_clip(_normalise(text))}' is too large: use a whole number from {low} to {high}"
        ) from None
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


# An exact decimal with more significant digits than this is shown rounded: 5.6609…, not 5.66087304630279541015625.
SIGNIFICANT_DIGITS = 8
# Rounded numbers keep this many decimals (this many significant digits when smaller than 1).
ROUNDED_DIGITS = 4


def format_number(value: Fraction, digits: int = ROUNDED_DIGITS) -> str:
    """One rule for every number: the exact decimal when it ends within SIGNIFICANT_DIGITS digits
    (0.28, 61.064, 0.0009765625), else rounded to `digits` decimals, or `digits` significant digits when
    small, with a visible ellipsis (0.3333…, 5.6609…, 5.8480…)."""
    if is_finite_decimal(value) and (value.denominator == 1 or _significant_digits(value) <= SIGNIFICANT_DIGITS):
        return _exact_decimal(value)
    rounded, places = _rounded(value, digits)
    if rounded == value:  # long but with few decimals, like 123456789.5: exact as it is
        return _exact_decimal(value)
    # Every place kept is written, so that the precision shows: 5.8480…, and 2.0000… rather than 2….
    whole, _, decimals = _exact_decimal(rounded).partition(".")
    return f"{whole}.{decimals.ljust(places, '0')}…"


def format_approximate(value: float, digits: int = ROUNDED_DIGITS) -> str:
    """A floating-point result, for the caller to mark with ≈: rounded like format_number, with no ellipsis,
    and tiny values in scientific notation (1.185·10⁻¹⁶) rather than a row of zeros."""
    if value == 0 or not abs(value) < float("inf"):
        return "0" if value == 0 else str(value)
    if abs(value) < 10**-digits:
        mantissa, exponent = f"{value:.{digits - 1}e}".split("e")
        mantissa = mantissa.rstrip("0").rstrip(".")
        return f"{mantissa}·10{str(int(exponent)).translate(_SUPERSCRIPTS)}"
    return _exact_decimal(_rounded(Fraction(value), digits)[0])


_SUPERSCRIPTS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def power_of_ten(value: float) -> str:
    """10⁻¹² for 1e-12: the nearest power of ten, written as on paper."""
    return "10" + str(round(math.log10(value))).translate(_SUPERSCRIPTS)


def format_percent(value: Fraction) -> str:
    """A percentage as people say it: exact when short (50%, 12.5%), else about so much (about 3.2%, about 4 291%)."""
    magnitude = abs(value)
    if (magnitude * 10).denominator == 1:
        whole, tenth = divmod(magnitude * 10, 10)
        return group_digits(int(whole)) + (f".{int(tenth)}" if tenth else "") + "%"
    if magnitude < Fraction(1, 10):
        return "less than 0.1%"
    if magnitude < 10:
        return f"about {_exact_decimal(round(magnitude, 1))}%"
    return f"about {group_digits(round(magnitude))}%"


def full_stop(sentence: str) -> str:
    """End a sentence with a period, unless it ends in a rounded number (in math or not) whose ellipsis closes it."""
    return sentence if sentence.removesuffix("$").endswith("…") else sentence + "."


def _significant_digits(value: Fraction) -> int:
    """How many digits the exact decimal of a finite decimal has, leading zeros not counted: 0.0009765625 has 7."""
    return len(_exact_decimal(abs(value)).replace(".", "").lstrip("0"))


def _rounded(value: Fraction, digits: int) -> tuple[Fraction, int]:
    """`digits` decimals, or more when the number is small, so that `digits` significant digits remain."""
    magnitude = abs(value)
    places = digits
    while magnitude and magnitude < Fraction(1, 10 ** (places - digits + 1)) and places < 40:
        places += 1
    return round(value, places), places


def _exact_decimal(value: Fraction) -> str:
    sign = "-" if value < 0 else ""
    value = abs(value)
    # A finite decimal's denominator is 2^a·5^b: it needs max(a, b) places.
    places, d = 0, value.denominator
    for prime in (2, 5):
        count = 0
        while d % prime == 0:
            d, count = d // prime, count + 1
        places = max(places, count)
    scaled = str(value.numerator * 10**places // value.denominator).rjust(places + 1, "0")
    if places == 0:
        return sign + scaled
    return f"{sign}{scaled[:-places]}.{scaled[-places:]}"


def format_factor(value: Fraction) -> str:
    """A number ready to multiply in a formula: negatives in parentheses, (-2) \\cdot 3."""
    text = format_number(value)
    return f"({text})" if value < 0 else text


# Outside LaTeX (which draws "-" as a minus by itself) a minus is the true minus sign, not a hyphen.
MINUS = "\u2212"


def as_text(number: str, grouped: bool = True) -> str:
    """A number written by format_number or format_approximate, as Markdown text shows it: −2 with the true minus
    sign, and its whole part in thousands like the percentages beside it (4 008 609 800, with narrow no-break
    spaces, so that a list's commas still separate its entries). Charts' labels leave the groups out."""
    sign, digits, rest = re.match(r"(-?)(\d*)(.*)", number, re.DOTALL).groups()
    if grouped and len(digits) > 3:
        digits = group_digits(int(digits))
    return (MINUS if sign else "") + digits + rest


def text_number(value: Fraction) -> str:
    """format_number for text outside LaTeX: −2, 4 008 609 800, 0.3333…"""
    return as_text(format_number(value))


def text_approximate(value: float, grouped: bool = True) -> str:
    """format_approximate for text outside LaTeX."""
    return as_text(format_approximate(value), grouped)


def text_factor(value: Fraction) -> str:
    """format_factor for text outside LaTeX: (−2)·3, 2 100·3."""
    text = text_number(value)
    return f"({text})" if value < 0 else text


def format_vector(values) -> str:
    """A vector as a learner writes it, outside LaTeX, its entries grouped like the numbers around it:
    [1.56, −0.28, 2], [2 100 300, 3 400 500]."""
    return "[" + ", ".join(text_number(v) for v in values) + "]"


# Below this (and above 0) format_approximate writes a number in scientific notation: 1.185·10⁻¹⁶.
SCIENTIFIC_BELOW = Fraction(1, 10**ROUNDED_DIGITS)


def needs_scientific(*values) -> bool:
    """Whether numbers compared in one paragraph (α and its limits) are best all written as m·10ᵉ: one is tiny."""
    return any(value and abs(value) < SCIENTIFIC_BELOW for value in values if value is not None)


def _decade(value: Fraction) -> int:
    """e with 10ᵉ ≤ |value| < 10ᵉ⁺¹, exactly."""
    magnitude, exponent = abs(value), 0
    while magnitude >= 10:
        magnitude, exponent = magnitude / 10, exponent + 1
    while magnitude < 1:
        magnitude, exponent = magnitude * 10, exponent - 1
    return exponent


def format_scientific(value, approximate: bool = False, latex: bool = True) -> str:
    r"""m·10ᵉ with 1 ≤ |m| < 10, m to four significant digits like the decimals elsewhere: an exact Fraction's m by
    format_number (1.115…, 1.5), a float's by format_approximate (to be marked ≈). LaTeX: {1.115… \cdot 10^{-5}}."""
    if not value:
        return "0"
    exact, digits = Fraction(value), ROUNDED_DIGITS - 1
    first = _decade(exact)
    for exponent in (first, first + 1):  # 9.99996…·10ᵉ may round up to 10.000…: then it is 1.000…·10ᵉ⁺¹
        mantissa = exact / Fraction(10) ** exponent
        text = format_approximate(float(mantissa), digits) if approximate else format_number(mantissa, digits)
        if not text.lstrip("-").startswith("10"):
            break
    if latex:  # one group: KaTeX never breaks a line inside it
        return rf"{{{text} \cdot 10^{{{exponent}}}}}"
    return f"{as_text(text)}·10{str(exponent).translate(_SUPERSCRIPTS)}"


def compact_number(value: Fraction) -> str:
    return _exact_decimal(value) if is_finite_decimal(value) else f"{value.numerator}/{value.denominator}"


def ordinal(n: int) -> str:
    """2nd, 3rd, 11th."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
