"""The policy's shape: one door, a rule for every action and for every model a page, an endpoint
or a service asks about, and rules that take a scope (which carries the user's id)."""

import ast
from pathlib import Path

import pytest
from django.apps import apps
from django.core import checks

from regionbridge import policy
from regionbridge.policy import registry
from regionbridge.policy.scope import ANONYMOUS, Scope
from tests.factories import UserFactory

PACKAGE = Path(policy.__file__).resolve().parent.parent
SOURCES = sorted(
    path
    for path in PACKAGE.rglob("*.py")
    if "migrations" not in path.parts and PACKAGE / "policy" not in path.parents
)


def _calls(name: str):
    """Every call `policy.<name>(…)` in the project's code, as (path, line, node)."""
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == name
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "policy"
            ):
                yield path, node.lineno, node


def _model_named(name: str):
    found = [model for model in apps.get_models() if model.__name__ == name]
    assert len(found) == 1, f"{name} names {len(found)} models"
    return found[0]


def test_every_action_has_a_rule_and_the_system_check_says_so():
    assert registry.actions_without_rule() == []
    errors = checks.run_checks()
    assert not [e for e in errors if e.id and e.id.startswith("policy.")]


def test_an_action_without_a_rule_fails_the_system_check(monkeypatch):
    rules = dict(registry.OBJECT_RULES)
    del rules[policy.Action.THREAD_INVITE]
    monkeypatch.setattr(registry, "OBJECT_RULES", rules)
    errors = policy.check_every_action_has_a_rule()
    assert [e.id for e in errors] == ["policy.E001"]
    assert "THREAD_INVITE" in errors[0].msg


def test_a_second_rule_for_the_same_action_is_refused():
    with pytest.raises(ValueError, match="two rules"):
        registry.allows(policy.Action.REGION_VIEW)(lambda scope, obj: True)


def test_every_model_the_code_asks_about_has_a_rule():
    """Each `policy.visible(user, Model)` and `policy.published(Model)` in pages, endpoints,
    services and selectors names a model the registry has a rule for (not just at run time)."""
    asked = []
    for kind, table, position in (
        ("visible", registry.VISIBILITY_RULES, 1),
        ("published", registry.PUBLICATION_RULES, 0),
    ):
        for path, line, call in _calls(kind):
            argument = call.args[position] if len(call.args) > position else None
            if isinstance(argument, ast.Name) and argument.id[:1].isupper():
                model = _model_named(argument.id)
                asked.append(model)
                assert model in table, f"{path.name}:{line}: no {kind} rule for {argument.id}"
    assert len(set(asked)) >= 12  # the scan found the calls


def test_every_action_the_code_names_exists():
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Attribute | ast.Name)
                and getattr(node.value, "attr", getattr(node.value, "id", None)) == "Action"
            ):
                assert node.attr in policy.Action.__members__, f"{path.name}: {node.attr}"


def test_the_door_is_the_only_way_in():
    """Nobody outside the package imports its modules: `from regionbridge import policy`."""
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
                if node.module == "regionbridge":
                    names = [f"regionbridge.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            for name in names:
                assert not name.startswith("regionbridge.policy."), f"{path}: imports {name}"


@pytest.mark.django_db
def test_the_scope_carries_the_users_id_and_rules_take_a_scope():
    user = UserFactory()
    scope = policy.scope_of(user)
    assert scope.user_id == user.pk
    assert policy.scope_of(scope) is scope
    assert policy.scope_of(None) is ANONYMOUS
    # A rule may be asked with a scope as well as with a user, and answers the same.
    assert policy.can(scope, policy.Action.TOKEN_MANAGE) == policy.can(user, "token.manage")
    assert isinstance(scope, Scope) and not scope.is_member


def test_an_unknown_action_is_an_error_not_a_no():
    with pytest.raises(LookupError):
        policy.can(None, "partnership.delete_everything")
    with pytest.raises(LookupError):
        policy.published(_model_named("Thread"))
