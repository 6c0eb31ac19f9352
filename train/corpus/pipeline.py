"""The corpus pipeline behind `python -m train corpus RUN_DIR INPUT... --out FOLDER [--predictions FILE.jsonl]`.

1. Predict every input document with the run's model, streaming, into
   `FOLDER/predictions.jsonl` (the `predict` command's machinery: records go to
   `predictions.jsonl.partial` as they are made, and a later call keeps every finished record
   and predicts only the rest, so an interrupted call resumes). `--predictions FILE` skips
   this and reads FILE (the JSON lines `predict` writes) instead. `predictions.jsonl.meta.json`
   records which model made the file; a different model is refused.
2. Read the inputs again, one document at a time, with its predicted record (found by id
   through an index of byte offsets, so memory does not grow with the texts), link its
   mentions (`train.link.linker`), add it to the near-duplicate index (`train.corpus.dedup`)
   and to the edge totals (`train.corpus.aggregate`), and write its rows to `mentions.csv`.
3. Write `edges.csv`, `graph.graphml` and `index.html` (`train.corpus.page`).

Inputs are those of `predict`: .txt files, folders of .txt, JSON lines with `id` and `text`;
JSON lines may also carry `date` (ISO) and `source` (the outlet), which the edges use. Every
output row carries the run id, the weights' hash and the registry version. Output files are
written next to their final name and renamed into place when complete; a path that is a
symlink, FIFO, device or folder is refused. A document that cannot be read or whose
predicted entities do not match its text is reported on stderr and skipped (exit status 1).
"""

from __future__ import annotations

import csv
import json
import os
import sys
from contextlib import contextmanager
from pathlib import Path

from ..data.documents import Document, DocumentError, document_from_dict
from ..files import check_output_file, file_sha256
from ..predict.inputs import count_inputs, iter_inputs
from ..predict.provenance import model_folder
from ..predict.ruler import RULER_FILE
from ..progress import progress
from .aggregate import EDGE_COLUMNS, MENTION_COLUMNS, SKIPPED, DocInfo, EdgeTable, mention_rows
from .dedup import NearDuplicates
from .provenance import Provenance

OUTPUTS = ("mentions.csv", "edges.csv", "graph.graphml", "index.html")
PREDICTIONS = "predictions.jsonl"
SIDE_COLORS = {"government": "#c0392b", "government_ally": "#e67e22", "opposition": "#27ae60",
               "kurdish_led": "#d4ac0d", "jihadist": "#2c3e50", "foreign_state": "#8e44ad",
               "international_coalition": "#2980b9", "other": "#7f8c8d"}


# ---------------------------------------------------------------------- predicting
def ruler_sha256(run_dir: Path) -> str | None:
    """First 16 hex digits of the SHA-256 of the run's entity ruler file, None without one."""
    path = model_folder(Path(run_dir)) / RULER_FILE
    return file_sha256(path)[:16] if path.is_file() else None


def ensure_predictions(args, path: Path, provenance: Provenance) -> Path:
    """Predict the inputs into `path`, keeping the records an earlier call finished (the model
    and its entity ruler must be the same: `<path>.meta.json`); returns `path`. Raises
    ValueError for another model's predictions."""
    from ..predict.output import RecordWriter, partial_path, records_to_keep
    from ..predict.stream import predict_stream

    meta_path = path.with_name(path.name + ".meta.json")
    check_output_file(meta_path)
    wanted = {"run_id": provenance.run_id, "weights_sha256": provenance.weights_sha256,
              "entity_ruler_sha256": None if args.no_entity_ruler else ruler_sha256(args.run_dir)}
    if meta_path.is_file():
        recorded = json.loads(meta_path.read_text(encoding="utf-8"))
        if {k: recorded.get(k) for k in wanted} != wanted:
            raise ValueError(f"{path}: was predicted by run {recorded.get('run_id')!r} (weights "
                             f"{recorded.get('weights_sha256')}, entity ruler {recorded.get('entity_ruler_sha256')}), "
                             f"not {provenance.run_id!r} ({provenance.weights_sha256}, entity ruler "
                             f"{wanted['entity_ruler_sha256']}); choose another --out or delete it")
    meta_path.write_text(json.dumps(wanted) + "\n", encoding="utf-8")
    kept = {r["id"]: r for r in records_to_keep(path)}
    pending = [i.id for i in iter_inputs(args.inputs) if i.error is None and i.id not in kept]
    if not pending and path.is_file() and not partial_path(path).exists():
        return path
    from ..predict.predictor import predictor_from_arguments

    predictor = predictor_from_arguments(args, args.device)
    writer = RecordWriter.to_file(partial_path(path))
    bar = progress(count_inputs(args.inputs), "predict", "doc", every=args.progress_every, disable=args.no_progress)
    predict_stream(iter_inputs(args.inputs), predictor, writer, 0, 1, kept, bar)
    bar.close()
    writer.close()
    os.replace(partial_path(path), path)
    return path


# ---------------------------------------------------------------------- linking
def input_metadata(inputs: list[str]) -> dict[str, tuple[str, str]]:
    """id -> (date, source) for the records of the JSON lines inputs that carry them (strings
    only; a bad line is skipped here, `iter_inputs` reports it)."""
    found: dict[str, tuple[str, str]] = {}
    for argument in inputs:
        path = Path(argument)
        if path.suffix != ".jsonl" or not path.is_file():
            continue
        with open(path, "rb") as handle:
            for line in handle:
                try:
                    record = json.loads(line)
                except (ValueError, RecursionError):
                    continue
                if isinstance(record, dict) and isinstance(record.get("id"), str):
                    date, source = record.get("date"), record.get("source")
                    found.setdefault(record["id"], (date if isinstance(date, str) else "",
                                                    source if isinstance(source, str) else ""))
    return found


def prediction_offsets(path: Path) -> dict[str, int]:
    """id -> byte offset of its first successful record in a JSON lines predictions file.
    Raises OSError when the file cannot be read."""
    offsets: dict[str, int] = {}
    with open(path, "rb") as handle:
        position = 0
        for line in handle:
            try:
                record = json.loads(line)
            except (ValueError, RecursionError):
                record = None
            if isinstance(record, dict) and isinstance(record.get("id"), str) and "error" not in record:
                offsets.setdefault(record["id"], position)
            position += len(line)
    return offsets


def read_prediction(handle, offset: int, text: str, where: str) -> Document:
    """The predicted document at `offset`, with `text`; DocumentError when the record is not a
    document or an entity's `text` differs from the raw text at its offsets."""
    handle.seek(offset)
    doc = document_from_dict(json.loads(handle.readline()), where, text)
    bad = [e.id for e in doc.entities if text[e.start:e.end] != e.text]
    if bad:
        raise DocumentError(f"{where}: predicted entities {', '.join(bad[:5])} do not match the text at their "
                            "offsets (predictions made for another version of this document?)")
    return doc


@contextmanager
def csv_output(path: Path, columns):
    """A `csv.DictWriter` on `<path>.partial`, renamed to `path` when the block succeeds."""
    partial = path.with_name(path.name + ".partial")
    with open(partial, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns))
        writer.writeheader()
        yield writer
    os.replace(partial, path)


def write_text_file(path: Path, text: str) -> None:
    """Write `text` (UTF-8) next to `path`, then rename it into place."""
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


def link_corpus(args, predictions: Path, out: Path, provenance: Provenance) -> int:
    """Steps 2-3 of the module docstring; returns the number of documents skipped."""
    from ..link.linker import Linker

    linker = Linker.default()
    names = link_names(linker)
    meta, offsets = input_metadata(args.inputs), prediction_offsets(predictions)
    table, dedup, errors, seen = EdgeTable(), NearDuplicates(), 0, set()
    bar = progress(count_inputs(args.inputs), "link", "doc", every=args.progress_every, disable=args.no_progress)
    with csv_output(out / "mentions.csv", MENTION_COLUMNS) as mentions, open(predictions, "rb") as handle:
        for item in iter_inputs(args.inputs):
            bar.update(1)
            problem = item.error or (f"duplicate id {item.id!r}" if item.id in seen else None) or \
                (None if item.id in offsets else f"no prediction for {item.id!r} in {predictions}")
            if problem is None:
                try:
                    doc = read_prediction(handle, offsets[item.id], item.text, f"{predictions} ({item.id})")
                except (DocumentError, ValueError) as err:
                    problem = str(err)
            if problem:
                errors += 1
                print(f"error: {item.where or item.id}: {problem}" if item.where not in problem else f"error: {problem}",
                      file=sys.stderr)
                continue
            seen.add(item.id)
            date, source = meta.get(item.id, ("", ""))
            info = DocInfo(item.id, date or doc.date or "", source or doc.source or "", item.text)
            links = linker.link_document(doc, info.date or None)
            mentions.writerows(mention_rows(info, doc, links, names, provenance.as_dict()))
            table.add(info, doc, links)
            dedup.add(item.id, item.text)
    bar.close()
    write_results(table, dedup, linker, names, provenance, out, len(seen))
    return errors


def link_names(linker) -> dict[str, str]:
    """Display name of every actor and place id: the English name, then the Arabic one."""
    names = {a.id: f"{a.name_en} / {a.name_ar}" for a in linker.actors.values()}
    names.update({p.id: f"{p.name} / {p.name_ar}" if p.name_ar else p.name for p in linker.places.values()})
    return names


def write_results(table: EdgeTable, dedup: NearDuplicates, linker, names: dict, provenance: Provenance, out: Path,
                  documents: int) -> None:
    """`edges.csv`, `graph.graphml` and `index.html` from the finished totals."""
    from .graph import build_graph, write_graphml
    from .page import render_page

    rows = list(table.rows(dedup.cluster, names, provenance.as_dict()))
    with csv_output(out / "edges.csv", EDGE_COLUMNS) as writer:
        writer.writerows(rows)
    nodes = node_attributes(linker, {n for r in rows for n in (r["head"], r["tail"])})
    partial = out / "graph.graphml.partial"
    write_graphml(build_graph(rows, nodes), partial)
    os.replace(partial, out / "graph.graphml")
    data = page_data(table, dedup, linker, provenance, documents)
    write_text_file(out / "index.html", render_page(data))


def node_attributes(linker, ids: set[str]) -> dict[str, dict]:
    """GraphML node attributes of actor and place ids (None values are left out later)."""
    out = {}
    for i in ids:
        if i in linker.actors:
            a = linker.actors[i]
            out[i] = {"node_type": "actor", "name": a.name_en, "name_ar": a.name_ar, "side": a.side, "kind": a.kind}
        elif i in linker.places:
            p = linker.places[i]
            out[i] = {"node_type": "place", "name": p.name, "name_ar": p.name_ar,
                      "kind": p.kind, "country": p.country, "admin1": p.admin1, "lat": p.lat, "lon": p.lon}
    return out


def actor_layout(edges) -> dict[str, list[float]]:
    """Fixed positions (spring layout, seed 7, weights = documents) of the actors that
    actor-actor edges join."""
    import networkx as nx

    graph = nx.Graph()
    for (head, _, tail), weight in edges:
        previous = graph.get_edge_data(head, tail, {}).get("weight", 0)
        graph.add_edge(head, tail, weight=previous + weight)
    if not graph:
        return {}
    positions = nx.spring_layout(graph, seed=7, weight="weight")
    return {n: [round(float(x), 4), round(float(y), 4)] for n, (x, y) in positions.items()}


def page_data(table: EdgeTable, dedup: NearDuplicates, linker, provenance: Provenance, documents: int) -> dict:
    """The JSON the page draws from (see `train.corpus.page.render_page`)."""
    from ..data.schema import load_schema

    edges = []
    for (head, relation, tail), state in table.edges.items():
        dates = sorted(d for d in state.docs.values() if d)
        edges.append({"h": head, "t": tail, "type": relation, "mentions": state.mentions,
                      "docs": sorted([date, dedup.cluster(doc)] for doc, date in state.docs.items()),
                      "first": dates[0] if dates else "", "last": dates[-1] if dates else "",
                      "outlets": [f"{o} ({len(ids)})" for o, ids in sorted(state.outlets.items())],
                      "evidence": state.evidence})
    actor_edges = [((e["h"], e["type"], e["t"]), len({c for _, c in e["docs"]})) for e in edges
                   if e["h"] in linker.actors and e["t"] in linker.actors]
    layout = actor_layout(actor_edges)
    used = {e["h"] for e in edges} | {e["t"] for e in edges} | set(table.place_mentions)
    actors = {i: {"label": f"{a.name_ar} ({a.name_en.split(' (')[0]})", "side": a.side,
                  "color": SIDE_COLORS.get(a.side, "#7f8c8d"), "xy": layout.get(i)}
              for i, a in linker.actors.items() if i in used}
    places = {i: {"label": f"{p.name_ar or p.name} ({p.name})", "lat": p.lat, "lon": p.lon,
                  "admin1": p.admin1, "kind": p.kind} for i, p in linker.places.items() if i in used}
    place_mentions = {pid: sorted([table.dates.get(doc, ""), dedup.cluster(doc), n] for doc, n in counts.items())
                      for pid, counts in table.place_mentions.items()}
    clusters = len({dedup.cluster(d) for d in table.dates})
    return {"meta": {**provenance.as_dict(), "documents": documents, "clusters": clusters},
            "relation_types": [n for n in load_schema().relation_names if n not in SKIPPED], "actors": actors, "places": places,
            "edges": edges, "place_mentions": place_mentions}
