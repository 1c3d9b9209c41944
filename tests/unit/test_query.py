"""Query building is a pure function: user text → Elasticsearch request, no query_string ever."""

from __future__ import annotations

import json
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govpub.search import engine
from govpub.search import query
from govpub.search import render
from govpub.search.query import And, Not, Or, QueryError, SearchParams, Term, build_query, parse_query


def _walk(node):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _clauses(body, kind):
    return [n[kind] for n in _walk(body["query"]) if kind in n]


def test_empty_query_is_match_all_sorted_by_date():
    body = build_query("")
    assert body["query"]["bool"]["must"] == [{"match_all": {}}]
    assert body["sort"][0] == {"publish_date": {"order": "desc", "missing": "_last"}}
    assert build_query("   \u3000 ")["query"]["bool"]["must"] == [{"match_all": {}}]
    assert parse_query("") is None


def test_words_are_anded_and_use_bigram_fields():
    assert parse_query("课后服务 工作") == And((Term("课后服务"), Term("工作")))
    body = build_query("课后服务 工作")
    assert body["sort"][0] == {"_score": "desc"}
    mm = [c for c in _clauses(body, "multi_match") if c.get("operator") == "and"]
    assert [c["query"] for c in mm] == ["课后服务", "工作"]
    assert all(c["fields"][0] == "title^3" and "body" in c["fields"] for c in mm)
    assert parse_query("课后 AND 服务") == parse_query("课后 & 服务") == parse_query("课后 服务")


def test_quoted_phrase_is_match_phrase_on_exact_fields():
    assert parse_query('"课后服务 工作" 通知') == And((Term("课后服务 工作", phrase=True), Term("通知")))
    phrases = [c for c in _clauses(build_query('"课后服务"'), "multi_match") if c.get("type") == "phrase"]
    # CJK: a phrase of bigrams (adjacent, in order — the same constraint, cheaper than characters)
    assert phrases == [{"query": "课后服务", "fields": list(query.BIGRAM_PHRASE_FIELDS), "type": "phrase"}]
    # anything else (Latin, digits, a single character): a phrase on the single-token `.exact` subfields
    for text in ('"COVID 19"', '"毒"', '"2024年"'):
        latin = [c for c in _clauses(build_query(text), "multi_match") if c.get("type") == "phrase"]
        assert latin[0]["fields"] == list(query.EXACT_FIELDS), text
    assert "body.exact" in query.EXACT_FIELDS and "title.exact^3" in query.EXACT_FIELDS
    # CJK quotes work too
    assert parse_query("“工作要点”") == Term("工作要点", phrase=True)
    assert parse_query("「工作要点」") == Term("工作要点", phrase=True)
    assert parse_query("『工作要点』") == Term("工作要点", phrase=True)


def test_or_and_grouping():
    assert parse_query("课后 OR 托管") == Or((Term("课后"), Term("托管")))
    assert parse_query("课后 | 托管") == Or((Term("课后"), Term("托管")))
    # AND binds tighter than OR
    assert parse_query("a b OR c") == Or((And((Term("a"), Term("b"))), Term("c")))
    assert parse_query("(课后 OR 托管) -收费") == And((Or((Term("课后"), Term("托管"))), Not(Term("收费"))))
    either = build_query("课后 OR 托管")["query"]["bool"]
    assert either["minimum_should_match"] == 1 and len(either["should"]) == 2
    # lower-case "or" is a word, not an operator
    assert parse_query("a or b") == And((Term("a"), Term("or"), Term("b")))


def test_cjk_words_need_all_bigrams_and_prefer_the_word_as_written():
    clause = build_query("课后服务")["query"]["bool"]
    assert clause["must"][0]["multi_match"]["operator"] == "and"
    assert clause["should"][0]["multi_match"]["type"] == "phrase"
    assert clause["should"][0]["multi_match"]["fields"] == list(query.BIGRAM_PHRASE_FIELDS)
    # single characters and Latin words: bigram match OR the exact characters
    single = build_query("毒")["query"]["bool"]
    assert single["minimum_should_match"] == 1 and single["should"][1]["multi_match"]["fields"] == list(query.EXACT_FIELDS)


def test_leading_minus_and_not_exclude():
    assert parse_query('课后 -收费 -"社会 培训" a-b') == And(
        (Term("课后"), Not(Term("收费")), Not(Term("社会 培训", phrase=True)), Term("a-b"))
    )
    assert parse_query("课后 NOT 收费") == parse_query("课后 -收费")
    assert parse_query("课后 －收费") == parse_query("课后 -收费")  # full-width minus
    assert parse_query("--课后") == Not(Term("-课后"))  # one minus is the operator, the other is text
    body = build_query("课后 -收费")
    must_not = body["query"]["bool"]["must"][0]["bool"]["must_not"] if "filter" in body["query"]["bool"] else \
        body["query"]["bool"]["must_not"]
    # an excluded word is excluded as written (exact characters), not by scattered bigrams
    assert [c["multi_match"]["query"] for c in must_not] == ["收费"]
    assert must_not[0]["multi_match"]["type"] == "phrase"
    # only exclusions: everything except those, newest first
    only = build_query("-收费")
    assert only["sort"][0] == {"publish_date": {"order": "desc", "missing": "_last"}}
    assert _clauses(only, "must_not")


def test_traditional_is_converted_to_simplified():
    assert parse_query("課後服務") == Term("课后服务")
    assert parse_query('"學校工作要點"') == Term("学校工作要点", phrase=True)
    assert parse_query("-設備") == Not(Term("设备"))
    assert parse_query("title:學校") == Term("学校", field="title")
    assert SearchParams.make("", source=["區教育局"]).source == ("区教育局",)


def test_field_terms():
    assert parse_query('title:"工作 要点" site:longwan-jyj type:通知 year:2024') == And((
        Term("工作 要点", phrase=True, field="title"), Term("longwan-jyj", field="site"),
        Term("通知", field="type"), Term("2024", field="year"),
    ))
    body = build_query("site:longwan-jyj 课后")
    assert {"term": {"site": "longwan-jyj"}} in _clauses(body, "filter")[0]
    title = build_query('title:"工作要点"')
    assert _clauses(title, "match_phrase") == [{"title.exact": "工作要点"}]
    # unknown field names are plain text; field-only queries sort by date
    assert parse_query("foo:bar") == Term("foo:bar")
    assert build_query("site:x")["sort"][0]["publish_date"]["order"] == "desc"
    with pytest.raises(QueryError, match="year"):
        parse_query("year:20x4")


@pytest.mark.parametrize(
    "text",
    ['"', '"课后', 'a"b', "\\", "*", "(", ")", "课后*", "title:课后", "a OR b", "(课后 AND", "\\\"", "{}[]^~",
     "-", "--", "- 课后", "<script>", "'", "\u201c未闭合", "OR", "AND OR NOT", "((((", "))", "NOT NOT a",
     "title:", "site:", 'title:"', "(a OR (b c) -d) e OR"],
)
def test_special_characters_are_plain_text(text):
    body = build_query(text)
    json.dumps(body)  # serialisable
    assert not _clauses(body, "query_string") and not _clauses(body, "simple_query_string")
    for clause in _clauses(body, "multi_match"):
        # whatever is left is a searchable word, never a bare punctuation token
        assert any(ch.isalnum() for ch in clause["query"]), clause


def test_unbalanced_quote_and_parentheses_become_words():
    assert parse_query('"课后 服务') == And((Term("课后"), Term("服务")))
    assert parse_query('a"b') == And((Term("a"), Term("b")))
    assert parse_query('* ( \\ "') is None
    assert parse_query("(课后 AND") == Term("课后")
    assert parse_query("课后) 服务") == And((Term("课后"), Term("服务")))


def test_limits_raise_query_error():
    with pytest.raises(QueryError, match="longer"):
        parse_query("课" * (query.MAX_QUERY_CHARS + 1))
    with pytest.raises(QueryError, match="terms"):
        parse_query(" ".join(f"w{i}" for i in range(query.MAX_TERMS + 1)))
    with pytest.raises(QueryError, match="deep"):
        parse_query("(" * (query.MAX_DEPTH + 2) + "a")


@given(st.text(max_size=200))
@settings(max_examples=300, deadline=None)
def test_any_text_builds_a_query_or_a_query_error(text):
    try:
        body = build_query(text)
    except QueryError:
        return
    json.dumps(body)
    assert not _clauses(body, "query_string") and not _clauses(body, "simple_query_string")


def test_filters_and_paging():
    body = build_query("课后", site="longwan-jyj", date_from=date(2024, 1, 1), date_to="2024-12-31", size=5, offset=10)
    filters = body["query"]["bool"]["filter"]
    assert {"terms": {"site": ["longwan-jyj"]}} in filters
    assert {"range": {"publish_date": {"gte": "2024-01-01", "lte": "2024-12-31", "format": "yyyy-MM-dd"}}} in filters
    assert (body["from_"], body["size"]) == (10, 5)
    assert "filter" not in build_query("课后")["query"]["bool"]
    multi = build_query("", doc_type=["通知", "工作要点"], agency="温州市龙湾区教育局", region="浙江省")
    f = multi["query"]["bool"]["filter"]
    assert {"terms": {"doc_type": ["通知", "工作要点"]}} in f and {"terms": {"attributed_region": ["浙江省"]}} in f


def test_year_filter_falls_back_to_publish_year():
    f = build_query("", year=[2023, "2024"])["query"]["bool"]["filter"][0]
    years = f["bool"]["should"]
    assert len(years) == 2
    clause = years[0]["bool"]["should"]
    assert clause[0] == {"term": {"year": 2023}}
    assert clause[1]["bool"]["must_not"] == [{"exists": {"field": "year"}}]
    assert clause[1]["bool"]["filter"] == [{"term": {"publish_year": 2023}}]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"date_from": "2024-13-01"}, "from"),
        ({"date_to": "yesterday"}, "to"),
        ({"date_from": "2024-05-01", "date_to": "2024-01-01"}, "after"),
        ({"sort": "popularity"}, "sort"),
        ({"size": 1000}, "size"),
        ({"size": -1}, "size"),
        ({"offset": 9995, "size": 10}, "export"),
        ({"year": "twenty"}, "year"),
        ({"size": "ten"}, "whole numbers"),
    ],
)
def test_bad_parameters_raise_query_error(kwargs, message):
    with pytest.raises(QueryError, match=message):
        SearchParams.make("课后", **kwargs)


def test_sort_options():
    assert build_query("课后", sort="date")["sort"][0] == {"publish_date": {"order": "desc", "missing": "_last"}}
    assert build_query("课后", sort="date_asc")["sort"][0] == {"publish_date": {"order": "asc", "missing": "_last"}}
    assert build_query("", sort="relevance")["sort"][0] == {"_score": "desc"}
    assert build_query("课后")["sort"][-1] == {"id": "asc"}  # stable pages


def test_facets_and_collapse():
    body = build_query("课后")
    assert set(body["aggs"]) >= {"site", "agency", "source", "region", "doc_type", "year", "year_fallback"}
    assert "collapse" not in body and "aggs" not in build_query("课后", facets=False)
    collapsed = build_query("课后", collapse=True)
    assert collapsed["collapse"]["field"] == "cluster"
    assert collapsed["collapse"]["inner_hits"]["name"] == "copies"
    assert collapsed["aggs"]["clusters"] == {"cardinality": {"field": "cluster"}}


def test_read_facets_merges_year_and_publish_year():
    aggs = {
        "site": {"buckets": [{"key": "a", "doc_count": 3}]},
        "year": {"buckets": [{"key": 2024, "doc_count": 2}, {"key": 2023, "doc_count": 1}]},
        "year_fallback": {"doc_count": 2, "years": {"buckets": [{"key": 2024, "doc_count": 1},
                                                              {"key": 2019, "doc_count": 1}]}},
    }
    facets = query.read_facets(aggs)
    assert facets["site"] == [{"value": "a", "count": 3}]
    assert facets["year"] == [{"value": 2024, "count": 3}, {"value": 2023, "count": 1}, {"value": 2019, "count": 1}]
    assert facets["doc_type"] == []


def test_export_body_pages_with_shard_doc_and_collapses_to_canonical():
    body = query.export_body(SearchParams.make("课后", collapse=True))
    assert body["sort"][-1] == {"_shard_doc": "asc"} and body["sort"][0] == {"_score": "desc"}
    assert {"term": {"is_canonical": True}} in body["query"]["bool"]["filter"]
    assert query.export_body(SearchParams.make(""))["sort"][0]["publish_date"]["order"] == "desc"


def test_highlight_settings():
    hl = build_query("课后")["highlight"]
    assert hl["encoder"] == "html"
    assert (hl["pre_tags"], hl["post_tags"]) == (["<em>"], ["</em>"])
    assert hl["fragment_size"] == 80 and hl["number_of_fragments"] == 3
    assert "body.exact" in hl["fields"] and "title.exact" in hl["fields"]
    marked = build_query('课后 "工作 要点" -收费 site:x')["highlight"]["highlight_query"]["bool"]["should"]
    assert [c["multi_match"]["query"] for c in marked] == ["课后", "工作 要点"]  # not the excluded word
    assert "highlight_query" not in build_query("")["highlight"]


def test_render_highlight_escapes_and_marks():
    snippet = "做好<em>课后服务</em>&lt;script&gt;\n第二段"
    assert render.render_highlight(snippet) == "做好【课后服务】<script> ⏎ 第二段"
    assert "\033[1m课后服务\033[0m" in render.render_highlight(snippet, ansi=True)


def test_fit_counts_wide_characters():
    assert render.display_width("课后ab") == 6
    assert render.fit("课后服务工作", 7) == "课后服…"
    assert render.display_width(render.fit("课后服务工作", 7)) == 7
    assert render.fit("ab", 4) == "ab  "


def test_format_hits_table():
    result = engine.SearchResult(
        total=1,
        took_ms=3,
        hits=[
            engine.Hit(id="x", title="通知", url="http://a/b", site="s", source=None, publish_date="2024-01-02",
                      doc_type="通知", score=1.5, highlights=["a<em>课后</em>b"])
        ],
    )
    table = render.format_hits_table(result, ansi=False)
    assert "1 result(s)" in table and "2024-01-02" in table and "a【课后】b" in table and "1.50" in table
    assert "title" in table.splitlines()[1]
    assert result.to_dict()["hits"][0]["highlights"] == ["a<em>课后</em>b"]
    assert render.format_facets({"site": [{"value": "a", "count": 2}], "year": []}) == "  site: a 2"
