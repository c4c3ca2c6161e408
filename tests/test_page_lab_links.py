"""A shared link to the lab with values it does not allow: the page shows the nearest allowed ones and says so."""

PAGE = "pages/equivariance.py"
TIMEOUT = 180  # the default models train once per test run (the equivariance page's tests share them)


def notes(at) -> str:
    return " ".join(info.value for info in at.info)


def test_a_link_with_a_shift_out_of_range_shows_the_nearest_end_and_says_so(open_page):
    at = open_page(PAGE, {"dx": "999", "dy": "0", "fill": "nope"}, timeout=TIMEOUT)
    assert not at.exception, at.exception
    assert (at.slider(key="dx").value, at.slider(key="dy").value) == (8, 0)
    assert at.segmented_control(key="fill").value == "zero"
    assert "shifted by (8, 0), zero fill" in at.table[0].value.columns
    assert "The link asked for dx = `999`; the lab allows −8 to 8, so it shows 8." in notes(at)
    assert "The link asked for fill = `nope`; the choices are zero and wrap, so the lab shows zero, the default." in (
        notes(at)
    )
    assert "dy =" not in notes(at)  # an allowed value is followed without a word


def test_a_link_with_training_settings_out_of_range_shows_the_nearest_allowed_and_says_so(open_page, monkeypatch):
    monkeypatch.setenv(
        "CONVLAB_MAX_TRAINING_SECONDS", "0.01"
    )  # the page stops before training: the settings are enough
    at = open_page(PAGE, {"seed": "-5", "train_size": "7", "cnn_head": "sideways"}, timeout=TIMEOUT)
    assert not at.exception, at.exception
    assert at.number_input(key="seed").value == 0
    assert at.select_slider(key="train_size").value == 1_000
    assert at.radio(key="cnn_head").value == "flatten"
    for note in (
        "The link asked for seed = `-5`; the lab allows 0 to 9,999, so it shows 0.",
        "The link asked for train_size = `7`; the lab offers 1,000, 2,000, 4,000, 8,000, 16,000, 30,000 and 60,000, "
        "so it shows 1,000, the nearest.",
        "The link asked for cnn_head = `sideways`; the choices are flatten and global average, so the lab shows "
        "flatten, the default.",
    ):
        assert note in notes(at)


def test_the_code_spellings_of_the_choices_are_followed_and_the_link_then_shows_the_labels(open_page, monkeypatch):
    monkeypatch.setenv("CONVLAB_MAX_TRAINING_SECONDS", "0.01")  # the page stops before training
    query = {"cnn_head": "GAP", "cnn_downsample": "blurpool", "cnn_padding": "Circular", "dataset": "mnist"}
    at = open_page(PAGE, query, timeout=TIMEOUT)
    assert not at.exception, at.exception
    assert (at.radio(key="cnn_head").value, at.radio(key="cnn_downsample").value) == ("global average", "BlurPool")
    assert at.radio(key="cnn_padding").value == "circular" and at.selectbox(key="dataset").value == "MNIST"
    assert "The link asked" not in notes(at)
    assert dict(at.query_params) == {
        "cnn_head": "global average",
        "cnn_downsample": "BlurPool",
        "cnn_padding": "circular",
    }


def test_a_corrected_link_is_written_back_so_a_reload_keeps_what_the_page_shows(open_page, monkeypatch):
    monkeypatch.setenv("CONVLAB_MAX_TRAINING_SECONDS", "0.01")
    at = open_page(PAGE, {"seed": "-5", "train_size": "7", "epochs": "2.4", "mlp_hidden": "100"}, timeout=TIMEOUT)
    assert not at.exception, at.exception
    assert dict(at.query_params) == {"train_size": "1000", "epochs": "2", "mlp_hidden": "128"}  # seed: 0, the default
