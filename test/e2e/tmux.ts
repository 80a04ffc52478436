import {execFileSync} from 'node:child_process';
import {readFileSync} from 'node:fs';

/** A tmux session running a command, driven like a person at a terminal. */
export class TmuxSession {
	constructor(readonly name: string) {}

	static start(name: string, command: string, columns = 120, rows = 40): TmuxSession {
		try {
			execFileSync('tmux', ['kill-session', '-t', name], {stdio: 'ignore'});
		} catch {
			// No such session: fine.
		}
		return TmuxSession.create(name, command, columns, rows);
	}

	private static create(name: string, command: string, columns: number, rows: number): TmuxSession {
		execFileSync('tmux', ['new-session', '-d', '-s', name, '-x', String(columns), '-y', String(rows), command]);
		execFileSync('tmux', ['set-option', '-t', name, 'remain-on-exit', 'on']);
		return new TmuxSession(name);
	}

	screen(): string {
		return execFileSync('tmux', ['capture-pane', '-p', '-t', this.name]).toString();
	}

	keys(...keys: string[]): void {
		execFileSync('tmux', ['send-keys', '-t', this.name, ...keys]);
	}

	/** Literal text, not key names. */
	type(text: string): void {
		execFileSync('tmux', ['send-keys', '-l', '-t', this.name, text]);
	}

	resize(columns: number, rows: number): void {
		execFileSync('tmux', ['resize-window', '-t', this.name, '-x', String(columns), '-y', String(rows)]);
	}

	/** 1 while the program in the pane is on the alternate screen. */
	alternateOn(): boolean {
		return execFileSync('tmux', ['display-message', '-p', '-t', this.name, '#{alternate_on}']).toString().trim() === '1';
	}

	paneDead(): boolean {
		return execFileSync('tmux', ['display-message', '-p', '-t', this.name, '#{pane_dead}']).toString().trim() === '1';
	}

	panePid(): number {
		return Number(execFileSync('tmux', ['display-message', '-p', '-t', this.name, '#{pane_pid}']).toString().trim());
	}

	kill(): void {
		try {
			execFileSync('tmux', ['kill-session', '-t', this.name], {stdio: 'ignore'});
		} catch {
			// Already gone.
		}
	}

	async waitFor(pattern: RegExp, timeoutMs = 10_000): Promise<string> {
		const deadline = Date.now() + timeoutMs;
		let screen = '';
		while (Date.now() < deadline) {
			screen = this.screen();
			if (pattern.test(screen)) return screen;
			await new Promise(resolve => setTimeout(resolve, 100));
		}
		throw new Error(`timed out waiting for ${pattern} on screen:\n${screen}`);
	}
}

/** Reads a file the pane's shell writes when the program exits ("EXIT=0"). */
export function readExit(path: string): string | null {
	try {
		return readFileSync(path, 'utf8').trim();
	} catch {
		return null;
	}
}
