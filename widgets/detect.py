"""Checks and detection run before a file is parsed: bytes, encoding, delimiter.

The checks here turn the usual wrong inputs (an empty download, a ZIP or
Excel file saved as ``.csv``, an HTML error page) into one clear
:class:`~widgets.errors.ReadError`, then find how the text is encoded and
which character separates the fields.
"""

from __future__ import annotations

import codecs
import json
import logging
import os
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from widgets.report import WARNING, Note, encoding_label, read_error

logger = logging.getLogger(__name__)

DELIMITERS = (",", ";", "\t", "|")
SAMPLE_BYTES = 65_536
SAMPLE_LINES = 50

# Signatures of binary formats that learners often save with a .csv name.
SIGNATURES = (
    (b"PK\x03\x04", "ZIP", "ZIP"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "Excel .xls (OLE)", "Excel .xls (OLE)"),
    (b"\x1f\x8b", "gzip", "gzip"),
    (b"%PDF", "PDF", "PDF"),
)
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)

# Text that starts like a markup or JSON document rather than a table.
MARKUP_START = re.compile(
    r"<(?:!doctype|html|\?xml|head|body|svg|rss)\b", re.IGNORECASE
)
# Typical sequences left when UTF-8 text was decoded as cp1252 and saved again.
DOUBLE_ENCODED = re.compile("Ã[\u0080-\u00bf©¨ª«®´¹¢¤§‰€]")
QUOTED = re.compile(r'"[^"]*"')
# First line that Excel writes, and reads, to name the delimiter: "sep=;".
EXCEL_SEPARATOR_LINE = re.compile(r"\Asep=(.)[ \t]*\r?\n")


@dataclass(frozen=True)
class RawFile:
    """The bytes of a file and the name to show for it in messages."""

    name: str
    data: bytes


def load_source(
    source: str | os.PathLike | bytes | BinaryIO, language: str | None
) -> RawFile:
    """Return the bytes of ``source``: a path, bytes or a binary file object.

    Raises
    ------
    ReadError
        If the path does not exist, or the file object was opened in text mode.
    """
    if isinstance(source, (bytes, bytearray, memoryview)):
        return RawFile("<bytes>", bytes(source))
    if isinstance(source, (str, os.PathLike)):
        return _load_path(source, language)
    if hasattr(source, "read"):
        data = source.read()
        name = str(getattr(source, "name", "<file object>"))
        if isinstance(data, str):
            raise read_error(
                fr=(
                    f"Le fichier {name!r} est ouvert en mode texte. Ouvrez-le en mode "
                    "binaire, par exemple open(chemin, 'rb'), pour que le lecteur "
                    "détecte lui-même l'encodage."
                ),
                en=(
                    f"The file {name!r} is open in text mode. Open it in binary mode, "
                    "for example open(path, 'rb'), so that the reader detects the "
                    "encoding itself."
                ),
                language=language,
            )
        return RawFile(name, bytes(data))
    raise read_error(
        fr=(
            f"Source de type {type(source).__name__} non prise en charge. Passez un "
            "chemin de fichier, des octets (bytes) ou un fichier ouvert en mode 'rb'."
        ),
        en=(
            f"Unsupported source of type {type(source).__name__}. Pass a file path, "
            "bytes or a file opened in 'rb' mode."
        ),
        language=language,
    )


def check_content(raw: RawFile, language: str | None) -> None:
    """Reject an empty or binary file with an error that names the fix.

    Raises
    ------
    ReadError
        If the file is empty (or holds only blanks and a byte order mark), or
        if it is binary: a known signature (ZIP, Excel, gzip, PDF) or NUL
        bytes that are not UTF-16 text.
    """
    stripped = raw.data.removeprefix(codecs.BOM_UTF8).strip()
    if not stripped:
        raise read_error(
            fr=(
                f"Le fichier {raw.name!r} est vide ({len(raw.data)} octets). Le "
                "téléchargement a peut-être échoué : téléchargez-le de nouveau, ou "
                "vérifiez l'adresse de la ressource sur le portail."
            ),
            en=(
                f"The file {raw.name!r} is empty ({len(raw.data)} bytes). The download "
                "may have failed: download it again, or check the resource address on "
                "the portal."
            ),
            language=language,
        )
    for signature, kind_fr, kind_en in SIGNATURES:
        if raw.data.startswith(signature):
            raise _binary_error(raw, kind_fr, kind_en, language)
    head = raw.data[:SAMPLE_BYTES]
    if b"\x00" in head and not head.startswith(UTF16_BOMS):
        raise _binary_error(raw, None, None, language)


def check_is_table(raw: RawFile, text: str, language: str | None) -> None:
    """Reject text that is clearly a web page or a JSON document, not a table.

    Raises
    ------
    ReadError
        If the text starts like HTML/XML or like JSON.
    """
    start = text.lstrip()[:200]
    if MARKUP_START.match(start):
        raise read_error(
            fr=(
                f"Le fichier {raw.name!r} est une page HTML ou XML, pas un tableau CSV "
                f"(il commence par {start[:40]!r}). Le serveur a sans doute renvoyé une "
                "page d'erreur ou de connexion : ouvrez l'adresse dans un navigateur et "
                "copiez le lien de téléchargement du fichier CSV."
            ),
            en=(
                f"The file {raw.name!r} is an HTML or XML page, not a CSV table (it "
                f"starts with {start[:40]!r}). The server probably sent an error or "
                "login page: open the address in a browser and copy the download link "
                "of the CSV file."
            ),
            language=language,
        )
    if start[:1] in ("{", "[") and _is_json(text):
        raise read_error(
            fr=(
                f"Le fichier {raw.name!r} est un document JSON, pas un tableau CSV. "
                "Pour un fichier GeoJSON, utilisez read_geojson; pour un jeu de données "
                "du registre, read_dataset."
            ),
            en=(
                f"The file {raw.name!r} is a JSON document, not a CSV table. For a "
                "GeoJSON file use read_geojson; for a registered dataset, read_dataset."
            ),
            language=language,
        )


def _is_json(text: str) -> bool:
    """Return whether ``text`` parses as JSON (a header may start with a bracket)."""
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def decode(
    raw: RawFile, encoding: str | None, language: str | None
) -> tuple[str, str, list[Note]]:
    """Decode the bytes of ``raw`` and return the text, the codec and notes.

    With ``encoding=None`` the order is: a byte order mark (UTF-8 or UTF-16),
    then strict UTF-8, then Windows-1252, then Latin-1, which decodes any
    byte. A UTF-8 byte order mark never reaches the text.

    Raises
    ------
    ReadError
        If ``encoding`` is given and the bytes are not valid in it.
    """
    if encoding is not None:
        return _decode_as(raw, encoding, language)

    data = raw.data
    if data.startswith(codecs.BOM_UTF8):
        return data.decode("utf-8-sig"), "utf-8-sig", [_bom_note()]
    if data.startswith(UTF16_BOMS):
        note = Note(
            "encoding",
            fr="Fichier encodé en UTF-16 (marque d'ordre des octets au début), décodé comme tel.",
            en="File encoded in UTF-16 (byte order mark at the start), decoded as such.",
        )
        return _decode_checked(raw, "utf-16", language), "utf-16", [note]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        return _decode_legacy(raw, error)
    return text, "utf-8", _double_encoding_notes(text)


def detect_delimiter(text: str, delimiter: str | None) -> tuple[str, list[Note]]:
    """Return the field delimiter of the CSV ``text`` and a note saying how.

    Counts ``,`` ``;`` tab and ``|`` outside quoted fields on the first lines.
    A candidate must appear in the header. The one whose count is the same
    on most lines wins. Ties go to a count equal to the header's, then to
    the larger count. With no candidate the file is read as a single column.
    """
    if delimiter is not None:
        note = Note(
            "delimiter",
            fr=f"Délimiteur imposé : {delimiter!r}.",
            en=f"Delimiter given: {delimiter!r}.",
        )
        return delimiter, [note]

    lines = sample_lines(text)
    best = None
    best_score = None
    for candidate in DELIMITERS:
        counts = [line.count(candidate) for line in lines]
        if not counts or counts[0] == 0:
            continue
        header_count = counts[0]
        data_counts = counts[1:] or counts
        mode, mode_share = Counter(data_counts).most_common(1)[0]
        header_share = data_counts.count(header_count) / len(data_counts)
        score = (
            max(mode_share / len(data_counts), header_share),
            mode == header_count,
            header_count,
        )
        if best_score is None or score > best_score:
            best, best_score = candidate, score

    if best is None:
        note = Note(
            "delimiter",
            fr="Aucun délimiteur trouvé (, ; tabulation |) : le fichier est lu comme une seule colonne.",
            en="No delimiter found (, ; tab |): the file is read as a single column.",
            level=WARNING,
        )
        return ",", [note]
    note = Note(
        "delimiter",
        fr=f"Délimiteur détecté : {best!r}.",
        en=f"Detected delimiter: {best!r}.",
    )
    return best, [note]


def remove_separator_line(text: str) -> tuple[str, str | None, list[Note]]:
    """Remove an Excel ``sep=;`` first line; return the text, its delimiter and a note."""
    match = EXCEL_SEPARATOR_LINE.match(text)
    if match is None:
        return text, None, []
    delimiter = match.group(1)
    note = Note(
        "separator_line",
        fr=(
            f"Première ligne « sep={delimiter} » (indication de délimiteur écrite par "
            "Excel) retirée; elle donne le délimiteur."
        ),
        en=(
            f"First line 'sep={delimiter}' (delimiter hint written by Excel) removed; "
            "it gives the delimiter."
        ),
    )
    return text[match.end() :], delimiter, [note]


def sample_lines(text: str) -> list[str]:
    """Return the first non-blank lines of ``text`` with quoted fields removed."""
    sample = text[:SAMPLE_BYTES]
    if '"' in sample:
        sample = QUOTED.sub("", sample)
    lines = []
    for line in sample.splitlines():
        if line.strip():
            lines.append(line)
        if len(lines) == SAMPLE_LINES:
            break
    return lines


def _load_path(source: str | os.PathLike, language: str | None) -> RawFile:
    path = Path(source).expanduser()
    text_like = isinstance(source, str) and "\n" in source
    try:
        return RawFile(str(path), path.read_bytes())
    except FileNotFoundError:
        hint_fr = hint_en = ""
        if text_like:
            hint_fr = " Pour lire du texte CSV, passez des octets : texte.encode()."
            hint_en = " To read CSV text, pass bytes: text.encode()."
        raise read_error(
            fr=f"Fichier introuvable : {str(path)!r}. Vérifiez le chemin.{hint_fr}",
            en=f"File not found: {str(path)!r}. Check the path.{hint_en}",
            language=language,
        ) from None
    except IsADirectoryError:
        raise read_error(
            fr=f"{str(path)!r} est un dossier, pas un fichier. Donnez le chemin d'un fichier.",
            en=f"{str(path)!r} is a folder, not a file. Give the path of a file.",
            language=language,
        ) from None


def _binary_error(
    raw: RawFile, kind_fr: str | None, kind_en: str | None, language: str | None
):
    if kind_fr is None:
        what_fr = "contient des octets nuls : c'est un fichier binaire"
        what_en = "contains NUL bytes: it is a binary file"
    else:
        what_fr = f"est un fichier binaire ({kind_fr})"
        what_en = f"is a binary file ({kind_en})"
    return read_error(
        fr=(
            f"Le fichier {raw.name!r} {what_fr}, pas un fichier CSV. Ce peut être une "
            "archive ZIP ou un classeur Excel (.xlsx, .xls) renommé : décompressez "
            "l'archive, ou ouvrez le classeur et enregistrez-le en CSV UTF-8."
        ),
        en=(
            f"The file {raw.name!r} {what_en}, not a CSV file. It may be a ZIP "
            "archive or an Excel workbook (.xlsx, .xls) with another name: unzip the "
            "archive, or open the workbook and save it as CSV UTF-8."
        ),
        language=language,
    )


def _decode_as(
    raw: RawFile, encoding: str, language: str | None
) -> tuple[str, str, list[Note]]:
    """Decode with a given codec, still removing a UTF-8 byte order mark."""
    try:
        codec = codecs.lookup(encoding).name
    except LookupError:
        raise read_error(
            fr=(
                f"Encodage inconnu : {encoding!r}. Utilisez par exemple 'utf-8', "
                "'utf-8-sig' ou 'cp1252', ou encoding=None pour le détecter."
            ),
            en=(
                f"Unknown encoding: {encoding!r}. Use for example 'utf-8', 'utf-8-sig' "
                "or 'cp1252', or encoding=None to detect it."
            ),
            language=language,
        ) from None
    notes = [
        Note(
            "encoding",
            fr=f"Encodage imposé : {encoding_label(codec, 'fr')}.",
            en=f"Encoding given: {encoding_label(codec, 'en')}.",
        )
    ]
    if codec == "utf-8" and raw.data.startswith(codecs.BOM_UTF8):
        codec = "utf-8-sig"
    if codec == "utf-8-sig" and raw.data.startswith(codecs.BOM_UTF8):
        notes.append(_bom_note())
    text = _decode_checked(raw, codec, language)
    if codec in ("cp1252", "iso8859-1") and not raw.data.isascii():
        try:
            raw.data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            notes.append(
                Note(
                    "encoding_mismatch",
                    fr=(
                        f"Le fichier est du UTF-8 valide, mais il est lu en {codec} : les "
                        "accents risquent d'être abîmés (« Ã© » au lieu de « é »). "
                        "Essayez encoding=None."
                    ),
                    en=(
                        f"The file is valid UTF-8 but is read as {codec}: accents may be "
                        "garbled ('Ã©' instead of 'é'). Try encoding=None."
                    ),
                    level=WARNING,
                )
            )
    return text, codec, notes + _double_encoding_notes(text)


def _decode_checked(raw: RawFile, codec: str, language: str | None) -> str:
    try:
        return raw.data.decode(codec)
    except UnicodeDecodeError as error:
        byte = raw.data[error.start : error.start + 1].hex()
        raise read_error(
            fr=(
                f"Le fichier {raw.name!r} n'est pas valide en {codec} : octet 0x{byte} à "
                f"la position {error.start}. Laissez encoding=None pour détecter "
                "l'encodage, ou essayez encoding='cp1252'."
            ),
            en=(
                f"The file {raw.name!r} is not valid {codec}: byte 0x{byte} at position "
                f"{error.start}. Leave encoding=None to detect the encoding, or try "
                "encoding='cp1252'."
            ),
            language=language,
        ) from error


def _decode_legacy(
    raw: RawFile, error: UnicodeDecodeError
) -> tuple[str, str, list[Note]]:
    """Decode a file that is not UTF-8, with cp1252 or else Latin-1."""
    # NOTE: Mac Roman files (old Excel for Mac) also land here and decode as
    # cp1252 without error, so their accents come out wrong ("é" as "Ž").
    byte = raw.data[error.start : error.start + 1].hex()
    try:
        text = raw.data.decode("cp1252")
        codec = "cp1252"
    except UnicodeDecodeError:
        # Latin-1 maps every byte, including the five cp1252 leaves undefined.
        text = raw.data.decode("latin-1")
        codec = "iso8859-1"
    if codec == "cp1252":
        why_fr = "l'encodage courant des fichiers produits par Excel sous Windows"
        why_en = "the usual encoding of files saved by Excel on Windows"
    else:
        why_fr = "car il contient des octets que Windows-1252 ne définit pas"
        why_en = "because it holds bytes that Windows-1252 does not define"
    note = Note(
        "encoding",
        fr=(
            f"Le fichier n'est pas en UTF-8 (octet 0x{byte} à la position {error.start}) : "
            f"il est lu en {encoding_label(codec, 'fr')}, {why_fr}. Vérifiez les accents."
        ),
        en=(
            f"The file is not UTF-8 (byte 0x{byte} at position {error.start}): it is "
            f"read as {encoding_label(codec, 'en')}, {why_en}. Check the accents."
        ),
        level=WARNING,
    )
    return text, codec, [note]


def _bom_note() -> Note:
    return Note(
        "bom",
        fr=(
            "Le fichier commence par une marque d'ordre des octets (BOM UTF-8), retirée "
            "pour qu'elle ne colle pas au nom de la première colonne."
        ),
        en=(
            "The file starts with a byte order mark (UTF-8 BOM), removed so that it "
            "does not stick to the first column name."
        ),
    )


def _double_encoding_notes(text: str) -> list[Note]:
    """Warn when accents look like UTF-8 bytes decoded once too often."""
    sample = text[: SAMPLE_BYTES * 4]
    matches = DOUBLE_ENCODED.findall(sample)
    if not matches:
        return []
    examples = ", ".join(repr(match) for match in sorted(set(matches))[:3])
    return [
        Note(
            "double_encoding",
            fr=(
                f"Des accents semblent doublement encodés ({examples}) : le fichier a "
                "probablement été converti deux fois en UTF-8. Signalez-le à l'éditeur."
            ),
            en=(
                f"Some accents look double-encoded ({examples}): the file was probably "
                "converted to UTF-8 twice. Report it to the publisher."
            ),
            level=WARNING,
        )
    ]


def parse_json(raw: RawFile, language: str | None) -> tuple[object, str, list[Note]]:
    """Decode and parse a JSON file; return the document, the codec and notes.

    Raises
    ------
    ReadError
        If the bytes are not UTF-8 or the text is not valid JSON; a document
        that stops before its end is reported as probably truncated.
    """
    check_content(raw, language)
    notes: list[Note] = []
    codec = "utf-8"
    data = raw.data
    if data.startswith(codecs.BOM_UTF8):
        codec = "utf-8-sig"
        notes.append(_bom_note())
    text = _decode_checked(raw, codec, language)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        truncated = error.pos >= len(text.rstrip()) - 1
        if truncated:
            fr_hint = "Le document s'arrête avant sa fin : le fichier est sans doute tronqué. Téléchargez-le de nouveau."
            en_hint = "The document stops before its end: the file is probably truncated. Download it again."
        else:
            fr_hint = "Vérifiez qu'il s'agit bien d'un fichier JSON ou GeoJSON."
            en_hint = "Check that it is a JSON or GeoJSON file."
        raise read_error(
            fr=(
                f"Le fichier {raw.name!r} n'est pas du JSON valide (ligne {error.lineno}, "
                f"colonne {error.colno} : {error.msg}). {fr_hint}"
            ),
            en=(
                f"The file {raw.name!r} is not valid JSON (line {error.lineno}, column "
                f"{error.colno}: {error.msg}). {en_hint}"
            ),
            language=language,
        ) from error
    return document, codec, notes
