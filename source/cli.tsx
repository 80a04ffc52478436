import yargs, {type Argv} from 'yargs';
import {hideBin} from 'yargs/helpers';
import {runBatch} from './cli/batch.js';
import {openRecorder, RecordError, recordEveryTick} from './cli/record.js';
import {runRecord, runReplay, runReport} from './cli/recordCommands.js';
import type {RecordingWriter} from './record/writer.js';
import {durationOption, liveStore, sizeOption, UsageError, type CommonOptions} from './cli/options.js';
import {cgroupLimits} from './diagnose/cgroupLimits.js';
import {runCheck} from './diagnose/check.js';
import {Files} from './probe/files.js';
import {endByHangup, isHangup} from './hangup.js';

const VERSION = '0.1.0';
const DEFAULT_INTERVAL = '2';
/** snapshot's short wait between its two samples, so rates exist. */
const SNAPSHOT_DELAY_MS = 500;

/** The common options' defaults: yargs documents and applies them; a bare `leaktop` uses them as they are. */
const DEFAULTS = {top: '20', pssAll: false, procRoot: '/proc', sysRoot: '/sys', color: true};

function common(argv: Record<string, unknown>): CommonOptions {
	const top = Number(argv.top);
	if (!Number.isInteger(top) || top < 1) throw new UsageError(`--top: "${String(argv.top)}" is not a positive whole number`);
	return {
		procRoot: String(argv.procRoot),
		sysRoot: String(argv.sysRoot),
		intervalMs: durationOption('interval', argv.interval ?? DEFAULT_INTERVAL),
		top,
		pssAll: Boolean(argv.pssAll),
		color: argv.color !== false && process.env.NO_COLOR === undefined,
	};
}

/** Set when the terminal hung up: main() then ends the process by SIGHUP once the command has finished. */
let hungUp = false;

/** Stops on Ctrl-C / SIGTERM / SIGHUP, and treats a closed pipe (`| head`) as a normal end. */
function lifetime(): AbortSignal {
	const controller = new AbortController();
	for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => controller.abort());
	const hangUp = () => {
		hungUp = true;
		controller.abort();
	};
	process.once('SIGHUP', hangUp);
	process.stdout.on('error', error => {
		if ((error as NodeJS.ErrnoException).code === 'EPIPE') {
			controller.abort();
			process.exit(0);
		}
		if (isHangup(error)) return hangUp();
		throw error;
	});
	return controller.signal;
}

/** The live view: `leaktop` with no command. */
async function runLive(argv: {interval?: string; top: string; pssAll: boolean; procRoot: string; sysRoot: string; color: boolean; pid?: number; slab?: string; record?: string}): Promise<void> {
	const options = common(argv);
	if (argv.pid !== undefined && (!Number.isInteger(argv.pid) || argv.pid < 1)) throw new UsageError(`--pid: "${String(argv.pid)}" is not a process id`);
	if (!process.stdout.isTTY) {
		process.stderr.write('leaktop: stdout is not a terminal, printing text reports instead (see leaktop batch --help)\n');
		process.exitCode = await runBatch({...options, json: false, count: Infinity, firstDelayMs: options.intervalMs}, process.stdout, lifetime());
		return;
	}
	const {store, source} = liveStore(options);
	const initialTarget = argv.pid !== undefined ? {kind: 'process' as const, pid: argv.pid} : argv.slab ? {kind: 'slab' as const, name: argv.slab} : undefined;
	let recorder: RecordingWriter | null = null;
	let status: string | undefined;
	if (argv.record) {
		store.tick();
		try {
			recorder = openRecorder(argv.record, store.current().sample!, undefined, VERSION);
		} catch (error) {
			if (error instanceof RecordError) throw new UsageError(`--record: ${error.message}`);
			throw error;
		}
		recorder.append(store.current().sample!);
		recordEveryTick(store, recorder, message => process.stderr.write(`leaktop: ${message}\n`));
		status = `● recording to ${argv.record}`;
	} else {
		// The first frame does not wait for the first scan of /proc (a recording starts from a full sample).
		source.deferProcesses();
	}
	const {runFullScreen} = await import('./ui/run.js');
	// Loading the screen's chunk hid CI from Ink again; perf and other children get it back.
	restoreCiEnvironment();
	process.exitCode = await runFullScreen({
		store,
		color: options.color,
		initialTarget,
		status,
		onExit: () => {
			source.close();
			recorder?.close();
		},
	});
}

function parser(args: string[]): Argv {
	return yargs(args)
		.scriptName('leaktop')
		.usage('$0 [command] [options]\n\nFinds memory leaks on Linux: free, vmstat, ps, pmap and slabtop on one live screen.')
		.option('interval', {alias: 'd', type: 'string', describe: `Refresh interval: seconds or a unit (0.5, 2, 90s, 15m; default ${DEFAULT_INTERVAL})`, requiresArg: true})
		.option('top', {type: 'string', default: DEFAULTS.top, describe: 'How many processes to list (a large value lists all)', requiresArg: true})
		.option('pss-all', {type: 'boolean', default: DEFAULTS.pssAll, describe: 'Read PSS for every process, not just the largest (takes each one’s mmap lock)'})
		.option('proc-root', {type: 'string', default: DEFAULTS.procRoot, describe: 'Where procfs is mounted (a host’s /proc inside a container)', requiresArg: true})
		.option('sys-root', {type: 'string', default: DEFAULTS.sysRoot, describe: 'Where sysfs is mounted', requiresArg: true})
		.option('color', {type: 'boolean', default: DEFAULTS.color, describe: 'Colour output (--no-color, or NO_COLOR, turns it off)'})
		.command(
			'$0',
			'The live full-screen view',
			y =>
				y
					.option('pid', {type: 'number', describe: 'Open drilled into this process', requiresArg: true})
					.option('slab', {type: 'string', describe: 'Open drilled into this slab cache', requiresArg: true})
					.option('record', {type: 'string', describe: 'Record while watching (as leaktop record FILE)', requiresArg: true}),
			runLive,
		)
		.command(
			'snapshot',
			'Print one report after one short interval (so rates exist)',
			y => y.option('json', {type: 'boolean', default: false, describe: 'JSON instead of text'}),
			async argv => {
				const options = common(argv);
				const firstDelayMs = argv.interval === undefined ? SNAPSHOT_DELAY_MS : options.intervalMs;
				process.exitCode = await runBatch({...options, json: argv.json, count: 1, firstDelayMs}, process.stdout, lifetime());
			},
		)
		.command(
			'batch',
			'Print a report every interval, like top -b (text blocks or NDJSON)',
			y =>
				y
					.option('json', {type: 'boolean', default: false, describe: 'One JSON object per line (NDJSON)'})
					.option('count', {alias: 'n', type: 'number', describe: 'Stop after this many reports', requiresArg: true}),
			async argv => {
				const options = common(argv);
				const count = argv.count === undefined ? Infinity : Number(argv.count);
				if (!Number.isInteger(count) && count !== Infinity) throw new UsageError(`--count: "${String(argv.count)}" is not a whole number`);
				if (count < 1) throw new UsageError(`--count: must be at least 1`);
				process.exitCode = await runBatch({...options, json: argv.json, count, firstDelayMs: options.intervalMs}, process.stdout, lifetime());
			},
		)
		.command(
			'check',
			'Watch for a while; exit 0 when no leak is suspected, 1 when one is (findings printed), 2 on usage errors',
			y =>
				y
					.option('duration', {type: 'string', default: '3m', describe: 'How long to watch: seconds or a unit (90, 5m, 1h)', requiresArg: true})
					.option('pid', {type: 'number', describe: 'Judge only this process', requiresArg: true}),
			async argv => {
				const options = common(argv);
				const durationMs = durationOption('duration', argv.duration);
				if (argv.pid !== undefined && (!Number.isInteger(argv.pid) || argv.pid < 1)) throw new UsageError(`--pid: "${String(argv.pid)}" is not a process id`);
				process.exitCode = await runCheck(
					{durationMs, intervalMs: options.intervalMs, pid: argv.pid, diagnoser: {limits: cgroupLimits}, makeStore: analyze => liveStore(options, analyze).store},
					process.stdout,
				);
			},
		)
		.command(
			'record <file>',
			'Record samples to FILE without a screen (for nohup, systemd, tmux); SIGTERM or Ctrl-C finish the file cleanly',
			y =>
				y
					.positional('file', {type: 'string', describe: 'Recording file (appended to when it exists)'})
					.option('duration', {type: 'string', describe: 'Stop after this long: seconds or a unit (90, 15m, 8h)', requiresArg: true})
					.option('max-size', {type: 'string', describe: 'Keep the file and its rotated segments under this size (20M, 1G); the oldest data goes first', requiresArg: true}),
			async argv => {
				const options = common(argv);
				const durationMs = argv.duration === undefined ? Infinity : durationOption('duration', argv.duration);
				const maxSizeBytes = argv.maxSize === undefined ? undefined : sizeOption('max-size', argv.maxSize);
				process.exitCode = await runRecord({...options, file: String(argv.file), durationMs, maxSizeBytes, version: VERSION}, lifetime());
			},
		)
		.command(
			'replay <file>',
			'Open a recording in the live view: t/T step, j/J jump a minute, r/Z start/end, space play, </> speed',
			y => y.positional('file', {type: 'string', describe: 'Recording file'}),
			async argv => {
				const options = common(argv);
				if (!process.stdout.isTTY || !process.stdin.isTTY) {
					throw new UsageError('replay needs a terminal; for text, use leaktop report FILE');
				}
				process.exitCode = await runReplay(String(argv.file), options.color);
			},
		)
		.command(
			'report <file>',
			'Summarise a recording: verdicts over time, top growers, memory at start vs end, available memory timeline',
			y =>
				y
					.positional('file', {type: 'string', describe: 'Recording file'})
					.option('json', {type: 'boolean', default: false, describe: 'JSON instead of text'})
					.option('svg', {type: 'string', describe: 'Also write the available-memory timeline as an SVG picture here', requiresArg: true}),
			async argv => {
				process.exitCode = runReport({file: String(argv.file), json: argv.json, svg: argv.svg}, process.stdout, process.stderr);
			},
		)
		.command(
			'kmem',
			'Trace kmalloc/kfree with perf and list kernel allocations still live at the end, by call site',
			y =>
				y
					.option('duration', {type: 'string', default: '10', describe: 'How long to trace: seconds or a unit (10, 30s, 2m)', requiresArg: true})
					.option('cache', {type: 'string', describe: 'Only allocations from this slab cache (e.g. kmalloc-64, filp)', requiresArg: true})
					.option('grace', {type: 'string', default: '1', describe: 'Report only allocations older than this at the end', requiresArg: true})
					.option('json', {type: 'boolean', default: false, describe: 'JSON instead of text'}),
			async argv => {
				const options = common(argv);
				const durationSec = durationOption('duration', argv.duration) / 1000;
				const graceSec = durationOption('grace', argv.grace) / 1000;
				const files = new Files({procRoot: options.procRoot, sysRoot: options.sysRoot});
				const {kmemCommand} = await import('./kmem/command.js');
				process.exitCode = await kmemCommand({durationSec, graceSec, cache: argv.cache, json: argv.json, files}, process.stdout, process.stderr);
			},
		)
		.strict()
		.version(VERSION)
		.alias('h', 'help')
		.alias('V', 'version')
		.wrap(Math.min(100, process.stdout.columns || 100))
		.exitProcess(false)
		.fail((message, error) => {
			// yargs reports its own validation (unknown option, missing value) as a message or a YError.
			if (error instanceof UsageError) throw error;
			if (message || !error || error.name === 'YError') throw new UsageError(message ?? error?.message ?? 'bad arguments');
			throw error;
		});
}

/** Puts back the CI variables the bundle's banner hid from Ink (children such as perf see them). */
function restoreCiEnvironment(): void {
	const saved = (globalThis as {__leaktopCiEnv?: Record<string, string | undefined>}).__leaktopCiEnv ?? {};
	for (const [name, value] of Object.entries(saved)) if (value !== undefined) process.env[name] = value;
}

async function main(): Promise<void> {
	restoreCiEnvironment();
	const args = hideBin(process.argv);
	try {
		// What a person types most: no arguments, nothing to parse (yargs takes ~25 ms of the first frame).
		if (args.length === 0) await runLive(DEFAULTS);
		else await parser(args).parseAsync();
	} catch (error) {
		if (error instanceof UsageError) {
			process.stderr.write(`leaktop: ${error.message.split('\n')[0]} (see leaktop --help)\n`);
			process.exitCode = 2;
			return;
		}
		process.stderr.write(`leaktop: internal error: ${error instanceof Error ? error.message : String(error)}\n`);
		if (process.env.LEAKTOP_DEBUG) process.stderr.write(`${(error as Error)?.stack ?? ''}\n`);
		process.exitCode = 1;
	}
	if (hungUp) endByHangup();
}

// No top-level await: the bundle is a classic script (see source/launch.ts); main() handles its own errors.
void main();
