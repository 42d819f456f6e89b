"""Figures first, charts right after: a page's first view in a session draws its headline figures alone.

Measured in Chromium (``benchmarks/bench_pages.py``): the browser loads each kind of element's code the
first time a page shows one, and nothing of a run appears until every element of it can be drawn; the
chart library alone is 4.7 MB of script, evaluated for 0.7 s on a quiet machine and for many seconds
with ten people on one core. So on a session's first view a page draws its figures and widgets, and a
small script in the page asks for the next run as soon as the browser has painted them; that run draws
the charts and tables (in the same places). Any other run of the session draws everything at once, so
a browser that cannot run the script still gets its charts on the next click.
"""

from __future__ import annotations

import streamlit as st

# Two animation frames: the first runs before the browser paints what came with this element, the second after.
# A run asked for from a page carries that page's address, so the signal stays quiet once the element is gone
# or the person has pressed a link (the page menu) or gone Back or Forward in between: their run draws the
# charts or leaves the page, and ours would take them back to this one (seen in CI: a click on "Data" landed
# on the Overview).
PAINT_SCRIPT = """
export default function ({ setTriggerValue }) {
  let quiet = false;
  const onLink = event => { if (event.isTrusted && event.target.closest?.("a[href]")) quiet = true; };
  const onHistory = () => { quiet = true; };
  const types = ["pointerdown", "keydown"];
  types.forEach(type => document.addEventListener(type, onLink, true));
  window.addEventListener("popstate", onHistory);
  const stop = () => {
    types.forEach(type => document.removeEventListener(type, onLink, true));
    window.removeEventListener("popstate", onHistory);
  };
  requestAnimationFrame(() => requestAnimationFrame(() => {
    stop();
    if (!quiet) setTriggerValue("painted", true);
  }));
  return () => { quiet = true; stop(); };
}
"""
_painted = st.components.v2.component("retail_painted", js=PAINT_SCRIPT)


def drawn_in_full(page: str) -> bool:
    """True to draw ``page``'s charts and tables in this run; False on the session's first view of it, when
    the page shows a note where they go and the browser's paint starts the run that draws them."""
    seen = f"{page}_viewed"
    if st.session_state.get(seen):
        return True
    st.session_state[seen] = True
    st.caption("Drawing the charts…")
    # a callback names the trigger the script sets; the rerun it causes is what draws the charts
    # (the key's suffix is what tests/browser.py waits to see gone)
    _painted(key=f"{page}_paint_signal", on_painted_change=lambda: None)
    return False
