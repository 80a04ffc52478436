/** Retries an assertion until it holds or the time is up (Ink throttles frames; a loaded machine renders late). */
export async function eventually(check: () => void, timeoutMs = 3000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		try {
			check();
			return;
		} catch (error) {
			if (Date.now() > deadline) throw error;
			await new Promise(resolve => setTimeout(resolve, 25));
		}
	}
}
