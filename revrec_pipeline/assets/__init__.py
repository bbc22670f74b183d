"""Thin Dagster assets and checks, one module per group."""
