"""The processing stages: ingest, text processing and screening, executors, dbt, the quality gate, publication."""
