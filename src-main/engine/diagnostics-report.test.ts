import { describe, expect, it } from 'vitest';
import { redact } from './diagnostics-report.ts';

describe('diagnostics redaction', () => {
  it('keeps MAC vendor prefixes, masks the device part, and hides the home folder and tokens', () => {
    const text = 'client 52:54:00:12:34:56 and 00-1E-67-9A-0B-11 loaded /home/tech/isos/arch.iso via http://127.0.0.1:8080/?token=abcDEF123_- (Bearer xyz987)';
    expect(redact(text, '/home/tech')).toBe('client 52:54:00:xx:xx:xx and 00-1E-67:xx:xx:xx loaded ~/isos/arch.iso via http://127.0.0.1:8080/?token=<redacted> (Bearer <redacted>)');
  });
});
