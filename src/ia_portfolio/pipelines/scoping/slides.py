"""The scoping slide deck (``docs/scoping/slides.md``, one slide per ``#``
heading) rendered to one self-contained HTML file with pandoc's DZSlides writer.

pandoc comes inside the ``pypandoc-binary`` wheel, so rendering needs no network:
the deck's images are embedded, and the web-font link of pandoc's default
DZSlides template is left out (the deck uses the browser's fonts)::

    python -m ia_portfolio.pipelines.scoping.slides docs/scoping/slides.md build/scoping-slides.html
"""

from __future__ import annotations

import argparse
import logging
import tempfile
from pathlib import Path

logger = logging.getLogger(__name__)

SLIDES_FORMAT = "dzslides"
# The one line of pandoc's DZSlides template that reaches the network.
WEB_FONT_MARKER = "fonts.googleapis.com"


def _offline_template(pandoc: str) -> str:
    """pandoc's own DZSlides template without its web-font link."""
    import subprocess  # noqa: PLC0415, S404 - pandoc is the wheel's own binary

    template = subprocess.run(  # noqa: S603
        [pandoc, "-D", SLIDES_FORMAT],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return "\n".join(
        line for line in template.splitlines() if WEB_FONT_MARKER not in line
    )


def render_slides(source: Path, target: Path) -> Path:
    """Render the markdown deck ``source`` to the HTML file ``target``, images
    (paths relative to ``source``) embedded."""
    import pypandoc  # noqa: PLC0415 - only the docs need pandoc

    pandoc = pypandoc.get_pandoc_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="slides_") as folder:
        template = Path(folder) / f"offline.{SLIDES_FORMAT}"
        template.write_text(_offline_template(pandoc), encoding="utf-8")
        pypandoc.convert_file(
            str(source),
            SLIDES_FORMAT,
            # An image alone in its paragraph stays an image (no DZSlides figure).
            format="markdown-implicit_figures",
            outputfile=str(target),
            extra_args=[
                "--standalone",
                "--embed-resources",
                f"--template={template}",
                f"--resource-path={source.parent}",
                "--slide-level=1",
            ],
        )
    logger.info("Slides %s -> %s", source, target)
    return target


def main(argv: list[str] | None = None) -> None:
    """``python -m ia_portfolio.pipelines.scoping.slides SOURCE TARGET``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="markdown deck")
    parser.add_argument("target", type=Path, help="HTML file to write")
    arguments = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    render_slides(arguments.source, arguments.target)


if __name__ == "__main__":
    main()
