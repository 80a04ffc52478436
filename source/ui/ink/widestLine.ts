// widest-line with a bounded cache, for Ink's render-node-to-output.js: Ink measures every text node
// again on every frame (~3.5 ms of a 120x40 frame), though most of them did not change.
import widestLine from 'widest-line';
import {BoundedCache} from './boundedCache.js';

/** Entries held by the cache (for tests and measurements). */
export const widestLineCache = new BoundedCache<number>(2000);

const cachedWidestLine = (text: string): number => {
	let width = widestLineCache.get(text);
	if (width === undefined) {
		width = widestLine(text);
		widestLineCache.set(text, width);
	}
	return width;
};

export default cachedWidestLine;
