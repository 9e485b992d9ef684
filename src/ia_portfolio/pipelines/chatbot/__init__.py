"""The ``chatbot`` pipeline: a flight-booking request parser (CRF slot tagger,
intent classifier, date and budget normaliser) trained on utterances split by
template family, compared with a rule baseline and registered for the assistant."""

from ia_portfolio.pipelines.chatbot.pipeline import create_pipeline

__all__ = ["create_pipeline"]
