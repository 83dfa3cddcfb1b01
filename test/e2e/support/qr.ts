/** Reads a QR code from a PNG the way a phone camera would: zbarimg on a screenshot. */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The text of the one QR code in `png`, or null when zbarimg finds none (its exit code 4). */
export async function decodeQrPng(png: Buffer): Promise<string | null> {
  const dir = mkdtempSync(join(tmpdir(), 'dualpay-qr-'));
  const file = join(dir, 'shot.png');
  writeFileSync(file, png);
  try {
    return await new Promise((resolve, reject) => {
      execFile('zbarimg', ['--raw', '-q', file], (error, stdout) => {
        if (error && (error as { code?: number }).code === 4) resolve(null);
        else if (error) reject(error);
        else resolve(stdout.trim());
      });
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
