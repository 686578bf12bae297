"""The policy's per-row forms (`policy.visible(user, Model, per_row=True)`) show exactly the rows
of its list forms: the same rule asked as EXISTS per row for subqueries tied to an outer row
(oversight's per-tie reads), where SQLite would rebuild an IN-list for each row."""

import pytest

from regionbridge import policy
from regionbridge.accounts.models import RoleAssignment
from regionbridge.meetings.models import ActionItem, Meeting
from regionbridge.messaging.models import Thread
from regionbridge.policy.registry import PER_ROW_RULES

pytestmark = pytest.mark.django_db

PERSONAS = ("coordinator", "ministry", "embassy", "zhytomyr", "chernihiv", "indiana", "outsider")


@pytest.fixture
def generated(reference, tmp_path, settings):
    from regionbridge.demo.generate import generate

    settings.MEDIA_ROOT = tmp_path
    generate(scale=0.03, seed=11)


def _generated_people() -> list:
    """One busy account of each role among the generated ones."""
    people = []
    for role in ("coordinator", "ministry", "embassy", "regional", "partner", "institution"):
        assignment = (
            RoleAssignment.objects.filter(role=role, user__email__contains="@gen.")
            .select_related("user")
            .order_by("user__email")
            .first()
        )
        if assignment:
            people.append(assignment.user)
    return people


def test_every_per_row_rule_has_its_list_rule():
    assert set(PER_ROW_RULES) == {Thread, Meeting, ActionItem}


@pytest.mark.parametrize("model", [Thread, Meeting, ActionItem])
def test_the_per_row_form_shows_the_same_rows(request, generated, model):
    users = [request.getfixturevalue(name) for name in PERSONAS] + _generated_people()
    everything = model.objects.count()
    partial = 0
    for user in users:
        listed = set(policy.visible(user, model).values_list("pk", flat=True))
        per_row = set(policy.visible(user, model, per_row=True).values_list("pk", flat=True))
        assert per_row == listed, f"{model.__name__} for {user.email}"
        partial += 0 < len(listed) < everything
    assert partial >= 2  # not only "all" and "none": the rules were really asked


def test_a_model_without_a_per_row_form_answers_with_its_list_rule(coordinator):
    from regionbridge.partnerships.models import Partnership

    assert str(policy.visible(coordinator, Partnership, per_row=True).query) == str(
        policy.visible(coordinator, Partnership).query
    )
