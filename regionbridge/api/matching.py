"""Needs, offers and their matches: `/api/v1/needs`, `/api/v1/offers`, … (issue 14)."""

from ninja import Router

router = Router(tags=["needs and offers"])
