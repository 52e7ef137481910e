"""Python package of the Données Québec open-data literacy course.

It holds every piece of logic that the lessons, the Voilà apps and the
graded exercises share: the dataset registry, verified downloads, the file
reader, the portal client and the apps themselves.
"""

import logging

__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())
