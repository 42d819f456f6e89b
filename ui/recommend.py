"""Cached recommenders: interactions and fitted models are built once per dataset version and
shared by every session; each call passes its own settings (scoring is pure, no lock)."""

from __future__ import annotations

import os
from typing import Any

import pandas as pd
import streamlit as st

from retail.analytics import overview
from retail.cache import BudgetCache
from retail.recommend.evaluation import (
    EvaluationData,
    SharedFits,
    SplitSettings,
    evaluate_names,
    prepare_evaluation,
    sweep,
)
from retail.recommend.interactions import Interactions, InteractionSettings, build_interactions
from retail.recommend.registry import DEFAULT, RECOMMENDERS
from ui.data import dataset_frame, preferences, workspace

SHOWN_FIRST = "recommend:shown-first"  # preference scope: the algorithm the page opens on for a dataset


def preference_scope(algorithm: str) -> str:
    return f"recommend:{algorithm}"


def shown_first(dataset: str) -> str:
    """The algorithm the page opens on: the one kept from this dataset's evaluation, else the registry's
    default (the hybrid, first on every validation and earlier window of the benchmark)."""
    return first_algorithm(preferences(dataset, SHOWN_FIRST))


def first_algorithm(kept: dict[str, Any]) -> str:
    """The algorithm kept for a dataset (preference :data:`SHOWN_FIRST`), else the registry's default."""
    return kept["algorithm"] if kept.get("algorithm") in RECOMMENDERS else RECOMMENDERS.first_tagged(DEFAULT)


def keep_shown_first(dataset: str, algorithm: str) -> None:
    """Open the page on ``algorithm`` for ``dataset`` from now on, for everyone (a button callback)."""
    workspace().save_preferences(dataset, SHOWN_FIRST, {"algorithm": algorithm})
    st.session_state["rec_algorithm"] = algorithm
    st.toast(f"Saved for {dataset}: the page opens on {RECOMMENDERS.label(algorithm)}")


def kept_settings(dataset: str, algorithm: str) -> dict[str, Any]:
    """The settings kept for this dataset and algorithm (the evaluation tab's "use the best")."""
    return preferences(dataset, preference_scope(algorithm))


def keep_settings(dataset: str, algorithm: str, settings: dict[str, Any], widget_prefixes: tuple[str, ...]) -> None:
    """Store ``settings`` with the dataset and move the algorithm's sliders to them (a button callback)."""
    kept = kept_settings(dataset, algorithm) | settings
    workspace().save_preferences(dataset, preference_scope(algorithm), kept)
    for prefix in widget_prefixes:
        for name, value in settings.items():
            st.session_state[f"{prefix}_{name}"] = value
    st.toast(f"Saved for {dataset}: " + ", ".join(f"{k} {v}" for k, v in settings.items()))


@st.cache_data(max_entries=4, show_spinner=False)
def customer_choices(home: str, dataset: str, version: str) -> pd.DataFrame:
    """Customers, biggest first (computed once per dataset, not on every slider move)."""
    return overview.top_customers(dataset_frame(home, dataset, version), n=None)


@st.cache_data(max_entries=64, show_spinner=False)
def purchase_history(home: str, dataset: str, version: str, customer: str) -> pd.DataFrame:
    return overview.customer_history(dataset_frame(home, dataset, version), customer)


@st.cache_resource(max_entries=6, show_spinner="Building the customer x product matrix...")
def interactions(home: str, dataset: str, version: str, weighting: str) -> Interactions:
    return build_interactions(dataset_frame(home, dataset, version), InteractionSettings(weighting=weighting))


# Fitted models, shared by every session, within a memory budget (an item-kNN model of the sample holds
# about 120 MB once its similarities are derived): the least recently used go first.
MODELS: BudgetCache = BudgetCache(int(float(os.environ.get("RETAIL_MODEL_MEMORY_MB", "1024")) * 2**20))


def shared_model(home: str, dataset: str, version: str, weighting: str, algorithm: str):
    """The fitted model, from :data:`MODELS` or fitted now (once, however many sessions ask at once)."""
    return MODELS.get((home, dataset, version, weighting, algorithm), lambda: RECOMMENDERS.get(algorithm).build().fit(
        interactions(home, dataset, version, weighting)))


def fitted_model(home: str, dataset: str, version: str, weighting: str, algorithm: str):
    """:func:`shared_model` with a spinner while it is fitted."""
    if (home, dataset, version, weighting, algorithm) in MODELS:
        return shared_model(home, dataset, version, weighting, algorithm)
    with st.spinner("Learning from purchases (similarities are computed once)..."):
        return shared_model(home, dataset, version, weighting, algorithm)


@st.cache_resource(max_entries=4, show_spinner="Splitting purchases at the cutoff...")
def evaluation_data(home: str, dataset: str, version: str, test_days: int, protocol: str) -> EvaluationData:
    return prepare_evaluation(dataset_frame(home, dataset, version),
                              SplitSettings(test_days=test_days, protocol=protocol))


@st.cache_resource(max_entries=2, show_spinner=False)
def evaluation_fits(home: str, dataset: str, version: str, test_days: int, protocol: str) -> SharedFits:
    """The algorithms fitted on one split, each once, shared by the table's rows (the hybrid blends the
    rows' EASE and customer kNN), by another list length and by the sweep. Two splits are kept (an
    evaluation of every algorithm on the sample holds a few hundred MB)."""
    return SharedFits(evaluation_data(home, dataset, version, test_days, protocol))


@st.cache_data(max_entries=64, show_spinner=False)
def evaluate_algorithm(home: str, dataset: str, version: str, test_days: int, protocol: str, k: int,
                       algorithm: str) -> pd.DataFrame:
    return evaluate_names([algorithm], evaluation_fits(home, dataset, version, test_days, protocol), k)


@st.cache_data(max_entries=16, show_spinner="Measuring every combination (fitted once)...")
def similarity_sweep(home: str, dataset: str, version: str, test_days: int, protocol: str, k: int,
                     algorithm: str, similarities: tuple[str, ...], neighbours: tuple[int, ...]) -> pd.DataFrame:
    fits = evaluation_fits(home, dataset, version, test_days, protocol)
    grid: dict[str, Any] = {"similarity": list(similarities), "k": list(neighbours)}
    return sweep(fits.model(algorithm), fits.data, grid, k)
