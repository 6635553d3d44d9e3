"""CLI command modules. Each module imports :data:`stintlab.cli.app` and registers its commands;
:mod:`stintlab.cli` imports every module here. Shared helpers are in :mod:`stintlab.commands._common`."""
