"""Daily checks: windowed model performance, estimated performance before labels arrive,
data quality and pipeline health, system health samples, and the stored check report."""
