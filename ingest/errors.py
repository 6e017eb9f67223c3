"""The one error type of ingestion."""


class LoadError(ValueError):
    """A file (or one record of it) that cannot be ingested, and why."""
