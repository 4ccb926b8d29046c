"""A small in-process HTTP client for ASGI applications (Starlette routes), with a cookie
jar like a browser's: ``Set-Cookie`` answers are kept and sent back; ``Max-Age=0`` removes
the cookie. Enough for the session-cookie and endpoint tests; no network, no server."""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass
class Answer:
    status_code: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> object:
        return json.loads(self.body.decode("utf-8"))


@dataclass
class Client:
    app: object
    base_url: str = "http://testserver"
    cookies: dict[str, str] = field(default_factory=dict)

    def request(
        self, method: str, path: str, *, json_body: object = None, headers: dict | None = None
    ) -> Answer:
        base = urlsplit(self.base_url)
        target = urlsplit(path)
        body = b"" if json_body is None else json.dumps(json_body).encode("utf-8")
        sent = {"host": base.netloc, **{k.lower(): v for k, v in (headers or {}).items()}}
        if json_body is not None:
            sent["content-type"] = "application/json"
        if self.cookies:
            sent["cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method.upper(),
            "scheme": base.scheme,
            "path": target.path,
            "raw_path": target.path.encode(),
            "query_string": target.query.encode(),
            "root_path": "",
            "headers": [(k.encode(), v.encode()) for k, v in sent.items()],
            "client": ("127.0.0.1", 50000),
            "server": (base.hostname, base.port or 80),
        }
        # A loop of its own in a worker thread: the browser tests' driver may already run
        # one in this thread when the whole suite runs in one process.
        with ThreadPoolExecutor(max_workers=1) as worker:
            answer = worker.submit(asyncio.run, self._call(scope, body)).result()
        cookie = answer.headers.get("set-cookie")
        if cookie:
            name, _, rest = cookie.partition("=")
            value = rest.split(";", 1)[0]
            if "max-age=0" in cookie.lower():
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return answer

    async def _call(self, scope: dict, body: bytes) -> Answer:
        incoming = [{"type": "http.request", "body": body, "more_body": False}]
        status, headers, chunks = 0, {}, []

        async def receive() -> dict:
            return incoming.pop(0) if incoming else {"type": "http.disconnect"}

        async def send(message: dict) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                for key, value in message.get("headers", []):
                    headers[key.decode().lower()] = value.decode()
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, send)
        return Answer(status, headers, b"".join(chunks))

    def get(self, path: str, **kwargs) -> Answer:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs) -> Answer:
        return self.request("POST", path, **kwargs)

    def delete(self, path: str, **kwargs) -> Answer:
        return self.request("DELETE", path, **kwargs)
