"""Packaging glue that pyproject.toml cannot express: content/ and static/ are top-level folders in
the checkout, mapped into the wheel as journey_app/_content and journey_app/_static so an installed
site finds them without a checkout (journey_app/paths.py looks in both places).
"""

from setuptools import find_packages, setup

MAPPED = {"journey_app._content": "content", "journey_app._static": "static"}

setup(
    packages=find_packages(include=["journey_app", "journey_app.*"]) + list(MAPPED),
    package_dir=MAPPED,
    package_data={
        "journey_app._content": ["**/*"],
        "journey_app._static": ["**/*"],
        "journey_app.toolchain": ["prebuilt/*"],
        "journey_app.guest": ["*.c"],          # the native write log, compiled for the host at first use
        "journey_app.web": ["templates/*", "templates/**/*"],
        "journey_app.labs": ["*.json", "migrations/*", "migrations/**/*"],
        "journey_app": ["**/*.json", "**/*.ini", "**/*.mako"],
    },
    include_package_data=False,
)
