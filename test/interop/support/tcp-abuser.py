#!/usr/bin/env python3
"""TCP clients that abuse a SIP server, for the interop tests (loopback or a test's own namespace only).

Each mode prints one JSON line with what happened, then exits (or waits for stdin to close, for `hold`):

  nonreader HOST PORT ping|options SECONDS
      receive buffer shrunk to 1 KB, never reads; sends CRLF CRLF keep-alives or pipelined OPTIONS as fast as
      the server takes them. -> {"sent": bytes, "ended": "time"|"reset", "at": seconds}
  trickle HOST PORT N SECONDS
      N connections, each sending the bytes of an INVITE one a second. -> {"closed": [seconds or null, ...]}
  hold HOST PORT N SRC
      opens N connections from SRC and reports how many the server kept, then holds them until stdin closes.
      -> {"kept": k, "refused": r}
  options HOST PORT SRC
      one OPTIONS over a new connection from SRC. -> {"status": "SIP/2.0 200 OK" or null}
  bighead HOST PORT SIZE
      a request whose header section is SIZE bytes, over TCP. -> {"status": first line read, "closed": bool}
  idle HOST PORT
      one OPTIONS, its answer read, then nothing: prints {"port": local port, "status": ...} and waits for stdin
      to close.
"""
import json
import select
import socket
import sys
import time


def options(port, branch, call_id, transport='TCP'):
    return (
        f'OPTIONS sip:echo@127.0.0.1:{port};transport=tcp SIP/2.0\r\n'
        f'Via: SIP/2.0/{transport} 127.0.0.1:9;branch=z9hG4bK{branch}\r\n'
        'Max-Forwards: 70\r\n'
        'From: <sip:abuser@127.0.0.1>;tag=ab\r\n'
        'To: <sip:echo@127.0.0.1>\r\n'
        f'Call-ID: {call_id}@abuser\r\n'
        'CSeq: 1 OPTIONS\r\n'
        'Content-Length: 0\r\n\r\n'
    ).encode()


def out(obj):
    print(json.dumps(obj), flush=True)


def connect(host, port, src=None, rcvbuf=None):
    s = socket.socket(socket.AF_INET6 if ':' in host else socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf is not None:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    if src is not None:
        s.bind((src, 0))
    s.connect((host, port))
    return s


def read_status(s, timeout=10.0):
    s.settimeout(timeout)
    data = b''
    try:
        while b'\r\n' not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    except OSError:
        pass
    return data.split(b'\r\n')[0].decode('latin-1') if data else None


def nonreader(host, port, mode, seconds):
    s = connect(host, port, rcvbuf=1024)
    s.settimeout(0.5)
    if mode == 'ping':
        chunk = b'\r\n\r\n' * 16384
    else:
        chunk = b''.join(options(port, f'nr{i}', f'nr{i}') for i in range(200))
    sent = 0
    start = time.monotonic()
    ended = 'time'
    while time.monotonic() - start < seconds:
        try:
            sent += s.send(chunk)
        except socket.timeout:
            continue
        except OSError:
            ended = 'reset'
            break
    out({'sent': sent, 'ended': ended, 'at': round(time.monotonic() - start, 2)})


def trickle(host, port, n, seconds):
    msg = (
        f'INVITE sip:echo@127.0.0.1:{port};transport=tcp SIP/2.0\r\n'
        'Via: SIP/2.0/TCP 127.0.0.1:9;branch=z9hG4bKtrickle\r\n'
    ).encode() * 4
    conns = [connect(host, port) for _ in range(n)]
    closed = [None] * n
    start = time.monotonic()
    i = 0
    while time.monotonic() - start < seconds and any(c is None for c in closed):
        for k, s in enumerate(conns):
            if closed[k] is not None:
                continue
            try:
                s.send(msg[i % len(msg):i % len(msg) + 1])
            except OSError:
                closed[k] = round(time.monotonic() - start, 2)
        i += 1
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline:
            live = [s for k, s in enumerate(conns) if closed[k] is None]
            if not live:
                break
            readable, _, _ = select.select(live, [], [], max(0.0, deadline - time.monotonic()))
            for s in readable:
                k = conns.index(s)
                try:
                    data = s.recv(4096)
                except OSError:
                    data = b''
                if not data:
                    closed[k] = round(time.monotonic() - start, 2)
    out({'closed': closed})


def hold(host, port, n, src):
    conns = []
    for _ in range(n):
        try:
            conns.append(connect(host, port, src=src))
        except OSError:
            pass
    # The server refuses on accept: a refused connection reads EOF or a reset at once.
    time.sleep(0.2)
    refused = 0
    deadline = time.monotonic() + 3.0
    pending = list(conns)
    while time.monotonic() < deadline:
        readable, _, _ = select.select(pending, [], [], 0.2)
        for s in readable:
            try:
                data = s.recv(1)
            except OSError:
                data = b''
            if not data:
                refused += 1
                pending.remove(s)
    out({'kept': len(conns) - refused, 'refused': refused + n - len(conns)})
    sys.stdin.read()


def one_options(host, port, src):
    s = connect(host, port, src=src)
    s.sendall(options(port, 'one', 'one'))
    out({'status': read_status(s)})


def bighead(host, port, size):
    s = connect(host, port)
    head = options(port, 'big', 'big').split(b'Content-Length')[0]
    filler = b''.join(b'X-Filler-%d: %s\r\n' % (i, b'x' * 1000) for i in range(size // 1000 + 1))
    try:
        s.sendall(head + filler)
    except OSError:
        pass
    status = read_status(s)
    s.settimeout(5.0)
    closed = False
    try:
        while True:
            if not s.recv(65536):
                closed = True
                break
    except OSError:
        closed = True
    out({'status': status, 'closed': closed})


def idle(host, port):
    s = connect(host, port)
    s.sendall(options(port, 'idle', 'idle'))
    out({'port': s.getsockname()[1], 'status': read_status(s)})
    sys.stdin.read()


def main():
    mode, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    args = sys.argv[4:]
    if mode == 'nonreader':
        nonreader(host, port, args[0], float(args[1]))
    elif mode == 'trickle':
        trickle(host, port, int(args[0]), float(args[1]))
    elif mode == 'hold':
        hold(host, port, int(args[0]), args[1])
    elif mode == 'options':
        one_options(host, port, args[0])
    elif mode == 'bighead':
        bighead(host, port, int(args[0]))
    elif mode == 'idle':
        idle(host, port)
    else:
        raise SystemExit(f'unknown mode {mode}')


main()
