import { describe, expect, it } from 'vitest';
import { drillWarning, renderDrill } from './drill-command.js';

const plain = {
  bold: (s: string) => s,
  dim: (s: string) => s,
  red: (s: string) => s,
  green: (s: string) => s,
  yellow: (s: string) => s,
  cyan: (s: string) => s,
};
const DAY = 86_400_000;
const nowMs = Date.parse('2026-12-02T04:00:00Z');

describe('canary drill', () => {
  it('prints every step and names the ones that did not hold', () => {
    const text = renderDrill(
      {
        ok: false,
        steps: [
          { name: 'committed', ok: true, ms: 4, detail: 'revision 12 committed (audit pack.drill)' },
          {
            name: 'applied',
            ok: false,
            ms: 30_010,
            detail: 'applied by 1 of 2 app instances; not applied: app-b',
          },
        ],
      },
      plain as never,
    ).join('\n');
    expect(text).toMatch(/committed\s+✔ ok\s+0\.0 s\s+revision 12 committed/);
    expect(text).toMatch(
      /applied\s+✖ failed\s+30\.0 s\s+applied by 1 of 2 app instances; not applied: app-b/,
    );
    expect(text).toContain('The rollback path did not hold: applied.');
  });

  it('warns when the last drill is more than 30 days old, not before, and not for a pack never drilled', () => {
    const drill = (ageMs: number) => ({
      at: new Date(nowMs - ageMs).toISOString(),
      ok: true,
      revision: 3,
      steps: [],
    });
    expect(drillWarning('p', drill(29 * DAY), nowMs)).toBeNull();
    expect(drillWarning('p', drill(31 * DAY), nowMs)).toMatch(
      /^warning: p's last rollback drill was .* more than 30 days ago/,
    );
    expect(drillWarning('p', null, nowMs)).toBeNull();
    expect(drillWarning('p', undefined, nowMs)).toBeNull();
  });
});
