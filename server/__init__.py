"""coop-cra server: the Flask application factory."""

from flask import Flask

from server.config import load_config


def create_app(test_config=None):
    """Create and configure the application; only register_* calls live here."""
    app = Flask(__name__, instance_relative_config=True, static_folder=None)
    load_config(app, test_config)
    from server.api import register_blueprints
    from server.cli import register_commands
    from server.errors import register_errorhandlers
    from server.extensions import register_extensions
    from server.pages import register_pages

    register_extensions(app)
    register_errorhandlers(app)
    register_blueprints(app)
    register_pages(app)
    register_commands(app)
    return app
