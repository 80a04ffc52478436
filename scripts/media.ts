/**
 * `npm run media`: regenerates media/ from the real program on this machine.
 *
 * - media/leaktop.png — the live view at 120x40 in tmux, with a python3 child leaking about
 *   600 MiB/min selected and the verdicts leaktop reaches about it (waits up to 80 s for them).
 * - media/leaktop.cast, media/leaktop.svg — an asciinema cast of a short live session (start, move
 *   the selection, sort by growth, open help, quit) and that cast rendered to an animated SVG.
 * - media/leaktop-replay.cast, media/leaktop-replay.svg — the same for `leaktop replay` of the
 *   recording made while the screenshot was taken (play, faster, step, verdicts, quit).
 *
 * Needs tmux, asciinema (Debian's 2.2 is enough), rsvg-convert (librsvg2-bin) and python3. Keys
 * are sent with tmux send-keys on a private tmux server; the leaking child, the tmux server and
 * the temporary directory are removed on every exit path, Ctrl-C included. Takes about 2 minutes.
 *
 * The SVGs come from a small terminal emulator below (cursor moves, erase, scrolling, SGR colours,
 * bold, inverse, the alternate screen): enough for what Ink writes, not a general VT100.
 */
import {spawn, spawnSync, type ChildProcess} from 'node:child_process';
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MEDIA = join(ROOT, 'media');
const COLS = 120;
const ROWS = 40;
const INTERVAL = '0.5';
/** The screenshot waits at most this long for a verdict about the leaking child. */
const VERDICT_WAIT_MS = 80_000;
const SOCKET = `leaktop-media-${process.pid}`;

// A steady user-space leak: 1 MiB touched every 0.1 s, capped at 1.5 GiB so a run left behind
// cannot hurt the box; it dies with its parent (PR_SET_PDEATHSIG) and when its stdin closes.
const LEAKER = String.raw`
import ctypes, signal, sys, threading, time, os
ctypes.CDLL(None).prctl(1, signal.SIGKILL)
threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
kept = []
while len(kept) < 1536:
    block = bytearray(1 << 20)
    for i in range(0, len(block), 4096):
        block[i] = 1
    kept.append(block)
    time.sleep(0.1)
time.sleep(3600)
`;

// ---------------------------------------------------------------------------------------------
// A terminal screen: just enough VT for Ink's output, tmux capture-pane -e and asciinema casts.

interface Pen {
	fg: number | string | null;
	bg: number | string | null;
	bold: boolean;
	dim: boolean;
	italic: boolean;
	underline: boolean;
	inverse: boolean;
}

interface Cell {
	ch: string;
	pen: Pen;
}

const PLAIN: Pen = Object.freeze({fg: null, bg: null, bold: false, dim: false, italic: false, underline: false, inverse: false});

/** A grid of cells fed with terminal output; `snapshot` copies what is on screen now. */
class Screen {
	private main: Cell[][];
	private alt: Cell[][];
	private grid: Cell[][];
	private x = 0;
	private y = 0;
	private saved = {x: 0, y: 0};
	private wrapPending = false;
	private pen: Pen = PLAIN;
	private top = 0;
	private bottom: number;
	private state: 'ground' | 'esc' | 'csi' | 'osc' | 'charset' = 'ground';
	private seq = '';

	constructor(readonly cols: number, readonly rows: number) {
		this.main = this.blank();
		this.alt = this.blank();
		this.grid = this.main;
		this.bottom = rows - 1;
	}

	/** Interprets a chunk of output (a whole string: casts store decoded text). */
	feed(data: string): void {
		for (const ch of data) {
			switch (this.state) {
				case 'ground':
					this.ground(ch);
					break;
				case 'esc':
					this.escape(ch);
					break;
				case 'csi':
					if (ch >= '@' && ch <= '~') {
						this.state = 'ground';
						this.csi(this.seq, ch);
					} else {
						this.seq += ch;
					}
					break;
				case 'osc':
					if (ch === '\x07' || ch === '\x1b') this.state = ch === '\x1b' ? 'esc' : 'ground';
					break;
				case 'charset':
					this.state = 'ground';
					break;
			}
		}
	}

	/** A copy of the visible grid. */
	snapshot(): Cell[][] {
		return this.grid.map(row => row.map(cell => ({...cell})));
	}

	private blank(): Cell[][] {
		return Array.from({length: this.rows}, () => this.blankRow());
	}

	private blankRow(pen: Pen = PLAIN): Cell[] {
		// Erase fills with the current background, as xterm does (bce).
		const fill: Pen = pen.bg === null ? PLAIN : {...PLAIN, bg: pen.bg};
		return Array.from({length: this.cols}, () => ({ch: ' ', pen: fill}));
	}

	private ground(ch: string): void {
		const code = ch.codePointAt(0)!;
		if (ch === '\x1b') {
			this.state = 'esc';
		} else if (ch === '\r') {
			this.x = 0;
			this.wrapPending = false;
		} else if (ch === '\n' || ch === '\x0b' || ch === '\x0c') {
			this.lineFeed();
		} else if (ch === '\b') {
			this.x = Math.max(0, this.x - 1);
			this.wrapPending = false;
		} else if (ch === '\t') {
			this.x = Math.min(this.cols - 1, (Math.floor(this.x / 8) + 1) * 8);
		} else if (code >= 0x20 && code !== 0x7f && !(code >= 0x80 && code < 0xa0)) {
			if (this.wrapPending) {
				this.x = 0;
				this.lineFeed();
			}
			this.grid[this.y]![this.x] = {ch, pen: this.pen};
			if (this.x === this.cols - 1) this.wrapPending = true;
			else this.x++;
		}
	}

	private escape(ch: string): void {
		this.state = 'ground';
		if (ch === '[') {
			this.state = 'csi';
			this.seq = '';
		} else if (ch === ']' || ch === 'P' || ch === '_' || ch === '^') {
			this.state = 'osc';
		} else if (ch === '(' || ch === ')' || ch === '*' || ch === '+') {
			this.state = 'charset';
		} else if (ch === '7') {
			this.saved = {x: this.x, y: this.y};
		} else if (ch === '8') {
			({x: this.x, y: this.y} = this.saved);
		} else if (ch === 'M') {
			if (this.y === this.top) this.scrollDown(1);
			else this.y = Math.max(0, this.y - 1);
		} else if (ch === 'D') {
			this.lineFeed();
		} else if (ch === 'E') {
			this.x = 0;
			this.lineFeed();
		} else if (ch === 'c') {
			this.main = this.blank();
			this.alt = this.blank();
			this.grid = this.main;
			this.x = this.y = 0;
			this.pen = PLAIN;
		}
	}

	private csi(body: string, final: string): void {
		const priv = body.startsWith('?');
		const params = (priv ? body.slice(1) : body).split(';').map(p => Number.parseInt(p, 10));
		const n = (i: number, fallback = 1) => {
			const v = params[i];
			return v === undefined || Number.isNaN(v) || v === 0 ? fallback : v;
		};
		this.wrapPending = false;
		if (priv) {
			if (final === 'h' || final === 'l') {
				for (const p of params) if (p === 1049 || p === 1047 || p === 47) this.altScreen(final === 'h', p === 1049);
			}
			return;
		}
		switch (final) {
			case 'A':
				this.y = Math.max(this.y >= this.top ? this.top : 0, this.y - n(0));
				break;
			case 'B':
			case 'e':
				this.y = Math.min(this.y <= this.bottom ? this.bottom : this.rows - 1, this.y + n(0));
				break;
			case 'C':
			case 'a':
				this.x = Math.min(this.cols - 1, this.x + n(0));
				break;
			case 'D':
				this.x = Math.max(0, this.x - n(0));
				break;
			case 'E':
				this.y = Math.min(this.rows - 1, this.y + n(0));
				this.x = 0;
				break;
			case 'F':
				this.y = Math.max(0, this.y - n(0));
				this.x = 0;
				break;
			case 'G':
			case '`':
				this.x = Math.min(this.cols - 1, n(0) - 1);
				break;
			case 'd':
				this.y = Math.min(this.rows - 1, n(0) - 1);
				break;
			case 'H':
			case 'f':
				this.y = Math.min(this.rows - 1, n(0) - 1);
				this.x = Math.min(this.cols - 1, n(1) - 1);
				break;
			case 'J':
				this.eraseDisplay(n(0, 0));
				break;
			case 'K':
				this.eraseLine(n(0, 0));
				break;
			case 'X':
				this.fill(this.y, this.x, Math.min(this.cols, this.x + n(0)));
				break;
			case 'P': {
				const row = this.grid[this.y]!;
				row.splice(this.x, n(0));
				while (row.length < this.cols) row.push(this.blankRow(this.pen)[0]!);
				break;
			}
			case '@': {
				const row = this.grid[this.y]!;
				row.splice(this.x, 0, ...this.blankRow(this.pen).slice(0, n(0)));
				row.length = this.cols;
				break;
			}
			case 'L':
				if (this.y >= this.top && this.y <= this.bottom) this.shift(this.y, this.bottom, -n(0));
				break;
			case 'M':
				if (this.y >= this.top && this.y <= this.bottom) this.shift(this.y, this.bottom, n(0));
				break;
			case 'S':
				this.shift(this.top, this.bottom, n(0));
				break;
			case 'T':
				this.shift(this.top, this.bottom, -n(0));
				break;
			case 'r':
				this.top = n(0) - 1;
				this.bottom = Math.min(this.rows, n(1, this.rows)) - 1;
				this.x = this.y = 0;
				break;
			case 's':
				this.saved = {x: this.x, y: this.y};
				break;
			case 'u':
				({x: this.x, y: this.y} = this.saved);
				break;
			case 'm':
				this.sgr(body);
				break;
		}
	}

	private altScreen(on: boolean, saveCursor: boolean): void {
		if (on === (this.grid === this.alt)) return;
		if (on) {
			if (saveCursor) this.saved = {x: this.x, y: this.y};
			this.alt = this.blank();
			this.grid = this.alt;
		} else {
			this.grid = this.main;
			if (saveCursor) ({x: this.x, y: this.y} = this.saved);
		}
	}

	private lineFeed(): void {
		this.wrapPending = false;
		if (this.y === this.bottom) this.shift(this.top, this.bottom, 1);
		else this.y = Math.min(this.rows - 1, this.y + 1);
	}

	private scrollDown(count: number): void {
		this.shift(this.top, this.bottom, -count);
	}

	/** Moves rows first..last up by count (down when negative), filling with blank rows. */
	private shift(first: number, last: number, count: number): void {
		const region = this.grid.slice(first, last + 1);
		const size = region.length;
		const k = Math.max(-size, Math.min(size, count));
		const moved = k >= 0 ? [...region.slice(k), ...Array.from({length: k}, () => this.blankRow(this.pen))] : [...Array.from({length: -k}, () => this.blankRow(this.pen)), ...region.slice(0, size + k)];
		this.grid.splice(first, size, ...moved);
	}

	private fill(y: number, from: number, to: number): void {
		const blank = this.blankRow(this.pen)[0]!;
		const row = this.grid[y]!;
		for (let x = from; x < to; x++) row[x] = {...blank};
	}

	private eraseLine(mode: number): void {
		if (mode === 0) this.fill(this.y, this.x, this.cols);
		else if (mode === 1) this.fill(this.y, 0, this.x + 1);
		else this.fill(this.y, 0, this.cols);
	}

	private eraseDisplay(mode: number): void {
		if (mode === 0) {
			this.eraseLine(0);
			for (let y = this.y + 1; y < this.rows; y++) this.fill(y, 0, this.cols);
		} else if (mode === 1) {
			this.eraseLine(1);
			for (let y = 0; y < this.y; y++) this.fill(y, 0, this.cols);
		} else {
			for (let y = 0; y < this.rows; y++) this.fill(y, 0, this.cols);
		}
	}

	private sgr(body: string): void {
		// Colon sub-parameters (38:5:n, 38:2::r:g:b) are read like their semicolon forms.
		const ps = body === '' ? [0] : body.split(/[;:]/).map(p => (p === '' ? 0 : Number.parseInt(p, 10)));
		const pen = {...this.pen};
		for (let i = 0; i < ps.length; i++) {
			const p = ps[i]!;
			if (p === 0) Object.assign(pen, PLAIN);
			else if (p === 1) pen.bold = true;
			else if (p === 2) pen.dim = true;
			else if (p === 3) pen.italic = true;
			else if (p === 4) pen.underline = true;
			else if (p === 7) pen.inverse = true;
			else if (p === 22) pen.bold = pen.dim = false;
			else if (p === 23) pen.italic = false;
			else if (p === 24) pen.underline = false;
			else if (p === 27) pen.inverse = false;
			else if (p >= 30 && p <= 37) pen.fg = p - 30;
			else if (p >= 90 && p <= 97) pen.fg = p - 90 + 8;
			else if (p === 39) pen.fg = null;
			else if (p >= 40 && p <= 47) pen.bg = p - 40;
			else if (p >= 100 && p <= 107) pen.bg = p - 100 + 8;
			else if (p === 49) pen.bg = null;
			else if (p === 38 || p === 48) {
				let colour: number | string | null = null;
				if (ps[i + 1] === 5) {
					colour = ps[i + 2] ?? 0;
					i += 2;
				} else if (ps[i + 1] === 2) {
					// 38:2::r:g:b carries an empty colour-space id; 38;2;r;g;b does not.
					const rgb = ps.length - i >= 6 && body.includes('::') ? ps.slice(i + 3, i + 6) : ps.slice(i + 2, i + 5);
					colour = '#' + rgb.map(v => Math.max(0, Math.min(255, v ?? 0)).toString(16).padStart(2, '0')).join('');
					i += body.includes('::') ? 5 : 4;
				}
				if (p === 38) pen.fg = colour;
				else pen.bg = colour;
			}
		}
		this.pen = pen;
	}
}

// ---------------------------------------------------------------------------------------------
// Screens to SVG.

const BACKGROUND = '#1d1f21';
const FOREGROUND = '#d0d0d0';
const PALETTE = ['#2e3436', '#e0524a', '#5fb35f', '#d7b948', '#5c8fd6', '#b674c9', '#4fb4c4', '#c5c8c6', '#767b7f', '#ff6e67', '#7fd87f', '#f5d76e', '#82aaff', '#d69ee8', '#7fd6e2', '#ffffff'];
const FONT_SIZE = 14;
/** DejaVu Sans Mono advances 1233/2048 em; the cell width matches it so runs stay aligned. */
const CELL_W = Math.round(FONT_SIZE * (1233 / 2048) * 100) / 100;
const CELL_H = 17;
const BASELINE = 13;
const PAD = 12;

function colour(value: number | string | null, fallback: string): string {
	if (value === null) return fallback;
	if (typeof value === 'string') return value;
	if (value < 16) return PALETTE[value]!;
	if (value < 232) {
		const v = value - 16;
		const level = (c: number) => (c === 0 ? 0 : 55 + c * 40);
		return '#' + [Math.floor(v / 36), Math.floor(v / 6) % 6, v % 6].map(c => level(c).toString(16).padStart(2, '0')).join('');
	}
	const grey = (8 + (value - 232) * 10).toString(16).padStart(2, '0');
	return `#${grey}${grey}${grey}`;
}

interface Look {
	fg: string;
	bg: string;
	bold: boolean;
	dim: boolean;
	italic: boolean;
	underline: boolean;
}

function look(pen: Pen): Look {
	let fg = colour(pen.fg, FOREGROUND);
	let bg = colour(pen.bg, BACKGROUND);
	if (pen.inverse) [fg, bg] = [bg, fg];
	return {fg, bg, bold: pen.bold, dim: pen.dim, italic: pen.italic, underline: pen.underline};
}

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const px = (n: number) => String(Math.round(n * 100) / 100);

/** One row as SVG (background rects, then text runs), drawn at y = 0. */
function rowSvg(row: Cell[]): string {
	const looks = row.map(cell => look(cell.pen));
	const parts: string[] = [];
	for (let x = 0; x < row.length; ) {
		const bg = looks[x]!.bg;
		let end = x + 1;
		while (end < row.length && looks[end]!.bg === bg) end++;
		if (bg !== BACKGROUND) parts.push(`<rect x="${px(x * CELL_W)}" width="${px((end - x) * CELL_W)}" height="${CELL_H}" fill="${bg}"/>`);
		x = end;
	}
	const same = (a: Look, b: Look) => a.fg === b.fg && a.bold === b.bold && a.dim === b.dim && a.italic === b.italic && a.underline === b.underline;
	const spans: string[] = [];
	for (let x = 0; x < row.length; ) {
		let end = x + 1;
		while (end < row.length && same(looks[end]!, looks[x]!)) end++;
		const text = row.slice(x, end).map(cell => cell.ch).join('');
		if (text.trim() !== '' || looks[x]!.underline) {
			// Leading spaces are skipped by moving x, so runs start where their ink does.
			const lead = text.length - text.trimStart().length;
			const l = looks[x]!;
			const attrs = [`x="${px((x + lead) * CELL_W)}"`];
			if (l.fg !== FOREGROUND) attrs.push(`fill="${l.fg}"`);
			if (l.bold) attrs.push('font-weight="bold"');
			if (l.dim) attrs.push('fill-opacity="0.6"');
			if (l.italic) attrs.push('font-style="italic"');
			if (l.underline) attrs.push('text-decoration="underline"');
			spans.push(`<tspan ${attrs.join(' ')}>${escapeXml(text.slice(lead).trimEnd() || text)}</tspan>`);
		}
		x = end;
	}
	if (spans.length > 0) parts.push(`<text xml:space="preserve" y="${BASELINE}">${spans.join('')}</text>`);
	return parts.join('');
}

interface Frame {
	grid: Cell[][];
	/** Seconds from the start of the cast. */
	at: number;
}

/**
 * Frames as one SVG. A single frame is a still picture; several become an animation that loops:
 * the frames are stacked in a strip and a CSS animation steps the strip, each frame shown for its
 * own duration. Rows repeated between frames are defined once and reused.
 */
function renderSvg(frames: Frame[], cols: number, rows: number, endAt?: number): string {
	const width = cols * CELL_W + 2 * PAD;
	const height = rows * CELL_H + 2 * PAD;
	const defs = new Map<string, string>();
	const body: string[] = [];
	frames.forEach((frame, i) => {
		const uses: string[] = [];
		frame.grid.forEach((row, y) => {
			const svg = rowSvg(row);
			if (svg === '') return;
			let id = defs.get(svg);
			if (id === undefined) {
				id = `r${defs.size.toString(36)}`;
				defs.set(svg, id);
			}
			uses.push(`<use href="#${id}" y="${y * CELL_H}"/>`);
		});
		body.push(`<g transform="translate(0 ${i * height})">${uses.join('')}</g>`);
	});
	let style = `text{font-family:'DejaVu Sans Mono','Menlo','Consolas',monospace;font-size:${FONT_SIZE}px;white-space:pre;fill:${FOREGROUND}}`;
	if (frames.length > 1) {
		const total = Math.max(endAt ?? 0, frames.at(-1)!.at + 1);
		const steps = frames.map((f, i) => `${((f.at / total) * 100).toFixed(3)}%{transform:translateY(${px(-i * height)}px)}`);
		style += `@keyframes play{${steps.join('')}100%{transform:translateY(${px(-(frames.length - 1) * height)}px)}}.strip{animation:play ${total.toFixed(2)}s step-end infinite}`;
	}
	const rowDefs = [...defs].map(([svg, id]) => `<g id="${id}">${svg}</g>`).join('');
	return [
		`<svg xmlns="http://www.w3.org/2000/svg" width="${px(width)}" height="${px(height)}" viewBox="0 0 ${px(width)} ${px(height)}">`,
		`<style>${style}</style>`,
		`<defs>${rowDefs}</defs>`,
		`<rect width="100%" height="100%" rx="6" fill="${BACKGROUND}"/>`,
		`<svg x="${PAD}" y="${PAD}" width="${px(cols * CELL_W)}" height="${rows * CELL_H}" overflow="hidden">`,
		`<g class="strip">${body.join('')}</g>`,
		'</svg></svg>',
		'',
	].join('\n');
}

/**
 * An asciinema v2 cast played through Screen. A frame is kept each time the screen settles: the
 * output after a quiet gap of `settleSec` (a whole Ink redraw), at most one frame per `minGapSec`.
 */
function castFrames(cast: string, minGapSec = 0.25, settleSec = 0.05): {frames: Frame[]; cols: number; rows: number; endAt: number} {
	const [headerLine, ...lines] = cast.split('\n').filter(line => line.trim() !== '');
	const header = JSON.parse(headerLine!) as {width: number; height: number};
	const screen = new Screen(header.width, header.height);
	const events = lines.map(line => JSON.parse(line) as [number, string, string]).filter(e => e[1] === 'o');
	const frames: Frame[] = [];
	const key = (grid: Cell[][]) => grid.map(row => rowSvg(row)).join('\n');
	let last = '';
	events.forEach(([at, , data], i) => {
		screen.feed(data);
		const next = events[i + 1];
		if (next && next[0] - at < settleSec) return;
		const grid = screen.snapshot();
		const k = key(grid);
		if (k === last) return;
		const previous = frames.at(-1);
		if (previous && at - previous.at < minGapSec) frames.pop();
		frames.push({grid, at: previous && at - previous.at < minGapSec ? previous.at : at});
		last = k;
	});
	const endAt = (events.at(-1)?.[0] ?? 0) + 1.5;
	return {frames, cols: header.width, rows: header.height, endAt};
}

// ---------------------------------------------------------------------------------------------
// Driving the real program.

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

function run(command: string, args: string[], input?: string): string {
	const result = spawnSync(command, args, {cwd: ROOT, encoding: 'utf8', input});
	if (result.error) throw result.error;
	if (result.status !== 0) throw new Error(`${command} ${args.join(' ')}: exit ${result.status}\n${result.stderr}`);
	return result.stdout;
}

const WORK = mkdtempSync(join(tmpdir(), 'leaktop-media-'));
/** Read when the private tmux server starts: no status line (the pane is the whole 120x40), 256 colours. */
const TMUX_CONF = join(WORK, 'tmux.conf');
const tmux = (...args: string[]) => run('tmux', ['-L', SOCKET, '-f', TMUX_CONF, ...args]);
const tmuxAlive = (session: string) => spawnSync('tmux', ['-L', SOCKET, 'has-session', '-t', session]).status === 0;
const keys = (session: string, ...names: string[]) => tmux('send-keys', '-t', session, ...names);
const capture = (session: string, colours = false) => tmux('capture-pane', '-p', '-t', session, ...(colours ? ['-e'] : []));

/** Starts `command` in a fresh detached session of exactly COLS x ROWS (no status line). */
function startSession(session: string, command: string): void {
	tmux('new-session', '-d', '-s', session, '-x', String(COLS), '-y', String(ROWS), '-c', ROOT, command);
	const size = tmux('display-message', '-p', '-t', session, '#{pane_width}x#{pane_height}').trim();
	if (size !== `${COLS}x${ROWS}`) throw new Error(`tmux pane is ${size}, not ${COLS}x${ROWS}`);
}

async function waitFor(what: string, test: () => boolean, timeoutMs: number): Promise<boolean> {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		if (test()) return true;
		await sleep(250);
	}
	process.stdout.write(`  (gave up waiting for ${what} after ${timeoutMs / 1000} s)\n`);
	return false;
}

/** Sends keys one step at a time, with pauses so each change is seen in the cast. */
async function play(session: string, steps: Array<[string[], number]>): Promise<void> {
	for (const [names, pauseMs] of steps) {
		if (names.length > 0) keys(session, ...names);
		await sleep(pauseMs);
	}
}

/** Records `command` with asciinema in a tmux session while `steps` are typed, then renders it. */
async function recordCast(name: string, command: string, ready: RegExp, steps: Array<[string[], number]>): Promise<void> {
	const cast = join(MEDIA, `${name}.cast`);
	const session = name;
	startSession(session, `asciinema rec --quiet --overwrite --command '${command}' ${cast}`);
	if (!(await waitFor(`${name} to draw`, () => tmuxAlive(session) && ready.test(capture(session)), 20_000))) throw new Error(`${name}: the view never appeared`);
	await play(session, steps);
	if (!(await waitFor(`${name} to quit`, () => !tmuxAlive(session), 10_000))) throw new Error(`${name}: still running after q`);
	const {frames, cols, rows, endAt} = castFrames(readFileSync(cast, 'utf8'));
	writeFileSync(join(MEDIA, `${name}.svg`), renderSvg(frames, cols, rows, endAt));
	process.stdout.write(`  media/${name}.cast, media/${name}.svg (${frames.length} frames, ${endAt.toFixed(1)} s)\n`);
}

async function main(): Promise<void> {
	for (const [tool, hint] of [
		['tmux', 'apt-get install tmux'],
		['asciinema', 'apt-get install asciinema'],
		['rsvg-convert', 'apt-get install librsvg2-bin'],
		['python3', 'apt-get install python3'],
	] as const) {
		if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) throw new Error(`${tool} is missing (${hint})`);
	}
	mkdirSync(MEDIA, {recursive: true});
	const work = WORK;
	const recording = join(work, 'session.ndjson');
	writeFileSync(join(work, 'leaky.py'), LEAKER);
	writeFileSync(TMUX_CONF, 'set -g status off\nset -g default-terminal tmux-256color\n');
	let leaker: ChildProcess | null = null;
	let recorder: ChildProcess | null = null;
	const cleanUp = () => {
		leaker?.kill('SIGKILL');
		recorder?.kill('SIGKILL');
		spawnSync('tmux', ['-L', SOCKET, 'kill-server'], {stdio: 'ignore'});
		// A tmux server that exits on its own last session leaves its socket file behind.
		rmSync(join(process.env.TMUX_TMPDIR ?? '/tmp', `tmux-${process.getuid?.() ?? 0}`, SOCKET), {force: true});
		rmSync(work, {recursive: true, force: true});
	};
	const onSignal = () => {
		cleanUp();
		process.exit(130);
	};
	process.once('SIGINT', onSignal);
	process.once('SIGTERM', onSignal);
	try {
		// The command line reads "python3 leaky.py" in the process table: the interpreter itself
		// (not a pyenv shim that re-executes it by full path), argv[0] short, cwd the work dir.
		const python = run('python3', ['-c', 'import sys; print(sys.executable)']).trim();
		leaker = spawn(python, ['leaky.py'], {argv0: 'python3', cwd: work, stdio: ['pipe', 'ignore', 'inherit']});
		const pid = leaker.pid!;
		process.stdout.write(`leaking child: pid ${pid}\n`);
		// Recorded headless beside the live view (so the screenshot has no "recording to" line);
		// replayed for the second cast.
		recorder = spawn(process.execPath, ['dist/cli.js', 'record', recording, '-d', INTERVAL], {cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit']});

		process.stdout.write('screenshot: live view, waiting for a verdict about the leak\n');
		const live = 'leaktop-live';
		startSession(live, `env CI=false node dist/cli.js -d ${INTERVAL}`);
		await waitFor('the live view', () => /Processes/.test(capture(live)), 15_000);
		const started = Date.now();
		// The headline verdict is the line under the kernel line. The leak is judged after 40 s of
		// history; the headline may be its consequence (time to exhaustion) with the leak under v.
		const verdictLine = () => {
			const lines = capture(live).split('\n');
			return lines[lines.findIndex(line => line.startsWith('Kernel')) + 1] ?? '';
		};
		await waitFor(`a verdict about pid ${pid}`, () => new RegExp(`\\b${pid}\\b|more: v`).test(verdictLine()), VERDICT_WAIT_MS);
		process.stdout.write(`  after ${Math.round((Date.now() - started) / 1000)} s: ${verdictLine().trim()}\n`);
		// The selection moves onto the leaking child wherever RSS order put it (other processes on a
		// shared box may outgrow it); one more tick then lands so the screen is a whole frame.
		const table = capture(live).split('\n');
		const header = table.findIndex(line => /^\s*PID\s+USER/.test(line));
		const row = table.findIndex(line => new RegExp(`^\\s*${pid}\\s`).test(line));
		if (header >= 0 && row > header + 1) keys(live, ...Array.from({length: row - header - 1}, () => 'Down'));
		await sleep(900);
		const screen = new Screen(COLS, ROWS);
		screen.feed(capture(live, true).replace(/\n$/, '').split('\n').join('\x1b[0m\r\n'));
		const still = join(work, 'leaktop.svg');
		writeFileSync(still, renderSvg([{grid: screen.snapshot(), at: 0}], COLS, ROWS));
		run('rsvg-convert', ['--format', 'png', '--output', join(MEDIA, 'leaktop.png'), still]);
		keys(live, 'q');
		await waitFor('the live view to quit', () => !tmuxAlive(live), 10_000);
		if (recorder.exitCode === null) {
			const recorded = new Promise(resolve => recorder!.once('exit', resolve));
			recorder.kill('SIGTERM');
			await recorded;
		}
		process.stdout.write('  media/leaktop.png\n');

		process.stdout.write('cast: a short live session\n');
		await recordCast('leaktop', `env CI=false node dist/cli.js -d ${INTERVAL}`, /Processes/, [
			[[], 3000],
			...Array.from({length: 4}, (): [string[], number] => [['Down'], 500]),
			[['Up'], 1000],
			[['G'], 3500],
			[['?'], 3500],
			[['Escape'], 2000],
			[['q'], 500],
		]);

		// The replay of the screenshot's recording: issue 6 asks for a cast of a replay session.
		process.stdout.write('cast: replaying the recording made during the screenshot\n');
		await recordCast('leaktop-replay', `env CI=false node dist/cli.js replay ${recording}`, /Processes/, [
			[[], 2500],
			[['Space'], 1500],
			[['>'], 1000],
			[['>'], 4000],
			[['Space'], 1000],
			[['t'], 700],
			[['t'], 700],
			[['T'], 1000],
			[['Z'], 2000],
			[['v'], 3500],
			[['Escape'], 1500],
			[['q'], 500],
		]);
	} finally {
		cleanUp();
	}
}

main().catch((error: unknown) => {
	process.stderr.write(`media: ${error instanceof Error ? error.message : String(error)}\n`);
	process.exit(1);
});
