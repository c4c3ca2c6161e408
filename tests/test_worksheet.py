"""Worksheets: the printed sheet holds every exercise's numbers, every answer on the key is the exact solver's, and a
sheet comes back from its link the same, to the byte. The PDFs are read the way a printer and a reader would:
pages rendered to pixels and their text extracted (pypdfium2)."""

import math
import os
import re
import unicodedata
from fractions import Fraction
from urllib.parse import parse_qsl, urlsplit

import pypdfium2 as pdfium
import pytest

from bench.browsing import ARTIFACTS, DOCS
from core.exercise.layer.conv1d import LOSS_RULES, OPERATIONS, Layer, solve
from core.exercise.practice.exercises import LEVELS, task_text
from core.exercise.practice.worksheet import (
    LOSS_FORMULAS,
    PAPERS,
    QUESTIONS,
    WORKING_SPACE,
    SheetSettings,
    Worksheet,
    answers,
    latex_value,
    layer_formula,
    make_worksheet,
    questions,
    settings_from_link,
    sheet_link,
    sheet_markdown,
    sheet_pages_png,
    sheet_pdf,
)
from core.exercise.writing.numbers import parse_number

CONVENTIONS = [(operation, rule) for operation in OPERATIONS for rule in LOSS_RULES]
SEEDS = range(100)
PER_SHEET = 2
POINTS_PER_INCH = 72


def class_set(level: str, operation: str, rule: str, seeds) -> Worksheet:
    """The sheets of many seeds as one document: one PDF to typeset and read instead of one per seed."""
    solutions = []
    for seed in seeds:
        solutions += make_worksheet(SheetSettings(PER_SHEET, level, operation, rule, seed)).solutions
    return Worksheet(SheetSettings(len(solutions), level, operation, rule, seeds[0]), tuple(solutions))


def pdf_pages(pdf: bytes) -> list[tuple[object, str]]:
    """Each page as pixels (grey, small) and as the text a reader's copy and paste gives."""
    document = pdfium.PdfDocument(pdf)
    pages = []
    for page in document:
        pixels = page.render(scale=0.3, grayscale=True).to_numpy()
        pages.append((pixels, page.get_textpage().get_text_bounded()))
    return pages


def exercise_texts(text: str) -> dict[int, str]:
    """The text of each exercise's box, by its number."""
    parts = re.split(r"Exercise (\d+)\b", text)
    return {int(number): body for number, body in zip(parts[1::2], parts[2::2])}


# The symbols as the extracted text spells them once folded (NFKC: math italic 𝑤 → w, 𝜕 → ∂), longest first.
SYMBOLS = {
    "∂L/∂w": "d_w",
    "∂L/∂b": "d_b",
    "∂L/∂x": "d_x",
    "ŷ": "y_hat",
    "w′": "w_new",
    "b′": "b_new",
    "L": "loss",
    "x": "x",
    "w": "w",
    "b": "b",
    "s": "s",
    "p": "p",
    "d": "d",
    "y": "y",
    "α": "lr",
}
NUMBER = r"−?\d+(?:\.\d+)?(?:/\d+)?"
VALUE = re.compile("(" + "|".join(map(re.escape, SYMBOLS)) + rf")=(\((?:{NUMBER},)*{NUMBER}\)|{NUMBER})")


def printed_values(box: str) -> dict[str, object]:
    """Every `name = value` printed in an exercise's box: a Fraction, or a tuple of them for a vector."""
    flat = re.sub(r"\s+", "", unicodedata.normalize("NFKC", box))
    found = {}
    for symbol, value in VALUE.findall(flat):
        numbers = tuple(parse_number(v) for v in value.strip("()").split(","))
        found[SYMBOLS[symbol]] = numbers if value.startswith("(") else numbers[0]
    return found


def check_pages_render(pdf: bytes, paper: str = "A4") -> str:
    """Every page has the paper's size and ink on white; returns the document's text."""
    pages = pdf_pages(pdf)
    width, height = {"A4": (595.28, 841.89), "Letter": (612.0, 792.0)}[paper]
    text = ""
    for pixels, page_text in pages:
        assert pixels.shape[:2] == (round(height * 0.3), round(width * 0.3))
        assert (pixels < 100).mean() > 0.001 and pixels.mean() > 200  # printed ink, mostly white paper
        text += page_text + "\n"
    return text


def solver_answers(solution, level: str) -> dict[str, object]:
    """The answers as the exact solver gives them, read off its result here rather than through the sheet's code."""
    found = {
        "y_hat": solution.y_hat,
        "loss": solution.loss,
        "d_w": solution.grads.d_w,
        "d_b": solution.grads.d_b,
        "w_new": solution.new_layer.w,
        "b_new": solution.new_layer.b,
    }
    return found | ({"d_x": solution.grads.d_x} if level in ("input_gradient", "dilation") else {})


@pytest.mark.parametrize("level", LEVELS)
def test_a_hundred_sheets_print_every_exercise_and_the_key_gives_the_solver_answers(level):
    """100 seeds, 2 exercises each, the conventions in turn: what is printed is what the solver is given."""
    for turn, (operation, rule) in enumerate(CONVENTIONS):
        sheet = class_set(level, operation, rule, SEEDS[turn :: len(CONVENTIONS)])
        student = exercise_texts(check_pages_render(sheet_pdf(sheet, key=False)))
        key = exercise_texts(check_pages_render(sheet_pdf(sheet, key=True)))
        assert sorted(student) == sorted(key) == list(range(1, len(sheet.solutions) + 1))
        for number, solution in enumerate(sheet.solutions, 1):
            layer, given = solution.layer, printed_values(student[number])
            asked = {"x": layer.x, "w": layer.w, "b": layer.b, "y": solution.y, "lr": solution.lr}
            assert {name: given[name] for name in asked} == asked
            shape = {name: int(given.get(name, 0 if name == "p" else 1)) for name in "spd"}  # basic: none printed
            assert shape == {"s": layer.stride, "p": layer.padding, "d": layer.dilation}
            # The numbers on the paper, solved afresh, are the numbers on the key, and nothing else is.
            printed = Layer(given["x"], given["w"], given["b"], shape["s"], shape["p"], shape["d"], operation)
            solved = solve(printed, given["y"], given["lr"], rule)
            on_key = printed_values(key[number])
            assert {name: on_key[name] for name in given} == given  # the key restates the exercise
            assert {name: value for name, value in on_key.items() if name not in given} == solver_answers(solved, level)
            # As the student sheet says: "Give every answer exactly: none has more than three decimals."
            for value in solver_answers(solved, level).values():
                assert all((v * 1000).denominator == 1 for v in (value if isinstance(value, tuple) else (value,)))


def text_rows(page) -> list[tuple[float, float, str]]:
    """The page's lines of text without spaces, top to bottom, as (top, bottom, text) in points from its foot: characters
    whose heights overlap are on one line (a comma, a hat, a subscript with its letter)."""
    textpage, chars = page.get_textpage(), []
    for index in range(textpage.count_chars()):
        left, bottom, _, top = textpage.get_charbox(index)
        if top - bottom > 0.5:  # spaces and line ends have no height
            chars.append((top, bottom, left, textpage.get_text_range(index, 1)))
    rows: list[list] = []
    for top, bottom, left, char in sorted(chars, reverse=True):
        if rows and top > rows[-1][1] + 1:
            rows[-1][1] = min(rows[-1][1], bottom)
            rows[-1][2].append((left, char))
        else:
            rows.append([top, bottom, [(left, char)]])
    return [(top, bottom, "".join(char for _, char in sorted(chars))) for top, bottom, chars in rows]


def boxes_by_page(pdf: bytes) -> list[list[tuple[int, float, int]]]:
    """For each page, its exercise boxes: (number, the blank between the given numbers and the first answer line in
    points, how many lines of text follow that blank)."""
    pages = []
    for page in pdfium.PdfDocument(pdf):
        rows = [row for row in text_rows(page) if "ConvLab" not in row[2]]  # the footer
        starts = [k for k, row in enumerate(rows) if re.match(r"Exercise\d+", row[2])]
        assert not starts or pages == [] or starts[0] == 0, "a page after the first starts inside a box"
        boxes = []
        for start, end in zip(starts, starts[1:] + [len(rows)]):
            box = rows[start:end]
            gaps = [above[1] - below[0] for above, below in zip(box, box[1:])]
            widest = max(range(len(gaps)), key=gaps.__getitem__)
            number = int(re.match(r"Exercise(\d+)", box[0][2]).group(1))
            boxes.append((number, gaps[widest], len(box) - widest - 1))
        pages.append(boxes)
    return pages


def test_a_student_sheet_puts_two_boxes_under_the_header_and_never_splits_one_leaving_room_to_work_in_each():
    room = WORKING_SPACE / 2.54 * POINTS_PER_INCH
    sheets = [(level, paper, 10) for level in LEVELS for paper in PAPERS] + [("dilation", "Letter", 30)]
    for level, paper, count in sheets:
        settings = SheetSettings(count, level, paper=paper, seed=3)
        pages = boxes_by_page(sheet_pdf(make_worksheet(settings), key=False, link=sheet_link(settings)))
        assert len(pages) <= {10: 4, 30: 11}[count], (level, paper, len(pages))
        assert [number for number, _, _ in pages[0]] == [1, 2], (level, paper)
        assert [number for page in pages for number, _, _ in page] == list(range(1, count + 1))
        answer_lines = math.ceil(len(questions(level)) / 2)  # two answers a line
        for number, blank, lines_below in (box for page in pages for box in page):
            # The whole box on one page: its title, its numbers, the room to work, then every answer line.
            assert lines_below == answer_lines, (level, paper, number)
            assert blank >= room, (level, paper, number, blank)


def test_the_same_link_makes_the_same_sheet_to_the_byte_and_another_seed_other_exercises():
    settings = SheetSettings(count=7, level="dilation", operation="convolution", rule="mean", seed=4242, paper="Letter")
    link = sheet_link(settings, "https://convlab.example/worksheets")
    assert link.startswith("https://convlab.example/worksheets?sheet_count=7&sheet_level=dilation&")
    reopened, notes = settings_from_link(dict(parse_qsl(urlsplit(link).query)))
    assert reopened == settings and notes == []
    first, again = make_worksheet(settings), make_worksheet(reopened)
    for key in (False, True):
        assert sheet_pdf(first, key, link) == sheet_pdf(again, key, link)
        assert sheet_markdown(first, key, link) == sheet_markdown(again, key, link)
    other = make_worksheet(SheetSettings(count=7, level="dilation", operation="convolution", rule="mean", seed=4243))
    assert [s.layer for s in other.solutions] != [s.layer for s in first.solutions]


def test_a_longer_sheet_starts_with_the_exercises_of_a_shorter_one():
    short, long = (make_worksheet(SheetSettings(count, "input_gradient", seed=9)) for count in (4, 30))
    assert long.solutions[:4] == short.solutions and len(long.solutions) == 30


def test_a4_and_letter_sheets_have_their_paper_sizes():
    for paper, inches in (("A4", (8.27, 11.69)), ("Letter", (8.5, 11.0))):
        sheet = make_worksheet(SheetSettings(count=5, paper=paper))
        for key in (False, True):
            for page in pdfium.PdfDocument(sheet_pdf(sheet, key)):
                width, height = page.get_size()
                assert (round(width / POINTS_PER_INCH, 2), round(height / POINTS_PER_INCH, 2)) == inches


def test_the_student_sheet_has_a_name_line_and_room_the_key_has_answers_and_no_name_line():
    sheet = make_worksheet(SheetSettings(count=2, level="stride_padding", operation="convolution", rule="sum", seed=5))
    student, key = (pdf_pages(sheet_pdf(sheet, key, "/worksheets?sheet_seed=5")) for key in (False, True))
    student_text, key_text = student[0][1], key[0][1]
    for text in (student_text, key_text):
        assert "Convolution by hand: worksheet" in text and "Stride and padding · 2 exercises" in text
        assert "true convolution (the kernel flipped); loss Σ (the sum of squared errors)" in text
        assert "Seed 5" in text and "/worksheets?sheet_seed=5" in text
    assert "Student sheet" in student_text and "Name" in student_text and "Date" in student_text
    assert "Working" in student_text and "Working" not in key_text
    assert "none has more than three decimals" in student_text
    assert "Answer key" in key_text and "Name" not in key_text
    assert len(key) == 1  # the key is compact: both answers on one page


def test_the_layer_formula_on_the_sheet_picks_the_inputs_and_weights_the_solver_multiplies():
    """The header's ŷ_i = Σ_l x̃_(index) w_(weight) + b, read with 1-based i and l, against Layer.weight_input."""
    formula = re.compile(r"x\)?_\((.+)\) (w_l|w_\(k\+1-l\))")
    for level in LEVELS:
        for operation in OPERATIONS:
            sheet = make_worksheet(SheetSettings(6, level, operation, seed=11))
            index, weight = formula.search(layer_formula(sheet)).groups()
            python_index = re.sub(r"([sd])\(", r"\1*(", index)
            for solution in sheet.solutions:
                layer, k = solution.layer, len(solution.layer.w)
                s, d = layer.stride, layer.dilation
                for i in range(1, layer.output_length + 1):
                    for place in range(1, k + 1):  # l in the formula
                        weight_index = place if weight == "w_l" else k + 1 - place
                        input_index = eval(python_index, {"s": s, "d": d, "i": i, "l": place})
                        assert layer.weight_input(i - 1, weight_index - 1) == input_index - 1
            printed = pdf_pages(sheet_pdf(sheet, key=True))[0][1]
            assert ("𝑤𝑘+1−𝑙" in printed) == (operation == "convolution")


def test_the_loss_on_the_sheet_is_the_rule_the_solver_uses():
    """L as the header writes it, evaluated on each exercise's ŷ and y, is the solver's loss."""
    in_front = {"L = 1/2 sum": lambda m: Fraction(1, 2), "L = 1/m sum": lambda m: Fraction(1, m), "L = sum": None}
    for rule, formula in LOSS_FORMULAS.items():
        written = next(start for start in in_front if formula.startswith(start))
        for solution in make_worksheet(SheetSettings(10, rule=rule, seed=2)).solutions:
            squares = sum((a - t) ** 2 for a, t in zip(solution.y_hat, solution.y))
            scale = in_front[written](len(solution.y)) if in_front[written] else 1
            assert solution.loss == scale * squares


def test_the_markdown_sheet_states_each_task_and_the_markdown_key_gives_the_solver_answers():
    settings = SheetSettings(count=4, level="input_gradient", operation="convolution", rule="mean", seed=8)
    sheet = make_worksheet(settings)
    student = sheet_markdown(sheet, key=False, link="/worksheets?sheet_seed=8")
    key = sheet_markdown(sheet, key=True, link="/worksheets?sheet_seed=8")
    for text in (student, key):
        assert "**Level:** With ∂L/∂x" in text and "[this sheet again](/worksheets?sheet_seed=8)" in text
    for number, solution in enumerate(sheet.solutions, 1):
        assert (
            f"## Exercise {number}\n\n" + task_text(solution.layer, solution.y, solution.lr, "mean", ["d_x"]) in student
        )
        assert r"\partial L/\partial x" in student
        section = key.split(f"## Exercise {number}\n")[1].split("## Exercise")[0]
        for name, value in answers(solution, settings.level).items():
            assert f"- ${QUESTIONS[name].latex} = {latex_value(value)}$" in section
    assert "Name: ___" in student and "Name" not in key


def test_link_values_a_sheet_cannot_take_become_the_nearest_it_can_with_a_sentence():
    cases = {
        "sheet_count=0": ("count", 1, "sheet_count = `0`; the sheet allows 1 to 30, so it shows 1."),
        "sheet_count=99": ("count", 30, "the sheet allows 1 to 30, so it shows 30."),
        "sheet_count=abc": ("count", 10, "which is not a number, so the sheet shows 10, the default"),
        "sheet_count=inf": ("count", 10, "which is not a number"),
        "sheet_count=2.6": ("count", 3, "the sheet takes whole numbers only, so it shows 3."),
        "sheet_seed=-4": ("seed", 0, "the sheet allows 0 to 999,999, so it shows 0."),
        "sheet_level=hard": ("level", "stride_padding", "the choices are Stride 1 only, Stride and padding, With"),
        "sheet_op=flipped": ("operation", "correlation", "so the sheet shows Cross-correlation (PyTorch), the default"),
        "sheet_loss=": ("rule", "half", "The link gave no value for sheet_loss"),
        "sheet_paper=A3": ("paper", "A4", "the choices are A4 and Letter"),
    }
    for query, (field, value, sentence) in cases.items():
        settings, notes = settings_from_link(dict(parse_qsl(query, keep_blank_values=True)))
        assert getattr(settings, field) == value, query
        assert len(notes) == 1 and sentence in notes[0], (query, notes)
    # What the link said is quoted as typed, never turned into a link or formatting on the page.
    _, notes = settings_from_link({"sheet_level": "[a](https://e.vil) **b**"})
    assert "sheet_level = `[a](https://e.vil) **b**`;" in notes[0]
    # A choice is named as its control shows it, and a link may use that name too.
    settings, notes = settings_from_link({"sheet_level": "stride and padding", "sheet_loss": "½Σ"})
    assert (settings.level, settings.rule, notes) == ("stride_padding", "half", [])
    # Another case of a choice is the same choice, with nothing to say.
    settings, notes = settings_from_link({"sheet_paper": "letter", "sheet_level": "Dilation", "sheet_count": "12.0"})
    assert (settings.paper, settings.level, settings.count, notes) == ("Letter", "dilation", 12, [])


def test_the_preview_is_the_sheets_first_page_as_a_picture():
    sheet = make_worksheet(SheetSettings(count=12, paper="Letter"))
    pages = sheet_pages_png(sheet, key=False, ppi=50)
    assert len(pages) == len(pdf_pages(sheet_pdf(sheet, key=False))) > 1
    assert pages[0].startswith(b"\x89PNG")
    # Written for a look (and, with CONVLAB_UPDATE_DOCS=1, for the README): a printed page of a student sheet.
    settings = SheetSettings(count=4, seed=7)
    page = pdfium.PdfDocument(sheet_pdf(make_worksheet(settings), key=False, link=sheet_link(settings)))[0]
    image = page.render(scale=110 / POINTS_PER_INCH).to_pil()
    ARTIFACTS.mkdir(exist_ok=True)
    image.save(ARTIFACTS / "worksheet-page.png")
    if os.environ.get("CONVLAB_UPDATE_DOCS") == "1":
        image.save(DOCS / "worksheet-page.png")


# ---- The page, in Streamlit's AppTest ----------------------------------------------------------------------------

PAGE = "pages/worksheets.py"


def shown_link(at) -> str:
    return at.code[0].value


def test_the_page_opens_on_a_ten_exercise_sheet_with_both_sheets_to_download_in_both_formats(open_page):
    at = open_page(PAGE)
    assert not at.exception and not at.error and not at.info
    assert shown_link(at) == sheet_link(SheetSettings())
    downloads = [button.proto.label for button in at.get("download_button")]
    assert downloads == [
        "Student sheet (PDF)",
        "Answer key (PDF)",
        "Student sheet (Markdown)",
        "Answer key (Markdown)",
    ]
    assert [image.captions[0] for image in at.get("image")] == ["Student sheet, page 1", "Answer key, page 1"]


def test_a_shared_link_opens_its_sheet_and_a_changed_control_changes_the_link(open_page):
    query = {
        "sheet_count": "3",
        "sheet_level": "dilation",
        "sheet_op": "convolution",
        "sheet_loss": "mean",
        "sheet_seed": "42",
        "sheet_paper": "Letter",
    }
    at = open_page(PAGE, query)
    assert not at.exception and not at.info
    settings = SheetSettings(3, "dilation", "convolution", "mean", 42, "Letter")
    assert shown_link(at) == sheet_link(settings)
    at.number_input(key="sheet_seed").set_value(43).run()
    assert shown_link(at) == sheet_link(SheetSettings(3, "dilation", "convolution", "mean", 43, "Letter"))


def test_link_values_the_page_cannot_take_get_a_message_and_the_nearest_sheet(open_page):
    at = open_page(PAGE, {"sheet_count": "99", "sheet_level": "hard", "sheet_seed": "abc"})
    assert not at.exception and not at.error
    message = at.info[0].value
    assert "sheet_count = `99`; the sheet allows 1 to 30, so it shows 30." in message
    assert "sheet_level = `hard`; the choices are" in message and "sheet_seed = `abc`, which is not a number" in message
    assert at.number_input(key="sheet_count").value == 30 and at.selectbox(key="sheet_level").value == "stride_padding"
    assert shown_link(at) == sheet_link(SheetSettings(count=30))


def test_the_home_page_points_teachers_to_the_worksheets(open_page):
    at = open_page("pages/home.py")
    links = {link.proto.label: link.proto.page for link in at.get("page_link")}
    assert links["Worksheets with answer keys"] == "worksheets"
