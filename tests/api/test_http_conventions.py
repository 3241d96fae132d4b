"""The service's HTTP conventions, byte for byte over raw sockets: the
headers every response carries (Server, Date, x-amzn-RequestId, x-amz-crc32),
the health check, other methods and paths, and CORS (responses to pages of
another origin, preflights)."""

import re
import socket
import zlib

import pytest

from conftest import build_request, raw_call, raw_request, read_response, unique_name

UNKNOWN_OPERATION = b"<UnknownOperationException/>\n"
EXPOSED = "x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date,x-amz-crc32"
DATE = re.compile(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|"
                  r"Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d GMT$")
CORS_HEADERS = ("access-control-allow-origin", "access-control-expose-headers",
                "access-control-max-age", "access-control-allow-methods",
                "access-control-allow-headers", "access-control-allow-credentials")


def exchange(port, raw, timeout=10):
    """Send raw request bytes on a fresh connection; the response's status
    line and header lines (in order, as sent) and its body."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        s.sendall(raw)
        f = s.makefile("rb")
        status = f.readline().decode("latin-1").rstrip("\r\n")
        lines = []
        while True:
            line = f.readline()
            if line in (b"\r\n", b""):
                break
            lines.append(line.decode("latin-1").rstrip("\r\n"))
        headers = {k.lower(): v.strip() for k, _, v in (l.partition(":") for l in lines)}
        n = int(headers.get("content-length", "0"))
        body = f.read(n) if not raw.startswith(b"HEAD ") else b""
        return status, lines, headers, body
    finally:
        s.close()


def assert_service_headers(headers, body):
    """What every response carries."""
    assert headers["server"] == "Server"
    assert DATE.match(headers["date"]), headers["date"]
    assert re.fullmatch(r"[A-Z0-9]{52}", headers["x-amzn-requestid"])
    assert headers["x-amz-crc32"] == str(zlib.crc32(body))
    assert headers["content-length"] == str(len(body))


def test_health_check_names_the_host_asked_for(port):
    for host in ("dynamodb.us-east-1.amazonaws.com", "localhost:8000", "127.0.0.1:%d" % port,
                 "example.org"):
        status, lines, h, body = exchange(port, b"GET / HTTP/1.1\r\nHost: %s\r\n\r\n"
                                          % host.encode())
        assert status == "HTTP/1.1 200 OK"
        assert body == b"healthy: %s " % host.encode()
        assert h["content-type"] == "text/plain"
        assert_service_headers(h, body)
        assert not any(k in h for k in CORS_HEADERS)


def test_health_check_with_a_query_and_without_a_host(port):
    status, _, h, body = exchange(port, b"GET /?x=1 HTTP/1.1\r\nHost: h.example\r\n\r\n")
    assert status == "HTTP/1.1 200 OK" and body == b"healthy: h.example "
    # HTTP/1.0 may leave Host out: the service's own name for the region then
    status, _, h, body = exchange(port, b"GET / HTTP/1.0\r\n\r\n")
    assert status == "HTTP/1.1 200 OK"
    assert body == b"healthy: dynamodb.us-east-1.amazonaws.com "
    assert_service_headers(h, body)


def test_head_is_the_health_check_without_its_body(port):
    status, _, h, body = exchange(port, b"HEAD / HTTP/1.1\r\nHost: abc\r\n\r\n")
    assert status == "HTTP/1.1 200 OK"
    assert h["content-length"] == str(len(b"healthy: abc "))
    assert h["x-amz-crc32"] == str(zlib.crc32(b"healthy: abc "))


@pytest.mark.parametrize("request_line", [
    b"GET /abc HTTP/1.1", b"GET /health HTTP/1.1", b"GET /index.html HTTP/1.1",
    b"GET /// HTTP/1.1", b"PUT / HTTP/1.1", b"DELETE / HTTP/1.1", b"PATCH / HTTP/1.1",
    b"OPTIONS / HTTP/1.1", b"TRACE / HTTP/1.1", b"FOO / HTTP/1.1"])
def test_other_methods_and_paths_are_unknown_operations(port, request_line):
    status, lines, h, body = exchange(port, request_line + b"\r\nHost: x\r\nContent-Length: 0"
                                      b"\r\n\r\n")
    assert status == "HTTP/1.1 404 Not Found"
    assert body == UNKNOWN_OPERATION
    assert h["x-amz-crc32"] == "3552371480"  # the value the service sends with this body
    assert "content-type" not in h
    assert_service_headers(h, body)
    assert not any(k in h for k in CORS_HEADERS)


def test_connection_survives_an_unknown_path(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        s.sendall(b"GET /nope HTTP/1.1\r\nHost: x\r\n\r\n" + build_request("ListTables", {}))
        f = s.makefile("rb")
        first, second = read_response(f), read_response(f)
        assert first.status == 404 and first.body == UNKNOWN_OPERATION
        assert second.status == 200 and "TableNames" in second.json()
    finally:
        s.close()


def test_api_responses_carry_the_service_headers(port):
    ok = raw_call(port, "ListTables", {})
    assert ok.status == 200
    assert_service_headers(ok.headers, ok.body)
    assert ok.headers["content-type"] == "application/x-amz-json-1.0"
    err = raw_call(port, "DescribeTable", {"TableName": unique_name()})
    assert err.status == 400
    assert_service_headers(err.headers, err.body)
    ids = {ok.headers["x-amzn-requestid"], err.headers["x-amzn-requestid"]}
    ids |= {raw_call(port, "ListTables", {}).headers["x-amzn-requestid"] for _ in range(20)}
    assert len(ids) == 22


@pytest.mark.parametrize("raw,status", [
    (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 17000000\r\n\r\n", 413),
    (b"GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505),
    (b"GET / HTTP/1.1\r\n" + b"X-Big: " + b"a" * 70000 + b"\r\n\r\n", 431),
    (b"POST / HTTP/1.1\r\nContent-Length: x\r\n\r\n", 400),
])
def test_http_errors_carry_the_service_headers(port, raw, status):
    got, _, h, body = exchange(port, raw)
    assert got.startswith("HTTP/1.1 %d " % status)
    assert_service_headers(h, body)
    assert h["connection"] == "close"


# --------------------------------------------------------------------------
# CORS


def test_no_cors_headers_without_an_origin(port):
    for raw in (b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", build_request("ListTables", {}),
                b"OPTIONS / HTTP/1.1\r\nHost: x\r\nAccess-Control-Request-Method: POST\r\n\r\n"):
        _, _, h, _ = exchange(port, raw)
        assert not any(k in h for k in CORS_HEADERS), h


@pytest.mark.parametrize("raw", [
    b"GET / HTTP/1.1\r\nHost: x\r\nOrigin: http://example.com\r\n\r\n",
    build_request("ListTables", {}, extra_headers={"Origin": "http://example.com"}),
    build_request("DescribeTable", {"TableName": "no-such-table-here"},
                  extra_headers={"Origin": "https://app.example:8443"}),
    b"DELETE / HTTP/1.1\r\nHost: x\r\nOrigin: null\r\n\r\n",
])
def test_responses_to_another_origin_expose_the_sdk_headers(port, raw):
    _, lines, h, body = exchange(port, raw)
    assert h["access-control-allow-origin"] == "*"
    assert h["access-control-expose-headers"] == EXPOSED
    # the preflight's headers are for the preflight only
    for k in ("access-control-max-age", "access-control-allow-methods",
              "access-control-allow-headers"):
        assert k not in h
    assert_service_headers(h, body)


def test_preflight_echoes_what_it_asks_for(port):
    raw = (b"OPTIONS / HTTP/1.1\r\nHost: x\r\nOrigin: http://example.com\r\n"
           b"Access-Control-Request-Method: dog\r\n"
           b"Access-Control-Request-Headers: cat, meerkat,  mouse\r\n\r\n")
    status, lines, h, body = exchange(port, raw)
    assert status == "HTTP/1.1 200 OK"
    assert body == b""
    assert h["access-control-allow-origin"] == "*"
    assert h["access-control-allow-methods"] == "dog"
    assert h["access-control-allow-headers"] == "cat, meerkat,  mouse"
    assert int(h["access-control-max-age"]) > 0
    assert h["access-control-expose-headers"] == EXPOSED
    assert_service_headers(h, body)


def test_preflight_of_an_sdk_request(port):
    raw = (b"OPTIONS / HTTP/1.1\r\nHost: x\r\nOrigin: http://localhost:3000\r\n"
           b"Access-Control-Request-Method: POST\r\nAccess-Control-Request-Headers: "
           b"amz-sdk-invocation-id,amz-sdk-request,authorization,content-type,x-amz-date,"
           b"x-amz-target,x-amz-user-agent\r\n\r\n")
    status, _, h, _ = exchange(port, raw)
    assert status == "HTTP/1.1 200 OK"
    assert h["access-control-allow-methods"] == "POST"
    assert h["access-control-allow-headers"] == (
        "amz-sdk-invocation-id,amz-sdk-request,authorization,content-type,x-amz-date,"
        "x-amz-target,x-amz-user-agent")
    # without the request headers: nothing to allow
    status, _, h, _ = exchange(port, b"OPTIONS / HTTP/1.1\r\nHost: x\r\nOrigin: http://a\r\n"
                               b"\r\n")
    assert status == "HTTP/1.1 200 OK"
    assert "access-control-allow-headers" not in h and "access-control-allow-methods" not in h
