// Ink 6.8.0's wrap-text.js with a bounded cache. Ink keys an object by text + maxWidth + wrapType
// run together, which keeps every text ever wrapped and can confuse ("a1", 23) with ("a12", 3); this
// key cannot, so a result here is always what wrap-ansi or cli-truncate return for the arguments.
import wrapAnsi from 'wrap-ansi';
import cliTruncate from 'cli-truncate';
import {BoundedCache} from './boundedCache.js';

/** Entries held by the cache (for tests and measurements). */
export const wrapTextCache = new BoundedCache<string>(2000);

const wrapText = (text: string, maxWidth: number, wrapType: string): string => {
	const key = `${maxWidth}:${wrapType.length}:${wrapType}${text}`;
	const cached = wrapTextCache.get(key);
	if (cached !== undefined) return cached;
	let wrappedText = text;
	if (wrapType === 'wrap') {
		wrappedText = wrapAnsi(text, maxWidth, {trim: false, hard: true});
	}
	if (wrapType.startsWith('truncate')) {
		let position: 'start' | 'middle' | 'end' = 'end';
		if (wrapType === 'truncate-middle') position = 'middle';
		if (wrapType === 'truncate-start') position = 'start';
		wrappedText = cliTruncate(text, maxWidth, {position});
	}
	wrapTextCache.set(key, wrappedText);
	return wrappedText;
};

export default wrapText;
