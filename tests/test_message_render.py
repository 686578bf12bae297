"""How a message's text is shown: CommonMark (markdown-it-py) through nh3's allow-list.

Python-Markdown's inline link parsing was super-linear: a 20,000-character body (MAX_BODY) of "["
took about 100 s, so any member could tie up a server thread with one post. Every pathological
body below must render within 2 s (about 0.5 s at most here), and the renderer must still give
links, lists, emphasis, quotes and code, with raw HTML shown as text.
"""

import time

import pytest

from regionbridge.messaging import services
from regionbridge.messaging.text import render

REL = 'rel="noopener noreferrer nofollow"'
LIMIT_SECONDS = 2.0


def _nested_list(size: int) -> str:
    lines, depth = [], 0
    while sum(map(len, lines)) < size:
        lines.append("  " * depth + "- x\n")
        depth += 1
    return "".join(lines)[:size]


PATHOLOGICAL = {
    "open_brackets": "[" * 20_000,
    "image_openers": "![" * 10_000,
    "unclosed_links": "[a](" * 5_000,
    "less_than": "<" * 20_000,
    "nested_quotes": "> " * 10_000,
    "emphasis_runs": "*a" * 10_000,
    "strong_underscore": "**_" * 6_666,
    "unclosed_autolinks": "<http://" * 2_500,
    "paren_bracket": "([" * 10_000,
    "bracket_paren": "[(" * 10_000,
    "empty_link_openers": "[](" * 6_666,
    "bracket_lines": "[\n" * 10_000,
    "emphasis_in_brackets": "[*" * 10_000,
    "reference_definitions": ("[x]: y\n" * 2_858)[:20_000],
    "backticks": "`" * 20_000,
    "backtick_runs": "`a" * 10_000,
    "nested_lists": _nested_list(20_000),
    "indented_list_marker": "  " * 9_999 + "- ",
    "divs": "<div>" * 4_000,
    "entities": "&#" * 10_000,
}
FORBIDDEN = ("<script", "<div", "onerror", "javascript:")


@pytest.mark.parametrize("body", list(PATHOLOGICAL.values()), ids=list(PATHOLOGICAL))
def test_a_pathological_body_renders_quickly_and_harmlessly(body):
    assert 19_990 <= len(body) <= 20_000  # MAX_BODY: the longest a message may be
    started = time.perf_counter()
    html = render(body)
    elapsed = time.perf_counter() - started
    assert elapsed < LIMIT_SECONDS, f"{elapsed:.2f} s"
    for fragment in FORBIDDEN:
        assert fragment not in html.lower(), fragment


# --- what the text may do ---------------------------------------------------------------------


def test_emphasis():
    assert render("*this* and **that**") == "<p><em>this</em> and <strong>that</strong></p>"


def test_a_link_gets_rel():
    assert render("See [the site](https://example.org/plan?a=1&b=2).") == (
        f'<p>See <a href="https://example.org/plan?a=1&amp;b=2" {REL}>the site</a>.</p>'
    )
    assert render("[us](mailto:office@example.org)") == (
        f'<p><a href="mailto:office@example.org" {REL}>us</a></p>'
    )


def test_an_autolink():
    assert render("<https://example.org/a>") == (
        f'<p><a href="https://example.org/a" {REL}>https://example.org/a</a></p>'
    )
    assert render("<office@example.org>") == (
        f'<p><a href="mailto:office@example.org" {REL}>office@example.org</a></p>'
    )


def test_raw_html_is_shown_as_text():
    assert render("<script>alert(1)</script>") == "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"
    assert render('<img src=x onerror="alert(1)">') == (
        '<p>&lt;img src=x onerror="alert(1)"&gt;</p>'
    )
    assert render("<b>bold</b>") == "<p>&lt;b&gt;bold&lt;/b&gt;</p>"


def test_a_link_to_a_script_is_no_link():
    for body in ("[click](javascript:alert(1))", "[x](JaVaScRiPt:alert(1))", "<javascript:x>"):
        html = render(body)
        assert "<a" not in html and "href" not in html, html


def test_an_image_is_a_link_to_it():
    """<img> is not allowed; the image rule is off, so "![alt](url)" is "!" and a link."""
    assert render("![plan](https://example.org/plan.png)") == (
        f'<p>!<a href="https://example.org/plan.png" {REL}>plan</a></p>'
    )


def test_a_line_break_becomes_br():
    assert render("Dear Olena,\nthank you.") == "<p>Dear Olena,<br>\nthank you.</p>"


def test_lists():
    assert render("- one\n- two") == "<ul>\n<li>one</li>\n<li>two</li>\n</ul>"
    assert render("1. first\n2. second") == "<ol>\n<li>first</li>\n<li>second</li>\n</ol>"
    # CommonMark: a list may follow a line of text directly (Python-Markdown made it one paragraph)
    assert render("Agenda:\n- one\n- two") == (
        "<p>Agenda:</p>\n<ul>\n<li>one</li>\n<li>two</li>\n</ul>"
    )
    assert render("- a\n  - b") == "<ul>\n<li>a\n<ul>\n<li>b</li>\n</ul>\n</li>\n</ul>"


def test_a_blockquote():
    assert render("> quoted\n\nanswer") == (
        "<blockquote>\n<p>quoted</p>\n</blockquote>\n<p>answer</p>"
    )


def test_code():
    assert render("`a < b`") == "<p><code>a &lt; b</code></p>"
    assert render("```python\nif a < b:\n    pass\n```") == (
        "<pre><code>if a &lt; b:\n    pass\n</code></pre>"
    )


def test_entities_and_mentions_stay_text():
    assert render("R&D &amp; &lt;b&gt;") == "<p>R&amp;D &amp; &lt;b&gt;</p>"
    assert render("@olena@example.org, see this") == "<p>@olena@example.org, see this</p>"


def test_a_long_trailing_quote_is_folded_and_rendered():
    quote = "\n".join(f"> line {n} of the history, which is long enough" for n in range(8))
    html = render("Agreed.\n\n" + quote + "\n> **bold** <script>x</script>")
    assert html.startswith(
        "<p>Agreed.</p><details><summary>line 0 of the history, which is long enough</summary>"
        "<blockquote>\n<p>line 1 of the history"
    )
    assert "<br>\nline 2 of the history" in html
    assert html.endswith(
        "<strong>bold</strong> &lt;script&gt;x&lt;/script&gt;</p>\n</blockquote></details>"
    )


# --- the posting path -------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_hostile_body_posts_within_seconds(zhytomyr):
    thread = services.thread_create(by=zhytomyr, subject="Hostile input")
    body = "[" * services.MAX_BODY
    started = time.perf_counter()
    message = services.message_post(thread=thread, author=zhytomyr, body=body)
    elapsed = time.perf_counter() - started
    assert elapsed < 5, f"{elapsed:.2f} s"
    assert message.body == body
    assert message.body_html == "<p>" + body + "</p>"
