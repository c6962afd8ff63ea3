"""The lineage graph: files -> dataset versions -> model versions -> deployments.

Built from what is already recorded - derivation records (inputs -> output), the
registry (a model's training dataset) and the deployment history - never from a log of
its own. Node ids are ``file:<path>``, ``dataset:<sha256>``, ``model:<version>`` and
``deployment:<id>``; every node carries the time it appeared, so a view can show the
graph as it was at any moment.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from console.core.base.errors import BadInput
from console.core.data import datasets, derivations
from console.core.models import deploy, registry

if TYPE_CHECKING:
    from console.core.base.workspace import Workspace


@dataclass
class Node:
    id: str
    kind: str  # file | dataset | model | deployment
    label: str
    time: str  # when it appeared ("" when unknown, e.g. a file)
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    kind: str  # the derivation kind, "deployed" or "trained"

    def as_dict(self) -> dict[str, str]:
        return dict(self.__dict__)


@dataclass
class Graph:
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)

    def add(self, node: Node) -> None:
        self.nodes.setdefault(node.id, node)

    def link(self, source: str, target: str, kind: str) -> None:
        edge = Edge(source, target, kind)
        if edge not in self.edges:
            self.edges.append(edge)

    def upstream(self, node_id: str) -> list[str]:
        return self._walk(node_id, lambda e: (e.target, e.source))

    def downstream(self, node_id: str) -> list[str]:
        return self._walk(node_id, lambda e: (e.source, e.target))

    def _walk(self, start: str, direction: Any) -> list[str]:
        seen: list[str] = []
        queue = deque([start])
        while queue:
            here = queue.popleft()
            for edge in self.edges:
                frm, to = direction(edge)
                if frm == here and to not in seen and to != start:
                    seen.append(to)
                    queue.append(to)
        return seen

    def as_dict(self) -> dict[str, Any]:
        return {
            "nodes": [n.as_dict() for n in self.nodes.values()],
            "edges": [e.as_dict() for e in self.edges],
        }


def build(ws: Workspace) -> Graph:
    """The whole workspace's lineage graph."""
    graph = Graph()
    for version in datasets.list_versions(ws):
        graph.add(_dataset_node(version))
    for derivation in derivations.all_derivations(ws.conn):
        target = f"{derivation.output_kind}:{derivation.output}"
        for source in derivation.inputs:
            if source.kind == "log":
                continue
            node_id = f"{source.kind}:{source.ref}"
            if source.kind == "file":
                graph.add(Node(node_id, "file", Path(source.ref).name, "",
                               {"path": source.ref, "sha256": source.sha256}))  # fmt: skip
            graph.link(node_id, target, derivation.kind)
    for model in registry.list_versions(ws):
        graph.add(Node(f"model:{model.version}", "model", model.version, model.created_at,
                       {"stage": model.stage, "author": model.author, "dataset": model.dataset,
                        "sha256": model.sha256}))  # fmt: skip
        if model.dataset:
            graph.link(f"dataset:{model.dataset}", f"model:{model.version}", "training")
    for d in reversed(deploy.history(ws, limit=100_000)):
        if d.outcome != "switched":
            continue
        node_id = f"deployment:{d.id}"
        graph.add(Node(node_id, "deployment", f"{d.kind} #{d.id}", d.finished_at,
                       {"kind": d.kind, "from": d.from_version, "to": d.to_version,
                        "user": d.user, "reason": d.reason}))  # fmt: skip
        graph.link(f"model:{d.to_version}", node_id, "deployed")
    return graph


def _dataset_node(v: datasets.DatasetVersion) -> Node:
    return Node(
        f"dataset:{v.sha256}", "dataset", f"{v.name} {v.sha256[:8]}", v.created_at,
        {"name": v.name, "rows": v.rows, "transform": v.transform, "parent": v.parent,
         "created_by": v.created_by},
    )  # fmt: skip


def resolve(ws: Workspace, graph: Graph, ref: str) -> str:
    """A node id for what an operator typed: a model version, a dataset hash (or a
    unique prefix of at least 6 characters, or a name: its newest version), or a file
    path (as recorded, or the same file given another way)."""
    text = ref.strip()
    if text.startswith(("model:", "dataset:", "file:", "deployment:")) and text in graph.nodes:
        return text
    if f"model:{text}" in graph.nodes:
        return f"model:{text}"
    sets = [n for n in graph.nodes.values() if n.kind == "dataset"]
    if len(text) >= 6:
        found = [n.id for n in sets if n.id.removeprefix("dataset:").startswith(text.lower())]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise BadInput(f"dataset prefix {text!r} is ambiguous ({len(found)} versions)")
    named = sorted((n for n in sets if n.details.get("name") == text), key=lambda n: n.time)
    if named:
        return named[-1].id
    files = [n for n in graph.nodes.values() if n.kind == "file"]
    for node in files:
        path = node.details["path"]
        if text == path or _same_file(ws, text, path):
            return node.id
    raise BadInput(
        f"{ref!r} is not a registered model version, dataset version or recorded input file"
    )


def _same_file(ws: Workspace, typed: str, recorded: str) -> bool:
    a, b = Path(typed).expanduser(), Path(recorded)
    a = a if a.is_absolute() else Path.cwd() / a
    b = b if b.is_absolute() else ws.root / b
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def lineage_of(ws: Workspace, ref: str) -> dict[str, Any]:
    """``ref``'s lineage both ways: what it came from and what was built from it."""
    graph = build(ws)
    node_id = resolve(ws, graph, ref)
    up, down = graph.upstream(node_id), graph.downstream(node_id)
    keep = {node_id, *up, *down}
    subject = graph.nodes[node_id].as_dict()
    if subject["kind"] in ("dataset", "model"):
        kind, key = node_id.split(":", 1)
        subject["derivations"] = [d.as_dict() for d in derivations.of_output(ws.conn, kind, key)]
    return {
        "subject": subject,
        "upstream": [graph.nodes[n].as_dict() for n in up if n in graph.nodes],
        "downstream": [graph.nodes[n].as_dict() for n in down if n in graph.nodes],
        "edges": [e.as_dict() for e in graph.edges if e.source in keep and e.target in keep],
    }
