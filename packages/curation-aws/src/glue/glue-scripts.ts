import * as fs from 'fs';
import * as path from 'path';

/** The Glue entry point, relative to the glue-scripts folder. */
export const GLUE_ENTRY_POINT = 'curate_table.py';
/** The folder, relative to glue-scripts, whose content is zipped for `--extra-py-files`. */
export const GLUE_PYTHON_SOURCES = 'src';
/** The Python package the entry point imports. */
export const GLUE_PYTHON_PACKAGE = 'lakehouse_curation';

/**
 * Finds the `glue-scripts/` folder of the workspace: the nearest ancestor of `start` holding
 * `glue-scripts/curate_table.py` (from `packages/curation-aws/lib/glue/` that is the repository root).
 *
 * @param start the folder to walk up from
 * @throws if no ancestor has it, naming the folders searched and the prop that overrides the search
 */
export function findGlueScriptsDir(start: string = __dirname): string {
  const searched: string[] = [];
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'glue-scripts');
    if (fs.existsSync(path.join(candidate, GLUE_ENTRY_POINT))) return candidate;
    searched.push(dir);
    if (path.dirname(dir) === dir) break;
  }
  throw new Error(
    `glueScriptsDir: no glue-scripts/${GLUE_ENTRY_POINT} found in ${searched[0]} or any folder above it; `
    + 'set glueScriptsDir to the folder holding curate_table.py and src/lakehouse_curation/',
  );
}

/**
 * Checks that `dir` holds what the job ships: the entry point and the Python package.
 *
 * @returns the entry point's path and the folder zipped for `--extra-py-files`
 * @internal
 */
export function glueScriptsLayout(dir: string): { entryPoint: string; pythonSources: string } {
  const entryPoint = path.join(dir, GLUE_ENTRY_POINT);
  const pythonSources = path.join(dir, GLUE_PYTHON_SOURCES);
  if (!fs.existsSync(entryPoint)) {
    throw new Error(`glueScriptsDir: ${entryPoint} does not exist; point glueScriptsDir at the folder holding ${GLUE_ENTRY_POINT}`);
  }
  if (!fs.existsSync(path.join(pythonSources, GLUE_PYTHON_PACKAGE, '__init__.py'))) {
    throw new Error(
      `glueScriptsDir: ${path.join(pythonSources, GLUE_PYTHON_PACKAGE)}/__init__.py does not exist; `
      + `the job ships the Python package ${GLUE_PYTHON_PACKAGE} from ${GLUE_PYTHON_SOURCES}/ as --extra-py-files`,
    );
  }
  return { entryPoint, pythonSources };
}
