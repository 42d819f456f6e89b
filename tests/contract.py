"""The estimator contract every model family's tests inherit (scikit-learn's ``check_estimator``, for
this project's fit / predict signatures).

A family's test class inherits :class:`EstimatorContract`, names its ``registry`` and gives the
hooks: a ``data`` fixture, :meth:`~EstimatorContract.fit` and :meth:`~EstimatorContract.predict`
for the family's own signatures, the inputs a call must leave alone and the input cut to 0 or 1
rows. Every test then runs once per registry entry (``pytest_generate_tests``), so a new entry is
checked without a new test:

* ``fit`` returns the model; predicting before ``fit`` raises scikit-learn's ``NotFittedError`` with
  a sentence naming the call that fits;
* the same settings and seed give the same answer twice;
* neither ``fit`` nor predicting changes an input;
* ``sklearn.base.clone`` gives an unfitted model with the same settings, which fits to the same answer;
* a pickled and unpickled model predicts the same;
* an empty or one-row input gets a clear error raised by this project (a ``ValueError`` in words, not a
  library's traceback) or an answer without infinities;
* the registry's settings are the constructor's, whose own defaults are the registry's, and a model's
  ``name`` is its entry's.
"""

from __future__ import annotations

import copy
import dataclasses
import pickle
import traceback
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from retail.registry import Registry, Spec

PACKAGE = Path(__file__).resolve().parents[1] / "retail"


def assert_same(first: Any, second: Any, where: str = "value") -> None:
    """``first`` equals ``second`` exactly, through frames, arrays, sparse matrices, dataclasses and containers
    (NaN equals NaN)."""
    if isinstance(first, pd.DataFrame):
        pd.testing.assert_frame_equal(first, second, obj=where)
    elif isinstance(first, pd.Series):
        pd.testing.assert_series_equal(first, second, obj=where)
    elif isinstance(first, pd.Index):
        pd.testing.assert_index_equal(first, second, obj=where)
    elif sp.issparse(first):
        assert first.shape == second.shape and (first != second).nnz == 0, where
    elif isinstance(first, np.ndarray):
        np.testing.assert_array_equal(first, second, err_msg=where)
    elif dataclasses.is_dataclass(first) and not isinstance(first, type):
        for field in dataclasses.fields(first):
            assert_same(getattr(first, field.name), getattr(second, field.name), f"{where}.{field.name}")
    elif isinstance(first, dict):
        assert list(first) == list(second), where
        for key in first:
            assert_same(first[key], second[key], f"{where}[{key!r}]")
    elif isinstance(first, list | tuple):
        assert len(first) == len(second), where
        for position, (a, b) in enumerate(zip(first, second, strict=True)):
            assert_same(a, b, f"{where}[{position}]")
    elif isinstance(first, float) and np.isnan(first):
        assert isinstance(second, float) and np.isnan(second), where
    else:
        assert first == second, where


def _raised_here(error: BaseException) -> bool:
    """True when the innermost frame of ``error`` is this project's code (a deliberate, worded refusal)."""
    frames = traceback.extract_tb(error.__traceback__)
    return bool(frames) and Path(frames[-1].filename).resolve().is_relative_to(PACKAGE)


def _no_infinities(answer: Any) -> None:
    if isinstance(answer, pd.DataFrame | pd.Series):
        numbers = answer.select_dtypes("number") if isinstance(answer, pd.DataFrame) else answer
        assert not np.isinf(np.asarray(numbers, dtype=float)).any(), "an answer holds an infinity"
    elif isinstance(answer, np.ndarray) and answer.dtype.kind in "fiu":
        assert not np.isinf(answer).any(), "an answer holds an infinity"


class EstimatorContract:
    """The shared tests (see the module). Subclasses set ``registry`` and implement the hooks."""

    registry: ClassVar[Registry]
    #: Spec name -> settings that make the fit quick on test data (they replace the registry's defaults).
    quick: ClassVar[dict[str, dict[str, Any]]] = {}
    #: Spec name -> why that entry is no estimator (it combines other entries' results), so not checked here.
    combiners: ClassVar[dict[str, str]] = {}

    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        if "spec" in metafunc.fixturenames:
            specs = [spec for spec in self.registry if spec.name not in self.combiners]
            metafunc.parametrize("spec", specs, ids=lambda spec: spec.name)

    # --- hooks --------------------------------------------------------------------------------------
    def build(self, spec: Spec, **params: Any) -> Any:
        """An unfitted model of ``spec`` from its factory: the constructor's own defaults, then ``params``."""
        return spec.resolve()(**params)

    def quick_model(self, spec: Spec) -> Any:
        """An unfitted model of ``spec`` with the quick settings (checked by the registry)."""
        return self.build(spec, **spec.check(self.quick.get(spec.name, {})))

    def fit(self, model: Any, data: Any) -> Any:
        """Fit ``model`` on ``data``; return what ``fit`` returned."""
        raise NotImplementedError

    def predict(self, model: Any, data: Any) -> Any:
        """The fitted model's answer on ``data`` (a frame, a series or an array)."""
        raise NotImplementedError

    def inputs(self, data: Any) -> Any:
        """What a call must leave unchanged (default: ``data`` itself)."""
        return data

    def cut(self, data: Any, rows: int) -> Any:
        """``data`` with only ``rows`` rows (0 or 1) of its raw input."""
        raise NotImplementedError

    # --- the contract -------------------------------------------------------------------------------
    def test_fit_returns_the_model(self, spec: Spec, data: Any) -> None:
        model = self.quick_model(spec)
        assert self.fit(model, data) is model

    def test_predicting_before_fit_is_scikit_learns_not_fitted_error(self, spec: Spec, data: Any) -> None:
        with pytest.raises(NotFittedError, match=r"fit|start") as raised:
            self.predict(self.quick_model(spec), data)
        assert len(str(raised.value).split()) >= 5, "the message is a sentence"

    def test_the_same_settings_give_the_same_answer(self, spec: Spec, data: Any) -> None:
        first = self.quick_model(spec)
        self.fit(first, data)
        second = self.quick_model(spec)
        self.fit(second, data)
        assert_same(self.predict(first, data), self.predict(second, data), spec.name)

    def test_inputs_are_left_unchanged(self, spec: Spec, data: Any) -> None:
        before = copy.deepcopy(self.inputs(data))
        model = self.quick_model(spec)
        self.fit(model, data)
        self.predict(model, data)
        assert_same(before, self.inputs(data), "input")

    def test_clone_is_unfitted_with_the_same_settings(self, spec: Spec, data: Any) -> None:
        model = self.quick_model(spec)
        self.fit(model, data)
        twin = clone(model)
        assert type(twin) is type(model)
        assert_same(twin.get_params(deep=False), model.get_params(deep=False), "settings")
        with pytest.raises(NotFittedError):
            self.predict(twin, data)
        self.fit(twin, data)
        assert_same(self.predict(twin, data), self.predict(model, data), spec.name)

    def test_pickle_round_trip_predicts_the_same(self, spec: Spec, data: Any) -> None:
        model = self.quick_model(spec)
        self.fit(model, data)
        answer = self.predict(model, data)
        assert_same(self.predict(pickle.loads(pickle.dumps(model)), data), answer, spec.name)

    @pytest.mark.parametrize("rows", [0, 1])
    def test_empty_and_one_row_inputs_get_a_clear_error_or_an_answer(self, spec: Spec, data: Any, rows: int) -> None:
        try:
            small = self.cut(data, rows)
            model = self.quick_model(spec)
            self.fit(model, small)
            answer = self.predict(model, small)
        except ValueError as error:
            assert _raised_here(error), f"{spec.name} on {rows} row(s): a library's error, not ours: {error}"
            assert len(str(error).split()) >= 5, f"{spec.name} on {rows} row(s): not a sentence: {error}"
            return
        _no_infinities(answer)

    def test_registry_settings_are_the_constructors_at_their_defaults(self, spec: Spec) -> None:
        """Code that builds a model without the registry gets the app's defaults."""
        model = self.build(spec)
        params = model.get_params(deep=False)
        for param in spec.params:
            assert param.name in params, f"{spec.name}: {param.name} is not a constructor setting"
            assert_same(params[param.name], param.default, f"{spec.name}.{param.name}")
        if hasattr(model, "name"):
            assert model.name == spec.name
