"""CLI command modules, one per area. Each defines its command functions and a
``register(app)`` that adds them to a typer app; :func:`stintlab.cli.build_app` calls them.
Importing a module registers nothing. Shared helpers are in :mod:`stintlab.commands._common`."""
