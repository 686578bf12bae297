"""Which app may import which (issue 10): the base apps import none of the domains above them.

Read from the source (every import, also inside functions), so a shortcut added later fails
here rather than in a circular import on some other day.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "regionbridge"
DOMAINS = ("organizations", "partnerships", "institutions", "messaging")


def imported(path: Path) -> set[str]:
    """The project's modules a file imports, anywhere in it."""
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
            modules.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {m for m in modules if m.startswith("regionbridge.")}


def sources(*globs: str) -> list[Path]:
    found = {path for pattern in globs for path in ROOT.glob(pattern)}
    return sorted(path for path in found if "migrations" not in path.parts)


def app_of(module: str) -> str:
    return module.split(".")[1]


LAYERS = ("models", "services", "selectors")
RULES = [
    # (files, apps they must not import; None: no app of the project at all)
    (sources("lib/**/*.py"), None),  # plain helpers
    (sources("outbox/**/*.py"), DOMAINS),  # e-mail out, for every domain
    # Roles are scoped to organizations and regions (accounts.models has the foreign keys); a
    # guest's threads follow a new account through `accounts.signals.user_created`.
    (sources("accounts/**/*.py"), ("partnerships", "messaging", "institutions")),
    (
        sources(*(f"{app}/{name}.py" for app in ("regions", "audit") for name in LAYERS)),
        (
            *DOMAINS,
            "accounts",
        ),
    ),
]


@pytest.mark.parametrize(
    ("path", "forbidden"),
    [(path, forbidden) for paths, forbidden in RULES for path in paths],
    ids=lambda value: str(value.relative_to(ROOT)) if isinstance(value, Path) else "",
)
def test_a_base_app_imports_no_app_above_it(path, forbidden):
    own = path.relative_to(ROOT).parts[0]
    if forbidden is None:  # lib: only lib itself
        wrong = {m for m in imported(path) if app_of(m) != own}
    else:
        wrong = {m for m in imported(path) if app_of(m) in forbidden}
    assert not wrong, f"{path.relative_to(ROOT)} imports {sorted(wrong)}"


def test_the_rules_see_files():
    assert all(paths for paths, _forbidden in RULES)
