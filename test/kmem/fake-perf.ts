import {chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';

/** Absolute path of a file under test/fixtures/kmem, for fake perf scripts to cat. */
export const kmemFixture = (name: string) => fileURLToPath(new URL(`../fixtures/kmem/${name}`, import.meta.url));

export interface FakePerf {
	dir: string;
	/** Absolute path of the fake `perf`. */
	path: string;
	/** PATH with the fake first, so `perf` resolves to it. */
	searchPath: string;
	/** Pids the fake wrote for its `record` and `script` runs. */
	pids(kind: 'record' | 'script'): number[];
	remove(): void;
}

/** Writes a bash `perf` whose record/script/version subcommands run the given bodies. */
export function makeFakePerf(bodies: {record?: string; script?: string; version?: string}): FakePerf {
	const dir = mkdtempSync(join(tmpdir(), 'leaktop-fake-perf-'));
	const path = join(dir, 'perf');
	writeFileSync(
		path,
		[
			'#!/bin/bash',
			'case "$1" in',
			`version) ${bodies.version ?? 'echo "perf version 6.1.fake"'} ;;`,
			`record) echo $$ >> "${dir}/record.pid"; ${bodies.record ?? 'exit 0'} ;;`,
			`script) echo $$ >> "${dir}/script.pid"; ${bodies.script ?? 'cat'} ;;`,
			'*) echo "fake perf: unknown subcommand $1" >&2; exit 1 ;;',
			'esac',
			'',
		].join('\n'),
	);
	chmodSync(path, 0o755);
	return {
		dir,
		path,
		searchPath: `${dir}:${process.env.PATH ?? '/usr/bin:/bin'}`,
		pids(kind) {
			const file = join(dir, `${kind}.pid`);
			return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number) : [];
		},
		remove() {
			rmSync(dir, {recursive: true, force: true});
		},
	};
}

/** True while a process with this pid exists (a zombie counts as gone). */
export function isAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
	} catch {
		return false;
	}
	try {
		return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
	} catch {
		return false;
	}
}

/** Waits until the pid is gone or the limit passes; returns whether it is gone. */
export async function waitGone(pid: number, limitMs: number): Promise<boolean> {
	const until = Date.now() + limitMs;
	while (isAlive(pid)) {
		if (Date.now() > until) return false;
		await new Promise(resolve => setTimeout(resolve, 25));
	}
	return true;
}
