export * from './spark-job-spec';
