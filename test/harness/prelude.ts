// Imported first by the test harness: puts uvu in deferred mode (we run the queue ourselves and
// count results) and disables colours outside a terminal (and always under QuickJS).
import kleur from 'kleur';

const g = globalThis as unknown as Record<string, unknown>;
g.UVU_DEFER = 1;
g.UVU_QUEUE = [[null]];
const proc = g.process as { stdout?: { isTTY?: boolean } } | undefined;
kleur.enabled = !!(proc && proc.stdout && proc.stdout.isTTY);
