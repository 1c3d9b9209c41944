"""govpub: crawl → archive → parse → index → search, for government publications.

Packages, in the order data flows through them (each imports only those before it;
tests/unit/test_layers.py enforces it):

    settings, schema   configuration and the one document schema
    registry           the site registry (sites/*.toml) as typed models
    archive            the S3 archive: key layout, store, WARC, versions, clusters, manifests, export
    crawl              the spider's side: crawl state, URL guard, block detection, the scrapy runner
    documents          WARC records → documents (pure), duplicate clustering
    index              the Elasticsearch client, versioned indices behind an alias, bulk indexing
    search             query language, search engine, terminal rendering, the API and its CLI
    ops                stats records, data-quality checks, site health, report, alerts
    pipeline           the steps of a site run and whole-archive rebuilds
    airflow, cli       the entry points: Airflow task callables, the `govpub` command
"""
