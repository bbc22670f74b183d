"""NETSUITE_JOURNAL_APPROVED (SPEC §7): opt-in, true or false, refused in one sentence."""

from __future__ import annotations

import pytest

from revrec_pipeline.resources import build_resources
from revrec_pipeline.settings import ConfigurationError, load_settings


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(None, False), ("", False), ("false", False), ("true", True), ("TRUE", True)],
)
def test_journal_approved_is_opt_in(raw, expected):
    env = {} if raw is None else {"NETSUITE_JOURNAL_APPROVED": raw}
    settings = load_settings(env)
    assert settings.journal_approved is expected
    assert build_resources(settings)["netsuite"].journal_approved is expected


def test_a_bad_value_is_refused_in_one_sentence():
    with pytest.raises(ConfigurationError) as refused:
        load_settings({"NETSUITE_JOURNAL_APPROVED": "maybe"})
    assert str(refused.value) == "NETSUITE_JOURNAL_APPROVED is 'maybe'; expected true or false."
