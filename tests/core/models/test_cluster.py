"""Scale-out through joblib's dask backend: a 2-worker LocalCluster; a silent address fails
clearly (or falls back when the config says so)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from console.core.base import cluster
from console.core.base.maintenance_config import Cluster
from console.core.base.workspace import Workspace
from console.core.models import retraining, validation
from tests.core.models.test_retraining import _production, _small
from tests.core.monitoring_helpers import fill
from tests.core.registry_helpers import register

distributed = pytest.importorskip("dask.distributed")


@pytest.fixture(scope="module")
def local_cluster() -> Iterator[str]:
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, protocol="tcp://",
        dashboard_address=":0",
    ) as found:  # fmt: skip
        yield found.scheduler_address


def _use(ws: Workspace, **settings: Any) -> None:
    ws.config = ws.config.model_copy(update={"cluster": Cluster(**settings)})


def test_a_cluster_that_does_not_answer_is_a_clear_failure() -> None:
    silent = Cluster(address="tcp://127.0.0.1:9", timeout_s=1.0)
    answer = r"tcp://127.0.0.1:9 did not answer"
    with pytest.raises(cluster.ClusterUnavailable, match=answer), cluster.compute(silent):
        pass
    fallback = Cluster(address="tcp://127.0.0.1:9", timeout_s=1.0, fallback_local=True)
    with cluster.compute(fallback) as where:
        assert where.local
        assert "fallback" in where.describe()


def test_backtests_run_on_the_cluster_with_the_same_scores(
    workspace: Workspace, local_cluster: str
) -> None:
    register(workspace, "1.0.0", stage="production")
    fill(workspace, days=2, per_day=400)
    local = validation.run_validation(workspace, "alice")
    _use(workspace, address=local_cluster)
    remote = validation.run_validation(workspace, "alice")
    assert local.compute == "local"
    assert remote.compute == f"dask cluster {local_cluster} (2 workers)"
    assert np.allclose(
        [d["recall"] for d in remote.models[0]["per_day"]],
        [d["recall"] for d in local.models[0]["per_day"]],
    )
    assert remote.threshold["proposed"] == pytest.approx(local.threshold["proposed"])


def test_retraining_searches_on_the_cluster(workspace: Workspace, local_cluster: str) -> None:
    _production(workspace)
    fill(workspace, days=3, per_day=500)
    _small(workspace)
    _use(workspace, address=local_cluster)
    report = retraining.retrain(workspace, "alice")
    assert report.compute.startswith("dask cluster")
    assert report.search["iterations"]
    assert report.candidate == "1.1.0"
