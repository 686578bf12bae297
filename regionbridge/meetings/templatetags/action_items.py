"""`{% may_make_actions thread as may_act %}`: may the reader make action items from the
thread's messages (the thread page shows a link on each message when so)."""

from typing import Any

from django import template

from regionbridge import policy

register = template.Library()


@register.simple_tag(takes_context=True)
def may_make_actions(context: template.Context, thread: Any) -> bool:
    request = context.get("request")
    user = getattr(request, "user", None)
    return user is not None and policy.can(user, policy.Action.ACTION_CREATE, thread)
