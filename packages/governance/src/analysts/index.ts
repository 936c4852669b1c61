export * from './analyst-access';
export type { AnalystWorkgroupAccess } from './analyst-workgroup';
