"""Cluster mode under faults: links cut by TCP proxies the test controls,
paused and killed leaders.  What must hold: a leader cut off from the
majority never acknowledges a write nor answers a strongly consistent read
that misses an acknowledged one; single-item conditional writes and strong
reads are linearizable (checked on recorded histories with a Wing-Gong
search per key); transfers between accounts by TransactWriteItems keep the
total across failovers.

Every node reaches each peer's cluster port through a proxy of its own
(one per ordered pair of nodes: node i's messages to j go through
proxy[i][j]), so cutting a node off is cutting its proxies.  Every loop is
bounded in count and time.
"""

import http.client
import random
import signal
import socket
import threading
import time

import pytest
from botocore.exceptions import ClientError, ConnectionClosedError, EndpointConnectionError, \
    ReadTimeoutError

from conftest import BIN, Server, free_port, make_client
from test_cluster import TABLE, assert_copies_identical, create_table, eventually

UNKNOWN_ERRORS = (ClientError, EndpointConnectionError, ConnectionClosedError, ReadTimeoutError,
                  ConnectionError, OSError)


# --------------------------------------------------------------------------
# A TCP proxy per link


class LinkProxy:
    """Forwards connections from a port of its own to target_port; cut()
    drops every connection and refuses new ones until heal()."""

    def __init__(self, target_port):
        self.target_port = target_port
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        self.cut_now = threading.Event()
        self.closed = threading.Event()
        self.lock = threading.Lock()
        self.socks = []
        self.thread = threading.Thread(target=self.accept_loop, daemon=True)
        self.thread.start()

    def accept_loop(self):
        while not self.closed.is_set():
            try:
                client, _ = self.listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            if self.cut_now.is_set():
                client.close()
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=1)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.socks += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self.pump, args=(a, b), daemon=True).start()

    def pump(self, src, dst):
        src.settimeout(0.5)
        try:
            while not self.closed.is_set() and not self.cut_now.is_set():
                try:
                    data = src.recv(65536)
                except socket.timeout:
                    continue
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def _drop_all(self):
        with self.lock:
            socks, self.socks = self.socks, []
        for s in socks:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def cut(self):
        self.cut_now.set()
        self._drop_all()

    def heal(self):
        self.cut_now.clear()

    def close(self):
        self.closed.set()
        self.cut_now.set()
        self.listener.close()
        self._drop_all()
        self.thread.join(timeout=5)


class ProxiedCluster:
    def __init__(self, tmp_path, n=3):
        self.ids = list(range(1, n + 1))
        ports = set()
        while len(ports) < 2 * n:
            ports.add(free_port())
        ports = sorted(ports)
        self.cluster_ports = {i: ports[n + i - 1] for i in self.ids}
        self.proxy = {i: {j: LinkProxy(self.cluster_ports[j]) for j in self.ids if j != i}
                      for i in self.ids}
        self.nodes = {}
        for i in self.ids:
            members = ",".join("%d=127.0.0.1:%d" % (
                j, self.cluster_ports[j] if j == i else self.proxy[i][j].port) for j in self.ids)
            data = tmp_path / ("node%d" % i)
            data.mkdir()
            self.nodes[i] = Server(BIN, data_dir=str(data), port=ports[i - 1],
                                   extra_args=["--node-id", str(i), "--cluster", members])
        self.clients = {}

    def start(self):
        for node in self.nodes.values():
            node.start()
        for i, node in self.nodes.items():
            self.clients[i] = make_client(node.endpoint, read_timeout=10)
        return self

    def isolate(self, i):
        for j in self.ids:
            if j != i:
                self.proxy[i][j].cut()
                self.proxy[j][i].cut()

    def heal(self):
        for links in self.proxy.values():
            for p in links.values():
                p.heal()

    def role(self, i):
        """The node's role from its /metrics, or None (down, paused)."""
        node = self.nodes[i]
        if not node.alive():
            return None
        try:
            conn = http.client.HTTPConnection("127.0.0.1", node.port, timeout=1)
            conn.request("GET", "/metrics")
            text = conn.getresponse().read().decode()
        except OSError:
            return None
        for line in text.splitlines():
            if line.startswith("ddbd_cluster_role{") and line.endswith(" 1"):
                return line.split('"')[1]
        return None

    def leader(self, among=None, timeout=10.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for i in among or self.ids:
                if self.role(i) == "leader":
                    return i
            time.sleep(0.05)
        raise AssertionError("no leader within %.0fs" % timeout)

    def stop(self):
        for node in self.nodes.values():
            if node.alive():
                try:
                    node.proc.send_signal(signal.SIGCONT)
                except OSError:
                    pass
                node.stop()
        for links in self.proxy.values():
            for p in links.values():
                p.close()


@pytest.fixture
def proxied(tmp_path):
    c = ProxiedCluster(tmp_path).start()
    try:
        c.leader()
        yield c
    finally:
        c.stop()


def get_v(client, key, consistent=True):
    it = client.get_item(TableName=TABLE, Key={"k": {"S": key}}, ConsistentRead=consistent)
    return it.get("Item", {}).get("v", {}).get("S")


def eventual_v(client, key):
    """An eventually consistent read of key's value; None while the node
    has not applied the table's creation yet (it applies committed entries
    shortly after acknowledging them to the leader)."""
    try:
        return get_v(client, key, consistent=False)
    except ClientError as e:
        if e.response["Error"]["Code"] != "ResourceNotFoundException":
            raise
        return None


def put_v(client, key, value):
    client.put_item(TableName=TABLE, Item={"k": {"S": key}, "v": {"S": value}})


def retry_until_ok(fn, timeout=10.0):
    deadline = time.monotonic() + timeout
    while True:
        try:
            return fn()
        except UNKNOWN_ERRORS:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


# --------------------------------------------------------------------------
# A cut-off leader


def test_cut_off_leader_acknowledges_nothing_and_serves_no_stale_read(proxied):
    c = proxied
    old = c.leader()
    create_table(c.clients[old])
    put_v(c.clients[old], "a", "1")
    others = [i for i in c.ids if i != old]
    for i in others:
        assert eventually(lambda: eventual_v(c.clients[i], "a") == "1")

    c.isolate(old)
    oc = make_client(c.nodes[old].endpoint, read_timeout=15)
    # writes sent to it while it is cut off: never acknowledged
    minority = {}

    def write_to_old(n):
        try:
            put_v(oc, "minority-%d" % n, "x")
            minority[n] = "acknowledged"
        except ClientError as e:
            minority[n] = e.response["Error"]["Code"]
        except UNKNOWN_ERRORS as e:
            minority[n] = type(e).__name__
    writers = [threading.Thread(target=write_to_old, args=(n,), daemon=True) for n in range(3)]
    for t in writers:
        t.start()

    new = c.leader(among=others)
    nc = c.clients[new]
    retry_until_ok(lambda: put_v(nc, "a", "2"))  # acknowledged by the majority
    for t in writers:
        t.join(timeout=30)
    assert not any(t.is_alive() for t in writers)
    assert minority == {n: "InternalServerError" for n in range(3)}

    # the old leader never answers a strong read with the value it had
    answers = []
    for _ in range(10):
        try:
            answers.append(get_v(oc, "a"))
        except ClientError as e:
            assert e.response["Error"]["Code"] == "InternalServerError"
            answers.append("500")
    assert "1" not in answers, answers

    c.heal()
    # back in the group: it catches up, and the minority's writes are nowhere
    assert eventually(lambda: get_v(oc, "a", consistent=False) == "2", timeout=15)
    assert retry_until_ok(lambda: get_v(oc, "a")) == "2"
    for i in c.ids:
        for n in range(3):
            assert get_v(c.clients[i], "minority-%d" % n, consistent=False) is None


# --------------------------------------------------------------------------
# Linearizability: single-key register histories, Wing-Gong search

INF = float("inf")


class Op:
    """One operation of a history: a strong read (value seen) or a
    conditional write of `new` over `expected` (None: the item absent)
    whose outcome is "ok", "fail" (the condition did not hold: no effect)
    or "unknown" (an error or timeout: it may have taken effect, at any
    time after its invocation)."""

    def __init__(self, kind, inv, res, outcome, value=None, expected=None, new=None):
        self.kind, self.inv, self.outcome = kind, inv, outcome
        self.res = INF if outcome == "unknown" else res
        self.value, self.expected, self.new = value, expected, new

    def __repr__(self):
        return "%s(%s%s)@%.3f-%.3f" % (self.kind, self.outcome,
                                        self.value if self.kind == "read" else
                                        " %s->%s" % (self.expected, self.new), self.inv, self.res)


def linearizable(ops, initial=None, budget=2000000):
    """True when the register history ops has a linearization (every
    definite op placed once, in an order that respects real time and the
    register's semantics; unknown writes placed or left out)."""
    ops = sorted(ops, key=lambda o: o.inv)
    n = len(ops)
    required = 0
    for i, o in enumerate(ops):
        if o.outcome != "unknown":
            required |= 1 << i
    seen = set()
    stack = [(0, initial)]
    steps = 0
    while stack:
        done, state = stack.pop()
        if done & required == required:
            return True
        if (done, state) in seen:
            continue
        seen.add((done, state))
        steps += 1
        if steps > budget:
            raise AssertionError("linearizability search over budget (%d ops)" % n)
        # an op may come next if no other pending op ended before it began
        first_end = min((o.res for i, o in enumerate(ops) if not done >> i & 1), default=INF)
        for i, o in enumerate(ops):
            if done >> i & 1 or o.inv > first_end:
                continue
            if o.kind == "read":
                if o.value == state:
                    stack.append((done | 1 << i, state))
            elif o.outcome == "ok":
                if o.expected == state:
                    stack.append((done | 1 << i, o.new))
            elif o.outcome == "fail":
                if o.expected != state:
                    stack.append((done | 1 << i, state))
            elif o.expected == state:  # unknown: placed here, taking effect
                stack.append((done | 1 << i, o.new))
    return False


def test_checker_accepts_and_refuses():
    """The checker itself: it must be able to say no."""
    w = lambda inv, res, e, n, out="ok": Op("cas", inv, res, out, expected=e, new=n)
    r = lambda inv, res, v: Op("read", inv, res, "ok", value=v)
    # sequential and consistent
    assert linearizable([w(0, 1, None, "a"), r(2, 3, "a"), w(4, 5, "a", "b"), r(6, 7, "b")])
    # a stale read after an acknowledged write
    assert not linearizable([w(0, 1, None, "a"), w(2, 3, "a", "b"), r(4, 5, "a")])
    # a read of a value nobody wrote
    assert not linearizable([w(0, 1, None, "a"), r(2, 3, "z")])
    # concurrent: the read may see either
    assert linearizable([w(0, 5, None, "a"), r(1, 2, None)])
    assert linearizable([w(0, 5, None, "a"), r(1, 2, "a")])
    # a failed condition where it must have held
    assert not linearizable([w(0, 1, None, "a"), w(2, 3, "a", "b", "fail"), r(4, 5, "a")])
    # two writes both succeeding over the same expected value (lost update)
    assert not linearizable([w(0, 1, None, "a"), w(2, 4, "a", "b"), w(2, 4, "a", "c"),
                             r(5, 6, "c")])
    # an unknown write may have happened (later read sees it) or not
    assert linearizable([w(0, 1, None, "a"), w(2, 3, "a", "b", "unknown"), r(10, 11, "b")])
    assert linearizable([w(0, 1, None, "a"), w(2, 3, "a", "b", "unknown"), r(10, 11, "a")])
    # but not before it was invoked
    assert not linearizable([w(0, 1, None, "a"), r(2, 3, "b"), w(4, 5, "a", "b", "unknown")])


KEYS = ["r0", "r1", "r2"]


class History:
    def __init__(self, cluster, workers=4, per_worker=120, seconds=40.0):
        self.cluster = cluster
        self.ops = {k: [] for k in KEYS}
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self.run, args=(w, per_worker, seconds),
                                         daemon=True) for w in range(workers)]

    def run(self, w, count, seconds):
        rnd = random.Random(w)
        clients = {i: make_client(self.cluster.nodes[i].endpoint, read_timeout=8,
                                  connect_timeout=2) for i in self.cluster.ids}
        last = {k: None for k in KEYS}
        deadline = time.monotonic() + seconds
        for n in range(count):
            if time.monotonic() > deadline:
                return
            time.sleep(rnd.uniform(0.04, 0.12))  # the history spans the faults
            key = rnd.choice(KEYS)
            alive = [i for i in self.cluster.ids if self.cluster.nodes[i].alive()]
            client = clients[rnd.choice(alive)]
            inv = time.monotonic()
            if rnd.random() < 0.5:
                try:
                    value = get_v(client, key)
                except UNKNOWN_ERRORS:
                    continue  # a read that failed had no effect
                op = Op("read", inv, time.monotonic(), "ok", value=value)
                last[key] = value
            else:
                new = "w%d-%d" % (w, n)
                expected = last[key]
                kw = {"ConditionExpression": "attribute_not_exists(k)"} if expected is None \
                    else {"ConditionExpression": "v = :e",
                          "ExpressionAttributeValues": {":e": {"S": expected}}}
                try:
                    client.put_item(TableName=TABLE, Item={"k": {"S": key}, "v": {"S": new}}, **kw)
                    outcome = "ok"
                    last[key] = new
                except ClientError as e:
                    code = e.response["Error"]["Code"]
                    outcome = "fail" if code == "ConditionalCheckFailedException" else "unknown"
                except UNKNOWN_ERRORS:
                    outcome = "unknown"
                op = Op("cas", inv, time.monotonic(), outcome, expected=expected, new=new)
                if outcome != "ok":
                    time.sleep(0.01)
            with self.lock:
                self.ops[key].append(op)

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        for t in self.threads:
            t.join(timeout=60)
        assert not any(t.is_alive() for t in self.threads)


def inject_faults(c, stop, rounds=4):
    """Kill -9, pause or cut off the leader in turn, each for about a
    second, then bring it back; bounded in rounds."""
    actions = ["kill", "pause", "isolate", "kill"]
    done = []
    for n in range(rounds):
        if stop.wait(1.5):
            break
        try:
            leader = c.leader(timeout=5)
        except AssertionError:
            continue
        action = actions[n % len(actions)]
        node = c.nodes[leader]
        if action == "kill":
            node.kill()
            time.sleep(1.0)
            node.start()
        elif action == "pause":
            node.proc.send_signal(signal.SIGSTOP)
            time.sleep(1.5)
            node.proc.send_signal(signal.SIGCONT)
        else:
            c.isolate(leader)
            time.sleep(1.5)
            c.heal()
        done.append(action)
    return done


def test_conditional_writes_and_strong_reads_are_linearizable(proxied):
    c = proxied
    create_table(c.clients[c.leader()])
    for i in c.ids:
        assert eventually(lambda: TABLE in c.clients[i].list_tables()["TableNames"])
    stop = threading.Event()
    faults = []
    injector = threading.Thread(target=lambda: faults.extend(inject_faults(c, stop)), daemon=True)
    with History(c) as history:
        injector.start()
    stop.set()
    injector.join(timeout=60)
    assert not injector.is_alive()
    assert faults, "no fault was injected"
    total = sum(len(v) for v in history.ops.values())
    definite = sum(1 for v in history.ops.values() for o in v if o.outcome != "unknown")
    oks = sum(1 for v in history.ops.values() for o in v if o.kind == "cas" and o.outcome == "ok")
    assert total >= 150 and oks >= 20, (total, oks)
    for key, ops in history.ops.items():
        assert linearizable(ops), "history of %s is not linearizable (%d ops, %d definite):\n%s" % (
            key, len(ops), definite, "\n".join(map(repr, sorted(ops, key=lambda o: o.inv))))
    # the restarted, resumed and healed nodes hold the leader's state
    assert_copies_identical(c.clients, c.ids)


# --------------------------------------------------------------------------
# The bank invariant across failovers

ACCOUNTS = ["acct%d" % i for i in range(5)]
START = 100


def transfer(client, src, dst, amount):
    client.transact_write_items(TransactItems=[
        {"Update": {"TableName": TABLE, "Key": {"k": {"S": src}},
                    "UpdateExpression": "SET b = b - :x", "ConditionExpression": "b >= :x",
                    "ExpressionAttributeValues": {":x": {"N": str(amount)}}}},
        {"Update": {"TableName": TABLE, "Key": {"k": {"S": dst}},
                    "UpdateExpression": "SET b = b + :x",
                    "ExpressionAttributeValues": {":x": {"N": str(amount)}}}},
    ])


def balances(client, consistent=True):
    """Every account's balance: strongly consistent ones in one
    TransactGetItems (one state of the leader's, whatever a write still in
    flight does), else from the node's own copy."""
    if consistent:
        got = client.transact_get_items(TransactItems=[
            {"Get": {"TableName": TABLE, "Key": {"k": {"S": a}}}} for a in ACCOUNTS])
        return {a: int(r["Item"]["b"]["N"]) for a, r in zip(ACCOUNTS, got["Responses"])}
    out = {}
    for a in ACCOUNTS:
        it = client.get_item(TableName=TABLE, Key={"k": {"S": a}})
        out[a] = int(it["Item"]["b"]["N"])
    return out


def bank_with_leader_kills(c):
    """Transfers under two leader kills; the balances once all is quiet
    (the total checked in every state read meanwhile)."""
    leader = c.leader()
    lc = c.clients[leader]
    create_table(lc)
    for a in ACCOUNTS:
        lc.put_item(TableName=TABLE, Item={"k": {"S": a}, "b": {"N": str(START)}})
    acked = []
    lock = threading.Lock()
    stop = threading.Event()

    def worker(w, count=300, seconds=60.0):
        rnd = random.Random(100 + w)
        clients = [make_client(c.nodes[i].endpoint, read_timeout=8, connect_timeout=2)
                   for i in c.ids]
        deadline = time.monotonic() + seconds
        for _ in range(count):
            if stop.is_set() or time.monotonic() > deadline:
                return
            src, dst = rnd.sample(ACCOUNTS, 2)
            i = rnd.randrange(len(clients))
            if not c.nodes[c.ids[i]].alive():
                continue
            try:
                transfer(clients[i], src, dst, rnd.randint(1, 40))
                with lock:
                    acked.append(time.monotonic())
            except UNKNOWN_ERRORS:
                time.sleep(0.02)
    threads = [threading.Thread(target=worker, args=(w,), daemon=True) for w in range(3)]
    for t in threads:
        t.start()
    kills = []
    for _ in range(2):
        assert eventually(lambda: len(acked) >= 10 * (len(kills) + 1), timeout=20)
        victim = c.leader(timeout=10)
        c.nodes[victim].kill()
        kills.append(time.monotonic())
        time.sleep(1.0)
        c.nodes[victim].start()
    # transfers go on after the last failover
    assert eventually(lambda: sum(1 for t in acked if t > kills[-1]) >= 5, timeout=30), \
        "no transfer acknowledged after the last kill"
    stop.set()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)

    # a transfer the client gave up on may still be running: every state
    # read is one state, and the total holds in each
    for _ in range(5):
        seen = retry_until_ok(lambda: balances(c.clients[c.ids[0]]), timeout=15)
        assert sum(seen.values()) == START * len(ACCOUNTS), seen
        assert all(v >= 0 for v in seen.values()), seen
        time.sleep(0.2)
    time.sleep(2 * 8)  # the longest client timeout, twice: nothing is in flight any more
    seen = retry_until_ok(lambda: balances(c.clients[c.ids[0]]), timeout=15)
    assert sum(seen.values()) == START * len(ACCOUNTS), seen
    return seen


def test_bank_total_holds_across_leader_kills(proxied):
    bank_with_leader_kills(proxied)


def test_followers_converge_after_leader_kills(proxied):
    c = proxied
    seen = bank_with_leader_kills(c)
    for i in c.ids:  # every copy converges on the same balances
        assert eventually(lambda: balances(c.clients[i], consistent=False) == seen), \
            (i, balances(c.clients[i], consistent=False), seen)
    # ... and on the same items, whole
    assert_copies_identical(c.clients, c.ids)
