"""Data: input files (CSV/Parquet readers), ingest into the prediction/label log, the
day-partitioned Parquet store, and content-addressed dataset versions."""
