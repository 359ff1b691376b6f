"""The CRA sync protocol in plain Python (no Flask, no SQLAlchemy); contract: PROTOCOL.md."""
