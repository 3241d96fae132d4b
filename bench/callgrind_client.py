"""The client of bench/callgrind_per_request.sh: PORT N setup|get|put on one keep-alive
connection (setup: the table and 100 items; get/put: N requests over those keys).
CALLGRIND_INSIGHTS=1 in the environment: setup enables Contributor Insights on the table;
CALLGRIND_KEYS=n: get/put cycle over the first n keys (default 100);
CALLGRIND_REPLICA=REGION: setup gives the table a replica in that peer region and waits until
it is ACTIVE.
CALLGRIND_TLS=1: the connection speaks TLS (the server's certificate is not checked); 1.2: TLS 1.2.
query|get-q|put-q: the benchmark's "benchq" table of CALLGRIND_ITEMS items (bench/common.lua's
layout: partition p<k/10>, sort key k%10), loaded beforehand; each request picks its key with a
fixed seed, so two runs send the same first requests."""
import os, random, socket, ssl, sys, json, time
port, n, op = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
def req(target, body):
    b = json.dumps(body).encode()
    return (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.0\r\nX-Amz-Target: DynamoDB_20120810.%s\r\nAuthorization: AWS4-HMAC-SHA256 Credential=a/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0\r\nContent-Length: %d\r\n\r\n" % (target.encode(), len(b))) + b
s = socket.create_connection(("127.0.0.1", port))
if os.environ.get("CALLGRIND_TLS") in ("1", "1.2"):
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if os.environ["CALLGRIND_TLS"] == "1.2":
        tls.maximum_version = ssl.TLSVersion.TLSv1_2
    tls.check_hostname = False
    tls.verify_mode = ssl.CERT_NONE
    s = tls.wrap_socket(s)
f = s.makefile("rb")
def call(target, body):
    s.sendall(req(target, body))
    line = f.readline(); status = int(line.split()[1]); length = 0
    while True:
        h = f.readline()
        if h in (b"\r\n", b""): break
        k, _, v = h.partition(b":")
        if k.strip().lower() == b"content-length": length = int(v)
    data = f.read(length)
    return status, data
if op == "setup":
    print(call("CreateTable", {"TableName": "bench", "BillingMode": "PAY_PER_REQUEST", "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}], "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]}))
    if os.environ.get("CALLGRIND_INSIGHTS") == "1":
        print(call("UpdateContributorInsights", {"TableName": "bench", "ContributorInsightsAction": "ENABLE"}))
    replica = os.environ.get("CALLGRIND_REPLICA")
    if replica:
        print(call("UpdateTable", {"TableName": "bench",
                                   "ReplicaUpdates": [{"Create": {"RegionName": replica}}]}))
        for _ in range(600):
            st, d = call("DescribeTable", {"TableName": "bench"})
            if b'"ReplicaStatus":"ACTIVE"' in d:
                break
            time.sleep(0.1)
        else:
            sys.exit("the replica did not become ACTIVE")
    for i in range(100):
        call("PutItem", {"TableName": "bench", "Item": {"pk": {"S": "k%d" % i}, "v": {"S": "x" * 80}}})
    sys.exit(0)
if op in ("query", "get-q", "put-q"):
    items = int(os.environ.get("CALLGRIND_ITEMS", "10000"))
    pick = random.Random(7)
    for i in range(n):
        key = pick.randrange(items)
        part, sk = key // 10, key % 10
        if op == "query":
            st, d = call("Query", {"TableName": "benchq", "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "p%d" % part}}})
            assert st == 200 and json.loads(d)["Count"] == 10, d
        elif op == "get-q":
            st, d = call("GetItem", {"TableName": "benchq", "Key": {"pk": {"S": "p%d" % part}, "sk": {"N": str(sk)}}})
            assert st == 200 and b"Item" in d, d
        else:
            st, d = call("PutItem", {"TableName": "benchq", "Item": {"pk": {"S": "p%d" % part}, "sk": {"N": str(sk)}, "g": {"S": "g%d" % part}, "payload": {"S": "y" * 72}}})
            assert st == 200, d
    sys.exit(0)
keys = int(os.environ.get("CALLGRIND_KEYS", "100"))
for i in range(n):
    i %= keys
    if op == "get":
        st, d = call("GetItem", {"TableName": "bench", "Key": {"pk": {"S": "k%d" % (i % 100)}}})
    else:
        st, d = call("PutItem", {"TableName": "bench", "Item": {"pk": {"S": "k%d" % (i % 100)}, "v": {"S": "x" * 80}}})
    assert st == 200, d
