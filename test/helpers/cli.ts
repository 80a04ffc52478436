import {existsSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {execa, type Options} from 'execa';

/** The repository root, where `dist/cli.js` is built. */
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const cliPath = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

/** Fails loudly when the bundle is missing: npm test builds it; by hand, `npm run build`. */
export function assertBuilt(): void {
	if (!existsSync(cliPath)) throw new Error(`${cliPath} is missing: run \`npm run build\` first`);
}

/** Runs `node dist/cli.js ...args`, never rejecting, with a timeout so a hang fails the test. */
export async function runCli(args: readonly string[], options: Options = {}) {
	assertBuilt();
	return execa('node', [cliPath, ...args], {reject: false, timeout: 20_000, cwd: repoRoot, env: {LEAKTOP_DEBUG: ''}, ...options});
}

/** `snapshot --json` (or any --json command printing one object) parsed. */
export async function cliJson(args: readonly string[]): Promise<Record<string, any>> {
	const result = await runCli(args);
	if (result.exitCode !== 0) throw new Error(`leaktop ${args.join(' ')} exited ${result.exitCode}: ${String(result.stderr)}`);
	return JSON.parse(String(result.stdout)) as Record<string, any>;
}
