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


# -- adaptive revalidation ------------------------------------------------------------------
def test_revalidation_interval_grows_while_unchanged_up_to_the_cap_and_shrinks_on_a_change():
    from govpub.crawl.state import rescheduled

    url, day = "http://h/a.html", "2026-11-23"
    schedule = rescheduled(url, {}, "new", day, 7, 30)
    assert schedule["interval_days"] == 7
    intervals = []
    for check in range(6):
        schedule = rescheduled(url, schedule, "unchanged", f"2026-12-{check + 1:02d}", 7, 30)
        intervals.append(schedule["interval_days"])
    assert intervals == [10.5, 15.75, 23.625, 30, 30, 30]
    changed = rescheduled(url, schedule, "changed", "2026-12-20", 7, 30)
    assert changed["interval_days"] == 15
    assert rescheduled(url, {"interval_days": 1.5}, "changed", day, 7, 30)["interval_days"] == 1


def test_next_checks_are_spread_over_a_quarter_of_the_interval_either_side():
    from datetime import date

    from govpub.crawl.state import next_check

    days = [(date.fromisoformat(next_check(f"http://h/{i}.html", 20, "2026-11-23")) - date(2026, 11, 23)).days
            for i in range(1000)]
    assert 15 <= min(days) and max(days) <= 25 and len(set(days)) >= 10  # not all due on one day
    assert next_check("http://h/1.html", 20, "2026-11-23") == next_check("http://h/1.html", 20, "2026-11-23")


def test_only_due_active_articles_are_revalidated():
    from govpub.crawl.state import due_articles

    state = {**empty_state("s1"), "articles": {
        "http://h/due.html": {"id": "1", "pages": [], "status": "active", "interval_days": 7, "next_check": "2026-11-23"},
        "http://h/later.html": {"id": "2", "pages": [], "status": "active", "interval_days": 7, "next_check": "2026-11-24"},
        "http://h/legacy.html": {"id": "3", "pages": [], "status": "active"},  # state from before the schedule
        "http://h/gone.html": {"id": "4", "pages": [], "status": "deleted", "next_check": "2026-01-01"},
    }}
    assert due_articles(state, "2026-11-23") == ["http://h/due.html", "http://h/legacy.html"]


def test_the_state_update_schedules_new_unchanged_and_changed_articles():
    from govpub.crawl.state import rescheduled

    day = "2026-11-23"
    state = empty_state("s1")
    state["articles"] = {
        "http://h/old.html": {"id": "o", "pages": ["http://h/old.html"], "status": "active", "interval_days": 10,
                              "next_check": day},
        "http://h/edited.html": {"id": "e", "pages": ["http://h/edited.html"], "status": "active",
                                 "interval_days": 10, "next_check": day},
    }
    records = [{"url": "http://h/old.html", "status": 304, "kind": "article"},
               {"url": "http://h/edited.html", "status": 200, "kind": "article"},
               {"url": "http://h/new.html", "status": 200, "kind": "article"}]
    stored = {"http://h/edited.html": {"id": "e", "pages": ["http://h/edited.html"], "outcome": "changed"},
              "http://h/new.html": {"id": "n", "pages": ["http://h/new.html"], "outcome": "new"}}
    crawl = {"run_id": "r3", "crawl_date": day, "full_sweep": False, "column_complete": False}
    new = updated_state(state, crawl, records, stored, {}, (7, 30))
    articles = new["articles"]
    assert [articles[u]["interval_days"] for u in ("http://h/old.html", "http://h/edited.html", "http://h/new.html")] \
        == [15, 5, 7]
    assert articles["http://h/new.html"]["next_check"] == rescheduled("http://h/new.html", {}, "new", day, 7, 30)["next_check"]
    assert all(a["next_check"] > day for a in articles.values())
    validate(new, "crawl-state.schema.json")


@pytest.mark.parametrize("extra", [{"revalidate_initial_days": 0}, {"revalidate_max_days": "30"},
                                   {"revalidate_initial_days": 40}])
def test_bad_revalidation_days_are_a_config_error(extra):
    from govpub.crawl.state import revalidate_days

    with pytest.raises(SiteConfigError, match="revalidate_"):
        revalidate_days(site(**extra))


def test_an_old_article_starts_at_a_tenth_of_its_age_up_to_the_cap():
    from govpub.crawl.state import rescheduled

    day = "2026-11-23"
    assert rescheduled("http://h/a", {}, "new", day, 7, 30, published="2026-11-20")["interval_days"] == 7
    assert rescheduled("http://h/a", {}, "new", day, 7, 30, published="2026-08-15")["interval_days"] == 10
    assert rescheduled("http://h/a", {}, "new", day, 7, 30, published="2021-01-01")["interval_days"] == 30
    assert rescheduled("http://h/a", {}, "new", day, 7, 30, published=None)["interval_days"] == 7


def test_a_second_check_on_the_same_day_keeps_the_schedule():
    from govpub.crawl.state import rescheduled

    first = rescheduled("http://h/a", {"interval_days": 10}, "unchanged", "2026-11-23", 7, 30)
    assert first["interval_days"] == 15 and first["checked"] == "2026-11-23"
    assert rescheduled("http://h/a", first, "unchanged", "2026-11-23", 7, 30) == first  # a re-run
    assert rescheduled("http://h/a", first, "unchanged", "2026-11-24", 7, 30)["interval_days"] == 22.5
