"""The edge table as a networkx graph, written as GraphML."""

from __future__ import annotations

from pathlib import Path

import networkx as nx


def build_graph(edge_rows: list[dict], nodes: dict[str, dict]) -> nx.MultiDiGraph:
    """A multigraph with one node per actor or place that an edge touches (attributes from
    `nodes[id]`, values of None left out) and one edge per edge row, keyed by relation type,
    with `relation`, `documents`, `mentions`, `first_date` and `last_date`."""
    graph = nx.MultiDiGraph()
    for row in edge_rows:
        for node in (row["head"], row["tail"]):
            if node not in graph:
                graph.add_node(node, **{k: v for k, v in nodes.get(node, {}).items() if v is not None})
        graph.add_edge(row["head"], row["tail"], key=row["relation"], relation=row["relation"],
                       documents=int(row["documents"]), mentions=int(row["mentions"]),
                       first_date=row["first_date"], last_date=row["last_date"])
    return graph


def write_graphml(graph: nx.MultiDiGraph, path: Path) -> None:
    """Write `graph` to `path` as GraphML (UTF-8). Raises OSError."""
    nx.write_graphml(graph, str(path), encoding="utf-8")
