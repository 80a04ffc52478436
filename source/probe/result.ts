/**
 * Why a reading is missing. A missing value is shown as "n/a" with this reason, never as 0.
 * PENDING: not read yet (the live view's first frame comes before the first scan of /proc).
 */
export type Reason = 'ENOENT' | 'EACCES' | 'ESRCH' | 'EOPNOTSUPP' | 'PARSE' | 'EMPTY' | 'EIO' | 'PENDING';

export type Result<T> = {ok: true; value: T} | {ok: false; reason: Reason; detail?: string};

export const ok = <T>(value: T): Result<T> => ({ok: true, value});

export const fail = <T = never>(reason: Reason, detail?: string): Result<T> => ({ok: false, reason, detail});

/** Maps a Node fs error to a Reason; anything unexpected is EIO so a reader never throws. */
export function reasonOf(error: unknown): Reason {
	const code = (error as NodeJS.ErrnoException | undefined)?.code;
	switch (code) {
		case 'ENOENT':
		case 'ENOTDIR':
			return 'ENOENT';
		case 'EACCES':
		case 'EPERM':
			return 'EACCES';
		case 'ESRCH':
			return 'ESRCH';
		case 'EOPNOTSUPP':
		case 'ENOTSUP':
			return 'EOPNOTSUPP';
		default:
			return 'EIO';
	}
}

/** Human words for a reason, for "slab caches: needs root" style lines. */
export function describeReason(reason: Reason): string {
	switch (reason) {
		case 'ENOENT':
			return 'not available on this kernel';
		case 'EACCES':
			return 'needs root';
		case 'ESRCH':
			return 'process exited';
		case 'EOPNOTSUPP':
			return 'disabled in this kernel';
		case 'PARSE':
			return 'unreadable format';
		case 'EMPTY':
			return 'no data';
		case 'EIO':
			return 'read error';
		case 'PENDING':
			return 'not read yet';
	}
}
