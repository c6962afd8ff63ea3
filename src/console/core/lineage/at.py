"""``lineage at TIME``: what was live at a moment, and everything it came from.

One answer: the model version in production then, the deployment that put it there
(who, why, when), the dataset version it was trained on, the chain of dataset versions
and transformations back to the files, and the configuration version in force.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from console.core.base import clock, config_versions
from console.core.data import datasets, derivations
from console.core.models import registry

if TYPE_CHECKING:
    from console.core.base.workspace import Workspace


def production_at(ws: Workspace, iso: str) -> dict[str, Any] | None:
    """The switched deployment that was in force at ``iso`` (the latest before it)."""
    row = ws.conn.execute(
        "SELECT * FROM deployments WHERE outcome = 'switched' AND finished_at <= ?"
        " ORDER BY finished_at DESC, id DESC LIMIT 1",
        (iso,),
    ).fetchone()
    if row is None:
        return None
    return {
        "id": row["id"],
        "kind": row["kind"],
        "version": row["to_version"],
        "from_version": row["from_version"],
        "user": row["user"],
        "reason": row["reason"],
        "at": row["finished_at"],
    }


def dataset_chain(ws: Workspace, sha: str | None) -> list[dict[str, Any]]:
    """The dataset version ``sha`` and its ancestors, each with how it was derived."""
    chain: list[dict[str, Any]] = []
    seen: set[str] = set()
    while sha and sha not in seen:
        seen.add(sha)
        version = datasets.get(ws, sha)
        if version is None:
            chain.append({"sha256": sha, "missing": True})
            break
        made = derivations.of_output(ws.conn, "dataset", sha)
        files = [i.as_dict() for d in made for i in d.inputs if i.kind in ("file", "log")]
        chain.append(
            {
                **version.as_dict(),
                "derivations": [d.as_dict() for d in made],
                "files": files,
            }
        )
        sha = version.parent
    return chain


def lineage_at(ws: Workspace, moment: dt.datetime) -> dict[str, Any]:
    """Everything about production at ``moment`` in one document."""
    iso = clock.iso(moment)
    deployment = production_at(ws, iso)
    config = config_versions.in_force_at(ws, iso)
    answer: dict[str, Any] = {
        "at": iso,
        "production": None,
        "deployment": deployment,
        "model": None,
        "training": None,
        "dataset_chain": [],
        "config": config.as_dict() if config else None,
    }
    if deployment is None:
        answer["note"] = "no model version was in production at that time"
        return answer
    model = registry.get(ws, deployment["version"])
    answer["production"] = deployment["version"]
    if model is None:
        return answer
    answer["model"] = {
        "version": model.version,
        "sha256": model.sha256,
        "threshold": model.threshold,
        "author": model.author,
        "created_at": model.created_at,
        "notes": model.notes,
        "dataset": model.dataset,
    }
    made = derivations.of_output(ws.conn, "model", model.version)
    answer["training"] = made[-1].as_dict() if made else None
    answer["dataset_chain"] = dataset_chain(ws, model.dataset)
    return answer
