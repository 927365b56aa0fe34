"""A real LDAP server for the directory tests: Debian's ``slapd``, started once per session as the current user on a
free port, with a ``slapd.conf`` and an ``mdb`` database in a temporary folder and the core, cosine and
inetOrgPerson schemas; each test starts from the same small directory (``DIRECTORY``), loaded anew."""

from __future__ import annotations

import ipaddress
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from ldap3 import Connection, Server

from engine.org.ldap.settings import LdapSettings, role_groups

SLAPD = "/usr/sbin/slapd"
SCHEMAS = Path("/etc/ldap/schema")
MODULES = Path("/usr/lib/ldap")
SUFFIX = "dc=example,dc=cn"
ADMIN_DN, ADMIN_PASSWORD = f"cn=admin,{SUFFIX}", "directory-admin-secret"
UNITS = f"ou=units,{SUFFIX}"
OPERATIONS = f"ou=operations,{UNITS}"
SUPPLY = f"ou=supply,{OPERATIONS}"
METERING = f"ou=metering,{OPERATIONS}"
GROUPS = f"ou=groups,{SUFFIX}"
ANALYSTS_GROUP = f"cn=analysts,{GROUPS}"
READY_WITHIN = 20.0  # seconds for slapd to answer at all (not a measure of anything)


def person_dn(username: str, unit_dn: str) -> str:
    return f"uid={username},{unit_dn}"


ANN, BO, CY = person_dn("ann.li", METERING), person_dn("bo.wang", METERING), person_dn("cy.zhao", METERING)
TANG, WU = person_dn("tang.li", SUPPLY), person_dn("wu.fang", SUPPLY)
PASSWORDS = {"ann.li": "ann-directory-pw", "bo.wang": "bo-directory-pw", "cy.zhao": "cy-directory-pw",
             "tang.li": "tang-directory-pw", "wu.fang": "wu-directory-pw"}


def _person(dn: str, username: str, cn: str, name: str, **more: str) -> tuple[str, list[str], dict[str, object]]:
    return dn, ["inetOrgPerson"], {"uid": username, "cn": cn, "sn": cn.split()[-1], "displayName": name,
                                   "mail": f"{username}@example.cn", "userPassword": PASSWORDS[username], **more}


# Two units under operations (supply is the demo's, metering is new), five people (tang.li and wu.fang are the
# demo's; bo.wang reports to ann.li, who reports to nobody; wu.fang names her unit by departmentNumber), a group.
DIRECTORY: list[tuple[str, list[str], dict[str, object]]] = [
    (SUFFIX, ["dcObject", "organization"], {"dc": "example", "o": "Example Gas"}),
    (UNITS, ["organizationalUnit"], {"ou": "units"}),
    (OPERATIONS, ["organizationalUnit"], {"ou": "operations", "description": "运营部"}),
    (SUPPLY, ["organizationalUnit"], {"ou": "supply", "description": "供应科"}),
    (METERING, ["organizationalUnit"], {"ou": "metering", "description": "计量科"}),
    _person(ANN, "ann.li", "An Li", "李安"),
    _person(BO, "bo.wang", "Bo Wang", "王博", manager=ANN),
    _person(CY, "cy.zhao", "Chuyi Zhao", "赵初一"),
    _person(TANG, "tang.li", "Li Tang", "唐丽", manager=ANN),
    _person(WU, "wu.fang", "Fang Wu", "吴芳", departmentNumber="marketing"),
    (GROUPS, ["organizationalUnit"], {"ou": "groups"}),
    (ANALYSTS_GROUP, ["groupOfNames"], {"cn": "analysts", "member": [ANN]}),
]

CONFIG = """\
include {schemas}/core.schema
include {schemas}/cosine.schema
include {schemas}/inetorgperson.schema
pidfile {folder}/slapd.pid
modulepath {modules}
moduleload back_mdb
database mdb
maxsize 16777216
suffix "{suffix}"
rootdn "{admin}"
rootpw {password}
directory {folder}/data
TLSCertificateFile {folder}/server.pem
TLSCertificateKeyFile {folder}/server.key
"""


@dataclass(frozen=True)
class Slapd:
    url: str  # ldap://127.0.0.1:port (STARTTLS offered)
    tls_url: str  # ldaps://localhost:port
    certificate: Path  # the server's self-signed certificate (the CA to trust)

    def admin(self) -> Connection:
        return Connection(Server(self.url), ADMIN_DN, ADMIN_PASSWORD, auto_bind=True, raise_exceptions=True)


def _certificate(folder: Path) -> Path:
    """A self-signed certificate for localhost and 127.0.0.1, and its key, in ``folder``; the certificate's path."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.now(UTC)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
                   .not_valid_after(now + timedelta(days=2))
                   .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                               x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                                  critical=False)
                   .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                   .sign(key, hashes.SHA256()))
    (folder / "server.key").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                          serialization.PrivateFormat.PKCS8,
                                                          serialization.NoEncryption()))
    path = folder / "server.pem"
    path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _listens(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="session")
def slapd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Slapd]:
    if not Path(SLAPD).exists() or shutil.which("slapd", path="/usr/sbin") is None:
        pytest.fail("Debian's slapd is not installed (the directory tests run a real LDAP server): run .ci/system-deps "
                    "or apt-get install -y slapd")
    folder = tmp_path_factory.mktemp("slapd")
    (folder / "data").mkdir()
    certificate = _certificate(folder)
    config = folder / "slapd.conf"
    config.write_text(CONFIG.format(schemas=SCHEMAS, folder=folder, modules=MODULES, suffix=SUFFIX, admin=ADMIN_DN,
                                    password=ADMIN_PASSWORD), encoding="utf-8")
    port, tls_port = _free_port(), _free_port()
    url = f"ldap://127.0.0.1:{port}"
    log = (folder / "slapd.log").open("wb")
    listen = f"{url}/ ldaps://127.0.0.1:{tls_port}/"
    process = subprocess.Popen([SLAPD, "-f", str(config), "-h", listen, "-d", "0"],  # -d: stays in front
                               stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + READY_WITHIN
        while not (_listens(port) and _listens(tls_port)):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"slapd did not start: {(folder / 'slapd.log').read_text(errors='replace')}")
            time.sleep(0.1)
        yield Slapd(url, f"ldaps://localhost:{tls_port}", certificate)
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def _subtree(conn: Connection, base: str) -> list[str]:
    conn.search(base, "(objectClass=*)", attributes=["1.1"])
    return [str(e["dn"]) for e in conn.response if e.get("type") == "searchResEntry"]


@pytest.fixture
def directory(slapd: Slapd) -> Iterator[Connection]:
    """The directory as ``DIRECTORY`` says, and a connection bound as its administrator to change it."""
    conn = slapd.admin()
    conn.raise_exceptions = False
    found = _subtree(conn, SUFFIX)
    for dn in sorted(found, key=lambda d: d.count(","), reverse=True):  # leaves first
        conn.delete(dn)
    conn.raise_exceptions = True
    for dn, classes, attributes in DIRECTORY:
        conn.add(dn, classes, attributes)
    try:
        yield conn
    finally:
        conn.unbind()


def search_settings(slapd: Slapd, **more: object) -> LdapSettings:
    """People found by a search under the suffix (anonymously: slapd lets anyone read), units under ``UNITS``."""
    return LdapSettings(url=slapd.url, user_base=SUFFIX, unit_base=UNITS, timeout=5.0, **more)  # type: ignore[arg-type]


def analysts_mapping() -> dict[str, object]:
    return {"role_groups": role_groups(f"{ANALYSTS_GROUP}=analyst")}


def unreachable_settings() -> LdapSettings:
    """A directory that does not answer: nothing listens on the port."""
    return LdapSettings(url=f"ldap://127.0.0.1:{_free_port()}", user_base=SUFFIX, timeout=2.0)
