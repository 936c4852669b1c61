import * as fs from 'node:fs';

/**
 * Preloaded (`node --require lib/bench/peak-rss.js lib/bin.js …`) into the unchanged CLI by the query benchmark:
 * when the process exits, writes its peak resident memory (getrusage's ru_maxrss, what `/usr/bin/time -v` reports)
 * to the file named by LAKEHOUSE_BENCH_RSS_FILE. Does nothing else.
 */
const file = process.env.LAKEHOUSE_BENCH_RSS_FILE;
if (file) {
  process.on('exit', () => {
    fs.writeFileSync(file, JSON.stringify({ maxRssBytes: process.resourceUsage().maxRSS * 1024 }));
  });
}
