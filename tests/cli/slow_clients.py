"""Slow-client check for `llmwatt serve` (tests/cli/test_limits.sh), bounded to ~15 s.

Usage: slow_clients.py PORT CLIENTS DEADLINE_S
Opens CLIENTS connections from 127.0.0.2 that each send one header byte per second, then scrapes
/metrics from 127.0.0.1 and from 127.0.0.2, and finally checks that the trickling connections were
closed by the server within DEADLINE_S + 3 s although they never went idle. Prints one line per
check: "ok NAME" or "FAIL NAME: why" (lib.sh's format).
"""
import socket
import sys
import time

port, clients, deadline = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
REQUEST = b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 200


def report(name, good, why=""):
    print(f"ok {name}" if good else f"FAIL {name}: {why}", flush=True)


def scrape(source):
    """Seconds until a full /metrics answer from a fresh connection bound to source, or None."""
    t0 = time.monotonic()
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=5, source_address=(source, 0))
        s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        s.close()
    except OSError:
        return None
    return time.monotonic() - t0 if data.startswith(b"HTTP/1.1 200") and b"llmwatt_" in data else None


slow, start = [], time.monotonic()
for _ in range(clients):
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=2, source_address=("127.0.0.2", 0))
        s.setblocking(False)
        slow.append(s)
    except OSError:
        pass  # refused at once: the server is full for this address, as intended
sent, closed_at = 0, {}


def trickle():
    global sent
    for i, s in enumerate(slow):
        if i in closed_at:
            continue
        try:
            s.send(REQUEST[sent % len(REQUEST):sent % len(REQUEST) + 1])
            if s.recv(1) == b"":
                closed_at[i] = time.monotonic() - start
        except BlockingIOError:
            pass
        except OSError:
            closed_at[i] = time.monotonic() - start
    sent += 1


for _ in range(2):
    trickle()
    time.sleep(1)
lat = scrape("127.0.0.1")
report("slow-clients-scrape-other-address", lat is not None and lat < 3,
       f"no answer within 3 s with {len(slow)} trickling clients" if lat is None else f"took {lat:.2f} s")
lat = scrape("127.0.0.2")
report("slow-clients-scrape-same-address", lat is not None and lat < 3,
       f"no answer within 3 s" if lat is None else f"took {lat:.2f} s")
while time.monotonic() - start < deadline + 3 and len(closed_at) < len(slow):
    trickle()
    time.sleep(1)
report("slow-clients-deadline", len(closed_at) == len(slow),
       f"{len(slow) - len(closed_at)} of {len(slow)} trickling connections still open after {deadline + 3:.0f} s")
for s in slow:
    s.close()
