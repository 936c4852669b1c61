export * from './analyst-access';
export { AnalystWorkgroupAccess } from './analyst-workgroup';
