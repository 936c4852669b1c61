import * as fs from 'node:fs';
import * as path from 'node:path';
import { CurationEngine, CurationTarget } from './curation-engine';
import { LakehouseError, UsageError } from '../errors';
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

/** The engines that write a target option, e.g. `--engine spark or trino` for `warehouse`. */
function enginesOf(option: CurationTarget['option']): CurationEngine[] {
  return CURATION_ENGINES.filter((e) => e.target.option === option);
}

/** The engines whose marker file `target` holds. */
function enginesThatWrote(candidates: readonly CurationEngine[], target: string): CurationEngine[] {
  return candidates.filter((e) => e.marker !== undefined && fs.existsSync(path.join(target, e.marker)));
}

/**
 * The engine and target of a command: `--engine` when given; otherwise `curate` takes the default
 * engine (`inferFromTarget` false) while `query` and `verify` take the engine whose target option
 * was given (`--lake` DuckDB); where engines share it (`--warehouse`: Spark, Trino), the one whose
 * marker file the target holds. One line naming the problem when the options do not fit together.
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
    const option = given[0];
    const target = values[option] as string;
    const candidates = enginesOf(option);
    if (candidates.length === 1) return { engine: candidates[0], target };
    const wrote = enginesThatWrote(candidates, target);
    if (wrote.length === 1) return { engine: wrote[0], target };
    const names = candidates.map((e) => e.name).join('|');
    if (wrote.length > 1) {
      throw new UsageError(`${command}: --${option} ${target} holds the tables of ${wrote.map((e) => `--engine ${e.name}`).join(' and ')}; `
        + `add --engine ${names}; ${help}`);
    }
    const markers = candidates.filter((e) => e.marker !== undefined).map((e) => `${e.marker} of --engine ${e.name}`);
    const state = fs.existsSync(target) ? `has no ${markers.join(' and no ')}` : 'does not exist';
    throw new LakehouseError(`${command}: --${option} ${target} ${state}, so no curate wrote it; create it with `
      + `\`lakehouse local curate --engine ${names} --raw <dir> --${option} ${target}\`, or name the engine with --engine ${names}; ${help}`);
  }
  const engine = curationEngine(engineName);
  const wrong = given.find((option) => option !== engine.target.option);
  if (wrong !== undefined) {
    const owners = enginesOf(wrong).map((e) => e.name);
    const fix = engineName === undefined
      ? `add --engine ${owners.join(' or --engine ')}, or give --${engine.target.option} for the default engine ${engine.name}`
      : `use --${engine.target.option} (${engine.target.description}) with --engine ${engine.name}`;
    throw new UsageError(`${command}: --${wrong} goes with --engine ${owners.join(' or ')}; ${fix}; ${help}`);
  }
  const target = values[engine.target.option];
  if (typeof target !== 'string' || target === '') {
    throw new UsageError(`${command}: --${engine.target.option} is required with --engine ${engine.name}, e.g. --${engine.target.option} ${engine.target.example}; ${help}`);
  }
  if (inferFromTarget && engine.marker !== undefined && !fs.existsSync(path.join(target, engine.marker))) {
    // another engine's tables: say which engine reads them rather than failing inside this one
    const other = enginesThatWrote(enginesOf(engine.target.option).filter((e) => e !== engine), target);
    if (other.length === 1) {
      throw new UsageError(`${command}: --${engine.target.option} ${target} was written by \`curate --engine ${other[0].name}\`, not ${engine.name}; `
        + `use --engine ${other[0].name}; ${help}`);
    }
  }
  return { engine, target };
}
