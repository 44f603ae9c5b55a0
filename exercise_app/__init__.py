"""Guided home-exercise programmes for hip and lower-back pain."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app: configuration, extensions, blueprints and CLI commands."""
    app = Flask(
        __name__,
        instance_path=str(PROJECT_ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
    )
    from . import config

    config.load(app, test_config)
    if app.config["PROXY_HOPS"]:
        # Behind the TLS-terminating proxy every request comes from the proxy over http: the
        # client's address (per-IP limits) and scheme (https links, HSTS) are in its headers.
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]

    from . import main, sessions
    from .extensions import (
        configure_postgresql,
        configure_sqlite,
        csrf,
        db,
        limiter,
        login_manager,
        mail,
        migrate,
    )

    db.init_app(app)
    migrate.init_app(
        app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True,
        compare_type=True,
    )
    login_manager.init_app(app)
    csrf.init_app(app)
    mail.init_app(app)
    limiter.init_app(app)
    with app.app_context():
        configure_sqlite(db.engine)
        configure_postgresql(db.engine)
    main.init_app(app)
    sessions.init_app(app)

    from .admin.views import bp as admin_bp
    from .auth.views import bp as auth_bp
    from .clinician.views import bp as clinician_bp
    from .library.views import bp as library_bp
    from .patient.views import bp as patient_bp
    from .progression.views import bp as progression_bp
    from .safety.views import bp as safety_bp
    from .triage.views import bp as triage_bp

    for blueprint in (auth_bp, patient_bp, clinician_bp, admin_bp, library_bp, progression_bp,
                      safety_bp, triage_bp):
        app.register_blueprint(blueprint)

    from . import audit

    audit.register(app)

    from .cli import register

    register(app)
    return app
