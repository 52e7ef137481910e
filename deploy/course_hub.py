"""The course's part of a JupyterHub configuration: groups, roles, formgrader, spawner.

``deploy/jupyterhub_config.py`` (a hub on one server), the TLJH snippet
``deploy/tljh/jupyterhub_config.d/donneesqc.py`` and the Helm values
``deploy/z2jh/values.yaml`` all call :func:`configure_course`; each of them
chooses its own authenticator, spawner and addresses. Every setting is read
from an environment variable (see :class:`CourseSettings`), so the same
files serve any host.

What it sets up, for one course whose nbgrader ``course_id`` is
``DONNEESQC_COURSE_ID``:

* three JupyterHub groups, ``instructors``, ``graders`` and ``learners``,
  filled from a roster;
* two roles. Instructors reach the formgrader service and the learners'
  servers, to help a learner, start or stop a server and manage the
  learners group. Graders reach the formgrader service only. Learners keep
  the default ``user`` role, which grants nothing outside their own server;
* the formgrader as a service named after the course, because nbgrader's
  course list looks for a formgrader at ``/services/<course_id>``. The hub
  starts it (a ``jupyterhub-singleuser`` server in the course directory) or
  only registers it when it runs elsewhere;
* the environment of every single-user server: the course id, the exchange,
  the read-only data mirror, and ``JUPYTER_CONFIG_PATH`` pointing at the
  Jupyter configuration of the user's role in ``deploy/jupyter``
  (``learner`` or ``staff``, then ``system``).
"""

from __future__ import annotations

import csv
import logging
import os
import shlex
from dataclasses import dataclass, field
from pathlib import Path

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
ROLES = ("instructor", "grader", "learner")
GROUP_OF_ROLE = {
    "instructor": "instructors",
    "grader": "graders",
    "learner": "learners",
}
FORMGRADER_MODES = ("managed", "external", "none")

# Scopes of the token each single-user server gets. The course list of
# nbgrader (in an instructor's server) calls /services/<course_id> with it;
# JupyterHub keeps only the scopes the user holds, so learners get the two
# default ones.
DEFAULT_SERVER_SCOPES = ["users:activity!user", "access:servers!server"]


@dataclass
class CourseSettings:
    """Settings of one course on a hub, read from environment variables.

    Attributes
    ----------
    course_id
        nbgrader course id, also the name of the formgrader service
        (``DONNEESQC_COURSE_ID``).
    roster
        Role of each user name: ``instructor``, ``grader`` or ``learner``
        (``DONNEESQC_ROSTER``, a CSV file with ``username,role`` columns, and
        the comma-separated lists ``DONNEESQC_INSTRUCTORS``,
        ``DONNEESQC_GRADERS`` and ``DONNEESQC_LEARNERS``).
    course_dir
        Instructors' course directory, holding ``source/``, ``release/``,
        ``submitted/`` and ``gradebook.db`` (``DONNEESQC_COURSE_DIR``). The
        formgrader runs in its parent folder.
    exchange
        Shared nbgrader exchange folder (``DONNEESQC_EXCHANGE``).
    mirror
        Read-only folder of the course data files (``DONNEESQC_MIRROR``).
    formgrader_url
        Address where the formgrader service listens, reached by the proxy
        only (``DONNEESQC_FORMGRADER_URL``).
    grader_account
        Unix account that runs the formgrader service; empty runs it as the
        hub's own account (``DONNEESQC_GRADER_ACCOUNT``).
    singleuser_command
        Command that starts a single-user server (``DONNEESQC_SINGLEUSER_CMD``).
    jupyter_config
        Folder with one Jupyter configuration folder per role
        (``DONNEESQC_JUPYTER_CONFIG``).
    autograde_timeout
        Seconds a cell may run during autograding (``DONNEESQC_AUTOGRADE_TIMEOUT``).
    allow_root
        Adds ``--allow-root`` to the servers' arguments, for a test hub where
        every user is root (``DONNEESQC_HUB_ALLOW_ROOT=1``).
    formgrader_mode
        Where the formgrader runs (``DONNEESQC_FORMGRADER``). With
        ``managed``, the hub starts it. With ``external``, it runs elsewhere
        (a Kubernetes Deployment) and the hub only registers it, with
        ``formgrader_api_token``. With ``none``, there is no formgrader
        service.
    formgrader_api_token
        Token an external formgrader uses with the hub API
        (``DONNEESQC_FORMGRADER_API_TOKEN``).
    """

    course_id: str = "donneesqc"
    roster: dict[str, str] = field(default_factory=dict)
    course_dir: Path = Path("/home/grader-donneesqc/donneesqc")
    exchange: Path = Path("/srv/nbgrader/exchange")
    mirror: str = ""
    formgrader_url: str = "http://127.0.0.1:9999"
    grader_account: str = ""
    singleuser_command: list[str] = field(
        default_factory=lambda: ["jupyterhub-singleuser"]
    )
    jupyter_config: Path = HERE / "jupyter"
    autograde_timeout: int = 60
    allow_root: bool = False
    formgrader_mode: str = "managed"
    formgrader_api_token: str = ""

    @classmethod
    def from_environment(cls, environ: dict[str, str] | None = None) -> CourseSettings:
        """Read the settings from ``environ`` (default: ``os.environ``)."""
        environ = dict(os.environ if environ is None else environ)
        defaults = cls()
        course_id = environ.get("DONNEESQC_COURSE_ID", defaults.course_id).strip()
        course_dir = environ.get("DONNEESQC_COURSE_DIR", "").strip()
        return cls(
            course_id=course_id,
            roster=read_roster(environ),
            course_dir=Path(course_dir or f"/home/grader-{course_id}/{course_id}"),
            exchange=Path(environ.get("DONNEESQC_EXCHANGE", str(defaults.exchange))),
            mirror=environ.get("DONNEESQC_MIRROR", "").strip(),
            formgrader_url=environ.get(
                "DONNEESQC_FORMGRADER_URL", defaults.formgrader_url
            ),
            grader_account=environ.get("DONNEESQC_GRADER_ACCOUNT", "").strip(),
            singleuser_command=shlex.split(
                environ.get("DONNEESQC_SINGLEUSER_CMD", "jupyterhub-singleuser")
            ),
            jupyter_config=Path(
                environ.get("DONNEESQC_JUPYTER_CONFIG", str(defaults.jupyter_config))
            ),
            autograde_timeout=int(
                environ.get(
                    "DONNEESQC_AUTOGRADE_TIMEOUT", str(defaults.autograde_timeout)
                )
            ),
            allow_root=environ.get("DONNEESQC_HUB_ALLOW_ROOT", "") == "1",
            formgrader_mode=read_formgrader_mode(environ),
            formgrader_api_token=environ.get("DONNEESQC_FORMGRADER_API_TOKEN", ""),
        )

    def members(self, role: str) -> list[str]:
        """Return the sorted user names that have ``role``."""
        return sorted(name for name, held in self.roster.items() if held == role)

    def config_path(self, role_folder: str) -> str:
        """Return ``JUPYTER_CONFIG_PATH`` for a server of ``role_folder``.

        The role's folder comes first, so its files win over the ``system``
        folder shared by every server.
        """
        folders = [self.jupyter_config / role_folder, self.jupyter_config / "system"]
        return os.pathsep.join(str(folder) for folder in folders)


def read_formgrader_mode(environ: dict[str, str]) -> str:
    """Return ``DONNEESQC_FORMGRADER`` (default ``managed``), checked.

    Raises
    ------
    ValueError
        If the value is not one of the modes, or ``external`` has no token.
    """
    mode = environ.get("DONNEESQC_FORMGRADER", "managed").strip().lower() or "managed"
    if mode not in FORMGRADER_MODES:
        raise ValueError(
            f"Invalid DONNEESQC_FORMGRADER={mode!r}: use one of "
            f"{', '.join(FORMGRADER_MODES)}."
        )
    if mode == "external" and not environ.get("DONNEESQC_FORMGRADER_API_TOKEN"):
        raise ValueError(
            "DONNEESQC_FORMGRADER=external needs DONNEESQC_FORMGRADER_API_TOKEN, the "
            "token the formgrader server also gets (openssl rand -hex 32)."
        )
    return mode


def read_roster(environ: dict[str, str]) -> dict[str, str]:
    """Return the role of each user from the roster file and the list variables.

    Raises
    ------
    ValueError
        If a row names an unknown role, or a user has two roles.
    """
    roster: dict[str, str] = {}
    pairs: list[tuple[str, str, str]] = []
    roster_file = environ.get("DONNEESQC_ROSTER", "").strip()
    if roster_file:
        with open(roster_file, newline="", encoding="utf-8") as handle:
            for line, row in enumerate(csv.DictReader(handle), start=2):
                pairs.append(
                    (
                        (row.get("username") or "").strip(),
                        (row.get("role") or "").strip().lower(),
                        f"{roster_file}, line {line}",
                    )
                )
    for role in ROLES:
        variable = f"DONNEESQC_{GROUP_OF_ROLE[role].upper()}"
        for name in environ.get(variable, "").split(","):
            pairs.append((name.strip(), role, variable))

    for name, role, origin in pairs:
        if not name:
            continue
        if role not in ROLES:
            raise ValueError(
                f"Invalid role {role!r} for user {name!r} ({origin}): "
                f"use one of {', '.join(ROLES)}."
            )
        if roster.get(name, role) != role:
            raise ValueError(
                f"User {name!r} is both {roster[name]} and {role} ({origin}): "
                "give each user one role."
            )
        roster[name] = role
    return roster


def course_groups(settings: CourseSettings) -> dict[str, dict]:
    """Return ``JupyterHub.load_groups``: one group per role."""
    return {GROUP_OF_ROLE[role]: {"users": settings.members(role)} for role in ROLES}


def course_roles(settings: CourseSettings) -> list[dict]:
    """Return ``JupyterHub.load_roles`` for instructors and graders."""
    service = f"service={settings.course_id}"
    formgrader_scopes = [
        f"access:services!{service}",
        f"read:services!{service}",
        "list:services",
    ]
    return [
        {
            "name": "course-instructor",
            "description": (
                f"Formgrader of {settings.course_id}; help learners in their "
                "servers, start and stop them, manage the learners group."
            ),
            "groups": [GROUP_OF_ROLE["instructor"]],
            "scopes": formgrader_scopes
            + [
                "admin-ui",
                "list:users",
                "read:users!group=learners",
                "access:servers!group=learners",
                "servers!group=learners",
                "read:groups!group=learners",
                "groups!group=learners",
            ],
        },
        {
            "name": "course-grader",
            "description": f"Formgrader of {settings.course_id}.",
            "groups": [GROUP_OF_ROLE["grader"]],
            "scopes": formgrader_scopes,
        },
    ]


def course_environment(settings: CourseSettings) -> dict[str, str]:
    """Return the variables every server of the course gets."""
    environment = {
        "DONNEESQC_COURSE_ID": settings.course_id,
        "DONNEESQC_EXCHANGE": str(settings.exchange),
        "DONNEESQC_AUTOGRADE_TIMEOUT": str(settings.autograde_timeout),
        # Strict mode: a data file whose checksum differs from the registry's
        # stops the notebook instead of giving other numbers than the lesson.
        "DONNEESQC_STRICT": "1",
    }
    if settings.mirror:
        environment["DONNEESQC_MIRROR"] = settings.mirror
    executable = Path(settings.singleuser_command[0])
    if executable.is_absolute():
        # nbgrader runs tools of the course environment by name (alembic),
        # so its bin folder comes first, as in an activated environment.
        environment["PATH"] = os.pathsep.join(
            [str(executable.parent), os.environ.get("PATH", os.defpath)]
        )
    return environment


def formgrader_service(settings: CourseSettings) -> dict:
    """Return the formgrader entry of ``JupyterHub.services``.

    Managed, the formgrader is a ``jupyterhub-singleuser`` server run by the
    hub in the parent of the course directory (nbgrader requires the course
    directory to sit inside the server's root folder). External, the hub
    only routes ``/services/<course_id>`` to its address and lets it log
    users in with the shared token.
    """
    service = {
        "name": settings.course_id,
        "url": settings.formgrader_url,
        "oauth_no_confirm": True,
        "display": True,
        "info": {"description": f"nbgrader formgrader of {settings.course_id}"},
    }
    if settings.formgrader_mode == "external":
        service["api_token"] = settings.formgrader_api_token
        return service

    command = list(settings.singleuser_command)
    if settings.allow_root:
        command.append("--allow-root")
    environment = course_environment(settings)
    environment.update(
        {
            "DONNEESQC_COURSE_DIR": str(settings.course_dir),
            "JUPYTER_CONFIG_PATH": settings.config_path("formgrader"),
            "JUPYTERHUB_DEFAULT_URL": "/lab",
        }
    )
    service.update(
        {
            "command": command,
            "cwd": str(settings.course_dir.parent),
            "environment": environment,
        }
    )
    if settings.grader_account:
        service["user"] = settings.grader_account
    return service


def role_of(spawner) -> str:
    """Return the role folder for the user of ``spawner``.

    Learners get ``learner``, and so does a user in no course group.
    Instructors and graders get ``staff``: their own server lists the
    course's formgrader, which runs as the service.
    """
    groups = {group.name for group in spawner.user.groups}
    if groups & {GROUP_OF_ROLE["instructor"], GROUP_OF_ROLE["grader"]}:
        return "staff"
    return "learner"


def make_pre_spawn_hook(settings: CourseSettings):
    """Return a ``Spawner.pre_spawn_hook`` that gives a server the course's environment.

    The hook sets the variables on each spawner rather than in
    ``Spawner.environment``: a spawner class's own ``environment`` setting
    (``KubeSpawner.environment`` on Kubernetes) would hide the base class's.
    """
    course = course_environment(settings)

    def pre_spawn_hook(spawner) -> None:
        role = role_of(spawner)
        environment = dict(spawner.environment)
        environment.update(course)
        environment["JUPYTER_CONFIG_PATH"] = settings.config_path(role)
        spawner.environment = environment
        spawner.log.info(
            "Starting the %s server of %s with the %s configuration",
            settings.course_id,
            spawner.user.name,
            role,
        )

    return pre_spawn_hook


def server_token_scopes(settings: CourseSettings) -> list[str]:
    """Return ``Spawner.server_token_scopes``: the defaults and the formgrader."""
    return DEFAULT_SERVER_SCOPES + [
        f"access:services!service={settings.course_id}",
        f"read:services!service={settings.course_id}",
        "list:services",
    ]


def check_host(settings: CourseSettings) -> list[str]:
    """Return warnings about folders the course needs on this host.

    Checked: the exchange exists and every account can write to it, the
    course directory exists, and the mirror exists and is not writable by
    other accounts.
    """
    warnings = []
    if not settings.exchange.is_dir():
        warnings.append(
            f"The exchange {settings.exchange} does not exist: run "
            "deploy/prepare_host.sh before the first class."
        )
    elif settings.exchange.stat().st_mode & 0o777 != 0o777:
        warnings.append(
            f"The exchange {settings.exchange} is not writable by every account "
            f"(mode {settings.exchange.stat().st_mode & 0o7777:o}): learners cannot "
            "fetch or submit. Run deploy/prepare_host.sh."
        )
    if not settings.course_dir.is_dir():
        warnings.append(
            f"The course directory {settings.course_dir} does not exist: the "
            "formgrader will show an empty course."
        )
    if settings.mirror:
        mirror = Path(settings.mirror)
        if not mirror.is_dir():
            warnings.append(f"The data mirror {mirror} does not exist.")
        elif mirror.stat().st_mode & 0o002:
            warnings.append(
                f"The data mirror {mirror} is writable by every account: make it "
                "read-only (chmod -R a-w, or a read-only bind mount)."
            )
    return warnings


def configure_course(c, settings: CourseSettings | None = None) -> CourseSettings:
    """Add the course's groups, roles, formgrader service and spawner settings to ``c``.

    ``c`` is the traitlets configuration object of a JupyterHub config file.
    Returns the settings used.
    """
    settings = settings or CourseSettings.from_environment()
    if settings.formgrader_mode == "managed":
        # Only a managed formgrader shares the servers' file system with the hub.
        for warning in check_host(settings):
            logger.warning("%s", warning)

    # update() and extend() work on a value set earlier in the file and on an
    # unset one alike (traitlets then merges them when the hub loads).
    if settings.roster:
        c.Authenticator.allowed_users.update(set(settings.roster))
    c.JupyterHub.load_groups.update(course_groups(settings))
    c.JupyterHub.load_roles.extend(course_roles(settings))
    if settings.formgrader_mode != "none":
        c.JupyterHub.services.extend([formgrader_service(settings)])

    c.Spawner.pre_spawn_hook = make_pre_spawn_hook(settings)
    c.Spawner.server_token_scopes = server_token_scopes(settings)
    c.Spawner.default_url = "/lab"
    # Learners must not turn the formgrader back on from ~/.jupyter.
    c.Spawner.disable_user_config = True
    if settings.allow_root:
        c.Spawner.args.extend(["--allow-root"])
    return settings
