"""Column walks end by behaviour, not by a count (govpub.crawl.paging): pure rules, no server."""

from __future__ import annotations

from datetime import date

import pytest

from govpub.crawl.paging import BUDGET, END, FOLLOW, TRAP, ColumnWalk, calendar_step

DAY = date(2026, 11, 23)
BASE = "http://bureau.example/xxgk/jhzj/"


def page(n: int) -> str:
    return BASE + ("index.html" if n == 0 else f"index_{n}.html")


def links(n: int, per_page: int = 20) -> list[str]:
    return [f"{BASE}2024/t{n * per_page + i}.html" for i in range(per_page)]


def walk_column(walk: ColumnWalk, pages: int) -> list:
    verdicts = []
    for n in range(pages):
        verdicts.append(walk.verdict(page(n), n + 1, links(n), page(n + 1) if n + 1 < pages else None))
        if verdicts[-1].action != FOLLOW:
            break
    return verdicts


def test_a_column_of_10000_articles_over_500_list_pages_is_walked_to_its_end_by_default():
    verdicts = walk_column(ColumnWalk(crawl_date=DAY), 500)
    assert [v.action for v in verdicts] == [FOLLOW] * 499 + [END]


def test_an_explicit_list_page_bound_is_a_budget_stop_not_a_silent_end():
    walk = ColumnWalk(crawl_date=DAY, max_list_pages=50)
    verdicts = walk_column(walk, 100)
    assert [v.action for v in verdicts] == [FOLLOW] * 49 + [BUDGET]
    verdict = verdicts[-1]
    assert verdict.stops_incomplete and "links.max_list_pages=50" in verdict.reason


def test_a_next_link_to_the_page_itself_ends_the_column():
    walk = ColumnWalk(crawl_date=DAY)
    assert walk.verdict(page(0), 1, links(0), page(0)).action == END
    assert walk.verdict(page(0) + "#top", 1, links(0), page(0)).action == END  # fragments do not count


def test_a_page_repeating_the_links_of_an_earlier_page_is_a_trap():
    walk = ColumnWalk(crawl_date=DAY)
    assert walk.verdict(BASE + "list?page=1", 1, links(0), BASE + "list?page=2").action == FOLLOW
    assert walk.verdict(BASE + "list?page=2", 2, links(1), BASE + "list?page=3").action == FOLLOW
    # ?page=3 past the end answers the last page again
    verdict = walk.verdict(BASE + "list?page=3", 3, links(1), BASE + "list?page=4")
    assert verdict.action == TRAP and "same 20 article links as " + BASE + "list?page=2" in verdict.reason


def test_a_page_without_new_article_links_that_still_links_a_next_page_is_a_trap():
    walk = ColumnWalk(crawl_date=DAY)
    assert walk.verdict(page(0), 1, links(0), page(1)).action == FOLLOW
    verdict = walk.verdict(page(1), 2, [], page(2))  # an empty calendar month, a pager running on
    assert verdict.action == TRAP and "no article link new to this crawl" in verdict.reason
    # A page mixing old and new links (articles shifted while paging) goes on.
    walk2 = ColumnWalk(crawl_date=DAY)
    walk2.verdict(page(0), 1, links(0), page(1))
    assert walk2.verdict(page(1), 2, links(0)[-3:] + links(1)[:17], page(2)).action == FOLLOW


def test_an_empty_last_page_is_the_end():
    walk = ColumnWalk(crawl_date=DAY)
    walk.verdict(page(0), 1, links(0), page(1))
    assert walk.verdict(page(1), 2, [], None).action == END


def test_a_cycle_back_to_a_walked_page_is_a_trap():
    walk = ColumnWalk(crawl_date=DAY)
    walk.verdict(page(0), 1, links(0), page(1))
    verdict = walk.verdict(page(1), 2, links(1), page(0))
    assert verdict.action == TRAP and "links back to list page 1" in verdict.reason


def test_a_calendar_walk_into_the_future_is_a_trap_even_when_each_month_lists_articles():
    walk = ColumnWalk(crawl_date=DAY)
    month = lambda y, m: f"{BASE}cal/{y}-{m:02d}.html"  # noqa: E731
    assert walk.verdict(month(2026, 10), 1, links(0), month(2026, 11)).action == FOLLOW
    verdict = walk.verdict(month(2026, 11), 2, links(1), month(2026, 12))
    assert verdict.action == TRAP and "calendar walk" in verdict.reason and "2026-12-01" in verdict.reason


@pytest.mark.parametrize(
    "url, next_url, expected",
    [
        ("http://x/list?date=2026-11-23", "http://x/list?date=2026-11-24", date(2026, 11, 24)),
        ("http://x/cal/202611.html", "http://x/cal/202612.html", date(2026, 12, 1)),
        ("http://x/cal/2026/11/30/", "http://x/cal/2026/12/01/", date(2026, 12, 1)),
        ("http://x/cal/2024-02-29.html", "http://x/cal/2024-02-30.html", date(2024, 2, 1)),
        ("http://x/index_1.html", "http://x/index_2.html", None),  # page numbers are no dates
        ("http://x/2024/index_1.html", "http://x/2024/index_2.html", None),  # same date, another page
        ("http://x/a/202611.html", "http://x/b/202612.html", None),  # more than the date differs
    ],
)
def test_calendar_steps_are_urls_that_differ_only_in_a_date(url, next_url, expected):
    assert calendar_step(url, next_url) == expected
