"""coop-cra server: the Flask application factory."""

from flask import Flask

import server.models  # noqa: F401  (every model registered before the migrations look)
from server.api import register_blueprints
from server.cli import register_commands
from server.config import load_config
from server.errors import register_errorhandlers
from server.extensions import register_extensions
from server.pages import register_pages
from server.pages.pilotage import error_page


def create_app(test_config=None):
    """Create and configure the application; only register_* calls live here."""
    app = Flask(__name__, instance_relative_config=True, static_folder=None)
    load_config(app, test_config)
    register_extensions(app)
    register_errorhandlers(app, error_page)
    register_blueprints(app)
    register_pages(app)
    register_commands(app)
    return app
