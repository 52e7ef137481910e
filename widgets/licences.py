"""Licences of open data and whether one can go into a work under another.

The catalogue is ``widgets/data/licences.toml``: the licences a learner meets
on Données Québec and on the portals it harvests, each with what it allows
and requires in French and English. :func:`find_licence` turns a CKAN
``license_id``, a label or a licence URL into a :class:`Licence`;
:func:`check_compatibility` says whether data under one licence may go into
a work the learner publishes under another.

A licence the catalogue does not know, or a missing one, is never treated as
open: :func:`is_open` returns False and the compatibility verdict is
``"unknown"``, which tells the learner to ask the publisher.
"""

from __future__ import annotations

import functools
import logging
import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources

from widgets.i18n import check_language, pick

logger = logging.getLogger(__name__)

LICENCES_RESOURCE = "licences.toml"
KINDS = ("public-domain", "permissive", "share-alike", "non-commercial", "restricted")
VERDICTS = ("yes", "no", "unknown")


@dataclass(frozen=True)
class Licence:
    """One licence of the catalogue and its main conditions."""

    id: str
    short: str
    title_fr: str
    title_en: str
    url_fr: str
    url_en: str
    kind: str
    open: bool
    attribution: bool
    share_alike: bool
    non_commercial: bool
    target: bool
    allows_fr: tuple[str, ...]
    allows_en: tuple[str, ...]
    requires_fr: tuple[str, ...]
    requires_en: tuple[str, ...]
    aliases: tuple[str, ...] = field(default_factory=tuple)
    share_alike_targets: tuple[str, ...] = field(default_factory=tuple)

    def title(self, language: str | None = None) -> str:
        """Return the licence's full name in ``language``."""
        return pick(self.title_fr, self.title_en, language)

    def url(self, language: str | None = None) -> str:
        """Return the address of the licence text in ``language`` ("" if none)."""
        return pick(self.url_fr, self.url_en, language)

    def allows(self, language: str | None = None) -> tuple[str, ...]:
        """Return what the licence allows, in ``language``."""
        if check_language(language) == "en":
            return self.allows_en
        return self.allows_fr

    def requires(self, language: str | None = None) -> tuple[str, ...]:
        """Return what the licence requires of reusers, in ``language``."""
        if check_language(language) == "en":
            return self.requires_en
        return self.requires_fr


@dataclass(frozen=True)
class Compatibility:
    """Whether data under ``source`` may go into a work under ``target``.

    ``verdict`` is ``"yes"``, ``"no"`` or ``"unknown"``; ``result_open`` is
    whether the learner's work can still be open data.
    """

    source: str
    target: str
    verdict: str
    reason_fr: str
    reason_en: str
    conditions_fr: tuple[str, ...] = ()
    conditions_en: tuple[str, ...] = ()
    result_open: bool = False

    @property
    def compatible(self) -> bool:
        """Whether the combination is allowed (False for ``"unknown"`` too)."""
        return self.verdict == "yes"

    def reason(self, language: str | None = None) -> str:
        """Return the reason for the verdict in ``language``."""
        return pick(self.reason_fr, self.reason_en, language)

    def conditions(self, language: str | None = None) -> tuple[str, ...]:
        """Return what the learner must still do, in ``language``."""
        if check_language(language) == "en":
            return self.conditions_en
        return self.conditions_fr


def normalise_key(value: str) -> str:
    """Return ``value`` reduced to a lookup key.

    Case, spaces, hyphens, underscores, dots and a trailing slash do not
    count, so ``"CC-BY-4.0"``, ``"cc by 4.0"`` and ``"ccby40"`` are the same key.
    """
    text = value.strip().lower()
    text = re.sub(r"^https?://", "", text)
    text = text.rstrip("/")
    return re.sub(r"[\s\-_.()/]+", "", text)


@functools.cache
def load_licences() -> dict[str, Licence]:
    """Read the licence catalogue and return its licences by id, in file order."""
    text = (
        resources.files("widgets.data").joinpath(LICENCES_RESOURCE).read_text("utf-8")
    )
    licences: dict[str, Licence] = {}
    for entry in tomllib.loads(text)["licence"]:
        licence = _licence_from_entry(entry)
        if licence.id in licences:
            raise ValueError(
                f"Duplicated licence id {licence.id!r} in {LICENCES_RESOURCE}."
            )
        licences[licence.id] = licence
    logger.debug("Loaded %d licences", len(licences))
    return licences


@functools.cache
def _alias_index() -> dict[str, str]:
    """Map every normalised id and alias to its licence id."""
    index: dict[str, str] = {}
    for licence in load_licences().values():
        for name in (
            licence.id,
            licence.short,
            licence.title_fr,
            licence.title_en,
            *licence.aliases,
        ):
            key = normalise_key(name)
            if not key:
                continue
            other = index.setdefault(key, licence.id)
            if other != licence.id:
                raise ValueError(
                    f"Alias {name!r} names both {other!r} and {licence.id!r} in "
                    f"{LICENCES_RESOURCE}; keep it on one licence only."
                )
    return index


def list_licences() -> list[Licence]:
    """Return every licence of the catalogue, in file order."""
    return list(load_licences().values())


def target_licences() -> list[Licence]:
    """Return the licences a learner may choose for their own work."""
    return [licence for licence in list_licences() if licence.target]


def find_licence(value: str | None) -> Licence | None:
    """Return the licence that ``value`` names, or None if it is unknown.

    Parameters
    ----------
    value
        A CKAN ``license_id`` (``"cc-by"``), a label
        (``"Attribution (CC-BY 4.0)"``), an SPDX id (``"CC-BY-4.0"``) or the
        address of the licence text. None and blank strings give None.
    """
    if value is None or not str(value).strip():
        return None
    licence_id = _alias_index().get(normalise_key(str(value)))
    if licence_id is None:
        logger.info("Unknown licence %r", value)
        return None
    return load_licences()[licence_id]


def is_open(value: str | None) -> bool:
    """Return whether ``value`` names an open licence; unknown ones are not open."""
    licence = find_licence(value)
    return licence is not None and licence.open


def check_compatibility(source: str | None, target: str) -> Compatibility:
    """Say whether data under ``source`` may go into a work under ``target``.

    Parameters
    ----------
    source
        The licence of the data (id, label or URL; None if the dataset states
        none).
    target
        The licence the learner wants for their own work.

    Returns
    -------
    Compatibility
        ``verdict`` is ``"unknown"`` when either licence is not in the
        catalogue or the target is not one a learner can choose.

    Notes
    -----
    The rules follow the licence texts. Public-domain data goes anywhere.
    Non-commercial data goes only into a non-commercial work. Share-alike
    data goes only into a licence that its ``share_alike_targets`` lists.
    Data that needs credit cannot be dedicated to the public domain. A
    copyright notice that grants no licence (``restricted``) needs the
    publisher's permission.
    This is a teaching aid, not legal advice.
    """
    source_licence = find_licence(source)
    target_licence = find_licence(target)
    source_name = str(source) if source else ""

    if source_licence is None:
        shown = source_name or "?"
        return Compatibility(
            source=source_name,
            target=target,
            verdict="unknown",
            reason_fr=(
                f"Licence des données inconnue ou absente ({shown}) : elle n'est pas "
                "considérée comme ouverte. Demandez à l'éditeur sous quelle licence "
                "il diffuse ce jeu de données avant de le réutiliser."
            ),
            reason_en=(
                f"The data's licence is unknown or missing ({shown}), so it is not "
                "treated as open. Ask the publisher which licence covers this "
                "dataset before you reuse it."
            ),
        )
    if target_licence is None or not target_licence.target:
        return Compatibility(
            source=source_licence.id,
            target=target,
            verdict="unknown",
            reason_fr=(
                f"« {target} » n'est pas une licence que le cours propose pour votre "
                "travail. Choisissez CC BY 4.0, CC BY-SA 4.0, CC0, ODbL ou une autre "
                "licence de la liste."
            ),
            reason_en=(
                f"'{target}' is not a licence the course offers for your work. Choose "
                "CC BY 4.0, CC BY-SA 4.0, CC0, ODbL or another licence from the list."
            ),
        )
    return _compare(source_licence, target_licence)


def compatibility_matrix(
    sources: list[str] | None = None, targets: list[str] | None = None
) -> dict[tuple[str, str], Compatibility]:
    """Return :func:`check_compatibility` for every source and target pair.

    Defaults: every licence of the catalogue as a source, every target
    licence as a target.
    """
    if sources is None:
        sources = [licence.id for licence in list_licences()]
    if targets is None:
        targets = [licence.id for licence in target_licences()]
    return {
        (source, target): check_compatibility(source, target)
        for source in sources
        for target in targets
    }


def _compare(source: Licence, target: Licence) -> Compatibility:
    """Apply the compatibility rules to two known licences."""
    base = {"source": source.id, "target": target.id}

    if source.kind == "restricted":
        return Compatibility(
            **base,
            verdict="no",
            reason_fr=(
                f"« {source.title_fr} » n'est pas une licence ouverte : elle ne vous "
                "donne pas le droit de rediffuser les données sous une autre licence. "
                "Demandez l'autorisation écrite de l'éditeur."
            ),
            reason_en=(
                f"'{source.title_en}' is not an open licence: it gives you no right "
                "to share the data under another licence. Ask the publisher for "
                "written permission."
            ),
        )
    if source.kind == "public-domain":
        return Compatibility(
            **base,
            verdict="yes",
            reason_fr=(
                f"Les données sont dans le domaine public ({source.short}) : vous "
                f"pouvez les inclure dans un travail sous {target.short}."
            ),
            reason_en=(
                f"The data is in the public domain ({source.short}): you may include "
                f"it in a work under {target.short}."
            ),
            conditions_fr=("Citer la source reste une bonne pratique.",),
            conditions_en=("Citing the source is still good practice.",),
            result_open=target.open,
        )
    if source.non_commercial and not target.non_commercial:
        return Compatibility(
            **base,
            verdict="no",
            reason_fr=(
                f"{source.short} interdit l'utilisation commerciale, alors que "
                f"{target.short} la permet : votre travail ne peut pas lever cette "
                "restriction. Des données non commerciales ne sont jamais ouvertes."
            ),
            reason_en=(
                f"{source.short} forbids commercial use while {target.short} allows "
                "it: your work cannot lift that restriction. Non-commercial data is "
                "never open."
            ),
        )
    if source.share_alike and target.id not in source.share_alike_targets:
        allowed = ", ".join(
            load_licences()[name].short for name in source.share_alike_targets
        )
        return Compatibility(
            **base,
            verdict="no",
            reason_fr=(
                f"{source.short} est une licence de partage à l'identique : un travail "
                f"qui reprend ces données doit être diffusé sous {allowed}, pas sous "
                f"{target.short}."
            ),
            reason_en=(
                f"{source.short} is a share-alike licence: a work that reuses this "
                f"data must be shared under {allowed}, not under {target.short}."
            ),
        )
    if source.attribution and target.kind == "public-domain":
        return Compatibility(
            **base,
            verdict="no",
            reason_fr=(
                f"{source.short} exige de créditer la source; vous ne pouvez pas "
                f"placer ces données dans le domaine public avec {target.short}. "
                "Choisissez une licence qui garde l'attribution, comme CC BY 4.0."
            ),
            reason_en=(
                f"{source.short} requires credit to the source, so you cannot put "
                f"this data in the public domain with {target.short}. Choose a "
                "licence that keeps attribution, such as CC BY 4.0."
            ),
        )
    return _compatible(source, target)


def _compatible(source: Licence, target: Licence) -> Compatibility:
    """Build the "yes" verdict, with what the learner must still do."""
    conditions_fr = [
        "Créditez la source (titre, éditeur, licence, lien) et indiquez vos modifications."
    ]
    conditions_en = [
        "Credit the source (title, publisher, licence, link) and say what you changed."
    ]
    if source.non_commercial:
        conditions_fr.append(
            "Votre travail reprend des données non commerciales : il n'est pas ouvert."
        )
        conditions_en.append("Your work reuses non-commercial data: it is not open.")
    if target.id == "odbl-1.0" and source.kind == "permissive":
        conditions_fr.append(
            "Gardez la mention de la source des données d'origine dans la base "
            "dérivée, à côté de la mention de l'ODbL."
        )
        conditions_en.append(
            "Keep the credit to the original data in the derived database, beside "
            "the ODbL notice."
        )
    return Compatibility(
        source=source.id,
        target=target.id,
        verdict="yes",
        reason_fr=(
            f"Des données sous {source.short} peuvent entrer dans un travail sous "
            f"{target.short}, à condition de respecter les exigences de {source.short}."
        ),
        reason_en=(
            f"Data under {source.short} may go into a work under {target.short}, "
            f"provided you meet the requirements of {source.short}."
        ),
        conditions_fr=tuple(conditions_fr),
        conditions_en=tuple(conditions_en),
        result_open=source.open and target.open,
    )


def _licence_from_entry(entry: dict) -> Licence:
    """Build a :class:`Licence` from one TOML table, checking its fields."""
    values = dict(entry)
    for name in (
        "allows_fr",
        "allows_en",
        "requires_fr",
        "requires_en",
        "aliases",
        "share_alike_targets",
    ):
        values[name] = tuple(values.get(name, ()))
    try:
        licence = Licence(**values)
    except TypeError as error:
        raise ValueError(
            f"Invalid licence entry {entry.get('id', '?')!r} in {LICENCES_RESOURCE}: "
            f"{error}. Compare it with the fields of widgets.licences.Licence."
        ) from error
    if licence.kind not in KINDS:
        raise ValueError(
            f"Invalid kind {licence.kind!r} for licence {licence.id!r}: use one of {KINDS}."
        )
    if licence.non_commercial and licence.open:
        raise ValueError(
            f"Licence {licence.id!r} is non-commercial and marked open: a "
            "non-commercial licence is never open."
        )
    if licence.share_alike and not licence.share_alike_targets:
        raise ValueError(
            f"Share-alike licence {licence.id!r} lists no share_alike_targets."
        )
    return licence
