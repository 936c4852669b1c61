export { LakehouseInterfaceEndpoint, DEFAULT_INTERFACE_ENDPOINTS } from './interface-endpoint';
export { LakehouseNetwork } from './lakehouse-network';
export type { ExistingVpcLookup, LakehouseNetworkProps } from './lakehouse-network-props';
export { ReplicationNetwork } from './replication-network';
export type { IReplicationNetwork, ReplicationNetworkAttributes } from './replication-network';
