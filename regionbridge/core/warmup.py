"""What a server process loads before its first request, so that nobody's request pays for it.

Left lazy, the first message posted in a process loaded simplemma's Ukrainian and English
dictionaries (1.6 s on the project's machine) and the first request of each kind imported its
views and the API's schemas: a POST of 1.7 s in the live benchmark. A worker now takes that time
once, while it starts, before it listens.
"""

import gc

from django.urls import get_resolver


def warm() -> None:
    from regionbridge.messaging.text import lemmas, render

    get_resolver().url_patterns  # noqa: B018 — imports every view, the API and its schemas
    lemmas("Добрий день, good morning")  # loads both dictionaries
    render("*warm*")  # Markdown's extensions
    # What is loaded now lives as long as the process: out of the collector's sight, so that a
    # full collection walks a page's garbage, not every module and template (180 ms → 65 ms).
    gc.collect()
    gc.freeze()
