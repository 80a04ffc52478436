import {cpSync, mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {Files, type FilesOptions} from '../../source/probe/files.js';

/** Absolute path of a tree under test/fixtures (e.g. `proc-real`). */
export function fixturePath(...parts: string[]): string {
	return join(fileURLToPath(new URL('../fixtures/', import.meta.url)), ...parts);
}

/** The trees captured from this machine: /proc, /sys and a trimmed /etc/passwd. */
export const realRoots = {
	procRoot: fixturePath('proc-real'),
	sysRoot: fixturePath('sys-real'),
	etcRoot: fixturePath('etc-real'),
} as const;

/** A Files rooted at the captured trees, with optional overrides (deny, another procRoot…). */
export function realFiles(options: FilesOptions = {}): Files {
	return new Files({...realRoots, ...options});
}

/** A private copy of a fixture tree (symlinks kept as links) to edit; remove() deletes it. */
export function copyFixture(name: string): {root: string; remove: () => void} {
	const dir = mkdtempSync(join(tmpdir(), 'leaktop-fixture-'));
	const root = join(dir, name);
	cpSync(fixturePath(name), root, {recursive: true, verbatimSymlinks: true});
	return {root, remove: () => rmSync(dir, {recursive: true, force: true})};
}

/** Pids captured in proc-real and what each one is. */
export const capturedPids = {
	init: 1,
	kthreadd: 2,
	kworker: 4,
	/** python3 renamed with prctl to `a) b (c`. */
	paren: 25930,
	/** python3 with ESC sequences, invalid UTF-8 and a tab in its argv. */
	hostile: 25931,
	zombieParent: 25932,
	sleep: 25933,
	zombie: 26078,
} as const;
