"""Placeholder: being written in this session."""


def ties_page(request, **kwargs):
    from django.http import Http404

    raise Http404
