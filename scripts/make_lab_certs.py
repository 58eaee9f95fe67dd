#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Certificates for the lab, made with python3-cryptography (Debian package):

  ca.pem, ca.key              "tdstls lab CA": what the validating clients trust
  server.pem, server.key      signed by it, CN=localhost, SAN localhost and 127.0.0.1: accepted
  selfsigned.pem, .key        CN=localhost, self-signed: what SQL Server makes when none is configured
  expired.pem, .key           signed by the lab CA, valid 2020-01-01 to 2021-01-01
  wrongname.pem, .key         signed by the lab CA, CN and SAN db.example.test only

usage: make_lab_certs.py DIR"""
import datetime
import ipaddress
import os
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

DAY = datetime.timedelta(days=1)


def key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def build(subject_cn, subject_key, issuer_cn, issuer_key, not_before, not_after, sans=(), ca=False):
    b = (x509.CertificateBuilder().subject_name(name(subject_cn)).issuer_name(name(issuer_cn))
         .public_key(subject_key.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(not_before).not_valid_after(not_after)
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if sans:
        b = b.add_extension(x509.SubjectAlternativeName(list(sans)), critical=False)
    return b.sign(issuer_key, hashes.SHA256())


def write(directory, stem, cert, k):
    with open(os.path.join(directory, stem + ".pem"), "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(os.path.join(directory, stem + ".key"), "wb") as f:
        f.write(k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption()))


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__.split("\n\n")[-1])
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    local = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    ca_key = key()
    write(out, "ca", build("tdstls lab CA", ca_key, "tdstls lab CA", ca_key, now - DAY, now + 3650 * DAY, ca=True),
          ca_key)
    k = key()
    write(out, "server", build("localhost", k, "tdstls lab CA", ca_key, now - DAY, now + 3650 * DAY, local), k)
    k = key()
    write(out, "selfsigned", build("localhost", k, "localhost", k, now - DAY, now + 3650 * DAY, local), k)
    k = key()
    utc = datetime.timezone.utc
    write(out, "expired", build("localhost", k, "tdstls lab CA", ca_key, datetime.datetime(2020, 1, 1, tzinfo=utc),
                                datetime.datetime(2021, 1, 1, tzinfo=utc), local), k)
    k = key()
    write(out, "wrongname", build("db.example.test", k, "tdstls lab CA", ca_key, now - DAY, now + 3650 * DAY,
                                  [x509.DNSName("db.example.test")]), k)


if __name__ == "__main__":
    main()
