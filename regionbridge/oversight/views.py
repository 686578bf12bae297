"""Placeholder: being written in this session."""


def dashboard(request, **kwargs):
    from django.http import Http404

    raise Http404
