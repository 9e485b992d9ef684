"""A failed or stopped run leaves the outputs of the previous run in place.

``OutputBackupHooks`` sets aside every local file or folder a run is about to
overwrite and puts it back if the run fails; ``StopSignalHooks`` turns SIGTERM and
SIGINT into an ordinary run failure, so that restoration happens and the MLflow run
is closed (status ``KILLED``) instead of being left ``RUNNING``.
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
import signal
import threading
from collections.abc import Generator
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from types import FrameType
from typing import Any

import mlflow
from kedro.framework.hooks import hook_impl
from kedro.io.core import get_protocol_and_path
from mlflow.entities import RunStatus

logger = logging.getLogger(__name__)

BACKUP_ROOT = Path("data") / ".run_backup"
LOCAL_PROTOCOLS = frozenset({"file", "local"})
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def local_output_path(dataset: Any) -> Path | None:
    """The local file or folder that saving ``dataset`` writes, or ``None`` when it
    writes elsewhere (memory, a remote store, a database, MLflow).

    kedro-datasets keep the path in ``_filepath`` and its protocol in ``_protocol``
    (``MlflowArtifactDataset`` subclasses the dataset it wraps, so it has them too);
    ``PartitionedDataset`` keeps its folder in ``_path``. A versioned save writes a
    new ``<filepath>/<version>/`` folder.
    """
    if getattr(dataset, "_protocol", None) not in LOCAL_PROTOCOLS:
        return None
    filepath = getattr(dataset, "_filepath", None)
    if isinstance(filepath, str | PurePath):
        path = Path(filepath)
        if getattr(dataset, "_version", None) is not None:
            return (path / dataset.resolve_save_version()).absolute()
        return path.absolute()
    folder = getattr(dataset, "_path", None)
    if isinstance(folder, str):
        return Path(get_protocol_and_path(folder)[1]).absolute()
    return None


def adds_to_existing(dataset: Any) -> bool:
    """Whether saving ``dataset`` adds to what its path holds instead of replacing
    it: a ``PartitionedDataset`` without ``overwrite`` or an append ``mode``."""
    if getattr(dataset, "_overwrite", True) is False:
        return True
    modes = [
        (getattr(dataset, attribute, None) or {}).get("mode")
        for attribute in ("_save_args", "_fs_open_args_save")
    ]
    return any(str(mode).startswith("a") for mode in modes if mode)


def _remove(path: Path) -> bool:
    """Delete a file, link or folder; ``False`` if there was nothing."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif os.path.lexists(path):
        path.unlink()
    else:
        return False
    return True


def _copy(source: Path, destination: Path) -> None:
    """Copy a file or folder so that ``destination`` exists only once complete."""
    partial = destination.with_name(destination.name + ".partial")
    if source.is_dir():
        shutil.copytree(source, partial, symlinks=True)
    else:
        shutil.copy2(source, partial, follow_symlinks=False)
    os.replace(partial, destination)


def _missing_folders(folder: Path) -> list[Path]:
    """``folder`` and its parents that do not exist yet, deepest first."""
    missing = []
    while not folder.exists() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    return missing


@dataclass
class _Output:
    """A path a run writes, and how to undo the write."""

    path: Path
    # Where the content from before the run waits; None when the run creates it.
    backup: Path | None
    created_folders: list[Path] = field(default_factory=list)


class OutputBackupHooks:
    """Keep the outputs of earlier runs when a run fails.

    Before a dataset backed by a local file or folder is saved, the existing file is
    moved (renamed, never hard-linked: writers truncate files in place) to
    ``<project>/data/.run_backup/<run id>/``; an output whose save adds to what is
    there (partitions, append mode) is copied instead. If the run fails, every
    backed-up path is put back, every path the run created is removed (for a
    versioned dataset the new version, so the latest version is the previous good
    one) and the backups are deleted; if it succeeds, the backups are deleted.
    Memory, remote, database and MLflow datasets are left alone: MLflow records a
    failed run as such.
    """

    def __init__(self) -> None:
        self._catalog: Any = None
        self._backup_dir: Path | None = None
        self._outputs: dict[Path, _Output] = {}
        self._lock = threading.Lock()

    @hook_impl
    def before_pipeline_run(self, run_params: dict[str, Any], catalog: Any) -> None:
        self._catalog = catalog
        self._outputs = {}
        project = Path(run_params["project_path"])
        self._backup_dir = project / BACKUP_ROOT / str(run_params["run_id"])

    @hook_impl
    def before_dataset_saved(self, dataset_name: str) -> None:
        if self._catalog is None:
            return
        dataset = self._catalog.get(dataset_name)
        path = local_output_path(dataset)
        if path is None:
            return
        with self._lock:
            if path not in self._outputs:
                self._set_aside(path, copy=adds_to_existing(dataset))

    # First of the error hooks, so that a failing one (e.g. MLflow's) cannot skip it.
    @hook_impl(tryfirst=True)
    def on_pipeline_error(self) -> None:
        if self._catalog is None:
            return
        if self._restore():
            self._delete_backups()
        self._catalog = None

    @hook_impl(tryfirst=True)
    def after_pipeline_run(self) -> None:
        if self._catalog is None:
            return
        self._delete_backups()
        self._catalog = None

    def _set_aside(self, path: Path, copy: bool) -> None:
        created_folders = _missing_folders(path.parent)
        if not os.path.lexists(path):
            self._outputs[path] = _Output(path, None, created_folders)
            return
        backup = self._backup_dir / str(len(self._outputs)) / path.name
        backup.parent.mkdir(parents=True)
        # Recorded before the move: if a stop signal lands in between, the
        # restoration finds no backup and leaves the untouched path alone.
        self._outputs[path] = _Output(path, backup, created_folders)
        if copy:
            _copy(path, backup)
            return
        try:
            os.replace(path, backup)
        except OSError as error:
            if error.errno != errno.EXDEV:
                raise
            _copy(path, backup)  # another file system: a copy is as good

    def _restore(self) -> bool:
        """Undo the failed run's writes; ``False`` if some could not be undone."""
        restored, removed, failed = 0, 0, 0
        for output in reversed(self._outputs.values()):
            try:
                if output.backup is None:
                    if _remove(output.path):
                        removed += 1
                        logger.info(
                            "Removed '%s', written by the failed run.", output.path
                        )
                elif os.path.lexists(output.backup):
                    _remove(output.path)
                    shutil.move(output.backup, output.path)
                    restored += 1
                    logger.info("Restored '%s' as it was before the run.", output.path)
                for folder in output.created_folders:
                    if folder.is_dir() and not any(folder.iterdir()):
                        folder.rmdir()
            except OSError:
                failed += 1
                logger.exception(
                    "Could not undo the failed run's write to '%s' (content from "
                    "before the run, if any: '%s').",
                    output.path,
                    output.backup,
                )
        if restored or removed:
            logger.warning(
                "The run failed: %d output(s) put back as they were before it, "
                "%d output(s) it created removed.",
                restored,
                removed,
            )
        return failed == 0

    def _delete_backups(self) -> None:
        if self._backup_dir is None or not self._backup_dir.exists():
            return
        shutil.rmtree(self._backup_dir, ignore_errors=True)
        with suppress(OSError):  # the shared backup root, once empty
            self._backup_dir.parent.rmdir()


class RunStoppedError(Exception):
    """Raised in the main thread when a run receives SIGTERM or SIGINT."""


class StopSignalHooks:
    """Make a stopped run fail like any other failed run.

    During a run, the first SIGTERM (``kill``, ``docker stop``, Airflow) or SIGINT
    (Ctrl-C) raises ``RunStoppedError`` in the main thread, so Kedro calls the
    ``on_pipeline_error`` hooks: ``OutputBackupHooks`` puts the outputs back and
    kedro-mlflow ends its run, which this hook then marks ``KILLED`` (kedro-mlflow
    says ``FAILED``). If a node swallows the error, the next node start raises it
    again. Signals that arrive while the hooks clean up are held and delivered to
    the previous handler afterwards, so a second SIGTERM still ends the process,
    once the outputs are back. Only a run in the main thread can catch signals.
    """

    def __init__(self) -> None:
        self._previous_handlers: dict[int, Any] = {}
        self._running = False
        self._stopped_by: str | None = None
        self._held_signals: list[int] = []
        self._mlflow_run_id: str | None = None

    @hook_impl(trylast=True)
    def before_pipeline_run(self) -> None:
        self._restore_handlers()  # left installed if the previous run never ended
        # Last of the before_pipeline_run hooks: kedro-mlflow has started its run.
        active = mlflow.active_run()
        self._mlflow_run_id = active.info.run_id if active else None
        self._stopped_by = None
        self._held_signals = []
        if threading.current_thread() is not threading.main_thread():
            return
        for signum in STOP_SIGNALS:
            self._previous_handlers[signum] = signal.signal(signum, self._on_signal)
        self._running = True

    @hook_impl
    def before_node_run(self) -> None:
        if self._running and self._stopped_by is not None:
            raise RunStoppedError(f"The run was stopped by {self._stopped_by}.")

    @hook_impl(wrapper=True)
    def on_pipeline_error(self) -> Generator[None, Any, Any]:
        self._running = False
        try:
            return (yield)
        finally:
            if self._stopped_by is not None:
                self._mark_mlflow_run_killed()
            self._restore_handlers()

    @hook_impl(wrapper=True)
    def after_pipeline_run(self) -> Generator[None, Any, Any]:
        self._running = False
        try:
            return (yield)
        finally:
            self._restore_handlers()

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if self._running and self._stopped_by is None:
            self._stopped_by = name
            logger.warning("%s received: stopping the run.", name)
            raise RunStoppedError(f"The run was stopped by {name}.")
        logger.warning("%s received while the run stops; handled after clean-up.", name)
        self._held_signals.append(signum)

    def _restore_handlers(self) -> None:
        for signum, handler in self._previous_handlers.items():
            signal.signal(signum, handler)
        self._previous_handlers = {}
        held, self._held_signals = self._held_signals, []
        for signum in held:
            signal.raise_signal(signum)

    def _mark_mlflow_run_killed(self) -> None:
        if self._mlflow_run_id is None:
            return
        try:
            client = mlflow.MlflowClient()
            run = client.get_run(self._mlflow_run_id)
            # Only relabel a run that kedro-mlflow has just ended as failed.
            if run.info.status == RunStatus.to_string(RunStatus.FAILED):
                client.set_terminated(
                    self._mlflow_run_id, RunStatus.to_string(RunStatus.KILLED)
                )
                logger.info("MLflow run '%s' marked KILLED.", self._mlflow_run_id)
        except Exception:  # the run is closed either way; keep the original error
            logger.exception(
                "Could not mark MLflow run '%s' KILLED.", self._mlflow_run_id
            )
