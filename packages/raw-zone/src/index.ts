export { AccessLogsBucket } from './access-logs-bucket';
export type { AccessLogsBucketProps } from './access-logs-bucket';
export { DATA_RETAINED_WARNING_ID, REMOVE_DATA_ON_DESTROY_CONTEXT, dataRemoval, warnDataRetained } from './data-removal';
export type { DataRemoval } from './data-removal';
export { RawZone } from './raw-zone';
export type { RawZoneProps } from './raw-zone-props';
