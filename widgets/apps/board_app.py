"""App: the data-needs board.

Learners propose a dataset they need, vote for the requests of others and
see them ranked. In instructor mode (``DONNEESQC_INSTRUCTOR=1``) a
moderation panel hides, merges and marks requests as published, and
exports the board as CSV.

Voters are identified by their JupyterHub user name when the app runs under
JupyterHub, and otherwise by the pseudonym they type.
NOTE: a pseudonym is not authenticated, so outside JupyterHub a learner who
types another pseudonym can vote twice.
"""

from __future__ import annotations

import base64
import html
import logging
import os

import ipywidgets as w

from widgets.apps.shell import AppShell, build_app
from widgets.needs_board import DataRequest, NeedsBoard

logger = logging.getLogger(__name__)

HUB_USER_VARIABLE = "JUPYTERHUB_USER"
MAX_SHOWN = 100
USE_LABELS = {
    "direct": (
        "Usage direct (j'utiliserais les données)",
        "Direct use (I would use the data)",
    ),
    "indirect": (
        "Usage indirect (par une application ou un service)",
        "Indirect use (through an app or a service)",
    ),
}
STATUS_LABELS = {
    "open": ("ouverte", "open"),
    "hidden": ("masquée", "hidden"),
    "merged": ("fusionnée", "merged"),
    "published": ("publiée", "published"),
}


class BoardApp:
    """The widgets and behaviour of the data-needs board."""

    def __init__(
        self, language: str | None = None, board: NeedsBoard | None = None
    ) -> None:
        self.shell = AppShell(
            "Tableau des besoins en données", "Data-needs board", language
        )
        shell = self.shell
        self.board = board or NeedsBoard()
        hub_user = os.environ.get(HUB_USER_VARIABLE, "").strip()

        self.title = w.Text(layout=w.Layout(width="60em", max_width="95%"))
        self.reason = w.Textarea(
            layout=w.Layout(width="60em", max_width="95%", height="5em")
        )
        self.publisher = w.Text(layout=w.Layout(width="60em", max_width="95%"))
        self.use = w.RadioButtons(layout=w.Layout(width="auto"))
        self.voter = w.Text(
            value=hub_user, disabled=bool(hub_user), layout=w.Layout(width="30em")
        )
        for widget, name in (
            (self.title, "dq-need-title"),
            (self.reason, "dq-need-reason"),
            (self.publisher, "dq-need-publisher"),
            (self.voter, "dq-voter"),
        ):
            widget.add_class(name)
        self.submit = w.Button(button_style="primary", icon="plus")
        self.submit.add_class("dq-submit")
        self.refresh_button = w.Button(icon="refresh")
        self.status = w.HTML()
        self.status.add_class("dq-board-status")
        self.listing = w.VBox([])
        self.listing.add_class("dq-board-list")
        shell.label(self.title, "description", "Besoin", "Need")
        shell.label(
            self.title,
            "placeholder",
            "Quelles données vous manquent?",
            "What data do you miss?",
        )
        shell.label(self.reason, "description", "Pourquoi", "Why")
        shell.label(
            self.reason,
            "placeholder",
            "À quoi serviraient-elles?",
            "What would they be used for?",
        )
        shell.label(self.publisher, "description", "Éditeur", "Publisher")
        shell.label(
            self.publisher,
            "placeholder",
            "Qui pourrait les publier?",
            "Who could publish them?",
        )
        shell.label(self.voter, "description", "Pseudonyme", "Pseudonym")
        shell.label(self.submit, "description", "Proposer", "Propose")
        shell.label(self.refresh_button, "description", "Rafraîchir", "Refresh")
        form_heading, list_heading = w.HTML(), w.HTML()
        shell.label(
            form_heading,
            "value",
            "<h3>Proposer un besoin</h3>",
            "<h3>Propose a need</h3>",
        )
        shell.label(
            list_heading,
            "value",
            "<h3>Besoins classés par votes</h3>",
            "<h3>Needs ranked by votes</h3>",
        )
        style = {"description_width": "8em"}
        for widget in (self.title, self.reason, self.publisher, self.voter):
            widget.style = style
        self._fill_use()

        self.moderation = self._moderation_panel() if shell.instructor else None
        children = [
            self.voter,
            form_heading,
            self.title,
            self.reason,
            self.publisher,
            self.use,
            self.submit,
            self.status,
            list_heading,
            self.refresh_button,
            self.listing,
        ]
        if self.moderation is not None:
            children.append(self.moderation)
        shell.body.children = children

        self.submit.on_click(
            shell.callback(
                "proposer un besoin", "propose a need", lambda _button: self.propose()
            )
        )
        self.refresh_button.on_click(
            shell.callback(
                "rafraîchir la liste",
                "refresh the list",
                lambda _button: self.refresh(),
            )
        )
        shell.on_language(self._relabel)
        self.refresh()

    # Learners -----------------------------------------------------------

    def voter_id(self) -> str:
        """Return the current voter: the hub user or the pseudonym typed."""
        return self.voter.value.strip()

    def propose(self) -> int:
        """Add the request typed in the form, then clear the form."""
        request_id = self.board.propose(
            title=self.title.value,
            reason=self.reason.value,
            publisher=self.publisher.value,
            use=self.use.value,
            author=self.voter_id(),
        )
        self.title.value = self.reason.value = self.publisher.value = ""
        self.status.value = html.escape(
            self.shell.text(
                f"Besoin n° {request_id} ajouté. Merci!",
                f"Need #{request_id} added. Thank you!",
            )
        )
        self.refresh()
        return request_id

    def vote(self, request_id: int) -> None:
        """Vote for a request as the current voter."""
        voter = self.voter_id()
        if not voter:
            self.shell.show_notice(
                "Indiquez un pseudonyme avant de voter.",
                "Type a pseudonym before voting.",
            )
            return
        added = self.board.vote(request_id, voter)
        if not added:
            self.shell.show_notice(
                f"Vous avez déjà voté pour le besoin n° {request_id}.",
                f"You have already voted for need #{request_id}.",
            )
        self.refresh()

    def refresh(self) -> None:
        """Reload the ranked requests from the database."""
        requests = self.board.ranked()
        voter = self.voter_id()
        rows = [self._request_row(request, voter) for request in requests[:MAX_SHOWN]]
        if not rows:
            empty = w.HTML()
            empty.value = (
                "<p><i>"
                + html.escape(
                    self.shell.text(
                        "Aucun besoin pour l'instant : soyez la première personne à en proposer un!",
                        "No need yet: be the first to propose one!",
                    )
                )
                + "</i></p>"
            )
            rows = [empty]
        for child in self.listing.children:
            child.close()
        self.listing.children = rows
        if self.moderation is not None:
            self._fill_moderation()

    def _request_row(self, request: DataRequest, voter: str) -> w.Widget:
        """Return one request as an HTML summary and a vote button."""
        esc = html.escape
        use = self.shell.text(*USE_LABELS[request.use])
        details = [f"<b>#{request.id} {esc(request.title)}</b>"]
        if request.status == "published":
            label = self.shell.text("publiée", "published")
            link = ""
            if request.published_url:
                link = (
                    f' — <a href="{esc(request.published_url, quote=True)}">'
                    f"{esc(request.published_url)}</a>"
                )
            details.append(f"<span style='color:#1b7a33'>✔ {esc(label)}</span>{link}")
        if request.reason:
            details.append(
                f"<div style='white-space:pre-wrap'>{esc(request.reason)}</div>"
            )
        meta = [use]
        if request.publisher:
            meta.append(
                self.shell.text("éditeur : ", "publisher: ") + request.publisher
            )
        if request.author:
            meta.append(
                self.shell.text("proposé par ", "proposed by ") + request.author
            )
        details.append(f"<div style='color:#555'>{esc(' · '.join(meta))}</div>")
        summary = w.HTML(
            "<div>" + "".join(details) + "</div>", layout=w.Layout(flex="1 1 auto")
        )
        voted = bool(voter) and self.board.has_voted(request.id, voter)
        button = w.Button(
            description=self.shell.text(
                f"Voter ({request.votes})", f"Vote ({request.votes})"
            ),
            disabled=voted or request.status != "open",
            icon="thumbs-up",
            layout=w.Layout(width="9em", flex="0 0 auto"),
        )
        button.add_class("dq-vote")
        button.on_click(
            self.shell.callback("voter", "vote", lambda _button: self.vote(request.id))
        )
        row = w.HBox(
            [button, summary],
            layout=w.Layout(border_bottom="1px solid #ddd", padding="6px 0"),
        )
        row.add_class("dq-request")
        return row

    # Instructors --------------------------------------------------------

    def _moderation_panel(self) -> w.Widget:
        """Build the instructors' panel: hide, merge, publish, export."""
        shell = self.shell
        self.mod_request = w.Dropdown(layout=w.Layout(width="40em"))
        self.mod_target = w.Dropdown(layout=w.Layout(width="40em"))
        self.mod_url = w.Text(layout=w.Layout(width="40em"))
        self.hide_button = w.Button(icon="eye-slash")
        self.show_button = w.Button(icon="eye")
        self.merge_button = w.Button(icon="compress")
        self.publish_button = w.Button(icon="check")
        self.export_button = w.Button(icon="download")
        self.export_link = w.HTML()
        heading = w.HTML()
        shell.label(
            heading,
            "value",
            "<h3>Modération (formateurs)</h3>",
            "<h3>Moderation (instructors)</h3>",
        )
        shell.label(self.mod_request, "description", "Demande", "Request")
        shell.label(self.mod_target, "description", "Fusionner dans", "Merge into")
        shell.label(self.mod_url, "description", "Adresse publiée", "Published at")
        shell.label(self.hide_button, "description", "Masquer", "Hide")
        shell.label(self.show_button, "description", "Réafficher", "Show again")
        shell.label(self.merge_button, "description", "Fusionner", "Merge")
        shell.label(
            self.publish_button, "description", "Marquer publiée", "Mark published"
        )
        shell.label(
            self.export_button, "description", "Exporter en CSV", "Export as CSV"
        )

        def act(fr: str, en: str, function):
            return shell.callback(fr, en, lambda _button: (function(), self.refresh()))

        self.hide_button.on_click(
            act("masquer", "hide", lambda: self.board.hide(self.mod_request.value))
        )
        self.show_button.on_click(
            act(
                "réafficher",
                "show again",
                lambda: self.board.hide(self.mod_request.value, False),
            )
        )
        self.merge_button.on_click(
            act(
                "fusionner",
                "merge",
                lambda: self.board.merge(self.mod_request.value, self.mod_target.value),
            )
        )
        self.publish_button.on_click(
            act(
                "marquer publiée",
                "mark published",
                lambda: self.board.mark_published(
                    self.mod_request.value, self.mod_url.value
                ),
            )
        )
        self.export_button.on_click(
            shell.callback("exporter", "export", lambda _button: self.export())
        )
        panel = w.VBox(
            [
                heading,
                self.mod_request,
                w.HBox([self.hide_button, self.show_button]),
                w.HBox([self.mod_target, self.merge_button]),
                w.HBox([self.mod_url, self.publish_button]),
                w.HBox([self.export_button, self.export_link]),
            ],
            layout=w.Layout(border="1px solid #ccc", padding="8px", margin="12px 0"),
        )
        panel.add_class("dq-moderation")
        return panel

    def export(self) -> str:
        """Offer the whole board as a CSV download link; return the CSV text."""
        text = self.board.export_csv()
        encoded = base64.b64encode(text.encode("utf-8")).decode("ascii")
        self.export_link.value = (
            f'<a download="besoins-en-donnees.csv" href="data:text/csv;charset=utf-8;base64,'
            f'{encoded}">{html.escape(self.shell.text("Télécharger le fichier CSV", "Download the CSV file"))}</a>'
        )
        return text

    def _fill_moderation(self) -> None:
        """List every request, whatever its status, in the moderation dropdowns."""
        requests = self.board.ranked(("open", "hidden", "published"))
        options = []
        for request in requests:
            status = self.shell.text(*STATUS_LABELS[request.status])
            label = f"#{request.id} [{status}] {request.title[:60]} ({request.votes})"
            options.append((label, request.id))
        for dropdown in (self.mod_request, self.mod_target):
            current = dropdown.value
            dropdown.options = options
            values = [value for _label, value in options]
            if current in values:
                dropdown.value = current
            elif values:
                dropdown.value = values[0]

    def _fill_use(self) -> None:
        current = self.use.value or "direct"
        self.use.options = [
            (self.shell.text(*labels), name) for name, labels in USE_LABELS.items()
        ]
        self.use.value = current

    def _relabel(self) -> None:
        self._fill_use()
        self.refresh()


def board_app(language: str | None = None) -> w.Widget:
    """Return the data-needs board, ready to display."""
    return build_app(BoardApp, language)
