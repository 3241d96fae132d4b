"""Failover time of a three-node ddbd cluster: the leader is killed (-9),
and the time until the first PutItem acknowledged through a survivor (sent
to it as a client would, forwarded to the new leader) is measured; the
killed node is restarted and caught up before the next round.

usage: cluster_failover.py DDBD WORKDIR KILLS
Prints one line: RESULT workload=cluster-failover kills=N median_ms=.. max_ms=.. all_ms="..."
Exit status 1 when the cluster could not be started or a round got no
acknowledged write within 15 s (that round then counts as 15 s).
"""

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time

AUTH = ("AWS4-HMAC-SHA256 Credential=bench/20260101/us-east-1/dynamodb/aws4_request,"
        " SignedHeaders=host, Signature=0")
LIMIT_S = 15.0


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def call(port, op, body, timeout=5):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("POST", "/", json.dumps(body), {
            "Content-Type": "application/x-amz-json-1.0",
            "X-Amz-Target": "DynamoDB_20120810." + op, "Authorization": AUTH})
        resp = conn.getresponse()
        return resp.status, resp.read()
    except OSError:
        return 0, b""
    finally:
        conn.close()


def role(port):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
    try:
        conn.request("GET", "/metrics")
        for line in conn.getresponse().read().decode().splitlines():
            if line.startswith("ddbd_cluster_role{") and line.endswith(" 1"):
                return line.split('"')[1]
    except OSError:
        return None
    finally:
        conn.close()
    return None


class Node:
    def __init__(self, ddbd, work, i, api, members):
        self.args = [ddbd, "--port", str(api), "--data-dir", os.path.join(work, "node%d" % i),
                     "--node-id", str(i), "--cluster", members]
        self.api = api
        self.log = open(os.path.join(work, "node%d.log" % i), "ab")
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(self.args, stdout=self.log, stderr=self.log,
                                     stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            conn = http.client.HTTPConnection("127.0.0.1", self.api, timeout=1)
            try:
                conn.request("GET", "/")
                if conn.getresponse().status == 200:
                    return
            except OSError:
                time.sleep(0.02)
            finally:
                conn.close()
        raise SystemExit("a node did not start")

    def alive(self):
        return self.proc is not None and self.proc.poll() is None


def leader(nodes, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for n in nodes:
            if n.alive() and role(n.api) == "leader":
                return n
        time.sleep(0.02)
    return None


def main():
    ddbd, work, kills = sys.argv[1], sys.argv[2], int(sys.argv[3])
    apis = [free_port() for _ in range(3)]
    raft = [free_port() for _ in range(3)]
    members = ",".join("%d=127.0.0.1:%d" % (i + 1, raft[i]) for i in range(3))
    nodes = [Node(ddbd, work, i + 1, apis[i], members) for i in range(3)]
    failed = 0
    try:
        for n in nodes:
            n.start()
        first = leader(nodes)
        if not first:
            raise SystemExit("no leader")
        status, body = call(first.api, "CreateTable", {
            "TableName": "failover", "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]})
        if status != 200:
            raise SystemExit("CreateTable: %s %s" % (status, body[:200]))
        times = []
        seq = 0
        for _ in range(kills):
            old = leader(nodes)
            if not old:
                raise SystemExit("no leader before a kill")
            survivors = [n for n in nodes if n is not old]
            # the survivors have the table (applied) before the kill
            for n in survivors:
                while call(n.api, "DescribeTable", {"TableName": "failover"})[0] != 200:
                    time.sleep(0.02)
            old.proc.send_signal(signal.SIGKILL)
            t0 = time.monotonic()
            old.proc.wait()
            took = None
            while time.monotonic() - t0 < LIMIT_S:
                seq += 1
                target = survivors[seq % 2]
                status, _ = call(target.api, "PutItem", {
                    "TableName": "failover", "Item": {"pk": {"S": "k%d" % seq}}}, timeout=3)
                if status == 200:
                    took = time.monotonic() - t0
                    break
                time.sleep(0.01)
            if took is None:
                failed = 1
                took = LIMIT_S
            times.append(took * 1000)
            old.start()
            time.sleep(1.0)  # it rejoins and catches up before the next round
    finally:
        for n in nodes:
            if n.alive():
                n.proc.send_signal(signal.SIGTERM)
        for n in nodes:
            if n.proc:
                try:
                    n.proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    n.proc.kill()
    s = sorted(times)
    print('RESULT workload=cluster-failover kills=%d median_ms=%.0f max_ms=%.0f all_ms="%s"' % (
        len(s), s[(len(s) - 1) // 2], s[-1], " ".join("%.0f" % t for t in times)))
    return failed


if __name__ == "__main__":
    sys.exit(main())
