"""One CKAN API request written three ways: a browser URL, a curl command, Python.

Lessons show a request before they run it, so a learner can paste it in a
browser or a terminal. The URL and the command name the portal's API by
default, because a reader of the static site can open them there. The
lesson then runs the same action and parameters through
:class:`widgets.portal.PortalClient`, which reads ``DONNEESQC_API`` and may
point at the course's offline replica.

Parameters are encoded exactly as the client encodes them
(:func:`widgets.portal.encode_params`): dicts and lists as JSON, ``fields``
and ``sort`` lists as comma-separated text.
"""

from __future__ import annotations

import html
import shlex
from dataclasses import dataclass, field
from urllib.parse import unquote_plus

import requests

from widgets.i18n import check_language, pick
from widgets.portal import PORTAL_API_URL, api_base_url, encode_params

CURL_CONTINUATION = " \\\n  "


@dataclass(frozen=True)
class ApiCall:
    """A CKAN action and its parameters, sent by GET to ``base_url``.

    Attributes
    ----------
    action
        The action name, such as ``"datastore_search"``.
    params
        The action's parameters, as given to :meth:`PortalClient.url_for`.
    base_url
        The action API base URL, ending with ``/api/3/action/``.
    language
        Language of the labels of :meth:`to_html`.
    """

    action: str
    params: dict = field(default_factory=dict)
    base_url: str = PORTAL_API_URL
    language: str = "fr"

    @property
    def endpoint(self) -> str:
        """The action's URL without the query string."""
        return self.base_url + self.action

    @property
    def query(self) -> dict[str, str]:
        """The query string parameters, as text, in the order given."""
        return encode_params(self.params)

    @property
    def url(self) -> str:
        """The exact GET URL, percent-encoded, as the client sends it."""
        request = requests.Request("GET", self.endpoint, params=self.query)
        return request.prepare().url

    @property
    def readable_url(self) -> str:
        """The URL with its percent-encoding undone, for reading only.

        Browsers accept it, but a ``&``, ``#`` or ``+`` inside a value changes
        its meaning: paste :attr:`url` instead when a value contains one.
        """
        return unquote_plus(self.url)

    def curl_command(self) -> str:
        """Return a curl command for a POSIX shell (bash, zsh) that sends this request.

        ``-G`` makes curl send the ``--data-urlencode`` values as the query
        string of a GET request, encoding each value itself.
        """
        parts = ["curl -G " + shlex.quote(self.endpoint)]
        for name, value in self.query.items():
            parts.append("--data-urlencode " + shlex.quote(f"{name}={value}"))
        return CURL_CONTINUATION.join(parts)

    def to_html(self) -> str:
        """Render the URL (a link) and the curl command as a definition list."""
        lang = self.language
        url = html.escape(self.url, quote=True)
        rows = [
            (
                pick("Dans le navigateur", "In the browser", lang),
                f'<a href="{url}"><code>{html.escape(self.url)}</code></a>',
            ),
            (
                pick(
                    "Même adresse, décodée pour la lecture",
                    "Same URL, decoded for reading",
                    lang,
                ),
                f"<code>{html.escape(self.readable_url)}</code>",
            ),
            (
                pick(
                    "Avec curl (terminal bash ou zsh)", "With curl (bash or zsh)", lang
                ),
                f"<pre>{html.escape(self.curl_command())}</pre>",
            ),
        ]
        items = "".join(f"<dt>{label}</dt><dd>{value}</dd>" for label, value in rows)
        title = pick("Requête", "Request", lang)
        return (
            f'<div class="dq-api-call" lang="{lang}">'
            f'<p class="dq-api-call-title">{title} '
            f"<code>{html.escape(self.action)}</code></p>"
            f"<dl>{items}</dl></div>"
        )

    def _repr_html_(self) -> str:
        return self.to_html()


def api_call(
    action: str,
    *,
    language: str | None = None,
    base_url: str | None = None,
    **params: object,
) -> ApiCall:
    """Return the request ``action(**params)`` for display in a lesson.

    Parameters
    ----------
    action
        The CKAN action name.
    language
        Language of the labels; the learner's language by default.
    base_url
        Action API base URL; the portal's by default (not ``DONNEESQC_API``),
        so the displayed URL opens for any reader.
    **params
        The action's parameters. ``facet_field`` stands for ``facet.field``.

    Examples
    --------
    >>> call = api_call("package_search", language="en", q="vélo", rows=5)
    >>> call.url
    'https://www.donneesquebec.ca/recherche/api/3/action/package_search?q=v%C3%A9lo&rows=5'
    >>> call.readable_url
    'https://www.donneesquebec.ca/recherche/api/3/action/package_search?q=vélo&rows=5'
    """
    return ApiCall(
        action=action,
        params=dict(params),
        base_url=api_base_url(base_url or PORTAL_API_URL),
        language=check_language(language),
    )
