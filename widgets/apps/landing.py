"""The landing page of the apps: each app with a screenshot and one sentence.

``notebooks/index.ipynb`` shows it; Voilà serves the screenshots from
``notebooks/img/`` (PNG files are on Voilà's default file allowlist) at
``/voila/files/img/``, which the links reach relative to the page.
"""

from __future__ import annotations

import html

import ipywidgets as w

from widgets.apps.app_list import APPS
from widgets.apps.shell import AppShell, build_app

CARD_STYLE = """
<style>
.dq-cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr));
  gap: 16px; }
.dq-card-app { border: 1px solid #d0d7de; border-radius: 6px; padding: 10px;
  background: #fff; }
.dq-card-app img { width: 100%; height: auto; border: 1px solid #eef3f8; }
.dq-card-app h3 { margin: 6px 0; font-size: 110%; }
.dq-card-app p { margin: 0; line-height: 1.4; }
</style>
"""


class LandingApp:
    """The list of apps, relabelled by the language toggle."""

    def __init__(self, language: str | None = None) -> None:
        self.shell = AppShell(
            "Applications du cours Données Québec",
            "Données Québec course apps",
            language,
        )
        self.intro = w.HTML()
        self.cards = w.HTML()
        self.cards.add_class("dq-landing")
        self.shell.label(
            self.intro,
            "value",
            "<p>Chaque application s'ouvre dans un nouvel onglet et fonctionne hors "
            "ligne avec les fichiers du cours.</p>",
            "<p>Each app opens in a new tab and works offline with the course's "
            "files.</p>",
        )
        self.shell.body.children = [w.HTML(CARD_STYLE), self.intro, self.cards]
        self.shell.on_language(self.render)
        self.render()

    def render(self) -> None:
        """Write the cards in the current language."""
        language = self.shell.language
        cards = []
        for app in APPS:
            title = html.escape(app.title(language))
            summary = html.escape(app.summary(language))
            link = html.escape(app.notebook, quote=True)
            image = html.escape(f"../files/{app.image}", quote=True)
            alt = html.escape(
                self.shell.text(
                    f"Capture d'écran : {app.title_fr}", f"Screenshot: {app.title_en}"
                ),
                quote=True,
            )
            cards.append(
                f'<div class="dq-card-app" data-app="{app.key}">'
                f'<a href="{link}" target="_blank" rel="noopener">'
                f'<img src="{image}" alt="{alt}" loading="lazy"></a>'
                f'<h3><a href="{link}" target="_blank" rel="noopener">{title}</a></h3>'
                f"<p>{summary}</p></div>"
            )
        self.cards.value = f'<div class="dq-cards">{"".join(cards)}</div>'


def landing_app(language: str | None = None) -> w.Widget:
    """Return the landing page, ready to display."""
    return build_app(LandingApp, language)
