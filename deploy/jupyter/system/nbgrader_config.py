"""nbgrader settings shared by every server of the course (learners, staff, formgrader).

The hub passes the values in environment variables (deploy/course_hub.py),
so this file is the same on every host.
"""

import os

c = get_config()  # noqa: F821 (defined by traitlets when it loads this file)

# One course per hub: the id also names the formgrader service.
c.CourseDirectory.course_id = os.environ.get("DONNEESQC_COURSE_ID", "donneesqc")

# Shared folder where assignments are released and submissions collected.
# Every account must be able to write to it (mode 1777, see prepare_host.sh).
c.Exchange.root = os.environ.get("DONNEESQC_EXCHANGE", "/srv/nbgrader/exchange")

# A cell that runs longer than this is interrupted during autograding and
# its question scores 0, so one infinite loop does not stop the batch.
c.Execute.timeout = int(os.environ.get("DONNEESQC_AUTOGRADE_TIMEOUT", "60"))
