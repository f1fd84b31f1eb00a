"""The measures: filters and periods, the metric registry, each metric family, statistics and suppression."""
