"""A model version's card: what changed and why, who, when, data, schema, metrics."""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtWidgets import QTextBrowser

from console.gui import formatting
from console.gui.style import THEME


class ModelCardView(QTextBrowser):
    def __init__(self) -> None:
        super().__init__()
        self.setOpenLinks(False)
        self.show_card(None)

    def show_card(self, card: dict[str, Any] | None) -> None:
        if card is None:
            self.setHtml(f"<p style='color:{THEME.muted}'>Select a version to see its card.</p>")
            return
        esc = html.escape
        data = card["training_dataset"]
        metrics = ", ".join(
            f"{esc(k)} <b>{formatting.metric(v)}</b>"
            for k, v in card["metrics"].items()
            if not k.startswith("n_")
        )
        features = ", ".join(f"{esc(k)} <i>({esc(v)})</i>" for k, v in card["features"].items())
        rows = [
            ("Changes", esc(card["changes"] or "–")),
            ("Author", f"{esc(card['author'])}, {formatting.timestamp(card['date'])}"),
            (
                "Training data",
                f"{esc(data['name'] or '–')} · {formatting.count(data['rows'])} rows · "
                f"<code>{esc((data['sha256'] or '–')[:16])}</code>",
            ),
            ("Threshold", f"{card['threshold']:.4f}"),
            ("Holdout metrics", metrics or "–"),
            ("Feature schema", features),
            (
                "Golden set",
                f"{formatting.count(card['golden_set']['rows'])} rows with expected scores",
            ),
            ("Artifact", f"<code>{esc(card['artifact']['sha256'])}</code> (skops)"),
            ("Trusted types", esc(", ".join(card["artifact"]["trusted_types"]))),
        ]
        rows += [
            (esc(k.replace("_", " ").capitalize()), esc(str(v)))
            for k, v in card["provenance"].items()
        ]
        body = "".join(
            f"<tr><td style='color:{THEME.muted};padding:3px 12px 3px 0;white-space:nowrap'>"
            f"{k}</td><td style='padding:3px 0'>{v}</td></tr>"
            for k, v in rows
        )
        stage = f"<span style='color:{THEME.muted}'>· {esc(card['stage'])}</span>"
        title = f"Model {esc(card['version'])} {stage}"
        self.setHtml(f"<h3 style='margin:0 0 6px 0'>{title}</h3><table>{body}</table>")
