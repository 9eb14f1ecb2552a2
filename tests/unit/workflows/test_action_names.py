"""No behaviour is keyed on an action name the declarations do not know.

Actions are :class:`workflows.Action` members and every rule about one is declared on its transition; code that
compares an action with a string literal, or a page that links an action by name, would go silently dead when the
action is renamed. These tests read the source (Python, templates, catalogs) and fail on any such name.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from ctpo.desk import forms
from ctpo.domain.examination.services import ExaminationService
from ctpo.domain.jobs.follow_ups import JOB_ARGS
from workflows import Action, FollowUp, FormKind, PreCheck
from workflows.machine import DEADLINE_RULES, TRANSITIONS, TRANSITIONS_BY_ACTION

ROOT = Path(__file__).resolve().parents[3]
ACTION_NAMES = {a.value for a in Action}
NOT_TRANSITIONS = {Action.FILE, Action.RESCHEDULE_DEADLINES, Action.RECORD_TRANSFER, Action.ENTER_REGIONAL_PHASE}


def _python_sources() -> list[Path]:
    files = [*(ROOT / "ctpo").rglob("*.py"), *(ROOT / "workflows").rglob("*.py")]
    return [p for p in files if "migrations" not in p.parts and p != ROOT / "workflows" / "actions.py"]


def _is_enum_class(node: ast.ClassDef) -> bool:
    return any(isinstance(b, ast.Attribute | ast.Name) and "Enum" in ast.unparse(b) for b in node.bases)


def _ignored_constants(tree: ast.AST) -> set[int]:
    """Docstrings, and the values of enum members (a deadline kind may share its name with the act meeting it)."""
    ignored: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            ignored.add(id(node.value))
        if isinstance(node, ast.ClassDef) and _is_enum_class(node):
            for item in node.body:
                if isinstance(item, ast.Assign) and isinstance(item.value, ast.Constant):
                    ignored.add(id(item.value))
    return ignored


def _action_like(node: ast.expr) -> bool:
    name = node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else ""
    return name == "action" or name.endswith("_action") or name in {"on_expiry", "satisfied_by"}


def _literals(node: ast.expr) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return [v for elt in node.elts for v in _literals(elt)]
    return []


def _keyed_literals(node: ast.AST) -> list[ast.expr]:
    """Where a literal keys behaviour: compared, a dict key, an ``action=`` argument, or a workflow call's argument."""
    if isinstance(node, ast.Compare):
        return [node.left, *node.comparators]
    if isinstance(node, ast.Dict):
        return [k for k in node.keys if k is not None]
    if isinstance(node, ast.Call):
        called = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        keyed = [k.value for k in node.keywords if k.arg == "action"]
        return keyed + (list(node.args) if called in {"decide", "declaration", "allowed_actions"} else [])
    return []


def test_python_code_names_actions_through_the_enum_only():
    offences = []
    for path in _python_sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        ignored = _ignored_constants(tree)
        where = path.relative_to(ROOT)
        for node in ast.walk(tree):
            for keyed in _keyed_literals(node):
                offences += [
                    f"{where}:{node.lineno}: {v!r} keys behaviour (use Action.{v.upper()})"
                    for v in _literals(keyed)
                    if v in ACTION_NAMES and id(keyed) not in ignored
                ]
            if isinstance(node, ast.Compare) and any(_action_like(n) for n in (node.left, *node.comparators)):
                for n in (node.left, *node.comparators):
                    offences.extend(f"{where}:{node.lineno}: action compared with {v!r}" for v in _literals(n))
    assert offences == []


def test_the_check_catches_a_bare_name(tmp_path: Path):
    tree = ast.parse("if decision.action == 'pay_renewal_fee':\n    pass\n")
    compare = next(n for n in ast.walk(tree) if isinstance(n, ast.Compare))
    assert _action_like(compare.left)
    assert _literals(compare.comparators[0]) == ["pay_renewal_fee"]


TEMPLATE_ACTION = re.compile(r"""(?:\bcan\(\s*|term\(\s*["']action["']\s*,\s*)["']([a-z_]+)["']|/actions/([a-z_]+)""")
TEMPLATE_FORM = re.compile(r"""\.form\s*==\s*["']([a-z_]+)["']""")
FORM_NAMES = {f.value for f in FormKind}


def test_templates_name_only_declared_actions_and_forms():
    unknown, named = [], 0
    for path in (ROOT / "ctpo" / "desk" / "templates").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        named += len(TEMPLATE_ACTION.findall(text))
        unknown += [
            f"{path.name}: action {n}" for m in TEMPLATE_ACTION.findall(text) if (n := "".join(m)) not in ACTION_NAMES
        ]
        unknown += [f"{path.name}: form {n}" for n in TEMPLATE_FORM.findall(text) if n not in FORM_NAMES]
    assert named > 0  # the pattern still finds the names the pages use
    assert unknown == []


def test_catalogs_translate_only_declared_actions():
    """The desk's ``action.*`` terms name actions, or the desk's own acts it flashes as done (``done="..."``)."""
    desk_acts = set(re.findall(r'done="([a-z_]+)"', (ROOT / "ctpo" / "desk" / "controllers.py").read_text("utf-8")))
    english = json.loads((ROOT / "ctpo" / "desk" / "locales" / "en.json").read_text(encoding="utf-8"))
    for path in (ROOT / "ctpo" / "desk" / "locales").glob("*.json"):
        catalog = json.loads(path.read_text(encoding="utf-8"))
        named = {k.removeprefix("action.") for k in catalog if k.startswith("action.")}
        assert named <= ACTION_NAMES | desk_acts, (path.name, named - ACTION_NAMES - desk_acts)
    assert {k.removeprefix("action.") for k in english if k.startswith("action.")} >= ACTION_NAMES


def test_every_action_but_filing_and_rescheduling_is_declared_once():
    assert [t.action for t in TRANSITIONS] == list(TRANSITIONS_BY_ACTION)
    assert set(TRANSITIONS_BY_ACTION) == set(Action) - NOT_TRANSITIONS


def test_deadline_rules_name_declared_actions():
    for rule in DEADLINE_RULES.values():
        assert rule.on_expiry in TRANSITIONS_BY_ACTION
        assert all(a in TRANSITIONS_BY_ACTION for a in rule.satisfied_by)


@pytest.mark.parametrize("transition", TRANSITIONS, ids=lambda t: t.action.value)
def test_what_a_transition_declares_has_an_implementation(transition):
    assert all(job in JOB_ARGS for job in transition.follow_ups)
    assert transition.form in forms.PARSERS
    checks = ExaminationService.__new__(ExaminationService)._pre_checks
    assert all(check in checks for check in transition.pre_checks)


def test_every_declarable_kind_is_implemented():
    assert set(JOB_ARGS) == set(FollowUp)
    assert set(forms.PARSERS) == set(FormKind)
    assert set(ExaminationService.__new__(ExaminationService)._pre_checks) == set(PreCheck)


def test_every_follow_up_job_has_a_body_in_both_runners(tmp_path: Path):
    from sqlalchemy.orm import sessionmaker  # noqa: PLC0415

    from ctpo.domain.jobs.registry import all_job_bodies  # noqa: PLC0415
    from ctpo.lib.settings import AuthSettings, Settings  # noqa: PLC0415

    settings = Settings(data_dir=tmp_path, database_url="sqlite:///", auth=AuthSettings(secret_key="k" * 40))
    bodies = all_job_bodies(settings, sessionmaker(), lambda: None)  # type: ignore[arg-type,return-value]
    assert {job.value for job in FollowUp} <= set(bodies)
