import {readdirSync} from 'node:fs';
import {basename, dirname, join} from 'node:path';

/**
 * The numbered older segments of a recording (FILE.1 is the newest of them), newest first.
 * Listed from the directory rather than counted up from 1: a crash in the middle of a rotation
 * can leave a gap in the numbers.
 */
export function olderSegments(path: string): {number: number; path: string}[] {
	const directory = dirname(path);
	const prefix = `${basename(path)}.`;
	let names: string[];
	try {
		names = readdirSync(directory);
	} catch {
		return [];
	}
	const found: {number: number; path: string}[] = [];
	for (const name of names) {
		if (!name.startsWith(prefix)) continue;
		const suffix = name.slice(prefix.length);
		if (!/^[1-9]\d{0,5}$/.test(suffix)) continue;
		found.push({number: Number(suffix), path: join(directory, name)});
	}
	return found.sort((a, b) => a.number - b.number);
}
