"""A real Web Push service on loopback, for the tests and the benchmark.

Each device made with `device()` has its own P-256 key pair and auth secret, as a browser's
subscription has. The server POSTs to the device's endpoint; the endpoint checks what a push
service checks (the VAPID JWT of RFC 8292, signed ES256 with the server's key, its aud, exp and
sub; TTL), decrypts the aes128gcm body with the device's private key (RFC 8291, http_ece) and
keeps what it received. A device can be told to answer 404, 410, 429... instead of 201.
"""

import base64
import os
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Received:
    """One push as the push service got it."""

    device: str
    ttl: int | None
    topic: str | None
    urgency: str | None
    claims: dict
    vapid_key: str
    text: str


@dataclass
class Device:
    """A subscription's secret half: what only the browser knows."""

    name: str
    endpoint: str
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes
    status: int = 201
    headers: dict = field(default_factory=dict)

    @property
    def subscription(self) -> dict:
        """PushSubscription.toJSON(), as the app sends it."""
        public = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {
            "endpoint": self.endpoint,
            "expirationTime": None,
            "keys": {"p256dh": b64url(public), "auth": b64url(self.auth)},
        }


class PushEndpoint:
    """The push service: `with PushEndpoint(server_key, subject) as endpoint: ...`.

    `decrypt=False` (the benchmark) still checks headers but neither the signature nor the
    body, to keep the endpoint's CPU for the clock being measured; `delay` (seconds) stands for
    the round trip to a real push service."""

    def __init__(
        self,
        vapid_public_key: str | None = None,
        subject: str | None = None,
        decrypt: bool = True,
        delay: float = 0,
    ):
        self.vapid_public_key = vapid_public_key
        self.subject = subject
        self.decrypt = decrypt
        self.delay = delay
        self.devices: dict[str, Device] = {}
        self.received: list[Received] = []
        self.errors: list[str] = []
        self.requests = 0
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        # Polled every 20 ms for the stop: shutdown() waits for the next poll (0.5 s by default,
        # which was half a second at the end of every test using the endpoint).
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)

    def device(self, name: str | None = None, status: int = 201) -> Device:
        """A new subscription, with its own key pair and auth secret."""
        name = name or b64url(os.urandom(12))
        created = Device(
            name,
            f"{self.base}/push/{name}",
            ec.generate_private_key(ec.SECP256R1()),
            os.urandom(16),
            status,
        )
        self.devices[name] = created
        return created

    def for_device(self, name: str) -> list[Received]:
        return [r for r in self.received if r.device == name]

    def _check(self, device: Device, headers) -> tuple[dict, str]:
        """The VAPID header (RFC 8292): vapid t=<JWT>,k=<key>."""
        scheme, _, params = (headers.get("Authorization") or "").partition(" ")
        assert scheme == "vapid", f"Authorization: {scheme!r}"
        values = dict(part.split("=", 1) for part in params.split(","))
        token, key = values["t"], values["k"]
        if self.vapid_public_key is not None:
            assert key == self.vapid_public_key, "k is not the server's key"
        claims = jwt.decode(token, options={"verify_signature": False})
        if self.decrypt:
            public = ec.EllipticCurvePublicKey.from_encoded_point(
                ec.SECP256R1(), b64url_decode(key)
            )
            claims = jwt.decode(
                token,
                public,
                algorithms=["ES256"],
                audience=self.base,
                options={"require": ["aud", "exp", "sub"]},
            )
            assert time.time() < claims["exp"] <= time.time() + 24 * 3600, claims
            if self.subject is not None:
                assert claims["sub"] == self.subject, claims
        return claims, key

    def _receive(self, name: str, headers, body: bytes) -> tuple[int, dict]:
        device = self.devices.get(name)
        if device is None:
            return 404, {}
        assert headers.get("Content-Encoding") == "aes128gcm", headers.get("Content-Encoding")
        assert len(body) <= 4096, f"{len(body)} bytes"
        claims, key = self._check(device, headers)
        text = ""
        if self.decrypt:
            text = http_ece.decrypt(
                body, private_key=device.private_key, auth_secret=device.auth, version="aes128gcm"
            ).decode()
        ttl = headers.get("TTL")
        with self.lock:
            self.received.append(
                Received(
                    name,
                    int(ttl) if ttl is not None else None,
                    headers.get("Topic"),
                    headers.get("Urgency"),
                    claims,
                    key,
                    text,
                )
            )
        return device.status, device.headers

    def _handler(self):
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as push services do

            def do_POST(self):  # noqa: N802  (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with endpoint.lock:
                    endpoint.requests += 1
                try:
                    status, extra = endpoint._receive(
                        self.path.rsplit("/", 1)[-1], self.headers, body
                    )
                except Exception as error:  # the test reads endpoint.errors
                    with endpoint.lock:
                        endpoint.errors.append(f"{type(error).__name__}: {error}")
                    status, extra = 400, {}
                time.sleep(endpoint.delay)
                self.send_response(status)
                for name, value in extra.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        return Handler
