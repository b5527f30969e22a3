// The HTML report renders in a real browser (headless Chromium): the page is
// non-trivial and the diagrams draw in their colours (queries blue, NOERROR
// green, changed answer purple, NXDOMAIN amber, attacker red).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { runOne, runsFor, renderHtml } from '../../lab/runner/index.ts';
import { COLORS, sequenceSvg, timelineSvg } from '../../lab/runner/report-html.ts';

/** Minimal PNG decoder (8-bit RGB/RGBA, non-interlaced — what Chromium writes). */
function decodePng(buf: Buffer): { width: number; height: number; pixel: (x: number, y: number) => [number, number, number] } {
  assert.equal(buf.subarray(0, 8).toString('hex'), '89504e470d0a1a0a', 'not a PNG');
  let off = 8;
  let width = 0;
  let height = 0;
  let colorType = 0;
  const idat: Buffer[] = [];
  while (off < buf.length) {
    const len = buf.readUInt32BE(off);
    const type = buf.toString('latin1', off + 4, off + 8);
    const data = buf.subarray(off + 8, off + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      assert.equal(data[8], 8, 'bit depth 8');
      colorType = data[9]!;
      assert.equal(data[12], 0, 'not interlaced');
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    off += 12 + len;
  }
  const bpp = colorType === 6 ? 4 : colorType === 2 ? 3 : 0;
  assert.ok(bpp, `colour type ${colorType} not supported by this test decoder`);
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * bpp;
  const out = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    for (let x = 0; x < stride; x++) {
      const v = raw[y * (stride + 1) + 1 + x]!;
      const a = x >= bpp ? out[y * stride + x - bpp]! : 0;
      const b = y > 0 ? out[(y - 1) * stride + x]! : 0;
      const c = x >= bpp && y > 0 ? out[(y - 1) * stride + x - bpp]! : 0;
      let r: number;
      if (filter === 0) r = v;
      else if (filter === 1) r = v + a;
      else if (filter === 2) r = v + b;
      else if (filter === 3) r = v + ((a + b) >> 1);
      else {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        r = v + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
      }
      out[y * stride + x] = r & 0xff;
    }
  }
  return { width, height, pixel: (x, y) => [out[y * stride + x * bpp]!, out[y * stride + x * bpp + 1]!, out[y * stride + x * bpp + 2]!] };
}

function chromium(): string {
  for (const bin of ['chromium', 'chromium-browser']) {
    if (spawnSync(bin, ['--version'], { stdio: 'ignore' }).status === 0) return bin;
  }
  throw new Error('headless Chromium is needed for this test: install the Debian package "chromium"');
}

function screenshot(htmlFile: string, png: string, size: string): Buffer {
  const profile = mkdtempSync(join(tmpdir(), 'dnslab-chromium-'));
  try {
    execFileSync(
      chromium(),
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        `--user-data-dir=${profile}`,
        `--screenshot=${png}`,
        `--window-size=${size}`,
        `file://${htmlFile}`,
      ],
      { stdio: 'ignore', timeout: 60_000 },
    );
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
  return readFileSync(png);
}

function hex(c: string): [number, number, number] {
  return [parseInt(c.slice(1, 3), 16), parseInt(c.slice(3, 5), 16), parseInt(c.slice(5, 7), 16)];
}

function countColour(img: ReturnType<typeof decodePng>, colour: string): number {
  const [r, g, b] = hex(colour);
  let n = 0;
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      const p = img.pixel(x, y);
      if (Math.abs(p[0] - r) <= 6 && Math.abs(p[1] - g) <= 6 && Math.abs(p[2] - b) <= 6) n++;
    }
  }
  return n;
}

test('HTML report: the diagrams render in Chromium with their colours; the full page is non-trivial', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dnslab-html-'));
  try {
    const [run] = await runsFor('subdomain-takeover', 'vulnerable');
    const result = await runOne({ loaded: run!.loaded, variant: 'vulnerable', seed: 1 });
    // Diagrams alone (no legend), so the colours must come from the drawing itself.
    const diagrams = join(dir, 'diagrams.html');
    writeFileSync(diagrams, `<!DOCTYPE html><html><body style="margin:0;background:#fff">${timelineSvg(result)}${sequenceSvg(result)}</body></html>`);
    const img = decodePng(screenshot(diagrams, join(dir, 'diagrams.png'), '1200,900'));
    assert.equal(img.width, 1200);
    const counts = {
      query: countColour(img, COLORS.query),
      noerror: countColour(img, COLORS.noerror),
      changed: countColour(img, COLORS.changed),
      nxdomain: countColour(img, COLORS.nxdomain),
      attacker: countColour(img, COLORS.attacker),
    };
    for (const [name, n] of Object.entries(counts)) assert.ok(n > 100, `colour ${name} drawn on ${n} pixels: ${JSON.stringify(counts)}`);

    const page = join(dir, 'report.html');
    writeFileSync(page, renderHtml([result]));
    const full = decodePng(screenshot(page, join(dir, 'report.png'), '1200,900'));
    let nonWhite = 0;
    for (let y = 0; y < full.height; y += 2) for (let x = 0; x < full.width; x += 2) if (full.pixel(x, y).some((v) => v < 200)) nonWhite++;
    assert.ok(nonWhite > 5000, `the report page has content (${nonWhite} dark sample pixels)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('with a matrix (dnslab run --resolver), the report opens with the scenario × resolver table, each cell linked to its run', async () => {
  const { runMatrix } = await import('../../lab/runner/matrix.ts');
  const matrix = await runMatrix(await runsFor('aggressive-nsec-new-name'), ['emulated'], { seed: '1' });
  // A product cell as a real run would give it: declared failure, disagreeing emulation (no root needed to render).
  const emulated = matrix.rows[1]!.cells[0]!;
  matrix.resolvers.push('knot');
  matrix.versions.knot = 'Knot Resolver, version 5.6.0';
  matrix.rows[1]!.cells.push({
    ...emulated,
    resolver: 'knot',
    passed: false,
    ok: emulated.total - 1,
    failed: ['step 7 T+2h watch b: never got NXDOMAIN'],
    expectedFailure: { claims: ['watch b'], because: 'no option to turn RFC 8198 off' },
    asExpected: true,
    emulatedProfile: {
      profile: 'knot-resolver',
      passed: true,
      agrees: false,
      differences: [{ step: 7, offset: 'T+2h', what: 'watch b: never got NXDOMAIN', emulated: true, real: false }],
      outcome: [],
    },
  });
  matrix.rows[0]!.cells.push({
    ...matrix.rows[0]!.cells[0]!,
    resolver: 'knot',
    error: 'kresd not installed',
    total: 0,
    ok: 0,
    passed: false,
    asExpected: false,
  });
  const html = renderHtml(matrix.results, { matrix });
  const table = html.slice(html.indexOf('<section id="matrix">'), html.indexOf('</section>', html.indexOf('<section id="matrix">')));
  assert.ok(html.indexOf('<section id="matrix">') < html.indexOf('<section id="run-'), 'the matrix comes before the runs');
  assert.match(table, /3 of 4 cells as expected/);
  assert.match(table, /Knot Resolver, version 5\.6\.0/);
  assert.match(table, /FAIL\* 5\/6<\/a><span class="fail"> ≠emu<\/span>/);
  assert.match(table, />ERROR <span class="fail">✗<\/span>/);
  assert.match(table, /declared for this product: no option to turn RFC 8198 off/);
  assert.match(table, /<li>aggressive-nsec-new-name \[non-aggressive\] × knot: emulated \(profile knot-resolver\) ok vs real FAIL/);
  // Every link in the table points at a section of the page.
  const links = [...table.matchAll(/href="#([^"]+)"/g)].map((m) => m[1]!);
  assert.equal(links.length, 3);
  for (const id of links.filter((l) => !l.includes('-knot'))) assert.ok(html.includes(`<section id="${id}">`), `no section ${id}`);
});
