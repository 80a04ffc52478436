// widest-line with a bounded cache, for Ink's render-node-to-output.js: Ink measures every text node
// again on every frame (~3.5 ms of a 120x40 frame), though most of them did not change.
import stringWidth from 'string-width';
import {BoundedCache} from './boundedCache.js';
import {narrowWidth} from './narrow.js';

/** Entries held by the cache (for tests and measurements). */
export const widestLineCache = new BoundedCache<number>(2000);

const cachedWidestLine = (text: string): number => {
	let width = widestLineCache.get(text);
	if (width === undefined) {
		// widest-line's loop; a line of narrow characters only (a sparkline) skips string-width's grapheme walk.
		width = 0;
		for (const line of text.split('\n')) width = Math.max(width, narrowWidth(line) ?? stringWidth(line));
		widestLineCache.set(text, width);
	}
	return width;
};

export default cachedWidestLine;
