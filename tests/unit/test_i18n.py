"""The pages' words (api/web/i18n.py and each area's api/web/i18n_<area>.py): every key in
both languages, defined once, and every word a page asks for defined."""

from __future__ import annotations

import ast
import importlib
import re
import string
from pathlib import Path

import jinja2
import pytest
from jinja2 import nodes

from api.web import i18n

WEB = Path(i18n.__file__).parent
TEMPLATES = WEB / "templates"
TABLE_MODULES = sorted(WEB.glob("i18n*.py"))


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_every_key_has_both_languages_with_the_same_placeholders() -> None:
    assert len(i18n.ALL_WORDS) > 200
    problems = []
    for key, pair in i18n.ALL_WORDS.items():
        if not (isinstance(pair, tuple) and len(pair) == len(i18n.LANGUAGES)):
            problems.append(f"{key}: not a (zh, en) pair: {pair!r}")
            continue
        zh, en = pair
        for lang, text in zip(i18n.LANGUAGES, pair, strict=True):
            if not isinstance(text, str) or not text.strip():
                problems.append(f"{key}: no {lang} text")
        if isinstance(zh, str) and isinstance(en, str) and placeholders(zh) != placeholders(en):
            problems.append(f"{key}: {{…}} differ: {placeholders(zh)} vs {placeholders(en)}")
    assert not problems, "\n".join(problems)
    # The lookup the pages use holds every key in each language.
    for lang in i18n.LANGUAGES:
        assert set(i18n.texts(lang)) == set(i18n.ALL_WORDS)
    assert i18n.texts("zh")["log_in"] == "登录" and i18n.texts("en")["log_in"] == "Log in"


def test_no_key_is_defined_twice_in_a_table_or_across_tables() -> None:
    # Inside one dict literal a second definition silently wins: read the source.
    for module in TABLE_MODULES:
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Dict):
                keys = [k.value for k in node.keys
                        if isinstance(k, ast.Constant) and isinstance(k.value, str)]
                twice = sorted({k for k in keys if keys.count(k) > 1})
                assert not twice, f"{module.name}: defined twice: {twice}"
    # Across tables the merge refuses at import.
    with pytest.raises(ValueError, match="log_in"):
        i18n.merged([i18n.WORDS, {"log_in": ("登录", "Log in")}])
    assert i18n.merged([{"a": ("甲", "A")}, {"b": ("乙", "B")}]) == {
        "a": ("甲", "A"), "b": ("乙", "B")}


def test_every_area_table_is_registered_in_the_lookup() -> None:
    for module in TABLE_MODULES:
        if module.stem == "i18n":
            continue
        table = importlib.import_module(f"api.web.{module.stem}").WORDS
        assert any(table is registered for registered in i18n.TABLES), (
            f"{module.name}: add its WORDS to TABLES in api/web/i18n.py")


def words_asked_for() -> tuple[set[str], set[str]]:
    """Keys the templates and page modules name literally (`t.key`, `t["key"]`), and the
    prefixes of keys they build (`t["status_" + …]`)."""
    keys: set[str] = set()
    prefixes: set[str] = set()
    env = jinja2.Environment(autoescape=True)
    for template in sorted(TEMPLATES.glob("*.html")):
        tree = env.parse(template.read_text(encoding="utf-8"))
        # `t.get(key, fallback)` is a method of the lookup, not a word.
        methods = {id(call.node) for call in tree.find_all(nodes.Call)}
        for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
            if not (isinstance(node.node, nodes.Name) and node.node.name == "t"):
                continue
            if id(node) in methods:
                continue
            if isinstance(node, nodes.Getattr):
                keys.add(node.attr)
            elif isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
                keys.add(node.arg.value)
            elif isinstance(node.arg, nodes.Concat | nodes.Add) and isinstance(
                    node.arg.left if isinstance(node.arg, nodes.Add) else node.arg.nodes[0],
                    nodes.Const):
                first = node.arg.left if isinstance(node.arg, nodes.Add) else node.arg.nodes[0]
                prefixes.add(first.value)
    for module in sorted(WEB.glob("*.py")):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant)
                    and isinstance(node.slice.value, str) and _is_words(node.value)):
                keys.add(node.slice.value)
    return keys, prefixes


def _is_words(node: ast.AST) -> bool:
    """`t[…]` or `texts(…)[…]`: a lookup in the pages' words."""
    if isinstance(node, ast.Name):
        return node.id == "t"
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id == "texts")


def test_every_word_a_page_asks_for_is_defined() -> None:
    keys, prefixes = words_asked_for()
    assert {"app_name", "kiosk_sim_done", "gift_done"} <= keys, "the scan found too little"
    missing = sorted(keys - set(i18n.ALL_WORDS))
    assert not missing, f"pages ask for words no table defines: {missing}"
    assert {"my_status_", "flag_"} <= prefixes
    for prefix in sorted(prefixes):
        assert any(re.match(re.escape(prefix), key) for key in i18n.ALL_WORDS), prefix


def test_no_template_writes_chinese_punctuation_of_its_own() -> None:
    """Punctuation between words comes from the words' table (`t.colon`, `t.paren_open`…),
    so an English page never shows "Approved：2" or "Cash（货币资金）"."""
    templates = Path(i18n.__file__).parent / "templates"
    found = [f"{path.name}:{number}: {line.strip()[:80]}"
             for path in sorted(templates.glob("*.html"))
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if re.search("[：（），。、；！？]", line)]
    assert found == []
