"""E-mail replies as the common clients write them: the text posted is what the person wrote.

tests/mail_corpus/ holds real-looking replies (.eml) from Outlook, Gmail, Apple Mail, iOS,
Thunderbird, Android, Yahoo and Outlook on the web, in Ukrainian, English and Russian, each beside
the exact text that must be posted (.expected.txt). Add every new layout seen in the wild there
(see its README.md).
"""

import email
import email.policy
import time
from collections import Counter
from email.message import EmailMessage
from pathlib import Path

import pytest

from regionbridge.messaging.text import render, reply_text, strip_reply

CORPUS = Path(__file__).parent / "mail_corpus"
REPLIES = sorted(CORPUS.glob("*.eml"))


def parse(eml: Path) -> EmailMessage:
    return email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)


def posted(eml: Path, preference: tuple[str, ...] = ("plain", "html")) -> str:
    """What the mailgate posts: the part it picks, through reply_text."""
    part = parse(eml).get_body(preferencelist=preference)
    return reply_text(part.get_content(), html=part.get_content_type() == "text/html")


def expected(eml: Path, variant: str = "") -> str:
    path = eml.with_name(f"{eml.stem}{variant}.expected.txt")
    if not path.exists():
        path = eml.with_name(f"{eml.stem}.expected.txt")
    return path.read_text(encoding="utf-8").rstrip("\n")


@pytest.mark.parametrize("eml", REPLIES, ids=[eml.stem for eml in REPLIES])
def test_each_reply_in_the_corpus_posts_what_was_written(eml):
    assert posted(eml) == expected(eml)


ALTERNATIVES = [eml for eml in REPLIES if parse(eml).get_content_type() == "multipart/alternative"]


@pytest.mark.parametrize("eml", ALTERNATIVES, ids=[eml.stem for eml in ALTERNATIVES])
def test_the_html_alternative_posts_the_same_text(eml):
    # <name>.html.expected.txt, when a client's HTML says more than its plain text (links)
    assert posted(eml, preference=("html",)) == expected(eml, ".html")


# The clients the corpus must hold, by the prefixes of their files' names.
CLIENTS = {
    "Outlook": ("outlook-desktop",),
    "Gmail on the web": ("gmail-web",),
    "Gmail for Android": ("gmail-android",),
    "Apple Mail": ("apple-mail",),
    "iOS Mail": ("ios",),
    "Thunderbird": ("thunderbird",),
    "Android (stock, Samsung, Thunderbird for Android)": ("android", "samsung"),
    "Yahoo": ("yahoo",),
    "Outlook on the web": ("outlook-web",),
}
LANGUAGES = ("uk", "en", "ru")


def client_and_language(name: str) -> tuple[str, str]:
    """("Gmail for Android", "uk") for gmail-android-uk-wrapped; ("", …) for other clients
    (Outlook for Android and iOS)."""
    for client, prefixes in CLIENTS.items():
        for prefix in prefixes:
            if name.startswith(f"{prefix}-"):
                return client, name.removeprefix(f"{prefix}-").split("-", 1)[0]
    return "", name.split("-")[2]


def test_the_corpus_has_two_replies_of_every_client_in_every_language():
    counts = Counter(client_and_language(eml.stem) for eml in REPLIES)
    assert {language for _client, language in counts} == set(LANGUAGES), counts
    short = {
        (client, language): counts[client, language]
        for client in CLIENTS
        for language in LANGUAGES
        if counts[client, language] < 2
    }
    assert short == {}, "fewer than 2 replies"
    assert all(eml.with_name(f"{eml.stem}.expected.txt").exists() for eml in REPLIES)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_corpus_has_every_hard_layout_in_every_language(language):
    """Answers below the quote and between quotes, and a quote header wrapped onto two lines."""
    names = [eml.stem for eml in REPLIES if client_and_language(eml.stem)[1] == language]
    for layout in ("bottom", "interleaved", "wrapped"):
        assert any(name.endswith(f"-{layout}") for name in names), layout


def test_ukrainian_wrapped_headers_of_gmail_and_apple_mail_are_in_the_corpus():
    names = {eml.stem for eml in REPLIES}
    assert {"gmail-web-uk-wrapped", "gmail-android-uk-wrapped", "apple-mail-uk-wrapped"} <= names


QUOTE = (
    "> Alice Author · 2025-05-05 10:00 EEST\n"
    ">\n"
    "> Can you confirm the delivery date?\n"
    ">\n"
    "> ---\n"
    "> Reply to this e-mail to answer in the thread; keep your answer above this line.\n"
)


def test_a_bottom_posted_reply_is_not_empty():
    reply = f"On 05/05/2025 10:00, Alice Author wrote:\n{QUOTE}\nYes, on 12 May.\n\n-- \nBob\n"
    assert reply_text(reply) == "Yes, on 12 May."


UK_QUOTE = "> Чи підтвердите дату доставки?\n>\n> ---\n> Відповідайте над цим рядком.\n"
UK_GMAIL_WRAPPED = (
    "пн, 5 трав. 2025 р. о 10:00 Олена Коваль з Житомирської обласної адміністрації <\n"
    "notify@bridge.example> пише:"
)


@pytest.mark.parametrize(
    "header",
    [
        # Apple Mail (uk), wrapped after the address
        "5 трав. 2025 р. о 10:00 Олена Коваль з Житомирської ОВА <notify@bridge.example>\n"
        "написав(-ла):",
        UK_GMAIL_WRAPPED,  # Gmail (uk), wrapped inside the address
        # Thunderbird (uk)
        "05.05.2025 10:00, Олена Коваль з Житомирської обласної військової адміністрації\nнаписав:",
    ],
    ids=["apple-mail", "gmail", "thunderbird"],
)
def test_a_ukrainian_quote_header_wrapped_onto_two_lines_is_cut(header):
    assert reply_text(f"Так, 12 травня.\n\n{header}\n\n{UK_QUOTE}") == "Так, 12 травня."


def test_a_bottom_posted_ukrainian_reply_under_a_wrapped_header_is_kept():
    assert reply_text(f"{UK_GMAIL_WRAPPED}\n\n{UK_QUOTE}\nТак, 12 травня.\n") == "Так, 12 травня."


def test_a_reply_that_is_only_quote_posts_the_full_text_as_a_quote():
    reply = f"On 05/05/2025 10:00, Alice Author wrote:\n{QUOTE}"
    assert reply_text(reply) == (
        "> On 05/05/2025 10:00, Alice Author wrote:\n"
        "> Alice Author · 2025-05-05 10:00 EEST\n"
        ">\n"
        "> Can you confirm the delivery date?\n"
        ">\n"
        "> ---\n"
        "> Reply to this e-mail to answer in the thread; keep your answer above this line."
    )


def test_a_reply_with_nothing_new_and_no_quote_is_empty():
    assert reply_text("\n-- \nBob Reader\nIndiana liaison\n") == ""
    assert reply_text("Sent from my iPhone\n") == ""


def test_a_caller_with_attachments_can_refuse_the_quote_only_text():
    reply = f"On 05/05/2025 10:00, Alice Author wrote:\n{QUOTE}"
    assert reply_text(reply, quote_if_empty=False) == ""


def test_unquoted_history_alone_is_posted_as_a_quote():
    reply = (
        "From: Alice Author <alice@example.org>\n"
        "Sent: Monday, May 5, 2025 10:00 AM\n"
        "To: Bob Reader <bob@example.org>\n"
        "\n"
        "Can you confirm the delivery date?\n"
    )
    assert reply_text(reply) == (
        "> From: Alice Author <alice@example.org>\n"
        "> Sent: Monday, May 5, 2025 10:00 AM\n"
        "> To: Bob Reader <bob@example.org>\n"
        ">\n"
        "> Can you confirm the delivery date?"
    )


def test_from_alone_in_prose_is_kept():
    reply = "From: the Ministry we heard that the permit is ready.\nWe collect it on Monday.\n"
    assert reply_text(reply) == reply.strip()


def test_an_outlook_header_block_cuts_only_with_two_header_lines():
    reply = (
        "The permit is ready.\n\n"
        "Від: Олена Коваль <olena@example.org>\n"
        "Надіслано: понеділок, 5 травня 2025 р. 10:00\n"
        "Кому: Bob Reader <bob@example.org>\n"
        "Тема: Дозвіл\n\n"
        "Чи готовий дозвіл?\n"
    )
    assert reply_text(reply) == "The permit is ready."


def test_interleaved_answers_keep_each_answer_after_what_it_answers():
    reply = (
        "On Mon, 5 May 2025 at 10:00, Alice Author <alice@example.org> wrote:\n"
        "> When do the trucks leave?\n"
        "On 12 May.\n"
        "> Who drives?\n"
        ">\n"
        "Taras and Ivan.\n"
        "> Alice\n"
    )
    assert reply_text(reply) == (
        "> When do the trucks leave?\n\nOn 12 May.\n\n> Who drives?\n\nTaras and Ivan."
    )


@pytest.mark.parametrize(
    "header",
    [
        "On Mon, 5 May 2025 at 10:00, Alice Author <alice@example.org> wrote:",
        "On Monday, May 5, 2025 at 10:00:00 AM GMT+3, Alice Author <alice@example.org> wrote:",
        "5 трав. 2025 р. о 10:00 Олена Коваль <olena@example.org> написав(-ла):",
        "пн, 5 трав. 2025 р. о 10:00 Олена Коваль <olena@example.org> пише:",
        "05.05.2025 10:00, Олена Коваль написала:",
        "05.05.2025 10:00, Олена Коваль написав:",
        "5 мая 2025 г. 10:00 пользователь Алиса <alice@example.org> написал:",
        "5 мая 2025 г., в 10:00, Алиса <alice@example.org> написал(а):",
        "05.05.2025 10:00, Алиса писал:",
        "пн, 5 мая 2025 г. в 10:00, Алиса <alice@example.org>:",
        "-----Original Message-----",
        "-----Оригінальне повідомлення-----",
        "-----Исходное сообщение-----",
    ],
)
def test_localized_quote_headers_start_the_history(header):
    reply = f"Agreed.\n\n{header}\nFrom: Alice\nSent: Monday\n\nThe old text.\n"
    assert reply_text(reply) == "Agreed."


@pytest.mark.parametrize(
    "signature",
    [
        "Sent from my iPhone",
        "Надіслано з iPhone",
        "Отправлено с iPhone",
        "Sent from my Galaxy",
        "Sent from Yahoo Mail on Android",
        "Get Outlook for iOS<https://aka.ms/o0ukef>",
    ],
)
def test_device_signatures_are_dropped(signature):
    assert reply_text(f"Agreed.\n\n{signature}\n") == "Agreed."


def test_a_weak_header_does_not_cut_prose():
    reply = "The minister wrote:\nWe approve the shipment.\n"
    assert reply_text(reply) == reply.strip()


def test_html_quotes_and_outlook_history_are_cut():
    gmail = (
        '<div dir="ltr">Yes &amp; <b>12 May</b>.</div><div class="gmail_quote">'
        '<div class="gmail_attr">Am 5. Mai 2025 schrieb Alice:</div>'
        "<blockquote>Old</blockquote></div>"
    )
    assert reply_text(gmail, html=True) == "Yes & 12 May."
    outlook = (
        "<p class=MsoNormal>Agreed.</p><div id=divRplyFwdMsg><b>De:</b> Alice</div><p>Old text</p>"
    )
    assert reply_text(outlook, html=True) == "Agreed."
    hostile = "<p>Fine</p><script>alert(1)</script><style>p{}</style>"
    assert reply_text(hostile, html=True) == "Fine"
    # an unknown language: the structure (gmail_quote, a border-top box, a field) is enough
    german = (
        "<p class=MsoNormal>Einverstanden.</p>"
        "<div style='border:none;border-top:solid #E1E1E1 1.0pt'>"
        "<p class=MsoNormal><b>Von:</b> Alice<br><b>Gesendet:</b> Montag</p></div>"
        "<p class=MsoNormal>Alter Text</p>"
    )
    assert reply_text(german, html=True) == "Einverstanden."


def test_nasty_html_posts_only_the_text_a_reader_saw():
    """HTML mail is read by a parser, not stripped with a pattern: hidden parts stay hidden,
    entities are decoded once, and broken markup costs nothing but its tags."""
    nasty = (
        "<html><head><title>TITLE</title><style>p{color:red} .x::before{content:'STYLE'}</style>"
        '<script>document.write("<p>SCRIPT</p>")</script></head><body>'
        "<!-- a COMMENT <p>with a tag</p> -->"
        "<p>Fish &amp; chips &lt;b&gt;literally&lt;/b&gt; &#x41;&#66; caf&eacute;&nbsp;ok"
        "<p>Second <b>paragraph<i> never closed"
        '<div style="display: none">INVISIBLE</div><noscript>NOSCRIPT</noscript>'
        "<template>TEMPLATE</template><![CDATA[CDATA]]>"
        '<a href="javascript:alert(1)">a link</a> <img src=x onerror="alert(1)">'
        "<script>unterminated SCRIPT"
    )
    assert reply_text(nasty, html=True) == (
        "Fish & chips <b>literally</b> AB café ok\n\nSecond paragraph never closed\na link"
    )


def test_hostile_html_comes_out_as_the_text_a_reader_saw():
    """Script, style, comments, templates and noscript never reach the text; escaped markup
    comes out as the literal text it shows; broken markup and a NUL cost nothing."""
    hostile = (
        "<!DOCTYPE html><html><head><title>TITLE</title>"
        "<style>b::after{content:'STYLE'} /* </p>STYLE */</style>"
        "<script>var s = '</p><p>SCRIPT'; document.write('<p>SCRIPT</p>');</script></head><body>"
        "<!-- a COMMENT <p>with a tag</p> -- still COMMENT -->"
        "<p>Hello &lt;script&gt;alert(1)&lt;/script&gt; &amp;amp; caf&eacute;"
        "<p>A <b>bold start\x00 and no end"
        "<template><p>TEMPLATE</p></template><noscript><p>NOSCRIPT</p></noscript>"
        "<script>unterminated SCRIPT"
    )
    text = reply_text(hostile, html=True)
    for hidden in ("TITLE", "STYLE", "SCRIPT", "COMMENT", "TEMPLATE", "NOSCRIPT"):
        assert hidden not in text
    # the NUL goes no further than the services, which drop it before saving
    assert text.replace("\x00", "") == (
        "Hello <script>alert(1)</script> &amp; café\n\nA bold start and no end"
    )


def test_a_deeply_nested_two_megabyte_reply_is_read_in_linear_time():
    # 236,000 levels: a recursive reader would overflow the stack, a quadratic one (html5ever,
    # under nh3, scans the open elements at each <div>/<blockquote>) would take hours
    deep = "<p>On top.</p>" + "<div><blockquote>" * 118_000 + "deep" + "</blockquote></div>" * 9
    assert len(deep) > 2_000_000
    started = time.perf_counter()
    assert reply_text(deep, html=True) == "On top."
    assert time.perf_counter() - started < 10  # about 4 s here, mostly html.parser itself


def test_a_header_in_an_unknown_language_is_cut_when_quoted_lines_follow():
    reply = "Antwort.\n\nAm Mo., 5. Mai 2025 um 10:00 Uhr schrieb Alice <a@example.org>:\n> Alt\n"
    assert reply_text(reply) == "Antwort."


def test_strip_reply_is_kept_for_old_callers():
    assert strip_reply is reply_text


def test_a_long_trailing_quote_is_folded_when_shown():
    body = reply_text("On 05/05/2025 10:00, Alice Author wrote:\n" + QUOTE * 3)
    html = render(body)
    assert html.startswith("<details><summary>On 05/05/2025 10:00, Alice Author wrote:</summary>")
    assert "<blockquote>" in html and html.endswith("</details>")
    short = render("Agreed.\n\n> Can you confirm?")
    assert "<details>" not in short and "<blockquote>" in short
