"""Real receivers on 127.0.0.1: an HTTP one that checks each request with the README's receiver code, and bare
socket ones that misbehave (slow, endless, garbage); and the DNS stand-in."""

import ipaddress
import re
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from referrals import clients, webhooks
from referrals.models import WebhookEndpoint

README = Path(__file__).resolve().parents[2] / "README.md"
EventType = WebhookEndpoint.EventType
REFERRAL_EVENTS = (EventType.REFERRAL_CREATED, EventType.REFERRAL_STATUS_CHANGED, EventType.REFERRAL_FEEDBACK)


def readme_receiver():
    """Return the ``receive`` function of the README's "Webhooks" section, run exactly as written there."""
    text = README.read_text()
    section = text[text.index("### Webhooks") :]
    code = re.search(r"```python\n(.*?)```", section, re.DOTALL).group(1)
    namespace: dict = {}
    exec(code, namespace)
    return namespace["receive"]


class Receiver:
    """A case system's webhook URL. ``status`` other than 2xx plays a receiver that is down.

    ``host`` is the name in its URL (resolve it to 127.0.0.1 with a Resolver); ``tls`` serves HTTPS with that
    server context, and ``server_names`` keeps the name each TLS client asked for (SNI).
    """

    def __init__(self, *, host: str = "127.0.0.1", tls: ssl.SSLContext | None = None) -> None:
        self.secret = ""
        self.server_names: list[str] = []
        self.status = 200
        self.events: list[dict] = []  # each event once, in the order it arrived
        self.requests: list[tuple[dict, bytes]] = []  # every request, repeats included
        self.rejected = 0
        self.seen: set = set()
        receive = readme_receiver()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                status = receiver.status
                if 200 <= status < 300:
                    try:
                        event = receive(receiver.secret, self.headers, body, receiver.seen)
                    except ValueError:
                        receiver.rejected += 1
                        status = 400
                    else:
                        if event is not None:
                            receiver.events.append(event)
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", receiver.url + "/moved")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        if tls is not None:
            tls.sni_callback = lambda connection, name, context: receiver.server_names.append(name)
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.url = f"{'https' if tls else 'http'}://{host}:{self.port}/hooks"

    def __enter__(self) -> "Receiver":
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def client_of(organization, admin, name: str = "CaseWorks", contact_email: str = ""):
    client, _token = clients.client_system_create(
        organization=organization, name=name, created_by=admin, contact_email=contact_email
    )
    return client


def endpoint_for(organization, admin, url: str, event_types=REFERRAL_EVENTS, name: str = "CaseWorks"):
    """Register a client system of ``organization`` with one endpoint (for the referral events unless told)."""
    return webhooks.endpoint_register(client=client_of(organization, admin, name), url=url, event_types=event_types)


class RawReceiver:
    """A bare TCP server on 127.0.0.1 for receivers that misbehave: ``answer(connection, stop)`` runs per connection.

    ``requests`` holds each request as received (head and body bytes); ``stop`` is set when the test ends, so an
    answer that would go on for ever (a drip, an endless body) ends with the test.
    """

    def __init__(self, answer) -> None:
        self.answer = answer
        self.requests: list[bytes] = []
        self.stop = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.05)
        self.port = self.listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/hooks"
        self.threads: list[threading.Thread] = []

    def __enter__(self) -> "RawReceiver":
        thread = threading.Thread(target=self._accept, daemon=True)
        thread.start()
        self.threads.append(thread)
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=2)
        self.listener.close()

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                connection, _address = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            thread = threading.Thread(target=self._serve, args=(connection,), daemon=True)
            thread.start()
            self.threads.append(thread)

    def _serve(self, connection: socket.socket) -> None:
        with connection:
            connection.settimeout(2)
            try:
                self.requests.append(read_request(connection))
                self.answer(connection, self.stop)
            except OSError:
                pass  # the client hung up: what these receivers are for


def read_request(connection: socket.socket) -> bytes:
    """Read one HTTP request with a Content-Length body; return its bytes."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(re.search(rb"(?i)\r\ncontent-length: *(\d+)", head).group(1))
    while len(body) < length:
        chunk = connection.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def drip(interval: float, answer: bytes = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"):
    """An answer sent one byte every ``interval`` seconds."""

    def answer_slowly(connection: socket.socket, stop: threading.Event) -> None:
        for byte in answer:
            if stop.wait(interval):
                return
            connection.sendall(bytes([byte]))

    return answer_slowly


def endless(head: bytes, filler: bytes):
    """An answer that starts with ``head`` and then sends ``filler`` again and again, as fast as it is read."""

    def answer_for_ever(connection: socket.socket, stop: threading.Event) -> None:
        connection.sendall(head)
        while not stop.is_set():
            connection.sendall(filler)

    return answer_for_ever


def plain(answer: bytes):
    """An answer sent at once, whatever it is (garbage included)."""

    def answer_now(connection: socket.socket, stop: threading.Event) -> None:
        connection.sendall(answer)

    return answer_now


class Resolver:
    """The DNS, the one stand-in in these tests (there is none here): put in place of ``socket.getaddrinfo``.

    ``answers[name]`` is a list of answers, each a list of addresses: each lookup of the name takes the next
    answer, and the last one stays. A name it does not know is not found; an address literal resolves as usual.
    """

    def __init__(self) -> None:
        self.answers: dict[str, list[list[str]]] = {}
        self.asked: list[str] = []
        self.real = socket.getaddrinfo

    def __call__(self, host, port, family=0, type=0, proto=0, flags=0):
        name = host.decode() if isinstance(host, bytes) else host
        if name not in self.answers:
            try:
                ipaddress.ip_address(name)
            except ValueError:
                self.asked.append(name)
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known") from None
            return self.real(host, port, family, type, proto, flags)
        self.asked.append(name)
        queue = self.answers[name]
        addresses = queue.pop(0) if len(queue) > 1 else queue[0]
        port = int(port)
        return [
            (socket.AF_INET6, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port, 0, 0))
            if ":" in address
            else (socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port))
            for address in addresses
        ]
