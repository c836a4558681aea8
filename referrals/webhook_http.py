"""POST one webhook: to the address that was checked, within one deadline and a cap on what is read.

A name is looked up once per attempt, every address it gives is checked (unless
WEBHOOK_ALLOW_PRIVATE_TARGETS), and the connection goes to one of those addresses: a name that
answers a public address to the check and 127.0.0.1 to the connection (DNS rebinding) cannot lead
here. The request still names the URL's host: in the Host header and, for https, in SNI and in
the certificate check.

WEBHOOK_TIMEOUT bounds the whole attempt (connect, TLS, send, answer), not each read, so a
receiver that answers a byte at a time is cut off; at most WEBHOOK_MAX_RESPONSE_BYTES of the
answer are read. Redirects are answers like any other (nothing here follows them).

Built on http.client with a connection of our own rather than on urllib3 or requests: pinning
the address is one ``connect`` method here, and neither library bounds a whole answer in time
(their timeouts are per socket call too), so the socket would need the same care underneath.

A failed attempt raises DeliveryError with one of REASONS: the words a client sees in its
delivery log. The error itself goes to the server's log only.
"""

import http.client
import ipaddress
import logging
import socket
import ssl
import time
from urllib.parse import urlsplit

from django.conf import settings

logger = logging.getLogger(__name__)

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

TIMEOUT = "timeout"
CONNECTION_REFUSED = "connection refused"
CONNECTION_FAILED = "connection failed"
CONNECTION_CLOSED = "connection closed"
HOST_NOT_FOUND = "host not found"
REFUSED_PRIVATE = "refused: private address"
TLS_CERTIFICATE = "TLS certificate not valid"
TLS_FAILED = "TLS error"
INVALID_RESPONSE = "invalid HTTP response"
TOO_LARGE = "response too large"
FAILED = "delivery failed"  # anything else; the server's log has the details
REASONS = (
    TIMEOUT,
    CONNECTION_REFUSED,
    CONNECTION_FAILED,
    CONNECTION_CLOSED,
    HOST_NOT_FOUND,
    REFUSED_PRIVATE,
    TLS_CERTIFICATE,
    TLS_FAILED,
    INVALID_RESPONSE,
    TOO_LARGE,
    FAILED,
)


class DeliveryError(Exception):
    """An attempt that got no answer; ``reason`` is one of REASONS."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def status_reason(status_code: int) -> str:
    return f"HTTP {status_code}"


def public_reason(text: str) -> str:
    """``text`` if it is one of the reasons a client may see (or "HTTP <status>"), else FAILED."""
    if text in REASONS or text == "":
        return text
    words = text.split(" ")
    if len(words) == 2 and words[0] == "HTTP" and words[1].isdigit() and len(words[1]) == 3:
        return text
    return FAILED


# Addresses

NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # the well-known prefix: the last 32 bits are the IPv4 address


def is_refused_address(address: Address) -> bool:
    """Whether a webhook may not go to ``address``: anything but a global unicast address.

    IPv6 forms that carry an IPv4 address are judged by it: IPv4-mapped and NAT64 (64:ff9b::/96)
    reach that IPv4 address, 6to4 (2002::/16) its host; IPv4-compatible (::a.b.c.d, deprecated)
    and Teredo (2001::/32) are refused whatever they carry.
    """
    if isinstance(address, ipaddress.IPv6Address):
        carried = address.ipv4_mapped
        if carried is None and address in NAT64:
            carried = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if carried is not None:
            return is_refused_address(carried)
        if int(address) >> 32 == 0 or address.teredo is not None:
            return True
        if address.sixtofour is not None and is_refused_address(address.sixtofour):
            return True
        if address.is_site_local:
            return True
    return (
        not address.is_global
        or address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_reserved
        or address.is_multicast
        or address.is_unspecified
    )


def ip_literal(host: str) -> Address | None:
    """The address ``host`` is written as, in any form the resolver reads as one (127.1, 0x7f.0.0.1, 2130706433)."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


def _resolve(host: str, port: int) -> list[tuple]:
    """Look ``host`` up once: ``(family, type, proto, address)`` for each distinct address, in the resolver's order."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise DeliveryError(HOST_NOT_FOUND) from error
    unique = {}
    for family, kind, proto, _name, sockaddr in found:
        unique.setdefault(sockaddr, (family, kind, proto, sockaddr))
    if not unique:
        raise DeliveryError(HOST_NOT_FOUND)
    return list(unique.values())


# The connection


class _Deadline:
    def __init__(self, seconds: float) -> None:
        self.at = time.monotonic() + seconds

    def remaining(self) -> float:
        """Seconds left; raise TimeoutError when there are none."""
        left = self.at - time.monotonic()
        if left <= 0:
            raise TimeoutError("the attempt's deadline passed")
        return left


class _TooLarge(DeliveryError):
    def __init__(self) -> None:
        super().__init__(TOO_LARGE)


class _Bounded:
    """A socket whose every call ends by the attempt's deadline, and that reads at most ``limit`` bytes.

    A socket's own timeout is per call: a receiver sending a byte a second never trips it.
    http.client reads the answer through ``recv_into`` and sends through ``sendall``/``send``.
    """

    deadline: _Deadline | None = None
    limit = 0
    received = 0

    def bound(self, deadline: _Deadline, limit: int) -> None:
        self.deadline, self.limit, self.received = deadline, limit, 0

    def _arm(self) -> None:
        if self.deadline is not None:
            self.settimeout(self.deadline.remaining())

    def sendall(self, data, flags=0):
        self._arm()
        return super().sendall(data, flags)

    def send(self, data, flags=0):
        self._arm()
        return super().send(data, flags)

    def recv_into(self, buffer, nbytes=0, flags=0):
        if self.deadline is None:
            return super().recv_into(buffer, nbytes, flags)
        room = self.limit - self.received
        if room <= 0:
            raise _TooLarge
        self._arm()
        count = super().recv_into(buffer, min(nbytes or len(buffer), room), flags)
        self.received += count
        return count


class _BoundedSocket(_Bounded, socket.socket):
    pass


class _BoundedSSLSocket(_Bounded, ssl.SSLSocket):
    pass


class _PinnedConnection(http.client.HTTPConnection):
    """HTTP(S) to one of ``addresses`` (checked before), in the name of ``host``: Host header, SNI, certificate."""

    def __init__(self, host: str, port: int, *, addresses: list[tuple], tls: bool, deadline: _Deadline) -> None:
        super().__init__(host, port)
        self.addresses = addresses
        self.tls = tls
        self.deadline = deadline
        if tls:
            self.default_port = 443  # so that the Host header carries no ":443"

    def connect(self) -> None:
        sock = self._dial()
        if self.tls:
            context = ssl.create_default_context()
            context.sslsocket_class = _BoundedSSLSocket
            # The whole handshake must end within the timeout (not each read of it).
            sock.settimeout(self.deadline.remaining())
            sock = context.wrap_socket(sock, server_hostname=self.host)
        sock.bound(self.deadline, settings.WEBHOOK_MAX_RESPONSE_BYTES)
        self.sock = sock

    def _dial(self) -> _BoundedSocket:
        error = None
        for family, kind, proto, sockaddr in self.addresses:
            sock = _BoundedSocket(family, kind, proto)
            try:
                sock.settimeout(self.deadline.remaining())
                sock.connect(sockaddr)
            except OSError as failure:
                sock.close()
                error = failure
                if isinstance(failure, TimeoutError):
                    break
                continue
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return sock
        raise error


def post(url: str, body: bytes, headers: dict[str, str]) -> int:
    """POST ``body`` to ``url``; return the answer's status code, or raise DeliveryError without one.

    Costs one DNS lookup (not bounded by WEBHOOK_TIMEOUT: the resolver's own timeouts apply).
    """
    try:
        return _post(url, body, headers)
    except DeliveryError as error:
        logger.info("Webhook POST to %s failed: %s (%r)", url, error.reason, error.__cause__)
        raise


def _post(url: str, body: bytes, headers: dict[str, str]) -> int:
    try:
        parts = urlsplit(url)
        host, tls = parts.hostname, parts.scheme.lower() == "https"
        port = parts.port or (443 if tls else 80)
    except ValueError as error:
        raise DeliveryError(HOST_NOT_FOUND) from error
    if not host:
        raise DeliveryError(HOST_NOT_FOUND)
    deadline = _Deadline(settings.WEBHOOK_TIMEOUT)
    addresses = _resolve(host, port)
    if not settings.WEBHOOK_ALLOW_PRIVATE_TARGETS and any(
        is_refused_address(ipaddress.ip_address(sockaddr[0].split("%", 1)[0])) for *_, sockaddr in addresses
    ):
        raise DeliveryError(REFUSED_PRIVATE)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connection = None
    try:
        connection = _PinnedConnection(host, port, addresses=addresses, tls=tls, deadline=deadline)
        connection.request("POST", target, body=body, headers={**headers, "Connection": "close"})
        with connection.getresponse() as response:
            _read_rest(response)
            return response.status
    except DeliveryError:
        raise
    except Exception as error:
        raise DeliveryError(_reason(error)) from error
    finally:
        if connection is not None:
            connection.close()


def _read_rest(response: http.client.HTTPResponse) -> None:
    """Read the body up to the cap and the deadline, and no further: the status has answered already."""
    try:
        while response.read(16 * 1024):
            pass
    except (DeliveryError, OSError, http.client.HTTPException):
        pass


def _reason(error: Exception) -> str:
    if isinstance(error, TimeoutError):
        return TIMEOUT
    if isinstance(error, ConnectionRefusedError):
        return CONNECTION_REFUSED
    if isinstance(error, ssl.SSLCertVerificationError):
        return TLS_CERTIFICATE
    if isinstance(error, ssl.SSLError):
        return TLS_FAILED
    if isinstance(error, (ConnectionError, http.client.IncompleteRead)):
        return CONNECTION_CLOSED  # RemoteDisconnected included: the receiver hung up without an answer
    if isinstance(error, http.client.LineTooLong):
        return TOO_LARGE
    if isinstance(error, http.client.HTTPException):
        return INVALID_RESPONSE
    if isinstance(error, OSError):
        return CONNECTION_FAILED
    return FAILED
