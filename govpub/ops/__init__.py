"""Operations, watching from the side: per-run stats records, quality checks, status, report, alerts."""
