"""``python -m ia_portfolio.serving``: start the API with uvicorn."""

from __future__ import annotations

import argparse

import uvicorn


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve the ia_portfolio models.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument(
        "--access-log",
        action="store_true",
        help="log a line per request (off by default: on a fast route the line "
        "costs a measurable share of the time; /metrics counts requests by route "
        "and status)",
    )
    args = parser.parse_args()
    uvicorn.run(
        "ia_portfolio.serving.asgi:app",
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level="info",
        access_log=args.access_log,
    )


if __name__ == "__main__":
    main()
