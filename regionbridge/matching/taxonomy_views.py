"""The taxonomy's pages: every member reads it (searched, paged), downloads its file and its
versions; coordinators add, change and delete topics, each change a new version."""

import json
import unicodedata
from typing import Any

from django import forms
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from regionbridge import policy
from regionbridge.core.access import requires
from regionbridge.matching import taxonomy
from regionbridge.matching.models import TaxonomyVersion, Topic
from regionbridge.organizations.models import InstitutionType
from regionbridge.partnerships.models import Sphere

PAGE_SIZE = 50
Action = policy.Action


# --- reading --------------------------------------------------------------------------------


def _shipped_topics() -> list[Topic]:
    """The shipped file's topics as unsaved rows, while no version is in the database."""
    return taxonomy.file_rows(taxonomy.shipped_data())


def topics_for(user: Any, query: str) -> Any:
    """The topics a list shows: the rows (searched in SQL), or the shipped file's before the
    first version."""
    if TaxonomyVersion.objects.exists():
        return taxonomy.topic_search(policy.visible(user, Topic), query).order_by("code")
    words = " ".join(query.split()).casefold()
    fields = ("code", "label_uk", "label_en", "synonyms_uk", "synonyms_en")
    return [
        topic
        for topic in _shipped_topics()
        if not words or any(words in getattr(topic, name).casefold() for name in fields)
    ]


def access_topic(user: Any, code: str) -> Topic:
    """A topic by its code, from the rows or (before the first version) the shipped file."""
    if TaxonomyVersion.objects.exists():
        topic = policy.visible(user, Topic).filter(code=code).first()
    else:
        topic = next((t for t in _shipped_topics() if t.code == code), None)
    if topic is None:
        raise Http404
    return topic


@login_required
@requires(Action.POST_BROWSE)
def topic_list(request: HttpRequest) -> HttpResponse:
    """The topics with their labels, synonyms and related topics; searched by any of them."""
    query = request.GET.get("q", "")[:200].strip()
    topics = topics_for(request.user, query)
    page = Paginator(topics, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "topics": page.object_list,
        "query": query,
        "version": taxonomy.latest(),
        "can_edit": policy.can(request.user, Action.TAXONOMY_EDIT),
        "sphere_names": {s.code: s.name for s in Sphere.objects.all()},
        "type_names": dict(InstitutionType.choices),
    }
    return render(request, "matching/taxonomy_list.html", context)


def _json_file(data: dict[str, Any], filename: str) -> HttpResponse:
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=1) + "\n",
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@requires(Action.POST_BROWSE)
def taxonomy_file(request: HttpRequest) -> HttpResponse:
    """The current taxonomy as the file `regionbridge match --taxonomy FILE` reads."""
    return _json_file(taxonomy.export(), "taxonomy.json")


@login_required
@requires(Action.POST_BROWSE)
def version_list(request: HttpRequest) -> HttpResponse:
    versions = (
        policy.visible(request.user, TaxonomyVersion)
        .defer("snapshot")
        .select_related("by")
        .order_by("-number")
    )
    page = Paginator(versions, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "matching/taxonomy_versions.html", {"page": page, "versions": page.object_list}
    )


@login_required
@requires(Action.POST_BROWSE)
def version_file(request: HttpRequest, number: int) -> HttpResponse:
    if number > 2**31:
        raise Http404
    version = policy.visible(request.user, TaxonomyVersion).filter(number=number).first()
    if version is None:
        raise Http404
    return _json_file(version.snapshot, f"taxonomy-v{version.number}.json")


# --- editing --------------------------------------------------------------------------------


class TopicForm(forms.Form):
    code = forms.SlugField(
        label=gettext_lazy("Code"),
        max_length=taxonomy.CODE_MAX,
        help_text=gettext_lazy(
            "Small Latin letters, digits and hyphens, e.g. upper-limb-prosthetics. It cannot be "
            "changed later: needs, offers and other topics name it."
        ),
    )
    uk = forms.CharField(label=gettext_lazy("Label in Ukrainian"), max_length=taxonomy.LABEL_MAX)
    en = forms.CharField(label=gettext_lazy("Label in English"), max_length=taxonomy.LABEL_MAX)
    synonyms_uk = forms.CharField(
        label=gettext_lazy("Synonyms in Ukrainian"),
        required=False,
        max_length=taxonomy.SYNONYMS_MAX * (taxonomy.SYNONYM_MAX + 2),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy("One word or phrase a line, e.g. протези."),
    )
    synonyms_en = forms.CharField(
        label=gettext_lazy("Synonyms in English"),
        required=False,
        max_length=taxonomy.SYNONYMS_MAX * (taxonomy.SYNONYM_MAX + 2),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy("One word or phrase a line, e.g. limb fitting."),
    )
    related = forms.CharField(
        label=gettext_lazy("Related topics"),
        required=False,
        max_length=3000,
        help_text=gettext_lazy("Codes of other topics, separated by commas."),
    )
    spheres = forms.MultipleChoiceField(
        label=gettext_lazy("Spheres"), required=False, widget=forms.CheckboxSelectMultiple
    )
    institution_types = forms.MultipleChoiceField(
        label=gettext_lazy("Types of institution"),
        required=False,
        choices=InstitutionType.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(
        label=gettext_lazy("What changed and why"),
        required=False,
        max_length=taxonomy.NOTE_MAX,
        help_text=gettext_lazy("Kept with the new version."),
    )

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["spheres"].choices = [
            (s.code, s.name) for s in Sphere.objects.order_by("order", "code")
        ]
        if editing:
            del self.fields["code"]

    def entry(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "code": data.get("code", ""),
            "uk": data["uk"],
            "en": data["en"],
            "synonyms": {"uk": data["synonyms_uk"], "en": data["synonyms_en"]},
            "related": data["related"],
            "spheres": data["spheres"],
            "institution_types": data["institution_types"],
        }

    def refused(self, exc: ValidationError) -> None:
        """The service's refusals on their fields (the form's own names)."""
        names = {"synonyms": "synonyms_uk"}
        if hasattr(exc, "error_dict"):
            for name, messages in exc.message_dict.items():
                name = names.get(name, name)
                for message in messages:
                    self.add_error(name if name in self.fields else None, message)
        else:
            for message in exc.messages:
                self.add_error(None, message)


def _initial(topic: Topic) -> dict[str, Any]:
    return {
        "code": topic.code,
        "uk": topic.label_uk,
        "en": topic.label_en,
        "synonyms_uk": topic.synonyms_uk,
        "synonyms_en": topic.synonyms_en,
        "related": ", ".join(topic.related),
        "spheres": list(topic.spheres),
        "institution_types": list(topic.institution_types),
    }


def _form_page(
    request: HttpRequest, form: TopicForm, topic: Topic | None, status: int = 200
) -> HttpResponse:
    return render(
        request, "matching/taxonomy_form.html", {"form": form, "topic": topic}, status=status
    )


@login_required
@requires(Action.TAXONOMY_EDIT)
def topic_new(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _form_page(request, TopicForm(), None)
    form = TopicForm(request.POST)
    if form.is_valid():
        try:
            topic = taxonomy.topic_create(
                by=request.user, data=form.entry(), note=form.cleaned_data["note"]
            )
        except ValidationError as exc:
            form.refused(exc)
        else:
            flash.success(
                request,
                _("The topic %(code)s was added (version %(number)s).")
                % {"code": topic.code, "number": taxonomy.latest().number},
            )
            return redirect(f"{_list_url()}?q={topic.code}")
    return _form_page(request, form, None, status=400)


def _list_url() -> str:
    return reverse("matching:taxonomy")


@login_required
@requires(Action.TAXONOMY_EDIT)
def topic_edit(request: HttpRequest, code: str) -> HttpResponse:
    topic = access_topic(request.user, code)
    if request.method != "POST":
        return _form_page(request, TopicForm(initial=_initial(topic), editing=True), topic)
    form = TopicForm(request.POST, editing=True)
    if form.is_valid():
        try:
            taxonomy.topic_update(
                by=request.user, topic=topic, data=form.entry(), note=form.cleaned_data["note"]
            )
        except ValidationError as exc:
            form.refused(exc)
        else:
            flash.success(request, _("The topic %(code)s was saved.") % {"code": topic.code})
            return redirect(f"{_list_url()}?q={topic.code}")
    return _form_page(request, form, topic, status=400)


@login_required
@requires(Action.TAXONOMY_EDIT)
def topic_delete(request: HttpRequest, code: str) -> HttpResponse:
    """A confirmation page, then the topic goes (in a new version; older ones keep it)."""
    topic = access_topic(request.user, code)
    if request.method == "POST":
        note = "".join(c for c in request.POST.get("note", "") if unicodedata.category(c)[0] != "C")
        version = taxonomy.topic_delete(by=request.user, topic=topic, note=note[:300])
        flash.success(
            request,
            _("The topic %(code)s was deleted (version %(number)s).")
            % {"code": topic.code, "number": version.number},
        )
        return redirect("matching:taxonomy")
    return render(request, "matching/taxonomy_delete.html", {"topic": topic})
