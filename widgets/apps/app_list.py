"""The course's seven apps: notebook, titles, one-sentence summary, walkthrough text.

The landing page, the screenshot recorder and the lesson authors (who
embed the walkthroughs with the alt text given here) share this list.
"""

from __future__ import annotations

from dataclasses import dataclass

from widgets.i18n import pick

IMAGE_FOLDER = "img"
WALKTHROUGH_FOLDER = "walkthroughs"


@dataclass(frozen=True)
class AppInfo:
    """One app of the course."""

    key: str
    notebook: str
    title_fr: str
    title_en: str
    summary_fr: str
    summary_en: str
    walkthrough_fr: str
    walkthrough_en: str

    def title(self, language: str | None = None) -> str:
        """Return the app's title in ``language``."""
        return pick(self.title_fr, self.title_en, language)

    def summary(self, language: str | None = None) -> str:
        """Return the one-sentence summary in ``language``."""
        return pick(self.summary_fr, self.summary_en, language)

    def walkthrough_alt(self, language: str | None = None) -> str:
        """Return the alt text of the app's walkthrough animation in ``language``."""
        return pick(self.walkthrough_fr, self.walkthrough_en, language)

    @property
    def image(self) -> str:
        """Path of the landing screenshot, relative to the notebooks folder."""
        return f"{IMAGE_FOLDER}/{self.key}.png"

    @property
    def walkthrough(self) -> str:
        """Path of the walkthrough animation, relative to the book's ``_static``."""
        return f"_static/{WALKTHROUGH_FOLDER}/{self.key}.png"


APPS: tuple[AppInfo, ...] = (
    AppInfo(
        "catalogue",
        "catalogue.ipynb",
        "Explorateur du catalogue",
        "Catalogue explorer",
        "Cherchez des jeux de données par mots-clés, organisation, format et licence, "
        "puis voyez leurs métadonnées et les premières lignes d'une ressource.",
        "Search datasets by keyword, organization, format and licence, then see their "
        "metadata and the first rows of a resource.",
        "Animation de l'explorateur du catalogue : la recherche « vélo » trouve le jeu "
        "de données Vélos - comptage; le choix de la ressource de 2019 affiche ses "
        "premières lignes lues avec datastore_search; le filtre de format GeoJSON "
        "laisse trois jeux de données.",
        "Animation of the catalogue explorer: searching 'vélo' finds the Vélos - "
        "comptage dataset; choosing its 2019 resource shows its first rows read with "
        "datastore_search; the GeoJSON format filter leaves three datasets.",
    ),
    AppInfo(
        "api",
        "api.ipynb",
        "Constructeur de requêtes API",
        "API query builder",
        "Composez une requête à l'API CKAN et voyez son adresse exacte, la commande "
        "curl et le code Python, puis sa réponse en JSON et en tableau, page par page.",
        "Compose a CKAN API request and see its exact URL, the curl command and the "
        "Python code, then its response as JSON and as a table, page by page.",
        "Animation du constructeur de requêtes API : une requête datastore_search sur "
        "le répertoire des municipalités filtrée sur l'Estrie affiche son adresse, sa "
        "commande curl et son code Python; son exécution montre total = 118, page 1 "
        "sur 24; le bouton Page suivante passe à la page 2 avec offset=5.",
        "Animation of the API query builder: a datastore_search request on the "
        "municipal directory filtered on Estrie shows its URL, curl command and Python "
        "code; running it shows total = 118, page 1 of 24; the Next page button moves "
        "to page 2 with offset=5.",
    ),
    AppInfo(
        "map",
        "carte.ipynb",
        "Carte des données",
        "Map view",
        "Placez sur une carte les piscines, les compteurs vélo, les rues piétonnes et "
        "les limites administratives, en repérant les coordonnées projetées ou inversées.",
        "Put pools, bicycle counters, pedestrian streets and administrative boundaries "
        "on a map, spotting projected or swapped coordinates.",
        "Animation de la carte des données : les piscines de Montréal apparaissent sur "
        "les arrondissements à partir des colonnes LONG et LAT; avec POINT_X et POINT_Y, "
        "l'application reconnaît la projection MTM zone 8 et convertit les points; avec "
        "LAT et LONG, elle signale des colonnes inversées; les quartiers de Québec "
        "s'affichent ensuite.",
        "Animation of the map view: Montréal's pools appear over the boroughs from the "
        "LONG and LAT columns; with POINT_X and POINT_Y, the app recognises the MTM "
        "zone 8 projection and converts the points; with LAT and LONG, it reports "
        "swapped columns; Québec City's neighbourhoods then show.",
    ),
    AppInfo(
        "charts",
        "graphiques.ipynb",
        "Constructeur de graphiques",
        "Chart builder",
        "Construisez un graphique altair à partir d'un fichier CSV, avec le code qui le "
        "dessine, son texte de remplacement et des téléchargements PNG et SVG.",
        "Build an altair chart from a CSV file, with the code that draws it, its alt "
        "text and PNG and SVG downloads.",
        "Animation du constructeur de graphiques : les comptages de vélos de 2019, par "
        "intervalles de 15 minutes, donnent une courbe d'un point par jour; regroupés "
        "par mois, ils montrent un pic en juillet et 11 points seulement, car le "
        "fichier n'a aucune ligne en août; le graphique passe en barres et le code "
        "qui le dessine s'affiche.",
        "Animation of the chart builder: the 2019 bicycle counts, in 15-minute "
        "intervals, give a line of one point per day; grouped by month, they show a "
        "peak in July and only 11 points, since the file has no row in August; the "
        "chart turns into bars and the code that draws it shows.",
    ),
    AppInfo(
        "quality",
        "qualite.ipynb",
        "Vérificateur de qualité",
        "Quality checker",
        "Mesurez la fraîcheur, la complétude, les doublons et la cohérence des types "
        "d'un jeu de données, résumés dans une fiche de niveau de service.",
        "Measure a dataset's freshness, completeness, duplicates and type consistency, "
        "summed up in a service-level card.",
        "Animation du vérificateur de qualité : le relevé des urgences est choisi, le "
        "bouton Vérifier produit une fiche de 115 lignes avec la complétude, les "
        "doublons et la validation par Table Schema, puis la fiche passe en anglais.",
        "Animation of the quality checker: the emergency room report is chosen, the "
        "Check button produces a card of 115 rows with completeness, duplicates and "
        "Table Schema validation, then the card switches to English.",
    ),
    AppInfo(
        "licences",
        "licences.ipynb",
        "Licences et attribution",
        "Licences and attribution",
        "Obtenez la mention de source d'un jeu de données, ce que sa licence permet et "
        "sa compatibilité avec la licence de votre travail.",
        "Get a dataset's credit line, what its licence allows and whether it fits the "
        "licence of your work.",
        "Animation de l'application des licences : le choix des quartiers de Québec "
        "donne la mention « Ville de Québec, licence CC BY 4.0 »; la licence CC0 pour "
        "le travail dérivé est jugée incompatible; l'application passe en anglais.",
        "Animation of the licences app: choosing Québec City's neighbourhoods gives the "
        "credit line 'Ville de Québec, CC BY 4.0 licence'; CC0 for the derived work is "
        "judged incompatible; the app switches to English.",
    ),
    AppInfo(
        "board",
        "besoins.ipynb",
        "Tableau des besoins en données",
        "Data-needs board",
        "Proposez un jeu de données dont vous avez besoin, votez pour ceux des autres et "
        "voyez les demandes classées.",
        "Propose a dataset you need, vote for other people's requests and see them "
        "ranked.",
        "Animation du tableau des besoins : une personne inscrit son nom, propose les "
        "horaires des bibliothèques avec une raison, la demande apparaît avec zéro vote, "
        "puis son vote la porte à un.",
        "Animation of the data-needs board: a person enters a name, proposes library "
        "opening hours with a reason, the request appears with no vote, then their vote "
        "brings it to one.",
    ),
)


def get_app(key: str) -> AppInfo:
    """Return the app called ``key``.

    Raises
    ------
    KeyError
        If no app has this key.
    """
    for app in APPS:
        if app.key == key:
            return app
    raise KeyError(f"No app {key!r}; apps: {', '.join(app.key for app in APPS)}.")
