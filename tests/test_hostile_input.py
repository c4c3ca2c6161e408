"""Odd and hostile values in the URL: every case ends in a correct result or a clear message, never a traceback."""

from conftest import APP, shown_text
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from bench.hostile import NASTY
from core.exercise.layer.fields import DEFAULTS, FIELDS, read_inputs
from core.lab.config import TrainConfig

hostile_text = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=40),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.lists(st.integers(-9, 9), min_size=0, max_size=40).map(lambda xs: ",".join(map(str, xs))),
)


def run_page(page: str, query: dict[str, str]) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=180)
    at.query_params.update(query)
    at.switch_page(page)
    return at.run()


def message_beside(at, field: str) -> str:
    for column in at.columns:
        if any(box.key == field for box in column.text_input):
            return " ".join(e.value for e in column.error)
    return ""


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(query=st.dictionaries(st.sampled_from(FIELDS + ("mode", "evil")), hostile_text, max_size=7))
def test_any_query_on_page_1_gives_the_solution_or_a_message_beside_each_bad_field(navigation_mode, query):
    at = run_page("pages/convolution.py", query)
    assert not at.exception, (query, at.exception)
    texts = {name: at.text_input(key=name).value or "" for name in FIELDS}
    expected = read_inputs(texts)
    for field, message in expected.errors.items():
        assert message in message_beside(at, field), (field, message)
    if expected.complete:
        assert "| outputs |" in shown_text(at)
    assert "Traceback" not in shown_text(at)


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(
    dx=hostile_text,
    dy=hostile_text,
    test_image=hostile_text,
    fill=st.one_of(st.sampled_from(["zero", "wrap", "circular", "", "ZERO"]), st.text(max_size=10)),
)
def test_any_shift_query_on_the_lab_stays_within_bounds(navigation_mode, dx, dy, test_image, fill):
    at = run_page("pages/equivariance.py", {"dx": dx, "dy": dy, "test_image": test_image, "fill": fill})
    assert not at.exception, at.exception
    assert -8 <= at.slider(key="dx").value <= 8 and -8 <= at.slider(key="dy").value <= 8
    assert 0 <= at.number_input(key="test_image").value <= 9_999
    assert at.segmented_control(key="fill").value in ("zero", "wrap")
    assert at.table and "Traceback" not in shown_text(at)


def test_training_settings_beyond_their_bounds_in_the_url_are_pulled_to_the_nearest_allowed_and_nothing_trains_unasked(
    navigation_mode,
):
    query = {
        "train_size": "999999999",
        "epochs": "1000",
        "seed": "-5",
        "augment_shift": "99",
        "mlp_hidden": "1e9",
        "cnn_padding": "<b>",
        "cnn_head": "",
        "cnn_downsample": "blur",
        "dataset": "ImageNet",
    }
    at = run_page("pages/equivariance.py", query)
    assert not at.exception
    default, (low_seed, _), (_, most_epochs), (_, most_shift) = (
        TrainConfig(),
        TrainConfig.bounds()["seed"],
        TrainConfig.bounds()["epochs"],
        TrainConfig.bounds()["augment_shift"],
    )
    assert at.selectbox(key="dataset").value == default.dataset == "MNIST"
    assert at.select_slider(key="train_size").value == 60_000
    assert at.slider(key="epochs").value == most_epochs and at.number_input(key="seed").value == low_seed
    assert at.slider(key="augment_shift").value == most_shift
    shown = {key: at.radio(key=key).value for key in ("cnn_padding", "cnn_head", "cnn_downsample")}
    assert shown == {"cnn_padding": "zero", "cnn_head": "flatten", "cnn_downsample": "max pool"}
    notes = " ".join(info.value for info in at.info)
    for name in query:
        if name not in ("mlp_hidden", "cnn_head"):  # an unreadable number and an empty choice are dropped silently
            assert f"The link asked for {name} = " in notes, name
    # The largest training the link now names waits for the learner's word instead of starting.
    assert any(b.label.startswith("Train anyway") for b in at.main.button)
    assert not any("training images" in c.value and "Trained in" in c.value for c in at.caption)


def test_session_state_out_of_bounds_is_pulled_back_in(navigation_mode):
    # Before the controls exist, a value in session state is what they start with: out of range, Streamlit would raise.
    at = AppTest.from_file(str(APP), default_timeout=180)
    at.switch_page("pages/equivariance.py")
    at.session_state["test_image"] = 123_456
    at.session_state["dx"] = -99
    at.session_state["epochs"] = 0
    at.run()
    assert not at.exception, at.exception
    assert at.number_input(key="test_image").value == 9_999 and at.slider(key="dx").value == -8
    assert at.slider(key="epochs").value == 1


def test_defaults_are_untouched_by_an_empty_query(navigation_mode):
    at = run_page("pages/convolution.py", {})
    assert {name: at.text_input(key=name).value for name in FIELDS} == DEFAULTS
