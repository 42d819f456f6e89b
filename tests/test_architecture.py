"""The architecture holds: arrows only go down, no import cycle, short functions, and what
exists is named only in the registries (a model registered in a test reaches the command
line and the page without any other edit)."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from retail.cli import main
from retail.cli.main import build_parser
from retail.customers.registry import PROPENSITY_MODELS, SEGMENT_LABELS, VALUE_MODELS
from retail.data.ingest import Loaded
from retail.experiments.registry import POLICIES, UPLIFT_MODELS
from retail.feedback.registry import TOPIC_MODELS, UNHAPPY_MODELS
from retail.forecast.models import ForecastModel
from retail.forecast.registry import FORECASTERS
from retail.planning.registry import EXCEPTIONS, SOURCES
from retail.pricing.registry import ESTIMATORS, GOALS
from retail.recommend.popular import Popularity
from retail.recommend.registry import RECOMMENDERS
from retail.registry import Param, Spec
from tests.conftest import ROOT
from tests.forecast_data import canonical_lines

MAX_FUNCTION_LINES = 60
PAGES = "app_pages"  # not pages/: Streamlit would serve each file there by its address (issue 22)
FACES = (PAGES, "ui", "retail/cli")


def python_files(*folders: str) -> list[Path]:
    return sorted(path for folder in folders for path in (ROOT / folder).rglob("*.py"))


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, modules: set[str]) -> set[str]:
    """Modules of ``modules`` that ``path`` imports anywhere (function-level imports included)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:  # `from pkg import module` is an import of the module
                child = f"{node.module}.{alias.name}"
                found.add(child if child in modules else node.module)
    return {name for name in found if name in modules}


def import_graph() -> dict[str, set[str]]:
    files = python_files("retail")
    modules = {module_name(path) for path in files}
    return {module_name(path): imports_of(path, modules) for path in files}


def test_no_import_cycle_inside_retail():
    graph = import_graph()
    state: dict[str, str] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = "open"
        for child in sorted(graph[node]):
            if state.get(child) == "open":
                raise AssertionError("import cycle: " + " -> ".join([*trail[trail.index(child):], child]))
            if child not in state:
                visit(child, [*trail, child])
        state[node] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])


@pytest.mark.parametrize(("importer", "forbidden"), [
    ("retail.data", ("retail.analytics", "retail.forecast", "retail.recommend", "retail.cli")),
    ("retail.analytics", ("retail.forecast", "retail.recommend", "retail.cli")),
    ("retail.forecast", ("retail.recommend", "retail.cli")),
    ("retail.recommend", ("retail.forecast", "retail.cli")),
    ("retail.data", ("retail.inventory",)),
    ("retail.analytics", ("retail.inventory",)),
    ("retail.forecast", ("retail.inventory",)),
    ("retail.recommend", ("retail.inventory",)),
    ("retail.inventory", ("retail.recommend", "retail.cli")),
    ("retail.data", ("retail.pricing",)),
    ("retail.analytics", ("retail.pricing",)),
    ("retail.forecast", ("retail.pricing",)),
    ("retail.recommend", ("retail.pricing",)),
    ("retail.inventory", ("retail.pricing",)),
    ("retail.pricing", ("retail.inventory", "retail.cli")),
    ("retail.data", ("retail.customers",)),
    ("retail.analytics", ("retail.customers",)),
    ("retail.forecast", ("retail.customers",)),
    ("retail.recommend", ("retail.customers",)),
    *((lower, ("retail.feedback",)) for lower in ("retail.data", "retail.analytics", "retail.forecast",
                                                   "retail.recommend", "retail.inventory", "retail.pricing",
                                                   "retail.customers", "retail.experiments")),
    ("retail.feedback", ("retail.cli", "retail.forecast", "retail.recommend")),
    *((lower, ("retail.experiments",)) for lower in ("retail.data", "retail.analytics", "retail.forecast",
                                                      "retail.recommend", "retail.inventory", "retail.pricing",
                                                      "retail.customers")),
    ("retail.experiments", ("retail.cli",)),
    *((lower, ("retail.planning",)) for lower in ("retail.data", "retail.analytics", "retail.forecast", "retail.recommend",
                                                   "retail.inventory", "retail.pricing", "retail.customers",
                                                   "retail.experiments", "retail.access")),
    ("retail.planning", ("retail.cli", "retail.reports", "retail.recommend", "retail.customers", "retail.pricing",
                         "retail.experiments")),
])
def test_arrows_only_go_down(importer, forbidden):
    graph = import_graph()
    wrong = {(module, target) for module, targets in graph.items() if module.startswith(importer)
             for target in targets if target.startswith(forbidden)}
    assert not wrong


def test_the_library_never_imports_a_face():
    for path in python_files("retail"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not any(n.split(".")[0] in ("streamlit", "ui", PAGES) for n in names), path


def test_no_page_file_can_be_opened_around_the_gate():
    """Streamlit serves every file of a pages/ folder beside app.py by its own address (without app.py,
    so without the sign-in gate) until a session calls st.navigation: page files live in app_pages/,
    and each is declared in app.py's PAGES (so the gate covers it)."""
    assert not (ROOT / "pages").exists(), "move the page files to app_pages/ (issue 22)"
    declared = next(ast.literal_eval(node.value) for node in ast.parse((ROOT / "app.py").read_text()).body
                    if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "PAGES")
    assert sorted(name for name, *_ in declared) == sorted(p.stem for p in (ROOT / PAGES).glob("*.py"))


def test_pages_do_not_import_the_command_line():
    for path in python_files(PAGES, "ui"):
        assert "retail.cli" not in path.read_text(), path


def test_no_function_is_longer_than_sixty_lines():
    long = []
    for path in python_files("retail", "ui", PAGES):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({length} lines)")
    assert not long


def test_no_model_or_algorithm_name_is_spelled_out_in_the_faces():
    names = set(FORECASTERS.names) | set(RECOMMENDERS.names) | set(ESTIMATORS.names) | set(GOALS.names)
    names |= set(VALUE_MODELS.names) | set(PROPENSITY_MODELS.names) | set(SEGMENT_LABELS)
    names |= set(UPLIFT_MODELS.names) | set(POLICIES.names) | set(UNHAPPY_MODELS.names) | set(TOPIC_MODELS.names)
    spelled = []
    for path in python_files(*FACES):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and node.value in names:
                spelled.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.value!r}")
    assert not spelled


class DoubleLastValue(ForecastModel):
    """A plug-in model for the test: twice the last observed value."""

    def __init__(self, factor: float = 2.0):
        self.factor = factor

    def _fit(self, m):
        self.last_ = np.nan_to_num(m.Y[:, -1])

    def _predict(self, horizon, future):
        return np.repeat(self.factor * self.last_[:, None], horizon, axis=1)


DUMMY_FORECASTER = Spec("double", "double the last week", "A test model.", DoubleLastValue.from_context,
                        params=(Param("factor", "Factor", 2.0, "Multiplies the last value.", minimum=0.0),))


class Shuffled(Popularity):
    name = "shuffled"


DUMMY_RECOMMENDER = Spec("shuffled", "test order", "A test algorithm.", Shuffled)


def test_a_registered_forecast_model_reaches_the_cli_and_the_page(app_env, monkeypatch, capsys):
    frame = canonical_lines(n=600, days=120, seed=2)
    monkeypatch.setattr("retail.data.ingest.load_data", lambda source, overrides=None: Loaded(frame, {"quantity": "Q"}))
    with FORECASTERS.registered(DUMMY_FORECASTER):
        argv = ["forecast", "data.csv", "--models", "double,snaive", "--double-factor", "3", "--freq", "D",
                "--horizon", "7", "--windows", "1", "--top", "2", "--json"]
        assert main(argv) == 0
        summary = json.loads(capsys.readouterr().out)
        assert set(summary["models"]) == {"double", "snaive"}
        app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        app.run()
        app.switch_page("app_pages/forecast.py").run()
        assert "double the last week" in app.multiselect(key="fc_models").options
        assert app.slider(key="fc_double_factor").value == 2.0
    assert "double" not in FORECASTERS


def test_a_registered_algorithm_reaches_the_cli_and_the_page(app_env, capsys):
    from tests.recommend_data import random_frame

    with RECOMMENDERS.registered(DUMMY_RECOMMENDER):
        args = build_parser().parse_args(
            ["recommend", "x", "--customer", "c1", "--algorithm", "shuffled", "--json"])
        assert args.handler(args, frame=random_frame(seed=1)) == 0
        assert json.loads(capsys.readouterr().out)["algorithm"] == "shuffled"
        app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        app.run()
        app.switch_page("app_pages/recommendations.py").run()
        assert "test order" in app.selectbox(key="rec_algorithm").options
        app.selectbox(key="rec_algorithm").set_value("shuffled").run()
        assert not app.exception


def test_a_flag_the_chosen_algorithm_does_not_take_is_refused(capsys):
    assert main(["recommend", str(ROOT / "sample_data" / "demo_upload.csv"), "--customer", "x",
                 "--algorithm", "popularity", "--k", "5"]) == 2
    assert "--k does not apply to popularity (only to customer-based kNN, item-based kNN)" in capsys.readouterr().err


def test_registry_tables_are_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    assert FORECASTERS.markdown_table() in readme
    assert RECOMMENDERS.markdown_table() in readme
    assert ESTIMATORS.markdown_table() in readme
    assert GOALS.markdown_table() in readme
    assert UPLIFT_MODELS.markdown_table() in readme and POLICIES.markdown_table() in readme
    assert UNHAPPY_MODELS.markdown_table() in readme and TOPIC_MODELS.markdown_table() in readme
    assert EXCEPTIONS.markdown_table() in readme and SOURCES.markdown_table() in readme


def test_forecast_settings_reject_what_the_registry_does_not_declare():
    from retail.forecast.settings import ForecastSettings

    settings = ForecastSettings(model_params={"lightgbm": {"objective": "poisson", "num_leaves": 31}})
    assert settings.params_for("lightgbm") == {"objective": "poisson", "num_leaves": 31}
    assert ForecastSettings.from_dict(settings.to_dict()) == settings
    assert ForecastSettings.from_dict({"objective": "l1"}).params_for("lightgbm") == {"objective": "l1"}
    with pytest.raises(ValueError, match=r"Leaves per tree \(num_leaves\) must be a whole number"):
        ForecastSettings(model_params={"lightgbm": {"num_leaves": 31.5}})


@pytest.mark.parametrize("spec", [*FORECASTERS, *RECOMMENDERS, *ESTIMATORS, *GOALS], ids=lambda spec: spec.name)
def test_constructor_defaults_match_the_registry(spec):
    """Code that builds a model without the registry gets the same defaults as the app."""
    factory = spec.resolve()
    model = getattr(factory, "__self__", factory)()  # ForecastModel.from_context is bound to its class
    for param in spec.params:
        assert getattr(model, param.name) == param.default, param.name
