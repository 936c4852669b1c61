import { CurationEngine, CurationTarget } from './curation-engine';
import { UsageError } from '../errors';
import { duckdbEngine } from './duckdb/duckdb-engine';
import { sparkEngine } from './spark/spark-engine';
import { trinoEngine } from './trino/trino-engine';

/**
 * Every curation engine, the default first. Adding one (Trino next) is a folder beside these and
 * one line here.
 */
export const CURATION_ENGINES: readonly CurationEngine[] = [
  duckdbEngine,
  sparkEngine,
  trinoEngine,
];

/** The engine `--engine` names; without the option, the default (DuckDB). */
export function curationEngine(name: string | undefined): CurationEngine {
  if (name === undefined) return CURATION_ENGINES[0];
  const engine = CURATION_ENGINES.find((e) => e.name === name);
  if (!engine) {
    throw new UsageError(`--engine ${JSON.stringify(name)} is not a curation engine; use ${CURATION_ENGINES.map((e) => e.name).join(' or ')}`);
  }
  return engine;
}

/** The options that name an engine's target (`lake`, `warehouse`), each once. */
export function targetOptions(): CurationTarget['option'][] {
  return [...new Set(CURATION_ENGINES.map((e) => e.target.option))];
}

/**
 * The engine and target of a command: `--engine` when given; otherwise `curate` takes the default
 * engine (`inferFromTarget` false) while `query` and `verify` take the first engine whose target
 * option was given (`--lake` DuckDB, `--warehouse` Spark). One line naming the problem when the
 * options do not fit together.
 */
export function engineAndTarget(
  command: string, values: Readonly<Record<string, unknown>>, inferFromTarget: boolean,
): { engine: CurationEngine; target: string } {
  const given = targetOptions().filter((option) => typeof values[option] === 'string' && values[option] !== '');
  const help = `see \`lakehouse ${command} --help\``;
  const engineName = values.engine as string | undefined;
  if (engineName === undefined && inferFromTarget) {
    if (given.length > 1) throw new UsageError(`${command}: give one of ${given.map((o) => `--${o}`).join(' and ')}, not both; ${help}`);
    if (given.length === 0) {
      const examples = targetOptions().map((option) => {
        const engine = CURATION_ENGINES.find((e) => e.target.option === option)!;
        return `--${option} ${engine.target.example} (${engine.name})`;
      });
      throw new UsageError(`${command}: ${targetOptions().map((o) => `--${o}`).join(' or ')} is required, e.g. ${examples.join(' or ')}; ${help}`);
    }
    const engine = CURATION_ENGINES.find((e) => e.target.option === given[0])!;
    return { engine, target: values[given[0]] as string };
  }
  const engine = curationEngine(engineName);
  const wrong = given.find((option) => option !== engine.target.option);
  if (wrong !== undefined) {
    const owner = CURATION_ENGINES.find((e) => e.target.option === wrong)!;
    const fix = engineName === undefined
      ? `add --engine ${owner.name}, or give --${engine.target.option} for the default engine ${engine.name}`
      : `use --${engine.target.option} (${engine.target.description}) with --engine ${engine.name}`;
    throw new UsageError(`${command}: --${wrong} goes with --engine ${owner.name}; ${fix}; ${help}`);
  }
  const target = values[engine.target.option];
  if (typeof target !== 'string' || target === '') {
    throw new UsageError(`${command}: --${engine.target.option} is required with --engine ${engine.name}, e.g. --${engine.target.option} ${engine.target.example}; ${help}`);
  }
  return { engine, target };
}
