// Run by `pnpm pack` (prepack): copies the dashboard's built files into dist/dashboard, so a canaryd installed from
// its tarball serves /ui without the dashboard package beside it. `postpack` removes the copy again.
import { cpSync, existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const daemonDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const target = join(daemonDir, 'dist', 'dashboard');

if (process.argv[2] === '--remove') {
  rmSync(target, { recursive: true, force: true });
} else {
  const manifest = createRequire(join(daemonDir, 'package.json')).resolve(
    '@prompt-canary/dashboard/package.json',
  );
  const source = join(dirname(manifest), 'dist');
  if (!existsSync(join(source, 'index.html'))) {
    process.stderr.write(
      `bundle-dashboard: ${source} has no index.html: build the dashboard first (pnpm build)\n`,
    );
    process.exit(1);
  }
  rmSync(target, { recursive: true, force: true });
  cpSync(source, target, { recursive: true });
}
