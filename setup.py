"""Packaging beyond what pyproject.toml can say: the designer's files, the presets and the samples travel in the wheel.

They stay where they are in the checkout (``designer_ui/``, ``presets/``, ``projects/``)
and are mapped into the package ``builder._assets`` of a built distribution, where
``builder.assets`` finds them through ``importlib.resources``.
"""

import os

from setuptools import find_packages, setup

# Checkout folder -> package in the wheel, every subfolder included (a new one needs no edit here).
FOLDERS = {"designer_ui": "builder._assets.designer_ui", "presets": "builder._assets.presets"}
ASSETS: dict[str, str] = {}
DATA: dict[str, list[str]] = {"runtime": ["templates/**/*", "static/**/*"]}
for folder, package in FOLDERS.items():
    for here, dirs, _files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "__")))
        name = package + here[len(folder):].replace(os.sep, ".")
        ASSETS[name] = here
        DATA[name] = ["*.html", "*.js", "*.css", "*.json", "*.svg", "*.png"]
ASSETS["builder._assets.samples"] = "projects"
DATA["builder._assets.samples"] = ["*/app.json"]

setup(
    packages=find_packages(include=["builder", "builder.*", "runtime", "runtime.*"]) + list(ASSETS),
    package_dir=ASSETS,
    package_data=DATA,
)
