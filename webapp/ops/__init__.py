"""Operations: health and readiness probes, Prometheus counters, request ids and JSON logs."""
