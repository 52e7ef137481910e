"""App: API query builder.

The learner chooses a CKAN action and fills in its parameters; the app
shows the exact URL, the curl command and the Python code of the request
as they type. Running it shows the JSON and a table; for actions that page
(``package_search``, ``datastore_search``), the total, "page n of m" and
previous/next buttons that move the offset.
"""

from __future__ import annotations

import html
import logging

import ipywidgets as w

from widgets.api_builder import (
    ACTIONS,
    Paging,
    build_params,
    curl_command,
    default_values,
    get_action,
    paging,
    python_code,
    request_url,
    result_json,
    result_table,
    run,
    turn_page,
)
from widgets.api_source import ApiSource, connect
from widgets.apps.shell import AppShell, build_app, table_html
from widgets.errors import CourseError

logger = logging.getLogger(__name__)

DEFAULT_ACTION = "datastore_search"
TABLE_ROWS = 50


class ApiApp:
    """The widgets and behaviour of the API query builder."""

    def __init__(
        self, language: str | None = None, source: ApiSource | None = None
    ) -> None:
        self.shell = AppShell(
            "Constructeur de requêtes API", "API query builder", language
        )
        shell = self.shell
        self.source: ApiSource | None = source
        self.inputs: dict[str, w.Text] = {}
        self.params: dict = {}
        self.last_params: dict | None = None
        self.page: Paging | None = None

        self.source_box = w.HTML()
        self.action = w.Dropdown(
            options=list(ACTIONS), value=DEFAULT_ACTION, layout=w.Layout(width="30em")
        )
        self.action.add_class("dq-action")
        self.action_help = w.HTML()
        self.form = w.VBox([])
        self.form.add_class("dq-form")
        self.url = w.HTML()
        self.url.add_class("dq-request-url")
        self.curl = w.Textarea(layout=w.Layout(width="100%", height="5em"))
        self.curl.add_class("dq-curl")
        self.code = w.Textarea(layout=w.Layout(width="100%", height="16em"))
        self.code.add_class("dq-python")
        self.run_button = w.Button(button_style="primary", icon="play")
        self.run_button.add_class("dq-run")
        self.status = w.HTML()
        self.status.add_class("dq-status")
        self.previous = w.Button(icon="arrow-left", disabled=True)
        self.previous.add_class("dq-previous")
        self.next = w.Button(icon="arrow-right", disabled=True)
        self.next.add_class("dq-next")
        self.table = w.HTML()
        self.table.add_class("dq-table-output")
        self.json = w.Textarea(layout=w.Layout(width="100%", height="18em"))
        self.json.add_class("dq-json")

        shell.label(self.action, "description", "Action", "Action")
        shell.label(self.run_button, "description", "Exécuter", "Run")
        shell.label(self.previous, "description", "Page précédente", "Previous page")
        shell.label(self.next, "description", "Page suivante", "Next page")
        self.action.style = {"description_width": "10em"}
        headings = {}
        for key, fr, en in (
            ("request", "La requête", "The request"),
            ("curl", "Dans un terminal (curl)", "In a terminal (curl)"),
            ("python", "En Python", "In Python"),
            ("answer", "La réponse", "The response"),
            ("json", "JSON (result)", "JSON (result)"),
        ):
            headings[key] = w.HTML()
            shell.label(headings[key], "value", f"<h3>{fr}</h3>", f"<h3>{en}</h3>")

        shell.body.children = [
            self.source_box,
            self.action,
            self.action_help,
            self.form,
            headings["request"],
            self.url,
            headings["curl"],
            self.curl,
            headings["python"],
            self.code,
            self.run_button,
            headings["answer"],
            self.status,
            w.HBox([self.previous, self.next]),
            self.table,
            headings["json"],
            self.json,
        ]
        self.action.observe(self._on_action, names="value")
        self.run_button.on_click(lambda _button: self._run())
        self.previous.on_click(lambda _button: self._turn(-1))
        self.next.on_click(lambda _button: self._turn(1))
        shell.on_language(self._relabel)

        with shell.task("se connecter à l'API", "connect to the API"):
            if self.source is None:
                self.source = connect()
            self._render_source()
            self._build_form()
            self.update_request()

    # Actions --------------------------------------------------------------

    def values(self) -> dict[str, str]:
        """Return the text of each parameter field."""
        return {name: widget.value for name, widget in self.inputs.items()}

    def set_values(self, values: dict[str, str]) -> None:
        """Fill parameter fields (for tests and walkthroughs); the request follows."""
        for name, value in values.items():
            self.inputs[name].value = value

    def update_request(self) -> None:
        """Rebuild the URL, curl command and Python code from the form."""
        self.url.value = self.curl.value = self.code.value = ""
        self.params = build_params(self.action.value, self.values())
        if self.source is None:
            return
        client = self.source.client
        url = request_url(client, self.action.value, self.params)
        self.url.value = (
            f'<p><a class="dq-url" href="{html.escape(url, quote=True)}" target="_blank" '
            f'rel="noopener">{html.escape(url)}</a></p>'
        )
        self.curl.value = curl_command(url)
        self.code.value = python_code(
            client, self.action.value, self.params, self.shell.language
        )

    def execute(self, params: dict | None = None) -> None:
        """Send the request (the form's, or ``params``) and show the response."""
        if self.source is None:
            return
        if params is None:
            self.update_request()
            params = self.params
        action = self.action.value
        result = run(self.source.client, action, params)
        self.last_params = params
        self.page = paging(action, params, result.result)
        text = self.shell.text
        parts = [
            text(
                f"Réponse de <span class='dq-url'>{html.escape(result.url)}</span>.",
                f"Response from <span class='dq-url'>{html.escape(result.url)}</span>.",
            )
        ]
        if self.page is not None:
            total_name = "count" if action == "package_search" else "total"
            parts.append(
                text(
                    f"<b>{total_name} = {self.page.total}</b> — page {self.page.page} "
                    f"sur {self.page.pages} ({self.page.limit} par page).",
                    f"<b>{total_name} = {self.page.total}</b> — page {self.page.page} "
                    f"of {self.page.pages} ({self.page.limit} per page).",
                )
            )
        self.status.value = "<p>" + " ".join(parts) + "</p>"
        self.previous.disabled = self.page is None or not self.page.has_previous
        self.next.disabled = self.page is None or not self.page.has_next
        table = result_table(action, result.result)
        note = ""
        if len(table) > TABLE_ROWS:
            note = (
                "<p class='dq-note'>"
                + html.escape(
                    text(
                        f"{TABLE_ROWS} premières lignes sur {len(table)}.",
                        f"First {TABLE_ROWS} rows of {len(table)}.",
                    )
                )
                + "</p>"
            )
        self.table.value = note + table_html(
            table,
            max_rows=TABLE_ROWS,
            label=text("Réponse en tableau", "Response as a table"),
        )
        json_text, cut = result_json(result.result)
        if cut:
            json_text += "\n…\n" + text(
                "(JSON coupé : la réponse complète est à l'adresse ci-dessus.)",
                "(JSON cut: the whole response is at the URL above.)",
            )
        self.json.value = json_text

    # Rendering ------------------------------------------------------------

    def _render_source(self) -> None:
        if self.source is not None:
            self.source_box.value = f'<p class="dq-note">{html.escape(self.source.describe(self.shell.language))}</p>'

    def _build_form(self) -> None:
        action = get_action(self.action.value)
        self.action_help.value = (
            f"<p>{html.escape(action.help(self.shell.language))}</p>"
        )
        defaults = default_values(action.name)
        self.inputs = {}
        rows = []
        for parameter in action.parameters:
            field = w.Text(
                value=defaults[parameter.name],
                description=parameter.name,
                layout=w.Layout(width="42em"),
                style={"description_width": "10em"},
            )
            field.add_class(f"dq-param-{parameter.name}")
            field.observe(self._on_edit, names="value")
            self.inputs[parameter.name] = field
            hint = w.HTML(
                f'<span class="dq-note">{html.escape(parameter.help(self.shell.language))}'
                + (" *" if parameter.required else "")
                + "</span>"
            )
            rows.append(w.HBox([field, hint]))
        self.form.children = rows

    def _clear_response(self) -> None:
        self.status.value = self.table.value = self.json.value = ""
        self.previous.disabled = self.next.disabled = True
        self.page = None

    # Callbacks ------------------------------------------------------------

    def _on_action(self, _change: dict) -> None:
        with self.shell.task("changer d'action", "change action"):
            self.inputs = {}
            self._build_form()
            self._clear_response()
            self.update_request()

    def _on_edit(self, _change: dict) -> None:
        with self.shell.task("écrire la requête", "write the request", busy=False):
            self.update_request()

    def _run(self) -> None:
        with self.shell.task("exécuter la requête", "run the request"):
            self.execute()

    def _turn(self, step: int) -> None:
        if self.page is None or self.last_params is None:
            return
        with self.shell.task("changer de page", "change page"):
            params = turn_page(self.action.value, self.last_params, step, self.page)
            offset_name = get_action(self.action.value).offset_parameter
            if offset_name in self.inputs:
                # Writing the field rebuilds URL, curl and code for the new page.
                self.inputs[offset_name].value = str(params[offset_name])
            self.execute()

    def _relabel(self) -> None:
        self._render_source()
        values = self.values()
        self._build_form()
        self.set_values(values)
        self.update_request()
        if self.last_params is not None:
            try:
                self.execute(self.last_params)
            except CourseError:
                self._clear_response()
                raise


def api_app(language: str | None = None) -> w.Widget:
    """Return the API query builder, ready to display."""
    return build_app(ApiApp, language)
