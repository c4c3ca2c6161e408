"""The "Compare the fixes" page in AppTest: every variant trained with one budget, measured, and described truly.

The page measures on the first 2,000 test images; here on 400 (the cache keys carry the count), to keep the suite fast.
"""

import dataclasses
import json

import pytest
from conftest import APP, shown_text
from streamlit.testing.v1 import AppTest

import core.lab.comparison
from core.lab.compare import INVARIANT, VARIANTS
from core.lab.comparison import Comparison, members
from core.lab.evaluation import accuracy
from core.lab.questions import shared_lab

PAGE = "pages/compare.py"
IMAGES = 400
BUDGET = {"compare_images": "1000"}
TIMEOUT = 300


def open_compare(query: dict) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.query_params.update(query)
    at.switch_page(PAGE)
    return at.run()


@pytest.fixture(scope="module")
def fewer_images():
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(core.lab.comparison, "COMPARE_IMAGES", IMAGES)
        yield


@pytest.fixture(scope="module")
def one_seed(fewer_images):
    return open_compare(BUDGET)


def test_every_variant_is_trained_with_the_same_budget_and_shown_in_both_tables(one_seed):
    at = one_seed
    assert not at.exception, at.exception
    names = [variant.name for variant in VARIANTS]
    accuracy_table, inside = at.table[0].value, at.table[1].value
    assert list(accuracy_table.index) == names and list(inside.index) == names
    assert "1,000 training images, 1 epoch, seed 0; 9 models in all" in shown_text(at)
    assert at.get("vega_lite_chart"), "the accuracy-against-shift chart"


def test_the_exactly_invariant_cnn_shows_100_percent_under_wrap_and_the_page_says_why(one_seed):
    at = one_seed
    assert at.table[0].value.loc[INVARIANT, "consistency, wrap"] == "100.00%"
    text = shown_text(at)
    assert f"{INVARIANT}: 100.00% consistency under wrap" in text
    assert "a zero-fill shift equals a circular one only while no ink crosses the edge" in text


def test_the_table_shows_what_the_models_measure(one_seed):
    dataset = shared_lab().datasets.get("MNIST")
    comparison = Comparison(shared_lab().cache)
    jobs = comparison.train(members(1_000, 1, 1))
    frame = one_seed.table[0].value
    images, labels = dataset.x_test[:IMAGES], dataset.y_test[:IMAGES]
    for member, job in jobs.items():
        expected = accuracy(job.result.model, images, labels, 2, 0, "circular")
        assert frame.loc[member.variant.name, "at (2, 0), wrap"] == f"{100 * expected:.2f}%"


def test_three_seeds_show_mean_and_spread_and_say_which_differences_are_real(fewer_images):
    at = open_compare({**BUDGET, "compare_seeds": "3"})
    assert not at.exception, at.exception
    assert "±" in at.table[0].value.loc["CNN", "unshifted"]
    assert at.table[0].value.loc[INVARIANT, "consistency, wrap"] == "100.00 ± 0.00%", "100% under wrap, every seed"
    text = shown_text(at)
    assert "seeds 0 to 2; 27 models in all" in text
    assert f"{INVARIANT}: 100.00% consistency under wrap for each of the 3 seeds" in text
    assert "Against the plain CNN, over 3 seeds" in text
    spec = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    assert "mean ± spread of 3 seeds" in json.dumps(spec, ensure_ascii=False)
    assert "area" in [layer["mark"]["type"] for layer in spec["layer"]], "a band per variant"


def test_a_link_with_unknown_values_is_corrected_and_said_so(fewer_images):
    at = open_compare({**BUDGET, "compare_seeds": "2", "compare_epochs": "abc", "compare_fill": "sideways"})
    assert not at.exception, at.exception
    text = shown_text(at)
    assert "compare_seeds = `2`; this page offers 1, 3 and 5, so it shows 1" in text and (
        "compare_fill = `sideways`; the choices are zero and wrap, so this page shows zero" in text
    )
    assert "compare_epochs = `abc`, which is not a number, so this page shows 1" in text
    assert at.table[0].value.columns[1] == "at (2, 0), zero"


class TrainingsStarted(Exception):
    """Raised in place of the comparison's trainings: the page got past its question."""


@pytest.fixture
def long_estimate(monkeypatch):
    """Every comparison looks like a 2-minute training (a busy server), and asking for it starts nothing."""

    def plan(self, chosen):
        return dataclasses.replace(plan_of(self, chosen), seconds={"CNN": 60.0, "CNN, APS": 60.0})

    def train(self, chosen):
        raise TrainingsStarted

    plan_of = Comparison.plan
    monkeypatch.setattr(Comparison, "plan", plan)
    monkeypatch.setattr(Comparison, "train", train)


def test_the_default_comparison_starts_without_asking_even_when_the_server_is_busy(long_estimate):
    at = open_compare({})
    assert "TrainingsStarted" in str(at.exception)  # straight to the trainings
    assert not any(b.label.startswith("Train anyway") for b in at.main.button)
    assert any("Training takes about **2 min**" in i.value for i in at.sidebar.info)  # the estimate still shows


def test_a_comparison_the_learner_made_longer_asks_first_when_the_estimate_is_long(long_estimate):
    at = open_compare({"compare_seeds": "3"})
    assert not at.exception, at.exception
    assert "Train anyway (2 min)" in [b.label for b in at.main.button]
    assert any("Train anyway, or choose fewer images, epochs or seeds." in i.value for i in at.info)


def test_a_link_that_spells_the_wrap_fill_circular_is_followed_without_a_word(fewer_images):
    at = open_compare({**BUDGET, "compare_fill": "circular"})
    assert not at.exception, at.exception
    assert at.segmented_control(key="compare_fill").value == "wrap"
    assert at.table[1].value.columns[0] == "top-1 changes at 1 px (wrap)"  # the one-pixel measures follow the fill
    assert "compare_fill" not in shown_text(at)
