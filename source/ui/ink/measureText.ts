// Ink 6.8.0's measure-text.js with a bounded cache (same results): Ink's cache is a module-level Map
// keyed by every text ever measured, and leaktop's figures change every second.
import widestLine from './widestLine.js';
import {BoundedCache} from './boundedCache.js';

type Dimensions = {width: number; height: number};

/** Entries held by the cache (for tests and measurements). */
export const measureTextCache = new BoundedCache<Dimensions>(2000);

const measureText = (text: string): Dimensions => {
	if (text.length === 0) {
		return {width: 0, height: 0};
	}
	const cached = measureTextCache.get(text);
	if (cached) return cached;
	const dimensions = {width: widestLine(text), height: text.split('\n').length};
	measureTextCache.set(text, dimensions);
	return dimensions;
};

export default measureText;
