"""The `govpub` command as a user runs it (the installed console script, in a child process)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

GOVPUB = str(Path(sys.executable).parent / "govpub")
COMMANDS = ["parse", "crawl", "index", "reindex", "reparse", "export", "search", "serve", "status", "report", "sites"]
DEV_COMMANDS = ["services", "sample-site", "demo"]
REPO = Path(__file__).resolve().parents[2]


def run(*args: str, env: dict | None = None, timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [GOVPUB, *args], capture_output=True, text=True, timeout=timeout, env={**os.environ, **(env or {})}
    )


def test_top_level_help_lists_every_command():
    result = run("--help")
    assert result.returncode == 0
    for command in COMMANDS:
        assert command in result.stdout


def test_dev_tooling_has_its_own_command_with_help():
    result = subprocess.run([sys.executable, "-m", "govpub_dev", "--help"], capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 0, result.stderr
    for command in DEV_COMMANDS:
        assert command in result.stdout
        sub = subprocess.run([sys.executable, "-m", "govpub_dev", command, "--help"], capture_output=True, text=True,
                             cwd=REPO)
        assert sub.returncode == 0 and "usage:" in sub.stdout, sub.stderr
    assert "services" not in run("--help").stdout  # the runtime command carries no dev tooling


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command):
    result = run(command, "--help")
    assert result.returncode == 0, result.stderr
    assert "usage: govpub " + command in result.stdout


def test_no_command_prints_help_and_fails():
    result = run()
    assert result.returncode == 2 and "commands" in result.stdout


def test_unknown_site_is_a_one_line_error():
    result = run("crawl", "no-such-site")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "unknown site id 'no-such-site'" in result.stderr and "longwan" in result.stderr


def test_malformed_registry_is_a_one_line_error(tmp_path):
    (tmp_path / "bad.toml").write_text('[[site]]\nid = "bad-site"\n', encoding="utf-8")
    result = run("sites", env={"GOVPUB_SITES_DIR": str(tmp_path)})
    assert result.returncode == 2
    assert "bad.toml" in result.stderr and "missing required field" in result.stderr
    assert result.stderr.strip().count("\n") == 0


def test_unreachable_elasticsearch_names_the_endpoint():
    result = run("search", "教育", env={"GOVPUB_ES_URL": "http://127.0.0.1:1"})
    assert result.returncode == 2
    assert "http://127.0.0.1:1" in result.stderr and result.stderr.strip().count("\n") == 0


def test_unreachable_s3_names_the_endpoint_and_fetches_nothing():
    result = run("crawl", "longwan-jyj", env={"GOVPUB_S3_ENDPOINT": "http://127.0.0.1:1"})
    assert result.returncode == 2
    assert "127.0.0.1:1" in result.stderr and result.stderr.strip().count("\n") == 0
    assert "crawling" not in result.stderr  # failed before fetching anything


def test_bad_date_filter_is_refused():
    result = run("search", "教育", "--from", "2024/05/01")
    assert result.returncode == 2 and "YYYY-MM-DD" in result.stderr


def test_parse_prints_document_json_from_raw_bytes(tmp_path):
    page = tmp_path / "page.html"
    html = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
        '<meta name="ArticleTitle" content="某区教育局2024年工作要点"><meta name="PubDate" content="2024-03-01 09:00">'
        '<meta name="ContentSource" content="区教育局"><title>某区教育局2024年工作要点_某区人民政府</title></head>'
        '<body><div class="nav">首页 | 信息公开</div><div class="TRS_Editor">'
        "<p>　　一、总体要求</p><p>　　坚持立德树人根本任务，推进教育高质量发展，办好人民满意的教育。</p>"
        "<p>　　二、重点任务</p><p>　　深化课后服务，落实双减政策，提升课堂教学质量和学生综合素养。</p>"
        "</div><div class='footer'>主办单位：某区教育局 网站标识码：3303030001</div></body></html>"
    )
    page.write_bytes(html.encode("gbk"))
    result = run("parse", str(page), "--url", "http://www.example.gov.cn/art/2024/3/1/art_1_1.html", "--content-type", "text/html")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["title"] == "某区教育局2024年工作要点"
    assert doc["publish_date"] == "2024-03-01"
    assert doc["source"] == "区教育局"
    assert doc["url"] == "http://www.example.gov.cn/art/2024/3/1/art_1_1.html"
    assert "坚持立德树人根本任务" in doc["body"] and "网站标识码" not in doc["body"]
    assert doc["body_sha256"] and doc["id"] and doc["parser_version"]


def test_parse_refuses_mismatched_url_count(tmp_path):
    page = tmp_path / "p.html"
    page.write_text("<p>x</p>")
    result = run("parse", str(page), "--url", "http://a/1", "--url", "http://a/2")
    assert result.returncode == 2 and "2 --url" in result.stderr


def test_parse_of_a_page_without_article_is_a_clear_error(tmp_path):
    page = tmp_path / "empty.html"
    page.write_bytes(b"<html><body></body></html>")
    result = run("parse", str(page))
    assert result.returncode == 2
    assert result.stderr.startswith("govpub: error:")


def test_dev_tooling_gives_one_line_errors_for_bad_configuration():
    result = subprocess.run([sys.executable, "-m", "govpub_dev", "services", "status"], capture_output=True,
                            text=True, cwd=REPO, env={**os.environ, "GOVPUB_SERVICE_TIMEOUT": "-5"})
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [result.stderr.strip()] and "GOVPUB_SERVICE_TIMEOUT" in result.stderr
