"""Where the designer's files, the presets and the sample projects are.

An installed distribution carries them in the package ``builder._assets`` (see
``setup.py``), found through ``importlib.resources``; a checkout (editable install,
tests, the Docker image) has them in the repository's top-level folders.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

_CHECKOUT = Path(__file__).resolve().parents[1]


def asset_dir(name: str, checkout_folder: str) -> Path:
    """The folder ``builder/_assets/<name>`` of an installed package, else ``<checkout>/<checkout_folder>``."""
    installed = resources.files("builder").joinpath("_assets", name)
    if installed.is_dir():
        return Path(str(installed))
    return _CHECKOUT / checkout_folder
