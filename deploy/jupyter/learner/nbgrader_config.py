"""nbgrader settings of a learner's server.

nbgrader names a submission after the Unix account, which is ``jovyan`` for
every learner on Kubernetes and ``jupyter-<name>`` on TLJH; the hub user name
is the same everywhere, so submissions and feedback use it.
"""

import os

c = get_config()  # noqa: F821 (defined by traitlets when it loads this file)

if os.environ.get("JUPYTERHUB_USER"):
    c.CourseDirectory.student_id = os.environ["JUPYTERHUB_USER"]
