export { LakehouseInterfaceEndpoint, DEFAULT_INTERFACE_ENDPOINTS } from './interface-endpoint';
export { LakehouseNetwork } from './lakehouse-network';
export type { ExistingVpcLookup, LakehouseNetworkProps } from './lakehouse-network-props';
