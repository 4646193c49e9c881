"""The Lguest Journey explorer: the kernel's literate lguest tour, run live in Unicorn.

Core packages (journey, toolchain, guest, host, runs, labs) never import Flask;
`journey_app.web` is the only HTTP layer.
"""

__version__ = "0.1.0"
