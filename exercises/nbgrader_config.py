"""nbgrader configuration of the Données Québec course.

Read by every ``nbgrader`` command run from this folder and by the
instructor commands (``python -m widgets.instructor``), which pass
``--course`` to point at a copy of this folder.
"""

import os
import sys
from pathlib import Path

c = get_config()  # noqa: F821 - defined by traitlets when it loads this file

COURSE_ROOT = Path(__file__).resolve().parent
PROJECT_ROOT = COURSE_ROOT.parent

# Kernels started by nbgrader import the course package: put the project on
# their PYTHONPATH when this folder sits in the project (a copy elsewhere
# relies on an installed package or on the caller's PYTHONPATH).
if (PROJECT_ROOT / "widgets").is_dir():
    sys.path.insert(0, str(PROJECT_ROOT))
    paths = [
        str(PROJECT_ROOT),
        *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep)),
    ]
    os.environ["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))

c.CourseDirectory.root = str(COURSE_ROOT)
c.CourseDirectory.course_id = "donneesqc"

# Learners see these stubs in place of the solutions.
c.ClearSolutions.code_stub = {
    "python": "# ÉCRIVEZ VOTRE RÉPONSE ICI (remplacez toute la cellule)\nraise NotImplementedError()"
}
c.ClearSolutions.text_stub = "ÉCRIVEZ VOTRE RÉPONSE ICI, en français ou en anglais."

# Seconds allowed for one cell: an endless loop scores 0 on that cell and
# the rest of the notebook still runs.
c.Execute.timeout = 60

# A test cell deleted by a learner is added back and run, so it is graded
# instead of silently scoring 0.
c.OverwriteCells.add_missing_cells = True

# Outputs kept in graded notebooks and feedback.
c.LimitOutput.max_lines = 300
c.LimitOutput.max_traceback = 60

c.Autograde.autograde_preprocessors = [
    "nbgrader.preprocessors.Execute",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "widgets.instructor.feedback.LimitOutputSize",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]

# Feedback shows neither the code of hidden tests nor their tracebacks.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
    "widgets.instructor.feedback.HideHiddenTests",
]
