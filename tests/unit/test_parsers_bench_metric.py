"""The metric bench/extraction.py reports: character-bigram F1 with whitespace removed."""

import importlib.util
from pathlib import Path

import pytest

spec = importlib.util.spec_from_file_location("extraction", Path(__file__).resolve().parents[2] / "bench" / "extraction.py")
extraction = importlib.util.module_from_spec(spec)
spec.loader.exec_module(extraction)


def test_identical_texts_score_one_whatever_the_whitespace():
    assert extraction.f1("一、总体要求\n坚持立德树人", "一、总体 要求坚持立德树人") == 1.0


def test_disjoint_texts_score_zero():
    assert extraction.f1("甲乙丙", "丁戊己") == 0.0


def test_partial_overlap_is_harmonic_mean_of_precision_and_recall():
    # got: 甲乙 乙丙 (2 bigrams); want: 甲乙 乙丙 丙丁 丁戊 (4): p = 1, r = 0.5
    assert extraction.f1("甲乙丙", "甲乙丙丁戊") == pytest.approx(2 * 1 * 0.5 / 1.5)


def test_every_fixture_case_loads_with_its_expected_json():
    cases = extraction.load_cases()
    assert len(cases) >= 25
    assert all(c["pages"] and "body" in c["expected"] for c in cases)
