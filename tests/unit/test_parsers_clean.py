"""Block and line rules of parsers.clean, on small pages and lines of our own writing."""

from parsers.clean import drop_link_blocks, is_boilerplate_line, strip_repost_tail
from parsers.extract import lines_of, parse_html

ARTICLE = "".join(f"<p>第{n}段正文，讲的是本市教育集团化办学的进展，覆盖学校四十六所。</p>" for n in range(4))


def _kept(html: str, **kw) -> list[str]:
    tree = parse_html(html)
    root = tree.body()
    drop_link_blocks(tree, root, **kw)
    return lines_of(root, tree)


def test_a_box_of_links_inside_the_container_goes_and_the_prose_stays():
    box = "<div><b>今日推荐</b><br>" + "".join(f'<a href="/n/{n}.html">推荐新闻标题第{n}条</a><br>' for n in range(6)) + "</div>"
    lines = _kept(f"<body><div>{ARTICLE}{box}</div></body>")
    assert len(lines) == 4 and all(line.startswith("第") for line in lines)


def test_links_with_a_sentence_of_their_own_are_prose():
    para = '<div>详见<a href="/a.html">《实施办法》</a>，各校须于六月底前报送材料。</div>'
    assert "详见《实施办法》，各校须于六月底前报送材料。" in _kept(f"<body><div>{ARTICLE}{para}</div></body>")


def test_an_attachment_list_is_part_of_the_document():
    atts = '<div>附件：<a href="/u/a.pdf">1.考核办法.pdf</a><br><a href="/u/b.xls">2.名单.xls</a></div>'
    html = f"<body><div>{ARTICLE}{atts}</div></body>"
    assert "附件：1.考核办法.pdf" in _kept(html, is_document_link=lambda h: h.endswith((".pdf", ".xls")))
    assert "附件：1.考核办法.pdf" not in _kept(html)


def test_a_read_more_link_stays_to_mark_where_the_visible_text_ends():
    more = '<div><a href="javascript:;">展开全文</a></div>'
    assert "展开全文" in _kept(f"<body><div>{ARTICLE}{more}</div></body>")


def test_a_row_of_chrome_cells_is_chrome():
    assert is_boilerplate_line("2024-06-12 09:30更新 来源：市教育局\t发表评论")
    assert is_boilerplate_line("2005-04-05 06:40更新 来源：转载文章\t第1页/共1页 << 上一页 | 下一页 >>")
    assert not is_boilerplate_line("2024年\t1200\t93%")  # a data row
    assert not is_boilerplate_line("发布日期\t各校须于六月底前报送材料，逾期不再受理。")


def test_a_sentence_or_item_naming_the_organiser_is_not_the_footer():
    assert is_boilerplate_line("主办单位：某某区教育局　承办单位：某某区教育信息中心")
    assert is_boilerplate_line("版权所有：某某区教育局　网站标识码：3303040007")
    assert not is_boilerplate_line("一、主办单位：区教育局")
    assert not is_boilerplate_line("（二）承办单位：区青少年活动中心")
    assert not is_boilerplate_line("其次，播客使本来已经很麻烦的版权问题更加复杂，播客节目完全依靠用户自身下载和储存，美国唱片工会表示，使用音乐一定要获得版权所有者的许可。")


def test_repost_notes_run_on_at_the_end_of_a_paragraph_are_cut():
    assert strip_repost_tail("新校将于九月开学。（原标题：城区新建三所小学）（责任编辑：张三）") == "新校将于九月开学。"
    assert strip_repost_tail("新校将于九月开学。【来源：某某新闻网】") == "新校将于九月开学。"
    assert strip_repost_tail("（原标题：城区新建三所小学）") == ""
    # a bracket that is the sentence's own is kept
    assert strip_repost_tail("会议由市教育局（编辑部）承办。") == "会议由市教育局（编辑部）承办。"
    assert strip_repost_tail("详见附件（附件1）") == "详见附件（附件1）"


def test_download_buttons_are_chrome_but_an_attachment_line_is_not():
    assert is_boilerplate_line("pdf下载 word下载")
    assert is_boilerplate_line("【PDF版下载】【Word版下载】")
    assert not is_boilerplate_line("附件：关于做好防汛工作的通知.pdf（PDF下载）")
    assert not is_boilerplate_line("PDF")
