"""No router or page decides who may read what: they ask the read gate.

The gate is `read_scope` / `require_read` in timebank/application/authz.py (reached through
the services' `read_scope`), and `projections/scoping.py` turns its answer into the query
filter. A module under api/ that imports role constants, looks at an actor's role, or builds
an office-path prefix is deciding a scope itself: that is where a new page leaks another
office's data, so this test names the module and the line.
"""

from __future__ import annotations

import ast
from pathlib import Path

import api
from timebank.application import authz
from timebank.domain.users import ROLES

API_DIR = Path(api.__file__).parent

# What api/ may take from the gate: the kinds of things one reads, and the role-free
# questions about them. Role constants and the low-level checks stay in the application.
ALLOWED_FROM_AUTHZ = frozenset(
    {name for name, value in vars(authz).items() if isinstance(value, authz.Readable)}
    | {"Readable", "may_read", "require_reader", "start_of"}
)
ALLOWED_FROM_ACTORS = frozenset({"Actor"})
ROLE_WORDS = frozenset(ROLES)
# Where a role's name is the contract's own vocabulary, not a permission decision (the
# OpenAPI document's audience tags, api/operations.py, are named after who calls them).
ROLE_WORDS_ALLOWED_IN = frozenset({"schemas.py", "operations.py"})
PATH_BUILDERS = frozenset({"office_path", "subtree_path", "subtree_office_ids"})


def violations_in(source: str, filename: str = "module.py") -> list[str]:
    """Every place in `source` that decides a read scope instead of asking the gate."""
    found: list[str] = []

    def flag(node: ast.AST, what: str) -> None:
        found.append(f"{filename}:{getattr(node, 'lineno', '?')}: {what}")

    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            names = {alias.name for alias in node.names}
            if node.module == "timebank.application.authz":
                for name in sorted(names - ALLOWED_FROM_AUTHZ):
                    flag(node, f"imports {name} from the permission rules")
            elif node.module == "timebank.domain.actors":
                for name in sorted(names - ALLOWED_FROM_ACTORS):
                    flag(node, f"imports {name} (roles are the application's business)")
            elif node.module == "projections.tables" and "offices" in names:
                flag(node, "imports the offices table (subtrees come from the gate's scope)")
            elif node.module == "timebank.domain.reading":
                flag(node, "makes its own ReadScope (ask services.read_scope)")
            elif node.module in ("projections.offices", "projections.queries"):
                for name in sorted(names & PATH_BUILDERS):
                    flag(node, f"imports {name}, an office-path builder")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in ("timebank.application.authz", "timebank.domain.reading"):
                    flag(node, f"imports {alias.name} whole")
        elif isinstance(node, ast.Attribute):
            if node.attr == "is_admin":
                flag(node, "asks whether the actor is an administrator")
            elif node.attr == "role" and _name_of(node.value) == "actor":
                flag(node, "looks at the actor's role")
            elif node.attr == "path" and _is_offices_columns(node.value):
                flag(node, "filters by office path")
            elif node.attr in PATH_BUILDERS:
                flag(node, f"calls {node.attr}, an office-path builder")
            elif node.attr in ("everything", "subtree", "own") and (
                _name_of(node.value) == "ReadScope"
            ):
                flag(node, "makes its own ReadScope (ask services.read_scope)")
        elif isinstance(node, ast.Name) and node.id in PATH_BUILDERS:
            flag(node, f"calls {node.id}, an office-path builder")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if "/none/" in node.value:
                flag(node, "falls back to a path prefix that matches nothing")
            elif node.value in ROLE_WORDS and filename not in ROLE_WORDS_ALLOWED_IN:
                flag(node, f"names the role {node.value!r}")
    return found


def _name_of(node: ast.AST) -> str | None:
    return node.id if isinstance(node, ast.Name) else None


def _is_offices_columns(node: ast.AST) -> bool:
    """`offices.c` (the read model's office tree, whose paths make subtrees)."""
    return isinstance(node, ast.Attribute) and node.attr == "c" and _name_of(node.value) == (
        "offices")


def test_no_module_under_api_decides_a_read_scope_itself() -> None:
    found: list[str] = []
    modules = sorted(API_DIR.rglob("*.py"))
    assert len(modules) > 20, "the api package was not found where expected"
    for module in modules:
        found += violations_in(module.read_text(encoding="utf-8"),
                               str(module.relative_to(API_DIR)))
    assert not found, "Ask the read gate (services.read_scope) instead:\n" + "\n".join(found)


def test_the_guard_recognises_each_way_of_deciding_a_scope_by_hand() -> None:
    # The ways pages decided scopes before the gate: each must be named by the guard.
    cases = {
        "from timebank.application.authz import READERS, require_scope": 2,
        "from timebank.domain.actors import ADMIN_ROLE, Actor": 1,
        "from projections.tables import offices, activities": 1,
        "x = prefix or '/none/'": 1,
        "if not actor.is_admin: pass": 1,
        "ok = actor.role == 'treasurer'": 2,
        "q = select(offices.c.office_id).where(offices.c.path.startswith(p))": 1,
        "p = queries.office_path(engine, office_id)": 1,
        "ids = queries.subtree_office_ids(engine, p)": 1,
        "from timebank.domain.reading import ReadScope": 1,
        "s = ReadScope.everything()": 1,
        "import timebank.application.authz": 1,
    }
    for source, expected in cases.items():
        assert len(violations_in(source)) == expected, (source, violations_in(source))
    # Asking the gate is not a violation.
    asking = (
        "from timebank.application.authz import FUNDS, SERVICE_RECORDS, may_read\n"
        "scope = services.read_scope(actor, SERVICE_RECORDS, office_id)\n"
        "rows = queries.list_service_records(engine, scope)\n"
        "if user.role: pass\n"
    )
    assert violations_in(asking) == []
