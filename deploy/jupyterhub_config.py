"""JupyterHub configuration for a class of the Données Québec course on one server.

Start the hub with ``jupyterhub -f deploy/jupyterhub_config.py`` after
setting the variables below (the defaults suit a Debian server where the
learners are Unix accounts). deploy/course_hub.py adds the course itself:
groups, roles, the formgrader service and the servers' environment, read from
the ``DONNEESQC_*`` variables it documents.

Hub variables:

=================================  ============================================
``DONNEESQC_HUB_BIND_URL``          public address of the proxy
                                    (default ``http://127.0.0.1:8000``; put a
                                    TLS reverse proxy in front of it)
``DONNEESQC_HUB_API_URL``           address of the hub's own API
                                    (default ``http://127.0.0.1:8081``)
``DONNEESQC_HUB_PROXY_API_URL``     address of the proxy's API
                                    (default ``http://127.0.0.1:8001``)
``DONNEESQC_HUB_PROXY_COMMAND``     configurable-http-proxy executable
``DONNEESQC_HUB_STATE_DIR``         database, cookie secret, proxy pid file
                                    (default ``/srv/jupyterhub``)
``DONNEESQC_HUB_AUTHENTICATOR``     authenticator entry point (default
                                    ``pam``; ``shared-password`` for a
                                    workshop or a test)
``DONNEESQC_HUB_SHARED_PASSWORD``   learners' password with ``shared-password``
``DONNEESQC_HUB_ADMINS``            comma-separated hub administrators
``DONNEESQC_HUB_SPAWNER``           spawner entry point (default
                                    ``localprocess``: one Unix account per user)
``DONNEESQC_HUB_HOME_TEMPLATE``     home folder with the ``simple`` spawner,
                                    e.g. ``/srv/homes/{username}``
``DONNEESQC_HUB_MEM_LIMIT``         memory per server, e.g. ``1G`` (enforced
                                    by spawners that support it: systemd,
                                    Kubernetes; shown to users otherwise)
``DONNEESQC_HUB_CPU_LIMIT``         CPUs per server, e.g. ``1``
=================================  ============================================
"""

import os
import sys
from pathlib import Path

# The course module sits beside this file, which JupyterHub loads by path.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from course_hub import configure_course

c = get_config()  # noqa: F821 (defined by traitlets when it loads this file)


def _environment(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


# Addresses: every one comes from the environment, none is fixed here.
c.JupyterHub.bind_url = _environment("DONNEESQC_HUB_BIND_URL", "http://127.0.0.1:8000")
c.JupyterHub.hub_bind_url = _environment(
    "DONNEESQC_HUB_API_URL", "http://127.0.0.1:8081"
)
c.ConfigurableHTTPProxy.api_url = _environment(
    "DONNEESQC_HUB_PROXY_API_URL", "http://127.0.0.1:8001"
)
proxy_command = _environment("DONNEESQC_HUB_PROXY_COMMAND")
if proxy_command:
    c.ConfigurableHTTPProxy.command = [proxy_command]

# State: the hub database, the cookie secret and the proxy's pid file.
state_dir = Path(_environment("DONNEESQC_HUB_STATE_DIR", "/srv/jupyterhub"))
c.JupyterHub.db_url = f"sqlite:///{state_dir / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(state_dir / "jupyterhub_cookie_secret")
c.ConfigurableHTTPProxy.pid_file = str(state_dir / "jupyterhub-proxy.pid")

# Logins: the roster (allowed by configure_course) and the admins.
c.JupyterHub.authenticator_class = _environment("DONNEESQC_HUB_AUTHENTICATOR", "pam")
admins = {name.strip() for name in _environment("DONNEESQC_HUB_ADMINS").split(",")}
admins.discard("")
if admins:
    c.Authenticator.admin_users = admins
shared_password = _environment("DONNEESQC_HUB_SHARED_PASSWORD")
if shared_password:
    c.SharedPasswordAuthenticator.user_password = shared_password

# Servers: one process per user.
c.JupyterHub.spawner_class = _environment("DONNEESQC_HUB_SPAWNER", "localprocess")
home_template = _environment("DONNEESQC_HUB_HOME_TEMPLATE")
if home_template:
    c.SimpleLocalProcessSpawner.home_dir_template = home_template
singleuser_command = _environment("DONNEESQC_SINGLEUSER_CMD")
if singleuser_command:
    c.Spawner.cmd = singleuser_command.split()
mem_limit = _environment("DONNEESQC_HUB_MEM_LIMIT")
if mem_limit:
    c.Spawner.mem_limit = mem_limit
cpu_limit = _environment("DONNEESQC_HUB_CPU_LIMIT")
if cpu_limit:
    c.Spawner.cpu_limit = float(cpu_limit)
# A class starts its servers within minutes: let the hub queue them instead
# of refusing logins, and give a slow first start time to finish.
c.JupyterHub.concurrent_spawn_limit = 20
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 60

configure_course(c)
