"""The list of commands and the modules that implement them stay in step."""

from __future__ import annotations

import argparse
import importlib
import pkgutil

import pytest

import console.commands as commands_package
from console import cli
from console.commands import COMMANDS, add_command


def registered_by(module_name: str) -> set[str]:
    module = importlib.import_module(f"console.commands.{module_name}")
    sub = argparse.ArgumentParser().add_subparsers()
    module.register(sub)
    return set(sub.choices)


def test_every_command_module_is_listed_with_exactly_its_commands() -> None:
    modules = {info.name for info in pkgutil.iter_modules(commands_package.__path__)}
    command_modules = {name for name in modules if name.endswith("_cmds")}
    assert command_modules == {module for module, _ in COMMANDS.values()}
    for module in command_modules:
        listed = {name for name, (owner, _) in COMMANDS.items() if owner == module}
        assert registered_by(module) == listed, module


def test_a_command_gets_its_summary_as_description() -> None:
    sub = argparse.ArgumentParser().add_subparsers()
    add_command(sub, "status")
    assert sub.choices["status"].description == (
        "Workspace, model in production and data at a glance."
    )
    # a module's own description wins
    add_command(sub, "drift")
    assert sub.choices["drift"].description.startswith("Compare every feature")


@pytest.mark.parametrize("command", ["status", "models", "metrics", "recover"])
def test_the_parser_for_a_command_loads_only_its_module(command: str) -> None:
    parser = cli.build_parser(command)
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    owner = COMMANDS[command][0]
    assert set(sub.choices) == {"gui"} | registered_by(owner)
