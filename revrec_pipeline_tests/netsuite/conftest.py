"""The tiny sandbox account the extraction tests share (each test gets its own server)."""

from __future__ import annotations

import pytest

from revrec_pipeline.sandbox import NetSuiteSandbox, SandboxConfig, generate_dataset


@pytest.fixture(scope="module")
def tiny():
    return generate_dataset(seed=11, size="tiny")


@pytest.fixture
def sandbox(tiny):
    with NetSuiteSandbox(SandboxConfig(), tiny) as sb:
        yield sb
