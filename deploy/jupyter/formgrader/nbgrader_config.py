"""nbgrader settings of the formgrader service, where instructors and graders work.

The course directory (source/, release/, submitted/, autograded/, feedback/
and gradebook.db) is DONNEESQC_COURSE_DIR. When it contains the course's own
nbgrader_config.py (copied from exercises/), that file is loaded too, so the
formgrader generates and grades assignments exactly as the course's tests do.
"""

import os

c = get_config()  # noqa: F821 (defined by traitlets when it loads this file)

course_dir = os.environ.get("DONNEESQC_COURSE_DIR", "")
course_config = os.path.join(course_dir, "nbgrader_config.py")
if course_dir and os.path.isfile(course_config):
    load_subconfig(course_config)  # noqa: F821 (defined by traitlets)

if course_dir:
    # Set after the course's file: the formgrader's folder wins over whatever
    # root that file computes for itself.
    c.CourseDirectory.root = course_dir
c.CourseDirectory.course_id = os.environ.get("DONNEESQC_COURSE_ID", "donneesqc")

# The hub's time limit per cell wins over the course file's, so the people
# who run the hub choose how long one submission may block the formgrader.
if os.environ.get("DONNEESQC_AUTOGRADE_TIMEOUT"):
    c.Execute.timeout = int(os.environ["DONNEESQC_AUTOGRADE_TIMEOUT"])
