"""`revrec sandbox serve --features … --deleted-type-form … --deleted-date-zone …`."""

from __future__ import annotations

import subprocess
import sys

import pytest
import requests

from revrec_pipeline.cli import main
from revrec_pipeline.sandbox import SandboxConfig
from revrec_pipeline.sandbox.config import FEATURES, parse_features
from revrec_pipeline_tests.sandbox_helpers import serve_sandbox

ALL_OFF = dict.fromkeys(FEATURES, False)


@pytest.mark.parametrize(
    ("spec", "on"),
    [
        ("all", set(FEATURES)),
        ("none", set()),
        ("default", set(FEATURES) - {"journal_approval"}),
        ("departments,classes", {"departments", "classes"}),
        ("default,-classes", set(FEATURES) - {"journal_approval", "classes"}),
        ("all,-journal-approval", set(FEATURES) - {"journal_approval"}),
        (" Locations , multi_currency ", {"locations", "multi_currency"}),
        ("journal_approval", {"journal_approval"}),
    ],
)
def test_features_list(spec, on):
    assert parse_features(spec) == {**ALL_OFF, **dict.fromkeys(on, True)}
    config = SandboxConfig()
    config.set_features(spec)
    assert {name for name, value in config.features().items() if value} == on


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["--features", "departments,segments"],
            "revrec: --features names an unknown feature 'segments'; expected all, none, default "
            "or departments, classes, locations, multi_currency, oneworld, journal_approval "
            "(a leading - turns one off).\n",
        ),
        (
            ["--features", "classes,,locations"],
            "revrec: --features 'classes,,locations' has an empty name; give a comma-separated "
            "list such as departments,locations (or all, none, default).\n",
        ),
        (
            ["--deleted-type-form", "name"],
            "revrec: deleted_type_form is 'name'; expected one of id, code, label.\n",
        ),
        (
            ["--deleted-date-zone", "gmt"],
            "revrec: deleted_date_zone is 'gmt'; expected one of account, utc.\n",
        ),
    ],
)
def test_bad_values_are_one_sentence_and_fail(argv, message, capsys):
    assert main(["sandbox", "serve", "--size", "tiny", *argv]) == 1
    captured = capsys.readouterr()
    assert captured.err == message and captured.out == ""


def test_help_explains_the_switches():
    out = subprocess.run(
        [sys.executable, "-m", "revrec_pipeline", "sandbox", "serve", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for text in ("--features LIST", "journal_approval", "default,-classes", "--deleted-type-form"):
        assert text in out
    assert "label (Invoice, Credit Memo)" in " ".join(out.split())


def test_serve_sets_the_config_and_prints_the_features():
    server, port = serve_sandbox(
        "--features",
        "default,-classes,journal_approval",
        "--deleted-type-form",
        "label",
        "--deleted-date-zone",
        "utc",
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        banner = []
        for line in server.stdout:
            banner.append(line.strip())
            if line.startswith("Press Ctrl-C"):
                break
        text = "\n".join(banner)
        assert (
            "Features on: Departments, Locations, Multiple Currencies, OneWorld, journal approval "
            "required; off: Classes" in text
        )
        assert "DeletedRecord.type as label, deleteddate in UTC" in text
        config = requests.get(f"http://127.0.0.1:{port}/sandbox/v1/stats", timeout=5).json()[
            "config"
        ]
        assert config["classes"] is False and config["journal_approval"] is True
        assert config["departments"] is True
        assert (config["deleted_type_form"], config["deleted_date_zone"]) == ("label", "utc")
    finally:
        server.terminate()
        server.wait(timeout=20)
