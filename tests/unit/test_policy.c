/* Unit tests of policy: Deny evaluation (principals, actions with
 * wildcards, resources, the Not- forms, conditions) and the canonical form
 * of a document. */
#include "policy.h"

#include "unit.h"

#define ME "arn:aws:iam::111122223333:user/alice"
#define TABLE "arn:aws:dynamodb:us-east-1:000000000000:table/t"

static const char *deny(const char *principal, const char *action, const char *resource)
{
    static char doc[1024];
    snprintf(doc, sizeof doc,
             "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":"
             "{\"AWS\":\"111122223333\"},\"Action\":\"dynamodb:*\",\"Resource\":\"*\"},"
             "{\"Effect\":\"Deny\",\"Principal\":%s,\"Action\":%s,\"Resource\":%s}]}",
             principal, action, resource);
    return doc;
}

static void test_principals(void)
{
    CHECK(policy_denies(deny("\"*\"", "\"dynamodb:*\"", "\"*\""), ME, "dynamodb:GetItem", TABLE));
    CHECK(policy_denies(deny("{\"AWS\":\"" ME "\"}", "\"*\"", "\"*\""), ME, "dynamodb:Query",
                        TABLE));
    CHECK(policy_denies(deny("{\"AWS\":[\"x\",\"111122223333\"]}", "\"*\"", "\"*\""), ME,
                        "dynamodb:Query", TABLE));
    CHECK(policy_denies(deny("{\"AWS\":\"arn:aws:iam::111122223333:root\"}", "\"*\"", "\"*\""),
                        ME, "dynamodb:Query", TABLE));
    CHECK(!policy_denies(deny("{\"AWS\":\"arn:aws:iam::999922223333:root\"}", "\"*\"", "\"*\""),
                         ME, "dynamodb:Query", TABLE));
    CHECK(!policy_denies(deny("{\"AWS\":\"arn:aws:iam::111122223333:user/bob\"}", "\"*\"",
                              "\"*\""),
                         ME, "dynamodb:Query", TABLE));
}

static void test_actions_and_resources(void)
{
    const char *d = deny("\"*\"", "[\"dynamodb:Get*\",\"dynamodb:Scan\"]", "\"" TABLE "\"");
    CHECK(policy_denies(d, ME, "dynamodb:GetItem", TABLE));
    CHECK(policy_denies(d, ME, "DynamoDB:getitem", TABLE)); /* actions ignore case */
    CHECK(policy_denies(d, ME, "dynamodb:Scan", TABLE));
    CHECK(!policy_denies(d, ME, "dynamodb:PutItem", TABLE));
    CHECK(!policy_denies(d, ME, "dynamodb:GetItem", TABLE "2"));
    CHECK(!policy_denies(d, ME, "dynamodb:GetItem", TABLE "/index/i"));
    d = deny("\"*\"", "\"dynamodb:?etItem\"", "\"arn:aws:dynamodb:*:*:table/t*\"");
    CHECK(policy_denies(d, ME, "dynamodb:GetItem", TABLE "/index/i"));
    CHECK(!policy_denies(d, ME, "dynamodb:GetItems", TABLE));
    CHECK(!policy_denies(d, ME, "dynamodb:GetItem", "arn:aws:dynamodb:us-east-1:0:table/T"));
}

static void test_not_forms_and_conditions(void)
{
    const char *d = "{\"Statement\":[{\"Effect\":\"Deny\",\"NotPrincipal\":{\"AWS\":\"" ME
                    "\"},\"NotAction\":\"dynamodb:Get*\",\"NotResource\":\"" TABLE "\"}]}";
    CHECK(!policy_denies(d, ME, "dynamodb:PutItem", TABLE "x"));
    CHECK(policy_denies(d, "arn:aws:iam::111122223333:user/bob", "dynamodb:PutItem", TABLE "x"));
    CHECK(!policy_denies(d, "arn:aws:iam::111122223333:user/bob", "dynamodb:GetItem", TABLE "x"));
    CHECK(!policy_denies(d, "arn:aws:iam::111122223333:user/bob", "dynamodb:PutItem", TABLE));
    d = "{\"Statement\":[{\"Effect\":\"Deny\",\"Principal\":\"*\",\"Action\":\"*\","
        "\"Resource\":\"*\",\"Condition\":{\"Bool\":{\"aws:SecureTransport\":\"false\"}}}]}";
    CHECK(!policy_denies(d, ME, "dynamodb:GetItem", TABLE));
    CHECK(!policy_denies(NULL, ME, "dynamodb:GetItem", TABLE));
    CHECK(!policy_denies("not json", ME, "dynamodb:GetItem", TABLE));
    /* only Deny statements deny */
    CHECK(!policy_denies(deny("{\"AWS\":\"x\"}", "\"dynamodb:*\"", "\"*\""), ME,
                         "dynamodb:GetItem", TABLE));
}

static void test_normalize(void)
{
    arena_t *a = arena_new(0);
    const char *out = NULL;
    const char *in = "{ \"Statement\" : { \"Resource\":[\"*\"], \"Action\":[\"dynamodb:GetItem\","
                     "\"dynamodb:Query\"], \"Principal\":{\"AWS\":[\"111122223333\"]}, "
                     "\"Effect\":\"Deny\" } }";
    CHECK(policy_normalize(a, in, strlen(in), false, &out) == NULL);
    CHECK_STR(out, "{\"Version\":\"2008-10-17\",\"Statement\":[{\"Effect\":\"Deny\","
                   "\"Principal\":{\"AWS\":\"arn:aws:iam::111122223333:root\"},\"Action\":"
                   "[\"dynamodb:GetItem\",\"dynamodb:Query\"],\"Resource\":\"*\"}]}");
    CHECK(policy_denies(out, ME, "dynamodb:Query", TABLE));
    ddb_error_t *e = policy_normalize(a, in, strlen(in), true, &out);
    CHECK(e && strstr(e->message, "The following action names are invalid: "
                                  "\"dynamodb:GetItem\", \"dynamodb:Query\""));
    e = policy_normalize(a, "[]", 2, false, &out);
    CHECK(e && strstr(e->message, "This policy contains invalid Json"));
    arena_free(a);
}

int main(void)
{
    RUN(test_principals);
    RUN(test_actions_and_resources);
    RUN(test_not_forms_and_conditions);
    RUN(test_normalize);
    return unit_report("policy");
}
