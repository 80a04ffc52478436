/**
 * Code points that Intl.Segmenter never joins with a neighbour of this set, and that ansi-tokenize,
 * string-width and terminals all count one column wide: printable ASCII, Latin-1 and Greek letters,
 * and the punctuation, arrows, maths, box, block and shape glyphs leaktop draws (sparklines, '…',
 * '→', 'Δ', '−', '✓', '⚠'). A text of these alone needs no grapheme walk (nor string-width's emoji
 * tables, ~35 ms to build, in the first frame); the tests check every one against the stock libraries.
 */
export function isNarrowSingle(code: number): boolean {
	if (code < 0x2010) return (code >= 0x20 && code <= 0x7e) || (code >= 0xa1 && code <= 0xff && code !== 0xad) || (code >= 0x391 && code <= 0x3c9);
	return (
		code <= 0x2027 ||
		(code >= 0x2030 && code <= 0x205e) ||
		(code >= 0x2070 && code <= 0x20c0) ||
		(code >= 0x2100 && code <= 0x218b) ||
		(code >= 0x2190 && code <= 0x22ff) ||
		(code >= 0x2460 && code <= 0x25fc) ||
		code === 0x23ce ||
		code === 0x26a0 ||
		code === 0x2713 ||
		code === 0x275a
	);
}

/**
 * Index of the 'm' that ends an SGR sequence `ESC [ digits-and-semicolons m` starting at `start`, or
 * -1: the one escape that ansi-tokenize reads as style codes and strip-ansi removes whole, alike.
 */
export function sgrEnd(text: string, start: number): number {
	if (text.charCodeAt(start) !== 0x1b || text.charCodeAt(start + 1) !== 0x5b) return -1;
	let end = start + 2;
	for (let code = text.charCodeAt(end); code === 0x3b || (code >= 0x30 && code <= 0x39); code = text.charCodeAt(++end));
	return text.charCodeAt(end) === 0x6d ? end : -1;
}

/** string-width of a line of narrow single code points and SGR sequences; undefined for any other line. */
export function narrowWidth(line: string): number | undefined {
	let width = 0;
	for (let i = 0; i < line.length; i++) {
		const code = line.charCodeAt(i);
		if (code === 0x1b) {
			const end = sgrEnd(line, i);
			if (end === -1) return undefined;
			i = end;
		} else if (isNarrowSingle(code)) width++;
		else return undefined;
	}
	return width;
}
