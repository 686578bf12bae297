from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def form_page(request: HttpRequest, form, title: str, **context) -> HttpResponse:
    """The shared form page; a POST that reaches it was refused, so it answers 400."""
    status = 400 if request.method == "POST" else 200
    return render(
        request, "partnerships/form.html", {"form": form, "title": title, **context}, status=status
    )
