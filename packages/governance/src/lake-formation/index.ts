export * from './lake-formation-governance-props';
export * from './lake-formation-governance';
export { LAKE_FORMATION_VERIFY } from './verify';
export { DOMAIN_TAG, ZONE_TAG, SENSITIVITY_TAG, ZONES, SENSITIVITIES } from './tags';
