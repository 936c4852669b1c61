/**
 * Lake Formation behaviour this package relies on but that no test here can prove (LF has no local emulator).
 * Each entry is one claim to check in a real account; the code that depends on it says `*verify*` and the claim.
 */
export const LAKE_FORMATION_VERIFY: readonly string[] = [
  'ALL on the table (by tag) is what Glue 5.0 full table access needs, with AllowFullTableExternalDataAccess on.',
  'A table inherits its database\'s LF-tags and a column its table\'s; a column-level value of the same key overrides them.',
  'A TABLE grant on an expression (zone=curated, sensitivity=general) reaches the matching columns of a table whose own'
    + ' (inherited) sensitivity is unclassified: the grantee sees the table with those columns only (column-level LF-TBAC).',
  'AddLFTagsToResource on a table and its columns needs ASSOCIATE on the tag values and DESCRIBE on the table (no ALTER).',
  'Revoking IAM_ALLOWED_PRINCIPALS on a database or table needs a data lake admin (the revoking Lambda\'s role is one).',
  'RevokePermissions fails with InvalidInputException "No permissions revoked" when IAM_ALLOWED_PRINCIPALS has nothing.',
  'A table permission on a tag expression lets its grantee see the table\'s database without a database grant (raw tables).',
  'The Athena curation Lambda\'s glue:UpdateTable on raw tables needs LF ALTER on them once IAM_ALLOWED_PRINCIPALS is revoked.',
  'DATA_LOCATION_ACCESS can be granted on a path under a registered location (the curated database\'s warehouse folder).',
  'Direct S3 reads by IAM (the Glue job reading raw change files by path) keep working after the bucket is registered.',
  'A database created with empty CreateTableDefaultPermissions (curation-aws does this) gives its new tables no'
    + ' IAM_ALLOWED_PRINCIPALS grant, so tables created after the revocation need no revoking.',
  'With MutationType APPEND, an update that drops an admin (a replaced Lambda role) removes it from the admins, and a'
    + ' stack delete removes the admins the stack added (a stale ARN in the list breaks later PutDataLakeSettings).',
  'Glue emits "Glue Data Catalog Table State Change" UpdateTable for every Iceberg commit; the tagger then only reads.',
  'The registration role needs only sts:AssumeRole from lakeformation.amazonaws.com (no sts:SetContext) for credential vending.',
];
