"""The model that scores requests, and its hot swap when production changes.

A poller thread reads the production pointer a few times a second. When it names a
new version, the poller loads it (hash and trusted types checked by the registry) off
the request path and then replaces one reference. A request takes that reference once
when it starts, so it is scored wholly by one version and names it; that version is
the one in production when the request arrived or the one before it (the poll lag).
A version that fails to load is not retried until production changes again; the one
already loaded keeps serving. The last few versions served stay loaded, so a rollback
(or a promote back) swaps at once, without loading anything while requests run.

With a :class:`~console.core.serving.model_loader.ModelLoader` (the service's default)
versions are loaded in a helper process, and the version a rollback would restore is
loaded ahead as soon as the helper is ready.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from console.core.base.errors import ConsoleError, WorkspaceError
from console.core.models import registry
from console.core.serving import fast_path
from console.core.serving.fast_path import CompiledPipeline
from console.core.serving.model_loader import LoaderUnavailable, ModelLoader

if TYPE_CHECKING:
    from pathlib import Path

    from console.core.base.workspace import Workspace

log = logging.getLogger(__name__)
#: versions kept loaded by a running service (the current one and those before it)
KEEP_LOADED = 3


@dataclass(frozen=True)
class LoadedModel:
    version: str
    sha256: str
    pipeline: Any
    threshold: float
    features: dict[str, str]
    #: the numpy scoring path, when the pipeline compiles and reproduces scikit-learn's
    #: scores on the golden set (see :mod:`console.core.serving.fast_path`)
    compiled: CompiledPipeline | None = None
    #: why there is no compiled path, or how close it came ("" when unchecked)
    compiled_note: str = ""


def load_production(ws: Workspace) -> LoadedModel:
    """Load the version in production now (WorkspaceError if there is none)."""
    model = registry.production(ws)
    if model is None:
        raise WorkspaceError(
            f"{ws.root}: no model version is in production; register or promote one first"
        )
    return load_version(ws, model)


def load_version(ws: Workspace, model: registry.ModelVersion) -> LoadedModel:
    return load_at(ws.root, model)


def load_at(root: Path, model: registry.ModelVersion) -> LoadedModel:
    """Load ``model`` from the workspace at ``root``: its artifact's hash and trusted
    types checked, and the fast path compiled if it reproduces the golden set."""
    pipeline = registry.load_bytes(model, registry.artifact_bytes(root, model))
    compiled, note = _compile_checked(root, model, pipeline)
    return LoadedModel(
        model.version, model.sha256, pipeline, model.threshold, model.features, compiled, note
    )


def _compile_checked(
    root: Path, model: registry.ModelVersion, pipeline: Any
) -> tuple[CompiledPipeline | None, str]:
    """The compiled path if it scores the golden set as scikit-learn does."""
    from console.core.serving.scoring import golden_columns

    compiled = fast_path.compile_pipeline(pipeline)
    if compiled is None:
        return None, "scikit-learn: the pipeline has steps the fast path does not know"
    if not model.golden_path:
        return None, "scikit-learn: no golden set to check the fast path against"
    try:
        columns = golden_columns(registry.golden_frame(root, model), model.features)
        same, worst = fast_path.verified(compiled, pipeline, columns)
    except (ConsoleError, OSError, ValueError, KeyError, IndexError) as exc:
        return None, f"scikit-learn: the fast path could not be checked ({exc})"
    if not same:
        log.warning("model %s: fast path off, differs by %.1e", model.version, worst)
        return None, f"scikit-learn: the fast path differs by {worst:.1e} on the golden set"
    return compiled, f"fast path: golden set reproduced (max difference {worst:.1e})"


class ModelHolder:
    """Holds the current :class:`LoadedModel`; ``start()`` begins polling production."""

    def __init__(
        self,
        ws: Workspace,
        *,
        poll_seconds: float = 0.25,
        on_swap: Callable[[LoadedModel | None, str], None] | None = None,
        loader: ModelLoader | None = None,
    ) -> None:
        self.ws = ws
        self.poll_seconds = poll_seconds
        #: loads versions in a helper process (see :mod:`console.core.serving.model_loader`);
        #: None: in this process
        self.loader = loader
        self.current = load_production(ws)
        #: recently served versions stay loaded, so switching back (a rollback, or the
        #: next promote) is one reference assignment: no load competes with requests
        self._recent: OrderedDict[tuple[str, str], LoadedModel] = OrderedDict()
        self._remember(self.current)
        self._on_swap = on_swap
        self._failed: tuple[str, str] | None = None  # (version, sha) that would not load
        self._failed_preload: tuple[str, str] | None = None
        #: the version a rollback would restore, when it is loaded ahead (else None)
        self.rollback_ready: str | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def poll_once(self) -> bool:
        """Swap if production names another version; True if a swap happened."""
        model = registry.production(self.ws)
        if model is None or model.version == self.current.version:
            return False
        if self._failed == (model.version, model.sha256):
            return False
        try:
            loaded = self._recent.get((model.version, model.sha256)) or self._load(model)
        except (ConsoleError, OSError, ValueError) as exc:
            self._failed = (model.version, model.sha256)
            log.error("cannot load production version %s: %s", model.version, exc)
            if self._on_swap:
                self._on_swap(None, f"{model.version}: {exc}")
            return False
        self.current = loaded  # one reference assignment: atomic for readers
        self.rollback_ready = None  # production moved: so did the rollback target
        self._remember(loaded)
        self._failed = None
        log.info("now serving model %s", loaded.version)
        if self._on_swap:
            self._on_swap(loaded, "")
        return True

    def _load(self, model: registry.ModelVersion) -> LoadedModel:
        if self.loader is not None:
            try:
                return self.loader.load(self.ws.root, model)
            except LoaderUnavailable as exc:
                log.warning("%s: loading model %s in the service", exc, model.version)
        return load_version(self.ws, model)

    def preload_rollback_target(self) -> str | None:
        """Load the version a rollback would restore, in the helper process, so the
        rollback swaps at once. Only with a helper: loading here would stall requests.

        Returns the version now held ready (None: nothing to load, or not yet possible).
        """
        from console.core.models import deploy

        if self.loader is None or not self.loader.ready():
            return None
        version = deploy.previous_production(self.ws)
        model = registry.get(self.ws, version) if version else None
        if model is None:
            return None
        key = (model.version, model.sha256)
        if key == self._failed_preload:
            return None
        if key in self._recent:
            self.rollback_ready = model.version
            return model.version
        try:
            loaded = self.loader.load(self.ws.root, model)
        except LoaderUnavailable:
            return None
        except (ConsoleError, OSError, ValueError) as exc:
            self._failed_preload = key  # the rollback's own checks will say why
            log.warning("cannot preload rollback target %s: %s", model.version, exc)
            return None
        self._remember(loaded, serving=False)
        self.rollback_ready = model.version
        log.info("rollback target %s loaded ahead", model.version)
        return model.version

    def _remember(self, model: LoadedModel, *, serving: bool = True) -> None:
        """Keep ``model`` loaded; one loaded ahead (not ``serving``) is evicted first."""
        key = (model.version, model.sha256)
        self._recent[key] = model
        self._recent.move_to_end(key, last=serving)
        while len(self._recent) > KEEP_LOADED:
            self._recent.popitem(last=False)

    def start(self) -> None:
        if self.loader is not None:
            self.loader.start()
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="service-model-poll")
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self.loader is not None:
            self.loader.close()

    def _run(self) -> None:
        target_ready = False  # the rollback target is loaded (or there is none)
        while not self._stop.wait(self.poll_seconds):
            try:
                if self.poll_once():
                    target_ready = False  # production moved: so did the rollback target
                if not target_ready and self.loader is not None and self.loader.ready():
                    self.preload_rollback_target()
                    target_ready = True
            except Exception:  # a bad poll must not end the service's swaps
                log.exception("polling the production model failed")
