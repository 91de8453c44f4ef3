r"""Where bounce reports are read from: an mbox file, a Maildir folder, or an IMAP mailbox
(`imaps://user@host/INBOX`, the password in NEWSLETTER_IMAP_PASSWORD).

What has been processed is marked where the mailbox allows it, so that the next run skips
it: in IMAP with the keyword $NewsletterProcessed (and \Seen; only \Seen on a server that
keeps no keywords); in a Maildir by moving the message into the sub-folder .Processed. An
mbox file is only read. Whatever the mailbox, the store keeps every report's key, so that a
report read twice counts once.
"""

from __future__ import annotations

import contextlib
import imaplib
import ipaddress
import mailbox
import re
import socket
import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from newsletter.core import NewsletterError

PROCESSED_KEYWORD = "$NewsletterProcessed"
PROCESSED_FOLDER = "Processed"
IMAP_TIMEOUT = 60


@dataclass
class Incoming:
    """One message of the mailbox, and how to mark it processed."""

    data: bytes
    mark: Callable[[], None]


class Mailbox:
    name: str  # for people and for the store's record of where a report came from

    def messages(self) -> Iterator[Incoming]: ...

    def close(self) -> None: ...


def open_mailbox(source: str, password: str) -> Mailbox:
    """The mailbox `source` names; NewsletterError saying why when it cannot be read."""
    if re.match(r"^imaps?://", source, re.IGNORECASE):
        return ImapMailbox(source, password)
    path = Path(source)
    if path.is_dir():
        if not (path / "cur").is_dir() or not (path / "new").is_dir():
            raise NewsletterError(f"{source} is a folder but not a Maildir (no cur/ and new/)")
        return MaildirMailbox(path)
    if path.is_file():
        return MboxMailbox(path)
    raise NewsletterError(
        f"no mailbox '{source}': give an mbox file, a Maildir folder, or imaps://user@host/MAILBOX"
    )


class MboxMailbox(Mailbox):
    def __init__(self, path: Path):
        self.name = str(path)
        self.box = mailbox.mbox(path, create=False)

    def messages(self) -> Iterator[Incoming]:
        for key in self.box.iterkeys():  # iterating a mailbox gives messages, not keys
            yield Incoming(self.box.get_bytes(key, from_=False), lambda: None)

    def close(self) -> None:
        self.box.close()


class MaildirMailbox(Mailbox):
    def __init__(self, path: Path):
        self.name = str(path)
        self.box = mailbox.Maildir(path, factory=None, create=False)

    def messages(self) -> Iterator[Incoming]:
        for key in sorted(self.box.keys()):
            yield Incoming(self.box.get_bytes(key), lambda key=key: self._move(key))

    def _move(self, key: str) -> None:
        folder = self.box.add_folder(PROCESSED_FOLDER)  # opens it when it exists
        message = self.box.get_message(key)
        message.add_flag("S")
        folder.add(message)
        self.box.remove(key)

    def close(self) -> None:
        self.box.close()


class ImapMailbox(Mailbox):
    """imaps://user@host[:port]/MAILBOX over TLS (port 993), or imap://... (port 143) with
    STARTTLS, which is required but on this machine's loopback. Certificates are verified
    against the system's authorities (SSL_CERT_FILE adds one)."""

    def __init__(self, url: str, password: str):
        parts = urlsplit(url)
        # The mailbox as given, less any password written into it (the port stays: a message
        # naming another port than the one tried would mislead).
        user = f"{parts.username}@" if parts.username else ""
        self.name = f"{parts.scheme}://{user}{parts.netloc.rpartition('@')[2]}{parts.path}"
        host, user = parts.hostname or "", unquote(parts.username or "")
        folder = unquote(parts.path.lstrip("/")) or "INBOX"
        if not host or not user:
            raise NewsletterError(f"'{url}': write imaps://user@host/MAILBOX")
        if not password:
            raise NewsletterError(f"set NEWSLETTER_IMAP_PASSWORD to read {self.name}")
        try:
            self.imap = self._connect(host, parts.port, parts.scheme.lower() == "imaps")
            self.imap.login(user, password)
            status, _ = self.imap.select(_quoted(folder))
        except (OSError, imaplib.IMAP4.error) as exc:
            raise NewsletterError(f"cannot read {self.name}: {_said(exc)}") from None
        if status != "OK":
            self.close()
            raise NewsletterError(f"cannot read {self.name}: there is no mailbox '{folder}'")
        # Our keyword where the server keeps keywords (PERMANENTFLAGS has \*); else \Seen.
        permanent = (self.imap.response("PERMANENTFLAGS")[1] or [b""])[0] or b""
        keywords = b"\\*" in permanent
        self.flags = f"({PROCESSED_KEYWORD} \\Seen)" if keywords else "(\\Seen)"
        self.unprocessed = ("UNKEYWORD", PROCESSED_KEYWORD) if keywords else ("UNSEEN",)

    def _connect(self, host: str, port: int | None, implicit_tls: bool) -> imaplib.IMAP4:
        context = ssl.create_default_context()
        if implicit_tls:
            return imaplib.IMAP4_SSL(host, port or 993, ssl_context=context, timeout=IMAP_TIMEOUT)
        imap = imaplib.IMAP4(host, port or 143, timeout=IMAP_TIMEOUT)
        if "STARTTLS" in imap.capabilities:
            imap.starttls(context)
        elif not _loopback(host):
            imap.logout()
            raise NewsletterError(
                f"cannot read {self.name}: the server offers no STARTTLS, and the password "
                "would go unencrypted; use imaps://"
            )
        return imap

    def messages(self) -> Iterator[Incoming]:
        status, found = self.imap.uid("SEARCH", None, *self.unprocessed)
        if status != "OK":
            raise NewsletterError(f"cannot search {self.name}: {found}")
        for uid in found[0].split():
            status, fetched = self.imap.uid("FETCH", uid, "(BODY.PEEK[])")
            data = next((item[1] for item in fetched if isinstance(item, tuple)), None)
            if status == "OK" and data is not None:
                yield Incoming(data, lambda uid=uid: self._mark(uid))

    def _mark(self, uid: bytes) -> None:
        self.imap.uid("STORE", uid, "+FLAGS", self.flags)

    def close(self) -> None:
        with contextlib.suppress(OSError, imaplib.IMAP4.error, AttributeError):
            self.imap.logout()


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(socket.gethostbyname(host)).is_loopback
    except (OSError, ValueError):
        return False


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _said(exc: Exception) -> str:
    """The reason in words: the server's answer (imaplib gives bytes), or the system's."""
    if isinstance(exc, OSError):
        return re.sub(r" \(_ssl\.c:\d+\)$", "", str(exc))  # OpenSSL's source line: noise
    text = exc.args[0] if exc.args else exc
    return text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
