"""End the MLflow run that the tasks of one Airflow DAG run shared.

``python -m ia_portfolio.mlflow_run_end --status FINISHED|FAILED [--env ENV]
[--conf-source PATH]``, in the project directory, with the DAG run's
``IA_PORTFOLIO_MLFLOW_RUN_TAGS``: the DAG's last task runs it once every other task
is done, so that the run reads RUNNING until then (each task leaves it running).
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import mlflow
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project
from mlflow.entities import RunStatus

from ia_portfolio.tracking import end_shared_run

logger = logging.getLogger(__name__)

STATUSES = (
    RunStatus.to_string(RunStatus.FINISHED),
    RunStatus.to_string(RunStatus.FAILED),
)


def main(argv: list[str] | None = None) -> None:
    """Parse the command line, configure MLflow as a ``kedro run`` would (the
    project's ``mlflow.yml``) and end the shared run."""
    parser = argparse.ArgumentParser(prog="python -m ia_portfolio.mlflow_run_end")
    parser.add_argument("--status", choices=STATUSES, required=True)
    parser.add_argument("--env", default=None, help="Kedro environment")
    parser.add_argument("--conf-source", default=None, help="Kedro configuration")
    args = parser.parse_args(argv)
    logger.setLevel(logging.INFO)

    project = Path.cwd()
    bootstrap_project(project)
    with KedroSession.create(
        project_path=project, env=args.env, conf_source=args.conf_source
    ) as session:
        # kedro-mlflow's hook sets the tracking store and experiment up here.
        experiment_name = session.load_context().mlflow.tracking.experiment.name
    experiment = mlflow.get_experiment_by_name(experiment_name)
    ended = (
        end_shared_run(experiment.experiment_id, args.status) if experiment else None
    )
    if ended is None:
        logger.info("No MLflow run to end: no task of this DAG run created one.")
        return
    run_id, before = ended
    logger.info("MLflow run %s was %s; ended %s.", run_id, before, args.status)


if __name__ == "__main__":
    main()
