"""Crawl state for incremental re-crawls (pure functions, no services)."""

import pytest

from govpub_dev.contract import validate
from govpub.crawl.state import empty_state, full_sweep_days, sweep_due, updated_state
from govpub.registry import Site, SiteConfigError, SiteLinks


def site(**extra):
    return Site(id="s1", name="n", agency="a", region=None, kind="official", allowed_domains=("h",),
                start_urls=("http://h/l.html",), links=SiteLinks(article="a"), extra=extra)


def test_full_sweep_is_due_first_then_every_n_days():
    state = empty_state("s1")
    assert sweep_due(site(), state, "2026-11-23")  # first crawl
    state = {**state, "articles": {"http://h/a.html": {"id": "x", "pages": [], "status": "active"}},
             "last_full_sweep": "2026-11-20"}
    assert not sweep_due(site(), state, "2026-11-23")
    assert sweep_due(site(), state, "2026-11-27")
    assert sweep_due(site(full_sweep_days=0), state, "2026-11-21")
    assert not sweep_due(site(full_sweep_days=30), state, "2026-12-01")


@pytest.mark.parametrize("bad", [-1, "7", 1.5, True])
def test_bad_full_sweep_days_is_a_config_error(bad):
    with pytest.raises(SiteConfigError, match="full_sweep_days"):
        full_sweep_days(site(full_sweep_days=bad))


def test_state_update_keeps_validators_links_and_articles():
    records = [
        {"url": "http://h/l.html", "status": 200, "kind": "list", "etag": '"1"', "links": ["http://h/a.html"],
         "next": None},
        {"url": "http://h/a.html", "status": 304, "kind": "article"},
        {"url": "http://h/b.html", "status": 404, "kind": "article"},
    ]
    state = empty_state("s1")
    state["validators"] = {"http://h/a.html": {"etag": '"a"', "last_modified": None},
                           "http://h/b.html": {"etag": '"b"', "last_modified": None}}
    crawl = {"run_id": "r2", "crawl_date": "2026-11-23", "full_sweep": True, "column_complete": True}
    new = updated_state(state, crawl, records, {"http://h/a.html": {"id": "ida", "pages": ["http://h/a.html"]}},
                        {"http://h/b.html": "deleted"})
    assert new["validators"] == {"http://h/l.html": {"etag": '"1"', "last_modified": None},
                                 "http://h/a.html": {"etag": '"a"', "last_modified": None}}
    assert new["lists"] == {"http://h/l.html": {"links": ["http://h/a.html"], "next": None}}
    assert new["articles"]["http://h/b.html"]["status"] == "deleted"
    assert new["last_full_sweep"] == "2026-11-23" and new["run_id"] == "r2"
    assert state["validators"]["http://h/b.html"]  # the input is not modified
    validate(new, "crawl-state.schema.json")
    incomplete = updated_state(state, {**crawl, "column_complete": False}, records, {}, {})
    assert incomplete["last_full_sweep"] is None
