from django.conf import settings
from ninja import Field, Schema
from ninja.pagination import PageNumberPagination

# Keeps the row offset inside 64 bits whatever the page size.
MAX_PAGE = 1_000_000


class Pages(PageNumberPagination):
    """`page` (1…1,000,000) and `page_size` (1…200, default 50); returns items and count."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE)
        page_size: int | None = Field(None, ge=1)

    def __init__(self, **kwargs):
        super().__init__(
            page_size=settings.API_PAGE_SIZE, max_page_size=settings.API_MAX_PAGE_SIZE, **kwargs
        )
