"""Every message gridmap can show a user, read from its source: the first argument of each domain
error raised, each problem listed, and each ``RAISE EXCEPTION`` of the database rules.

A message is kept as a template: its literal text with ``{0}``, ``{1}``, … where values go (an
f-string's expressions, SQL's ``%``). The catalogues (``gis/locale/*.toml``) translate these
templates, and a test checks that every template has a translation and none is left over.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("gis", "api")
# The exceptions whose messages reach users (domain errors, and ValueErrors the API turns into them).
RAISED = re.compile(r"^[A-Za-z]*(Error|Input|Found|Conflict|Version|Required|File|Unavailable|Unauthorized|"
                    r"Forbidden|Attempts|Request|Large)$")
SQL_RAISE = re.compile(r"RAISE\s+EXCEPTION\s+'((?:[^']|'')*)'", re.IGNORECASE)


def _escape(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


def _pieces(node: ast.expr) -> list[str | None] | None:
    """Literal text, and None where a value goes; None for what is no message literal."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        return [part.value if isinstance(part, ast.Constant) and isinstance(part.value, str) else None
                for part in node.values]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _pieces(node.left), _pieces(node.right)
        return None if left is None or right is None else left + right
    return None


def template_of(node: ast.expr) -> str | None:
    """The template of a message expression: a string, an f-string or a concatenation of them;
    None for anything else (a variable: its text is some other message's)."""
    pieces = _pieces(node)
    if pieces is None:
        return None
    out, k = [], 0
    for piece in pieces:
        if piece is None:
            out.append(f"{{{k}}}")
            k += 1
        else:
            out.append(_escape(piece))
    return "".join(out)


# Lists that gather problems to report: what is appended to them, or built into them, is a message.
LISTS = re.compile(r"^(problems|mine|shown|labels)$")


def _alternatives(node: ast.expr):
    """Each message an expression may be (both sides of ``a if c else b``, each of ``a or b``)."""
    if isinstance(node, ast.IfExp):
        yield from _alternatives(node.body)
        yield from _alternatives(node.orelse)
    elif isinstance(node, ast.BoolOp):  # known or "fallback"
        for value in node.values:
            yield from _alternatives(value)
    else:
        yield node


def _message_args(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and [getattr(t, "id", "") for t in node.targets] == ["label"]:
            yield node.value  # what names a feature in its problems
        if isinstance(node, ast.Return) and isinstance(node.value, ast.List):
            yield from node.value.elts  # a check returning its problems
        if isinstance(node, ast.FunctionDef) and node.name == "message":  # gis.constraints.message
            yield from (r.value for r in ast.walk(node) if isinstance(r, ast.Return) and r.value is not None)
        if (isinstance(node, ast.AnnAssign) and getattr(node.target, "id", "") == "MESSAGES"
                and isinstance(node.value, ast.Dict)):
            yield from (v for v in node.value.values if v is not None)  # gis.constraints.MESSAGES
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name) and LISTS.match(node.target.id):
            if isinstance(node.value, ast.ListComp):
                yield node.value.elt
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        if RAISED.match(name):
            yield node.args[0]
            if len(node.args) > 1 and isinstance(node.args[1], ast.ListComp):
                yield node.args[1].elt
        elif name == "problem" and len(node.args) >= 3:  # api.errors.problem(request, status, detail)
            yield node.args[2]
        elif name == "Problem" and len(node.args) >= 3:  # a rule a layout breaks: (kind, grid, message, …)
            yield node.args[2]
        elif (name == "append" and isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
              and LISTS.match(func.value.id)):
            yield node.args[0]


def python_templates(root: Path = ROOT) -> dict[str, str]:
    """Templates of the Python sources, each with where it was first found."""
    found: dict[str, str] = {}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for arg in (alt for found_arg in _message_args(tree) for alt in _alternatives(found_arg)):
                t = template_of(arg)
                if t and re.sub(r"\{\d+\}", "", t).strip(" :;,.-"):
                    found.setdefault(t, f"{path.relative_to(root)}:{arg.lineno}")
    return found


def sql_templates(root: Path = ROOT) -> dict[str, str]:
    """Templates of the database's RAISE EXCEPTION messages (``%`` → ``{0}``, …)."""
    found: dict[str, str] = {}
    for path in sorted((root / "gis" / "sql").glob("*.sql")):
        for m in SQL_RAISE.finditer(path.read_text(encoding="utf-8")):
            pieces = _escape(m.group(1).replace("''", "'")).split("%")
            t = pieces[0] + "".join(f"{{{k}}}{piece}" for k, piece in enumerate(pieces[1:]))
            found.setdefault(t, str(path.relative_to(root)))
    return found


def all_templates(root: Path = ROOT) -> dict[str, str]:
    """Every message template, with where it comes from."""
    return {**sql_templates(root), **python_templates(root)}
