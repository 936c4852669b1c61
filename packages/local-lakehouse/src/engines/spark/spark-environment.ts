import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LakehouseError } from '../../errors';

/** The Spark and Iceberg versions of AWS Glue 5.0, which `scripts/install-spark.sh` installs. */
export const SPARK_VERSIONS = Object.freeze({ spark: '3.5.4', iceberg: '1.7.1' });

/** The Iceberg Spark runtime jar the installer puts into `<spark home>/jars/`. */
export const ICEBERG_RUNTIME_JAR = `iceberg-spark-runtime-3.5_2.12-${SPARK_VERSIONS.iceberg}.jar`;

/** The Python package of the curation job core, under `glue-scripts/src`. */
export const JOB_CORE_PACKAGE = 'lakehouse_curation';

/** What the Spark engine needs to start the job core. */
export interface SparkEnvironment {
  /** The installed home: `venv/` (PySpark) and `jars/` (Iceberg runtime). */
  readonly home: string;
  /** `<home>/venv/bin/python`. */
  readonly python: string;
  /** The repository's `glue-scripts` folder; its `src` goes on PYTHONPATH. */
  readonly glueScripts: string;
}

/** The default home: `$HOME/.cache/cdc-lakehouse/spark-3.5.4-iceberg-1.7.1`, as the installer uses it. */
export function defaultSparkHome(): string {
  return path.join(os.homedir(), '.cache', 'cdc-lakehouse', `spark-${SPARK_VERSIONS.spark}-iceberg-${SPARK_VERSIONS.iceberg}`);
}

/**
 * The `glue-scripts` folder: `LAKEHOUSE_GLUE_SCRIPTS`, else the first directory above `from` (this
 * package's compiled or source folder inside the monorepo) that holds `glue-scripts/curate_table.py`.
 */
export function findGlueScripts(env: NodeJS.ProcessEnv = process.env, from: string = __dirname): string {
  const override = env.LAKEHOUSE_GLUE_SCRIPTS;
  if (override) {
    if (!fs.existsSync(path.join(override, 'src', JOB_CORE_PACKAGE))) {
      throw new LakehouseError(`LAKEHOUSE_GLUE_SCRIPTS=${override} has no src/${JOB_CORE_PACKAGE}; point it at the repository's glue-scripts folder`);
    }
    return path.resolve(override);
  }
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'glue-scripts');
    if (fs.existsSync(path.join(candidate, 'curate_table.py'))) {
      if (!fs.existsSync(path.join(candidate, 'src', JOB_CORE_PACKAGE))) {
        throw new LakehouseError(`${candidate} has no src/${JOB_CORE_PACKAGE} (the Spark job core); update the checkout`);
      }
      return candidate;
    }
    if (path.dirname(dir) === dir) break;
  }
  throw new LakehouseError('--engine spark needs the repository\'s glue-scripts folder (the Spark job core) and found none above '
    + `${from}; run from a checkout of the repository or set LAKEHOUSE_GLUE_SCRIPTS=<repo>/glue-scripts`);
}

/**
 * Finds the Spark installation and the job core.
 * @throws LakehouseError saying to run `bash scripts/install-spark.sh` when Spark is not installed
 */
export function sparkEnvironment(env: NodeJS.ProcessEnv = process.env, from: string = __dirname): SparkEnvironment {
  const home = path.resolve(env.LAKEHOUSE_SPARK_HOME || defaultSparkHome());
  const python = path.join(home, 'venv', 'bin', 'python');
  const missing = !fs.existsSync(python) ? 'venv/bin/python' : !fs.existsSync(path.join(home, 'jars', ICEBERG_RUNTIME_JAR)) ? `jars/${ICEBERG_RUNTIME_JAR}` : undefined;
  if (missing) {
    throw new LakehouseError(`Spark ${SPARK_VERSIONS.spark} with Iceberg ${SPARK_VERSIONS.iceberg} is not installed in ${home} (no ${missing}); `
      + 'run `bash scripts/install-spark.sh` from the repository root (LAKEHOUSE_SPARK_HOME chooses another home)');
  }
  return { home, python, glueScripts: findGlueScripts(env, from) };
}
