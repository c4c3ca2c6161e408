"""The lab's confusion matrices and the empty-border question in AppTest, at the default settings."""

import pytest
from conftest import shown_text

from core.lab.border import border_question, empty_border
from core.lab.config import TrainConfig
from core.lab.confusion import confusion_matrix, largest_confusion
from core.lab.questions import shared_lab

PAGE = "pages/equivariance.py"
TIMEOUT = 180  # the first run trains both default models and measures two sweeps on 2 cores


@pytest.fixture(scope="module")
def lab_page():
    from conftest import APP
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.switch_page(PAGE)
    return at.run()


def test_both_models_confusions_are_drawn_and_named_as_the_models_make_them(lab_page):
    at = lab_page
    assert not at.exception, at.exception
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


def test_the_border_question_is_asked_beside_the_chart_and_answered_with_the_test_sets_numbers(lab_page):
    at = lab_page
    room = empty_border(shared_lab().datasets.get("MNIST").x_test)
    question = border_question(room)
    assert question.startswith("Why should shifts up to about 4 pixels be cheap")
    expander = next(e for e in at.expander if e.label == question)
    answer = "\n".join(str(m.value) for m in expander.markdown)
    assert f"**{100 * room.either_way('x', 4):.2f}%** keep all their ink" in answer
    assert "the CNN gets" in answer  # the verdict, read off the measured sweep
    assert f"4 | {100 * room.either_way('x', 4):.2f}% | {100 * room.either_way('y', 4):.2f}%" in answer  # the table
