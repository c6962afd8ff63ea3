"""console.toml: defaults, and refusal of every kind of mistake with file, line and key."""

from __future__ import annotations

import pytest

from console.core.base.alert_rules import parse_settings
from console.core.base.config import Config, default_config_text, load_config, parse_config
from console.core.base.errors import ConfigError
from console.core.demo.data import FEATURES, SEGMENTS


def _edit(old: str, new: str) -> str:
    text = default_config_text()
    assert old in text
    return text.replace(old, new, 1)


def test_shipped_file_holds_the_declared_defaults() -> None:
    config = parse_config(default_config_text())
    defaults = Config.model_validate({"schema": config.data_schema.model_dump()})
    assert config.model_copy(update={"alerts": {}}) == defaults
    # the shipped [alerts] table spells out the defaults the alert rules have in code
    thresholds = config.thresholds
    assert parse_settings(config.alerts, thresholds, "x") == parse_settings({}, thresholds, "x")
    assert config.thresholds.f1_critical == 0.70
    assert config.thresholds.fpr_critical == 0.01
    assert config.thresholds.f1_warning == 0.75
    assert config.thresholds.resource_warning == 0.80


def test_default_schema_is_the_demo_schema() -> None:
    schema = parse_config(default_config_text()).data_schema
    assert dict(schema.features) == FEATURES
    assert tuple(schema.segments) == SEGMENTS


def test_unknown_key_names_file_line_key_and_suggestion() -> None:
    text = _edit("f1_warning = 0.75", "f1_warnig = 0.75")
    with pytest.raises(ConfigError) as err:
        parse_config(text, "site/console.toml")
    line = text.splitlines().index(next(s for s in text.splitlines() if "f1_warnig" in s)) + 1
    assert str(err.value) == (
        f"site/console.toml:{line}: thresholds.f1_warnig: unknown key (did you mean 'f1_warning'?)"
    )


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('level = "INFO"', 'level = "LOUD"', "logging.level: Input should be"),
        (
            "f1_critical = 0.70",
            'f1_critical = "0.7"',
            "thresholds.f1_critical: Input should be a valid number",
        ),
        (
            "fpr_critical = 0.01",
            "fpr_critical = 1.5",
            "thresholds.fpr_critical: Input should be less than 1",
        ),
        (
            "f1_warning = 0.75",
            "f1_warning = 0.60",
            "f1_warning (0.6) must not be below f1_critical",
        ),
        ("max_ingest_rows = 20_000_000", "max_ingest_rows = 0", "limits.max_ingest_rows"),
        ('amount = "number"', 'amount = "money"', "schema.features.amount: Input should be"),
        (
            'segments = ["channel", "country"]',
            'segments = ["nope"]',
            "segment 'nope' is not a feature",
        ),
        (
            'segments = ["channel", "country"]',
            'segments = ["amount"]',
            "must be a category or integer",
        ),
        ('default_role = "viewer"', 'default_role = "root"', "access.default_role"),
        ("config_version = 1", "config_version = 99", "newer than this console understands"),
    ],
)
def test_bad_values_are_refused_with_the_key(old: str, new: str, expected: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_config(_edit(old, new))
    message = str(err.value)
    assert expected in message
    assert message.startswith("console.toml")
    assert "\n" not in message


def test_toml_syntax_error_names_line() -> None:
    with pytest.raises(ConfigError, match=r"console.toml: not valid TOML: .*line 8"):
        parse_config(_edit("[thresholds]", "[thresholds"))


def test_missing_schema_is_required(tmp_path) -> None:
    path = tmp_path / "console.toml"
    path.write_text("config_version = 1\n")
    with pytest.raises(ConfigError, match=r"console.toml: schema: required key is missing"):
        load_config(path)


def test_missing_file() -> None:
    from pathlib import Path

    with pytest.raises(ConfigError, match="configuration file not found"):
        load_config(Path("/nonexistent/console.toml"))


def test_all_problems_are_listed() -> None:
    text = _edit('level = "INFO"', 'level = "LOUD"').replace(
        "backup_count = 5", "backup_count = -1"
    )
    with pytest.raises(ConfigError) as err:
        parse_config(text)
    assert "(and 1 more)" in str(err.value)
    assert len(err.value.problems) == 2


def test_feature_sections_are_checked_against_the_schema() -> None:
    text = default_config_text() + '\n[drift.features.colour]\nmethod = "psi"\n'
    with pytest.raises(ConfigError, match=r"drift\.features names unknown feature"):
        parse_config(text)
    text = default_config_text() + '\n[drift.features.amount]\nmethod = "t-test"\n'
    with pytest.raises(ConfigError, match=r"drift\.features\.amount\.method"):
        parse_config(text)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("port = 8765", "port = 70000", "service.port"),
        ('window = "day"', 'window = "month"', "monitoring.window"),
        ("raw_retention_days = 7", "raw_retention_days = 700", "hour_retention_days"),
        ('correction = "holm"', 'correction = "sidak"', "drift.correction"),
    ],
)
def test_section_values_are_validated(old: str, new: str, expected: str) -> None:
    with pytest.raises(ConfigError, match=expected):
        parse_config(_edit(old, new))


SCHEMA_ONLY = """\
[schema]
id = "order_id"
timestamp = "created"
features = { basket = "number", items = "integer", shop = "category" }
segments = [
    "shop",
    "items",
]
"""


def _line(text: str, needle: str) -> int:
    return next(i for i, s in enumerate(text.splitlines(), start=1) if needle in s)


@pytest.mark.parametrize(
    ("text", "needle", "expected"),
    [
        (
            SCHEMA_ONLY.replace('"items",', '"basket",'),
            '"basket",',
            "schema.segments: segment 'basket' must be a category",
        ),
        (
            SCHEMA_ONLY.replace('"items",', '"nope",'),
            '"nope",',
            "schema.segments: segment 'nope' is not a feature",
        ),
        (
            'config_version = 1\n[schema]\nfeatures = { a = "number" }\nsegments = ["zz"]\n',
            "segments =",
            "schema.segments: segment 'zz' is not a feature",
        ),
        (
            SCHEMA_ONLY.replace('timestamp = "created"', 'timestamp = "order_id"'),
            'timestamp = "order_id"',
            "schema.timestamp: timestamp and id are both 'order_id'",
        ),
        (
            SCHEMA_ONLY + '[drift.features.colour]\nmethod = "psi"\n',
            "[drift.features.colour]",
            "drift.features.colour: drift.features names unknown feature(s): colour",
        ),
        (
            SCHEMA_ONLY + "[thresholds]\nf1_critical = 0.8\nf1_warning = 0.7\n",
            "f1_warning = 0.7",
            "thresholds.f1_warning: f1_warning (0.7) must not be below",
        ),
        (
            SCHEMA_ONLY + '[alerts]\nevaluate_every = "soon"\n',
            'evaluate_every = "soon"',
            "alerts.evaluate_every: ",
        ),
    ],
)
def test_errors_point_at_the_line_of_the_offending_key(
    text: str, needle: str, expected: str
) -> None:
    with pytest.raises(ConfigError) as err:
        parse_config(text, "my.toml")
    message = str(err.value)
    assert message.startswith(f"my.toml:{_line(text, needle)}: "), message
    assert expected in message


def test_init_with_a_config_names_that_file(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    from console.cli import main

    mine = tmp_path / "my.toml"
    mine.write_text(SCHEMA_ONLY.replace('"items",', '"nope",'))
    code = main(["-w", str(tmp_path / "ws"), "init", "--config", str(mine)])
    err = capsys.readouterr().err
    assert code == 2
    assert f"{mine}:{_line(mine.read_text(), 'nope')}: schema.segments" in err
    assert "console.toml" not in err
    assert not (tmp_path / "ws").exists()


def test_a_console_toml_written_by_an_earlier_console_still_loads() -> None:
    """Workspaces made before the drift gates were renamed open after an update."""
    import re

    text = re.sub(
        r"^\[drift\].*$",
        lambda m: m.group(0) + "\nmin_effect_category = 0.05    # effect-size gate: PSI",
        default_config_text(),
        count=1,
        flags=re.MULTILINE,
    )
    assert "min_effect_category" in text
    config = parse_config(text)
    assert config.drift.min_psi == 0.2
