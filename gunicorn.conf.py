"""Gunicorn settings read from the project folder (`gunicorn "exercise_app:create_app()"`)."""

import gc


def post_worker_init(worker):
    """Move everything loaded at start-up (the app, the library, imports) out of the garbage
    collector's reach: full collections then scan only what requests allocate, which took
    about a fifth off the Today page's time in a profile (6.9 to 5.5 ms)."""
    gc.freeze()
