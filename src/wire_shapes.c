/* wire: the declared type of every request member, and the check of a whole
 * request against it; see wire.h.
 *
 * The service deserialises a request into its input shape before it
 * validates anything: a member of the wrong JSON type anywhere is a
 * SerializationException even when another member would fail validation,
 * and even when the operation never reads that member.  Handlers read
 * members when they need them, so this check runs first, over the whole
 * request in document order (the order a streaming deserialiser meets the
 * tokens).  The shapes follow the service model (API 2012-08-10, with the
 * members added since: ReturnValuesOnConditionCheckFailure,
 * DeletionProtectionEnabled, OnDemandThroughput, ResourcePolicy). */
#include <stdbool.h>

#include "wire.h"

struct wire_shape {
    wire_type_t type;
    const wire_shape_t *member;      /* WIRE_LIST element, WIRE_MAP value */
    const struct wire_field *fields; /* WIRE_STRUCT, WIRE_ATTRIBUTE_VALUE: NULL-terminated */
};

typedef struct wire_field {
    const char *name;
    const wire_shape_t *shape;
} wire_field_t;

#define FIELDS(...) ((const wire_field_t[]){__VA_ARGS__, {NULL, NULL}})
#define STRUCT(...) (&(const wire_shape_t){WIRE_STRUCT, NULL, FIELDS(__VA_ARGS__)})
#define LIST_OF(s) (&(const wire_shape_t){WIRE_LIST, (s), NULL})
#define MAP_OF(s) (&(const wire_shape_t){WIRE_MAP, (s), NULL})

/* The tables read best laid out by hand. */
/* clang-format off */
static const wire_shape_t STRING = {WIRE_STRING, NULL, NULL};
static const wire_shape_t BOOLEAN = {WIRE_BOOLEAN, NULL, NULL};
static const wire_shape_t LONG = {WIRE_LONG, NULL, NULL};
static const wire_shape_t INTEGER = {WIRE_INTEGER, NULL, NULL};
static const wire_shape_t BLOB = {WIRE_BLOB, NULL, NULL};
static const wire_shape_t TIMESTAMP = {WIRE_TIMESTAMP, NULL, NULL};
static const wire_shape_t DOUBLE = {WIRE_DOUBLE, NULL, NULL};

/* AttributeValue nests through M and L. */
static const wire_shape_t ATTRIBUTE_VALUE;
static const wire_shape_t VALUES = {WIRE_MAP, &ATTRIBUTE_VALUE, NULL}; /* Item, Key... */
static const wire_shape_t VALUE_LIST = {WIRE_LIST, &ATTRIBUTE_VALUE, NULL};
static const wire_shape_t ATTRIBUTE_VALUE = {
    WIRE_ATTRIBUTE_VALUE, NULL,
    FIELDS({"S", &STRING}, {"N", &STRING}, {"B", &BLOB}, {"SS", LIST_OF(&STRING)},
           {"NS", LIST_OF(&STRING)}, {"BS", LIST_OF(&BLOB)}, {"M", &VALUES}, {"L", &VALUE_LIST},
           {"NULL", &BOOLEAN}, {"BOOL", &BOOLEAN})};

static const wire_shape_t STRINGS = {WIRE_LIST, &STRING, NULL};
static const wire_shape_t NAMES = {WIRE_MAP, &STRING, NULL}; /* ExpressionAttributeNames */

/* Legacy conditions: Expected, and KeyConditions/QueryFilter/ScanFilter. */
static const wire_shape_t EXPECTED = {WIRE_MAP,
                                      STRUCT({"Value", &ATTRIBUTE_VALUE}, {"Exists", &BOOLEAN},
                                             {"ComparisonOperator", &STRING},
                                             {"AttributeValueList", &VALUE_LIST}),
                                      NULL};
static const wire_shape_t CONDITIONS = {
    WIRE_MAP, STRUCT({"AttributeValueList", &VALUE_LIST}, {"ComparisonOperator", &STRING}), NULL};

/* Tables. */
static const wire_shape_t KEY_SCHEMA = {
    WIRE_LIST, STRUCT({"AttributeName", &STRING}, {"KeyType", &STRING}), NULL};
static const wire_shape_t ATTRIBUTE_DEFINITIONS = {
    WIRE_LIST, STRUCT({"AttributeName", &STRING}, {"AttributeType", &STRING}), NULL};
static const wire_shape_t PROJECTION = {
    WIRE_STRUCT, NULL, FIELDS({"ProjectionType", &STRING}, {"NonKeyAttributes", &STRINGS})};
static const wire_shape_t THROUGHPUT = {
    WIRE_STRUCT, NULL, FIELDS({"ReadCapacityUnits", &LONG}, {"WriteCapacityUnits", &LONG})};
static const wire_shape_t ON_DEMAND = {
    WIRE_STRUCT, NULL, FIELDS({"MaxReadRequestUnits", &LONG}, {"MaxWriteRequestUnits", &LONG})};
static const wire_shape_t STREAM = {
    WIRE_STRUCT, NULL, FIELDS({"StreamEnabled", &BOOLEAN}, {"StreamViewType", &STRING})};
static const wire_shape_t SSE = {
    WIRE_STRUCT, NULL,
    FIELDS({"Enabled", &BOOLEAN}, {"SSEType", &STRING}, {"KMSMasterKeyId", &STRING})};
static const wire_shape_t GSI = {
    WIRE_STRUCT, NULL,
    FIELDS({"IndexName", &STRING}, {"KeySchema", &KEY_SCHEMA}, {"Projection", &PROJECTION},
           {"ProvisionedThroughput", &THROUGHPUT}, {"OnDemandThroughput", &ON_DEMAND})};
static const wire_shape_t THROUGHPUT_OVERRIDE = {WIRE_STRUCT, NULL,
                                                 FIELDS({"ReadCapacityUnits", &LONG})};
static const wire_shape_t ON_DEMAND_OVERRIDE = {WIRE_STRUCT, NULL,
                                                FIELDS({"MaxReadRequestUnits", &LONG})};
static const wire_shape_t REPLICA = {
    WIRE_STRUCT, NULL,
    FIELDS({"RegionName", &STRING}, {"KMSMasterKeyId", &STRING},
           {"ProvisionedThroughputOverride", &THROUGHPUT_OVERRIDE},
           {"OnDemandThroughputOverride", &ON_DEMAND_OVERRIDE},
           {"GlobalSecondaryIndexes",
            LIST_OF(STRUCT({"IndexName", &STRING},
                           {"ProvisionedThroughputOverride", &THROUGHPUT_OVERRIDE},
                           {"OnDemandThroughputOverride", &ON_DEMAND_OVERRIDE}))},
           {"TableClassOverride", &STRING})};

const wire_shape_t WIRE_REQUEST_CREATE_TABLE = {
    WIRE_STRUCT, NULL,
    FIELDS(
        {"AttributeDefinitions", &ATTRIBUTE_DEFINITIONS}, {"TableName", &STRING},
        {"KeySchema", &KEY_SCHEMA},
        {"LocalSecondaryIndexes", LIST_OF(STRUCT({"IndexName", &STRING}, {"KeySchema", &KEY_SCHEMA},
                                                 {"Projection", &PROJECTION}))},
        {"GlobalSecondaryIndexes", LIST_OF(&GSI)}, {"BillingMode", &STRING},
        {"ProvisionedThroughput", &THROUGHPUT}, {"StreamSpecification", &STREAM},
        {"SSESpecification", &SSE}, {"Tags", LIST_OF(STRUCT({"Key", &STRING}, {"Value", &STRING}))},
        {"TableClass", &STRING}, {"DeletionProtectionEnabled", &BOOLEAN},
        {"OnDemandThroughput", &ON_DEMAND}, {"ResourcePolicy", &STRING})};

const wire_shape_t WIRE_REQUEST_UPDATE_TABLE = {
    WIRE_STRUCT, NULL,
    FIELDS({"AttributeDefinitions", &ATTRIBUTE_DEFINITIONS}, {"TableName", &STRING},
           {"BillingMode", &STRING}, {"ProvisionedThroughput", &THROUGHPUT},
           {"GlobalSecondaryIndexUpdates",
            LIST_OF(STRUCT(
                {"Update", STRUCT({"IndexName", &STRING}, {"ProvisionedThroughput", &THROUGHPUT},
                                  {"OnDemandThroughput", &ON_DEMAND})},
                {"Create", &GSI}, {"Delete", STRUCT({"IndexName", &STRING})}))},
           {"StreamSpecification", &STREAM}, {"SSESpecification", &SSE},
           {"ReplicaUpdates", LIST_OF(STRUCT({"Create", &REPLICA}, {"Update", &REPLICA},
                                             {"Delete", STRUCT({"RegionName", &STRING})}))},
           {"TableClass", &STRING}, {"DeletionProtectionEnabled", &BOOLEAN},
           {"MultiRegionConsistency", &STRING},
           {"GlobalTableWitnessUpdates",
            LIST_OF(STRUCT({"Create", STRUCT({"RegionName", &STRING})},
                           {"Delete", STRUCT({"RegionName", &STRING})}))},
           {"OnDemandThroughput", &ON_DEMAND}, {"GlobalTableSettingsReplicationMode", &STRING})};

const wire_shape_t WIRE_REQUEST_TABLE_NAME = {WIRE_STRUCT, NULL, FIELDS({"TableName", &STRING})};

const wire_shape_t WIRE_REQUEST_LIST_TABLES = {
    WIRE_STRUCT, NULL, FIELDS({"ExclusiveStartTableName", &STRING}, {"Limit", &INTEGER})};

/* Items.  The members every single-item write shares. */
#define WRITE_COMMON                                                                       \
    {"ReturnValues", &STRING}, {"ReturnConsumedCapacity", &STRING},                        \
    {"ReturnItemCollectionMetrics", &STRING}, {"ConditionalOperator", &STRING},            \
    {"ConditionExpression", &STRING}, {"ExpressionAttributeNames", &NAMES},                \
    {"ExpressionAttributeValues", &VALUES}, {"Expected", &EXPECTED},                       \
    {"ReturnValuesOnConditionCheckFailure", &STRING}

const wire_shape_t WIRE_REQUEST_PUT_ITEM = {
    WIRE_STRUCT, NULL, FIELDS({"TableName", &STRING}, {"Item", &VALUES}, WRITE_COMMON)};
const wire_shape_t WIRE_REQUEST_DELETE_ITEM = {
    WIRE_STRUCT, NULL, FIELDS({"TableName", &STRING}, {"Key", &VALUES}, WRITE_COMMON)};
const wire_shape_t WIRE_REQUEST_UPDATE_ITEM = {
    WIRE_STRUCT, NULL,
    FIELDS({"TableName", &STRING}, {"Key", &VALUES},
           {"AttributeUpdates", MAP_OF(STRUCT({"Value", &ATTRIBUTE_VALUE}, {"Action", &STRING}))},
           {"UpdateExpression", &STRING}, WRITE_COMMON)};
const wire_shape_t WIRE_REQUEST_GET_ITEM = {
    WIRE_STRUCT, NULL,
    FIELDS({"TableName", &STRING}, {"Key", &VALUES}, {"AttributesToGet", &STRINGS},
           {"ConsistentRead", &BOOLEAN}, {"ReturnConsumedCapacity", &STRING},
           {"ProjectionExpression", &STRING}, {"ExpressionAttributeNames", &NAMES})};

const wire_shape_t WIRE_REQUEST_BATCH_GET_ITEM = {
    WIRE_STRUCT, NULL,
    FIELDS({"RequestItems",
            MAP_OF(STRUCT({"Keys", LIST_OF(&VALUES)}, {"AttributesToGet", &STRINGS},
                          {"ConsistentRead", &BOOLEAN}, {"ProjectionExpression", &STRING},
                          {"ExpressionAttributeNames", &NAMES}))},
           {"ReturnConsumedCapacity", &STRING})};
const wire_shape_t WIRE_REQUEST_BATCH_WRITE_ITEM = {
    WIRE_STRUCT, NULL,
    FIELDS({"RequestItems", MAP_OF(LIST_OF(STRUCT({"PutRequest", STRUCT({"Item", &VALUES})},
                                                  {"DeleteRequest", STRUCT({"Key", &VALUES})})))},
           {"ReturnConsumedCapacity", &STRING}, {"ReturnItemCollectionMetrics", &STRING})};

#define TRANSACT_COMMON                                                                    \
    {"TableName", &STRING}, {"ConditionExpression", &STRING},                              \
    {"ExpressionAttributeNames", &NAMES}, {"ExpressionAttributeValues", &VALUES},          \
    {"ReturnValuesOnConditionCheckFailure", &STRING}

const wire_shape_t WIRE_REQUEST_TRANSACT_WRITE_ITEMS = {
    WIRE_STRUCT, NULL,
    FIELDS({"TransactItems",
            LIST_OF(STRUCT({"ConditionCheck", STRUCT({"Key", &VALUES}, TRANSACT_COMMON)},
                           {"Put", STRUCT({"Item", &VALUES}, TRANSACT_COMMON)},
                           {"Delete", STRUCT({"Key", &VALUES}, TRANSACT_COMMON)},
                           {"Update", STRUCT({"Key", &VALUES}, {"UpdateExpression", &STRING},
                                             TRANSACT_COMMON)}))},
           {"ReturnConsumedCapacity", &STRING}, {"ReturnItemCollectionMetrics", &STRING},
           {"ClientRequestToken", &STRING})};
const wire_shape_t WIRE_REQUEST_TRANSACT_GET_ITEMS = {
    WIRE_STRUCT, NULL,
    FIELDS(
        {"TransactItems", LIST_OF(STRUCT({"Get", STRUCT({"Key", &VALUES}, {"TableName", &STRING},
                                                        {"ProjectionExpression", &STRING},
                                                        {"ExpressionAttributeNames", &NAMES})}))},
        {"ReturnConsumedCapacity", &STRING})};

/* Query and Scan. */
#define READ_COMMON                                                                        \
    {"TableName", &STRING}, {"IndexName", &STRING}, {"Select", &STRING},                   \
    {"AttributesToGet", &STRINGS}, {"Limit", &INTEGER}, {"ConsistentRead", &BOOLEAN},      \
    {"ConditionalOperator", &STRING}, {"ExclusiveStartKey", &VALUES},                      \
    {"ReturnConsumedCapacity", &STRING}, {"ProjectionExpression", &STRING},                \
    {"FilterExpression", &STRING}, {"ExpressionAttributeNames", &NAMES},                   \
    {"ExpressionAttributeValues", &VALUES}

const wire_shape_t WIRE_REQUEST_QUERY = {
    WIRE_STRUCT, NULL,
    FIELDS(READ_COMMON, {"KeyConditions", &CONDITIONS}, {"QueryFilter", &CONDITIONS},
           {"ScanIndexForward", &BOOLEAN}, {"KeyConditionExpression", &STRING})};
const wire_shape_t WIRE_REQUEST_SCAN = {WIRE_STRUCT, NULL,
                                  FIELDS(READ_COMMON, {"ScanFilter", &CONDITIONS},
                                         {"TotalSegments", &INTEGER}, {"Segment", &INTEGER})};

/* PartiQL. */
const wire_shape_t WIRE_REQUEST_EXECUTE_STATEMENT = {
    WIRE_STRUCT, NULL,
    FIELDS({"Statement", &STRING}, {"Parameters", &VALUE_LIST}, {"ConsistentRead", &BOOLEAN},
           {"NextToken", &STRING}, {"ReturnConsumedCapacity", &STRING}, {"Limit", &INTEGER},
           {"ReturnValuesOnConditionCheckFailure", &STRING})};
const wire_shape_t WIRE_REQUEST_BATCH_EXECUTE_STATEMENT = {
    WIRE_STRUCT, NULL,
    FIELDS({"Statements",
            LIST_OF(STRUCT({"Statement", &STRING}, {"Parameters", &VALUE_LIST},
                           {"ConsistentRead", &BOOLEAN},
                           {"ReturnValuesOnConditionCheckFailure", &STRING}))},
           {"ReturnConsumedCapacity", &STRING})};
const wire_shape_t WIRE_REQUEST_EXECUTE_TRANSACTION = {
    WIRE_STRUCT, NULL,
    FIELDS({"TransactStatements",
            LIST_OF(STRUCT({"Statement", &STRING}, {"Parameters", &VALUE_LIST},
                           {"ReturnValuesOnConditionCheckFailure", &STRING}))},
           {"ClientRequestToken", &STRING}, {"ReturnConsumedCapacity", &STRING})};

/* Time to Live. */
const wire_shape_t WIRE_REQUEST_UPDATE_TIME_TO_LIVE = {
    WIRE_STRUCT, NULL,
    FIELDS({"TableName", &STRING},
           {"TimeToLiveSpecification", STRUCT({"Enabled", &BOOLEAN}, {"AttributeName", &STRING})})};

/* Tags. */
const wire_shape_t WIRE_REQUEST_TAG_RESOURCE = {
    WIRE_STRUCT, NULL,
    FIELDS({"ResourceArn", &STRING},
           {"Tags", LIST_OF(STRUCT({"Key", &STRING}, {"Value", &STRING}))})};
const wire_shape_t WIRE_REQUEST_UNTAG_RESOURCE = {
    WIRE_STRUCT, NULL, FIELDS({"ResourceArn", &STRING}, {"TagKeys", &STRINGS})};
const wire_shape_t WIRE_REQUEST_LIST_TAGS_OF_RESOURCE = {
    WIRE_STRUCT, NULL, FIELDS({"ResourceArn", &STRING}, {"NextToken", &STRING})};

/* Resource-based policies. */
const wire_shape_t WIRE_REQUEST_PUT_RESOURCE_POLICY = {
    WIRE_STRUCT, NULL,
    FIELDS({"ResourceArn", &STRING}, {"Policy", &STRING}, {"ExpectedRevisionId", &STRING},
           {"ConfirmRemoveSelfResourceAccess", &BOOLEAN})};
const wire_shape_t WIRE_REQUEST_RESOURCE_ARN = {WIRE_STRUCT, NULL,
                                                FIELDS({"ResourceArn", &STRING})};
const wire_shape_t WIRE_REQUEST_DELETE_RESOURCE_POLICY = {
    WIRE_STRUCT, NULL, FIELDS({"ResourceArn", &STRING}, {"ExpectedRevisionId", &STRING})};

/* On-demand backups. */
const wire_shape_t WIRE_REQUEST_CREATE_BACKUP = {
    WIRE_STRUCT, NULL, FIELDS({"TableName", &STRING}, {"BackupName", &STRING})};
const wire_shape_t WIRE_REQUEST_BACKUP_ARN = {WIRE_STRUCT, NULL, FIELDS({"BackupArn", &STRING})};
const wire_shape_t WIRE_REQUEST_LIST_BACKUPS = {
    WIRE_STRUCT, NULL,
    FIELDS({"TableName", &STRING}, {"Limit", &INTEGER}, {"TimeRangeLowerBound", &TIMESTAMP},
           {"TimeRangeUpperBound", &TIMESTAMP}, {"ExclusiveStartBackupArn", &STRING},
           {"BackupType", &STRING})};
/* The overrides both restores take. */
#define RESTORE_OVERRIDES                                                                          \
    {"BillingModeOverride", &STRING}, {"GlobalSecondaryIndexOverride", LIST_OF(&GSI)},             \
        {"LocalSecondaryIndexOverride",                                                            \
         LIST_OF(STRUCT({"IndexName", &STRING}, {"KeySchema", &KEY_SCHEMA},                        \
                        {"Projection", &PROJECTION}))},                                            \
        {"ProvisionedThroughputOverride", &THROUGHPUT},                                            \
        {"OnDemandThroughputOverride", &ON_DEMAND}, {"SSESpecificationOverride", &SSE},            \
        {"VectorIndexOverride", LIST_OF(STRUCT({"IndexName", &STRING}))}
const wire_shape_t WIRE_REQUEST_RESTORE_TABLE_FROM_BACKUP = {
    WIRE_STRUCT, NULL,
    FIELDS({"TargetTableName", &STRING}, {"BackupArn", &STRING}, RESTORE_OVERRIDES)};

/* Point-in-time recovery. */
const wire_shape_t WIRE_REQUEST_UPDATE_CONTINUOUS_BACKUPS = {
    WIRE_STRUCT, NULL,
    FIELDS({"TableName", &STRING},
           {"PointInTimeRecoverySpecification",
            STRUCT({"PointInTimeRecoveryEnabled", &BOOLEAN},
                   {"RecoveryPeriodInDays", &INTEGER})})};
const wire_shape_t WIRE_REQUEST_RESTORE_TABLE_TO_POINT_IN_TIME = {
    WIRE_STRUCT, NULL,
    FIELDS({"SourceTableArn", &STRING}, {"SourceTableName", &STRING},
           {"TargetTableName", &STRING}, {"UseLatestRestorableTime", &BOOLEAN},
           {"RestoreDateTime", &TIMESTAMP}, RESTORE_OVERRIDES)};

/* Exports. */
const wire_shape_t WIRE_REQUEST_EXPORT_TABLE = {
    WIRE_STRUCT, NULL,
    FIELDS({"TableArn", &STRING}, {"ExportTime", &TIMESTAMP}, {"ClientToken", &STRING},
           {"S3Bucket", &STRING}, {"S3BucketOwner", &STRING}, {"S3Prefix", &STRING},
           {"S3SseAlgorithm", &STRING}, {"S3SseKmsKeyId", &STRING}, {"ExportFormat", &STRING},
           {"ExportType", &STRING},
           {"IncrementalExportSpecification",
            STRUCT({"ExportFromTime", &TIMESTAMP}, {"ExportToTime", &TIMESTAMP},
                   {"ExportViewType", &STRING})})};
const wire_shape_t WIRE_REQUEST_DESCRIBE_EXPORT = {WIRE_STRUCT, NULL,
                                                   FIELDS({"ExportArn", &STRING})};
const wire_shape_t WIRE_REQUEST_LIST_EXPORTS = {
    WIRE_STRUCT, NULL,
    FIELDS({"TableArn", &STRING}, {"MaxResults", &INTEGER}, {"NextToken", &STRING})};

/* Imports. */
const wire_shape_t WIRE_REQUEST_IMPORT_TABLE = {
    WIRE_STRUCT, NULL,
    FIELDS({"ClientToken", &STRING},
           {"S3BucketSource", STRUCT({"S3BucketOwner", &STRING}, {"S3Bucket", &STRING},
                                     {"S3KeyPrefix", &STRING})},
           {"InputFormat", &STRING},
           {"InputFormatOptions", STRUCT({"Csv", STRUCT({"Delimiter", &STRING},
                                                        {"HeaderList", &STRINGS})})},
           {"InputCompressionType", &STRING},
           {"TableCreationParameters",
            STRUCT({"TableName", &STRING}, {"AttributeDefinitions", &ATTRIBUTE_DEFINITIONS},
                   {"KeySchema", &KEY_SCHEMA}, {"BillingMode", &STRING},
                   {"ProvisionedThroughput", &THROUGHPUT}, {"OnDemandThroughput", &ON_DEMAND},
                   {"SSESpecification", &SSE}, {"GlobalSecondaryIndexes", LIST_OF(&GSI)})})};
const wire_shape_t WIRE_REQUEST_DESCRIBE_IMPORT = {WIRE_STRUCT, NULL,
                                                   FIELDS({"ImportArn", &STRING})};
const wire_shape_t WIRE_REQUEST_LIST_IMPORTS = {
    WIRE_STRUCT, NULL,
    FIELDS({"TableArn", &STRING}, {"PageSize", &INTEGER}, {"NextToken", &STRING})};

/* Contributor Insights. */
const wire_shape_t WIRE_REQUEST_DESCRIBE_CONTRIBUTOR_INSIGHTS = {
    WIRE_STRUCT, NULL, FIELDS({"TableName", &STRING}, {"IndexName", &STRING})};
const wire_shape_t WIRE_REQUEST_UPDATE_CONTRIBUTOR_INSIGHTS = {
    WIRE_STRUCT, NULL,
    FIELDS({"TableName", &STRING}, {"IndexName", &STRING}, {"ContributorInsightsAction", &STRING},
           {"ContributorInsightsMode", &STRING})};
const wire_shape_t WIRE_REQUEST_LIST_CONTRIBUTOR_INSIGHTS = {
    WIRE_STRUCT, NULL,
    FIELDS({"TableName", &STRING}, {"NextToken", &STRING}, {"MaxResults", &INTEGER})};

/* Global tables: version 2017.11.29 and replica auto scaling. */
static const wire_shape_t AUTO_SCALING_UPDATE = {
    WIRE_STRUCT, NULL,
    FIELDS({"MinimumUnits", &LONG}, {"MaximumUnits", &LONG}, {"AutoScalingDisabled", &BOOLEAN},
           {"AutoScalingRoleArn", &STRING},
           {"ScalingPolicyUpdate",
            STRUCT({"PolicyName", &STRING},
                   {"TargetTrackingScalingPolicyConfiguration",
                    STRUCT({"DisableScaleIn", &BOOLEAN}, {"ScaleInCooldown", &INTEGER},
                           {"ScaleOutCooldown", &INTEGER}, {"TargetValue", &DOUBLE})})})};
const wire_shape_t WIRE_REQUEST_CREATE_GLOBAL_TABLE = {
    WIRE_STRUCT, NULL,
    FIELDS({"GlobalTableName", &STRING},
           {"ReplicationGroup", LIST_OF(STRUCT({"RegionName", &STRING}))})};
const wire_shape_t WIRE_REQUEST_UPDATE_GLOBAL_TABLE = {
    WIRE_STRUCT, NULL,
    FIELDS({"GlobalTableName", &STRING},
           {"ReplicaUpdates", LIST_OF(STRUCT({"Create", STRUCT({"RegionName", &STRING})},
                                             {"Delete", STRUCT({"RegionName", &STRING})}))})};
const wire_shape_t WIRE_REQUEST_GLOBAL_TABLE_NAME = {WIRE_STRUCT, NULL,
                                                     FIELDS({"GlobalTableName", &STRING})};
const wire_shape_t WIRE_REQUEST_LIST_GLOBAL_TABLES = {
    WIRE_STRUCT, NULL,
    FIELDS({"ExclusiveStartGlobalTableName", &STRING}, {"Limit", &INTEGER},
           {"RegionName", &STRING})};
const wire_shape_t WIRE_REQUEST_UPDATE_GLOBAL_TABLE_SETTINGS = {
    WIRE_STRUCT, NULL,
    FIELDS({"GlobalTableName", &STRING}, {"GlobalTableBillingMode", &STRING},
           {"GlobalTableProvisionedWriteCapacityUnits", &LONG},
           {"GlobalTableProvisionedWriteCapacityAutoScalingSettingsUpdate", &AUTO_SCALING_UPDATE},
           {"GlobalTableGlobalSecondaryIndexSettingsUpdate",
            LIST_OF(STRUCT({"IndexName", &STRING}, {"ProvisionedWriteCapacityUnits", &LONG},
                           {"ProvisionedWriteCapacityAutoScalingSettingsUpdate",
                            &AUTO_SCALING_UPDATE}))},
           {"ReplicaSettingsUpdate",
            LIST_OF(STRUCT({"RegionName", &STRING}, {"ReplicaProvisionedReadCapacityUnits", &LONG},
                           {"ReplicaProvisionedReadCapacityAutoScalingSettingsUpdate",
                            &AUTO_SCALING_UPDATE},
                           {"ReplicaGlobalSecondaryIndexSettingsUpdate",
                            LIST_OF(STRUCT({"IndexName", &STRING},
                                           {"ProvisionedReadCapacityUnits", &LONG},
                                           {"ProvisionedReadCapacityAutoScalingSettingsUpdate",
                                            &AUTO_SCALING_UPDATE}))},
                           {"ReplicaTableClass", &STRING}))})};
const wire_shape_t WIRE_REQUEST_UPDATE_TABLE_REPLICA_AUTO_SCALING = {
    WIRE_STRUCT, NULL,
    FIELDS({"GlobalSecondaryIndexUpdates",
            LIST_OF(STRUCT({"IndexName", &STRING},
                           {"ProvisionedWriteCapacityAutoScalingUpdate", &AUTO_SCALING_UPDATE}))},
           {"TableName", &STRING},
           {"ProvisionedWriteCapacityAutoScalingUpdate", &AUTO_SCALING_UPDATE},
           {"ReplicaUpdates",
            LIST_OF(STRUCT({"RegionName", &STRING},
                           {"ReplicaGlobalSecondaryIndexUpdates",
                            LIST_OF(STRUCT({"IndexName", &STRING},
                                           {"ProvisionedReadCapacityAutoScalingUpdate",
                                            &AUTO_SCALING_UPDATE}))},
                           {"ReplicaProvisionedReadCapacityAutoScalingUpdate",
                            &AUTO_SCALING_UPDATE}))})};

/* DescribeEndpoints, DescribeLimits: no members. */
const wire_shape_t WIRE_REQUEST_EMPTY = {WIRE_STRUCT, NULL, (const wire_field_t[]){{NULL, NULL}}};

/* DynamoDB Streams. */
const wire_shape_t WIRE_REQUEST_LIST_STREAMS = {
    WIRE_STRUCT, NULL,
    FIELDS({"TableName", &STRING}, {"Limit", &INTEGER}, {"ExclusiveStartStreamArn", &STRING})};
const wire_shape_t WIRE_REQUEST_DESCRIBE_STREAM = {
    WIRE_STRUCT, NULL,
    FIELDS({"StreamArn", &STRING}, {"Limit", &INTEGER}, {"ExclusiveStartShardId", &STRING},
           {"ShardFilter", STRUCT({"Type", &STRING}, {"ShardId", &STRING})})};
const wire_shape_t WIRE_REQUEST_GET_SHARD_ITERATOR = {
    WIRE_STRUCT, NULL,
    FIELDS({"StreamArn", &STRING}, {"ShardId", &STRING}, {"ShardIteratorType", &STRING},
           {"SequenceNumber", &STRING})};
const wire_shape_t WIRE_REQUEST_GET_RECORDS = {
    WIRE_STRUCT, NULL, FIELDS({"ShardIterator", &STRING}, {"Limit", &INTEGER})};

/* clang-format on */

/* A request key (not NUL-terminated, may hold a NUL) against a field name:
 * inline, and never reads past the field name's end. */
static bool name_is(const char *field, const char *name, size_t len)
{
    size_t i = 0;
    while (i < len && field[i] != '\0' && field[i] == name[i])
        i++;
    return i == len && field[i] == '\0';
}

static const wire_shape_t *field_shape(const wire_shape_t *s, const char *name, size_t len)
{
    for (const wire_field_t *f = s->fields; f->name; f++)
        if (name_is(f->name, name, len)) return f->shape;
    return NULL; /* unknown members are ignored, as the service ignores them */
}

/* as_field: j is a member of a structure (an AttributeValue there reads as
 * a structure: Expected.x.Value, AttributeUpdates.x.Value). */
static ddb_error_t *check(arena_t *a, const json_value_t *j, const wire_shape_t *s, bool as_field)
{
    if (j->type == JSON_NULL) return NULL; /* absent; elements and values: the handler's call */
    /* the JSON types each wire type accepts; wire_check words the refusal */
    static const unsigned accepts[] = {
        [WIRE_STRING] = 1u << JSON_STRING,
        [WIRE_BOOLEAN] = 1u << JSON_TRUE | 1u << JSON_FALSE,
        [WIRE_LONG] = 1u << JSON_NUMBER,
        [WIRE_INTEGER] = 1u << JSON_NUMBER,
        [WIRE_BLOB] = 1u << JSON_STRING,
        [WIRE_LIST] = 1u << JSON_ARRAY,
        [WIRE_MAP] = 1u << JSON_OBJECT,
        [WIRE_STRUCT] = 1u << JSON_OBJECT,
        [WIRE_ATTRIBUTE_VALUE] = 1u << JSON_OBJECT,
        [WIRE_TIMESTAMP] = 1u << JSON_NUMBER,
        [WIRE_DOUBLE] = 1u << JSON_NUMBER,
    };
    ddb_error_t *e;
    if (!(accepts[s->type] & 1u << j->type)) {
        wire_type_t want = s->type == WIRE_ATTRIBUTE_VALUE && as_field ? WIRE_STRUCT : s->type;
        return wire_check(a, j, want);
    }
    switch (s->type) {
    case WIRE_LIST:
        for (size_t i = 0; i < j->u.array.count; i++)
            if ((e = check(a, j->u.array.items[i], s->member, false))) return e;
        return NULL;
    case WIRE_MAP:
        for (size_t i = 0; i < j->u.object.count; i++)
            if ((e = check(a, j->u.object.members[i].value, s->member, false))) return e;
        return NULL;
    case WIRE_STRUCT:
    case WIRE_ATTRIBUTE_VALUE:
        for (size_t i = 0; i < j->u.object.count; i++) {
            const json_member_t *m = &j->u.object.members[i];
            const wire_shape_t *f = field_shape(s, m->key, m->key_len);
            if (f && (e = check(a, m->value, f, true))) return e;
        }
        return NULL;
    default: return NULL;
    }
}

ddb_error_t *wire_check_request(arena_t *a, const wire_shape_t *shape, const json_value_t *req)
{
    return shape ? check(a, req, shape, false) : NULL;
}
