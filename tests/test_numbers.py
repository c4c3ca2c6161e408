"""Reading typed numbers exactly, and writing them back exactly (or visibly rounded)."""

from fractions import Fraction as F

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.exercise.writing.numbers import (
    NumberError,
    as_text,
    compact_number,
    format_approximate,
    format_number,
    format_percent,
    format_scientific,
    format_vector,
    full_stop,
    needs_scientific,
    parse_number,
    parse_vector,
    parse_whole_number,
    text_number,
)


@pytest.mark.parametrize(
    "text, value",
    [
        ("3", 3),
        ("-0.25", F(-1, 4)),
        ("1/3", F(1, 3)),
        ("−2", -2),
        ("2e-3", F(1, 500)),
        (".5", F(1, 2)),
        ("+7", 7),
        ("-0", 0),
        ("１２", 12),
        ("٣", 3),
        ("0.1", F(1, 10)),
    ],
)
def test_typed_numbers_are_read_exactly(text, value):
    assert parse_number(text) == value


@pytest.mark.parametrize("text", ["1, 2, 3, 4", "1 2 3 4", "[1,2,3,4]", "1;2;3;4", " 1 ,2,  3 , 4 "])
def test_vectors_are_read_however_they_are_separated(text):
    assert parse_vector(text, 32) == (1, 2, 3, 4)


@pytest.mark.parametrize(
    "text, words",
    [
        ("", "missing"),
        ("abc", "not a number"),
        ("inf", "finite"),
        ("nan", "finite"),
        ("-Infinity", "finite"),
        ("1/0", "divides by zero"),
        ("1e308", "too large: keep numbers between"),
        ("1e-320", "too many decimal places"),
        ("1e999999999", "not a number"),
        ("2000000", "too large"),
        ("0.0000001", "decimal places"),
        ("<script>alert(1)</script>", "not a number"),
        ("1..2", "not a number"),
    ],
)
def test_bad_numbers_get_a_message_that_says_why(text, words):
    with pytest.raises(NumberError, match=words):
        parse_number(text)


@pytest.mark.parametrize("text", ["1e300", "99999999999999999999", "2000000", "-1e7"])
def test_a_number_too_large_gets_one_message_however_it_is_written(text):
    with pytest.raises(NumberError) as error:
        parse_number(text)
    assert str(error.value).endswith("is too large: keep numbers between −1\u202f000\u202f000 and 1\u202f000\u202f000")


def test_a_huge_numerator_over_a_huge_denominator_is_just_its_value():
    assert parse_number("1e300/1e300") == 1


@pytest.mark.parametrize(
    "number, grouped, text",
    [
        ("-2", True, "−2"),
        ("4008609800", True, "4\u202f008\u202f609\u202f800"),
        ("-1234.5678…", True, "−1\u202f234.5678…"),
        ("4008609800", False, "4008609800"),
        ("0.3333…", True, "0.3333…"),
        ("-3·10⁻¹⁷", True, "−3·10⁻¹⁷"),
    ],
)
def test_numbers_in_text_have_the_true_minus_and_thousands_grouped_unless_on_a_chart(number, grouped, text):
    assert as_text(number, grouped) == text


def test_a_vector_groups_its_entries_in_thousands_like_a_number_beside_it_and_its_commas_still_part_them():
    vector, scalar = format_vector([F(2100300), F(-3400500), F(1, 3)]), text_number(F(44513001))
    assert vector == "[2\u202f100\u202f300, \u22123\u202f400\u202f500, 0.3333…]" and scalar == "44\u202f513\u202f001"
    assert vector.count(",") == 2  # the groups are narrow no-break spaces, never a second kind of comma
    assert format_vector([F(1234)]) == f"[{text_number(F(1234))}]"


def test_a_number_copied_from_the_page_with_its_digit_groups_reads_back_as_that_number():
    assert parse_vector(format_vector([F(2100), F(-34005), F(7)]), 32) == (2100, -34005, 7)
    assert parse_number(text_number(F(-123456))) == -123456 and parse_number("1\u2009234") == 1234
    assert parse_vector("1 234", 32) == (1, 234)  # a plain space still separates two numbers


@pytest.mark.parametrize(
    "value, approximate, latex, text",
    [
        (F(1, 70000), False, True, r"{1.429… \cdot 10^{-5}}"),
        (F(3, 200000), False, True, r"{1.5 \cdot 10^{-5}}"),
        (1.4285714e-5, True, True, r"{1.429 \cdot 10^{-5}}"),
        (F(-1, 100000), False, False, "\u22121·10⁻⁵"),
        (1.1845e-16, True, False, "1.185·10⁻¹⁶"),  # as format_approximate writes a tiny float
        (F(999999996, 10**14), False, True, r"{1.000… \cdot 10^{-5}}"),  # 9.99999996·10⁻⁶ rounds up a decade
    ],
)
def test_scientific_notation_keeps_four_significant_digits_exact_or_visibly_rounded(value, approximate, latex, text):
    assert format_scientific(value, approximate, latex) == text


def test_scientific_notation_is_asked_for_when_any_compared_number_is_below_a_ten_thousandth():
    assert needs_scientific(F(1, 3), None, 0.00005) and not needs_scientific(F(1, 10000), 0.5, None, 0)


def test_a_vector_longer_than_the_cap_is_refused():
    with pytest.raises(NumberError, match="more than the 32"):
        parse_vector(",".join(["1"] * 33), 32)


def test_a_vector_names_the_bad_entry():
    with pytest.raises(NumberError, match="number 3"):
        parse_vector("1, 2, x, 4", 32)


def test_whole_numbers_in_range():
    assert parse_whole_number("2", 1, 16) == 2
    assert parse_whole_number("2.0", 1, 16) == 2
    with pytest.raises(NumberError, match="whole number"):
        parse_whole_number("2.5", 1, 16)
    with pytest.raises(NumberError, match="from 1 to 16"):
        parse_whole_number("0", 1, 16)
    # Too large for any field: the field's own range, not the page's general limit.
    with pytest.raises(NumberError, match="'999999999999' is too large: use a whole number from 1 to 16"):
        parse_whole_number("999999999999", 1, 16)


def test_a_lone_vulgar_fraction_is_that_fraction_and_a_mixed_number_is_refused_as_typed():
    assert [parse_number(text) for text in ("½", "−¾", "⅓")] == [F(1, 2), F(-3, 4), F(1, 3)]
    assert parse_vector("2,1,½", 8) == parse_vector("½ 1; 2", 8)[::-1] == (F(2), F(1), F(1, 2))
    # Unicode's compatibility form folds 4½ into 41⁄2: never read as 41/2, and quoted as typed.
    with pytest.raises(NumberError, match="'1½' is not a number"):
        parse_number("1½")
    with pytest.raises(NumberError, match="number 4: '4½' is not a number"):
        parse_vector("1,2,3,4½", 8)


def test_fields_out_of_their_range_say_their_own_range_however_large():
    from core.exercise.layer.fields import read_inputs

    texts = {"x": "1, 2, 3, 4", "w": "2, 1, 3", "b": "½", "y": "2, 4", "padding": "0", "dilation": "1"}
    errors = read_inputs({**texts, "stride": "999999999999", "lr": "1e9"}).errors
    assert errors == {
        "stride": "'999999999999' is too large: use a whole number from 1 to 16.",
        "lr": "The learning rate must be above 0 and at most 100.",
    }
    assert read_inputs({**texts, "stride": "1", "lr": "0.01"}).values["b"] == F(1, 2)


@pytest.mark.parametrize(
    "value, text",
    [
        (F(28, 100), "0.28"),
        (F("61.064"), "61.064"),
        (F(14), "14"),
        (F(-3, 2), "-1.5"),
        (F(1, 3), "0.3333…"),
        (F(-2, 3), "-0.6667…"),
        (F(1, 3000), "0.0003333…"),
        (F(100, 3), "33.3333…"),
        (F(1, 1024), "0.0009765625"),
        (F("5.66087304630279541015625"), "5.6609…"),
        (F("0.945078125"), "0.9451…"),
        (F("5.848000001"), "5.8480…"),
        (F(2) + F(1, 3 * 10**6), "2.0000…"),
        (F("123456789.5"), "123456789.5"),
        (F("12345678"), "12345678"),
    ],
)
def test_numbers_are_shown_exactly_or_visibly_rounded(value, text):
    assert format_number(value) == text


@pytest.mark.parametrize(
    "value, text",
    [(0.2224319, "0.2224"), (1.1845e-16, "1.185·10⁻¹⁶"), (-3e-17, "-3·10⁻¹⁷"), (2.0, "2"), (0.000123456, "0.0001235")],
)
def test_floating_point_results_are_rounded_by_the_same_rule(value, text):
    assert format_approximate(value) == text


@pytest.mark.parametrize(
    "value, text",
    [
        (F(50), "50%"),
        (F(25, 2), "12.5%"),
        (F(1110), "1\u202f110%"),
        (F(32003, 10000), "about 3.2%"),
        (F(4291247, 1000), "about 4\u202f291%"),
        (F(1, 300), "less than 0.1%"),
    ],
)
def test_percentages_are_rounded_as_people_say_them(value, text):
    assert format_percent(value) == text


@pytest.mark.parametrize(
    "sentence, ended",
    [("below 0.2276…", "below 0.2276…"), ("below $0.2276…$", "below $0.2276…$"), ("is 0.5", "is 0.5.")],
)
def test_a_sentence_ending_in_a_rounded_number_gets_no_second_period(sentence, ended):
    assert full_stop(sentence) == ended


def test_the_float_error_of_the_classic_update_never_shows():
    assert format_number(F(1) - F("0.01") * 72) == "0.28"  # in floats: 0.28000000000000025


@settings(max_examples=300, deadline=None)
@given(st.fractions(min_value=-(10**6), max_value=10**6, max_denominator=10**6))
def test_compact_form_reads_back_to_the_same_number(value):
    assert parse_number(compact_number(value)) == value


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_any_text_is_either_a_vector_or_a_clear_message(text):
    try:
        values = parse_vector(text, 32)
    except NumberError as error:
        assert str(error) and "Traceback" not in str(error)
    else:
        assert 1 <= len(values) <= 32 and all(isinstance(v, F) for v in values)


@settings(max_examples=200, deadline=None)
@given(st.floats(allow_nan=True, allow_infinity=True))
def test_any_float_written_out_is_read_exactly_or_refused(number):
    try:
        value = parse_number(repr(number))
    except NumberError:
        return
    assert value == F(repr(number)) and abs(value) <= 10**6


def unescaped_specials(message: str) -> list[str]:
    """Markdown or LaTeX characters in a message that are not backslash-escaped."""
    found, escaped = [], False
    for ch in message:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch in "`*_[]<>$|~#":
            found.append(ch)
    return found


@settings(max_examples=400, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(list("<>[]()*_`$#|~&!\\/.-+0123456789eE abcx;,") + ["−", "١", "\u202e", "\x00"]),
        max_size=60,
    )
)
def test_whatever_is_typed_comes_back_as_plain_text_never_as_markup(text):
    try:
        parse_vector(text, 32)
    except NumberError as error:
        assert unescaped_specials(str(error)) == [], str(error)


@pytest.mark.parametrize(
    "text", ["<b>bold</b>", "[click](javascript:alert(1))", "$\\frac{1}{0}$", "**1**", "<img src=x onerror=alert(1)>"]
)
def test_markup_in_a_field_is_quoted_back_escaped(text):
    with pytest.raises(NumberError) as error:
        parse_number(text)
    assert unescaped_specials(str(error.value)) == []
