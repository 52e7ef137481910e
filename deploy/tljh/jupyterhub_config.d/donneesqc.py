"""The course's part of TLJH's hub configuration (groups, roles, formgrader).

TLJH loads every file of /opt/tljh/config/jupyterhub_config.d after its own
settings. setup.sh copies this file there and course_hub.py beside the role
configurations in /opt/tljh/config/donneesqc; the DONNEESQC_* variables come
from /opt/tljh/config/donneesqc/course.env through a systemd drop-in.
"""

import sys

sys.path.insert(0, "/opt/tljh/config/donneesqc")

from course_hub import configure_course

configure_course(c)  # noqa: F821 (defined by traitlets when it loads this file)
