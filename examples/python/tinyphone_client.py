#!/usr/bin/env python3
"""Tinyphone client in Python, standard library only.

Watches dialed numbers on a Tinyphone server (native JSON-lines dialect, TCP port 12002; docs/protocol.md) and
prints every call event and text message. With --talk-back it also answers callers: it says each key back to the caller.
With --record DIR it writes each call's audio to DIR/<call>.wav; with --echo it plays the caller's audio back to them.
With --stream URL the server streams each call to a Twilio Media Streams app at URL (a host stream.allow lists).

    ./tinyphone demo                                            # a server with simulated calls (other terminal)
    python3 examples/python/tinyphone_client.py 13605162099    # watch that number
    python3 examples/python/tinyphone_client.py --talk-back '*' # watch every number and talk back
    python3 examples/python/tinyphone_client.py --record calls  # keep each call's audio as a WAV file
    python3 examples/python/tinyphone_client.py --stream ws://127.0.0.1:8080/media '*'  # each call to a bot

Use it as a library too:

    client = TinyphoneClient("127.0.0.1", 12002)
    client.on("keypress", lambda e: print(e["call"], e["value"]))
    client.subscribe("13605162099")
    client.run_forever()            # reconnects by itself; Ctrl-C stops
"""

import argparse
import base64
import itertools
import json
import os
import queue
import re
import socket
import sys
import threading
import time
import wave


class TinyphoneError(Exception):
    """The server refused a request (bad token, malformed message) or the connection went away."""


class TinyphoneClient:
    """One connection to a Tinyphone server. Event handlers run on the reader thread, one event at a time."""

    EVENTS = ("new_caller", "keypress", "audio_level", "hangup", "sms", "audio", "audio_end", "stream", "snapshot",
              "connected", "disconnected")
    AUDIO_PIECE = 7680  # bytes of audio per send_audio message: it must fit the server's clients.max-line (16 KiB)

    def __init__(self, host="127.0.0.1", port=12002, tokens=None, reconnect=True):
        self.host, self.port, self.reconnect = host, port, reconnect
        self.tokens = dict(tokens or {})
        self.numbers = []
        self.handlers = {name: [] for name in self.EVENTS}
        self._ids = itertools.count(1)
        self._pending = {}
        self._lock = threading.Lock()
        self._sock = None
        self._closed = False

    # ---- events

    def on(self, event, handler):
        """Calls handler(event_dict) for 'new_caller', 'keypress', 'audio_level', 'hangup', 'sms' (a text message
        to a watched number: message_id, number, from, body), 'audio' (20 ms of a call this client listens to: call,
        format, seq, lost, and 'audio', the payload's bytes), 'audio_end' (call, reason, frames, lost), 'snapshot',
        'connected' or 'disconnected'."""
        if event not in self.handlers:
            raise ValueError("unknown event %r (one of %s)" % (event, ", ".join(self.EVENTS)))
        self.handlers[event].append(handler)
        return self

    def _emit(self, event, data):
        for handler in self.handlers.get(event, []):
            try:
                handler(data)
            except Exception as exc:  # a failing handler must not stop the client
                print("tinyphone: %s handler failed: %r" % (event, exc), file=sys.stderr)

    # ---- requests

    def subscribe(self, number, token=None):
        """Watches a number ('*' = every number); kept across reconnects."""
        number = str(number)
        if number not in self.numbers:
            self.numbers.append(number)
        if token:
            self.tokens[number] = token
        if self._sock is not None:
            self._send_subscribe(number)

    def command(self, call, name, timeout=60, **args):
        """Runs a talk-back command on a call and waits for its answer: {'ok': bool, 'value': str, 'error': str}.
        name: play (file, escape_digits), say_number (number), say_digits (digits),
        collect_digits (prompt, max_digits, timeout_ms), set_variable (name, value), hangup."""
        answer = queue.Queue(maxsize=1)
        message = {"type": "command", "call": call, "command": name}
        message.update(args)
        request_id = self._request(message, answer.put)
        try:
            return answer.get(timeout=timeout)
        except queue.Empty:
            with self._lock:
                self._pending.pop(request_id, None)
            return {"ok": False, "value": "", "error": "no answer within %s s" % timeout}

    def play(self, call, file, escape_digits=""):
        return self.command(call, "play", file=file, escape_digits=escape_digits, timeout=600)

    def say_number(self, call, number):
        return self.command(call, "say_number", number=int(number))

    def say_digits(self, call, digits):
        return self.command(call, "say_digits", digits=str(digits))

    def collect_digits(self, call, prompt="", max_digits=1, timeout_ms=5000):
        return self.command(call, "collect_digits", prompt=prompt, max_digits=max_digits, timeout_ms=timeout_ms,
                            timeout=timeout_ms / 1000.0 * (max_digits + 1) + 30)

    def hangup(self, call):
        return self.command(call, "hangup")

    # ---- media streams (docs/streams.md): the server streams the call to a Twilio Media Streams app

    def stream(self, call, url):
        """Asks the server to stream the call to the app at url (ws:// or wss://, on a host its stream.allow lists);
        then 'stream' events say how it goes (status connected, stopped or error). Needs the right to command
        the call. The answer's value: the URL without its query."""
        return self.command(call, "stream", url=url)

    def stop_stream(self, call):
        """Ends the call's media stream (the app gets 'stop'); the call goes on."""
        return self.command(call, "stop_stream")

    # ---- a call's audio (docs/protocol.md, "A call's audio")

    def listen(self, call, audio_format="slin"):
        """Starts the call's 'audio' events (20 ms each) in 'ulaw', 'slin' (16-bit 8 kHz) or 'slin16'; they end with
        'audio_end'. Needs the right to command the call. Frames may come before the answer."""
        return self.command(call, "listen", format=audio_format)

    def stop_listen(self, call):
        return self.command(call, "stop_listen")

    def send_audio(self, call, audio_format, data):
        """Plays data (bytes of audio_format) to the caller after what was sent before, at real time; in pieces that
        fit a message, each after the previous one's answer. The answer's value: milliseconds waiting to be played."""
        answer = {"ok": False, "value": "", "error": "no audio"}
        for start in range(0, len(data), self.AUDIO_PIECE):
            piece = base64.b64encode(data[start:start + self.AUDIO_PIECE]).decode("ascii")
            answer = self.command(call, "send_audio", format=audio_format, payload=piece)
            if not answer["ok"]:
                break
        return answer

    def clear_audio(self, call):
        """Drops the audio still waiting to be played to the caller."""
        return self.command(call, "clear_audio")

    def _request(self, message, callback):
        request_id = "py%d" % next(self._ids)
        message["id"] = request_id
        with self._lock:
            self._pending[request_id] = callback
        try:
            self._write(message)
        except OSError as exc:
            with self._lock:
                self._pending.pop(request_id, None)
            callback({"ok": False, "value": "", "error": "not connected: %s" % exc})
        return request_id

    def _send_subscribe(self, number):
        message = {"type": "subscribe", "id": "sub%d" % next(self._ids), "number": number}
        if self.tokens.get(number):
            message["token"] = self.tokens[number]
        self._write(message)

    def _write(self, message):
        data = (json.dumps(message) + "\n").encode("utf-8")
        with self._lock:
            if self._sock is None:
                raise OSError("connection lost, reconnecting")
            self._sock.sendall(data)

    # ---- connection

    def run_forever(self):
        """Connects, subscribes, reads and dispatches; reconnects with backoff (0.25 s doubling to 10 s)."""
        backoff = 0.25
        while not self._closed:
            try:
                sock = socket.create_connection((self.host, self.port), timeout=5)
            except OSError as exc:
                reason = "cannot connect to %s:%d: %s" % (self.host, self.port, exc.strerror or exc)
                if not self.reconnect:
                    raise TinyphoneError(reason)
                self._emit("disconnected", {"reason": reason, "retry_in": backoff, "connected": False})
                time.sleep(backoff)
                backoff = min(backoff * 2, 10)
                continue
            sock.settimeout(None)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
            with self._lock:
                self._sock = sock
            backoff = 0.25
            for number in self.numbers:
                self._send_subscribe(number)
            self._emit("connected", {"host": self.host, "port": self.port})
            reason = self._read(sock)
            if self._closed:
                reason = "closed by this client"
            with self._lock:
                self._sock = None
                pending, self._pending = self._pending, {}
            for callback in pending.values():
                callback({"ok": False, "value": "", "error": "connection lost: " + reason})
            sock.close()
            self._emit("disconnected", {"reason": reason, "retry_in": backoff if self.reconnect else None,
                                        "connected": True})
            if not self.reconnect:
                return

    def _read(self, sock):
        buffer = b""
        while True:
            try:
                chunk = sock.recv(65536)
            except OSError as exc:
                return str(exc)
            if not chunk:
                return "closed by the server"
            buffer += chunk
            if len(buffer) > (1 << 20) and b"\n" not in buffer:
                return "line from the server longer than 1 MiB"
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                if line.strip():
                    self._dispatch(line.decode("utf-8", "replace"))

    def _dispatch(self, line):
        try:
            message = json.loads(line)
        except ValueError:
            print("tinyphone: ignoring a line that is not JSON: %r" % line[:200], file=sys.stderr)
            return
        kind = message.get("type")
        if kind == "audio":
            try:
                message["audio"] = base64.b64decode(message.get("payload", ""), validate=True)
            except ValueError:
                print("tinyphone: ignoring audio that is not base64", file=sys.stderr)
                return
            self._emit(kind, message)
        elif kind in ("new_caller", "keypress", "audio_level", "hangup", "sms", "audio_end", "stream"):
            self._emit(kind, message)
        elif kind == "subscribed":
            self._emit("snapshot", message)
        elif kind in ("result", "error"):
            with self._lock:
                callback = self._pending.pop(message.get("id"), None)
            if kind == "result":
                answer = {"ok": bool(message.get("ok")), "value": message.get("value", ""),
                          "error": message.get("error")}
            else:
                answer = {"ok": False, "value": "", "error": "%s: %s" % (message.get("code"), message.get("message"))}
            if callback:
                callback(answer)
            elif kind == "error":
                print("tinyphone: server error: %s" % answer["error"], file=sys.stderr)
        elif kind == "disconnect":
            print("tinyphone: the server disconnects: %s" % message.get("reason"), file=sys.stderr)

    def close(self):
        self._closed = True
        self.reconnect = False
        with self._lock:
            if self._sock is not None:
                try:
                    self._sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


def main(argv=None):
    parser = argparse.ArgumentParser(description="Watch calls on a Tinyphone server and print their events.")
    parser.add_argument("numbers", nargs="*", default=["*"], help="dialed numbers to watch (default: '*', all)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=12002)
    parser.add_argument("--token", help="token for the numbers, if the server asks for one")
    parser.add_argument("--levels", action="store_true", help="print audio levels too (about 15 a second per call)")
    parser.add_argument("--talk-back", action="store_true", help="say each key the caller presses back to them")
    parser.add_argument("--calls", type=int, default=0, help="exit after this many calls have hung up (0: run on)")
    parser.add_argument("--record", metavar="DIR", help="write each call's audio to DIR/<call>.wav (16-bit, 8 kHz)")
    parser.add_argument("--echo", action="store_true", help="play each caller's audio back to them (in 200 ms pieces)")
    parser.add_argument("--stream", metavar="URL", help="stream each call to the Twilio Media Streams app at URL "
                                                        "(ws:// or wss://, on a host the server's stream.allow lists)")
    args = parser.parse_args(argv)

    client = TinyphoneClient(args.host, args.port, reconnect=args.calls == 0)
    ended = []
    worker = queue.Queue()   # commands run off the reader thread: a command waits for its answer
    recordings = {}          # call -> (wave writer, path)
    echoes = {}              # call -> the caller's audio not yet sent back

    def stamp():
        return time.strftime("%H:%M:%S")

    def new_caller(e):
        if e.get("caller_name"):
            name = " (%s)" % e["caller_name"]
        elif e.get("via") == "legacy":
            name = " (no caller name: the legacy lines carry none)"
        else:
            name = ""
        print("%s %s new caller %s%s -> %s via %s" % (stamp(), e["call"], e.get("caller_id") or "unknown", name,
                                                       e["number"], e.get("via")), flush=True)
        if args.record or args.echo:
            worker.put(lambda: start_listening(e["call"]))
        if args.stream:
            worker.put(lambda: start_stream(e["call"]))

    def start_stream(call):
        result = client.stream(call, args.stream)
        print("%s %s streaming: %s" % (stamp(), call, ("ok, to " + result["value"]) if result["ok"] else result["error"]),
              flush=True)

    def stream_event(e):
        detail = (": " + e["detail"]) if e.get("detail") else ""
        print("%s %s stream %s%s" % (stamp(), e["call"], e.get("status"), detail), flush=True)

    def keypress(e):
        print("%s %s keypress %s" % (stamp(), e["call"], e["value"]), flush=True)
        if args.talk_back and e["value"].isdigit():
            worker.put(lambda: say_back(e["call"], e["value"]))

    def start_listening(call):
        if args.record:
            os.makedirs(args.record, exist_ok=True)
            path = os.path.join(args.record, re.sub(r"[^A-Za-z0-9._-]", "_", call)[:100] + ".wav")
            writer = wave.open(path, "wb")
            writer.setnchannels(1)
            writer.setsampwidth(2)
            writer.setframerate(8000)
            recordings[call] = (writer, path)
        if args.echo:
            echoes[call] = bytearray()
        result = client.listen(call, "slin")
        print("%s %s listening: %s" % (stamp(), call, "ok" if result["ok"] else result["error"]), flush=True)
        if not result["ok"]:
            echoes.pop(call, None)
            if call in recordings:
                writer, path = recordings.pop(call)
                writer.close()
                os.remove(path)

    def audio(e):
        call = e["call"]
        if call in recordings:
            # frames the server dropped (this client was behind) become silence, so the recording keeps its length
            recordings[call][0].writeframes(b"\0" * 320 * e.get("lost", 0) + e["audio"])
        if call in echoes:
            echoes[call] += e["audio"]
            if len(echoes[call]) >= 3200:
                piece, echoes[call] = bytes(echoes[call]), bytearray()
                worker.put(lambda: client.send_audio(call, "slin", piece))

    def audio_end(e):
        call = e["call"]
        echoes.pop(call, None)
        if call in recordings:
            writer, path = recordings.pop(call)
            frames = writer.getnframes() // 160
            writer.close()
            print("%s %s recorded %.1f s to %s (%d frames lost)" % (stamp(), call, frames / 50.0, path, e.get("lost", 0)),
                  flush=True)

    def say_back(call, digit):
        result = client.say_digits(call, digit)
        print("%s %s said %s back: %s" % (stamp(), call, digit, "ok" if result["ok"] else result["error"]), flush=True)

    def hangup(e):
        print("%s %s hangup (%s)" % (stamp(), e["call"], e.get("cause")), flush=True)
        ended.append(e["call"])
        if args.calls and len(ended) >= args.calls:
            client.close()

    def sms(e):
        print("%s %s text from %s -> %s: %s" % (stamp(), e["message_id"], e.get("from") or "unknown", e["number"],
                                                e.get("body", "")), flush=True)

    client.on("new_caller", new_caller).on("keypress", keypress).on("hangup", hangup).on("sms", sms)
    client.on("audio", audio).on("audio_end", audio_end).on("stream", stream_event)
    client.on("snapshot", lambda s: print("%s watching %s: %d call(s) in progress" % (
        stamp(), s.get("number"), len(s.get("calls", []))), flush=True))
    last_failure = {"reason": None, "at": 0.0}

    def connected(c):
        print("%s connected to %s:%d" % (stamp(), c["host"], c["port"]), file=sys.stderr, flush=True)
        last_failure["reason"] = None

    def disconnected(d):
        if d.get("connected"):
            retry = " (reconnecting)" if d.get("retry_in") is not None else ""
            print("%s disconnected: %s%s" % (stamp(), d["reason"], retry), file=sys.stderr, flush=True)
            return
        # a server that is not there: say so once, then every 30 s, not at every retry
        now = time.monotonic()
        if d["reason"] != last_failure["reason"] or now - last_failure["at"] >= 30:
            print("%s %s; retrying (up to every 10 s) until it answers" % (stamp(), d["reason"]), file=sys.stderr,
                  flush=True)
            last_failure.update(reason=d["reason"], at=now)

    client.on("connected", connected).on("disconnected", disconnected)
    if args.levels:
        client.on("audio_level", lambda e: print("%s %s level %s" % (stamp(), e["call"], e["value"]), flush=True))

    def work():
        while True:
            worker.get()()

    threading.Thread(target=work, daemon=True).start()
    for number in args.numbers:
        client.subscribe(number, args.token)
    try:
        client.run_forever()
    except TinyphoneError as exc:
        print("tinyphone: %s (is the server running? ./tinyphone server)" % exc, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        client.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
