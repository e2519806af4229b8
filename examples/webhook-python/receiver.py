#!/usr/bin/env python3
"""
An otpgate webhook receiver with nothing but Python's standard library.

otpgate POSTs each delivery request as a Standard Webhooks event (https://www.standardwebhooks.com/):
headers webhook-id, webhook-timestamp and webhook-signature ("v1,<base64 HMAC-SHA256>" per secret, separated
by spaces), body {"type": "otp.delivery", "timestamp": ..., "data": {phoneNumber, defaultText, ...}}.
This receiver checks the signature, sends the SMS (here: appends it to OUTBOX, or prints it), and answers a
delivery result. Unsigned, tampered, stale or wrongly signed requests get 401 and nothing is sent.

Environment: PORT (0 picks a free one; the chosen port is printed), WEBHOOK_SECRET (whsec_..., several
separated by spaces during a rotation), OUTBOX (optional: a file that gets one JSON line per message).
"""
import base64
import hashlib
import hmac
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOLERANCE_SECONDS = 5 * 60


def secret_key(secret):
    """A whsec_ secret is base64 after the prefix; the key is its bytes."""
    return base64.b64decode(secret[len("whsec_"):] if secret.startswith("whsec_") else secret)


KEYS = [secret_key(s) for s in os.environ["WEBHOOK_SECRET"].split()]


def signature_valid(headers, body):
    msg_id = headers.get("webhook-id")
    timestamp = headers.get("webhook-timestamp")
    signatures = headers.get("webhook-signature")
    if not (msg_id and timestamp and signatures):
        return False
    try:
        sent_at = int(timestamp)
    except ValueError:
        return False
    # A stale or future timestamp: a replayed capture, or a clock far off.
    if abs(time.time() - sent_at) > TOLERANCE_SECONDS:
        return False
    signed = "{}.{}.".format(msg_id, timestamp).encode() + body
    for key in KEYS:
        expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
        for candidate in signatures.split(" "):
            version, _, value = candidate.partition(",")
            if version == "v1" and hmac.compare_digest(value.encode(), expected.encode()):
                return True
    return False


SENT = {}  # webhook-id -> provider message id: a retry of a message already sent is not sent again
LOCK = threading.Lock()


def send_sms(phone, text):
    """Call your SMS provider here. The example records the message instead."""
    outbox = os.environ.get("OUTBOX")
    if outbox:
        with LOCK, open(outbox, "a", encoding="utf-8") as f:
            f.write(json.dumps({"to": phone, "text": text}) + "\n")
    else:
        print("SMS to {}: {}".format(phone, text), flush=True)
    return "py-{}".format(int(time.time() * 1000))


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        if not signature_valid(self.headers, body):
            return self.answer(401, {"error": "invalid_signature"})
        event = json.loads(body)
        if event.get("type") != "otp.delivery":
            return self.answer(400, {"error": "unexpected_event"})
        data = event["data"]
        msg_id = self.headers["webhook-id"]
        with LOCK:
            known = SENT.get(msg_id)
        if known is None:
            known = send_sms(data["phoneNumber"], data["defaultText"])
            with LOCK:
                SENT[msg_id] = known
        self.answer(200, {"result": "SUCCESS", "providerMessageId": known})

    def answer(self, status, payload):
        encoded = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(encoded)))
        self.end_headers()
        self.wfile.write(encoded)

    def log_message(self, *args):
        pass  # request lines would add noise; errors still reach stderr


if __name__ == "__main__":
    server = ThreadingHTTPServer(("127.0.0.1", int(os.environ.get("PORT", "8787"))), Receiver)
    print("listening on {}".format(server.server_address[1]), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        sys.exit(0)
