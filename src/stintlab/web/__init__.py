"""The stintlab web app: :func:`create_app` builds it (see ``docs/web.md``)."""

from stintlab.web.app import create_app

__all__ = ["create_app"]
