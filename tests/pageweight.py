"""What a page costs on first load: its HTML plus the static files it links (no cache)."""

import gzip
import re
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.test.utils import CaptureQueriesContext

_ASSET = re.compile(r'(?:href|src)="(/static/[^"?#]+)"')


def first_load(response) -> tuple[int, int]:
    """(raw bytes, gzip bytes) of the HTML and every distinct static asset it references."""
    html = response.content
    raw, packed = len(html), len(gzip.compress(html))
    for url in sorted(set(_ASSET.findall(html.decode()))):
        name = url.removeprefix("/static/")
        collected = Path(settings.STATIC_ROOT) / name  # hashed names under the manifest storage
        path = collected if collected.is_file() else finders.find(name)
        assert path, f"missing static file {url}"
        with open(path, "rb") as handle:
            data = handle.read()
        raw += len(data)
        packed += len(gzip.compress(data))
    return raw, packed


def measure(client, url: str, connection) -> tuple[int, int, int, int]:
    """(status, raw bytes, gzip bytes, queries) for one GET."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    raw, packed = first_load(response)
    return response.status_code, raw, packed, len(queries)
