"""``asn-balance serve``: run the HTTP service (extra ``server``)."""

from __future__ import annotations

from pathlib import Path
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
    api_keys: Annotated[
        Path | None,
        typer.Option(
            "--api-keys",
            help="A file of name=key lines: several named keys; the name of the key a request sends "
            "is recorded as who made each change (also ASN_BALANCE_API_KEYS=name:key,...).",
        ),
    ] = None,
    db: Annotated[
        str,
        typer.Option(
            "--db",
            envvar="ASN_BALANCE_DB",
            show_envvar=True,
            help="Database of plans, inputs, rounds, responses and the audit log: sqlite:///FILE "
            "(created on first start) or postgresql://user:password@host/db (psycopg 3).",
        ),
    ] = "sqlite:///asn-balance.db",
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
    """Run the HTTP service: POST /plans, GET/DELETE /plans/{id}, POST /check, POST /abk, POST /inputs,
    /rounds; docs at /docs."""
    import os

    try:
        from ..server import serve as run_server
        from ..server.keys import API_KEYS_ENV, parse_keys, read_key_file
    except ImportError as e:
        err.print(f"serve: {e}", markup=False, soft_wrap=True)
        raise typer.Exit(2) from None
    try:
        named = parse_keys(os.environ.get(API_KEYS_ENV, ""))
        if api_keys is not None:
            from_file = read_key_file(api_keys)
            twice = sorted(set(named) & set(from_file))
            if twice:
                raise ValueError(f"{api_keys}: names also in {API_KEYS_ENV}: {', '.join(twice)}")
            named.update(from_file)
    except (OSError, ValueError) as e:
        err.print(f"serve: {e}", markup=False, soft_wrap=True)
        raise typer.Exit(2) from None
    if not api_key and not named and host not in ("127.0.0.1", "localhost", "::1"):
        err.print(f"warning: serving on {host} without an API key (--api-key or ASN_BALANCE_API_KEY)",
                  markup=False)  # fmt: skip
    try:
        run_server(host, port, api_key=api_key or "", max_body_mb=max_body_mb, max_running=max_running,
                   log_level=log_level, max_time_limit=max_time_limit, db_url=db,
                   api_keys=named)  # fmt: skip
    except ValueError as e:  # two keys of one name
        err.print(f"serve: {e}", markup=False, soft_wrap=True)
        raise typer.Exit(2) from None
    except Exception as e:  # the database cannot be opened or migrated: say so, no traceback
        from sqlalchemy.exc import SQLAlchemyError

        if not isinstance(e, (SQLAlchemyError, ImportError)):
            raise
        from sqlalchemy.engine import make_url

        why, secret = str(e).splitlines()[0] if str(e) else "", None
        try:  # never print a password given in the URL
            url = make_url(db)
            shown, secret = url.render_as_string(hide_password=True), url.password
        except Exception:
            shown = "(the --db URL)"
        if secret:
            why = why.replace(str(secret), "***")
        err.print(f"serve: the database {shown!r} cannot be used: {type(e).__name__}: {why}", markup=False,
                  soft_wrap=True)  # fmt: skip
        raise typer.Exit(2) from None
