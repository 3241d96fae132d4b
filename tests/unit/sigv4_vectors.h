/* sigv4_vectors.h: written by sigv4_vectors.py with botocore's signer; do not edit. */
#ifndef DDBD_SIGV4_VECTORS_H
#define DDBD_SIGV4_VECTORS_H

#define VECTOR_KEY_ID "AKIDEXAMPLE"
#define VECTOR_SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define VECTOR_TOKEN "IQoJb3JpZ2luX2VjEHAaCXVzLWVhc3QtMSJHMEUCIQ+token/with=odd+chars"
#define VECTOR_REGION "us-east-1"
#define VECTOR_NOW 1710028770LL /* 2024-03-09T23:59:30 UTC, the signing time */

typedef struct {
    const char *name, *request, *canonical, *string_to_sign, *signature;
    int session_token; /* signed with VECTOR_TOKEN */
    int accept;        /* 0: the signature is right, but the request is refused */
} sigv4_vector_t;

static const sigv4_vector_t sigv4_vectors[] = {
    {"get_item",
     "POST / HTTP/1.1\r\nHost: localhost:8000\r\nContent-Type: application/x-amz-json-1.0\r\nX-Amz-Target: DynamoDB_20120810.GetItem\r\nX-Amz-Date: 20240309T235930Z\r\nAuthorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240309/us-east-1/dynamodb/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=6f99f8de8ae27650293e94f8c4fcccfbfa9e78548fe4d48acc6d231fdff2e210\r\nContent-Length: 50\r\n\r\n{\"TableName\": \"users\", \"Key\": {\"id\": {\"S\": \"u1\"}}}",
     "POST\n/\n\ncontent-type:application/x-amz-json-1.0\nhost:localhost:8000\nx-amz-date:20240309T235930Z\nx-amz-target:DynamoDB_20120810.GetItem\n\ncontent-type;host;x-amz-date;x-amz-target\nee6ecbf43ce030ba1e97f061bf77b6d081b1b4a230e1324636292fbad14c979b",
     "AWS4-HMAC-SHA256\n20240309T235930Z\n20240309/us-east-1/dynamodb/aws4_request\nbffb4c829eeb3ead89565da6a4d934831c3fc18dcef3e1664ea268cce6631f83",
     "6f99f8de8ae27650293e94f8c4fcccfbfa9e78548fe4d48acc6d231fdff2e210",
     0, 1},
    {"empty_body",
     "POST / HTTP/1.1\r\nHost: localhost:8000\r\nContent-Type: application/x-amz-json-1.0\r\nX-Amz-Target: DynamoDB_20120810.ListTables\r\nX-Amz-Date: 20240309T235930Z\r\nAuthorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240309/us-east-1/dynamodb/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=0fff37dda1c5dc0d888fc31fa3ec863b59a58bb80ead36fb3c4b5d0273074c9f\r\nContent-Length: 0\r\n\r\n",
     "POST\n/\n\ncontent-type:application/x-amz-json-1.0\nhost:localhost:8000\nx-amz-date:20240309T235930Z\nx-amz-target:DynamoDB_20120810.ListTables\n\ncontent-type;host;x-amz-date;x-amz-target\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
     "AWS4-HMAC-SHA256\n20240309T235930Z\n20240309/us-east-1/dynamodb/aws4_request\nb49f21b60c7cdc4d022cff7a7b33d74c562a374ff96de02f49c2782eea53601c",
     "0fff37dda1c5dc0d888fc31fa3ec863b59a58bb80ead36fb3c4b5d0273074c9f",
     0, 1},
    {"streams",
     "POST / HTTP/1.1\r\nHost: localhost:8000\r\nContent-Type: application/x-amz-json-1.0\r\nX-Amz-Target: DynamoDBStreams_20120810.ListStreams\r\nX-Amz-Date: 20240309T235930Z\r\nAuthorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240309/us-east-1/dynamodb/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=0bcde698338c652eecd8051178048073dbeb17462b6feb99594adf5b20299567\r\nContent-Length: 2\r\n\r\n{}",
     "POST\n/\n\ncontent-type:application/x-amz-json-1.0\nhost:localhost:8000\nx-amz-date:20240309T235930Z\nx-amz-target:DynamoDBStreams_20120810.ListStreams\n\ncontent-type;host;x-amz-date;x-amz-target\n44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
     "AWS4-HMAC-SHA256\n20240309T235930Z\n20240309/us-east-1/dynamodb/aws4_request\n70ff9f5f2b7e77d7d7a7d6c7a50b3b6f5bd892b36cf392a841975fc3c38fa26c",
     "0bcde698338c652eecd8051178048073dbeb17462b6feb99594adf5b20299567",
     0, 1},
    {"query_string",
     "POST /?b=2&a=1&a=0&c=x%2Fy&d&e=~%20s HTTP/1.1\r\nHost: localhost:8000\r\nContent-Type: application/x-amz-json-1.0\r\nX-Amz-Target: DynamoDB_20120810.ListTables\r\nX-Amz-Date: 20240309T235930Z\r\nAuthorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240309/us-east-1/dynamodb/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=c191b91e165382cd88ae20833023d7f8ce4924353807cf48a7db6d09acb2c996\r\nContent-Length: 2\r\n\r\n{}",
     "POST\n/\na=0&a=1&b=2&c=x%2Fy&d=&e=~%20s\ncontent-type:application/x-amz-json-1.0\nhost:localhost:8000\nx-amz-date:20240309T235930Z\nx-amz-target:DynamoDB_20120810.ListTables\n\ncontent-type;host;x-amz-date;x-amz-target\n44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
     "AWS4-HMAC-SHA256\n20240309T235930Z\n20240309/us-east-1/dynamodb/aws4_request\n0e1bd476ceaccedcaae99acbf965a15bbfdb959d1f0f4ffd359576f50c13c449",
     "c191b91e165382cd88ae20833023d7f8ce4924353807cf48a7db6d09acb2c996",
     0, 1},
    {"dot_segments",
     "POST /a/./b/../c//d%20e/ HTTP/1.1\r\nHost: localhost:8000\r\nContent-Type: application/x-amz-json-1.0\r\nX-Amz-Target: DynamoDB_20120810.ListTables\r\nX-Amz-Date: 20240309T235930Z\r\nAuthorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240309/us-east-1/dynamodb/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=a75b2bbc2d95ac88057ef04ae61c73a2ae2b1ddd73190376d233411e182b7c61\r\nContent-Length: 2\r\n\r\n{}",
     "POST\n/a/c/d%2520e/\n\ncontent-type:application/x-amz-json-1.0\nhost:localhost:8000\nx-amz-date:20240309T235930Z\nx-amz-target:DynamoDB_20120810.ListTables\n\ncontent-type;host;x-amz-date;x-amz-target\n44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
     "AWS4-HMAC-SHA256\n20240309T235930Z\n20240309/us-east-1/dynamodb/aws4_request\nfab485a155aaea45b6fa55fe8210da21c07816971d7338744453c9106de92c26",
     "a75b2bbc2d95ac88057ef04ae61c73a2ae2b1ddd73190376d233411e182b7c61",
     0, 1},
    {"repeated_headers",
     "POST / HTTP/1.1\r\nHost: localhost:8000\r\nContent-Type: application/x-amz-json-1.0\r\nX-Amz-Target: DynamoDB_20120810.ListTables\r\nX-Custom: a   b\t c\r\nX-Custom: second\r\nX-Amz-Meta-Upper:   Trimmed  \r\nX-Amz-Date: 20240309T235930Z\r\nAuthorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240309/us-east-1/dynamodb/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-meta-upper;x-amz-target;x-custom, Signature=a12579a1e5499e3027002e5c934911fe5e3a2028c42b9d9a1f3fc5da62ba3209\r\nContent-Length: 2\r\n\r\n{}",
     "POST\n/\n\ncontent-type:application/x-amz-json-1.0\nhost:localhost:8000\nx-amz-date:20240309T235930Z\nx-amz-meta-upper:Trimmed\nx-amz-target:DynamoDB_20120810.ListTables\nx-custom:a b c,second\n\ncontent-type;host;x-amz-date;x-amz-meta-upper;x-amz-target;x-custom\n44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
     "AWS4-HMAC-SHA256\n20240309T235930Z\n20240309/us-east-1/dynamodb/aws4_request\n566a4a367dbfb3932bf060fc46334992b7ae260ac911280cbc9aebeba2db5766",
     "a12579a1e5499e3027002e5c934911fe5e3a2028c42b9d9a1f3fc5da62ba3209",
     0, 1},
    {"session_token",
     "POST / HTTP/1.1\r\nHost: localhost:8000\r\nContent-Type: application/x-amz-json-1.0\r\nX-Amz-Target: DynamoDB_20120810.ListTables\r\nX-Amz-Date: 20240309T235930Z\r\nX-Amz-Security-Token: IQoJb3JpZ2luX2VjEHAaCXVzLWVhc3QtMSJHMEUCIQ+token/with=odd+chars\r\nAuthorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240309/us-east-1/dynamodb/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, Signature=ffdc957a502ef2411b6a09fed3776efb890adfa084292ed6c671253c292a0316\r\nContent-Length: 2\r\n\r\n{}",
     "POST\n/\n\ncontent-type:application/x-amz-json-1.0\nhost:localhost:8000\nx-amz-date:20240309T235930Z\nx-amz-security-token:IQoJb3JpZ2luX2VjEHAaCXVzLWVhc3QtMSJHMEUCIQ+token/with=odd+chars\nx-amz-target:DynamoDB_20120810.ListTables\n\ncontent-type;host;x-amz-date;x-amz-security-token;x-amz-target\n44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
     "AWS4-HMAC-SHA256\n20240309T235930Z\n20240309/us-east-1/dynamodb/aws4_request\n7663388032bc5ffada555e2611e5828ce86267b86079889bd410218f3e719d9f",
     "ffdc957a502ef2411b6a09fed3776efb890adfa084292ed6c671253c292a0316",
     1, 1},
    {"date_header",
     "POST / HTTP/1.1\r\nHost: localhost:8000\r\nContent-Type: application/x-amz-json-1.0\r\nX-Amz-Target: DynamoDB_20120810.ListTables\r\nDate: Sat, 09 Mar 2024 23:59:30 -0000\r\nAuthorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240309/us-east-1/dynamodb/aws4_request, SignedHeaders=content-type;date;host;x-amz-target, Signature=92beda60f09cc7e48cae749ece6dd79a13d0aacb22d92c28bd1a1307f453c099\r\nContent-Length: 2\r\n\r\n{}",
     "POST\n/\n\ncontent-type:application/x-amz-json-1.0\ndate:Sat, 09 Mar 2024 23:59:30 -0000\nhost:localhost:8000\nx-amz-target:DynamoDB_20120810.ListTables\n\ncontent-type;date;host;x-amz-target\n44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
     "AWS4-HMAC-SHA256\n20240309T235930Z\n20240309/us-east-1/dynamodb/aws4_request\nd41f43578a5e417b31069e5218a4edb12158613f69e80edcf6e40bef784fb990",
     "92beda60f09cc7e48cae749ece6dd79a13d0aacb22d92c28bd1a1307f453c099",
     0, 1},
    {"content_sha256",
     "POST / HTTP/1.1\r\nHost: localhost:8000\r\nContent-Type: application/x-amz-json-1.0\r\nX-Amz-Target: DynamoDB_20120810.PutItem\r\nX-Amz-Content-SHA256: e0a5dcabbbdea5bd0266dfd64a62263d3c81eb3fcfbeb1bf55bf508cbd8fed9a\r\nX-Amz-Date: 20240309T235930Z\r\nAuthorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240309/us-east-1/dynamodb/aws4_request, SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;x-amz-target, Signature=55f305b725af9216708af675815cd75e22dc435de37d4132ac07440ae93e309a\r\nContent-Length: 40\r\n\r\n{\"TableName\":\"t\",\"Item\":{\"k\":{\"S\":\"v\"}}}",
     "POST\n/\n\ncontent-type:application/x-amz-json-1.0\nhost:localhost:8000\nx-amz-content-sha256:e0a5dcabbbdea5bd0266dfd64a62263d3c81eb3fcfbeb1bf55bf508cbd8fed9a\nx-amz-date:20240309T235930Z\nx-amz-target:DynamoDB_20120810.PutItem\n\ncontent-type;host;x-amz-content-sha256;x-amz-date;x-amz-target\ne0a5dcabbbdea5bd0266dfd64a62263d3c81eb3fcfbeb1bf55bf508cbd8fed9a",
     "AWS4-HMAC-SHA256\n20240309T235930Z\n20240309/us-east-1/dynamodb/aws4_request\n39ff59d925597ae0fe4b7cff94b1e8332cba751b50af64a03f30dba723981915",
     "55f305b725af9216708af675815cd75e22dc435de37d4132ac07440ae93e309a",
     0, 1},
    {"content_sha256_wrong",
     "POST / HTTP/1.1\r\nHost: localhost:8000\r\nContent-Type: application/x-amz-json-1.0\r\nX-Amz-Target: DynamoDB_20120810.PutItem\r\nX-Amz-Content-SHA256: d9298a10d1b0735837dc4bd85dac641b0f3cef27a47e5d53a54f2f3f5b2fcffa\r\nX-Amz-Date: 20240309T235930Z\r\nAuthorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240309/us-east-1/dynamodb/aws4_request, SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;x-amz-target, Signature=d9325b4923d681ee2203520b8e6c0cf45095ead8b67f44a9b3f66937921fc5f3\r\nContent-Length: 40\r\n\r\n{\"TableName\":\"t\",\"Item\":{\"k\":{\"S\":\"v\"}}}",
     "POST\n/\n\ncontent-type:application/x-amz-json-1.0\nhost:localhost:8000\nx-amz-content-sha256:d9298a10d1b0735837dc4bd85dac641b0f3cef27a47e5d53a54f2f3f5b2fcffa\nx-amz-date:20240309T235930Z\nx-amz-target:DynamoDB_20120810.PutItem\n\ncontent-type;host;x-amz-content-sha256;x-amz-date;x-amz-target\nd9298a10d1b0735837dc4bd85dac641b0f3cef27a47e5d53a54f2f3f5b2fcffa",
     "AWS4-HMAC-SHA256\n20240309T235930Z\n20240309/us-east-1/dynamodb/aws4_request\n74c23585bd1835606ed12ac22bdc5655cfe30449057babe862bbec48d00c16f9",
     "d9325b4923d681ee2203520b8e6c0cf45095ead8b67f44a9b3f66937921fc5f3",
     0, 0},
    {"presigned",
     "POST /?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20240309%2Fus-east-1%2Fdynamodb%2Faws4_request&X-Amz-Date=20240309T235930Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=content-type%3Bhost%3Bx-amz-target&X-Amz-Signature=ba25968236551ade51bb9819e4ad34ab03c74b11a7dc58c504ef1ec0644d5235 HTTP/1.1\r\nHost: localhost:8000\r\nContent-Type: application/x-amz-json-1.0\r\nX-Amz-Target: DynamoDB_20120810.GetItem\r\nContent-Length: 50\r\n\r\n{\"TableName\": \"users\", \"Key\": {\"id\": {\"S\": \"u1\"}}}",
     "POST\n/\nX-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20240309%2Fus-east-1%2Fdynamodb%2Faws4_request&X-Amz-Date=20240309T235930Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=content-type%3Bhost%3Bx-amz-target\ncontent-type:application/x-amz-json-1.0\nhost:localhost:8000\nx-amz-target:DynamoDB_20120810.GetItem\n\ncontent-type;host;x-amz-target\nee6ecbf43ce030ba1e97f061bf77b6d081b1b4a230e1324636292fbad14c979b",
     "AWS4-HMAC-SHA256\n20240309T235930Z\n20240309/us-east-1/dynamodb/aws4_request\n9640c00910946e1803b5bedcfeda0929e037ecd8b162ab2e1691df5b4fa550b4",
     "ba25968236551ade51bb9819e4ad34ab03c74b11a7dc58c504ef1ec0644d5235",
     0, 1},
    {"presigned_token",
     "POST /?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20240309%2Fus-east-1%2Fdynamodb%2Faws4_request&X-Amz-Date=20240309T235930Z&X-Amz-Expires=60&X-Amz-SignedHeaders=content-type%3Bhost%3Bx-amz-target&X-Amz-Security-Token=IQoJb3JpZ2luX2VjEHAaCXVzLWVhc3QtMSJHMEUCIQ%2Btoken%2Fwith%3Dodd%2Bchars&X-Amz-Signature=3cdd9658ad3cba8c4beaf3d071f7b3674fc94b33bbc85545ed0764b56093c839 HTTP/1.1\r\nHost: localhost:8000\r\nContent-Type: application/x-amz-json-1.0\r\nX-Amz-Target: DynamoDB_20120810.ListTables\r\nContent-Length: 2\r\n\r\n{}",
     "POST\n/\nX-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20240309%2Fus-east-1%2Fdynamodb%2Faws4_request&X-Amz-Date=20240309T235930Z&X-Amz-Expires=60&X-Amz-Security-Token=IQoJb3JpZ2luX2VjEHAaCXVzLWVhc3QtMSJHMEUCIQ%2Btoken%2Fwith%3Dodd%2Bchars&X-Amz-SignedHeaders=content-type%3Bhost%3Bx-amz-target\ncontent-type:application/x-amz-json-1.0\nhost:localhost:8000\nx-amz-target:DynamoDB_20120810.ListTables\n\ncontent-type;host;x-amz-target\n44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
     "AWS4-HMAC-SHA256\n20240309T235930Z\n20240309/us-east-1/dynamodb/aws4_request\n76f93d0da39859856d536446a88f4cae3a8319c7d0fd352e91fe1a8903525ad1",
     "3cdd9658ad3cba8c4beaf3d071f7b3674fc94b33bbc85545ed0764b56093c839",
     1, 1},
};

#endif
