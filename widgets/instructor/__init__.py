"""The instructor's side of the graded exercises, around nbgrader.

One command per step of the workflow (``python -m widgets.instructor``):
generate the release version, collect submissions from a folder or an LMS
export, autograde them in parallel, generate feedback without the hidden
tests, and export grades as CSV. Every batch records, for each submission,
a status and the reasons behind it, and goes on when one submission fails.
"""
