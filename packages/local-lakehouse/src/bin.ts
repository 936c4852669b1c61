#!/usr/bin/env node
import { main } from './main';

main(process.argv.slice(2)).then((code) => process.exit(code), (err: unknown) => {
  process.stderr.write(`lakehouse: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
