/**
 * Ends the process the way a hang-up does: by SIGHUP, with its default action. Used once the
 * terminal is gone and everything is closed: Node 20's own exit path asserts on resetting the
 * vanished tty and aborts with a native stack (nodejs/node#51519, fixed in later Node).
 */
export function endByHangup(): never {
	process.removeAllListeners('SIGHUP');
	process.kill(process.pid, 'SIGHUP');
	// A signal sent to itself is delivered before kill() returns; this is reached only if SIGHUP is ignored.
	process.kill(process.pid, 'SIGKILL');
	throw new Error('unreachable');
}

/** A write to a terminal that hung up fails with EIO, often before SIGHUP arrives. */
export function isHangup(error: unknown): boolean {
	return (error as NodeJS.ErrnoException | undefined)?.code === 'EIO';
}
