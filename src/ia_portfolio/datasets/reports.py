"""Report datasets that kedro-viz can preview."""

from __future__ import annotations

import markdown
from kedro_datasets._typing import HTMLPreview
from kedro_datasets.text import TextDataset


class MarkdownDataset(TextDataset):
    """A markdown report (model card, analysis summary), previewed in kedro-viz as
    rendered HTML."""

    def preview(self) -> HTMLPreview:
        """The report rendered to HTML, tables included."""
        return HTMLPreview(markdown.markdown(self.load(), extensions=["tables"]))
