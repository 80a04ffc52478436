import {readSync} from 'node:fs';
import {FRAME_MARKER} from './format.js';

const WINDOW_BYTES = 1024 * 1024;

/**
 * Positional reads of an open recording through a 1 MiB window, so a scan of thousands of small
 * frames costs a few large reads, not one syscall per frame. A read error reads as end of file:
 * a reader never throws.
 */
export class FileBytes {
	private window: Buffer = Buffer.alloc(0);
	private windowStart = 0;

	constructor(
		private readonly fd: number,
		public size: number,
	) {}

	/** Bytes [offset, offset + length), or null when that runs past the end. */
	read = (offset: number, length: number): Buffer | null => {
		if (offset < 0 || length < 0 || offset + length > this.size) return null;
		const inWindow = offset - this.windowStart;
		if (inWindow >= 0 && inWindow + length <= this.window.length) return this.window.subarray(inWindow, inWindow + length);
		if (length > WINDOW_BYTES) return this.readExact(offset, length);
		const loaded = this.readExact(offset, Math.min(WINDOW_BYTES, this.size - offset));
		if (!loaded || loaded.length < length) return null;
		this.window = loaded;
		this.windowStart = offset;
		return loaded.subarray(0, length);
	};

	/** Offset of the next frame marker at or after from, or -1. */
	find = (from: number): number => {
		let offset = from;
		while (offset + FRAME_MARKER.length <= this.size) {
			const length = Math.min(WINDOW_BYTES, this.size - offset);
			const chunk = this.read(offset, length);
			if (!chunk) return -1;
			const at = chunk.indexOf(FRAME_MARKER);
			if (at >= 0) return offset + at;
			// Overlap by marker length − 1 so a marker across two windows is still found.
			offset += Math.max(1, length - FRAME_MARKER.length + 1);
		}
		return -1;
	};

	private readExact(offset: number, length: number): Buffer | null {
		const buffer = Buffer.allocUnsafe(length);
		let done = 0;
		try {
			while (done < length) {
				const n = readSync(this.fd, buffer, done, length - done, offset + done);
				if (n === 0) return null;
				done += n;
			}
		} catch {
			return null;
		}
		return buffer;
	}
}
