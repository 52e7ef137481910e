"""Credit lines (attributions) for the datasets a learner reuses.

A credit line names the dataset, its publisher, its licence and where it was
found, and starts with "modified from" when the learner changed the data. It comes
in French or English, as plain text, Markdown or HTML, for one dataset or
several. It also states how sure the course is of the licence. No registry
entry has been checked on its own dataset page yet, and the line states that.

Sources are registry entries (:class:`widgets.registry.Dataset`) or a
:class:`CreditSource` built from a portal address the learner pasted.
"""

from __future__ import annotations

import html
import logging
import re
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from widgets.i18n import check_language, pick
from widgets.licences import find_licence
from widgets.registry import Dataset, list_datasets

logger = logging.getLogger(__name__)

FORMATS = ("text", "markdown", "html")
# A licence checked on the dataset page itself; the registry has no entry at
# this level yet.
VERIFIED_EVIDENCE = "dataset"
MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|~&])")


@dataclass(frozen=True)
class CreditSource:
    """The facts about one dataset that a credit line contains."""

    title_fr: str
    title_en: str
    publisher: str
    licence_id: str
    portal_url: str
    licence_evidence: str = "unknown"
    licence_url: str = ""

    def title(self, language: str | None = None) -> str:
        """Return the title in ``language``."""
        return pick(self.title_fr, self.title_en, language)


def source_from_dataset(dataset: Dataset) -> CreditSource:
    """Return the :class:`CreditSource` of a registry entry."""
    return CreditSource(
        title_fr=dataset.title_fr,
        title_en=dataset.title_en,
        publisher=dataset.publisher,
        licence_id=dataset.licence_id,
        portal_url=dataset.portal_url,
        licence_evidence=dataset.licence_evidence,
        licence_url=dataset.licence_url,
    )


def normalise_url(url: str) -> str:
    """Return ``url`` without scheme differences, query, fragment or trailing slash.

    Used to match an address a learner pastes against the registry.
    """
    text = url.strip()
    if "://" not in text:
        text = "https://" + text
    parts = urlsplit(text)
    host = parts.netloc.lower()
    host = host.removeprefix("www.")
    path = parts.path.rstrip("/")
    return urlunsplit(("https", host, path, "", ""))


def find_datasets_by_url(url: str) -> list[Dataset]:
    """Return the registry entries whose portal page or file is at ``url``.

    Several entries can share one portal page (the files of one dataset).
    """
    key = normalise_url(url)
    return [
        dataset
        for dataset in list_datasets()
        if key
        in {
            normalise_url(dataset.portal_url),
            normalise_url(dataset.download_url or "-"),
        }
    ]


def sources_from_url(url: str) -> list[CreditSource]:
    """Return the credit sources for a pasted portal address.

    An address the registry does not hold gives one source with an unknown
    licence, so its credit line asks the learner to check the dataset page.

    Raises
    ------
    ValueError
        If ``url`` is not an http(s) address.
    """
    text = url.strip()
    parts = urlsplit(text if "://" in text else "https://" + text)
    if parts.scheme not in ("http", "https") or "." not in parts.netloc:
        raise ValueError(
            f"Not a web address: {url!r}. Paste the address of a dataset page, "
            "such as https://www.donneesquebec.ca/recherche/dataset/..."
        )
    datasets = find_datasets_by_url(text)
    if datasets:
        return [source_from_dataset(dataset) for dataset in datasets]
    slug = parts.path.rstrip("/").rsplit("/", 1)[-1] or parts.netloc
    return [
        CreditSource(
            title_fr=slug,
            title_en=slug,
            publisher="",
            licence_id="",
            portal_url=urlunsplit((parts.scheme, parts.netloc, parts.path, "", "")),
            licence_evidence="unknown",
        )
    ]


def credit_line(
    source: Dataset | CreditSource,
    *,
    language: str | None = None,
    fmt: str = "text",
    modified: bool = False,
) -> str:
    """Return the credit line of one dataset.

    Parameters
    ----------
    source
        A registry entry or a :class:`CreditSource`.
    language
        ``"fr"`` or ``"en"``; the learner's language by default.
    fmt
        ``"text"``, ``"markdown"`` or ``"html"``. Markdown and HTML escape
        every value taken from metadata.
    modified
        Say « modifié à partir de » / "modified from": the learner changed
        the data.

    Examples
    --------
    >>> from widgets.registry import get_dataset
    >>> credit_line(get_dataset("piscines-montreal"), language="en").startswith('"Montréal')
    True
    """
    language = check_language(language)
    _check_format(fmt)
    if isinstance(source, Dataset):
        source = source_from_dataset(source)
    parts = _credit_parts(source, language)
    return _render_line(parts, language, fmt, modified)


def credit_lines(
    sources: list[Dataset | CreditSource],
    *,
    language: str | None = None,
    fmt: str = "text",
    modified: bool = False,
) -> str:
    """Return the credits of several datasets as one block.

    One dataset gives its credit line alone; several give a "Sources" heading
    and one line each (a list in Markdown and HTML). Datasets that share a
    title and portal page are credited once.
    """
    language = check_language(language)
    _check_format(fmt)
    unique: list[CreditSource] = []
    seen: set[tuple[str, str]] = set()
    for source in sources:
        if isinstance(source, Dataset):
            source = source_from_dataset(source)
        key = (source.title(language), normalise_url(source.portal_url or "-"))
        if key not in seen:
            seen.add(key)
            unique.append(source)
    if not unique:
        return ""
    if len(unique) == 1:
        return credit_line(unique[0], language=language, fmt=fmt, modified=modified)

    lines = [
        credit_line(source, language=language, fmt=fmt, modified=modified)
        for source in unique
    ]
    heading = pick("Sources :", "Sources:", language)
    if fmt == "markdown":
        return "\n".join([f"**{heading}**", ""] + [f"- {line}" for line in lines])
    if fmt == "html":
        items = "".join(f"<li>{line}</li>" for line in lines)
        return f"<p>{html.escape(heading)}</p><ul>{items}</ul>"
    return "\n".join([heading] + [f"- {line}" for line in lines])


def evidence_note(evidence: str, language: str | None = None) -> str:
    """Return the credit line's note on how the licence was checked.

    ``""`` for a licence checked on the dataset page itself.
    """
    if evidence == VERIFIED_EVIDENCE:
        return ""
    if evidence == "publisher":
        return pick(
            "Licence établie d'après la page de licence de l'éditeur, non vérifiée "
            "sur la page du jeu de données.",
            "Licence taken from the publisher's licence page, not verified on the "
            "dataset page.",
            language,
        )
    if evidence == "secondary":
        return pick(
            "Licence non vérifiée sur la page du jeu de données (sources secondaires "
            "seulement).",
            "Licence not verified on the dataset page (secondary sources only).",
            language,
        )
    if evidence == "outside-catalogue":
        return pick(
            "Cette licence n'est pas une licence de données ouvertes décrite par le "
            "cours : lisez ses conditions avant de réutiliser les données.",
            "This licence is not an open-data licence the course describes: read its "
            "terms before you reuse the data.",
            language,
        )
    return pick(
        "Licence inconnue : vérifiez-la sur la page du jeu de données avant de "
        "réutiliser les données.",
        "Licence unknown: check it on the dataset page before you reuse the data.",
        language,
    )


def escape_markdown(text: str) -> str:
    """Return ``text`` with Markdown and inline HTML characters escaped."""
    return MARKDOWN_SPECIAL.sub(r"\\\1", text)


def _check_format(fmt: str) -> None:
    """Raise ValueError unless ``fmt`` is a known output format."""
    if fmt not in FORMATS:
        raise ValueError(f"Unknown credit format {fmt!r}: use one of {FORMATS}.")


def _credit_parts(source: CreditSource, language: str) -> dict[str, str]:
    """Collect the plain-text pieces of a credit line."""
    licence = find_licence(source.licence_id)
    if licence is None and source.licence_id:
        # A licence the catalogue does not describe: name it, never call it open.
        licence_name = source.licence_id
        licence_url = source.licence_url
        evidence = "outside-catalogue"
    elif licence is None:
        licence_name = pick("licence inconnue", "unknown licence", language)
        licence_url = ""
        evidence = "unknown"
    else:
        licence_name = licence.short
        licence_url = licence.url(language)
        evidence = source.licence_evidence
    return {
        "title": source.title(language),
        "publisher": source.publisher,
        "licence": licence_name,
        "licence_url": licence_url,
        "portal_url": source.portal_url,
        "note": evidence_note(evidence, language),
    }


def _render_line(parts: dict[str, str], language: str, fmt: str, modified: bool) -> str:
    """Assemble one credit line in ``fmt`` from its pieces."""
    quote_open, quote_close = pick("« ", '"', language), pick(" »", '"', language)
    if fmt == "markdown":
        escape = escape_markdown
    elif fmt == "html":
        escape = html.escape
    else:
        escape = str

    title = quote_open + escape(parts["title"]) + quote_close
    if parts["portal_url"]:
        title = _link(title, parts["portal_url"], fmt)
    licence = escape(parts["licence"])
    if parts["licence_url"]:
        licence = _link(licence, parts["licence_url"], fmt)

    if modified:
        lead = pick("Modifié à partir de ", "Modified from ", language)
    else:
        lead = ""
    pieces = [lead + title]
    if parts["publisher"]:
        pieces.append(escape(parts["publisher"]))
    if fmt == "text" and parts["portal_url"]:
        pieces.append(parts["portal_url"])
    line = ", ".join(pieces) + ". "
    line += pick("Licence : ", "Licence: ", language) + licence
    if fmt == "text" and parts["licence_url"]:
        line += f" ({parts['licence_url']})"
    line += "."
    if parts["note"]:
        line += " " + escape(parts["note"])
    return line


def _link(label: str, url: str, fmt: str) -> str:
    """Wrap an escaped ``label`` in a link to ``url`` (http and https only)."""
    if fmt == "text" or urlsplit(url).scheme not in ("http", "https"):
        return label
    if fmt == "markdown":
        # Angle brackets keep parentheses and spaces inside the address.
        safe_url = url.replace("<", "%3C").replace(">", "%3E").replace(" ", "%20")
        return f"[{label}](<{safe_url}>)"
    return f'<a href="{html.escape(url, quote=True)}">{label}</a>'
