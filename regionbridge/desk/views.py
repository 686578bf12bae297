from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from regionbridge.core.views import home as public_home
from regionbridge.desk.selectors import desk_blocks, my_part, my_posts
from regionbridge.messaging.selectors import unread_badge_of


def home(request: HttpRequest) -> HttpResponse:
    """`/`: the person's desk when signed in (a block per role; none without a role, and the page
    says whom to ask), the person's own actions and meetings on top, the needs and offers of those
    who post (before the blocks when a strong match is new); the public front page otherwise."""
    if not request.user.is_authenticated:
        return public_home(request)
    blocks = desk_blocks(request.user, unread=unread_badge_of(request))
    context = {"blocks": blocks, "mine": my_part(request.user), "posts": my_posts(request.user)}
    return render(request, "desk/home.html", context)
