"""placeholder"""
from __future__ import annotations

import argparse


def add_administrator_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    pass


def run_administrator_command(args: argparse.Namespace) -> int:
    return 2
