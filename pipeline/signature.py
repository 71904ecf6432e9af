"""Versions derived from the code, never bumped by hand: a digest of what decides an answer or
a flag, like sacrebleu's signature. Each module is read as Python syntax with its docstrings
left out, so a comment, a docstring or a line break changes nothing, and any change to the code
itself (a prompt's text, a retry's rule, a check's threshold) gives another version - a memory
answer made by other code is not reused, an output flagged by other checks is not compared by
its flag count. A new Python version may print the syntax differently: then answers are made
again once."""

from __future__ import annotations

import ast
import hashlib
import inspect
from types import ModuleType


def _without_docstrings(tree: ast.AST) -> ast.AST:
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) \
                    and isinstance(body[0].value.value, str):
                node.body = body[1:] or [ast.Pass()]
    return tree


def code_signature(name: str, modules: list[ModuleType], *extra: str) -> str:
    """`name-` and 12 hex digits of the modules' code (and any `extra` text), in the order given."""
    digest = hashlib.sha256()
    for module in modules:
        tree = _without_docstrings(ast.parse(inspect.getsource(module)))
        digest.update(module.__name__.encode() + b"\0" + ast.dump(tree).encode() + b"\0")
    for text in extra:
        digest.update(text.encode() + b"\0")
    return f"{name}-{digest.hexdigest()[:12]}"
