"""The Python test environment is what test/python/requirements*.txt pin, and torch computes on CPU."""

from __future__ import annotations

import importlib.metadata as md
import re
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def pins(name: str) -> dict[str, str]:
    out = {}
    for line in (HERE / name).read_text().splitlines():
        m = re.match(r"^([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?==([^\s#]+)", line.strip())
        if m:
            out[m.group(1)] = m.group(2)
    return out


@pytest.mark.timeout(60)
@pytest.mark.parametrize("requirements", ["requirements.txt", "requirements-torch.txt", "requirements-nodeps.txt"])
def test_installed_versions_are_the_pinned_ones(requirements: str) -> None:
    wanted = pins(requirements)
    assert wanted, f"{requirements} pins nothing"
    for name, version in wanted.items():
        assert md.version(name).split("+")[0] == version, f"{name}: installed {md.version(name)}, pinned {version}"


@pytest.mark.timeout(60)
def test_torch_runs_on_cpu() -> None:
    import torch

    a = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    # hand-computed: [[1,2],[3,4]] @ [[1,2],[3,4]] = [[7,10],[15,22]]
    assert (a @ a).tolist() == [[7.0, 10.0], [15.0, 22.0]]
