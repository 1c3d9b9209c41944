"""Elasticsearch indexing and search against a real Elasticsearch (fixtures from tests/conftest.py)."""

from __future__ import annotations

import dataclasses

import pytest

from govpub import index
from govpub.search import engine
from govpub.search import render
from govpub.schema import Attachment, Document, RawRef, doc_id_for, sha256_text

pytestmark = pytest.mark.services


def make_doc(path: str, *, site: str, title: str, body: str, publish_date: str | None, **extra) -> Document:
    url = f"http://edu.example.gov.cn/{site}/{path}.html"
    return Document(
        id=doc_id_for(url),
        url=url,
        site=site,
        title=title,
        publish_date=publish_date,
        source=extra.pop("source", "示例县教育局"),
        doc_number=extra.pop("doc_number", None),
        index_no=extra.pop("index_no", None),
        body=body,
        fetched_at="2024-12-01T08:00:00Z",
        parser_version="test-1",
        raw=RawRef(key=f"raw/{site}/x.warc.gz", offset=0, length=100, record_id="<urn:uuid:1>", url=url),
        body_sha256=sha256_text(body),
        page_urls=(url,),
        **extra,
    )


DOCS = [
    make_doc(
        "kehou",
        site="site-a",
        title="关于做好2024年课后服务工作的通知",
        publish_date="2024-03-01",
        doc_type="通知",
        doc_number="示教〔2024〕12号",
        body="各中小学：\n为进一步做好课后服务工作，切实减轻学生负担，现将有关事项通知如下。\n"
        "<script>alert('x')</script>\n一、课后服务时间一般为下午放学后两小时。",
    ),
    make_doc(
        "zuoye",
        site="site-a",
        title="作业管理办法",
        publish_date="2023-09-01",
        doc_type="意见",
        body="严格控制课后作业总量。\n学校要主动服务家长，做好家校沟通。",
    ),
    make_doc(
        "yaodian",
        site="site-b",
        title="2024年学校工作要点",
        publish_date="2024-06-10",
        doc_type="工作要点",
        body="一、总体要求\n深入推进教育现代化，落实立德树人根本任务。\n二、重点工作\n推进COVID-19疫情常态化防控。",
    ),
    make_doc(
        "zongjie",
        site="site-b",
        title="2021年度工作总结",
        publish_date="2022-01-05",
        doc_type="工作总结",
        body="过去一年，全县教育系统工作要求全面落实，课程改革稳步推进。",
    ),
    make_doc(
        "shipin",
        site="site-c",
        title="校园食品安全提示",
        publish_date=None,
        body="加强校园食品安全管理，严防食物中毒。",
    ),
    make_doc(
        "fujian",
        site="site-a",
        title="关于公布评审结果的公告",
        publish_date="2024-11-20",
        doc_type="公告",
        body="评审结果见附件。",
        attachments=(
            Attachment(
                url="http://edu.example.gov.cn/site-a/f.pdf",
                name="附件1：优秀教学成果名单.pdf",
                content_type="application/pdf",
                text="优秀教学成果一等奖名单",
            ),
        ),
    ),
]
BY_PATH = {d.url.rsplit("/", 1)[1][:-5]: d for d in DOCS}


@pytest.fixture(scope="module")
def settings(module_settings):
    return module_settings


@pytest.fixture(scope="module")
def alias(es, settings) -> str:
    index.ensure_index(es, settings.es_alias)
    result = index.bulk_index(es, settings.es_alias, DOCS, refresh=True)
    assert result.errors == [] and result.indexed == len(DOCS)
    return settings.es_alias


def ids(result: engine.SearchResult) -> list[str]:
    return [h.id for h in result.hits]


def test_ensure_index_is_idempotent(es, alias):
    first = index.ensure_index(es, alias)
    assert first == index.index_name(alias, index.mapping_version())
    assert index.ensure_index(es, alias) == first
    assert index.alias_indices(es, alias) == [first]


def test_count(es, alias):
    assert index.count(es, alias) == len(DOCS)


def test_phrase_query_requires_adjacent_words(es, alias):
    result = engine.search(es, alias, '"课后服务"')
    assert ids(result) == [BY_PATH["kehou"].id]  # "zuoye" has 课后 … 服务 apart
    # unquoted, bigram-and: still not the doc with the characters apart (后服 is missing there)
    assert ids(engine.search(es, alias, "课后服务")) == [BY_PATH["kehou"].id]
    # two separate words match both
    assert set(ids(engine.search(es, alias, "课后 服务"))) == {BY_PATH["kehou"].id, BY_PATH["zuoye"].id}


def test_phrase_with_numbers_and_title(es, alias):
    result = engine.search(es, alias, '"2024年学校工作要点"')
    assert ids(result) == [BY_PATH["yaodian"].id]
    assert result.hits[0].title_highlight and "<em>" in result.hits[0].title_highlight


def test_traditional_query_finds_simplified_doc(es, alias):
    assert ids(engine.search(es, alias, "課後服務")) == [BY_PATH["kehou"].id]
    assert ids(engine.search(es, alias, '"食品安全"')) == [BY_PATH["shipin"].id]
    assert ids(engine.search(es, alias, "學校工作要點")) == [BY_PATH["yaodian"].id]


def test_single_character_and_latin_words(es, alias):
    # single characters and Latin words exist only as unigrams (the .exact subfields)
    assert BY_PATH["shipin"].id in ids(engine.search(es, alias, "毒"))
    assert ids(engine.search(es, alias, "covid")) == [BY_PATH["yaodian"].id]


def test_exclusion(es, alias):
    with_both = set(ids(engine.search(es, alias, "工作")))
    assert {BY_PATH["yaodian"].id, BY_PATH["zongjie"].id, BY_PATH["kehou"].id} <= with_both
    excluded = set(ids(engine.search(es, alias, "工作 -要点")))
    assert BY_PATH["yaodian"].id not in excluded and BY_PATH["zongjie"].id in excluded


def test_site_and_date_filters(es, alias):
    result = engine.search(es, alias, "", site="site-b")
    assert ids(result) == [BY_PATH["yaodian"].id, BY_PATH["zongjie"].id]  # newest first
    assert result.total == 2 and result.hits[0].score is None
    recent = engine.search(es, alias, "", date_from="2024-01-01", date_to="2024-06-30")
    assert ids(recent) == [BY_PATH["yaodian"].id, BY_PATH["kehou"].id]
    assert ids(engine.search(es, alias, "课后", site="site-b")) == []
    assert ids(engine.search(es, alias, "工作", date_to="2022-12-31")) == [BY_PATH["zongjie"].id]


def test_empty_query_lists_everything_newest_first_with_undated_last(es, alias):
    result = engine.search(es, alias, "", size=100)
    assert result.total == len(DOCS)
    dates = [h.publish_date for h in result.hits]
    assert dates[-1] is None and dates[:-1] == sorted(dates[:-1], reverse=True)
    page = engine.search(es, alias, "", size=2, offset=2)
    assert ids(page) == ids(result)[2:4]


def test_highlights_mark_matches_and_escape_html(es, alias):
    result = engine.search(es, alias, "课后服务")
    hit = result.hits[0]
    assert hit.highlights and all("<em>" in s for s in hit.highlights[:1])
    joined = "".join(hit.highlights)
    assert "<em>课后服务</em>" in joined
    assert "<script>" not in joined
    # the <script> line is escaped when it is part of a snippet
    script_hit = engine.search(es, alias, '"alert"').hits[0]
    assert "&lt;script&gt;" in "".join(script_hit.highlights)
    assert "<script>" not in "".join(script_hit.highlights)
    table = render.format_hits_table(result, ansi=False)
    assert "【课后服务】" in table and BY_PATH["kehou"].url in table


def test_attachment_text_is_searchable(es, alias):
    result = engine.search(es, alias, "教学成果")
    assert ids(result) == [BY_PATH["fujian"].id]
    assert any("<em>" in s for s in result.hits[0].highlights)


def test_bulk_reports_the_bad_document_and_indexes_the_others(es, alias):
    good = [
        make_doc("good1", site="site-d", title="好文档一", body="正常内容一", publish_date="2024-02-02"),
        make_doc("good2", site="site-d", title="好文档二", body="正常内容二", publish_date="2024-02-03"),
    ]
    bad = make_doc("bad", site="site-d", title="坏日期", body="日期不对", publish_date="2024-13-45")
    result = index.bulk_index(es, alias, [good[0], bad, good[1]], refresh=True)
    assert result.indexed == 2
    assert [e["id"] for e in result.errors] == [bad.id]
    assert "publish_date" in result.errors[0]["reason"]
    found = engine.search(es, alias, "", site="site-d")
    assert set(ids(found)) == {good[0].id, good[1].id}
    for doc in good:  # (no _delete_by_query: the reindex module is absent in this distribution)
        es.delete(index=alias, id=doc.id, refresh=True)


def test_reindexing_is_idempotent(es, alias):
    before = index.count(es, alias)
    changed = dataclasses.replace(DOCS[3], title="2021年度工作总结（修订）")
    result = index.bulk_index(es, alias, [*DOCS[:3], changed, *DOCS[4:]], refresh=True)
    assert result.indexed == len(DOCS) and not result.errors
    assert index.count(es, alias) == before
    assert engine.search(es, alias, "修订").hits[0].id == changed.id
    index.bulk_index(es, alias, DOCS, refresh=True)


def test_strict_mapping_rejects_unknown_fields(es, alias):
    from elasticsearch import BadRequestError

    source = index.to_es_source(DOCS[0])
    source["unexpected_field"] = "x"
    with pytest.raises(BadRequestError, match="strict_dynamic_mapping_exception"):
        es.index(index=alias, id="drift", document=source)


def test_ensure_index_and_delete_on_fresh_alias(es, settings):
    aux = f"{settings.es_alias}-aux"
    try:
        name = index.ensure_index(es, aux)
        assert name == f"{aux}-v{index.mapping_version()}"
        assert index.ensure_index(es, aux) == name
        meta = es.indices.get_mapping(index=name)[name]["mappings"]["_meta"]
        assert meta["version"] == index.mapping_version()
        assert index.count(es, aux) == 0
        # a missing alias reads as empty; bulk_index creates the versioned index, never a bare one
        missing = f"{aux}-missing"
        assert index.count(es, missing) == 0 and engine.search(es, missing, "课后").total == 0
        assert index.bulk_index(es, missing, DOCS[:1], refresh=True).indexed == 1
        assert index.alias_indices(es, missing) == [f"{missing}-v{index.mapping_version()}"]
    finally:
        index.delete_alias_and_indices(es, aux)
        index.delete_alias_and_indices(es, f"{aux}-missing")
    assert index.alias_indices(es, aux) == []
    assert not es.indices.exists(index=f"{aux}-v*", allow_no_indices=False)


def test_unreachable_elasticsearch(settings):
    bad = settings.with_overrides(es_url="http://127.0.0.1:1")
    client = index.client(bad)
    with pytest.raises(index.IndexUnavailable, match=r"http://127\.0\.0\.1:1") as info:
        index.check_reachable(client, bad)
    assert "\n" not in str(info.value) and "connection refused" in str(info.value)
    with pytest.raises(index.IndexUnavailable, match=r"127\.0\.0\.1:1"):
        engine.search(client, bad.es_alias, "课后")
