"""WSGI entry point: ``flask --app wsgi …`` and production servers."""

import gc

# Building the app allocates a few hundred thousand objects that live as long as the process
# (modules, models, routes, the checklist registry). The cyclic collector would scan them over
# and over while they are made (a fifth of a command's start); it waits until the app is built,
# and then leaves them out of its scans for good (also keeping forked workers' pages shared).
gc.disable()
try:
    from fieldapp import create_app

    app = create_app()
finally:
    gc.freeze()
    gc.enable()
