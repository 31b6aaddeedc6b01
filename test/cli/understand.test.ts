import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runUnderstandCommand } from '../../src/cli/commands/understand.ts';
import { Understanding } from '../../src/core/understanding.ts';

const COMMAND = fileURLToPath(new URL('../../src/cli/commands/understand.ts', import.meta.url));

function run(
  args: string[],
  input: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [COMMAND, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

describe('rooman understand', () => {
  it('writes one JSON line per utterance, skipping blank lines', async () => {
    const input = [
      'Schedule a team meeting for tomorrow at 10 AM',
      '',
      '   ',
      'Update lead a1b2c3d4 to WON with notes: booked unit A2',
      'what is the weather like in Pune',
      '',
    ].join('\n');
    const { code, stdout, stderr } = await run(
      ['--now', '2025-10-04T10:00:00+05:30', '--tz', 'Asia/Kolkata'],
      input,
    );
    assert.equal(code, 0, stderr);
    const lines = stdout.trim().split('\n');
    assert.equal(lines.length, 3);
    const results = lines.map((l) => Understanding.parse(JSON.parse(l)));
    assert.deepEqual(
      results.map((r) => r.intent),
      ['MEETING_SCHEDULE', 'LEAD_UPDATE', 'UNKNOWN'],
    );
    assert.equal(results[0]?.entities.datetime, '2025-10-05T10:00:00+05:30');
    assert.equal(results[1]?.entities.status, 'WON');
    assert.deepEqual(Object.keys(JSON.parse(lines[0]!)), ['text', 'intent', 'confidence', 'entities']);
  });

  it('writes times in the zone given by --tz', async () => {
    const { code, stdout } = await run(
      ['--now=2025-10-04T10:00:00Z', '--tz=Europe/London'],
      'meeting with Anil tomorrow at 10 am\n',
    );
    assert.equal(code, 0);
    assert.equal(JSON.parse(stdout).entities.datetime, '2025-10-05T10:00:00+01:00');
  });

  it('reads 5/3 day first by default in India and month first when told (or in a US zone)', async () => {
    const line = 'meeting on 5/3 at 4 pm\n';
    const now = ['--now', '2025-01-10T10:00:00+05:30'];
    const india = await run([...now, '--tz', 'Asia/Kolkata'], line);
    assert.equal(JSON.parse(india.stdout).entities.datetime, '2025-03-05T16:00:00+05:30');
    const told = await run([...now, '--tz', 'Asia/Kolkata', '--date-order', 'month-first'], line);
    assert.equal(JSON.parse(told.stdout).entities.datetime, '2025-05-03T16:00:00+05:30');
    const us = await run([...now, '--tz', 'America/New_York'], line);
    assert.equal(JSON.parse(us.stdout).entities.datetime, '2025-05-03T16:00:00-04:00');
  });

  it('exits with 2 and says why on a bad flag', async () => {
    for (const args of [
      ['--tz', 'Mars/Olympus'],
      ['--now', 'tomorrow'],
      ['--now'],
      ['--verbose'],
      ['--date-order', 'ymd'],
    ]) {
      const { code, stdout, stderr } = await run(args, 'hello\n');
      assert.equal(code, 2, args.join(' '));
      assert.equal(stdout, '');
      assert.match(stderr, /^rooman understand: .*\n\nUsage: rooman understand/);
    }
  });

  it('runs in-process on given streams with the default time zone', async () => {
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = '';
    stdout.on('data', (d) => {
      out += d;
    });
    stdin.end('call with Meera tomorrow at 9 am\nbye\n');
    const code = await runUnderstandCommand(['--now', '2025-10-04T10:00:00+05:30'], {
      stdin,
      stdout,
      stderr,
      defaultTz: 'Asia/Kolkata',
    });
    assert.equal(code, 0);
    const [first, second] = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(first.intent, 'MEETING_SCHEDULE');
    assert.equal(first.entities.datetime, '2025-10-05T09:00:00+05:30');
    assert.equal(second.intent, 'GOODBYE');
  });
});
