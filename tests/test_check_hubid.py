"""The Hub id grammar: ids pass, every path form is refused."""

from __future__ import annotations

import pytest

from modelatlas.check import hubid
from modelatlas.errors import UsageError


@pytest.mark.parametrize("good", ["Qwen/Qwen3-4B", "meta-llama/Llama-3.1-8B-Instruct",
                                  "a/b", "unsloth/llama-3-8b-Instruct-bnb-4bit", "x_y/1.5"])
def test_ids(good: str) -> None:
    assert hubid.problem(good) is None
    assert hubid.require(good) == good


@pytest.mark.parametrize("bad", ["..", "../etc", "../../etc/passwd", "~/x", "/usr/lib/python3",
                                 "usr/lib/python3", "a/..", "../a", "./a", "a/.", "%2e%2e/x",
                                 "a/%2e%2e", "a\\b", "C:/x", "a/b/c", "a//b", "a/b/", "",
                                 "a--b/c", "a/b.git", "a/b..c", "-a/b", "a/b-", "é/b",
                                 "a/" + "b" * 97, "a b/c"])
def test_paths_refused(bad: str) -> None:
    assert hubid.problem(bad) is not None
    with pytest.raises(UsageError):
        hubid.require(bad)
