"""Entry point of ``python -m widgets.apps``."""

from widgets.apps.serve import main

raise SystemExit(main())
