"""``asn-balance serve``: run the HTTP service (extra ``server``)."""

from __future__ import annotations

from typing import Annotated

import typer

from .common import err


def serve(
    host: Annotated[
        str, typer.Option("--host", help="Interface to listen on (0.0.0.0: every one).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="TCP port.")] = 8000,
    api_key: Annotated[
        str | None,
        typer.Option(
            "--api-key",
            envvar="ASN_BALANCE_API_KEY",
            show_envvar=True,
            help="Ask every request for this key in the X-API-Key header (401 otherwise); "
            "prefer the environment variable, which other users cannot see.",
        ),
    ] = None,
    max_body_mb: Annotated[
        float, typer.Option("--max-body-mb", min=0.0, help="Refuse request bodies over this many MB (413).")
    ] = 32.0,
    max_running: Annotated[
        int | None,
        typer.Option(
            "--max-running", min=1, help="Solves at once (default: the CPUs); more jobs wait queued."
        ),
    ] = None,
    log_level: Annotated[str, typer.Option("--log-level", help="uvicorn log level.")] = "info",
    max_time_limit: Annotated[
        float | None,
        typer.Option(
            "--max-time-limit",
            min=0.001,
            help="Most seconds of a planning job: a request asking for more, or for none, gets this "
            "(default: no maximum, 60 s when a request asks for none). A job's process is stopped "
            "30 s after its limit.",
        ),
    ] = None,
) -> None:
    """Run the HTTP service: POST /plans, GET/DELETE /plans/{id}, POST /check, POST /abk; docs at /docs."""
    try:
        from ..server import serve as run_server
    except ImportError as e:
        err.print(f"serve: {e}", markup=False, soft_wrap=True)
        raise typer.Exit(2) from None
    if not api_key and host not in ("127.0.0.1", "localhost", "::1"):
        err.print(f"warning: serving on {host} without an API key (--api-key or ASN_BALANCE_API_KEY)",
                  markup=False)  # fmt: skip
    run_server(host, port, api_key=api_key or "", max_body_mb=max_body_mb, max_running=max_running,
               log_level=log_level, max_time_limit=max_time_limit)  # fmt: skip
