"""Operations, watching from the side: per-run stats records, quality checks, site health
(`govpub status`), report, alerts."""
