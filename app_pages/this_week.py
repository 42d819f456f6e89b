"""This week: what needs attention, ranked, each with why, the numbers and the page that explains it."""

import pandas as pd
import streamlit as st

from retail.data import currency
from retail.forecast.result import RUN_KIND as FORECAST_KIND
from retail.planning.attention import AttentionSettings
from retail.planning.pack import exceptions_table
from retail.planning.refresh import REFRESH_KIND
from retail.planning.registry import EXCEPTIONS
from retail.planning.tracking import headline as tracking_headline
from ui import planning as cached
from ui.append import APPEND_TAB
from ui.data import current_frame, workspace
from ui.planning import VIEW_KEY
from ui.widgets import download_csv, help_link, param_widgets

SHOWN = 25


def last_changes(info) -> None:
    """When the sales were last added to, and the last unattended refresh."""
    appends = info.report.get("appends") or []
    parts = [f"Sales through **{info.date_max:%A %d %B %Y}**."]
    if appends:
        last = appends[-1]
        parts.append(f"Last added {last['at']} UTC by {last['by']}: {last['added']:,} rows from {last['source']}.")
    refreshes = workspace().list_runs(REFRESH_KIND, info.name)
    if refreshes:
        parts.append(f"Last refresh {refreshes[0].created_at:%d %b %Y %H:%M} UTC.")
    st.caption(" ".join(parts))


def settings_editor(info, kept: AttentionSettings) -> AttentionSettings:
    """Each kind switched on or off, with its thresholds; 'keep' stores them with the dataset."""
    with st.expander("What to look for (thresholds)"):
        off, thresholds = [], {}
        for spec in EXCEPTIONS:
            on = st.toggle(f"{spec.label[:1].upper()}{spec.label[1:]}", value=spec.name not in kept.off,
                           key=f"tw_on_{spec.name}", help=spec.description)
            if not on:
                off.append(spec.name)
            thresholds[spec.name] = param_widgets(spec, f"tw_{spec.name}", columns=3, defaults=kept.thresholds.get(
                spec.name, {}))
        chosen = AttentionSettings(off=tuple(off), thresholds={k: {p: v for p, v in values.items()
                                                                   if v != EXCEPTIONS.get(k).param(p).default}
                                                               for k, values in thresholds.items()})
        if workspace().may("settings") and st.button("Keep these thresholds with the dataset", key="tw_keep"):
            cached.keep_attention_settings(info.name, chosen)
            st.success("Kept: everyone opening this dataset, and the unattended refresh, now use them.")
    return chosen


def exception_lines(week, info, code: str | None, shown: int) -> None:
    level = week.tracking.runs[-1].key[0] if week.tracking.runs else "product"
    for row in week.ranked.head(shown).to_dict("records"):
        with st.container(border=True):
            cells = st.columns([0.6, 5, 1.4, 1.2], vertical_alignment="center")
            cells[0].markdown(f"**{row['rank']}**")
            cells[1].markdown(f"**{row['what'][:1].upper()}{row['what'][1:]}: {row['name']}**  \n{row['why']}")
            cells[2].metric("At stake a week", currency.money(row["at_stake"], code, 0) if code else
                            f"{row['at_stake']:,.0f}")
            page, params = cached.link(row, info, level)
            cells[3].page_link(page, label="Explain", icon=":material/open_in_new:", query_params=params)


st.title("This week")
help_link("this_week")
loaded = current_frame()
if loaded is None:
    st.stop()
info, frame = loaded
code = workspace().currency_of(info)
last_changes(info)
if workspace().may("upload"):
    st.page_link("app_pages/data.py", label="Add this week's sales", icon=":material/upload_file:",
                 query_params={"dataset": info.name, VIEW_KEY: APPEND_TAB})
chosen = settings_editor(info, cached.attention_settings(info.name))
week = cached.this_week(cached.attention_key(info), chosen)
if not workspace().list_runs(FORECAST_KIND, info.name):
    st.info("No saved forecast yet: the forecast checks start once a forecast is saved (Forecast page) and the "
            "weeks it forecast are added (Data page, 'Add to this dataset', or `python -m retail refresh`).")
st.subheader(week.headline)
st.markdown(tracking_headline(week.tracking))
if not week.ranked.empty:
    list_tab, table_tab = st.tabs(["Ranked list", "Table"])
    with list_tab:
        everything = st.toggle(f"Show all {len(week.ranked):,}", key="tw_all") if len(week.ranked) > SHOWN else False
        exception_lines(week, info, code, len(week.ranked) if everything else SHOWN)
    with table_tab:
        table = exceptions_table(week.ranked)
        st.dataframe(table.assign(**{c: pd.to_datetime(table[c]) for c in table.columns if "period" in c.lower()}),
                     hide_index=True, width="stretch", key="tw_table")
        download_csv(table, f"{info.name} this week.csv", key="tw_download")
