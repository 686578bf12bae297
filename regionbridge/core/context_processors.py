from regionbridge import policy


def navigation(request):
    user = getattr(request, "user", None)
    return {
        "nav_directory": policy.can(user, policy.Action.DIRECTORY_VIEW),
        "nav_audit": policy.can(user, policy.Action.AUDIT_VIEW),
        "nav_reviews": policy.can(user, policy.Action.REVIEW_QUEUE_VIEW),
    }
