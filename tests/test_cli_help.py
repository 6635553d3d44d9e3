"""Every ``--help`` is plain text: no RST markup (````--full````, :func:`x`), and the command list wraps each
description at the panel's width, never where the docstring's source line ended."""

import re

import pytest

from stintlab.cli import build_app, main


def _argvs() -> list[list[str]]:
    app = build_app()
    out = [[]]
    out += [[c.name or c.callback.__name__] for c in app.registered_commands]
    for g in app.registered_groups:
        out.append([g.name])
        out += [[g.name, c.name or c.callback.__name__] for c in g.typer_instance.registered_commands]
    return out


def _help(capsys, argv) -> str:
    rc = main([*argv, "--help"])
    assert rc == 0, argv
    return capsys.readouterr().out


@pytest.fixture
def wide(monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setenv("TERMINAL_WIDTH", "100")


def test_every_help_is_plain(capsys, wide):
    argvs = _argvs()
    assert len(argvs) > 30 and ["story"] in argvs and ["archive", "add"] in argvs
    for argv in argvs:
        text = _help(capsys, argv)
        assert "Usage:" in text, argv
        assert "``" not in text, (argv, [x for x in text.splitlines() if "``" in x])
        assert not re.search(r":(func|class|mod|data|meth|attr):`", text), argv


def _panel_entries(text: str, panel: str) -> list[list[str]]:
    """The rows of a help panel (``Commands``/``Options``) as entries: each entry, its description lines."""
    lines = text.splitlines()
    start = next(i for i, x in enumerate(lines) if x.startswith(f"╭─ {panel} "))
    entries, col = [], None
    for x in lines[start + 1 :]:
        if x.startswith("╰"):
            break
        inner = x[2:-2]  # "│ " ... " │"
        m = re.match(r"(\S+\s+)(\S.*)", inner)
        if m and not inner.startswith(" "):
            col = len(m.group(1))
            entries.append([m.group(2).rstrip()])
        elif entries:
            entries[-1].append(inner[col:].rstrip())
    return entries, col, len(lines[start]) - 4


def test_command_list_wraps_at_the_panel_width(capsys, wide):
    text = _help(capsys, [])
    entries, col, inner = _panel_entries(text, "Commands")
    width = inner - col
    assert len(entries) > 20
    for e in entries:
        for a, b in zip(e, e[1:]):
            # greedy wrap: the next line's first word would not have fitted on this line
            assert len(a) + 1 + len(b.split()[0]) > width - 1, (a, b)
