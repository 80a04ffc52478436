import assert from 'node:assert/strict';
import {spawn, type ChildProcess} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, test} from 'node:test';
import {fileURLToPath} from 'node:url';
import {readExit, TmuxSession} from './tmux.js';

const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'leaktop-e2e-'));
let marker: ChildProcess;

before(async () => {
	// A real process holding 64 MiB, with a name to find on the screen.
	marker = spawn('python3', ['-c', 'import sys,time; b=bytearray(64<<20); b[::4096]=b"x"*len(b[::4096]); time.sleep(600)', 'e2e-marker-proc'], {stdio: 'ignore'});
	await new Promise(resolve => setTimeout(resolve, 300));
});

after(() => {
	marker.kill('SIGKILL');
	rmSync(dir, {recursive: true, force: true});
});

function launch(name: string, extra = ''): {session: TmuxSession; exitFile: string} {
	const exitFile = join(dir, `${name}.exit`);
	const session = TmuxSession.start(name, `CI=false node ${CLI} -d 0.5 ${extra}; echo EXIT=$? > ${exitFile}; sleep 60`);
	return {session, exitFile};
}

async function waitExit(exitFile: string, timeoutMs = 5000): Promise<string> {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		const exit = readExit(exitFile);
		if (exit) return exit;
		await new Promise(resolve => setTimeout(resolve, 100));
	}
	throw new Error('leaktop did not exit');
}

test('the live view shows real numbers, finds a spawned process, keys work, q exits 0 and leaves the alternate screen', async () => {
	const {session, exitFile} = launch('leaktop-e2e-main');
	try {
		const screen = await session.waitFor(/Mem\s+total/);
		assert.ok(session.alternateOn(), 'runs on the alternate screen');
		assert.match(screen, /leaktop\s+\S+\s+\d+\.\d+/);
		assert.match(screen, /r\s+b\s+si\s+so\s+bi\s+bo\s+in\s+cs/);
		assert.match(screen, /Kernel Slab \d/);
		assert.match(screen, /Processes \d+\/\d+/);
		assert.match(screen, /Slab caches \d+\/\d+/);
		assert.match(screen, /q quit/);

		session.keys('/');
		session.type('e2e-marker');
		session.keys('Enter');
		const filtered = await session.waitFor(new RegExp(`Processes 1/\\d+[^\\n]*filter: e2e-marker[\\s\\S]*\\n\\s+${marker.pid} root .*python3`));
		// 64 MiB touched: RSS shows in mebibytes.
		assert.match(filtered, new RegExp(`${marker.pid} root\\s+[6-9]\\d(\\.\\d)?M`));

		session.keys('Enter');
		await session.waitFor(new RegExp(`pid ${marker.pid}\\s+root`));
		session.keys('Escape');
		await session.waitFor(/Processes 1\//);

		session.keys('?');
		await session.waitFor(/leaktop keys/);
		session.keys('Escape');
		// Esc and Tab read together are one key, Alt-Tab, as in any terminal: wait for the help to close.
		await session.waitFor(/▶ Processes/);
		session.keys('Tab');
		await session.waitFor(/▶ Slab caches/);
		session.keys('f');
		await session.waitFor(/FROZEN/);
		session.keys('f');

		session.keys('q');
		assert.equal(await waitExit(exitFile), 'EXIT=0');
		assert.equal(session.alternateOn(), false, 'alternate screen left');
		assert.doesNotMatch(session.screen(), /Slab caches/, 'the normal screen is back');
	} finally {
		session.kill();
	}
});

test('bare `leaktop` (no arguments, no parser) opens the view with the defaults; q exits 0', async () => {
	const exitFile = join(dir, 'bare.exit');
	const session = TmuxSession.start('leaktop-e2e-bare', `CI=false node ${CLI}; echo EXIT=$? > ${exitFile}; sleep 60`);
	try {
		await session.waitFor(/every 2s\s+\d+ procs[\s\S]*Mem\s+total[\s\S]*Processes [1-9]\d*\/\d+/);
		session.keys('q');
		assert.equal(await waitExit(exitFile), 'EXIT=0');
	} finally {
		session.kill();
	}
});

test('SIGTERM restores the terminal', async () => {
	const {session, exitFile} = launch('leaktop-e2e-term');
	try {
		await session.waitFor(/Mem\s+total/);
		const pids = (await import('node:child_process')).execFileSync('pgrep', ['-f', `^node ${CLI} -d 0.5`]).toString().trim().split('\n');
		for (const pid of pids) process.kill(Number(pid), 'SIGTERM');
		assert.equal(await waitExit(exitFile), 'EXIT=0');
		assert.equal(session.alternateOn(), false);
		// Cursor visible again: tmux reports the pane's cursor flag.
		const cursor = (await import('node:child_process')).execFileSync('tmux', ['display-message', '-p', '-t', session.name, '#{cursor_flag}']).toString().trim();
		assert.equal(cursor, '1');
	} finally {
		session.kill();
	}
});

for (const [what, command] of [
	['the live view', ''],
	['batch', 'batch --top 3'],
] as const) {
	test(`the terminal hanging up ends ${what} by SIGHUP, without a message or a native abort`, async () => {
		const name = `leaktop-e2e-hangup-${what.replace(/ /g, '-')}`;
		const exitFile = join(dir, `${name}.exit`);
		const errFile = join(dir, `${name}.err`);
		// bash outlives the hang-up to write the status (a trap with a command is reset, not ignored, in the child).
		const session = TmuxSession.start(name, `bash -c 'trap ": hup" HUP; CI=false node ${CLI} ${command} -d 0.5 2>${errFile}; echo EXIT=$? > ${exitFile}'`);
		await session.waitFor(/Mem(\s+total|:)/);
		session.kill();
		// 128 + SIGHUP (1): ended by the hang-up, not by Node's abort (134) or a crash.
		assert.equal(await waitExit(exitFile), 'EXIT=129');
		assert.equal(readFileSync(errFile, 'utf8'), '');
	});
}

test('resizing to 40x12 shows "too small" and keeps running; back to 120x40 shows the panels', async () => {
	const {session, exitFile} = launch('leaktop-e2e-resize');
	try {
		await session.waitFor(/Mem\s+total/);
		session.resize(40, 12);
		await session.waitFor(/too small/);
		session.resize(120, 40);
		await session.waitFor(/Mem\s+total[\s\S]*Slab caches/);
		session.keys('q');
		assert.equal(await waitExit(exitFile), 'EXIT=0');
	} finally {
		session.kill();
	}
});

test('stdout piped: prints text reports instead of failing on raw mode', async () => {
	const {execa} = await import('execa');
	const result = await execa('node', [CLI, '-d', '0.3'], {timeout: 3000, reject: false, env: {CI: 'false'}, stdin: 'ignore'});
	assert.doesNotMatch(result.stderr, /Raw mode/);
	assert.match(result.stderr, /stdout is not a terminal/);
	assert.match(result.stdout, /Mem:\s+\S+/);
});

test('stdin not a terminal: the view renders with keys off and says so; Ctrl-C (SIGINT) quits and restores', async () => {
	const {session, exitFile} = launch('leaktop-e2e-nostdin', '< /dev/null');
	try {
		const screen = await session.waitFor(/keys disabled: stdin is not a terminal/);
		assert.match(screen, /Mem\s+total/);
		const {execFileSync} = await import('node:child_process');
		const pids = execFileSync('pgrep', ['-f', `^node ${CLI} -d 0.5`]).toString().trim().split('\n');
		for (const pid of pids) process.kill(Number(pid), 'SIGINT');
		assert.equal(await waitExit(exitFile), 'EXIT=130');
		assert.equal(session.alternateOn(), false);
	} finally {
		session.kill();
	}
});

test('NO_COLOR: no colour on screen, the view still reads', async () => {
	const exitFile = join(dir, 'nocolor.exit');
	const session = TmuxSession.start('leaktop-e2e-nocolor', `NO_COLOR=1 CI=false node ${CLI} -d 0.5; echo EXIT=$? > ${exitFile}; sleep 60`);
	try {
		await session.waitFor(/Mem\s+total[\s\S]*Slab caches/);
		const {execFileSync} = await import('node:child_process');
		const styled = execFileSync('tmux', ['capture-pane', '-e', '-p', '-t', session.name]).toString();
		// SGR colour parameters: 30-37, 38;…, 90-97 (foreground); bold and inverse stay.
		assert.doesNotMatch(styled, /\u001B\[(?:[\d;]*;)?(?:3[0-8]|9[0-7])(?:;[\d;]*)?m/);
		session.keys('q');
		assert.equal(await waitExit(exitFile), 'EXIT=0');
	} finally {
		session.kill();
	}
});

test('leaktop --pid on a real leaking process: its anonymous mapping grows on screen; killing it freezes the view with the exit time', async () => {
	const {spawnLeaker} = await import('../helpers/processes.js');
	// 1 MiB every 100 ms into new bytearrays: glibc serves them from one growing anonymous region.
	const leaker = await spawnLeaker(1, 100);
	const {session, exitFile} = launch('leaktop-e2e-pid', `--pid ${leaker.pid}`);
	try {
		await session.waitFor(new RegExp(`pid ${leaker.pid}`));
		await session.waitFor(/Mappings \d+\/\d+/);
		// A mapping row with a positive anonymous change since the view opened (ΔANON) and a
		// growth per minute (ANON/MIN), in mebibytes: the region glibc grows for the leak.
		const growing = await session.waitFor(/rw-p .*\+\d+(\.\d+)?M\s+\+\d+(\.\d+)?[MG]\s/, 15_000);
		assert.match(growing, /sort: ANON GROWTH/);
		await leaker.kill();
		const frozen = await session.waitFor(/exited at \d\d:\d\d:\d\d/, 10_000);
		assert.match(frozen, /Mappings \d+\/\d+/, 'what was collected stays');
		session.keys('Escape');
		await session.waitFor(/Processes \d+\/\d+/);
		session.keys('q');
		assert.equal(await waitExit(exitFile), 'EXIT=0');
	} finally {
		await leaker.kill();
		session.kill();
	}
});

test('CI set in a real terminal: the view still draws (Ink alone would print nothing until exit)', async () => {
	const exitFile = join(dir, 'ci.exit');
	const session = TmuxSession.start('leaktop-e2e-ci', `CI=true node ${CLI} -d 0.5; echo EXIT=$? > ${exitFile}; sleep 60`);
	try {
		await session.waitFor(/Mem\s+total[\s\S]*Processes \d+\/\d+/);
		session.keys('q');
		assert.equal(await waitExit(exitFile), 'EXIT=0');
	} finally {
		session.kill();
	}
});
