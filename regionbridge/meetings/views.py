"""Placeholder: being written in this session."""


def meeting_list(request, **kwargs):
    from django.http import Http404

    raise Http404


def meeting_new(request, **kwargs):
    from django.http import Http404

    raise Http404


def meeting_detail(request, **kwargs):
    from django.http import Http404

    raise Http404


def meeting_edit(request, **kwargs):
    from django.http import Http404

    raise Http404


def meeting_cancel(request, **kwargs):
    from django.http import Http404

    raise Http404


def meeting_answer(request, **kwargs):
    from django.http import Http404

    raise Http404


def meeting_minutes(request, **kwargs):
    from django.http import Http404

    raise Http404


def decision_add(request, **kwargs):
    from django.http import Http404

    raise Http404


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
