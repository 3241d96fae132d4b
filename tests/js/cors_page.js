// The script of a browser page served from another origin than ddbd's: it
// calls ddbd with the AWS SDK for JavaScript v3 and with plain fetch(), and
// posts what it saw back to the page's own server (same origin) as JSON.
// Bundled for the browser by tests/api/test_browser_cors.py with esbuild.
import {
  DynamoDBClient,
  DescribeTableCommand,
  GetItemCommand,
  ListTablesCommand,
  PutItemCommand,
} from "@aws-sdk/client-dynamodb";

const params = new URLSearchParams(location.search);
const endpoint = params.get("endpoint");
const table = params.get("table");

function post(path, value) {
  return fetch(path, { method: "POST", body: JSON.stringify(value) });
}

// CRC-32 (IEEE, as zlib's) of bytes: x-amz-crc32 is of the body as sent.
function crc32(bytes) {
  let crc = 0xffffffff;
  for (const b of bytes) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

// Runs one step; its result, or the error it threw (name, message, status).
async function step(fn) {
  try {
    return { ok: await fn() };
  } catch (e) {
    return {
      error: {
        name: e.name,
        message: e.message,
        status: e.$metadata ? e.$metadata.httpStatusCode : null,
        requestId: e.$metadata ? e.$metadata.requestId : null,
      },
    };
  }
}

async function run() {
  const client = new DynamoDBClient({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    maxAttempts: 1,
  });
  const item = {
    pk: { S: "from-the-browser" },
    n: { N: "42.5" },
    b: { B: new Uint8Array([0, 1, 2, 255]) },
    l: { L: [{ S: "x" }, { BOOL: true }] },
  };
  const out = { origin: location.origin };
  out.put = await step(async () => {
    const r = await client.send(new PutItemCommand({ TableName: table, Item: item }));
    return { status: r.$metadata.httpStatusCode, requestId: r.$metadata.requestId };
  });
  out.get = await step(async () => {
    const r = await client.send(
      new GetItemCommand({ TableName: table, Key: { pk: item.pk }, ConsistentRead: true }),
    );
    return {
      status: r.$metadata.httpStatusCode,
      requestId: r.$metadata.requestId,
      pk: r.Item.pk.S,
      n: r.Item.n.N,
      b: Array.from(r.Item.b.B),
      l: r.Item.l.L,
    };
  });
  out.list = await step(async () => {
    const r = await client.send(new ListTablesCommand({}));
    return { names: r.TableNames };
  });
  out.missing = await step(() =>
    client.send(new DescribeTableCommand({ TableName: table + "-no-such-table" })),
  );
  // Plain fetch: which response headers a page can read.
  out.raw = await step(async () => {
    const r = await fetch(endpoint, {
      method: "POST",
      headers: {
        "Content-Type": "application/x-amz-json-1.0",
        "X-Amz-Target": "DynamoDB_20120810.DescribeTable",
        Authorization:
          "AWS4-HMAC-SHA256 Credential=local/20240101/us-east-1/dynamodb/aws4_request, " +
          "SignedHeaders=host, Signature=00",
      },
      body: JSON.stringify({ TableName: table }),
    });
    const body = new Uint8Array(await r.arrayBuffer());
    return {
      status: r.status,
      requestId: r.headers.get("x-amzn-RequestId"),
      crc32: r.headers.get("x-amz-crc32"),
      date: r.headers.get("Date"),
      crc32OfBody: String(crc32(body)),
      tableName: JSON.parse(new TextDecoder().decode(body)).Table.TableName,
    };
  });
  out.health = await step(async () => {
    const r = await fetch(endpoint + "/");
    return { status: r.status, body: await r.text() };
  });
  return out;
}

post("/loaded", { origin: location.origin }).then(async () => {
  let result;
  try {
    result = await run();
  } catch (e) {
    result = { crashed: String(e) };
  }
  await post("/result", result);
});
