"""Replication lag between two regions under a bounded write load.
   replication_lag.py PORT_A PORT_B TABLE RATE SECONDS
PutItem at RATE writes/s (pipelined in 20 ms bursts on 32 keep-alive connections) to region A's
TABLE (hash key pk) for SECONDS; meanwhile a marker item is written to A every 20 ms and region
B is polled with GetItem until it holds that marker's value: the time from the marker's
acknowledgement in A to its first sight in B is one lag sample.  Prints
RESULT workload=replication-lag rate=<achieved writes/s> samples=<n> p50_ms=<> p99_ms=<> max_ms=<>"""
import socket, sys, threading, time, json

port_a, port_b, table = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
rate, seconds = int(sys.argv[4]), float(sys.argv[5])
AUTH = ("AWS4-HMAC-SHA256 Credential=a/20260101/us-east-1/dynamodb/aws4_request, "
        "SignedHeaders=host, Signature=0")


def request(target, body):
    b = json.dumps(body).encode()
    return (("POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.0\r\n"
             "X-Amz-Target: DynamoDB_20120810.%s\r\nAuthorization: %s\r\n"
             "Content-Length: %d\r\n\r\n") % (target, AUTH, len(b))).encode() + b


class Conn:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port))
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.f = self.s.makefile("rb")

    def send(self, data):
        self.s.sendall(data)

    def read(self):
        status = int(self.f.readline().split()[1])
        length = 0
        while True:
            h = self.f.readline()
            if h in (b"\r\n", b""):
                break
            k, _, v = h.partition(b":")
            if k.strip().lower() == b"content-length":
                length = int(v)
        return status, self.f.read(length)

    def call(self, target, body):
        self.send(request(target, body))
        return self.read()


LOADERS = 32
stop = time.monotonic() + seconds
written = [0]
errors = [0]
lock = threading.Lock()


def loader(idx, share):
    c = Conn(port_a)
    per_burst = max(1, share // 50)  # 50 bursts a second
    n = 0
    next_t = time.monotonic()
    while time.monotonic() < stop:
        batch = b"".join(request("PutItem", {"TableName": table, "Item": {
            "pk": {"S": "L%d-%d" % (idx, (n + i) % 50000)}, "v": {"S": "x" * 80}}})
            for i in range(per_burst))
        c.send(batch)
        for _ in range(per_burst):
            st, _ = c.read()
            if st != 200:
                with lock:
                    errors[0] += 1
        n += per_burst
        with lock:
            written[0] += per_burst
        next_t += 0.02
        delay = next_t - time.monotonic()
        if delay > 0:
            time.sleep(delay)


samples = []


def prober():
    a, b = Conn(port_a), Conn(port_b)
    seq = 0
    while time.monotonic() < stop:
        seq += 1
        st, _ = a.call("PutItem", {"TableName": table, "Item": {"pk": {"S": "marker"},
                                                                "seq": {"N": str(seq)}}})
        acked = time.monotonic()
        want = ('"seq":{"N":"%d"}' % seq).encode()
        while time.monotonic() < stop + 10:
            st, d = b.call("GetItem", {"TableName": table, "Key": {"pk": {"S": "marker"}}})
            if want in d:
                samples.append((time.monotonic() - acked) * 1000)
                break
        time.sleep(0.02)


threads = [threading.Thread(target=loader, args=(i, rate // LOADERS)) for i in range(LOADERS)]
threads.append(threading.Thread(target=prober))
t0 = time.monotonic()
for t in threads:
    t.start()
for t in threads:
    t.join()
elapsed = min(time.monotonic(), stop) - t0
samples.sort()


def pct(p):
    return samples[min(len(samples) - 1, int(p * len(samples)))] if samples else 0


print("RESULT workload=replication-lag rate=%d samples=%d p50_ms=%.2f p99_ms=%.2f max_ms=%.2f "
      "errors=%d" % (written[0] / max(elapsed, 0.001), len(samples), pct(0.5), pct(0.99),
                     samples[-1] if samples else 0, errors[0]))
