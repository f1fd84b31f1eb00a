"""A new session opened without a browser: Streamlit's own websocket protocol, as its frontend speaks it.

The benchmark opens ten sessions at once. On a machine with two cores, ten headless browsers mostly measure
each other: they need the cores more than the server does (the one-line app's control shows it). So one real
browser is timed while the other sessions come over the protocol: each asks for the page and waits until the
server has run its script, which is the server's whole part of a first screen, and costs the machine what
another person's session costs the server. The browser test asks for each page's address the same way
(`headings`): which page an address opens is the server's decision alone.
"""
from __future__ import annotations

import asyncio
import time

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

TIMEOUT_S = 120.0


async def opened(url: str, page: str = "", query: str = "") -> float | None:
    """Seconds from connecting to `url` until the script of `page` ("" for the default page), asked for with the
    query string `query`, has run to its end in a new session; None when it failed: an exception on the page, no
    success, or no answer in TIMEOUT_S."""
    try:
        seconds, _ = await asyncio.wait_for(_run(url, page, query), TIMEOUT_S)
        return seconds
    except (OSError, TimeoutError, websockets.WebSocketException, RuntimeError):
        return None


async def headings(url: str, page: str = "", query: str = "") -> list[str]:
    """The headings (titles, headers) a new session at `url` asking for `page` with `query` shows, in order, once
    its script has run to its end; RuntimeError when the server knows no such page, the page shows an exception
    or its script fails."""
    _, shown = await asyncio.wait_for(_run(url, page, query), TIMEOUT_S)
    return shown


async def _run(url: str, page: str, query: str) -> tuple[float, list[str]]:
    start = time.perf_counter()
    stream = url.replace("http", "ws", 1) + "/_stcore/stream"
    shown: list[str] = []
    async with websockets.connect(stream, subprotocols=["streamlit"], max_size=None) as socket:
        ask = BackMsg()
        ask.rerun_script.page_name, ask.rerun_script.query_string = page, query
        await socket.send(ask.SerializeToString())
        while True:
            message = ForwardMsg()
            message.ParseFromString(await socket.recv())
            kind = message.WhichOneof("type")
            if kind == "page_not_found":
                raise RuntimeError(f"{url}: no page {page!r}")
            if kind == "delta" and message.delta.new_element.WhichOneof("type") == "exception":
                raise RuntimeError(f"{url}/{page}: the page shows an exception")
            if kind == "delta" and message.delta.new_element.WhichOneof("type") == "heading":
                shown.append(message.delta.new_element.heading.body)
            # A script that calls st.rerun() ends early and runs again: only the run that finishes counts.
            if kind == "script_finished" and message.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                shown.clear()
            elif kind == "script_finished":
                if message.script_finished != ForwardMsg.FINISHED_SUCCESSFULLY:
                    raise RuntimeError(f"{url}/{page}: the script ended with status {message.script_finished}")
                return time.perf_counter() - start, shown
