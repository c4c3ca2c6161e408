"""Every place ConvLab relies on Streamlit's behaviour beyond its public API (Streamlit 1.67), in one module.

Each function says what it works around and why no public API does the job;
`tests/test_streamlit_internals.py` fails loudly if an upgrade removes what they rely on.
"""

import logging
import math

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx


def navigation_from_the_start() -> None:
    """At the server's start (app.py's st.App start-up), before any session: every run goes through app.py's
    st.navigation, the first visitor's first run included (private: `PagesManager.uses_pages_directory`).

    Until some session has called st.navigation, Streamlit 1.67 treats a `pages/` folder the old way: a
    first visit straight to /equivariance would run the page alone, without app.py's layout and page list,
    then again through app.py (through_app_navigation): a run for nothing, about 0.1 s of a cold start after
    the imports. The design fixes the folder's name, and no public option turns the old mode off.
    """
    PagesManager.uses_pages_directory = False


def through_app_navigation() -> None:
    """Make sure the page runs under app.py's st.navigation, where navigation_from_the_start did not run
    (AppTest sets the old mode back before each of its runs)."""
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        logging.getLogger("convlab").info("a first run outside app.py's navigation: run again through it")
        st.rerun()


def drop_unreadable_numbers(*keys: str) -> None:
    """A number control's URL value that is not a finite number (?seed=inf) is dropped before the control reads it.

    Streamlit 1.67 seeds a bound control from its private copy of the URL as the page loaded
    (`_initial_query_params`), and int(inf) there raises an OverflowError it does not catch;
    `st.query_params` alone cannot remove the value from that copy.
    """
    for key in keys:
        value = st.query_params.get(key)
        if value is None or _finite(value):
            continue
        del st.query_params[key]
        context = get_script_run_ctx()
        if context is not None:
            with context.session_state.query_params() as params:
                params._initial_query_params.pop(key, None)


def _finite(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except (TypeError, ValueError, OverflowError):
        return False


# Streamlit 1.67's frontend pushes a new browser-history entry for every change of a URL-bound control
# (handlePageInfoChanged), so Back steps through every slider move and only reaches the previous page after
# many presses. Worse, on a change of page it writes the new page's query under the OLD page's path before it
# pushes the new path: the link's query (st.page_link's query_params), an empty query, or whatever the new page's
# first run puts in the URL (a setting it restores by hand). Back then lands on the old page with the new page's
# query: its controls at their defaults, the other page's parameters in its link. This script, run once in the page:
# - replaces the current entry instead of pushing one when only the query changes (one entry per page visited,
#   always holding that page's latest URL, which Streamlit's own history navigation restores);
# - notes the URL when the learner clicks a link to another page of the app (before Streamlit handles the click),
#   and when that page is pushed, puts that URL back into the old page's entry, undoing what was written since.
# No public option exists; tests/test_streamlit_internals.py checks the frontend still behaves as described.
ONE_HISTORY_ENTRY_PER_PAGE = """
<script>
(() => {
  const history = window.history;
  if (history.__convlabOneEntryPerPage) return;
  const push = history.pushState.bind(history);
  const replace = history.replaceState.bind(history);
  const here = () => window.location.pathname + window.location.search + window.location.hash;
  let leaving = null;  // the old page's URL as the learner left it, from their click on a link to another page
  window.addEventListener("click", (event) => {
    const link = event.target instanceof Element ? event.target.closest("a[href]") : null;
    if (!link || link.target === "_blank") return;
    const target = new URL(link.href, window.location.href);
    if (target.origin === window.location.origin && target.pathname !== window.location.pathname) leaving = here();
  }, true);
  window.addEventListener("popstate", () => { leaving = null; });
  const write = (original) => (state, title, url) => {
    if (url === undefined || url === null) return original(state, title, url);
    const next = new URL(url, window.location.href);
    if (next.pathname === window.location.pathname) return replace(state, title, url);
    if (leaving !== null) replace(state, title, leaving);
    leaving = null;
    return original(state, title, url);
  };
  history.pushState = write(push);
  history.replaceState = write(replace);
  history.__convlabOneEntryPerPage = true;
})();
</script>
"""


def one_history_entry_per_page() -> None:
    """Back and Forward move between the pages a learner visited, each as they left it (see above)."""
    st.html(ONE_HISTORY_ENTRY_PER_PAGE, unsafe_allow_javascript=True)


def correct_the_link(key: str, text: str) -> None:
    """The corrected value in the address bar too, so that a reload, Back or a shared link keeps what the page shows.

    Private (Streamlit 1.67): a bound control is seeded from Streamlit's own copy of the URL as the page loaded
    (`_initial_query_params`), which `st.query_params` does not change; seeded from the old text, the control drops
    the value from the address bar. Both copies get the corrected text; a default Streamlit then leaves out of the
    URL, as it does for every control at its default.
    """
    try:
        st.query_params[key] = text
    except st.errors.StreamlitAPIException:  # already bound to its control: the control itself keeps the URL
        return
    context = get_script_run_ctx()
    if context is not None:
        with context.session_state.query_params() as params:
            if key in params._initial_query_params:
                params._initial_query_params[key] = [text]
