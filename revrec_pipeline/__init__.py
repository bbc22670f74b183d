"""revrec_pipeline: keeps revenue recognition in step with NetSuite (see SPEC)."""

__version__ = "0.1.0"
