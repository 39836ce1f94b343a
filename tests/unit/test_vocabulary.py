"""The one vocabulary: every fixed set of codes declared once with both labels, the domain's
tuples taken from it, unlisted codes kept and marked, and every stored event named."""

from __future__ import annotations

import importlib
import pkgutil

from eventsourcing.domain import Aggregate

import timebank.domain
from timebank.domain import ages, funds, offices, service, vocabulary
from timebank.domain.users import ROLES


def test_each_vocabulary_has_unique_codes_and_both_labels() -> None:
    assert len({v.name for v in vocabulary.ALL}) == len(vocabulary.ALL)
    for vocab in vocabulary.ALL:
        assert len(set(vocab.codes)) == len(vocab.codes), vocab.name
        for term in vocab:
            assert term.zh.strip() and term.en.strip(), (vocab.name, term.code)
        if vocab is not vocabulary.EVENT:  # events of several aggregates share words
            zh = [term.zh for term in vocab]
            assert len(set(zh)) == len(zh), f"{vocab.name}: one label for two codes"


def test_the_domain_takes_its_sets_from_the_vocabulary() -> None:
    assert vocabulary.DONOR_TYPE.codes == funds.DONOR_TYPES
    assert vocabulary.FUND_KIND.codes == funds.FUND_KINDS
    assert vocabulary.EXPENSE_KIND.codes == funds.EXPENSE_KINDS
    assert vocabulary.OFFICE_KIND.codes == offices.KINDS
    assert vocabulary.APPROVAL_POLICY.codes == service.APPROVAL_POLICIES
    assert vocabulary.GEOFENCE_MODE.codes == service.GEOFENCE_MODES
    assert vocabulary.MINORS_POLICY.codes == ages.MINORS_POLICIES
    assert set(ROLES) == set(vocabulary.ROLE.codes)
    # One name for one donor type everywhere (it was 集市, 公益集市 and 义卖).
    assert vocabulary.DONOR_TYPE.label("bazaar") == "公益集市"


def test_labels_and_the_mark_of_an_unlisted_code() -> None:
    category = vocabulary.SERVICE_CATEGORY
    assert category.open and category.label("elderly_care", "zh") == "助老服务"
    assert category.label("elderly_care", "en") == "Elderly care"
    assert category.label("tree_planting", "zh") == "tree_planting（未列入分类）"
    assert category.label("tree_planting", "en") == "tree_planting (unlisted)"
    assert category.label(None) == "—" and category.label("") == "—"
    assert vocabulary.label("grant_status", "proposed", "en") == "Awaiting the vote"
    choices = category.choices("zh", ["elderly_care", "tree_planting"])
    assert choices[0] == ("elderly_care", "助老服务")
    assert choices[-1] == ("tree_planting", "tree_planting（未列入分类）")
    assert [code for code, _ in choices].count("elderly_care") == 1


def _aggregates() -> list[type[Aggregate]]:
    found = []
    for module_info in pkgutil.iter_modules(timebank.domain.__path__):
        module = importlib.import_module(f"timebank.domain.{module_info.name}")
        for value in vars(module).values():
            if (isinstance(value, type) and issubclass(value, Aggregate) and value is not
                    Aggregate and value.__module__ == module.__name__):
                found.append(value)
    return found


def test_every_stored_event_has_a_label_for_the_audit_trail() -> None:
    aggregates = _aggregates()
    assert len(aggregates) > 10
    missing = []
    for aggregate in aggregates:
        if aggregate.__name__ not in vocabulary.AGGREGATE:
            missing.append(aggregate.__name__)
        for name, value in vars(aggregate).items():
            is_event = isinstance(value, type) and issubclass(value, Aggregate.Event)
            if is_event and name != "Event" and name not in vocabulary.EVENT:
                missing.append(f"{aggregate.__name__}.{name}")
    assert not missing, f"add to timebank/domain/vocabulary.py: {missing}"
    assert vocabulary.event_label("ServiceRecord.Approved") == "服务记录 · 审核通过"
    assert vocabulary.event_label("Widget.Frobbed", "en") == (
        "Widget (unlisted) · Frobbed (unlisted)")


def test_every_vocabulary_a_page_names_exists() -> None:
    """`term("grant_status", code)` and `choices("donor_type")` in the templates."""
    import jinja2
    from jinja2 import nodes

    from api.web import rendering

    templates = sorted((rendering.Path(rendering.__file__).parent / "templates").glob("*.html"))
    named = set()
    env = jinja2.Environment(autoescape=True)
    for template in templates:
        tree = env.parse(template.read_text(encoding="utf-8"))
        for call in tree.find_all(nodes.Call):
            if (isinstance(call.node, nodes.Name) and call.node.name in ("term", "choices")
                    and call.args and isinstance(call.args[0], nodes.Const)):
                named.add(call.args[0].value)
    assert {"service_category", "record_status", "donor_type"} <= named
    assert named <= set(vocabulary.BY_NAME), named - set(vocabulary.BY_NAME)
