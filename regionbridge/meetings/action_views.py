"""Placeholder: being written in this session."""


def action_new(request, **kwargs):
    from django.http import Http404

    raise Http404


def action_list(request, **kwargs):
    from django.http import Http404

    raise Http404


def action_detail(request, **kwargs):
    from django.http import Http404

    raise Http404


def action_from_message(request, **kwargs):
    from django.http import Http404

    raise Http404
