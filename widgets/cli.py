"""Command line of the course package: ``python -m widgets GROUP COMMAND``.

Commands come in groups (``datasets list``, ``datasets fetch ID``...). The
help is in French or in English: ``--lang fr|en``, else ``DONNEESQC_LANG``,
else French.

Exit codes: 0 success, 1 failure (a download, a checksum...), 2 usage
error (unknown option, unknown dataset id).

Adding a command: write a function that takes the parsed
:class:`argparse.Namespace` and returns an exit code, decorate it with
:func:`command`, and, for a new group, call :func:`register_group`. A
command kept in another module is found once that module is listed in
``COMMAND_MODULES``.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import logging
import sys
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from widgets.errors import CourseError, UnknownDatasetError
from widgets.fetch import (
    NewVersionWarning,
    accept_new_version,
    accepted_versions,
    fetch,
)
from widgets.i18n import LANGUAGES, current_language, pick
from widgets.registry import Dataset, get_dataset, list_datasets

logger = logging.getLogger(__name__)

PROGRAM = "python -m widgets"
EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2

# Modules whose import registers more commands with @command.
COMMAND_MODULES: tuple[str, ...] = ()

Handler = Callable[[argparse.Namespace], int]


@dataclass(frozen=True)
class Argument:
    """One argument of a command, with its help in both languages.

    ``options`` contains the other keyword arguments of
    :meth:`argparse.ArgumentParser.add_argument` (``type``, ``choices``...).
    """

    flags: tuple[str, ...]
    help_fr: str
    help_en: str
    options: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Command:
    """A registered command: its group, name, help, arguments and handler."""

    group: str
    name: str
    help_fr: str
    help_en: str
    handler: Handler
    arguments: tuple[Argument, ...] = ()


GROUPS: dict[str, tuple[str, str]] = {}
COMMANDS: dict[str, dict[str, Command]] = {}


def register_group(name: str, *, help_fr: str, help_en: str) -> None:
    """Declare a group of commands, such as ``datasets``."""
    GROUPS[name] = (help_fr, help_en)
    COMMANDS.setdefault(name, {})


def command(
    group: str,
    name: str,
    *,
    help_fr: str,
    help_en: str,
    arguments: Sequence[Argument] = (),
) -> Callable[[Handler], Handler]:
    """Register the decorated function as the command ``group name``.

    Raises
    ------
    ValueError
        If the group is not declared or the command already exists.
    """

    def register(handler: Handler) -> Handler:
        if group not in GROUPS:
            raise ValueError(
                f"Unknown command group {group!r}: call register_group first."
            )
        if name in COMMANDS[group]:
            raise ValueError(f"The command {group} {name} is already registered.")
        COMMANDS[group][name] = Command(
            group, name, help_fr, help_en, handler, tuple(arguments)
        )
        return handler

    return register


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    language = _language_from(argv)
    parser = build_parser(language)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    args.lang = getattr(args, "lang", None) or language
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if args.group is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    found = COMMANDS[args.group][args.command]
    try:
        return found.handler(args)
    except UnknownDatasetError as error:
        print(pick(error.message_fr, error.message_en, args.lang), file=sys.stderr)
        return EXIT_USAGE
    except CourseError as error:
        print(pick(error.message_fr, error.message_en, args.lang), file=sys.stderr)
        return EXIT_FAILURE


def build_parser(language: str) -> argparse.ArgumentParser:
    """Build the parser of every registered command, with help in ``language``."""
    for module in COMMAND_MODULES:
        importlib.import_module(module)
    formatter = _FrenchHelpFormatter if language == "fr" else argparse.HelpFormatter
    parser = _Parser(
        prog=PROGRAM,
        description=pick(
            "Outils du cours de littératie des données ouvertes de Données Québec.",
            "Tools of the Données Québec open-data literacy course.",
            language,
        ),
        formatter_class=formatter,
        add_help=False,
        language=language,
    )
    _add_common_options(parser, language, default=None)
    groups = parser.add_subparsers(
        dest="group",
        title=pick("groupes de commandes", "command groups", language),
        metavar=pick("GROUPE", "GROUP", language),
        parser_class=_Parser,
    )
    for group_name, (help_fr, help_en) in GROUPS.items():
        help_text = pick(help_fr, help_en, language)
        group_parser = groups.add_parser(
            group_name,
            help=help_text,
            description=help_text,
            formatter_class=formatter,
            add_help=False,
            language=language,
        )
        _add_common_options(group_parser, language, default=argparse.SUPPRESS)
        commands = group_parser.add_subparsers(
            dest="command",
            required=True,
            title=pick("commandes", "commands", language),
            metavar=pick("COMMANDE", "COMMAND", language),
            parser_class=_Parser,
        )
        for found in COMMANDS[group_name].values():
            command_help = pick(found.help_fr, found.help_en, language)
            command_parser = commands.add_parser(
                found.name,
                help=command_help,
                description=command_help,
                formatter_class=formatter,
                add_help=False,
                language=language,
            )
            _add_common_options(command_parser, language, default=argparse.SUPPRESS)
            for argument in found.arguments:
                command_parser.add_argument(
                    *argument.flags,
                    help=pick(argument.help_fr, argument.help_en, language),
                    **argument.options,
                )
    return parser


class _Parser(argparse.ArgumentParser):
    """An argument parser whose own messages follow the chosen language."""

    def __init__(self, *args, language: str = "fr", **kwargs) -> None:
        self.language = language
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:
        # argparse's detail messages stay in English; the frame is translated.
        self.print_usage(sys.stderr)
        label = pick("erreur", "error", self.language)
        hint = pick(
            f"« {self.prog} --help » affiche l'aide.",
            f"'{self.prog} --help' shows the help.",
            self.language,
        )
        self.exit(EXIT_USAGE, f"{self.prog}: {label}: {message}\n{hint}\n")


class _FrenchHelpFormatter(argparse.HelpFormatter):
    """Help formatter with French headings."""

    def add_usage(self, usage, actions, groups, prefix=None) -> None:
        # argparse passes prefix="" when it builds the name of a subcommand.
        super().add_usage(
            usage, actions, groups, "utilisation : " if prefix is None else prefix
        )

    def start_section(self, heading) -> None:
        super().start_section(
            {"positional arguments": "arguments"}.get(heading, heading)
        )


def _add_common_options(
    parser: argparse.ArgumentParser, language: str, default
) -> None:
    parser.add_argument(
        "-h",
        "--help",
        action="help",
        default=argparse.SUPPRESS,
        help=pick("affiche cette aide et quitte", "show this help and exit", language),
    )
    parser.add_argument(
        "--lang",
        choices=LANGUAGES,
        default=default,
        help=pick(
            "langue des messages (fr ou en); par défaut DONNEESQC_LANG, sinon fr",
            "language of the messages (fr or en); defaults to DONNEESQC_LANG, else fr",
            language,
        ),
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        default=False if default is None else argparse.SUPPRESS,
        help=pick(
            "affiche le journal détaillé (téléchargements, vérifications)",
            "show the detailed log (downloads, checks)",
            language,
        ),
    )


def _language_from(argv: list[str]) -> str:
    """Return the language named by ``--lang`` in ``argv``, else the learner's one."""
    for position, value in enumerate(argv):
        if value == "--lang" and position + 1 < len(argv):
            candidate = argv[position + 1]
        elif value.startswith("--lang="):
            candidate = value.split("=", 1)[1]
        else:
            continue
        if candidate in LANGUAGES:
            return candidate
    return current_language()


# Dataset commands.

register_group(
    "datasets",
    help_fr="jeux de données du registre du cours",
    help_en="datasets of the course registry",
)

DATASET_ID = Argument(
    ("dataset_id",),
    help_fr="identifiant du jeu de données (voir « datasets list »)",
    help_en="dataset id (see 'datasets list')",
    options={"metavar": "ID"},
)


@command(
    "datasets",
    "list",
    help_fr="liste les jeux de données : identifiant, licence, taille, titre",
    help_en="list the datasets: id, licence, size, title",
)
def datasets_list(args: argparse.Namespace) -> int:
    """Print one line per registered dataset."""
    language = args.lang
    rows = [
        (
            pick("identifiant", "id", language),
            pick("licence", "licence", language),
            pick("taille", "size", language),
            pick("titre", "title", language),
        )
    ]
    for dataset in list_datasets():
        rows.append(
            (
                dataset.id,
                dataset.licence_id,
                format_size(dataset.size, language),
                dataset.title(language),
            )
        )
    _print_table(rows)
    return EXIT_OK


@command(
    "datasets",
    "info",
    help_fr="affiche tous les champs du registre et la note de licence",
    help_en="show every registry field and the licence note",
    arguments=(DATASET_ID,),
)
def datasets_info(args: argparse.Namespace) -> int:
    """Print every field of one registry entry, then its licence note."""
    dataset = get_dataset(args.dataset_id)
    fields = dataclasses.fields(Dataset)
    width = max(len(item.name) for item in fields)
    for item in fields:
        value = getattr(dataset, item.name)
        if isinstance(value, tuple):
            value = ", ".join(value)
        if value in (None, ""):
            value = "—"
        print(f"{item.name:<{width}}  {value}")
    separator = pick(" : ", ": ", args.lang)
    print(
        f"\nLicence ({dataset.licence_id}){separator}{dataset.licence_note(args.lang)}"
    )
    return EXIT_OK


@command(
    "datasets",
    "fetch",
    help_fr="obtient le fichier vérifié et affiche son chemin local",
    help_en="get the verified file and print its local path",
    arguments=(DATASET_ID,),
)
def datasets_fetch(args: argparse.Namespace) -> int:
    """Print the local path of the verified file, downloading it if needed."""
    print(fetch(args.dataset_id))
    return EXIT_OK


@command(
    "datasets",
    "check",
    help_fr="vérifie la somme de contrôle de chaque fichier du registre",
    help_en="verify the checksum of every registered file",
)
def datasets_check(args: argparse.Namespace) -> int:
    """Verify every registered file; a failure does not stop the others."""
    language = args.lang
    failures = 0
    datasets = list_datasets()
    for dataset in datasets:
        try:
            path = fetch(dataset.id, strict=True)
        except CourseError as error:
            failures += 1
            print(
                f"{pick('ÉCHEC', 'FAILED', language)}  {dataset.id}: "
                f"{pick(error.message_fr, error.message_en, language)}"
            )
            continue
        except Exception as error:
            # An unexpected error on one entry must not stop the check of the others.
            failures += 1
            logger.debug("Checking %s failed", dataset.id, exc_info=True)
            print(f"{pick('ÉCHEC', 'FAILED', language)}  {dataset.id}: {error!r}")
            continue
        print(f"OK  {dataset.id}  {path}")
    passed = len(datasets) - failures
    print(
        pick(
            f"{passed} fichier(s) vérifié(s), {failures} échec(s).",
            f"{passed} file(s) verified, {failures} failure(s).",
            language,
        )
    )
    return EXIT_FAILURE if failures else EXIT_OK


@command(
    "datasets",
    "accept",
    help_fr=(
        "télécharge la version actuelle du portail et accepte sa somme de contrôle "
        "sur cette machine (les colonnes du cours restent exigées)"
    ),
    help_en=(
        "download the portal's current version and accept its checksum on this "
        "machine (the course's columns are still required)"
    ),
    arguments=(DATASET_ID,),
)
def datasets_accept(args: argparse.Namespace) -> int:
    """Accept the portal's new version of a file after a checksum error."""
    language = args.lang
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", NewVersionWarning)
        path = accept_new_version(args.dataset_id)
    for warning in caught:
        print(str(warning.message), file=sys.stderr)
    accepted = accepted_versions().get(args.dataset_id)
    if (
        any(issubclass(warning.category, NewVersionWarning) for warning in caught)
        and accepted
    ):
        print(
            pick(
                f"Nouvelle version acceptée (sha256 {accepted['sha256']}) : {path}",
                f"New version accepted (sha256 {accepted['sha256']}): {path}",
                language,
            )
        )
    else:
        print(
            pick(
                f"Le fichier du portail est celui du registre; rien à accepter : {path}",
                f"The portal's file is the registered one; nothing to accept: {path}",
                language,
            )
        )
    return EXIT_OK


def format_size(size: int, language: str | None = None) -> str:
    """Format a byte count in decimal units: ``928,7 ko`` or ``928.7 kB``."""
    units = pick(("o", "ko", "Mo", "Go"), ("B", "kB", "MB", "GB"), language)
    value = float(size)
    unit = units[0]
    for unit in units:
        if value < 1000 or unit == units[-1]:
            break
        value /= 1000
    text = f"{value:.0f}" if unit == units[0] else f"{value:.1f}"
    if language == "fr" or (language is None and current_language() == "fr"):
        text = text.replace(".", ",")
    return f"{text}\u00a0{unit}"


def _print_table(rows: list[tuple[str, ...]]) -> None:
    widths = [
        max(len(row[position]) for row in rows) for position in range(len(rows[0]) - 1)
    ]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths)]
        print("  ".join([*cells, row[-1]]))
