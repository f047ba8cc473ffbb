"""``AsyncClient`` offers every call ``Client`` does, with the same parameters: the two run the
same flows, and this keeps their front doors from drifting apart."""

from __future__ import annotations

import inspect

from pagewash.client import AsyncClient, Client

RENAMED = {"close": "aclose", "__enter__": "__aenter__", "__exit__": "__aexit__"}  # asyncio's spelling


def public(cls: type) -> dict[str, object]:
    dunders = {*RENAMED, *RENAMED.values()}
    return {n: f for n, f in vars(cls).items() if inspect.isfunction(f) and (not n.startswith("_") or n in dunders)}


def test_async_client_has_every_method_of_client_with_its_signature():
    sync, a = public(Client), public(AsyncClient)
    assert set(sync) - {"run"} == {"batch", "clean", "close", "delete", "get_batch", "job", "read", "ready",
                                   "result", "submit", "submit_batch", "wait", "__enter__", "__exit__"}  # fmt: skip
    for name, method in sync.items():
        twin = a.get(RENAMED.get(name, name))
        assert twin is not None, f"AsyncClient lacks {RENAMED.get(name, name)}"
        assert inspect.iscoroutinefunction(twin), name
        mine, theirs = inspect.signature(method), inspect.signature(twin)
        assert list(mine.parameters.values()) == list(theirs.parameters.values()), name
        if name not in ("__enter__", "run"):  # these return their own class, or what a flow gives
            assert mine.return_annotation == theirs.return_annotation, name
    assert set(a) == {RENAMED.get(n, n) for n in sync}  # nor does the async one have calls of its own
