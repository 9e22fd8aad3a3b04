"""CLI command groups, one module per group (registered in :mod:`vaerested.cli`)."""
