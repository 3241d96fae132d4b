"""HTTP and wire-protocol behaviour: health check, response headers, routing by
X-Amz-Target, JSON errors, authentication header, connection handling."""

import gzip
import json
import socket
import threading
import time
import zlib

from conftest import (FAKE_AUTH, build_request, raw_call, raw_request, read_response,
                      unique_name)


def test_health_check(port):
    r = raw_request(port, method="GET", target=None, content_type=None, auth=False)
    assert r.status == 200
    assert r.body == b"healthy: 127.0.0.1:%d " % port  # the Host the client asked for


def test_response_headers_request_id_and_crc32(port):
    r = raw_call(port, "ListTables", {})
    assert r.status == 200
    assert r.headers.get("x-amzn-requestid")
    assert r.headers["x-amz-crc32"] == str(zlib.crc32(r.body))
    assert r.headers["content-type"].startswith("application/x-amz-json-1.0")
    assert "TableNames" in r.json()


def test_request_ids_differ(port):
    ids = {raw_call(port, "ListTables", {}).headers["x-amzn-requestid"] for _ in range(3)}
    assert len(ids) == 3


def test_error_response_has_crc32_and_request_id(port):
    r = raw_call(port, "DescribeTable", {"TableName": unique_name()})
    assert r.status == 400
    assert r.headers.get("x-amzn-requestid")
    assert r.headers["x-amz-crc32"] == str(zlib.crc32(r.body))
    doc = r.json()
    assert doc["__type"] == "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException"


def test_unknown_operation(port):
    r = raw_request(port, body=b"{}", target="DynamoDB_20120810.Nope")
    assert r.status == 400
    assert r.error_type == "UnknownOperationException"
    # message not asserted: the service's text for this error is unverified


def test_unknown_service_prefix(port):
    r = raw_request(port, body=b"{}", target="NotDynamoDB_20120810.ListTables")
    assert r.status == 400
    assert r.error_type == "UnknownOperationException"


def test_streams_target_is_routed(port):
    # DynamoDB Streams shares the endpoint; until it is implemented the only
    # requirement is a well-formed JSON answer.
    r = raw_request(port, body=b"{}", target="DynamoDBStreams_20120810.ListStreams")
    assert r.status in (200, 400)
    r.json()
    if r.status == 400:
        assert r.error_type in ("UnknownOperationException", "ValidationException")


def test_missing_target(port):
    r = raw_request(port, body=b"{}", target=None)
    assert r.status == 400
    # code unverified: the service answers an unroutable POST as an unknown operation
    assert r.error_type == "UnknownOperationException"


def test_content_type_json_1_1_accepted(port):
    r = raw_call(port, "ListTables", {}, content_type="application/x-amz-json-1.1")
    assert r.status == 200
    assert "TableNames" in r.json()


def test_malformed_json(port):
    r = raw_request(port, body=b'{"TableName": ', target="DynamoDB_20120810.DescribeTable")
    assert r.status == 400
    assert r.json()["__type"] == "com.amazon.coral.service#SerializationException"


def test_body_not_an_object(port):
    r = raw_request(port, body=b'[1,2]', target="DynamoDB_20120810.DescribeTable")
    assert r.status == 400
    assert r.error_type == "SerializationException"


def test_table_name_as_number(port):
    r = raw_call(port, "DescribeTable", {"TableName": 5})
    assert r.status == 400
    assert r.json()["__type"] == "com.amazon.coral.service#SerializationException"
    assert r.error_message == "NUMBER_VALUE cannot be converted to String"


def test_item_as_list(port):
    r = raw_call(port, "PutItem", {"TableName": "abc", "Item": [{"pk": {"S": "a"}}]})
    assert r.status == 400
    assert r.error_type == "SerializationException"
    assert r.error_message == "Start of list found where not expected"


def test_limit_as_string(port):
    r = raw_call(port, "ListTables", {"Limit": "5"})
    assert r.status == 400
    assert r.error_type == "SerializationException"
    # message unverified; not asserted


def test_attribute_value_string_as_number(port, table_s):
    r = raw_call(port, "PutItem", {"TableName": table_s, "Item": {"pk": {"S": 5}}})
    assert r.status == 400
    assert r.error_type == "SerializationException"
    assert r.error_message == "NUMBER_VALUE cannot be converted to String"


def test_missing_authorization(port):
    r = raw_call(port, "ListTables", {}, auth=False)
    assert r.status == 400
    assert r.json()["__type"] == "com.amazon.coral.service#MissingAuthenticationTokenException"
    assert r.error_message == "Request is missing Authentication Token"


def test_keep_alive(port):
    import http.client
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    body = b"{}"
    headers = {"Content-Type": "application/x-amz-json-1.0",
               "X-Amz-Target": "DynamoDB_20120810.ListTables",
               "Authorization": FAKE_AUTH, "X-Amz-Date": "20240101T000000Z"}
    socks = set()
    try:
        for _ in range(5):
            conn.request("POST", "/", body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            assert resp.status == 200
            assert "TableNames" in json.loads(data)
            assert (resp.getheader("Connection") or "").lower() != "close"
            socks.add(id(conn.sock))
    finally:
        conn.close()
    assert len(socks) == 1


def _connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    return s, s.makefile("rb")


def test_pipelining_in_order(port):
    a, b = unique_name("pipe-a"), unique_name("pipe-b")
    s, f = _connect(port)
    try:
        s.sendall(build_request("DescribeTable", {"TableName": a})
                  + build_request("DescribeTable", {"TableName": b})
                  + build_request("ListTables", {}))
        r1, r2, r3 = read_response(f), read_response(f), read_response(f)
    finally:
        f.close()
        s.close()
    assert r1.status == 400 and a in r1.error_message
    assert r2.status == 400 and b in r2.error_message
    assert r3.status == 200 and "TableNames" in r3.json()


def test_pipelined_write_then_read(port, table_s):
    item = {"pk": {"S": "pipelined"}, "v": {"N": "7"}}
    s, f = _connect(port)
    try:
        s.sendall(build_request("PutItem", {"TableName": table_s, "Item": item})
                  + build_request("GetItem", {"TableName": table_s, "Key": {"pk": item["pk"]},
                                              "ConsistentRead": True})
                  + build_request("DeleteItem", {"TableName": table_s, "Key": {"pk": item["pk"]},
                                                 "ReturnValues": "ALL_OLD"})
                  + build_request("GetItem", {"TableName": table_s, "Key": {"pk": item["pk"]},
                                              "ConsistentRead": True}))
        put, get1, delete, get2 = (read_response(f) for _ in range(4))
    finally:
        f.close()
        s.close()
    assert put.status == 200 and put.json() == {}
    assert get1.status == 200 and get1.json() == {"Item": item}
    assert delete.status == 200 and delete.json() == {"Attributes": item}
    assert get2.status == 200 and get2.json() == {}


def test_gzip_request_body(port, table_s):
    payload = {"TableName": table_s, "Item": {"pk": {"S": "gz"}, "data": {"S": "x" * 1000}}}
    body = gzip.compress(json.dumps(payload).encode())
    r = raw_request(port, body=body, target="DynamoDB_20120810.PutItem",
                    headers={"Content-Encoding": "gzip"})
    assert r.status == 200, r.body
    r = raw_call(port, "GetItem", {"TableName": table_s, "Key": {"pk": {"S": "gz"}}})
    assert r.status == 200
    assert r.json()["Item"] == payload["Item"]


def test_corrupt_gzip_body_is_an_internal_error(port):
    # The service answers 500 (observed); the body's type and message are unverified.
    body = gzip.compress(b'{"TableName":"x"}')[:-6] + b"garbage"
    r = raw_request(port, body=body, target="DynamoDB_20120810.ListTables",
                    headers={"Content-Encoding": "gzip"})
    assert r.status == 500
    assert r.json()["__type"] == "com.amazonaws.dynamodb.v20120810#InternalServerError"
    # the connection's server still answers
    assert raw_call(port, "ListTables", {}).status == 200


def test_gzip_bomb_over_the_limit_is_refused(port):
    body = gzip.compress(b'{"TableName":"' + b"a" * (17 * 1024 * 1024) + b'"}')
    r = raw_request(port, body=body, target="DynamoDB_20120810.ListTables",
                    headers={"Content-Encoding": "gzip"})
    assert r.status == 413
    assert raw_call(port, "ListTables", {}).status == 200


def test_unsupported_content_type(port):
    # The status the service gives a non-JSON content type is unverified; the
    # type of the error is what clients act on.
    r = raw_request(port, body=b"{}", target="DynamoDB_20120810.ListTables",
                    content_type="text/plain")
    assert r.status == 404
    assert r.json()["__type"] == "com.amazon.coral.service#UnknownOperationException"


def test_body_over_16mb_rejected_and_server_lives(port):
    size = 16 * 1024 * 1024 + 1
    s = socket.create_connection(("127.0.0.1", port), timeout=20)
    status = None
    try:
        head = ("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                "Content-Type: application/x-amz-json-1.0\r\n"
                "X-Amz-Target: DynamoDB_20120810.PutItem\r\n"
                "Authorization: %s\r\nContent-Length: %d\r\n\r\n" % (FAKE_AUTH, size))
        s.sendall(head.encode())
        chunk = b" " * (1024 * 1024)
        sent = 0
        try:
            while sent < size:
                n = min(len(chunk), size - sent)
                s.sendall(chunk[:n])
                sent += n
        except (BrokenPipeError, ConnectionResetError):
            pass
        try:
            f = s.makefile("rb")
            r = read_response(f)
            status = r.status if r else None
        except (ConnectionResetError, OSError):
            status = None
    finally:
        s.close()
    # Either a 413 answer or the connection closed without one.
    assert status in (413, None)
    assert raw_call(port, "ListTables", {}).status == 200


def test_garbage_bytes_do_not_disturb_others(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        s.sendall(b"\x00\xff\xfe garbage \x01\x02\r\n\r\n\x16\x03\x01 more garbage\r\n\r\n")
        try:
            s.settimeout(5)
            data = s.recv(65536)
        except (ConnectionResetError, socket.timeout):
            data = b""
        if data:
            assert data.startswith(b"HTTP/1.1 4") or data.startswith(b"HTTP/1.0 4")
    finally:
        s.close()
    assert raw_call(port, "ListTables", {}).status == 200


def test_bad_http_version(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        s.sendall(b"GET / HTTP/2.7\r\nHost: x\r\n\r\n")
        try:
            data = s.recv(65536)
        except ConnectionResetError:
            data = b""
    finally:
        s.close()
    if data:
        status = int(data.split(b" ", 2)[1])
        assert 400 <= status < 600
    assert raw_call(port, "ListTables", {}).status == 200


def test_slow_half_open_connections_do_not_block(port):
    slow = []
    try:
        # Headers cut short, a body promised but not sent, a connection that
        # says nothing at all.
        for partial in (b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le",
                        build_request("ListTables", {})[:-1],
                        b""):
            s = socket.create_connection(("127.0.0.1", port), timeout=10)
            if partial:
                s.sendall(partial)
            slow.append(s)
        t0 = time.monotonic()
        for _ in range(5):
            assert raw_call(port, "ListTables", {}, timeout=10).status == 200
        assert time.monotonic() - t0 < 5
    finally:
        for s in slow:
            s.close()


def test_concurrent_clients(port, table_s):
    errors = []

    def worker(i):
        try:
            for j in range(20):
                key = {"pk": {"S": "c%d-%d" % (i, j)}}
                r = raw_call(port, "PutItem", {"TableName": table_s,
                                               "Item": dict(key, v={"N": str(j)})})
                assert r.status == 200, r.body
                r = raw_call(port, "GetItem", {"TableName": table_s, "Key": key,
                                               "ConsistentRead": True})
                assert r.json()["Item"]["v"] == {"N": str(j)}
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors


def test_connection_close_honoured(port):
    s, f = _connect(port)
    try:
        s.sendall(build_request("ListTables", {}, extra_headers={"Connection": "close"}))
        r = read_response(f)
        assert r.status == 200
        assert f.read() == b""  # the server closed the connection
    finally:
        f.close()
        s.close()


def test_chunked_request_body(port):
    body = json.dumps({"TableName": unique_name()}).encode()
    head = ("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            "Content-Type: application/x-amz-json-1.0\r\n"
            "X-Amz-Target: DynamoDB_20120810.DescribeTable\r\n"
            "Authorization: %s\r\nTransfer-Encoding: chunked\r\n\r\n" % FAKE_AUTH).encode()
    half = len(body) // 2
    chunks = b"%x\r\n%s\r\n%x\r\n%s\r\n0\r\n\r\n" % (half, body[:half], len(body) - half,
                                                    body[half:])
    s, f = _connect(port)
    try:
        s.sendall(head + chunks)
        r = read_response(f)
    finally:
        f.close()
        s.close()
    assert r.status == 400
    assert r.error_type == "ResourceNotFoundException"
