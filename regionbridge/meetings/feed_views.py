"""Placeholder: being written in this session."""


def invitation_file(request, **kwargs):
    from django.http import Http404

    raise Http404


def feed_manage(request, **kwargs):
    from django.http import Http404

    raise Http404


def feed(request, **kwargs):
    from django.http import Http404

    raise Http404
