"""DuckDB side of the pipeline: schema, set-based loads, locking and publishing."""
