"""Every string a user can see has its Spanish translation, and the compiled catalog is current.

The strings are extracted here in pure Python (no GNU gettext needed), the way ``makemessages``
finds them: templates through Django's ``templatize``, Python through ``ast``. When a test fails,
run ``makemessages -l es --ignore=.venv``, translate, then ``compilemessages --ignore=.venv``.
"""

import ast
import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils.translation.template import templatize

APPS = ("directory", "providers", "search", "referrals", "handouts", "plans")
CATALOG = Path(settings.BASE_DIR) / "directory" / "locale" / "es" / "LC_MESSAGES"
PO_PATH = CATALOG / "django.po"
MO_PATH = CATALOG / "django.mo"

# name -> (index of the context argument or None, index of msgid, index of the plural or None)
GETTEXT_CALLS = {
    "_": (None, 0, None),
    "gettext": (None, 0, None),
    "gettext_lazy": (None, 0, None),
    "pgettext": (0, 1, None),
    "pgettext_lazy": (0, 1, None),
    "ngettext": (None, 0, 1),
    "ngettext_lazy": (None, 0, 1),
    "npgettext": (0, 1, 2),
    "npgettext_lazy": (0, 1, 2),
}
STRING = r"""u?(?:'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")"""
TEMPLATIZED_CALL = re.compile(rf"\b(npgettext|ngettext|pgettext|gettext|_)\(\s*({STRING}(?:\s*,\s*{STRING})*)")
DASH = "\N{EN DASH}"
ARROW = "\N{SINGLE RIGHT-POINTING ANGLE QUOTATION MARK}"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")

# (context, msgid, plural): the key of a translatable message, as the .po file has it.
Message = tuple[str | None, str, str | None]


def message(name: str, args: list[str]) -> Message | None:
    context_at, msgid_at, plural_at = GETTEXT_CALLS[name]
    needed = max(i for i in (context_at, msgid_at, plural_at) if i is not None)
    if len(args) <= needed:
        return None
    return (
        args[context_at] if context_at is not None else None,
        args[msgid_at],
        args[plural_at] if plural_at is not None else None,
    )


def project_files(suffixes: tuple[str, ...]) -> list[Path]:
    files = []
    for app in APPS:
        root = Path(settings.BASE_DIR) / app
        files += [
            path
            for path in root.rglob("*")
            if path.suffix in suffixes and "migrations" not in path.parts and ".venv" not in path.parts
        ]
    return sorted(files)


def template_messages(path: Path) -> set[Message]:
    """Return the messages of a template: ``templatize`` turns its tags into gettext calls."""
    found = set()
    for call in TEMPLATIZED_CALL.finditer(templatize(path.read_text(), origin=str(path))):
        args = [ast.literal_eval(literal) for literal in re.findall(STRING, call[2])]
        found.add(message(call[1], args))
    return found - {None}


def python_messages(path: Path) -> set[Message]:
    """Return the messages of a Python module: gettext calls whose arguments are string literals."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        if name not in GETTEXT_CALLS:
            continue
        args = []
        for arg in node.args:
            if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
                break  # gettext(variable): nothing to extract from here on
            args.append(arg.value)
        found.add(message(name, args))
    return found - {None}


def extracted_messages() -> dict[Message, Path]:
    messages = {}
    for path in project_files((".html", ".txt")):
        messages.update(dict.fromkeys(template_messages(path), path))
    for path in project_files((".py",)):
        messages.update(dict.fromkeys(python_messages(path), path))
    return messages


def translated(entry: polib.POEntry | polib.MOEntry) -> bool:
    if entry.msgid_plural:
        return bool(entry.msgstr_plural) and all(entry.msgstr_plural.values())
    return bool(entry.msgstr)


def catalog(entries) -> dict:
    return {
        (entry.msgctxt, entry.msgid): dict(entry.msgstr_plural) if entry.msgid_plural else entry.msgstr
        for entry in entries
        if entry.msgid and not entry.obsolete and translated(entry)
    }


@pytest.fixture(scope="module")
def po() -> polib.POFile:
    return polib.pofile(str(PO_PATH))


def test_it_finds_the_strings_of_templates_and_python_files():
    """The extraction sees plain, plural and contextual strings, so the checks below cannot pass on nothing."""
    messages = extracted_messages()

    assert (None, "Referral Network Directory", None) in messages  # {% translate %} in base.html
    assert (None, "%(counter)s service", "%(counter)s services") in messages  # {% blocktranslate count %}
    assert ("time of day format", "g:i a", None) in messages  # pgettext in providers/views.py
    assert (None, "Accepting new clients", None) in messages  # gettext_lazy choice label in providers/models.py
    assert (None, "Spanish", None) in messages  # settings.LANGUAGES


def test_it_has_a_spanish_translation_for_every_string(po):
    """Every extracted string is in django.po with a Spanish translation that is not fuzzy."""
    entries = {(entry.msgctxt, entry.msgid): entry for entry in po if not entry.obsolete}
    missing = []
    for (context, msgid, plural), path in sorted(extracted_messages().items(), key=lambda item: str(item[1])):
        entry = entries.get((context, msgid))
        if entry is None or not translated(entry) or "fuzzy" in entry.flags or entry.msgid_plural != (plural or ""):
            missing.append(f"{path.relative_to(settings.BASE_DIR)}: {msgid!r}")

    assert missing == [], "Strings without a Spanish translation (run makemessages, translate):\n" + "\n".join(missing)


def test_it_leaves_no_fuzzy_entry(po):
    """A fuzzy entry is a guess by msgmerge that Django ignores; a translator must confirm it."""
    assert [entry.msgid for entry in po.fuzzy_entries()] == []
    assert not po.metadata_is_fuzzy


def test_it_keeps_the_placeholders_in_every_translation(po):
    """A translation names the same %(placeholders)s as the English, or rendering it fails."""
    wrong = []
    for entry in po.translated_entries():
        translations = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        for translation in translations:
            if set(PLACEHOLDER.findall(translation)) != set(PLACEHOLDER.findall(entry.msgid)):
                wrong.append(f"{entry.msgid!r} -> {translation!r}")

    assert wrong == []


def test_it_ships_a_compiled_catalog_that_matches_the_po(po):
    """django.mo holds exactly the translations of django.po: compilemessages was run after the last edit."""
    mo = polib.mofile(str(MO_PATH))

    assert catalog(mo) == catalog(po)


def test_it_shows_the_home_page_in_spanish(client, categories):
    """A browser that asks for Spanish gets the home page in Spanish, category names included."""
    response = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="es")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="es">' in html
    assert "Directorio de la Red de Referidos" in html
    assert "Explorar por categoría" in html
    assert "Cuidado infantil" in html
    assert "Browse by category" not in html


def test_it_shows_a_service_in_spanish(client, service_a):
    """Headings, choice labels, weekdays, categories and times all follow the reader's language."""
    response = client.get(service_a.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="es")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Quién califica" in html
    assert "Acepta nuevos clientes" in html
    assert f"Cuidado infantil {ARROW} Guardería" in html
    assert "Hasta el 200% de la guía federal de pobreza" in html
    assert "Lunes" in html
    assert f"7:00 {DASH} 18:00" in html
    assert "Who qualifies" not in html


def test_it_switches_language_with_the_language_buttons(client, categories):
    """Posting the header's language form remembers the choice and sends the reader back where they were."""
    response = client.post(reverse("set_language"), {"language": "es", "next": "/?q=daycare"})

    assert response.status_code == 302
    assert response["Location"] == "/?q=daycare"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    assert "Explorar por categoría" in client.get(reverse("home")).content.decode()

    client.post(reverse("set_language"), {"language": "en", "next": "/"})

    assert "Browse by category" in client.get(reverse("home")).content.decode()


def test_it_marks_the_current_language_in_the_switcher(client, db):
    """The switcher shows each language in its own name and which one is in use."""
    html = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="es").content.decode()

    assert 'value="es" lang="es" aria-pressed="true">Español</button>' in html
    assert 'value="en" lang="en" aria-pressed="false">English</button>' in html
