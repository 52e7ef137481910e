"""The course's hands-on apps, shown with Voilà.

Each app is a function that returns one ipywidgets widget; a notebook in
``notebooks/`` imports it and displays it. ``python -m widgets.apps serve``
serves those notebooks on 127.0.0.1 (see :mod:`widgets.apps.serve`).
"""
