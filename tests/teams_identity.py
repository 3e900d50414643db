"""Keys, channel tokens and a TLS certificate that stand in for Microsoft's identity in tests."""

from __future__ import annotations

import ipaddress
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from jwt.algorithms import RSAAlgorithm

BOT_FRAMEWORK_ISSUER = "https://api.botframework.com"  # `iss` of every channel -> bot token
# The SDK checks `iat`/`exp` with five minutes of leeway, so "expired" must be older than that.
CLOCK_LEEWAY = timedelta(minutes=5)


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class ChannelTokenIssuer:
    """Signs tokens the way the Bot Framework channel service does, and publishes its JWKS.

    The JWKS carries `endorsements`: the SDK refuses a token whose key does not endorse the
    activity's channelId, so the default endorses Teams (and the Emulator, for completeness).
    """

    def __init__(
        self,
        *,
        issuer: str = BOT_FRAMEWORK_ISSUER,
        endorsements: tuple[str, ...] = ("msteams", "emulator"),
    ) -> None:
        self.issuer = issuer
        self.endorsements = endorsements
        self.kid = f"tandem-test-{uuid.uuid4().hex[:8]}"
        self._key = _new_key()

    def jwks(self) -> dict[str, Any]:
        public = json.loads(RSAAlgorithm.to_jwk(self._key.public_key()))
        public.update(kid=self.kid, use="sig", alg="RS256", endorsements=list(self.endorsements))
        return {"keys": [public]}

    def claims(
        self, *, app_id: str, service_url: str, now: datetime | None = None
    ) -> dict[str, Any]:
        issued = now or datetime.now(UTC)
        return {
            "iss": self.issuer,
            "aud": app_id,
            "serviceurl": service_url,  # the SDK reads the lower-case claim and compares exactly
            "nbf": issued,
            "iat": issued,
            "exp": issued + timedelta(hours=1),
        }

    def token(self, *, app_id: str, service_url: str, **overrides: Any) -> str:
        """A valid channel token; `overrides` replace or (with value None) drop claims."""
        return self.sign(self._claims_with(app_id, service_url, overrides))

    def sign(self, claims: dict[str, Any], *, key: rsa.RSAPrivateKey | None = None) -> str:
        return jwt.encode(claims, key or self._key, algorithm="RS256", headers={"kid": self.kid})

    def expired_token(self, *, app_id: str, service_url: str) -> str:
        issued = datetime.now(UTC) - timedelta(hours=1) - CLOCK_LEEWAY - timedelta(minutes=1)
        claims = self.claims(app_id=app_id, service_url=service_url, now=issued)
        return self.sign(claims)

    def forged_token(self, *, app_id: str, service_url: str) -> str:
        """Right kid and claims, wrong key: the signature cannot verify against the JWKS."""
        return self.sign(self.claims(app_id=app_id, service_url=service_url), key=_new_key())

    def _claims_with(self, app_id: str, service_url: str, overrides: dict[str, Any]) -> dict:
        claims = self.claims(app_id=app_id, service_url=service_url)
        for name, value in overrides.items():
            if value is None:
                claims.pop(name, None)
            else:
                claims[name] = value
        return claims


def bearer(token: str) -> dict[str, str]:
    """The request headers a channel sends with `token`."""
    return {"Authorization": f"Bearer {token}"}


@dataclass(frozen=True)
class TlsFiles:
    """A self-signed certificate for 127.0.0.1: MSAL only accepts https authorities."""

    certificate: Path
    private_key: Path


def self_signed_tls(folder: Path) -> TlsFiles:
    key = _new_key()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    files = TlsFiles(folder / "fake-identity.pem", folder / "fake-identity.key")
    files.certificate.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    files.private_key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    return files
