"""The sandbox that runs a process's scripts and gateway conditions.

Scripts are compiled with RestrictedPython's ``compile_restricted`` (no imports, no dunder
attributes, no ``exec``/``open``), run with a small whitelist of builtins and the library's
guards, and stopped after a time limit. The ``**`` operator is refused at compile time
because one exponentiation can keep the CPU busy inside C code, out of reach of the limit.
``try`` statements are refused too: the limit raises from a trace function, which switches
tracing off, so a script that caught the timeout (or ran a ``finally`` block) would run unbounded.
``+``, ``*`` and the methods that grow a text or list at once are size-checked before they run,
so that a short script cannot allocate gigabytes within its time limit.

Memory is bounded too: while a script runs, Python's allocator is traced (``tracemalloc``) and the
same trace function that enforces the time limit stops the script once what it holds grows past
the memory limit (64 MiB by default), with ``ScriptMemoryExceeded``. One statement can add at most
what the size guards allow (a few MB), so the bound holds to within that. Tracing is switched on
for the duration of script runs only (counted, so that scripts in several threads share it); an
allocation by another thread while a script runs counts against that script, which errs on the
side of stopping it.

A condition that only compares the data's plain values (``engine.definitions.plain_conditions``) is evaluated
without the tracing: there is nothing in it that the limits could stop.
"""

from __future__ import annotations

import ast
import operator
import sys
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from functools import lru_cache, partial
from types import CodeType, FrameType, ModuleType
from typing import Any

from RestrictedPython.compile import compile_restricted
from RestrictedPython.Eval import default_guarded_getitem, default_guarded_getiter
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safer_getattr,
)
from RestrictedPython.transformer import RestrictingNodeTransformer
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment

from .collector_time import collections_timed, spent_collecting
from .plain_conditions import NotPlain, evaluate_plain, plain_condition
from .problems import N_, Problem

SCRIPT_FILENAME = "<opsflow-script>"
DEFAULT_TIME_LIMIT = 1.0  # seconds of processor time
WALL_FACTOR = 10  # a script stops after this many times its limit by the clock, whatever its processor time
DEFAULT_MEMORY_LIMIT = 64 * 1024 * 1024  # bytes a running script may hold
MAX_RANGE = 100_000


class ScriptRejected(ValueError):
    """A script or expression does not compile under the sandbox."""


class ScriptTimeout(RuntimeError):
    """A script ran past its time limit."""


class ScriptMemoryExceeded(RuntimeError):
    """A script held more memory than its limit allows."""


_GUARDED_OPERATORS = {ast.Add: "_add_", ast.Mult: "_mul_"}


class _Policy(RestrictingNodeTransformer):
    """RestrictedPython's policy, minus imports, ``try`` and ``**``; ``+`` and ``*`` go through size guards."""

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        if isinstance(node.op, ast.Pow):
            self.error(node, "The ** operator is not allowed in scripts.")
        visited = super().visit_BinOp(node)
        guard = _GUARDED_OPERATORS.get(type(node.op))
        if guard is None or not isinstance(visited, ast.BinOp):
            return visited  # type: ignore[return-value]
        call = ast.Call(func=ast.Name(id=guard, ctx=ast.Load()), args=[visited.left, visited.right], keywords=[])
        return ast.fix_missing_locations(ast.copy_location(call, node))

    def visit_Try(self, node: ast.Try) -> ast.AST:
        self.error(node, "try statements are not allowed in scripts.")
        return node

    def visit_Import(self, node: ast.Import) -> ast.AST:
        self.error(node, "Imports are not allowed in scripts.")
        return node

    def visit_ImportFrom(self, node: ast.ImportFrom) -> ast.AST:
        self.error(node, "Imports are not allowed in scripts.")
        return node

    def visit_AugAssign(self, node: ast.AugAssign) -> ast.AST:
        if isinstance(node.op, ast.Pow):
            self.error(node, "The ** operator is not allowed in scripts.")
        return super().visit_AugAssign(node)  # type: ignore[return-value]


def _bounded_range(*args: int) -> range:
    result = range(*args)
    if len(result) > MAX_RANGE:
        raise ValueError(f"range() is limited to {MAX_RANGE} items in scripts")
    return result


_INPLACE: dict[str, Callable[[Any, Any], Any]] = {
    "+=": operator.iadd, "-=": operator.isub, "*=": operator.imul, "/=": operator.itruediv,
    "//=": operator.ifloordiv, "%=": operator.imod, "&=": operator.iand, "|=": operator.ior,
    "^=": operator.ixor, "<<=": operator.ilshift, ">>=": operator.irshift,
}


MAX_SEQUENCE = 1_000_000  # items of a list or characters of a text a script may build at once
_SIZED = (str, bytes, list, tuple)


def _check_size(size: int) -> None:
    if size > MAX_SEQUENCE:
        raise ValueError(f"scripts may not build sequences longer than {MAX_SEQUENCE} items")


def _guarded_add(left: Any, right: Any) -> Any:
    if isinstance(left, _SIZED) and isinstance(right, _SIZED):
        _check_size(len(left) + len(right))
    return left + right


def _guarded_mul(left: Any, right: Any) -> Any:
    for seq, times in ((left, right), (right, left)):
        if isinstance(seq, _SIZED) and isinstance(times, int):
            _check_size(len(seq) * max(times, 0))
    return left * right


def _inplace_var(op: str, left: Any, right: Any) -> Any:
    if op == "+=":
        _guarded_add(left, right)
    elif op == "*=":
        _guarded_mul(left, right)
    return _INPLACE[op](left, right)


def _growth_of(obj: Any, name: str, args: tuple[Any, ...]) -> int | None:
    """The size a growing method call would produce, if it can be told before the call."""
    if isinstance(obj, (str, bytes)):
        if name in ("ljust", "rjust", "center", "zfill") and args and isinstance(args[0], int):
            return int(args[0])
        if name == "expandtabs":
            tab = args[0] if args and isinstance(args[0], int) else 8
            tabs = obj.count("\t") if isinstance(obj, str) else obj.count(b"\t")
            return len(obj) + tabs * max(tab, 0)
        if name == "replace" and len(args) >= 2 and isinstance(args[0], type(obj)) and isinstance(args[1], type(obj)):
            return len(obj) + (len(obj) + 1) * max(len(args[1]) - len(args[0]), 0)
        if name == "join" and args:
            parts = list(args[0])
            return sum(len(p) for p in parts if isinstance(p, _SIZED)) + len(obj) * len(parts)
    if isinstance(obj, list) and name == "extend" and args and hasattr(args[0], "__len__"):
        return len(obj) + len(args[0])
    return None


def _guarded_getattr(obj: Any, name: str, default: Any = None) -> Any:
    """``safer_getattr``, with size checks on the methods that can grow a text or list a lot at once."""
    value = safer_getattr(obj, name, default)  # type: ignore[no-untyped-call]
    if not callable(value) or not isinstance(obj, (str, bytes, list)):
        return value

    def checked(*args: Any, **kwargs: Any) -> Any:
        size = _growth_of(obj, name, args)
        if size is not None:
            _check_size(size)
        return value(*args, **kwargs)

    return checked


SAFE_BUILTINS: dict[str, Any] = {
    name: getattr(__import__("builtins"), name)
    for name in (
        "abs", "all", "any", "bool", "dict", "divmod", "enumerate", "filter", "float", "int",
        "isinstance", "len", "list", "map", "max", "min", "reversed", "round", "set", "sorted",
        "str", "sum", "tuple", "zip", "True", "False", "None", "ValueError", "KeyError",
    )
}
SAFE_BUILTINS["range"] = _bounded_range

GUARDS: dict[str, Any] = {
    "__builtins__": SAFE_BUILTINS,
    "_getattr_": _guarded_getattr,
    "_add_": _guarded_add,
    "_mul_": _guarded_mul,
    "_getitem_": default_guarded_getitem,
    "_getiter_": default_guarded_getiter,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_write_": full_write_guard,
    "_inplacevar_": _inplace_var,
}


@lru_cache(maxsize=2048)
def compile_script(source: str, mode: str = "exec") -> CodeType:
    """Compile a script (``exec``) or an expression (``eval``) under the sandbox policy.

    :raise ScriptRejected: with the compiler's messages when the code is not allowed.
    """
    try:
        return compile_restricted(source, SCRIPT_FILENAME, mode, policy=_Policy)  # type: ignore[arg-type]
    except SyntaxError as exc:
        raise ScriptRejected(str(exc)) from exc


_tracing_lock = threading.Lock()
_tracing_users = 0
_tracing_ours = False


@contextmanager
def _memory_traced() -> Iterator[None]:
    """Trace allocations while at least one script runs (left alone when someone else traces already)."""
    global _tracing_users, _tracing_ours
    with _tracing_lock:
        if _tracing_users == 0 and not tracemalloc.is_tracing():
            tracemalloc.start(1)
            _tracing_ours = True
        _tracing_users += 1
    try:
        yield
    finally:
        with _tracing_lock:
            _tracing_users -= 1
            if _tracing_users == 0 and _tracing_ours:
                tracemalloc.stop()
                _tracing_ours = False


def _run_with_time_limit(code: CodeType, scope: dict[str, Any], limit: float,
                         memory_limit: int = DEFAULT_MEMORY_LIMIT) -> Any:
    """Run ``code`` until it ends, runs past ``limit`` seconds or holds ``memory_limit`` bytes (0: no bound).

    The seconds are those of the processor spent by the script's thread (a busy machine does not stop a script that
    ran its course) less the garbage collector's runs in it (``collector_time``), and at most ``WALL_FACTOR`` times
    as many by the clock (it never holds a transaction long)."""
    traced = tracemalloc.get_traced_memory
    bounded = memory_limit > 0

    with collections_timed(), _memory_traced() if bounded else nullcontext():
        deadline = time.thread_time() - spent_collecting() + limit  # the collector's pauses are not the script's
        wall_deadline = time.monotonic() + limit * WALL_FACTOR
        base = traced()[0] if bounded else 0

        def tracer(frame: FrameType, event: str, arg: object) -> Callable[..., Any] | None:
            if frame.f_code.co_filename != SCRIPT_FILENAME:
                return None
            if time.thread_time() - spent_collecting() > deadline:
                raise ScriptTimeout(f"script ran longer than {limit:g} s")
            if time.monotonic() > wall_deadline:
                raise ScriptTimeout(f"script ran longer than {limit * WALL_FACTOR:g} s by the clock (the machine is "
                                    "overloaded)")
            if bounded and traced()[0] - base > memory_limit:
                raise ScriptMemoryExceeded(f"script held more than {memory_limit // (1024 * 1024)} MiB of memory")
            return tracer

        previous = sys.gettrace()
        sys.settrace(tracer)
        try:
            return eval(code, scope)  # noqa: S307 - compiled by RestrictedPython, guarded globals
        finally:
            sys.settrace(previous)


def _is_data(key: str, value: Any) -> bool:
    return not (key.startswith("_") or callable(value) or isinstance(value, ModuleType))


class SandboxedEnvironment(TaskDataEnvironment):  # type: ignore[misc]
    """Evaluates expressions and runs scripts over task data inside the sandbox."""

    def __init__(self, helpers: dict[str, Any] | None = None, time_limit: float = DEFAULT_TIME_LIMIT,
                 memory_limit: int = DEFAULT_MEMORY_LIMIT):
        super().__init__(helpers or {})
        self.time_limit = time_limit
        self.memory_limit = memory_limit

    def _scope(self, context: dict[str, Any], external: dict[str, Any] | None) -> dict[str, Any]:
        scope = dict(self.globals)
        scope.update(external or {})
        scope.update(context)
        scope.update(GUARDS)  # last, so that no data key can replace a guard
        return scope

    def evaluate(self, expression: str, context: dict[str, Any], external_context: Any = None) -> Any:
        source = expression.strip()
        plain = plain_condition(source, SCRIPT_FILENAME)
        if plain is not None:  # comparisons of plain values: nothing the limits could stop (``plain_conditions``)
            try:
                return evaluate_plain(plain, partial(self._value, context, external_context or {}))
            except NotPlain:
                pass
        code = compile_script(source, "eval")
        return _run_with_time_limit(code, self._scope(context, external_context), self.time_limit, self.memory_limit)

    def _value(self, context: dict[str, Any], external: dict[str, Any], name: str) -> Any:
        """What ``name`` reads in ``_scope`` (the task's data, then the external context, then the helpers)."""
        for source in (context, external, self.globals):
            if name in source:
                return source[name]
        raise KeyError(name)

    def execute(self, script: str, context: dict[str, Any], external_context: Any = None) -> bool:
        self.check_for_overwrite(context, external_context or {})
        code = compile_script(script, "exec")
        scope = self._scope(context, external_context)
        _run_with_time_limit(code, scope, self.time_limit, self.memory_limit)
        hidden = set(GUARDS) | set(self.globals) | set(external_context or {})
        for key in [k for k in context if k not in scope]:
            del context[key]
        for key, value in scope.items():
            if key not in hidden and _is_data(key, value):
                context[key] = value
        return True


def make_script_engine(
    time_limit: float = DEFAULT_TIME_LIMIT, helpers: dict[str, Any] | None = None,
    memory_limit: int = DEFAULT_MEMORY_LIMIT,
) -> PythonScriptEngine:
    """Build the script engine every workflow runs with (``helpers``: extra functions for scripts)."""
    return PythonScriptEngine(environment=SandboxedEnvironment(helpers, time_limit=time_limit,
                                                               memory_limit=memory_limit))


def rules() -> dict[str, Any]:
    """The sandbox's limits, as the script editor shows them."""
    return {"time_limit_s": DEFAULT_TIME_LIMIT, "memory_limit_mib": DEFAULT_MEMORY_LIMIT // (1024 * 1024),
            "max_range": MAX_RANGE, "max_sequence": MAX_SEQUENCE,
            "builtins": sorted(k for k in SAFE_BUILTINS if k[0].islower())}


def check_compiles(sources: Iterable[tuple[str, str, str]]) -> list[str]:
    """Compile each (element id, source, mode); return one problem per element that fails."""
    problems: list[str] = []
    for element_id, source, mode in sources:
        try:
            compile_script(source.strip() if mode == "eval" else source, mode)
        except ScriptRejected as exc:
            problems.append(Problem(N_("%(owner)s: script is not allowed: %(error)s"), element_id,
                                    owner=element_id, error=str(exc)))
    return problems
