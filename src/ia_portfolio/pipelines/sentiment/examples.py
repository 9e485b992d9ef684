"""The texts the API's documentation shows, with the answer a reader expects.

The served model must answer them correctly: the choice of model requires it
(``nodes.evaluate_candidates``), and the API's OpenAPI examples are built from
these texts.
"""

from __future__ import annotations

# text -> expected label (0 negative, 1 positive)
DOCUMENTATION_EXAMPLES: dict[str, int] = {
    "Flight delayed three hours and no one tells us why.": 0,
    "Lovely crew, smooth flight, on time!": 1,
    "Lost my luggage again. Never flying with you again.": 0,
}
