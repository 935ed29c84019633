"""jixiao ingest: read department Excel submissions, recognise their tables by label, load raw rows into DuckDB."""
