"""Analyse a text or a file with either provider, like the seed's script.

    python -m ia_portfolio.pipelines.text_analytics.cli "ceci est un test"
    python -m ia_portfolio.pipelines.text_analytics.cli --file notes.txt --provider azure
    python -m ia_portfolio.pipelines.text_analytics.cli "I love it" --tasks sentiment --json

``--file`` reads one document per line (``-`` reads standard input). The Azure
provider takes its endpoint and key from ``--credentials`` (default
``conf/local/credentials.yml``, section ``azure_language``) or from
``AZURE_LANGUAGE_ENDPOINT`` / ``AZURE_LANGUAGE_KEY``; neither is ever printed.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from ia_portfolio.pipelines.text_analytics.azure import (
    CREDENTIALS_SECTION,
    ENDPOINT_VARIABLE,
    KEY_VARIABLE,
    AzureLanguageError,
    AzureLanguageProvider,
    load_azure_credentials,
)
from ia_portfolio.pipelines.text_analytics.local import LocalProvider
from ia_portfolio.pipelines.text_analytics.providers import (
    TASKS,
    Document,
    DocumentAnalysis,
    TextAnalyticsProvider,
    result_to_dict,
)

DEFAULT_CREDENTIALS = Path("conf/local/credentials.yml")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(
        prog="python -m ia_portfolio.pipelines.text_analytics.cli",
        description="Language, sentiment and key phrases of a text or a file.",
    )
    parser.add_argument("text", nargs="*", help="text(s) to analyse, one document each")
    parser.add_argument(
        "--file", type=str, help="file with one document per line ('-': stdin)"
    )
    parser.add_argument("--provider", choices=["local", "azure"], default="local")
    parser.add_argument(
        "--tasks",
        nargs="+",
        choices=TASKS,
        default=list(TASKS),
        help="what to compute (default: all)",
    )
    parser.add_argument(
        "--credentials",
        type=Path,
        default=DEFAULT_CREDENTIALS,
        help=f"YAML with a '{CREDENTIALS_SECTION}' section (default: %(default)s)",
    )
    parser.add_argument(
        "--no-truncate",
        action="store_true",
        help="reject documents over 5,120 characters instead of cutting them",
    )
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress")
    return parser.parse_args(argv)


def _documents(args: argparse.Namespace) -> list[Document]:
    texts = list(args.text)
    if args.file == "-":
        texts += [line.rstrip("\n") for line in sys.stdin if line.strip()]
    elif args.file:
        with open(args.file, encoding="utf-8") as stream:
            texts += [line.rstrip("\n") for line in stream if line.strip()]
    return [Document(str(number), text) for number, text in enumerate(texts, start=1)]


def _provider(args: argparse.Namespace) -> TextAnalyticsProvider:
    if args.provider == "local":
        return LocalProvider(truncate=not args.no_truncate)
    credentials = load_azure_credentials(credentials_file=args.credentials)
    if credentials is None:
        raise AzureLanguageError(
            f"No Azure AI Language credentials: add endpoint and key under "
            f"'{CREDENTIALS_SECTION}' in {args.credentials}, or set "
            f"{ENDPOINT_VARIABLE} and {KEY_VARIABLE}."
        )
    return AzureLanguageProvider(credentials, truncate=not args.no_truncate)


def _line(analysis: DocumentAnalysis, text: object) -> str:
    parts = [f"[{analysis.id}] {str(text)[:60]!r}"]
    if (lang := analysis.language) is not None:
        parts.append(
            f"language: {lang.error.code}: {lang.error.message}"
            if lang.error
            else f"language: {lang.name or '?'} ({lang.language}), confidence {lang.confidence}"
        )
    if (sentiment := analysis.sentiment) is not None:
        parts.append(
            f"sentiment: {sentiment.error.code}"
            if sentiment.error
            else f"sentiment: {sentiment.sentiment} (+{sentiment.positive} "
            f"={sentiment.neutral} -{sentiment.negative})"
        )
    if (phrases := analysis.key_phrases) is not None:
        parts.append(
            f"key phrases: {phrases.error.code}"
            if phrases.error
            else f"key phrases: {', '.join(phrases.key_phrases) or '-'}"
        )
    return "\n    ".join(parts)


def main(argv: Sequence[str] | None = None) -> int:
    """0 on success, 1 if the provider failed, 2 on bad usage."""
    args = parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    documents = _documents(args)
    if not documents:
        sys.stderr.write("Nothing to analyse: give a text or --file.\n")
        return 2
    provider: TextAnalyticsProvider | None = None
    try:
        provider = _provider(args)
        analyses = provider.analyze(documents, tasks=args.tasks)
    except AzureLanguageError as error:
        sys.stderr.write(f"error: {error}\n")
        return 1
    finally:
        if isinstance(provider, AzureLanguageProvider):
            provider.close()
    for document, analysis in zip(documents, analyses, strict=True):
        if args.json:
            sys.stdout.write(
                json.dumps(result_to_dict(analysis), ensure_ascii=False) + "\n"
            )
        else:
            sys.stdout.write(_line(analysis, document.text) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
