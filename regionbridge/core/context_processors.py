from regionbridge import policy
from regionbridge.messaging.selectors import unread_badge_of
from regionbridge.outbox.notifications import unread_count
from regionbridge.partnerships.selectors import review_queue
from regionbridge.twofactor.gate import pending


def navigation(request):
    user = getattr(request, "user", None)
    if pending(request):  # only a password so far: nothing of the person's work is shown
        return {"second_factor_pending": True}
    talks = policy.can(user, policy.Action.THREAD_START)
    reviews = policy.can(user, policy.Action.REVIEW_QUEUE_VIEW)
    return {
        "nav_directory": policy.can(user, policy.Action.DIRECTORY_VIEW),
        "nav_registry": policy.can(user, policy.Action.REGISTRY_BROWSE),
        "nav_audit": policy.can(user, policy.Action.AUDIT_VIEW),
        "nav_oversight": policy.can(user, policy.Action.OVERSIGHT_VIEW),
        "nav_matching": policy.can(user, policy.Action.POST_BROWSE),
        "nav_reviews": reviews,
        # The review queue's badge: drafts waiting for my ministry's decision (all drafts under
        # review for coordinators); one count, made only when the menu shows the item.
        "reviews_waiting": (lambda: review_queue(user).prefetch_related(None).count())
        if reviews
        else 0,
        "nav_messages": talks,
        "unread_messages": unread_badge_of(request) if talks else 0,
        # The bell: one indexed count, only for signed-in people, and only when a page shows it
        # (a template calls it once, through {% with %}).
        "notifications_unread": (lambda: unread_count(user))
        if getattr(user, "is_authenticated", False)
        else 0,
    }
