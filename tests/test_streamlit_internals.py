"""What pages/streamlit_internals.py relies on in Streamlit 1.67: if an upgrade removes it, these fail and say what to recheck."""

import dataclasses
import inspect
from pathlib import Path

import streamlit
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.state.query_params import QueryParams

from pages.streamlit_internals import ONE_HISTORY_ENTRY_PER_PAGE


def frontend_bundle(name: str = "index") -> str:
    static = Path(streamlit.__file__).parent / "static" / "static" / "js"
    return "".join(path.read_text(errors="replace") for path in static.glob(f"{name}.*.js"))


def test_the_pages_folders_old_mode_is_still_a_class_attribute_of_the_pages_manager():
    assert isinstance(PagesManager.uses_pages_directory, (bool, type(None))), (
        "Streamlit changed PagesManager.uses_pages_directory: recheck through_app_navigation()"
    )


def test_bound_controls_are_still_seeded_from_a_private_copy_of_the_url():
    names = {field.name for field in dataclasses.fields(QueryParams)}
    assert "_initial_query_params" in names, (
        "Streamlit changed URL seeding: recheck drop_unreadable_numbers() and correct_the_link()"
    )


def test_the_frontend_still_pushes_a_history_entry_for_every_url_change_of_a_page():
    bundle = frontend_bundle()
    assert "handlePageInfoChanged" in bundle and "window.history.pushState({},``,n)" in bundle, (
        "Streamlit changed how it writes the URL: recheck one_history_entry_per_page() (maybe it is no longer needed)"
    )


def test_the_frontend_still_writes_a_new_pages_query_under_the_old_path_before_pushing_the_new_one():
    # The query of a page change (a page link's query_params, or what the new page's first run writes) goes to the
    # address bar as it is, path included, before the new path is pushed: the script puts the old page's URL back.
    assert "n=document.location.pathname+(t?`?${t}`:``)" in frontend_bundle(), (
        "Streamlit changed how it writes a page's query: recheck one_history_entry_per_page()"
    )
    assert "t(b.pageScriptHash,b.queryString)" in frontend_bundle("PageLink"), (
        "Streamlit changed how a page link opens its page: recheck one_history_entry_per_page()"
    )


def test_html_can_still_run_the_history_script():
    assert "unsafe_allow_javascript" in inspect.signature(streamlit.html).parameters
    assert "history.pushState" in ONE_HISTORY_ENTRY_PER_PAGE and "replaceState" in ONE_HISTORY_ENTRY_PER_PAGE
    assert 'addEventListener("click"' in ONE_HISTORY_ENTRY_PER_PAGE  # the old page's URL, noted as the learner left it
