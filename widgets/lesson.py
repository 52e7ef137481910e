"""Building blocks of lesson pages: the dataset card and number formatting.

Lessons call these from code cells, so what a page states about a dataset
comes from the registry and the executed code, never from typed text.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from widgets.i18n import check_language, pick
from widgets.registry import Dataset, get_dataset


@dataclass(frozen=True)
class DatasetCard:
    """Citation, licence and provenance of one registered dataset, as HTML."""

    dataset: Dataset
    language: str

    def to_html(self) -> str:
        """Render the card as a definition list."""
        d = self.dataset
        lang = self.language
        rows = [
            (pick("Jeu de données", "Dataset", lang), html.escape(d.title(lang))),
            (pick("Éditeur", "Publisher", lang), html.escape(d.publisher)),
            (
                pick("Licence", "Licence", lang),
                (
                    f'<a href="{html.escape(d.licence_url)}">{html.escape(d.licence_title)}</a>'
                    f"<br>{html.escape(d.licence_note(lang))}"
                ),
            ),
            (
                pick("Source", "Source", lang),
                f'<a href="{html.escape(d.portal_url)}">{html.escape(d.portal_url)}</a>',
            ),
            (
                pick("Fichier", "File", lang),
                f"<code>{html.escape(d.filename)}</code>, {format_number(d.size, lang)} "
                + pick("octets", "bytes", lang)
                + f", sha256 <code>{d.sha256[:12]}…</code>",
            ),
            (
                pick("Crédit à donner", "Credit line", lang),
                html.escape(credit_line(d, lang)),
            ),
        ]
        items = "".join(f"<dt>{label}</dt><dd>{value}</dd>" for label, value in rows)
        return f'<dl class="dq-dataset-card" lang="{lang}">{items}</dl>'

    def _repr_html_(self) -> str:
        return self.to_html()


def dataset_card(dataset_id: str, language: str | None = None) -> DatasetCard:
    """Return the card of ``dataset_id`` for display in a lesson."""
    return DatasetCard(get_dataset(dataset_id), check_language(language))


def credit_line(dataset: Dataset, language: str | None = None) -> str:
    """Return a plain-text attribution line for ``dataset``."""
    lang = check_language(language)
    title = dataset.title(lang)
    if lang == "fr":
        return (
            f"Source : {dataset.publisher}, « {title} », via Données Québec, "
            f"{dataset.licence_title}, {dataset.portal_url}"
        )
    return (
        f"Source: {dataset.publisher}, “{title}”, via Données Québec, "
        f"{dataset.licence_title}, {dataset.portal_url}"
    )


def format_number(value: float, language: str | None = None, decimals: int = 0) -> str:
    """Format ``value`` the way readers of ``language`` write numbers.

    French uses a no-break space between thousands and a decimal comma.

    Examples
    --------
    >>> format_number(1234567, "fr")
    '1\\xa0234\\xa0567'
    >>> format_number(1234.5, "en", decimals=1)
    '1,234.5'
    """
    text = f"{value:,.{decimals}f}"
    if check_language(language) == "fr":
        text = text.replace(",", "\u00a0").replace(".", ",")
    return text
