"""The Launchpad's default config (issue 10, item 2): what the UI pre-fills for each job, read
through Dagster's own GraphQL schema over the code location loaded in process, launches as is.

The NetSuite secrets must appear as their environment variables (`{env: NETSUITE_TOKEN_SECRET}`),
resolve to the environment's values when submitted, and no secret value and no mask
("********", which the Launchpad used to submit as the credential) may appear in what the UI
reads: the scaffolded YAML, the config fields' defaults, the resource page.
"""

from __future__ import annotations

import json
import uuid

import dagster as dg
import pytest
import yaml
from dagster._core.remote_origin import InProcessCodeLocationOrigin
from dagster._core.types.loadable_target_origin import LoadableTargetOrigin
from dagster._core.workspace.context import WorkspaceProcessContext
from dagster._core.workspace.load_target import InProcessWorkspaceLoadTarget
from dagster_graphql.test.utils import execute_dagster_graphql

from revrec_pipeline.settings import CREDENTIAL_FIELDS

LOCATION = "revrec_pipeline"
REPOSITORY = "__repository__"
JOBS = ("invoice_sync_job", "journal_posting_job")
MASK = "********"  # dagster_graphql.schema.config_types.SECRET_MASK_VALUE

LAUNCHPAD_QUERY = """
query Launchpad($selector: PipelineSelector!, $config: RunConfigData) {
  runConfigSchemaOrError(selector: $selector) {
    __typename
    ... on Error { message }
    ... on RunConfigSchema {
      rootDefaultYaml
      isRunConfigValid(runConfigData: $config) {
        __typename
        ... on RunConfigValidationInvalid { errors { message } }
      }
    }
  }
}
"""

RESOURCE_QUERY = """
query Resource($selector: ResourceSelector!) {
  topLevelResourceDetailsOrError(resourceSelector: $selector) {
    __typename
    ... on Error { message }
    ... on ResourceDetails {
      configFields { name isSecret defaultValueAsJson }
      configuredValues { key value type }
    }
  }
}
"""


def distinctive(variable: str) -> str:
    """A value that cannot occur by chance in what the UI reads."""
    return f"{variable}-SECRET-{uuid.uuid4().hex}"


def definitions_from_environment() -> dg.Definitions:
    """The code location's definitions, built from the environment now (not at first import)."""
    from revrec_pipeline.definitions import build_definitions

    return build_definitions()


@pytest.fixture(params=["tba", "oauth2"])
def secrets(request, monkeypatch, tmp_path) -> dict[str, str]:
    """The environment of a code location with distinctive secrets for one auth method."""
    method = request.param
    values = {var: distinctive(var) for var in CREDENTIAL_FIELDS[method].values()}
    for var in (v for fields in CREDENTIAL_FIELDS.values() for v in fields.values()):
        monkeypatch.delenv(var, raising=False)
    for var in ("NETSUITE_PRIVATE_KEY_FILE", "REVREC_DATABASE_URL", "NETSUITE_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NETSUITE_AUTH_METHOD", method)
    monkeypatch.setenv("NETSUITE_ACCOUNT_ID", "1234567_SB1")
    monkeypatch.setenv("REVREC_HOME", str(tmp_path / "home"))
    for var, value in values.items():
        monkeypatch.setenv(var, value)
    return {"method": method, **values}


@pytest.fixture
def graphql(secrets):
    """Runs a query against the code location as the webserver would load it."""
    origin = InProcessCodeLocationOrigin(
        LoadableTargetOrigin(module_name=__name__, attribute="definitions_from_environment"),
        location_name=LOCATION,
    )
    with (
        dg.instance_for_test() as instance,
        WorkspaceProcessContext(instance, InProcessWorkspaceLoadTarget(origin)) as process,
    ):
        context = process.create_request_context()

        def run(query: str, **variables) -> dict:
            result = execute_dagster_graphql(context, query, variables)
            assert not result.errors, result.errors
            return result.data

        yield run


def _leaks(text: str, secrets: dict[str, str]) -> list[str]:
    found = [var for var, value in secrets.items() if var != "method" and value in text]
    return found + (["the mask ********"] if MASK in text else [])


@pytest.mark.parametrize("job", JOBS)
def test_launchpad_default_config_shows_env_vars_and_launches(graphql, secrets, job):
    selector = {
        "repositoryLocationName": LOCATION,
        "repositoryName": REPOSITORY,
        "pipelineName": job,
    }
    schema = graphql(LAUNCHPAD_QUERY, selector=selector)["runConfigSchemaOrError"]
    assert schema["__typename"] == "RunConfigSchema", schema
    scaffold = schema["rootDefaultYaml"]
    assert not _leaks(scaffold, secrets), (
        f"the Launchpad of {job} shows {_leaks(scaffold, secrets)}"
    )

    netsuite = yaml.safe_load(scaffold)["resources"]["netsuite"]["config"]
    for field, var in CREDENTIAL_FIELDS[secrets["method"]].items():
        assert netsuite[field] == {"env": var}, f"{job}: {field} is {netsuite[field]!r}"
    assert netsuite["account_id"] == {"env": "NETSUITE_ACCOUNT_ID"}

    # Submitted as the Launchpad does, the default config is valid and its secrets resolve to
    # the environment's values: the run logs in with them, not with a placeholder.
    config = yaml.safe_load(scaffold)
    check = graphql(LAUNCHPAD_QUERY, selector=selector, config=config)
    validity = check["runConfigSchemaOrError"]["isRunConfigValid"]
    assert validity["__typename"] == "PipelineConfigValidationValid", validity

    job_def = definitions_from_environment().resolve_job_def(job)
    resolved = dg.validate_run_config(job_def, config)["resources"]["netsuite"]["config"]
    for field, var in CREDENTIAL_FIELDS[secrets["method"]].items():
        assert resolved[field] == secrets[var], f"{job}: {field} does not resolve to ${var}"


def test_resource_page_and_config_fields_show_no_secret(graphql, secrets):
    selector = {"repositoryLocationName": LOCATION, "repositoryName": REPOSITORY}
    answer = graphql(RESOURCE_QUERY, selector={**selector, "resourceName": "netsuite"})
    details = answer["topLevelResourceDetailsOrError"]
    assert details["__typename"] == "ResourceDetails", details
    text = json.dumps(details)
    assert not _leaks(text, secrets), f"the resource page shows {_leaks(text, secrets)}"

    values = {v["key"]: v for v in details["configuredValues"]}
    for field, var in CREDENTIAL_FIELDS[secrets["method"]].items():
        assert values[field] == {"key": field, "value": var, "type": "ENV_VAR"}, values[field]
