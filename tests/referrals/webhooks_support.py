"""A real HTTP receiver on 127.0.0.1 that checks each request with the README's receiver code, and nothing else."""

import re
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
    """A case system's webhook URL. ``status`` other than 2xx plays a receiver that is down."""

    def __init__(self) -> None:
        self.secret = ""
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
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

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
