"""Query building is a pure function: user text → Elasticsearch request, no query_string ever."""

from __future__ import annotations

import json
from datetime import date

import pytest

from govpub import index
from govpub.index import build_query, parse_query


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


def test_words_use_bigram_fields_with_operator_and():
    body = build_query("课后服务 工作")
    assert "sort" not in body
    mm = [c for c in _clauses(body, "multi_match") if c.get("operator") == "and"]
    assert [c["query"] for c in mm] == ["课后服务", "工作"]
    assert all(c["fields"][0] == "title^3" and "body" in c["fields"] for c in mm)


def test_quoted_phrase_is_match_phrase_on_exact_fields():
    parsed = parse_query('"课后服务 工作" 通知')
    assert parsed.phrases == ("课后服务 工作",) and parsed.words == ("通知",)
    phrases = [c for c in _clauses(build_query('"课后服务"'), "multi_match") if c.get("type") == "phrase"]
    assert phrases == [
        {"query": "课后服务", "fields": list(index.EXACT_FIELDS), "type": "phrase"}
    ]
    assert "body.exact" in index.EXACT_FIELDS and "title.exact^3" in index.EXACT_FIELDS
    # CJK quotes work too
    assert parse_query("“工作要点”").phrases == ("工作要点",)
    assert parse_query("「工作要点」").phrases == ("工作要点",)


def test_leading_minus_excludes():
    parsed = parse_query('课后 -收费 -"社会 培训" a-b')
    assert parsed.words == ("课后", "a-b")
    assert parsed.excluded == ("收费", "社会 培训")
    body = build_query('课后 -收费')
    must_not = body["query"]["bool"]["must_not"]
    assert [c["multi_match"]["query"] for c in must_not] == ["收费"]
    # only exclusions: everything except those, newest first
    only = build_query("-收费")
    assert only["query"]["bool"]["must"] == [{"match_all": {}}] and "sort" in only


def test_traditional_is_converted_to_simplified():
    assert parse_query("課後服務").words == ("课后服务",)
    assert parse_query('"學校工作要點"').phrases == ("学校工作要点",)
    assert parse_query("-設備").excluded == ("设备",)


@pytest.mark.parametrize(
    "text",
    ['"', '"课后', 'a"b', "\\", "*", "(", ")", "课后*", "title:课后", "a OR b", "(课后 AND", "\\\"", "{}[]^~",
     "-", "--", "- 课后", "<script>", "'", "\u201c未闭合"],
)
def test_special_characters_are_plain_text(text):
    body = build_query(text)
    json.dumps(body)  # serialisable
    assert not _clauses(body, "query_string") and not _clauses(body, "simple_query_string")
    for clause in _clauses(body, "multi_match"):
        # whatever is left is a searchable word, never a bare punctuation token
        assert any(ch.isalnum() for ch in clause["query"]), clause


def test_unbalanced_quote_becomes_words():
    assert parse_query('"课后 服务') == index.ParsedQuery(words=("课后", "服务"))
    assert parse_query('a"b') == index.ParsedQuery(words=("a", "b"))
    assert parse_query('* ( \\ "').empty


def test_filters_and_paging():
    body = build_query("课后", site="longwan-jyj", date_from=date(2024, 1, 1), date_to="2024-12-31", size=5, offset=10)
    filters = body["query"]["bool"]["filter"]
    assert {"term": {"site": "longwan-jyj"}} in filters
    assert {"range": {"publish_date": {"gte": "2024-01-01", "lte": "2024-12-31", "format": "yyyy-MM-dd"}}} in filters
    assert (body["from_"], body["size"]) == (10, 5)
    assert "filter" not in build_query("课后")["query"]["bool"]


def test_highlight_settings():
    hl = build_query("课后")["highlight"]
    assert hl["encoder"] == "html"
    assert (hl["pre_tags"], hl["post_tags"]) == (["<em>"], ["</em>"])
    assert hl["fragment_size"] == 80 and hl["number_of_fragments"] == 3
    assert "body" in hl["fields"] and "title" in hl["fields"]


def test_render_highlight_escapes_and_marks():
    snippet = "做好<em>课后服务</em>&lt;script&gt;\n第二段"
    assert index.render_highlight(snippet) == "做好【课后服务】<script> ⏎ 第二段"
    assert "\033[1m课后服务\033[0m" in index.render_highlight(snippet, ansi=True)


def test_format_hits_table():
    result = index.SearchResult(
        total=1,
        took_ms=3,
        hits=[
            index.Hit(id="x", title="通知", url="http://a/b", site="s", source=None, publish_date="2024-01-02",
                      doc_type="通知", score=1.5, highlights=["a<em>课后</em>b"])
        ],
    )
    table = index.format_hits_table(result, ansi=False)
    assert "1 result(s)" in table and "2024-01-02" in table and "a【课后】b" in table and "1.50" in table
    assert result.to_dict()["hits"][0]["highlights"] == ["a<em>课后</em>b"]
