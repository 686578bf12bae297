"""Routes for bulk import and the taxonomy editor, included by matching/urls.py."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
