"""Deployment files: the hub configuration, nbgrader's role configurations, TLJH and Helm.

These tests load the files as JupyterHub, nbgrader, TLJH and Kubernetes read
them, without starting anything; tests/test_class_hub.py runs a real class.
No package registry ships the jupyterhub chart's values.schema.json, so the
Helm values are checked here for the keys the course relies on and for
agreement with the Kubernetes manifests beside them.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlparse

import pytest
import yaml
from traitlets.config.loader import PyFileConfigLoader

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
Z2JH = DEPLOY / "z2jh"
TLJH = DEPLOY / "tljh"

sys.path.insert(0, str(DEPLOY))
import course_hub

COURSE_ENVIRONMENT = {
    "DONNEESQC_COURSE_ID": "cours101",
    "DONNEESQC_INSTRUCTORS": "prof",
    "DONNEESQC_GRADERS": "aide",
    "DONNEESQC_LEARNERS": "alice,bruno",
}


def _hub_config(monkeypatch, tmp_path, **environment):
    """Load deploy/jupyterhub_config.py with the course variables and ``environment``."""
    for name in list(os.environ):
        if name.startswith("DONNEESQC_"):
            monkeypatch.delenv(name)
    values = {
        **COURSE_ENVIRONMENT,
        "DONNEESQC_COURSE_DIR": str(tmp_path / "grader" / "cours101"),
        "DONNEESQC_EXCHANGE": str(tmp_path / "exchange"),
        **environment,
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return PyFileConfigLoader("jupyterhub_config.py", path=str(DEPLOY)).load_config()


def _nbgrader_config(folder: str, monkeypatch, **environment):
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    loader = PyFileConfigLoader(
        "nbgrader_config.py", path=str(DEPLOY / "jupyter" / folder)
    )
    return loader.load_config()


def _fake_spawner(groups: list[str]):
    # A stand-in with the attributes the hook reads and writes.
    return SimpleNamespace(
        user=SimpleNamespace(
            name="x", groups=[SimpleNamespace(name=g) for g in groups]
        ),
        environment={"KEEP": "1"},
        log=SimpleNamespace(info=lambda *args: None),
    )


# ---------------------------------------------------------------------------
# deploy/jupyterhub_config.py and deploy/course_hub.py


def test_hub_groups_from_roster(monkeypatch, tmp_path):
    config = _hub_config(monkeypatch, tmp_path)
    groups = config.JupyterHub.load_groups.get_value({})
    assert groups["instructors"]["users"] == ["prof"]
    assert groups["graders"]["users"] == ["aide"]
    assert groups["learners"]["users"] == ["alice", "bruno"]


def test_hub_allows_roster_only(monkeypatch, tmp_path):
    config = _hub_config(monkeypatch, tmp_path)
    allowed = config.Authenticator.allowed_users.get_value(set())
    assert allowed == {"prof", "aide", "alice", "bruno"}


def test_hub_roles_scopes(monkeypatch, tmp_path):
    config = _hub_config(monkeypatch, tmp_path)
    roles = {role["name"]: role for role in config.JupyterHub.load_roles.get_value([])}
    instructor = roles["course-instructor"]
    grader = roles["course-grader"]
    assert instructor["groups"] == ["instructors"]
    assert grader["groups"] == ["graders"]
    assert "access:services!service=cours101" in instructor["scopes"]
    assert "access:services!service=cours101" in grader["scopes"]
    assert "access:servers!group=learners" in instructor["scopes"]
    assert "access:servers!group=learners" not in grader["scopes"]


def test_hub_managed_formgrader(monkeypatch, tmp_path):
    config = _hub_config(
        monkeypatch, tmp_path, DONNEESQC_GRADER_ACCOUNT="grader-cours101"
    )
    [service] = config.JupyterHub.services.get_value([])
    assert service["name"] == "cours101"
    assert service["cwd"] == str(tmp_path / "grader")
    assert service["user"] == "grader-cours101"
    config_path = service["environment"]["JUPYTER_CONFIG_PATH"].split(os.pathsep)
    assert [Path(folder).name for folder in config_path] == ["formgrader", "system"]


def test_hub_external_formgrader(monkeypatch, tmp_path):
    config = _hub_config(
        monkeypatch,
        tmp_path,
        DONNEESQC_FORMGRADER="external",
        DONNEESQC_FORMGRADER_API_TOKEN="0123abcd",
        DONNEESQC_FORMGRADER_URL="http://formgrader:8888",
    )
    [service] = config.JupyterHub.services.get_value([])
    assert service["api_token"] == "0123abcd"
    assert "command" not in service


def test_hub_external_needs_token():
    with pytest.raises(ValueError, match="DONNEESQC_FORMGRADER_API_TOKEN"):
        course_hub.read_formgrader_mode({"DONNEESQC_FORMGRADER": "external"})


def test_hub_unknown_formgrader_mode():
    with pytest.raises(ValueError, match="DONNEESQC_FORMGRADER='docker'"):
        course_hub.read_formgrader_mode({"DONNEESQC_FORMGRADER": "docker"})


def test_hub_addresses_from_environment(monkeypatch, tmp_path):
    config = _hub_config(
        monkeypatch,
        tmp_path,
        DONNEESQC_HUB_BIND_URL="http://10.0.0.5:9000",
        DONNEESQC_HUB_STATE_DIR=str(tmp_path / "state"),
    )
    assert config.JupyterHub.bind_url == "http://10.0.0.5:9000"
    assert (
        config.JupyterHub.db_url == f"sqlite:///{tmp_path / 'state'}/jupyterhub.sqlite"
    )


def test_hook_learner_config(monkeypatch, tmp_path):
    config = _hub_config(monkeypatch, tmp_path, DONNEESQC_MIRROR=str(tmp_path))
    spawner = _fake_spawner(["learners"])
    config.Spawner.pre_spawn_hook(spawner)
    folders = spawner.environment["JUPYTER_CONFIG_PATH"].split(os.pathsep)
    assert [Path(folder).name for folder in folders] == ["learner", "system"]
    assert spawner.environment["DONNEESQC_MIRROR"] == str(tmp_path)
    assert spawner.environment["DONNEESQC_COURSE_ID"] == "cours101"
    assert spawner.environment["KEEP"] == "1"


def test_hook_staff_config(monkeypatch, tmp_path):
    config = _hub_config(monkeypatch, tmp_path)
    spawner = _fake_spawner(["graders"])
    config.Spawner.pre_spawn_hook(spawner)
    folders = spawner.environment["JUPYTER_CONFIG_PATH"].split(os.pathsep)
    assert Path(folders[0]).name == "staff"


def test_roster_file(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("username,role\nprof,Instructor\nalice,learner\n", "utf-8")
    assert course_hub.read_roster({"DONNEESQC_ROSTER": str(roster)}) == {
        "prof": "instructor",
        "alice": "learner",
    }


def test_roster_unknown_role(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("username,role\nprof,teacher\n", "utf-8")
    with pytest.raises(ValueError, match="line 2"):
        course_hub.read_roster({"DONNEESQC_ROSTER": str(roster)})


def test_roster_two_roles():
    environment = {"DONNEESQC_LEARNERS": "alice", "DONNEESQC_GRADERS": "alice"}
    with pytest.raises(ValueError, match="both"):
        course_hub.read_roster(environment)


def test_check_host_mirror_writable(tmp_path):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    mirror.chmod(0o777)
    settings = course_hub.CourseSettings(
        exchange=tmp_path, course_dir=tmp_path, mirror=str(mirror)
    )
    warnings = course_hub.check_host(settings)
    assert any("writable by every account" in warning for warning in warnings)


def test_prepare_host_exchange(tmp_path):
    environment = {
        **os.environ,
        "DONNEESQC_EXCHANGE": str(tmp_path / "exchange"),
        "DONNEESQC_COURSE_DIR": str(tmp_path / "grader" / "cours"),
        "DONNEESQC_GRADER_ACCOUNT": "",
    }
    subprocess.run(
        ["bash", str(DEPLOY / "prepare_host.sh")],
        env=environment,
        check=True,
        capture_output=True,
        timeout=60,
    )
    assert (tmp_path / "exchange").stat().st_mode & 0o7777 == 0o1777
    assert (tmp_path / "grader" / "cours").stat().st_mode & 0o777 == 0o700


# ---------------------------------------------------------------------------
# deploy/jupyter: nbgrader and Jupyter configuration of each role


def test_nbgrader_system_config(monkeypatch):
    config = _nbgrader_config(
        "system",
        monkeypatch,
        DONNEESQC_COURSE_ID="cours101",
        DONNEESQC_EXCHANGE="/srv/echange",
        DONNEESQC_AUTOGRADE_TIMEOUT="15",
    )
    assert config.CourseDirectory.course_id == "cours101"
    assert config.Exchange.root == "/srv/echange"
    assert config.Execute.timeout == 15


def test_nbgrader_learner_identity(monkeypatch):
    config = _nbgrader_config("learner", monkeypatch, JUPYTERHUB_USER="alice")
    assert config.CourseDirectory.student_id == "alice"


def test_nbgrader_formgrader_course(monkeypatch, tmp_path):
    (tmp_path / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        "c.ClearSolutions.code_stub = {'python': '# VOTRE CODE ICI'}\n"
        "c.CourseDirectory.root = '/ailleurs'\n",
        "utf-8",
    )
    config = _nbgrader_config(
        "formgrader",
        monkeypatch,
        DONNEESQC_COURSE_DIR=str(tmp_path),
        DONNEESQC_COURSE_ID="cours101",
    )
    assert config.CourseDirectory.root == str(tmp_path)
    assert config.ClearSolutions.code_stub == {"python": "# VOTRE CODE ICI"}


@pytest.mark.parametrize(
    ("folder", "plugin", "disabled"),
    [
        ("learner", "nbgrader:formgrader", True),
        ("learner", "nbgrader:course-list", True),
        ("system", "nbgrader:create-assignment", True),
        ("formgrader", "nbgrader:formgrader", False),
        ("formgrader", "nbgrader:assignment-list", True),
    ],
)
def test_lab_plugins_per_role(folder, plugin, disabled):
    path = DEPLOY / "jupyter" / folder / "labconfig" / "page_config.json"
    page_config = json.loads(path.read_text("utf-8"))
    assert page_config["disabledExtensions"][plugin] is disabled


@pytest.mark.parametrize(
    ("folder", "extension", "enabled"),
    [
        ("system", "formgrader", False),
        ("learner", "formgrader", False),
        ("learner", "course_list", False),
        ("formgrader", "formgrader", True),
        ("staff", "course_list", True),
    ],
)
def test_server_extensions_per_role(folder, extension, enabled):
    path = DEPLOY / "jupyter" / folder / "jupyter_server_config.json"
    extensions = json.loads(path.read_text("utf-8"))["ServerApp"]["jpserver_extensions"]
    assert extensions[f"nbgrader.server_extensions.{extension}"] is enabled


# ---------------------------------------------------------------------------
# deploy/tljh

# Keys of TLJH's config.yaml that the course sets, as TLJH's configurer reads them.
TLJH_KEYS = {
    "users.admin",
    "limits.memory",
    "limits.cpu",
    "user_environment.default_app",
    "services.cull.enabled",
    "services.cull.timeout",
    "services.cull.every",
    "https.enabled",
    "https.letsencrypt.email",
    "https.letsencrypt.domains",
}


def _flatten(mapping: dict, prefix: str = "") -> dict:
    flat = {}
    for key, value in mapping.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, name + "."))
        else:
            flat[name] = value
    return flat


def test_tljh_config_keys():
    settings = _flatten(yaml.safe_load((TLJH / "config.yaml").read_text("utf-8")))
    assert sorted(set(settings) - TLJH_KEYS) == []


def test_tljh_setup_matches_config():
    settings = _flatten(yaml.safe_load((TLJH / "config.yaml").read_text("utf-8")))
    script = (TLJH / "setup.sh").read_text("utf-8")
    commands = dict(
        re.findall(r"^\s*tljh-config set (\S+) (\S+)$", script, re.MULTILINE)
    )
    for key, value in commands.items():
        if value.startswith('"$'):
            continue
        assert str(settings[key]).lower() == value.lower(), key


def test_tljh_setup_syntax():
    completed = subprocess.run(
        ["bash", "-n", str(TLJH / "setup.sh")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr


def test_tljh_snippet_keeps_tljh_settings(monkeypatch, tmp_path):
    # TLJH applies its own settings, then loads each snippet with load_subconfig.
    for name, value in COURSE_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    main = tmp_path / "jupyterhub_config.py"
    main.write_text(
        "c = get_config()\n"
        "c.JupyterHub.services = [{'name': 'cull-idle'}]\n"
        "c.Authenticator.allowed_users = {'admin'}\n"
        f"load_subconfig({str(TLJH / 'jupyterhub_config.d' / 'donneesqc.py')!r})\n",
        "utf-8",
    )
    config = PyFileConfigLoader(main.name, path=str(tmp_path)).load_config()
    services = [service["name"] for service in config.JupyterHub.services]
    assert services == ["cull-idle", "cours101"]
    assert config.Authenticator.allowed_users == {
        "admin",
        "prof",
        "aide",
        "alice",
        "bruno",
    }


def test_tljh_snippet_path():
    snippet = (TLJH / "jupyterhub_config.d" / "donneesqc.py").read_text("utf-8")
    script = (TLJH / "setup.sh").read_text("utf-8")
    [folder] = re.findall(r'sys\.path\.insert\(0, "([^"]+)"\)', snippet)
    assert 'config_dir="$tljh_dir/config/donneesqc"' in script
    assert folder == "/opt/tljh/config/donneesqc"


# ---------------------------------------------------------------------------
# deploy/z2jh


@pytest.fixture(scope="module")
def values() -> dict:
    return yaml.safe_load((Z2JH / "values.yaml").read_text("utf-8"))


@pytest.fixture(scope="module")
def manifests() -> dict:
    documents = {}
    for name in ("formgrader.yaml", "storage.yaml"):
        for document in yaml.safe_load_all((Z2JH / name).read_text("utf-8")):
            documents[(document["kind"], document["metadata"]["name"])] = document
    return documents


def _container(manifests) -> dict:
    deployment = manifests[("Deployment", "donneesqc-formgrader")]
    return deployment["spec"]["template"]["spec"]["containers"][0]


def _container_env(manifests) -> dict:
    return {item["name"]: item for item in _container(manifests)["env"]}


def test_values_top_keys(values):
    assert sorted(values) == [
        "cull",
        "hub",
        "prePuller",
        "proxy",
        "scheduling",
        "singleuser",
    ]


def test_values_course_module_path(values):
    mount = values["hub"]["extraFiles"]["course-hub"]["mountPath"]
    code = values["hub"]["extraConfig"]["10-donneesqc"]
    [folder] = re.findall(r'sys\.path\.insert\(0, "([^"]+)"\)', code)
    assert mount == f"{folder}/course_hub.py"


def test_values_roster_path(values):
    environment = values["hub"]["extraEnv"]
    assert (
        environment["DONNEESQC_ROSTER"]
        == values["hub"]["extraFiles"]["roster"]["mountPath"]
    )


def test_values_token_secret(values, manifests):
    hub_token = values["hub"]["extraEnv"]["DONNEESQC_FORMGRADER_API_TOKEN"]
    pod_token = _container_env(manifests)["JUPYTERHUB_API_TOKEN"]
    assert hub_token["valueFrom"] == pod_token["valueFrom"]


def test_values_formgrader_address(values, manifests):
    url = urlparse(values["hub"]["extraEnv"]["DONNEESQC_FORMGRADER_URL"])
    service = manifests[("Service", url.hostname)]
    assert service["spec"]["ports"][0]["port"] == url.port
    pod_url = urlparse(_container_env(manifests)["JUPYTERHUB_SERVICE_URL"]["value"])
    assert pod_url.port == url.port


def test_formgrader_service_identity(values, manifests):
    course_id = values["hub"]["extraEnv"]["DONNEESQC_COURSE_ID"]
    environment = {
        name: item.get("value") for name, item in _container_env(manifests).items()
    }
    assert environment["JUPYTERHUB_SERVICE_NAME"] == course_id
    assert environment["JUPYTERHUB_SERVICE_PREFIX"] == f"/services/{course_id}/"
    assert environment["JUPYTERHUB_CLIENT_ID"] == f"service-{course_id}"
    assert environment["DONNEESQC_COURSE_ID"] == course_id


def test_formgrader_reaches_hub(manifests):
    labels = manifests[("Deployment", "donneesqc-formgrader")]["spec"]["template"][
        "metadata"
    ]["labels"]
    assert labels["hub.jupyter.org/network-access-hub"] == "true"


def test_proxy_reaches_formgrader(values, manifests):
    labels = manifests[("Deployment", "donneesqc-formgrader")]["spec"]["template"][
        "metadata"
    ]["labels"]
    [rule] = values["proxy"]["chp"]["networkPolicy"]["egress"]
    selector = rule["to"][0]["podSelector"]["matchLabels"]
    assert selector.items() <= labels.items()


def test_volumes_claims_exist(values, manifests):
    claims = {name for kind, name in manifests if kind == "PersistentVolumeClaim"}
    for volume in values["singleuser"]["storage"]["extraVolumes"]:
        assert volume["persistentVolumeClaim"]["claimName"] in claims


def test_exchange_read_write_many(manifests):
    claim = manifests[("PersistentVolumeClaim", "donneesqc-exchange")]
    assert claim["spec"]["accessModes"] == ["ReadWriteMany"]


def test_mirror_read_only(values, manifests):
    learner_mounts = {
        mount["name"]: mount
        for mount in values["singleuser"]["storage"]["extraVolumeMounts"]
    }
    formgrader_mounts = {
        mount["name"]: mount for mount in _container(manifests)["volumeMounts"]
    }
    assert learner_mounts["donneesqc-mirror"]["readOnly"] is True
    assert formgrader_mounts["donneesqc-mirror"]["readOnly"] is True


def test_exchange_same_path(values, manifests):
    learner_mounts = {
        mount["name"]: mount["mountPath"]
        for mount in values["singleuser"]["storage"]["extraVolumeMounts"]
    }
    exchange = values["hub"]["extraEnv"]["DONNEESQC_EXCHANGE"]
    assert learner_mounts["nbgrader-exchange"] == exchange
    assert _container_env(manifests)["DONNEESQC_EXCHANGE"]["value"] == exchange


def _bytes(quantity: str) -> float:
    units = {"K": 1e3, "M": 1e6, "G": 1e9, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30}
    number, unit = re.fullmatch(r"([\d.]+)([KMG]i?)", quantity).groups()
    return float(number) * units[unit]


def test_memory_guarantee_below_limit(values):
    memory = values["singleuser"]["memory"]
    assert _bytes(memory["guarantee"]) <= _bytes(memory["limit"])


def test_image_role_configs(values):
    dockerfile = (Z2JH / "Dockerfile").read_text("utf-8")
    folder = values["hub"]["extraEnv"]["DONNEESQC_JUPYTER_CONFIG"]
    assert f"COPY deploy/jupyter {folder}" in dockerfile
    assert "pip install --no-cache-dir -r /tmp/requirements.txt" in dockerfile
