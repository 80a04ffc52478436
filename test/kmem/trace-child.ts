// Spawned by perf.test.ts: a leaktop stand-in tracing with a fake perf until it is sent SIGTERM.
import {Files} from '../../source/probe/files.js';
import {traceKmem} from '../../source/kmem/trace.js';

const perfPath = process.argv[2];
if (perfPath === undefined) throw new Error('usage: trace-child.ts PERF_PATH');
const trace = traceKmem({perfPath, durationSec: 600, files: new Files()});
process.stdout.write(`tracing ${trace.perfPids.join(' ')}\n`);
await trace.result;
