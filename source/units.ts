/** Parsing and printing of the units people type and read: durations, sizes. */

const DURATION_UNITS: Record<string, number> = {ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000};

/** `90`, `0.5`, `90s`, `15m`, `8h`, `1d`, `250ms` → milliseconds; null when not a duration. */
export function parseDurationMs(text: string | number): number | null {
	const match = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(ms|s|m|h|d)?\s*$/.exec(String(text));
	if (!match) return null;
	const ms = Number(match[1]) * DURATION_UNITS[match[2] ?? 's']!;
	return Number.isFinite(ms) ? ms : null;
}

const SIZE_UNITS: Record<string, number> = {'': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4};

/** `20M`, `1.5G`, `500k`, `4096` → bytes (binary units, as the README says); null otherwise. */
export function parseSizeBytes(text: string | number): number | null {
	const match = /^\s*(\d+(?:\.\d+)?)\s*([bkmgt]?)(?:i?b)?\s*$/i.exec(String(text));
	if (!match) return null;
	const bytes = Math.round(Number(match[1]) * SIZE_UNITS[match[2]!.toLowerCase()]!);
	return Number.isFinite(bytes) ? bytes : null;
}

const BYTE_UNITS = ['B', 'K', 'M', 'G', 'T', 'P'];

/** Bytes in the style of top/htop: 1023B, 12.3K, 512M, 1.50G; "n/a" for a missing value. */
export function formatBytes(bytes: number | null | undefined): string {
	if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return 'n/a';
	const sign = bytes < 0 ? '-' : '';
	let value = Math.abs(bytes);
	let unit = 0;
	while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
		value /= 1024;
		unit++;
	}
	const digits = unit === 0 || value >= 100 ? 0 : value >= 10 ? 1 : 2;
	return `${sign}${value.toFixed(digits)}${BYTE_UNITS[unit]}`;
}

/** A signed rate per minute, e.g. "+1.02M/min"; "n/a" when unknown. */
export function formatRatePerMin(bytesPerMin: number | null | undefined): string {
	if (bytesPerMin === null || bytesPerMin === undefined || !Number.isFinite(bytesPerMin)) return 'n/a';
	return `${bytesPerMin > 0 ? '+' : ''}${formatBytes(bytesPerMin)}/min`;
}

/** A signed change, e.g. "+12.0M", "0B". */
export function formatDelta(bytes: number | null | undefined): string {
	if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return 'n/a';
	return `${bytes > 0 ? '+' : ''}${formatBytes(bytes)}`;
}

/**
 * Local wall-clock time as `HH:MM:SS`, what `toLocaleTimeString('en-GB', {hour12: false})` gives,
 * without its Intl formatter: that costs ~27 ms on first use (in the first frame) and ~0.15 ms a call.
 */
export function formatClock(ms: number): string {
	const date = new Date(ms);
	const two = (n: number) => (n < 10 ? `0${n}` : String(n));
	return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
}

/** Seconds as `3d 04:05:06` / `04:05:06` / `05:06`. */
export function formatDuration(seconds: number): string {
	const s = Math.max(0, Math.floor(seconds));
	const days = Math.floor(s / 86_400);
	const hh = String(Math.floor((s % 86_400) / 3600)).padStart(2, '0');
	const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
	const ss = String(s % 60).padStart(2, '0');
	if (days > 0) return `${days}d ${hh}:${mm}:${ss}`;
	return s >= 3600 ? `${hh}:${mm}:${ss}` : `${mm}:${ss}`;
}
