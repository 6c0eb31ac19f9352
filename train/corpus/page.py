"""`index.html`: one self-contained page with a map of Syria and an actor network.

Everything the page needs is inside the file: plotly.js (from the `plotly` package, inline),
the data (a JSON `<script>` block), Syria's outline and its neighbours' (`syria_outline.geojson`
beside this module: Natural Earth 1:110m, public domain, via github.com/johan/world.geo.json,
The Unlicense; its `source` and `license` members say so) and the page's own script. No
request leaves the machine when it is opened: there is no URL to load anything from, and
the map is plain x/y axes in degrees (plotly's geo maps would fetch their base map).

- The map: every linked place with coordinates inside the map's frame, sized by its
  mentions in the chosen dates, coloured by the actor most often reported controlling it
  (CONTROLS edges, `train.link.labels.CONTROL_RELATION`, counted in documents; grey where
  none). Clicking a place lists its edges.
- The network: actors joined by actor-actor edges (SUPPORTS, PART_OF, ALLIED_WITH,
  HOSTILE_TO), one colour per relation type, line width by documents. Clicking an edge's
  midpoint, or a row of the edge table below, shows its evidence sentences.
- Filters: relation types (check boxes) and a date range (articles without a date are
  shown only while both date fields are empty).

The page's HTML and script are `templates/page.html.j2` and `templates/page.js`; this module
fills in the data. After drawing, the page writes what it drew onto `<body>` (`data-rendered`, `data-map-points`,
`data-network-nodes`, `data-network-edges`, `data-table-rows`) for tests and scripts.
"""

from __future__ import annotations

import json
from pathlib import Path

from jinja2 import Environment, FileSystemLoader

from ..link.labels import CONTROL_RELATION, RELATION_NAMES

OUTLINE_PATH = Path(__file__).with_name("syria_outline.geojson")
TEMPLATE_DIR = Path(__file__).with_name("templates")
TEMPLATES = Environment(loader=FileSystemLoader(TEMPLATE_DIR), autoescape=True, keep_trailing_newline=True)
"""The page's HTML (`page.html.j2`) and script (`page.js`); the title and labels are escaped."""
MAP_FRAME = {"lon": (34.5, 43.0), "lat": (31.5, 38.0)}
RELATION_PALETTE = ["#d62728", "#ff7f0e", "#8c564b", "#2ca02c", "#9467bd", "#1f77b4", "#e377c2", "#7f7f7f",
                    "#17becf", "#bcbd22"]
"""Relation colours, given to the schema's relation types in schema order."""
CONTROLLER_COLORS = ["#e41a1c", "#377eb8", "#4daf4a", "#984ea3", "#ff7f00", "#a65628", "#f781bf", "#1b9e77",
                     "#d95f02", "#7570b3", "#e7298a", "#66a61e"]


def relation_colors() -> dict[str, str]:
    """Relation type -> colour (`RELATION_PALETTE` in schema order)."""
    return {name: RELATION_PALETTE[i % len(RELATION_PALETTE)] for i, name in enumerate(RELATION_NAMES)}


def plotly_js() -> str:
    """plotly.js as the installed `plotly` package ships it (minified), safe inside <script>."""
    from plotly.offline import get_plotlyjs

    return get_plotlyjs().replace("</script", "<\\/script")


def outline() -> list[dict]:
    """The outline features as [{"name", "syria", "rings": [[[lon, lat], ...], ...]}]."""
    features = json.loads(OUTLINE_PATH.read_text(encoding="utf-8"))["features"]
    out = []
    for feature in features:
        geometry = feature["geometry"]
        polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
        out.append({"name": feature["properties"]["name"], "syria": feature["properties"]["iso_a3"] == "SYR",
                    "rings": [ring for polygon in polygons for ring in polygon]})
    return out


def network_frame(actors: dict) -> dict:
    """Axis ranges that hold every positioned actor with room for its label."""
    xs = [a["xy"][0] for a in actors.values() if a.get("xy")] or [0.0]
    ys = [a["xy"][1] for a in actors.values() if a.get("xy")] or [0.0]
    pad_x, pad_y = 0.35 * max(max(xs) - min(xs), 0.5), 0.1 * max(max(ys) - min(ys), 0.5)
    return {"x": [min(xs) - pad_x, max(xs) + pad_x], "y": [min(ys) - pad_y, max(ys) + pad_y]}


def script_json(data: object) -> str:
    """`data` as JSON that cannot end its <script> element early."""
    return json.dumps(data, ensure_ascii=False).replace("</", "<\\/").replace("<!--", "<\\!--")


def render_page(data: dict, title: str = "From mentions to a picture of the war") -> str:
    """The whole page as a string. `data` holds `meta`, `relation_types`, `actors`, `places`,
    `edges` and `place_mentions` (built by `train.corpus.pipeline.page_data`)."""
    data = {**data, "outline": outline(), "frame": MAP_FRAME, "network_frame": network_frame(data.get("actors", {})),
            "relation_colors": relation_colors(), "control_relation": CONTROL_RELATION,
            "controller_colors": CONTROLLER_COLORS}
    return TEMPLATES.get_template("page.html.j2").render(
        title=title, control=CONTROL_RELATION or "control", plotly_js=plotly_js(), data_json=script_json(data),
        script=(TEMPLATE_DIR / "page.js").read_text(encoding="utf-8"))
