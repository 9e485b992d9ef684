"""The container image trains the chatbot at build time: the hand-written
utterances its run reads (kept with the tests, which the image leaves out) must
be in the build context and copied where the catalog looks for them."""

from __future__ import annotations

from pathlib import PurePosixPath

import yaml

from tests.serving.container import dockerfile_values
from tests.support.project import PROJECT_ROOT


def test_the_image_brings_the_hand_written_utterances_its_training_reads() -> None:
    catalog = yaml.safe_load(
        (PROJECT_ROOT / "conf/base/catalog_chatbot.yml").read_text()
    )
    path = catalog["chatbot.natural_utterances"]["filepath"]
    relative = PurePosixPath(path.removeprefix("${project_root:}/"))
    assert (PROJECT_ROOT / relative).is_file()
    ignored = (PROJECT_ROOT / ".dockerignore").read_text().splitlines()
    assert "tests" in ignored and f"!{relative}" in ignored
    copies = [value.split() for value in dockerfile_values("COPY")]
    assert [str(relative), f"{relative.parent}/"] in copies
    [training] = [r for r in dockerfile_values("RUN") if "TRAIN_MODELS" in r]
    assert "kedro run --pipeline=chatbot" in training
