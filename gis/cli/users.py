"""``gridmap users …``: add people and machines, give keys, change passwords, disable."""

import json
import secrets
import sys
from typing import Annotated

import typer

from gis.access import LOGIN_ROLES
from gis.cli.options import JsonOpt, said, say
from gis.cli.session import session
from gis.errors import InvalidInput
from gis.i18n import msg

users_app = typer.Typer(help="Users, their roles and keys.", no_args_is_help=True)
StdinOpt = Annotated[bool, typer.Option("--password-stdin", help="Read the password from the first line of stdin.")]


def _password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        if not line:
            raise InvalidInput(msg("--password-stdin: no password on stdin"))
        return line.rstrip("\r\n")
    return typer.prompt("password", hide_input=True, confirmation_prompt=True)


@users_app.command("add")
def add(username: str,
        role: Annotated[str, typer.Option(help="One of: " + ", ".join(LOGIN_ROLES))],
        jurisdiction: Annotated[str | None, typer.Option(help="Where the role applies (slug); none: all.")] = None,
        grid: Annotated[str | None, typer.Option(help="A grid worker's grid (15-digit code).")] = None,
        department: Annotated[str | None, typer.Option(help="A department user's department (code or name).")
                              ] = None,
        name: Annotated[str | None, typer.Option(help="Display name.")] = None,
        machine: Annotated[bool, typer.Option("--machine", help="No password: API keys only.")] = False,
        password_stdin: StdinOpt = False) -> None:
    """Add a user (asks for the password unless --machine or --password-stdin)."""
    from gis.users import add_user

    password = None if machine else _password(password_stdin)
    with session() as cur:
        add_user(cur, username, role, password=password, jurisdiction=jurisdiction, grid=grid,
                 display_name=name, department=department)
    where = said(msg("in {0}", jurisdiction)) if jurisdiction else said(msg("everywhere"))
    say(f"{username}: {said(role)} {where}" + (said(msg(", grid {0}", grid)) if grid else "")
        + (said(msg(", department {0}", department)) if department else ""))


@users_app.command("list")
def list_(as_json: JsonOpt = False) -> None:
    """List the users."""
    from gis.users import list_users

    with session() as cur:
        rows = list_users(cur)
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False))
        return
    active, disabled, machine = said(msg("active")), said(msg("disabled")), said(msg("(machine)"))
    for r in rows:
        typer.echo(f"{r['username']}\t{r['role']}\t{r['jurisdiction'] or '*'}\t{r['grid'] or ''}"
                   f"\t{active if r['active'] else disabled}{'  ' + machine if r['machine'] else ''}")


@users_app.command("key")
def key(username: str,
        days: Annotated[int, typer.Option(min=1, max=3650, help="Days the key is valid.")] = 365,
        label: Annotated[str | None, typer.Option(help="What the key is for.")] = None) -> None:
    """Give a user an API key (printed once; only its hash is kept)."""
    from gis.users import issue_token

    with session() as cur:
        token = issue_token(cur, username, kind="key", hours=days * 24, label=label)
    typer.echo(token)


@users_app.command("passwd")
def passwd(username: str, password_stdin: StdinOpt = False) -> None:
    """Set a user's password (their sessions end)."""
    from gis.users import set_password

    password = _password(password_stdin)
    with session() as cur:
        set_password(cur, username, password)
    say(msg("{0!r}: password changed", username))


@users_app.command("disable")
def disable(username: str) -> None:
    """Stop a user signing in and revoke all their tokens and keys."""
    from gis.users import disable_user

    with session() as cur:
        disable_user(cur, username)
    say(msg("{0!r}: disabled", username))


@users_app.command("link")
def link(username: str, worker: Annotated[str | None, typer.Argument(help="The worker's name (gridmap worker add); "
                                                                        "none: unlink")] = None,
         jurisdiction: Annotated[str, typer.Option(help="The worker's jurisdiction (slug).")] = "") -> None:
    """Link an account to the worker record it is (the field app records walks and check-ins as
    that worker), or unlink it."""
    from gis.field_store import link_worker

    with session() as cur:
        wid = link_worker(cur, username, jurisdiction, worker)
    say(msg("{0!r}: worker {1}", username, wid) if wid else msg("{0!r}: linked to no worker", username))


@users_app.command("bootstrap")
def bootstrap(username: str = "admin") -> None:
    """When there is no user yet, add an admin with a random password and print it (once)."""
    from gis.users import add_user, list_users

    with session() as cur:
        if list_users(cur):
            say(msg("users exist already; nothing done"))
            return
        password = secrets.token_urlsafe(12)
        add_user(cur, username, "admin", password=password)
    say(msg("added {0!r} (admin) with password {1!r}  (change it: gridmap users passwd {0!r})", username, password))
