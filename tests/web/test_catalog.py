"""The Chinese catalog is complete and compiled: every UI text has a translation, and the
committed .mo says the same as the .po (so a fresh clone shows Chinese without a build step)."""

from __future__ import annotations

import gettext
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

REPO = Path(__file__).resolve().parents[2]
CATALOG = REPO / "webui" / "translations" / "zh" / "LC_MESSAGES"


def _catalog() -> Catalog:
    with (CATALOG / "messages.po").open("rb") as handle:
        return read_po(handle, locale="zh")


def test_every_text_of_the_ui_is_in_the_catalog() -> None:
    with (REPO / "webui" / "babel.cfg").open(encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config)
    found = {message[2] for message in extract_from_dir(str(REPO), method_map, options_map)}
    found = {m if isinstance(m, str) else tuple(m) for m in found if m}
    ids = {m.id for m in _catalog() if m.id}
    assert found - ids == set(), "run: make translations, then translate the new texts"


def test_every_text_is_translated_and_the_mo_matches_the_po() -> None:
    catalog = _catalog()
    with (CATALOG / "messages.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for message in catalog:
        if not message.id:
            continue
        assert not message.fuzzy, message.id
        if isinstance(message.id, tuple):
            assert message.string[0], message.id
            assert compiled.ngettext(message.id[0], message.id[1], 2) == message.string[0]
        else:
            assert message.string, message.id
            assert compiled.gettext(message.id) == message.string, f"recompile the catalog: {message.id}"
