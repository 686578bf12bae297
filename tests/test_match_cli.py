"""`regionbridge match`: JSON Lines in, one JSON line per need out; bad input refused whole.

No test here has database access (pytest-django raises on any query), which is the check that
the command needs no database.
"""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

OFFERS = [
    {
        "id": "mn-1",
        "title": "Upper-limb prosthetics fitting and training",
        "description": "Minnesota hospital clinic for amputees.",
        "language": "en",
        "sphere": "healthcare",
        "region": "US-MN",
        "institution_type": "hospital",
    },
    {"id": 7, "title": "Diesel generators for hospitals", "language": "en", "sphere": None},
    {"id": 2.5, "title": "Semester abroad for exchange students"},
]
NEEDS = [
    {
        "id": 101,
        "title": "Протезування верхніх кінцівок",
        "description": "Реабілітаційний центр шукає партнера.",
        "language": "uk",
        "sphere": "healthcare",
        "region": "UA-18",
    },
    {"id": "need-b", "title": "Генератори для лікарні", "language": "uk"},
    {"id": 3, "title": "Космічні дослідження Марса"},
]


def write(path, records):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
    return str(path)


def run(tmp_path, needs=NEEDS, offers=OFFERS, *args):
    out = StringIO()
    call_command(
        "match",
        "--needs",
        write(tmp_path / "needs.jsonl", needs) if isinstance(needs, list) else needs,
        "--offers",
        write(tmp_path / "offers.jsonl", offers) if isinstance(offers, list) else offers,
        *args,
        stdout=out,
    )
    return out.getvalue()


def lines(output):
    return [json.loads(line) for line in output.splitlines()]


def test_one_line_per_need_in_input_order_with_ids_as_given(tmp_path):
    result = lines(run(tmp_path))
    assert [r["need_id"] for r in result] == [101, "need-b", 3]
    assert result[0]["matches"][0]["offer_id"] == "mn-1"
    assert result[1]["matches"][0]["offer_id"] == 7
    assert {m["offer_id"] for m in result[0]["matches"]} == {"mn-1", 7, 2.5}
    assert result[0]["no_good_match"] is False
    assert result[2]["no_good_match"] is True
    assert len(result[2]["matches"]) == 3  # the closest are listed anyway
    for r in result:
        scores = [m["score"] for m in r["matches"]]
        assert scores == sorted(scores, reverse=True)
        assert all(0 <= s <= 1 and s == round(s, 4) for s in scores)


def test_reasons_in_english_by_default_and_ukrainian_on_request(tmp_path):
    english = lines(run(tmp_path))[0]["matches"][0]["reasons"]
    assert "both about prosthetics" in english
    output = run(tmp_path, NEEDS, OFFERS, "--lang", "uk")
    assert "спільна тема: протезування" in lines(output)[0]["matches"][0]["reasons"]
    assert "\\u" not in output  # Unicode as it is


def test_top(tmp_path):
    result = lines(run(tmp_path, NEEDS, OFFERS, "--top", "1"))
    assert all(len(r["matches"]) == 1 for r in result)


def test_empty_files(tmp_path):
    assert run(tmp_path, [], OFFERS) == ""
    result = lines(run(tmp_path, NEEDS, []))
    assert all(r["matches"] == [] and r["no_good_match"] for r in result)


def test_blank_lines_are_skipped_and_language_may_be_left_out(tmp_path):
    path = tmp_path / "needs-blank.jsonl"
    path.write_text('\n{"id": "x", "title": "generators"}\n\n')
    assert [r["need_id"] for r in lines(run(tmp_path, str(path)))] == ["x"]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "line 2: not valid JSON"),
        ('{"id": 1}', 'line 2: a non-empty "title" is required'),
        ('{"id": 1, "title": "  "}', 'line 2: a non-empty "title" is required'),
        ('{"title": "x"}', 'line 2: an "id"'),
        ('{"id": [1], "title": "x"}', 'line 2: an "id"'),
        ('{"id": 1, "title": "x", "language": "de"}', "line 2: unknown language 'de'"),
        ('{"id": 1, "title": "x", "sphere": 5}', '"sphere" must be a string'),
        ('["id", "title"]', "line 2: expected a JSON object"),
    ],
)
def test_a_bad_line_is_named_and_nothing_is_printed(tmp_path, line, message):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": 1, "title": "generators"}\n' + line + "\n")
    out = StringIO()
    with pytest.raises(CommandError) as caught:
        call_command(
            "match",
            "--needs",
            str(path),
            "--offers",
            write(tmp_path / "o.jsonl", OFFERS),
            stdout=out,
        )
    assert message in str(caught.value)
    assert str(path) in str(caught.value)
    assert caught.value.returncode == 2
    assert out.getvalue() == ""


def test_missing_file_bad_top_and_bad_taxonomy(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        run(tmp_path, str(tmp_path / "missing.jsonl"))
    with pytest.raises(CommandError, match="--top"):
        run(tmp_path, NEEDS, OFFERS, "--top", "0")
    bad = tmp_path / "taxonomy.json"
    bad.write_text('{"topics": 5}')
    with pytest.raises(CommandError, match="--taxonomy"):
        run(tmp_path, NEEDS, OFFERS, "--taxonomy", str(bad))


def test_own_taxonomy_file(tmp_path):
    taxonomy = tmp_path / "taxonomy.json"
    taxonomy.write_text(
        json.dumps(
            {"version": 2, "topics": [{"code": "mars", "uk": "Марс", "en": "Mars exploration"}]}
        )
    )
    offers = [{"id": "o", "title": "Mars exploration lab"}, {"id": "p", "title": "Choir"}]
    result = lines(run(tmp_path, NEEDS, offers, "--taxonomy", str(taxonomy)))
    assert result[2]["matches"][0]["offer_id"] == "o"
    assert "both about Mars exploration" in result[2]["matches"][0]["reasons"]
