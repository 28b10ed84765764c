"""The certificates of a local broker's secured listeners (`deploy.kafka.local.SecuredListeners`): a
certificate authority made for that broker alone, the broker's certificate for ``127.0.0.1`` and
``localhost``, and one client certificate for mutual TLS — written once under the broker's home and
reused when it restarts. For tests and for trying TLS out on one machine, never for a real cluster.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = ["TlsFiles", "make_authority", "make_tls_files"]

VALID_FOR = timedelta(days=365)
BROKER_NAMES = ("127.0.0.1", "localhost")


@dataclass(frozen=True, slots=True)
class TlsFiles:
    folder: Path

    @property
    def ca(self) -> Path:
        """The authority's certificate, which clients trust (``KAFKA_SSL_CA_FILE``)."""
        return self.folder / "ca.pem"

    @property
    def keystore(self) -> Path:
        """The broker's key and certificate chain (PKCS #12, Kafka's ``ssl.keystore.location``)."""
        return self.folder / "broker.p12"

    @property
    def keystore_password_file(self) -> Path:
        return self.folder / "broker.p12.password"

    @property
    def client_cert(self) -> Path:
        """A client certificate the authority signed (``KAFKA_SSL_CERT_FILE``), for mutual TLS."""
        return self.folder / "client.pem"

    @property
    def client_key(self) -> Path:
        """Its private key (``KAFKA_SSL_KEY_FILE``)."""
        return self.folder / "client-key.pem"

    @property
    def keystore_password(self) -> str:
        return self.keystore_password_file.read_text().strip()

    def complete(self) -> bool:
        return all(
            path.exists()
            for path in (
                self.ca,
                self.keystore,
                self.keystore_password_file,
                self.client_cert,
                self.client_key,
            )
        )


@dataclass(frozen=True, slots=True)
class Authority:
    """A certificate authority: its key and self-signed certificate."""

    key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate

    def issue(
        self, subject: str, *, names: tuple[str, ...] = (), client: bool = False
    ) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
        """A key and a certificate for ``subject``, for a server at ``names`` or (``client``) a client."""
        key = ec.generate_private_key(ec.SECP256R1())
        usage = ExtendedKeyUsageOID.CLIENT_AUTH if client else ExtendedKeyUsageOID.SERVER_AUTH
        builder = (
            _base(subject, key.public_key(), issuer=self.certificate.subject)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        )
        if names:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([_name(n) for n in names]), critical=False
            )
        return key, builder.sign(self.key, hashes.SHA256())


def make_authority(common_name: str = "Civic Channels local Kafka CA") -> Authority:
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = (
        _base(common_name, key.public_key(), issuer=None)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    return Authority(key, certificate)


def make_tls_files(folder: Path) -> TlsFiles:
    """The authority, the broker's keystore and a client certificate under ``folder`` (made the first
    time; a restarted broker keeps them, so clients that trusted it still do)."""
    files = TlsFiles(folder)
    if files.complete():
        return files
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    authority = make_authority()
    broker_key, broker_certificate = authority.issue("kafka-broker", names=BROKER_NAMES)
    client_key, client_certificate = authority.issue("civic-client", client=True)
    password = secrets.token_urlsafe(18)
    _write(files.ca, authority.certificate.public_bytes(serialization.Encoding.PEM))
    _write(files.keystore_password_file, password.encode())
    _write(
        files.keystore,
        pkcs12.serialize_key_and_certificates(
            b"broker",
            broker_key,
            broker_certificate,
            [authority.certificate],
            serialization.BestAvailableEncryption(password.encode()),
        ),
    )
    _write(files.client_cert, client_certificate.public_bytes(serialization.Encoding.PEM))
    _write(
        files.client_key,
        client_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
    )
    return files


def _base(
    subject: str, public_key: ec.EllipticCurvePublicKey, *, issuer: x509.Name | None
) -> x509.CertificateBuilder:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    now = datetime.now(UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer or name)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + VALID_FOR)
    )


def _name(host: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        return x509.DNSName(host)


def _write(path: Path, content: bytes) -> None:
    path.write_bytes(content)
    path.chmod(0o600)
