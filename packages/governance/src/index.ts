export * from './lake-formation';
export * from './analysts';
