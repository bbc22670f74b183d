"""The `revrec` command against the sandbox: connect, status, help."""

from __future__ import annotations

import subprocess
import sys

import pytest

from revrec_pipeline.cli import main
from revrec_pipeline.sandbox import NetSuiteSandbox, SandboxConfig, generate_dataset
from revrec_pipeline_tests.sandbox_helpers import serve_sandbox, wait_until_serving


@pytest.fixture
def sandbox_env(monkeypatch, tmp_path):
    with NetSuiteSandbox(SandboxConfig(), generate_dataset(seed=1, size="tiny")) as sb:
        for name, value in {**sb.environment(), "REVREC_HOME": str(tmp_path / "home")}.items():
            monkeypatch.setenv(name, value)
        yield sb


def stored_profile():
    from revrec_pipeline.settings import load_settings
    from revrec_pipeline.store import RevRecStore
    from revrec_pipeline.store.profile import read_profile

    settings = load_settings()
    store = RevRecStore(settings.database_url)
    store.create_all()
    return read_profile(store, settings.account_id)


def test_connect_success(sandbox_env, capsys):
    assert main(["connect"]) == 0
    out = capsys.readouterr().out
    assert "invoices" in out and "journal entries" in out
    assert "Connected to NetSuite account 1234567_SB1: every permission checked works." in out
    # The profile: features, the columns the sync uses, DeletedRecord forms, the calendar.
    assert "Account profile of 1234567_SB1 (discovered " in out
    assert (
        "Features: Departments on, Classes on, Locations on, OneWorld (subsidiaries) on, "
        "Multiple Currencies on, " in out
    )
    assert (
        "Optional columns the sync uses: customer.subsidiary, transaction.currency, "
        "transaction.exchangerate, transactionline.class, transactionline.department, "
        "transactionline.location, " in out
    )
    assert "DeletedRecord forms seen: " in out and "type=invoice" in out
    assert "Accounting periods: calendar months" in out
    assert " is off" not in out
    # Every query of a sync ran once, and the profile is stored for syncs.
    assert "sync queries ok" in out
    profile = stored_profile()
    assert profile is not None and profile.has("transactionline", "class")


def test_status_shows_the_stored_profile(sandbox_env, capsys):
    assert main(["status"]) == 0
    assert "NetSuite account profile: none stored yet" in capsys.readouterr().out
    assert main(["connect"]) == 0
    capsys.readouterr()
    assert main(["status"]) == 0
    out = capsys.readouterr().out
    assert "Account profile of 1234567_SB1 (discovered " in out
    assert "Features: Departments on, Classes on" in out


# needs the sandbox helper's feature switches (classes)
def test_connect_to_an_account_without_classes_says_so_and_succeeds(monkeypatch, tmp_path, capsys):
    config = SandboxConfig(classes=False)
    with NetSuiteSandbox(config, generate_dataset(seed=1, size="tiny")) as sb:
        for name, value in {**sb.environment(), "REVREC_HOME": str(tmp_path / "home")}.items():
            monkeypatch.setenv(name, value)
        assert main(["connect"]) == 0
        out = capsys.readouterr().out
        profile = stored_profile()
    assert "Classes off" in out
    assert "Classes is off: the sync does not read transactionline.class (stored empty)." in out
    assert "sync queries ok" in out
    assert "every permission checked works." in out
    assert profile.feature("classes") is False and profile.feature("departments") is True


def test_connect_wrong_secret(sandbox_env, monkeypatch, capsys):
    monkeypatch.setenv("NETSUITE_TOKEN_SECRET", "definitely-wrong-9d8e")
    assert main(["connect"]) == 1
    captured = capsys.readouterr()
    assert (
        "revrec: NetSuite rejected the credentials for account 1234567_SB1 (INVALID_LOGIN)"
        in captured.err
    )
    assert "definitely-wrong-9d8e" not in captured.out + captured.err


def test_connect_without_credentials_names_them(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("REVREC_HOME", str(tmp_path))
    assert main(["connect"]) == 1
    err = capsys.readouterr().err
    assert "NETSUITE_ACCOUNT_ID, NETSUITE_CONSUMER_KEY, NETSUITE_CONSUMER_SECRET" in err


def test_sync_then_status(sandbox_env, capsys):
    assert main(["sync"]) == 0
    assert "invoice_sync_job succeeded" in capsys.readouterr().out
    assert main(["status"]) == 0
    out = capsys.readouterr().out
    assert "transactions:CustInvc" in out


def test_help_explains_every_command():
    out = subprocess.run(
        [sys.executable, "-m", "revrec_pipeline", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for command in ("demo", "sandbox", "connect", "crm", "sync", "status"):
        assert command in out


def test_sandbox_serve_with_oauth2_then_connect(tmp_path, monkeypatch, capsys):

    from revrec_pipeline.sandbox.oauth2 import generate_key_pair

    private, public = generate_key_pair("ES256")
    (tmp_path / "public.pem").write_text(public)
    server, port = serve_sandbox(
        "--oauth2-public-key",
        str(tmp_path / "public.pem"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = wait_until_serving(port)
        for name, value in {
            "NETSUITE_ACCOUNT_ID": "1234567_SB1",
            "NETSUITE_BASE_URL": url,
            "NETSUITE_AUTH_METHOD": "oauth2",
            "NETSUITE_CLIENT_ID": "sandbox-oauth2-client-id",
            "NETSUITE_CERTIFICATE_ID": "sandbox-certificate-id",
            "NETSUITE_PRIVATE_KEY": private,
            "NETSUITE_JWT_ALGORITHM": "ES256",
            "REVREC_HOME": str(tmp_path / "home"),
        }.items():
            monkeypatch.setenv(name, value)
        assert main(["connect"]) == 0
        assert "every permission checked works" in capsys.readouterr().out
    finally:
        server.terminate()
        server.wait(timeout=20)


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        (
            "NETSUITE_BASE_URL",
            "localhost:8765",
            "revrec: NETSUITE_BASE_URL is 'localhost:8765'; expected an http(s) URL with a host",
        ),
        (
            "REVREC_DATABASE_URL",
            "postgresql://nobody:pw-S3CRET-77@127.0.0.1:1/x",
            "revrec: the RevRec store at postgresql://nobody:***@127.0.0.1:1/x cannot be used: ",
        ),
    ],
)
def test_unusable_settings_give_one_sentence(
    variable, value, expected, monkeypatch, capsys, tmp_path
):
    monkeypatch.setenv("REVREC_HOME", str(tmp_path))
    monkeypatch.setenv(variable, value)
    assert main(["status"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(expected) and "Traceback" not in err and "S3CRET" not in err


def test_sandbox_serve_with_several_subsidiaries_answers_suiteql_with_them(tmp_path):
    """`revrec sandbox serve --subsidiaries several`: the OneWorld account the demo runs on,
    its subsidiary table read over SuiteQL with the project's client."""

    from revrec_pipeline.netsuite.resource import NetSuiteResource
    from revrec_pipeline.sandbox.config import SANDBOX_CREDENTIALS

    server, port = serve_sandbox(
        "--subsidiaries", "several", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        url = wait_until_serving(port)
        client = NetSuiteResource(
            account_id="1234567_SB1", base_url=url, **SANDBOX_CREDENTIALS
        ).get_client()
        rows = client.query_small(
            "SELECT subsidiary.id, subsidiary.name, subsidiary.iselimination FROM subsidiary"
        )
        assert {(r["name"], r["iselimination"]) for r in rows} == {
            ("Parent Company", "F"),
            ("UK Ltd", "F"),
            ("Germany GmbH", "F"),
            ("Elimination", "T"),
        }
    finally:
        server.terminate()
        server.wait(timeout=30)
