"""Render a :class:`widgets.quality.QualityCard` as HTML or Markdown.

The card reads like a reference dataset's sheet: one line per check with its
status, then an overall quality score. The course computes that score, so it
is not a publisher's service level. Last come the details a learner needs to
act on: sparse columns, repeated identifiers, mixed columns, schema errors.
Every value that comes from the data is escaped.
"""

from __future__ import annotations

import html

from widgets.i18n import check_language, pick
from widgets.quality import QualityCard, frequency_label

STATUS_LABELS = {
    "ok": ("Conforme", "OK"),
    "warning": ("À surveiller", "Watch"),
    "problem": ("Problème", "Problem"),
    "unknown": ("Inconnu", "Unknown"),
}
STATUS_SYMBOLS = {"ok": "✔", "warning": "⚠", "problem": "✖", "unknown": "?"}
STATUS_COLOURS = {
    "ok": "#1b7a33",
    "warning": "#9a6700",
    "problem": "#b42318",
    "unknown": "#555",
}
SERVICE_LABELS = {
    "high": ("Note de qualité élevée", "High quality score"),
    "medium": ("Note de qualité moyenne", "Medium quality score"),
    "low": ("Note de qualité faible", "Low quality score"),
}
CHECK_LABELS = {
    "freshness": ("Mise à jour", "Freshness"),
    "completeness": ("Complétude", "Completeness"),
    "duplicates": ("Doublons", "Duplicates"),
    "types": ("Cohérence des types", "Type consistency"),
    "schema": ("Conformité au schéma (Table Schema)", "Table Schema validation"),
}
KIND_LABELS = {
    "integer": ("entier", "integer"),
    "decimal": ("décimal (point)", "decimal (point)"),
    "decimal_comma": ("décimal (virgule)", "decimal (comma)"),
    "date": ("date ISO", "ISO date"),
    "date_dmy": ("date jj/mm/aaaa", "date dd/mm/yyyy"),
    "boolean": ("booléen", "boolean"),
    "text": ("texte", "text"),
    "empty": ("vide", "empty"),
}
MAX_LISTED = 8


def check_summaries(card: QualityCard, language: str | None = None) -> dict[str, str]:
    """Return one sentence per check, in ``language``."""
    language = check_language(language)
    share = card.overall_completeness
    sparse = card.completeness[card.completeness["completeness"] < 0.5]
    summaries = {
        "freshness": card.freshness.message(language),
        "completeness": pick(
            f"{_percent(share, 'fr')} des cellules sont remplies; {len(sparse)} colonne(s) "
            "à moins de 50 %.",
            f"{_percent(share, 'en')} of cells are filled; {len(sparse)} column(s) below 50%.",
            language,
        ),
    }
    duplicates = card.duplicates
    repeated_keys = {
        name: count for name, count in duplicates.key_duplicates.items() if count
    }
    keys_fr = ", ".join(f"{name} ({count})" for name, count in repeated_keys.items())
    summaries["duplicates"] = pick(
        f"{duplicates.duplicate_rows} ligne(s) identique(s) à une ligne précédente"
        + (f"; identifiants répétés : {keys_fr}." if keys_fr else "."),
        f"{duplicates.duplicate_rows} row(s) identical to an earlier row"
        + (f"; repeated identifiers: {keys_fr}." if keys_fr else "."),
        language,
    )
    mixed = [report for report in card.types if not report.consistent]
    summaries["types"] = pick(
        f"{len(mixed)} colonne(s) sur {len(card.types)} mélangent plusieurs types de valeurs.",
        f"{len(mixed)} of {len(card.types)} column(s) mix several kinds of value.",
        language,
    )
    if card.schema is None:
        summaries["schema"] = pick(
            "Validation non effectuée.", "Validation not run.", language
        )
    else:
        origin = pick(
            "schéma déduit des données" if card.schema.inferred else "schéma fourni",
            "schema inferred from the data"
            if card.schema.inferred
            else "schema provided",
            language,
        )
        if card.schema.valid:
            summaries["schema"] = pick(
                f"Aucune erreur ({origin}).", f"No error ({origin}).", language
            )
        else:
            more = "+" if card.schema.truncated else ""
            summaries["schema"] = pick(
                f"{card.schema.error_total}{more} erreur(s) ({origin}).",
                f"{card.schema.error_total}{more} error(s) ({origin}).",
                language,
            )
    return summaries


def card_html(card: QualityCard, language: str | None = None) -> str:
    """Return the card as an HTML fragment (inline styles, no script)."""
    language = check_language(language)
    esc = html.escape
    summaries = check_summaries(card, language)
    service = SERVICE_LABELS[card.service_level]
    parts = [
        (
            '<div class="dq-card" style="border:1px solid #ccc;border-radius:6px;'
            'padding:12px;max-width:56em">'
        ),
        f"<h3 style='margin-top:0'>{esc(card.title or pick('Jeu de données', 'Dataset', language))}</h3>",
        f"<p><strong>{esc(pick(*service, language))}</strong> · "
        + esc(
            pick(
                f"{card.rows} lignes, {card.columns} colonnes",
                f"{card.rows} rows, {card.columns} columns",
                language,
            )
        )
        + "</p>",
        '<table style="border-collapse:collapse"><tbody>',
    ]
    for name, labels in CHECK_LABELS.items():
        level = card.levels.get(name, "unknown")
        parts.append(
            "<tr>"
            f"<td style='padding:4px 8px;white-space:nowrap;color:{STATUS_COLOURS[level]}' "
            f"aria-label='{esc(pick(*STATUS_LABELS[level], language))}'>"
            f"{STATUS_SYMBOLS[level]} {esc(pick(*STATUS_LABELS[level], language))}</td>"
            f"<th style='padding:4px 8px;text-align:left'>{esc(pick(*labels, language))}</th>"
            f"<td style='padding:4px 8px'>{esc(summaries[name])}</td>"
            "</tr>"
        )
    parts.append("</tbody></table>")
    parts.extend(_details_html(card, language))
    parts.append("</div>")
    return "".join(parts)


def card_markdown(card: QualityCard, language: str | None = None) -> str:
    """Return the card as Markdown (a table of checks, then details)."""
    language = check_language(language)
    summaries = check_summaries(card, language)
    title = card.title or pick("Jeu de données", "Dataset", language)
    lines = [
        f"### {_md(title)}",
        "",
        f"**{pick(*SERVICE_LABELS[card.service_level], language)}** · "
        + pick(
            f"{card.rows} lignes, {card.columns} colonnes",
            f"{card.rows} rows, {card.columns} columns",
            language,
        ),
        "",
        pick(
            "| Statut | Vérification | Résultat |",
            "| Status | Check | Result |",
            language,
        ),
        "|---|---|---|",
    ]
    for name, labels in CHECK_LABELS.items():
        level = card.levels.get(name, "unknown")
        lines.append(
            f"| {STATUS_SYMBOLS[level]} {pick(*STATUS_LABELS[level], language)} "
            f"| {pick(*labels, language)} | {_md(summaries[name])} |"
        )
    mixed = [report for report in card.types if not report.consistent]
    if mixed:
        lines += [
            "",
            pick(
                "Colonnes aux types mélangés :", "Columns with mixed kinds:", language
            ),
        ]
        for report in mixed[:MAX_LISTED]:
            lines.append(f"- `{report.column}` : {_md(_kinds_text(report, language))}")
    return "\n".join(lines)


def _details_html(card: QualityCard, language: str) -> list[str]:
    """Return the HTML paragraphs that detail sparse, mixed and invalid data."""
    esc = html.escape
    parts = []
    frequency = frequency_label(card.freshness.frequency, language)
    parts.append(
        "<p>"
        + esc(
            pick("Fréquence déclarée : ", "Declared frequency: ", language) + frequency
        )
        + "</p>"
    )
    sparse = card.completeness[card.completeness["completeness"] < 0.5]
    if len(sparse):
        names = ", ".join(sparse["column"].head(MAX_LISTED))
        if len(sparse) > MAX_LISTED:
            names += ", …"
        parts.append(
            "<p>"
            + esc(
                pick(
                    "Colonnes remplies à moins de 50 % : ",
                    "Columns under 50% filled: ",
                    language,
                )
                + names
            )
            + "</p>"
        )
    mixed = [report for report in card.types if not report.consistent]
    if mixed:
        items = "".join(
            f"<li><code>{esc(report.column)}</code> : {esc(_kinds_text(report, language))}</li>"
            for report in mixed[:MAX_LISTED]
        )
        parts.append(
            "<p>"
            + esc(
                pick(
                    "Colonnes aux types mélangés :",
                    "Columns with mixed kinds:",
                    language,
                )
            )
            + f"</p><ul>{items}</ul>"
        )
    if card.schema is not None and card.schema.errors:
        items = "".join(
            "<li>"
            + esc(pick("ligne", "row", language))
            + f" {esc(str(error['row']))}, <code>{esc(str(error['field']))}</code> : "
            + esc(error["message"])
            + "</li>"
            for error in card.schema.errors[:5]
        )
        parts.append(
            "<p>"
            + esc(
                pick(
                    "Premières erreurs de validation :",
                    "First validation errors:",
                    language,
                )
            )
            + f"</p><ul>{items}</ul>"
        )
    return parts


def _kinds_text(report, language: str) -> str:
    """Describe the kinds met in a column, and its lost separators."""
    kinds = ", ".join(
        f"{pick(*KIND_LABELS.get(kind, (kind, kind)), language)} ({count})"
        for kind, count in sorted(report.kinds.items(), key=lambda item: -item[1])
    )
    text = kinds
    if report.examples:
        text += pick(" — exemples : ", " — examples: ", language) + ", ".join(
            repr(value) for value in report.examples
        )
    if report.lost_separator:
        text += pick(
            f" — {report.lost_separator} nombre(s) ont perdu leur séparateur décimal",
            f" — {report.lost_separator} number(s) lost their decimal separator",
            language,
        )
    return text


def _percent(share: float, language: str) -> str:
    """Format a share as a percentage: "97,3 %" in French, "97.3%" in English."""
    if language == "fr":
        return f"{share * 100:.1f}".replace(".", ",") + "\u00a0%"
    return f"{share:.1%}"


def _md(text: str) -> str:
    """Escape the characters that would break a Markdown table or inject HTML."""
    return (
        str(text)
        .replace("\\", "\\\\")
        .replace("|", "\\|")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\n", " ")
    )
