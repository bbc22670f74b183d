"""The RevRec store: SQLAlchemy schema and the functions that read and write it."""

from revrec_pipeline.store.db import RevRecStore, StoreResource
from revrec_pipeline.store.schema import metadata

__all__ = ["RevRecStore", "StoreResource", "metadata"]
