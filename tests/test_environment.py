"""The pinned environment (requirements.txt) agrees with what pyproject.toml declares.

Binder, CI and ``make install`` install requirements.txt only, so a dependency
declared in pyproject.toml but missing there, or pinned to a version outside
its declared range, would break them without any import error in this tree.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]


def _requirement_lines() -> list[str]:
    lines = (ROOT / "requirements.txt").read_text("utf-8").splitlines()
    return [
        line.split("#", 1)[0].strip() for line in lines if line.split("#", 1)[0].strip()
    ]


def _pins() -> dict[str, Version]:
    pins = {}
    for line in _requirement_lines():
        requirement = Requirement(line)
        (specifier,) = requirement.specifier
        pins[canonicalize_name(requirement.name)] = Version(specifier.version)
    return pins


def _declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    names = list(project.get("dependencies", []))
    for extra in project.get("optional-dependencies", {}).values():
        names.extend(extra)
    return [Requirement(name) for name in names]


def test_requirements_exact_pins():
    loose = []
    for line in _requirement_lines():
        specifiers = list(Requirement(line).specifier)
        if len(specifiers) != 1 or specifiers[0].operator != "==":
            loose.append(line)
    assert loose == []


def test_requirements_no_duplicates():
    names = [canonicalize_name(Requirement(line).name) for line in _requirement_lines()]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    assert duplicates == []


@pytest.mark.parametrize("requirement", _declared(), ids=str)
def test_declared_dependency_pinned(requirement):
    assert canonicalize_name(requirement.name) in _pins()


@pytest.mark.parametrize("requirement", _declared(), ids=str)
def test_declared_dependency_pin_satisfies(requirement):
    pin = _pins().get(canonicalize_name(requirement.name))
    if pin is None:
        pytest.skip(
            f"{requirement.name} is not pinned (see test_declared_dependency_pinned)"
        )
    assert requirement.specifier.contains(pin, prereleases=True), (
        f"{requirement.name}=={pin}"
    )
