"""A local NetSuite REST sandbox (SPEC §9): TBA auth, SuiteQL, journal entries, fake data.

It never imports the rest of revrec_pipeline: it is an independent stand-in for NetSuite.
"""

from .config import SANDBOX_CREDENTIALS, SandboxConfig, SandboxStats
from .generator import Dataset, generate_dataset
from .sandbox import NetSuiteSandbox, serve

__all__ = [
    "SANDBOX_CREDENTIALS",
    "Dataset",
    "NetSuiteSandbox",
    "SandboxConfig",
    "SandboxStats",
    "generate_dataset",
    "serve",
]
