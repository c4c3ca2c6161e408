"""Page 2 in Streamlit's AppTest: trains once, moves the sliders without retraining, and shows measured numbers."""

import dataclasses
import json
import time

import numpy as np
import pytest
from conftest import shown_text

from core.lab import data
from core.lab.border import border_question, empty_border
from core.lab.config import TrainConfig
from core.lab.confusion import confusion_matrix, largest_confusion
from core.lab.evaluation import accuracy
from core.lab.questions import shared_lab

PAGE = "pages/equivariance.py"
TIMEOUT = 180  # the first run trains both default models and measures two sweeps on 2 cores


def table(at) -> dict[str, list[str]]:
    frame = at.table[0].value
    return {column: list(frame[column]) for column in frame.columns}


def as_fraction(text: str) -> float:
    return float(text.rstrip("%")) / 100


@pytest.fixture(scope="module")
def first_run():
    """The page with its defaults, run once for the whole module (AppTest's own process shares the lab)."""
    from conftest import APP
    from streamlit.testing.v1 import AppTest

    started = time.monotonic()
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.switch_page(PAGE)
    at.run()
    return at, time.monotonic() - started


def test_the_defaults_train_both_models_and_show_the_table_in_bounded_time(first_run):
    at, seconds = first_run
    assert not at.exception, at.exception
    assert seconds < TIMEOUT
    rows = table(at)
    assert rows["model"] == ["MLP", "CNN"]
    assert "shifted by (2, 0), zero fill" in rows
    assert len(at.get("vega_lite_chart")) >= 2  # accuracy against shift, class probabilities


def test_the_table_shows_what_the_evaluation_code_measures(first_run):
    at, _ = first_run
    lab = shared_lab()
    dataset = lab.datasets.get("MNIST")
    jobs = lab.train(TrainConfig())
    rows = table(at)
    for position, kind in enumerate(("mlp", "cnn")):
        model = jobs[kind].result.model
        assert as_fraction(rows["original test set"][position]) == pytest.approx(
            accuracy(model, dataset.x_test, dataset.y_test), abs=5e-5
        )
        shifted = accuracy(model, dataset.x_test, dataset.y_test, 2, 0, "zero")
        assert as_fraction(rows["shifted by (2, 0), zero fill"][position]) == pytest.approx(shifted, abs=5e-5)


def test_moving_the_shift_sliders_never_retrains(open_page, first_run):
    lab = shared_lab()
    before = dict(lab.cache.counts)
    at = open_page(PAGE, timeout=TIMEOUT)
    for dx, dy in [(3, 0), (-2, 1), (0, -4)]:
        at.slider(key="dx").set_value(dx)
        at.slider(key="dy").set_value(dy).run()
        assert not at.exception
        assert f"shifted by ({dx}, {dy}), zero fill".replace("-", "−") in table(at)
        on_both_axes = [caption.value for caption in at.caption if "both at once, is in the table" in caption.value]
        assert len(on_both_axes) == (1 if dx and dy else 0)  # the one-axis chart says where a diagonal shift is
    assert lab.cache.counts["trainings_started"] == before["trainings_started"]


def test_circular_fill_changes_the_table_and_the_explanation(open_page, first_run):
    at = open_page(PAGE, timeout=TIMEOUT)
    at.segmented_control(key="fill").set_value("wrap").run()
    assert not at.exception
    assert "shifted by (2, 0), circular wrap" in table(at)


def test_circular_padding_and_circular_shift_make_the_first_layer_exactly_equivariant(open_page, first_run):
    at = open_page(PAGE, {"cnn_padding": "circular", "fill": "wrap"}, timeout=TIMEOUT)
    assert not at.exception
    text = shown_text(at)
    assert "wraps round like a torus" in text
    conv1 = next(m.value for m in at.markdown if m.value.startswith("**conv1**"))
    assert conv1.split("relative error **")[1].split("**")[0] in ("0", "below 0.001")
    assert "away from the border" not in conv1  # a torus has no border


def test_shift_values_beyond_the_bounds_in_the_url_are_not_used(open_page, first_run):
    at = open_page(
        PAGE, {"dx": "99", "dy": "-1000", "test_image": "123456", "fill": "sideways", "epochs": "0"}, timeout=TIMEOUT
    )
    assert not at.exception
    assert -8 <= at.slider(key="dx").value <= 8 and -8 <= at.slider(key="dy").value <= 8
    assert 0 <= at.number_input(key="test_image").value <= 9_999
    assert at.segmented_control(key="fill").value in ("zero", "wrap")


def test_a_dataset_that_cannot_be_downloaded_says_so_and_the_lab_goes_on_with_mnist(open_page, first_run, monkeypatch):
    def offline(name, directory):
        raise OSError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(data, "download_arrays", offline)
    monkeypatch.setattr(shared_lab().datasets, "_failures", {})
    at = open_page(PAGE, {"dataset": "KMNIST"}, timeout=TIMEOUT)
    assert not at.exception
    assert any("needs the internet" in w.value and "MNIST" in w.value for w in at.warning)
    assert table(at)["model"] == ["MLP", "CNN"]


def test_a_training_over_the_servers_cap_is_refused_before_it_starts(open_page, first_run, monkeypatch):
    monkeypatch.setenv("CONVLAB_MAX_TRAINING_SECONDS", "0.01")
    lab = shared_lab()
    before = lab.cache.counts["trainings_started"]
    at = open_page(PAGE, {"seed": "77"}, timeout=TIMEOUT)
    assert not at.exception
    refusal = " ".join(e.value for e in at.sidebar.error)
    assert "This server allows 0.0 s" in refusal and "Training takes about" in refusal
    assert any("longer to train than this server allows" in i.value for i in at.info)
    assert lab.cache.counts["trainings_started"] == before and not at.table


def test_a_long_training_waits_for_a_confirmation_and_says_how_long(open_page, first_run, monkeypatch):
    lab = shared_lab()
    plan = lab.plan(TrainConfig(seed=78))
    long = dataclasses.replace(plan, seconds={"MLP": 12.0, "CNN": 48.0})
    monkeypatch.setattr(type(lab), "plan", lambda self, config: long)
    before = lab.cache.counts["trainings_started"]
    at = open_page(PAGE, {"seed": "78"}, timeout=TIMEOUT)
    assert not at.exception
    assert any(
        "Training takes about **1 min** on this server (MLP 12 s, CNN 48 s)" in w.value for w in at.sidebar.warning
    )
    assert "Train anyway (1 min)" in [b.label for b in at.main.button]
    assert any("A long training: about 1 min on this server" in i.value for i in at.info)
    assert lab.cache.counts["trainings_started"] == before and not at.table


def test_the_default_lab_never_asks_for_a_confirmation_even_when_a_busy_server_estimates_long(
    open_page, first_run, monkeypatch
):
    lab = shared_lab()
    long = dataclasses.replace(lab.plan(TrainConfig()), seconds={"MLP": 12.0, "CNN": 48.0})
    monkeypatch.setattr(type(lab), "plan", lambda self, config: long)
    at = open_page(PAGE, {}, timeout=TIMEOUT)
    assert not at.exception
    assert not any(b.label.startswith("Train anyway") for b in at.main.button)
    assert at.table  # the class's default models, shown


def test_a_plan_estimates_only_the_models_not_yet_trained_and_lists_what_runs_ahead(first_run):
    lab = shared_lab()
    assert not lab.plan(TrainConfig()).needs_training  # the defaults, trained by the first run
    plan = lab.plan(TrainConfig(seed=79))
    assert set(plan.seconds) == {"MLP", "CNN"} and all(seconds > 0 for seconds in plan.seconds.values())
    assert plan.seconds["CNN"] > plan.seconds["MLP"]  # the CNN does more work per image
    longer = lab.plan(TrainConfig(seed=79, epochs=3))
    assert longer.seconds["CNN"] == pytest.approx(3 * plan.seconds["CNN"], rel=1e-6)


def test_the_home_pages_claim_about_the_lab_holds_for_the_default_table(open_page, first_run):
    at, _ = first_run
    rows = table(at)
    mlp_change, cnn_change = (float(change.split()[0].replace("−", "-")) for change in rows["change"])
    home = shown_text(open_page("pages/home.py"))
    assert "collapses" not in home
    assert "At the default settings, shifted by 2 pixels, the MLP loses far more accuracy than the CNN" in home
    assert rows["model"] == ["MLP", "CNN"] and "shifted by (2, 0), zero fill" in rows
    assert mlp_change < 2 * cnn_change < 0  # far more: over twice the points


def test_both_models_confusions_are_drawn_and_named_as_the_models_make_them(first_run):
    at, _ = first_run
    text = shown_text(at)
    assert "What the models confuse" in text
    titles = [str(chart.proto.spec) for chart in at.get("vega_lite_chart")]
    for model in ("MLP", "CNN"):
        assert sum(f"{model}, shifted by (2, 0), zero fill" in spec for spec in titles) == 1
    lab = shared_lab()
    dataset = lab.datasets.get("MNIST")
    jobs = lab.train(TrainConfig())
    for kind, model in (("mlp", "MLP"), ("cnn", "CNN")):
        counts = confusion_matrix(jobs[kind].result.model, dataset.x_test, dataset.y_test, 2, 0, "zero")
        assert counts.sum() == len(dataset.x_test)
        assert largest_confusion(counts, dataset.class_names, f"the {model}") in text


def test_the_border_question_is_asked_under_the_chart_and_answered_with_the_test_sets_numbers(first_run):
    at, _ = first_run
    room = empty_border(shared_lab().datasets.get("MNIST").x_test)
    question = border_question(room)
    assert question.startswith("Why should shifts up to about 4 pixels be cheap")
    expander = next(e for e in at.expander if e.label == question)
    answer = "\n".join(str(m.value) for m in expander.markdown)
    assert f"**{100 * room.either_way('x', 4):.2f}%** keep all their ink" in answer
    assert "the CNN gets" in answer  # the verdict, read off the measured sweep
    assert f"4 | {100 * room.either_way('x', 4):.2f}% | {100 * room.either_way('y', 4):.2f}%" in answer  # the table
    # Across the page under the chart's two columns, not squeezed into the narrow left one.
    assert not any(e.label == question for column in at.columns for e in column.expander)


def test_off_the_axes_each_drawn_matrix_counts_every_test_image_and_agrees_with_the_table_and_its_sentence(open_page):
    """At (3, −2) under wrap (the stored defaults' grid, not a pass of its own): every image counted once, the
    diagonal is the table's shifted accuracy, and the sentence names the matrix's own largest confusion."""
    from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df

    at = open_page(PAGE, {"dx": "3", "dy": "-2", "fill": "wrap"}, timeout=TIMEOUT)
    table = at.table[0].value.set_index("model")
    text = shown_text(at)
    dataset = shared_lab().datasets.get("MNIST")
    names = dataset.class_names
    for model in ("MLP", "CNN"):
        (chart,) = [
            c
            for c in at.get("vega_lite_chart")
            if json.loads(c.proto.spec).get("title") == f"{model}, shifted by (3, −2), circular wrap"
        ]
        cells = convert_arrow_bytes_to_pandas_df(chart.proto.datasets[0].data.data)
        matrix = np.zeros((10, 10), dtype=np.int64)
        for row in cells.itertuples():
            matrix[names.index(row.true), names.index(row.predicted)] = row.count
        assert matrix.sum() == 10_000, model
        job = shared_lab().train(TrainConfig())[model.lower()]
        assert np.array_equal(
            matrix, confusion_matrix(job.result.model, dataset.x_test, dataset.y_test, 3, -2, "circular")
        )
        assert table.loc[model, "shifted by (3, −2), circular wrap"] == f"{np.trace(matrix) / 100:.2f}%", model
        assert largest_confusion(matrix, names, f"the {model}") in text, model


def test_the_heat_maps_over_every_shift_read_every_test_image_and_agree_with_the_table(open_page):
    """The defaults' heat maps read the stored confusion matrices of all 10,000 test images: their cell at the
    current shift is the table's shifted accuracy, as the table writes it (a map of the first 1,000 images once
    disagreed with the table beside it), and that cell is outlined."""
    from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df

    at = open_page(PAGE, {"dx": "3", "dy": "3", "show_grid": "true"}, timeout=TIMEOUT)
    assert not at.exception, at.exception
    assert at.toggle(key="show_grid").label.startswith("Show accuracy over every (dx, dy): 10,000 test images")
    table = at.table[0].value.set_index("model")
    for model in ("MLP", "CNN"):
        (chart,) = [
            c
            for c in at.get("vega_lite_chart")
            if json.loads(c.proto.spec).get("title") == f"{model}: accuracy over (dx, dy), zero fill"
        ]
        frames = [convert_arrow_bytes_to_pandas_df(d.data.data) for d in chart.proto.datasets]
        (cells,) = [frame for frame in frames if "accuracy" in frame.columns]
        (marker,) = [frame for frame in frames if "accuracy" not in frame.columns]
        assert len(cells) == 17 * 17 and marker.to_dict("records") == [{"dx": 3, "dy": 3}]
        here = cells[(cells.dx == 3) & (cells.dy == 3)].accuracy.item()
        assert f"{here:.2%}" == table.loc[model, "shifted by (3, 3), zero fill"], model


def test_the_link_to_the_comparison_fits_a_projectors_line_and_names_the_fixes_in_its_help(first_run):
    at, _ = first_run
    (link,) = [link.proto for link in at.get("page_link") if "compare" in link.proto.page]
    assert link.label == "Compare every fix side by side at (2, 0)"
    assert all(fix in link.help for fix in ("shift augmentation", "circular padding", "BlurPool", "APS"))
