/* policy: resource-based policy documents (IAM policy language) of tables
 * and streams.
 *
 * policy_normalize checks a document as PutResourcePolicy and CreateTable
 * do (size, JSON, Version, the shape of each Statement, action names,
 * principals, no unbounded Allow) and gives the canonical text the service
 * reads back: minified, elements in the order Version, Id, Statement and,
 * per statement, Sid, Effect, (Not)Principal, (Not)Action, (Not)Resource,
 * Condition; one-element lists as plain strings; account-id principals as
 * root ARNs; "Version":"2008-10-17" when it was left out.  Two documents
 * are the same policy exactly when their canonical texts are equal.
 *
 * policy_denies evaluates the explicit Deny statements of a document for
 * one request, without any other state: it is what authorisation calls once
 * a request's principal is known.
 */
#ifndef DDBD_POLICY_H
#define DDBD_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "errors.h"

#define POLICY_MAX_BYTES 20480

/* stream: the document is for a stream (its actions are the stream
 * actions) rather than a table.  *out: the canonical text, in the arena. */
ddb_error_t *policy_normalize(arena_t *a, const char *doc, size_t len, bool stream,
                              const char **out);

/* Whether a Deny statement of policy (a document policy_normalize
 * accepted) applies to principal_arn ("arn:aws:iam::<account>:user/x"),
 * action ("dynamodb:GetItem") and resource_arn.  Principal, Action and
 * Resource match with the policy language's wildcards (* and ?; actions
 * ignore case), account principals match every principal of the account,
 * and the Not- forms match what their lists do not.  Statements with a
 * Condition are not evaluated here: their keys (source address, time...)
 * are not known to this function, so they never deny. */
bool policy_denies(const char *policy, const char *principal_arn, const char *action,
                   const char *resource_arn);

#endif
