"""A local OpenAI-compatible chat server with scripted answers, for driving the real openai client."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeOpenAI:
    """Answers POST /v1/chat/completions from a script: each item is one reply.

    ("tool", arguments_text) a tool call; ("text", content) a plain message; ("status", code) an error;
    ("sleep", seconds) no answer for that long; ("raw", (content_type, body)) a 200 with that body as it is.
    """

    def __init__(self, script: list[tuple[str, object]]):
        self.script = list(script)
        self.requests: list[dict] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                fake.requests.append(body)
                kind, value = fake.script.pop(0) if fake.script else ("status", 500)
                if kind == "sleep":
                    time.sleep(float(value))
                    kind, value = "status", 504
                if kind == "status":
                    self._send(int(value), {"error": {"message": "scripted failure", "type": "server_error"}})
                    return
                if kind == "raw":
                    content_type, text = value
                    self._send(200, text, content_type)
                    return
                message = {"role": "assistant", "content": None}
                if kind == "tool":
                    message["tool_calls"] = [{"id": "call_1", "type": "function",
                                              "function": {"name": "submit_storyboard", "arguments": value}}]
                else:
                    message["content"] = value
                self._send(200, {"id": "chatcmpl-1", "object": "chat.completion", "created": 0, "model": "fake",
                                 "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
                                 "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}})

            def _send(self, code, payload, content_type="application/json"):
                data = payload.encode() if isinstance(payload, str) else json.dumps(payload).encode()
                self.send_response(code)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
