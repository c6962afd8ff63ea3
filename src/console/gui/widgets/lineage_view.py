"""The lineage graph: files -> dataset versions -> model versions -> deployments.

Drawn with Qt graphics items in four columns. Clicking a node highlights everything it
came from and everything built from it (both ways) and describes it; the time slider
shows the graph as it was at a moment - later nodes fade - and says what was live then.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QMouseEvent, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QSlider,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from console.core.base import clock
from console.core.base.workspace import Workspace
from console.core.lineage import at, graph
from console.gui.formatting import timestamp
from console.gui.style import THEME

COLUMNS = ("file", "dataset", "model", "deployment")
HEADINGS = ("Files", "Dataset versions", "Model versions", "Deployments")
NODE_W, NODE_H, GAP_X, GAP_Y = 180.0, 38.0, 44.0, 14.0
FILLS = {"file": "#eef1f6", "dataset": "#e3ecfa", "model": "#e6f4ea", "deployment": "#fdf0dc"}


class NodeItem(QGraphicsRectItem):
    """One node; remembers its id so a click can find it."""

    def __init__(self, node: graph.Node, x: float, y: float) -> None:
        super().__init__(QRectF(0, 0, NODE_W, NODE_H))
        self.node = node
        self.setPos(x, y)
        self.setBrush(QBrush(QColor(FILLS[node.kind])))
        self.setPen(QPen(QColor(THEME.border), 1))
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable, True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip(f"{node.kind} {node.label}\n{timestamp(node.time) if node.time else ''}")
        label = QGraphicsSimpleTextItem(_elide(node.label, 26), self)
        label.setPos(8, 4)
        when = QGraphicsSimpleTextItem(timestamp(node.time) if node.time else "", self)
        when.setBrush(QBrush(QColor(THEME.muted)))
        when.setPos(8, 20)


def _elide(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


class LineageScene(QGraphicsScene):
    node_clicked = Signal(str)

    def mousePressEvent(self, event: Any) -> None:
        for item in self.items(event.scenePos()):
            found = item if isinstance(item, NodeItem) else item.parentItem()
            if isinstance(found, NodeItem):
                self.node_clicked.emit(found.node.id)
                break
        super().mousePressEvent(event)


class LineageView(QWidget):
    """The graph, a time slider and a description of the chosen node or moment."""

    def __init__(self, ws: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        self.graph = graph.Graph()
        self.items: dict[str, NodeItem] = {}
        self.edges: list[tuple[graph.Edge, QGraphicsPathItem]] = []
        self.selected = ""
        self.scene = LineageScene(self)
        self.scene.node_clicked.connect(self.select)
        self.view = QGraphicsView(self.scene)
        self.view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.view.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, 1000)
        self.slider.setValue(1000)
        self.slider.valueChanged.connect(self._moved)
        self.moment_label = QLabel("")
        self.moment_label.setWordWrap(True)
        self.detail = QLabel("Click a node to see where it came from and what was built from it.")
        self.detail.setWordWrap(True)
        self.detail.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.detail.setMinimumWidth(260)
        time_row = QHBoxLayout()
        time_row.addWidget(QLabel("What was live at"))
        time_row.addWidget(self.slider, 1)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.view)
        split.addWidget(self.detail)
        split.setSizes([900, 300])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(time_row)
        layout.addWidget(self.moment_label)
        layout.addWidget(split, 1)
        self.start: dt.datetime | None = None
        self.shown_at: dt.datetime | None = None  # a moment chosen exactly (None: the slider)
        self.end: dt.datetime = clock.now()

    # ------------------------------------------------------------------ drawing
    def refresh(self) -> None:
        self.graph = graph.build(self.ws)
        self.scene.clear()
        self.items.clear()
        self.edges.clear()
        for column, (kind, heading) in enumerate(zip(COLUMNS, HEADINGS, strict=True)):
            title = QGraphicsSimpleTextItem(heading)
            title.setPos(column * (NODE_W + GAP_X), 0)
            self.scene.addItem(title)
            nodes = sorted((n for n in self.graph.nodes.values() if n.kind == kind),
                           key=lambda n: (n.time or "", n.label))  # fmt: skip
            for row, node in enumerate(nodes):
                item = NodeItem(node, column * (NODE_W + GAP_X), 28 + row * (NODE_H + GAP_Y))
                self.scene.addItem(item)
                self.items[node.id] = item
        for edge in self.graph.edges:
            source, target = self.items.get(edge.source), self.items.get(edge.target)
            if source is None or target is None:
                continue
            start = source.pos() + QPointF(NODE_W, NODE_H / 2)
            end = target.pos() + QPointF(0, NODE_H / 2)
            path = QPainterPath(start)
            bend = (end.x() - start.x()) / 2
            path.cubicTo(start + QPointF(bend, 0), end - QPointF(bend, 0), end)
            line = self.scene.addPath(path, QPen(QColor(THEME.border), 1.4))
            line.setZValue(-1)
            self.edges.append((edge, line))
        times = [clock.parse_moment(n.time) for n in self.graph.nodes.values() if n.time]
        self.start = min(times) if times else None
        self.end = max([*times, clock.now()])
        self._show(self.shown_at or self.moment())
        if self.selected in self.items:
            self.select(self.selected)

    def moment(self) -> dt.datetime:
        if self.start is None:
            return self.end
        span = (self.end - self.start) * (self.slider.value() / 1000)
        return self.start + span

    def show_moment(self, moment: dt.datetime) -> None:
        """Move the slider to ``moment`` (clamped to the graph's time span)."""
        if self.start is None or self.end <= self.start:
            return
        share = (moment - self.start) / (self.end - self.start)
        self.slider.blockSignals(True)
        self.slider.setValue(round(max(0.0, min(1.0, share)) * 1000))
        self.slider.blockSignals(False)
        self._show(moment)

    def _moved(self, _value: int) -> None:
        self._show(self.moment())

    def _show(self, moment: dt.datetime) -> None:
        """Fade what did not exist at ``moment`` and say what was live then."""
        self.shown_at = moment if moment < self.end else None
        iso = clock.iso(moment)
        live = at.production_at(self.ws, iso)
        for node_id, item in self.items.items():
            present = not item.node.time or item.node.time <= iso
            item.setOpacity(1.0 if present else 0.25)
            highlight = live is not None and node_id in (f"model:{live['version']}",
                                                          f"deployment:{live['id']}")  # fmt: skip
            item.setPen(
                QPen(QColor(THEME.ok if highlight else THEME.border), 3 if highlight else 1)
            )
        if live is None:
            self.moment_label.setText(f"{timestamp(iso)}: no model version in production.")
        else:
            self.moment_label.setText(
                f"{timestamp(iso)}: model {live['version']} in production since "
                f"{timestamp(live['at'])} ({live['kind']} by {live['user']}: {live['reason']})"
            )
        if self.selected:
            self.select(self.selected)

    # ------------------------------------------------------------------ selection
    def select(self, node_id: str) -> None:
        if node_id not in self.items:
            return
        self.selected = node_id
        up, down = self.graph.upstream(node_id), self.graph.downstream(node_id)
        related = {node_id, *up, *down}
        for other_id, item in self.items.items():
            if other_id == node_id:
                item.setBrush(QBrush(QColor(THEME.accent_soft)))
            else:
                fill = FILLS[item.node.kind] if other_id in related else THEME.surface
                item.setBrush(QBrush(QColor(fill)))
        for edge, line in self.edges:
            on = edge.source in related and edge.target in related
            line.setPen(QPen(QColor(THEME.accent if on else THEME.border), 2.2 if on else 1.0))
        node = self.graph.nodes[node_id]
        facts = "".join(
            f"<br>{k}: {_elide(str(v), 26)}" for k, v in node.details.items() if v not in (None, "")
        )
        self.detail.setText(
            f"<b>{node.kind} {node.label}</b>"
            f"<br>{timestamp(node.time) if node.time else ''}{facts}"
            f"<br><br><b>Came from</b> ({len(up)}):<br>"
            + "<br>".join(self.graph.nodes[n].label for n in up if n in self.graph.nodes)
            + f"<br><br><b>Built from it</b> ({len(down)}):<br>"
            + "<br>".join(self.graph.nodes[n].label for n in down if n in self.graph.nodes)
        )

    def click(self, node_id: str) -> None:
        """Click the node ``node_id`` as a user would (tests)."""
        item = self.items[node_id]
        centre = self.view.mapFromScene(item.sceneBoundingRect().center())
        press = QMouseEvent(
            QMouseEvent.Type.MouseButtonPress, centre.toPointF(),
            self.view.viewport().mapToGlobal(centre).toPointF(), Qt.MouseButton.LeftButton,
            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
        )  # fmt: skip
        self.view.mousePressEvent(press)
