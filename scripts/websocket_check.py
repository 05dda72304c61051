"""Live notifications with workers (`make websocket-check`): logs in on the HTTP port, opens the bus websocket
on the gevent port as the web client's worker does behind a proxy (`/websocket`, session cookie), subscribes,
schedules an activity for the user over JSON-RPC and waits for its notification (`mail.activity/updated`) on
the websocket; then removes the activity. Exit 0 when the notification arrived.

Only 127.0.0.1. Usage: python scripts/websocket_check.py --port 8069 --gevent-port 8072 --db retention_demo"""

import argparse
import json
import os
import sys
import time

import requests
import websocket

HOSTS = ("127.0.0.1",)


def rpc(http, url, params):
    body = http.post(url, json={"jsonrpc": "2.0", "method": "call", "id": 1, "params": params}, timeout=30).json()
    if body.get("error"):
        sys.exit(f"{url}: {body['error'].get('data', {}).get('message') or body['error']}")
    return body["result"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("CR_HTTP_PORT", "8069")))
    parser.add_argument("--gevent-port", type=int, default=8072)
    parser.add_argument("--db", default=os.environ.get("CR_DEMO_DB", "retention_demo"))
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument("--timeout", type=float, default=15)
    args = parser.parse_args()
    if args.host not in HOSTS:
        parser.error(f"refusing host {args.host!r}: 127.0.0.1 only")
    base = f"http://{args.host}:{args.port}"
    http = requests.Session()
    info = rpc(
        http, f"{base}/web/session/authenticate", {"db": args.db, "login": args.login, "password": args.password}
    )
    context = {**info["user_context"], "allowed_company_ids": [info["user_companies"]["current_company"]]}

    url = f"ws://{args.host}:{args.gevent_port}/websocket"
    start = time.monotonic()
    ws = websocket.create_connection(url, cookie=f"session_id={http.cookies['session_id']}", timeout=args.timeout)
    print(f"{url}: upgraded (HTTP 101) in {(time.monotonic() - start) * 1000:.0f} ms")
    ws.send(json.dumps({"event_name": "subscribe", "data": {"channels": [], "last": 0}}))
    time.sleep(0.5)  # the subscription is handled asynchronously

    def call(model, method, *args, **kwargs):
        params = {"model": model, "method": method, "args": args, "kwargs": {**kwargs, "context": context}}
        return rpc(http, f"{base}/web/dataset/call_kw/{model}/{method}", params)

    summary = f"websocket check {time.time():.0f}"
    sent = time.monotonic()
    call(
        "res.partner",
        "activity_schedule",
        [info["partner_id"]],
        act_type_xmlid="mail.mail_activity_data_todo",
        summary=summary,
        user_id=info["uid"],
    )
    received = None
    try:
        while received is None and time.monotonic() - sent < args.timeout:
            for notification in json.loads(ws.recv()):
                if notification.get("message", {}).get("type") == "mail.activity/updated":
                    received = notification
    except websocket.WebSocketTimeoutException:
        pass
    finally:
        ws.close()
        call("mail.activity", "unlink", call("mail.activity", "search", [("summary", "=", summary)]))
    if received is None:
        print(f"no notification within {args.timeout:g} s")
        return 1
    print(
        f"notification {received['message']['type']} {received['message']['payload']} on the websocket "
        f"{(time.monotonic() - sent) * 1000:.0f} ms after the activity was scheduled"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
