"""README's settings table, row by row: each variable changes what it says, an option given on
the command line wins over it, and a value that does not fit is one line naming both."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer

from pipeline.settings import Settings
from zh2en.common import settings_from

README = Path(__file__).resolve().parents[1] / "README.md"


def _rows() -> list[dict]:
    text = README.read_text(encoding="utf-8")
    table = text.split("<!-- settings-table -->", 1)[1].split("<!-- /settings-table -->", 1)[0]
    rows = []
    for line in table.strip().splitlines()[2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        names = re.findall(r"`(ZH2EN_[A-Z_]+|OPENAI_API_KEY)`", cells[0])
        rows.append({"names": names, "option": cells[1], "example": cells[3].strip("`"),
                     "elsewhere": cells[0].endswith("*")})
    assert len(rows) >= 20
    return rows


ROWS = _rows()


def _field(name: str) -> list[str]:
    if name in ("ZH2EN_MODEL", "ZH2EN_MODEL_PATH"):
        return ["model_path"]
    return name.removeprefix("ZH2EN_").lower().split("__")


def _value(settings: Settings, path: list[str]):
    value = settings
    for part in path:
        value = getattr(value, part)
    return value


def _same(value, example: str) -> bool:
    if isinstance(value, bool):
        return str(value).lower() == example
    if isinstance(value, (int, float)):
        return float(value) == float(example)
    if isinstance(value, tuple):
        return list(value) == json.loads(example)
    return str(value) == example


@pytest.fixture()
def clean_env(monkeypatch):
    for name in list(os.environ):
        if name.startswith("ZH2EN_") or name == "OPENAI_API_KEY":
            monkeypatch.delenv(name)
    return monkeypatch


@pytest.mark.parametrize("row", [r for r in ROWS if not r["elsewhere"]], ids=lambda r: r["names"][0])
def test_each_variable_in_the_table_changes_its_setting(row, clean_env):
    for name in row["names"]:   # a variable and its other name, each alone
        path = _field(name)
        default = _value(settings_from(), path)
        clean_env.setenv(name, row["example"])
        value = _value(settings_from(), path)
        clean_env.delenv(name)
        assert _same(value, row["example"]) and value != default, (name, value, default)


def _given(path: list[str], default):
    """An option's value, as the command line passes it, that differs from the example."""
    if path == ["model_path"]:
        return {"model_dir": Path("given.gguf")}, "given.gguf"
    if path == ["glossaries"]:
        return {"glossaries": [Path("given.tsv")]}, ("given.tsv",)
    if default is None:
        return {path[0]: "http://127.0.0.1:9/v1"}, "http://127.0.0.1:9/v1"
    return {path[0]: default}, default


@pytest.mark.parametrize("row", [r for r in ROWS if r["option"] != "—"], ids=lambda r: r["names"][0])
def test_an_option_given_wins_over_the_variable(row, clean_env):
    path = _field(row["names"][0])
    options, expected = _given(path, _value(settings_from(), path))
    clean_env.setenv(row["names"][0], row["example"])
    assert _value(settings_from(**options), path) == expected


def test_the_variables_read_elsewhere_work(clean_env, tmp_path):
    from pipeline.backends.model_store import cache_dir
    from pipeline.backends.openai_server import _api_key

    [key_row] = [r for r in ROWS if "ZH2EN_API_KEY" in r["names"]]
    [cache_row] = [r for r in ROWS if "ZH2EN_CACHE_DIR" in r["names"]]
    assert _api_key() is None
    for name in key_row["names"]:
        clean_env.setenv(name, key_row["example"])
        assert _api_key() == key_row["example"]
        clean_env.delenv(name)
    clean_env.setenv("ZH2EN_CACHE_DIR", cache_row["example"])
    assert cache_dir() == Path(cache_row["example"])


def test_a_value_that_does_not_fit_names_the_variable_or_the_option(clean_env, capsys):
    clean_env.setenv("ZH2EN_SLOTS", "many")
    with pytest.raises(typer.Exit) as stop:
        settings_from()
    assert stop.value.exit_code == 2
    assert "ZH2EN_SLOTS" in capsys.readouterr().err
    clean_env.delenv("ZH2EN_SLOTS")
    with pytest.raises(typer.Exit):
        settings_from(layout="sideways")
    assert "--layout" in capsys.readouterr().err


def test_translate_takes_its_settings_from_the_environment(tiny_model_dir, tmp_path):
    """The command line passes only the options given: ZH2EN_* variables reach `zh2en translate`."""
    source = tmp_path / "a.md"
    source.write_text("# 标题\n\n梯度下降是一种优化方法。\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env.update(ZH2EN_BACKEND="marian", ZH2EN_MODEL=str(tiny_model_dir), ZH2EN_LAYOUT="english",
               ZH2EN_SUMMARIES="false", ZH2EN_USE_MEMORY="false", ZH2EN_STATE_DIR=str(tmp_path / "state"))
    proc = subprocess.run([sys.executable, "-m", "zh2en", "translate", str(source), "-o", str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr
    written = sorted(p.name for p in (tmp_path / "out").glob("*.md") if p.name != "report.md")
    assert written and all(name.endswith(".en.md") for name in written), written   # English only
    [qa] = list((tmp_path / "out").glob("*.qa.json"))
    assert json.loads(qa.read_text(encoding="utf-8"))["summary"] is None   # no summary
    proc = subprocess.run([sys.executable, "-m", "zh2en", "translate", str(source), "-o", str(tmp_path / "out2")],
                          capture_output=True, text=True, timeout=120, env={**env, "ZH2EN_SLOTS": "many"})
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "ZH2EN_SLOTS" in proc.stderr, proc.stderr


def test_a_deployments_settings_pass_the_schema_prefect_checks_them_against():
    """`zh2en serve` sends the settings as a parameter; Prefect refuses (422) values that do not
    fit the flow's parameter schema - a field alias once renamed model_path there."""
    import jsonschema
    from prefect.utilities.callables import parameter_schema

    from flows.translate_flows import translate_flow

    schema = parameter_schema(translate_flow.fn).model_dump(by_alias=True)
    settings = Settings(model_path="/models/x.gguf", api_base="http://127.0.0.1:9/v1", slots=2)
    parameters = {"paths": ["inbox"], "out_dir": "out", "settings": settings.model_dump(mode="json"),
                  "only_changed": True, "site_dir": None}
    jsonschema.validate(parameters, {**schema, "$defs": schema.get("definitions", {})})
