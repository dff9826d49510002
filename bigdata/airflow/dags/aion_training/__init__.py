"""The daily training pipeline's steps: load a day of the Spark job's output into
ClickHouse, export the day's training view, and ingest it into the versioned dataset."""
