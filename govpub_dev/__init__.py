"""Local development tooling, not part of the runtime package: service supervisor, sample and
fault-injecting sites, the demo, the dependency audit and the archive-contract checker.

Run from the checkout: `python -m govpub_dev --help`.
"""
