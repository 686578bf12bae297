"""Placeholder: being written in this session."""


def briefing_page(request, **kwargs):
    from django.http import Http404

    raise Http404


def briefing_pdf(request, **kwargs):
    from django.http import Http404

    raise Http404
