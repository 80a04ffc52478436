import {render} from 'ink';
import type {Store} from '../store/store.js';
import type {ReplayController} from '../source/replay.js';
import {App} from './App.js';
import type {DrillTarget} from '../probe/sample.js';
import {perfKmemTracer} from './kmemTracer.js';
import {makeTheme} from './theme.js';
import {ThemeContext} from './ThemeContext.js';
import {endByHangup, isHangup} from '../hangup.js';

const ENTER_ALT_SCREEN = '\x1b[?1049h\x1b[H';
const LEAVE_ALT_SCREEN = '\x1b[?1049l';
const SHOW_CURSOR = '\x1b[?25h';

export interface FullScreenOptions {
	store: Store;
	color: boolean;
	mode?: string;
	status?: string;
	initialTarget?: DrillTarget;
	/** Replaying a recording: the controller moves the store; there is no live timer and no perf. */
	replay?: ReplayController;
	/** Called once on every exit path, before the terminal is restored (stop perf, close files). */
	onExit?: () => void;
}

/**
 * Runs the full-screen view until q. The terminal is restored on every way out: q, Ctrl-C (a key
 * in raw mode), SIGTERM, SIGHUP, SIGINT when keys are off, and an exception — raw mode off,
 * cursor shown, alternate screen left, and only then any message on the normal screen.
 */
export async function runFullScreen(options: FullScreenOptions): Promise<number> {
	const {stdout, stdin} = process;
	let restored = false;
	const kmem = perfKmemTracer();
	const restore = () => {
		if (restored) return;
		restored = true;
		options.store.stop();
		options.replay?.close();
		// perf is never left running: a trace from the slab view ends with leaktop.
		kmem.cancel();
		options.onExit?.();
		try {
			instance.unmount();
		} catch {
			// Already unmounted.
		}
		try {
			if (stdin.isTTY && stdin.isRaw) stdin.setRawMode(false);
			stdout.write(SHOW_CURSOR + LEAVE_ALT_SCREEN);
		} catch {
			// The terminal is gone (SIGHUP): there is nothing left to restore.
		}
	};
	const onSignal = (signal: NodeJS.Signals) => {
		restore();
		if (signal === 'SIGHUP') endByHangup();
		process.exit(signal === 'SIGINT' ? 130 : 0);
	};
	const onCrash = (error: unknown) => {
		restore();
		if (isHangup(error)) endByHangup();
		process.stderr.write(`leaktop: internal error: ${error instanceof Error ? error.message : String(error)}\n`);
		if (process.env.LEAKTOP_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
		process.exit(1);
	};
	for (const signal of ['SIGTERM', 'SIGHUP', 'SIGINT'] as const) process.on(signal, onSignal);
	process.on('uncaughtException', onCrash);
	process.on('unhandledRejection', onCrash);

	// The first frame shows numbers, not a "starting" screen; later ticks run on the timer.
	if (options.replay) options.replay.seek(0);
	else if (options.store.getSnapshot().ticks === 0) options.store.tick();
	// Raw mode from the start: keys typed before Ink's input hook is live are kept, not line-buffered.
	if (stdin.isTTY) stdin.setRawMode(true);
	stdout.write(ENTER_ALT_SCREEN);
	const theme = makeTheme(options.color);
	const instance = render(
		<ThemeContext.Provider value={theme}>
			<App
				store={options.store}
				mode={options.mode}
				status={options.status}
				initialTarget={options.initialTarget}
				kmem={options.replay ? undefined : kmem}
				replay={options.replay}
			/>
		</ThemeContext.Provider>,
		{exitOnCtrlC: false, patchConsole: true, incrementalRendering: false, maxFps: 15},
	);
	if (!options.replay) {
		// The first frame came before the first scan of /proc (LiveSource.deferProcesses): scan now.
		if (options.store.getSnapshot().sample?.sources.processes === 'PENDING') setImmediate(() => options.store.tick());
		options.store.start(options.store.interval);
	}
	try {
		await instance.waitUntilExit();
	} catch (error) {
		onCrash(error);
	} finally {
		restore();
		for (const signal of ['SIGTERM', 'SIGHUP', 'SIGINT'] as const) process.off(signal, onSignal);
		process.off('uncaughtException', onCrash);
		process.off('unhandledRejection', onCrash);
	}
	return 0;
}
