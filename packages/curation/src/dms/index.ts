export * from './dms-raw-format';
export * from './raw-zone-layout';
export * from './raw-zone-reader';
export * from './raw-zone-writer';
