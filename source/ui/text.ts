/** Terminal columns of one code point: 0 for combining marks, 2 for East Asian wide, else 1. */
function charWidth(code: number): number {
	if (code < 0x300) return 1;
	if ((code >= 0x300 && code <= 0x36f) || (code >= 0x200b && code <= 0x200f) || (code >= 0xfe00 && code <= 0xfe0f)) return 0;
	if (
		(code >= 0x1100 && code <= 0x115f) ||
		(code >= 0x2e80 && code <= 0xa4cf) ||
		(code >= 0xac00 && code <= 0xd7a3) ||
		(code >= 0xf900 && code <= 0xfaff) ||
		(code >= 0xfe30 && code <= 0xfe4f) ||
		(code >= 0xff00 && code <= 0xff60) ||
		(code >= 0xffe0 && code <= 0xffe6) ||
		(code >= 0x1f300 && code <= 0x1faff) ||
		(code >= 0x20000 && code <= 0x3fffd)
	) {
		return 2;
	}
	return 1;
}

/** Columns a string takes on a terminal. */
export function stringWidth(text: string): number {
	// Below U+0300 a code unit is a whole code point one column wide: most texts end here.
	let ascii = 0;
	while (ascii < text.length && text.charCodeAt(ascii) < 0x300) ascii++;
	if (ascii === text.length) return ascii;
	let width = ascii;
	for (const char of text.slice(ascii)) width += charWidth(char.codePointAt(0)!);
	return width;
}

/** Cuts or pads to exactly `width` columns (wide characters counted as two). */
export function fit(text: string, width: number, align: 'left' | 'right' = 'left'): string {
	if (width <= 0) return '';
	let out = text;
	if (stringWidth(out) > width) {
		out = '';
		let used = 0;
		for (const char of text) {
			const w = charWidth(char.codePointAt(0)!);
			if (used + w > width - 1) break;
			out += char;
			used += w;
		}
		out += '…';
	}
	const gap = ' '.repeat(Math.max(0, width - stringWidth(out)));
	return align === 'left' ? out + gap : gap + out;
}

/**
 * Cuts to `width` columns without padding: a whole line. Ink turns every character of a frame,
 * spaces included, into an object, so padding lines to the terminal width costs a third of a
 * frame's render time for nothing (the previous frame is erased line by line anyway).
 */
export function clip(text: string, width: number): string {
	return fit(text, width).trimEnd();
}

/** Shortens in the middle, keeping both ends of a path: `/usr/lib/…/libfoo.so`. */
export function fitMiddle(text: string, width: number): string {
	if (stringWidth(text) <= width) return fit(text, width);
	const chars = [...text];
	const keep = Math.max(1, width - 1);
	const head = chars.slice(0, Math.ceil(keep / 2)).join('');
	const tail = chars.slice(chars.length - Math.floor(keep / 2)).join('');
	return fit(`${head}…${tail}`, width);
}
