export * from './governed-source';
export * from './lake-formation-settings';
export * from './source-governance';
export { LAKE_FORMATION_VERIFY } from './verify';
export { DOMAIN_TAG, ZONE_TAG, SENSITIVITY_TAG, ZONES, SENSITIVITIES } from './tags';
