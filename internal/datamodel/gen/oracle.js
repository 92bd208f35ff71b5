#!/usr/bin/env node
// oracle.js runs the package's own validator over j1hcl's test corpora and writes the
// expected results that the Go tests of internal/datamodel compare with. It is run only
// when the pinned version changes, by `go run ./gen -oracle` (which installs the verified
// tarball and its dependencies ajv and ajv-formats in a temporary directory):
//
//   node oracle.js <installed @jupiterone/data-model dir> <testdata dir>
//
// It reads  testdata/conformance/entities.json  (hand-written entities)
// and writes testdata/conformance/verdicts.json (Ajv's verdict and errors per entity)
// and        testdata/patterns/cases.json       (generated strings, and whether Ajv accepts
//                                                 each for every pattern and format the
//                                                 schemas use).
'use strict';

const fs = require('fs');
const path = require('path');

const [pkgDir, testdata] = process.argv.slice(2);
if (!pkgDir || !testdata) {
  console.error('usage: node oracle.js <package dir> <testdata dir>');
  process.exit(2);
}
const dep = (name) => require(require.resolve(name, { paths: [pkgDir] }));
const dm = require(pkgDir);
const Ajv = dep('ajv').default;

const generatedBy = {
  script: 'internal/datamodel/gen/oracle.js',
  package: `${require(path.join(pkgDir, 'package.json')).name}@${require(path.join(pkgDir, 'package.json')).version}`,
  ajv: dep('ajv/package.json').version,
  'ajv-formats': dep('ajv-formats/package.json').version,
  node: process.version,
};

// The package's validator (IntegrationSchema) stops at the first error. A second instance,
// configured the same way plus allErrors, lists every failing property; both must agree
// on validity.
const full = new Ajv({ strictSchema: false, allErrors: true });
dm.registerFormats(full);
dm.registerSchemas(full);

// writeJSON writes indented JSON, except that arrays of scalars stay on one line (the
// pattern corpus is mostly [string, verdict] pairs).
function writeJSON(rel, value) {
  const file = path.join(testdata, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const flat = new Map();
  const text = JSON.stringify(value, (k, v) => {
    if (Array.isArray(v) && v.length > 0 && v.every((x) => x === null || typeof x !== 'object')) {
      const token = `\u0000${flat.size}\u0000`;
      flat.set(token, JSON.stringify(v));
      return token;
    }
    return v;
  }, 2).replace(/"\\u0000(\d+)\\u0000"/g, (_, i) => flat.get(`\u0000${i}\u0000`));
  JSON.parse(text); // still JSON
  fs.writeFileSync(file, text + '\n');
  console.log(`oracle: wrote ${file}`);
}

function propertyOf(e) {
  if (e.keyword === 'required') return e.params.missingProperty;
  if (e.propertyName !== undefined) return e.propertyName;
  if (e.keyword === 'propertyNames') return e.params.propertyName;
  const seg = e.instancePath.split('/')[1];
  return seg === undefined ? '' : seg.replace(/~1/g, '/').replace(/~0/g, '~');
}

// Entities are validated as the JupiterOne SDK does: against the schema of each _class.
function conformance() {
  const corpus = JSON.parse(fs.readFileSync(path.join(testdata, 'conformance', 'entities.json'), 'utf8'));
  const results = corpus.map(({ name, entity }) => {
    const classes = [].concat(entity._class === undefined ? [] : entity._class).filter((c) => typeof c === 'string');
    let valid = true;
    const unknownClasses = [];
    const errors = [];
    for (const c of classes) {
      const own = dm.IntegrationSchema.getSchema('#' + c);
      if (!own) {
        unknownClasses.push(c);
        continue;
      }
      const ok = own(entity);
      const all = full.getSchema('#' + c);
      if (all(entity) !== ok) throw new Error(`${name}: allErrors changes the verdict for ${c}`);
      if (ok) continue;
      valid = false;
      for (const e of all.errors) {
        errors.push({ class: c, property: propertyOf(e), keyword: e.keyword, instancePath: e.instancePath, message: e.message });
      }
    }
    return { name, valid, unknownClasses, errors };
  });
  writeJSON('conformance/verdicts.json', { generatedBy, results });
}

// --- pattern and format corpus ---------------------------------------------------------

function collectPatterns() {
  const patterns = new Set();
  const formats = new Set();
  const walk = (s, inProps) => {
    if (Array.isArray(s)) return s.forEach((x) => walk(x, false));
    if (!s || typeof s !== 'object') return;
    for (const [k, v] of Object.entries(s)) {
      if (inProps) { walk(v, false); continue; }
      if (k === 'pattern' && typeof v === 'string') patterns.add(v);
      else if (k === 'format' && typeof v === 'string') formats.add(v);
      else if (k === 'patternProperties') { Object.keys(v).forEach((p) => patterns.add(p)); walk(v, true); }
      else if (k === 'properties') walk(v, true);
      else if (!['enum', 'const', 'examples', 'default', 'required', 'description'].includes(k)) walk(v, false);
    }
  };
  for (const schema of Object.values(dm.entitySchemas)) walk(schema, false);
  return { patterns: [...patterns].sort(), formats: [...formats].sort() };
}

// Hand-picked strings near each expression's edges; mutations of them make the rest.
const label63 = 'a'.repeat(63);
const longHost = (n) => {
  const parts = [];
  let s = '';
  while (s.length < n) {
    parts.push(label63.slice(0, Math.min(63, n - s.length - (s ? 1 : 0))));
    s = parts.join('.');
  }
  return s;
};
const seeds = {
  '^([0-9a-f]{2}:){5}([0-9a-f]{2})$': ['aa:bb:cc:dd:ee:ff', '00:1a:2b:3c:4d:5e', 'AA:BB:CC:DD:EE:FF', 'aa-bb-cc-dd-ee-ff', 'aa:bb:cc:dd:ee'],
  '^[a-zA-Z0-9][a-zA-Z0-9-]{0,61}[a-zA-Z0-9]$': ['web-1', 'a1', 'x', 'localhost', label63, 'a'.repeat(64), 'web.example.com', '-web', 'web-', 'WEB-01'],
  '(?=^.{4,253}$)(^((?!-)[a-zA-Z0-9-]{0,62}[a-zA-Z0-9]\\.)+[a-zA-Z]{2,63}$)': [
    'web-1.example.com', 'a.bc', 'x.co', 'a.b', '-a.example.com', 'a-.example.com', 'example.c0m', 'localhost',
    label63 + '.com', 'a'.repeat(64) + '.com', longHost(250) + '.com', longHost(249) + '.com', longHost(248) + '.io',
    'EXAMPLE.COM', 'ex--ample.com', 'example.com.', '1.2.3.4',
  ],
  '^(_|tag\\.)?[A-Za-z0-9. -]+$': ['_key', 'tag.Name', 'my_prop', 'tag.Cost Center', 'a.b-c d', '', '_', 'tag.', 'ta_g', 'tag.a_b', 'displayName', '__x'],
  '^tag\\.': ['tag.X', 'tag', 'Tag.X', 'xtag.X', 'tag.', 'tag_X', 'tag.Name', 'tag.env', 'tag.a.b'],
  '^([0-9]{1,3}\\.){3}[0-9]{1,3}(/([0-9]|[1-2][0-9]|3[0-2]))?$': ['10.0.0.0/8', '999.1.1.1/32', '10.0.0.0/33', '1.2.3.4', '1.2.3.4/', '0.0.0.0/0', '1.2.3/24'],
  '^CVE-\\d{4}-\\d{4,}$': ['CVE-2021-44228', 'CVE-21-1', 'cve-2021-44228', 'CVE-2021-44228 (X)', 'CVE-2021-1234567'],
  '^CWE-\\d+$': ['CWE-117', 'cwe-117', 'CWE-', 'CWE-1 ', 'CWE-79', 'CWE-1021', 'CWE-20'],
};
const formatSeeds = {
  email: ['a@example.com', 'Alice.Smith+tag@Example.CO.uk', 'a@b', 'a@@b.c', 'a.@b.c', '.a@b.c', 'a@-b.c', '\u017f@example.com',
    'k@example.com', '\u212a@example.com', 'a@exa_mple.com', "o'neil{x}@example.com", 'a@b-.c'],
  uri: ['https://example.com/a?b=c#d', 'mailto:a@b.c', 'urn:isbn:123', 'example.com', '/relative', 'http://[::1]:8080/',
    'http://user:pa ss@x', 'HTTP://EXAMPLE.COM', 'http://%zz', '\u017f://x', 'http://[v1.x]/', 'http://1.2.3.4:80/p%20q',
    'ftp://a/b/c;d', 's3://bucket/key', 'a:b', 'http://ex"ample.com'],
  hostname: ['example.com', 'example.com.', 'a', '-a', 'a-', label63, 'a'.repeat(64), longHost(253), longHost(253) + '.',
    longHost(254), 'ex_ample.com', 'EXAMPLE.COM', '\u212a', 'a..b', '1.2.3.4'],
  ipv4: ['1.2.3.4', '255.255.255.255', '256.1.1.1', '01.02.03.004', '1.2.3', '1.2.3.4.5', ' 1.2.3.4', '0.0.0.0'],
  ipv6: ['::1', '::', 'fe80::1', 'FE80::1', 'fe80::1%eth0', '2001:db8::1:2:3:4:5', '::ffff:1.2.3.4', '1::2::3', '12345::1',
    '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:1.2.3.4', 'a:b:c:d:e:f:0:1'],
  ip: ['1.2.3.4', '01.2.3.4', '::1', 'fe80::1%eth0', 'fe80::1%', 'FE80::1', '::ffff:1.2.3.4', '1.2.3.256', '1:2:3:4:5:6:7:8'],
  ipCidr: ['10.0.0.0/8', '10.0.0.0/33', '2001:db8::/32', '::/0', '1:2:3:4:5:6:7:8', '2001:db8::1/129', '010.0.0.0/8', '1:2:3:4:5:6:7:8/64'],
  asn: ['AS1234', 'AS1', 'as1234', 'AS1234567', 'AS12', 'AS123456'],
  'date-time': ['2020-01-01T00:00:00Z', '2020-01-01t00:00:00z', '2020-01-01 00:00:00+01:00', '2020-02-30T00:00:00Z',
    '2020-02-29T23:59:60Z', '2021-02-29T00:00:00Z', '2020-01-01T00:00:00', '2020-01-01T24:00:00Z', '2020-01-01\u00a000:00:00Z',
    '2020-01-01T00:00:00.123+0100', '2020-01-01TT00:00:00Z', '1900-02-29T00:00:00Z', '2000-02-29T00:00:00Z',
    '2020-13-01T00:00:00Z', '2020-01-01\ufeff00:00:00Z', '2020-01-01\u008500:00:00Z', '2020-04-31T00:00:00Z'],
};
// Characters mutations draw from, on top of the seeds' own: separators, both cases, and
// characters where ECMAScript and RE2 differ (line terminators, 'ſ', the Kelvin sign).
const extra = '-._:/@%+ 0129aAfFgGzZtTkKsSvV[]#?\n\r\u2028\u2029\u00a0\ufeff\u0085\u017f\u212a\u00e9';

function mulberry32(a) {
  return function () {
    a |= 0; a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function generate(seedList, count, seed) {
  const rnd = mulberry32(seed);
  const pick = (arr) => arr[Math.floor(rnd() * arr.length)];
  const alphabet = [...new Set([...seedList.join(''), ...extra])];
  const out = new Set(seedList);
  const mutate = (s) => {
    const chars = [...s];
    const i = Math.floor(rnd() * (chars.length + 1));
    switch (Math.floor(rnd() * 7)) {
      case 0: chars.splice(i, 0, pick(alphabet)); break; // insert
      case 1: chars.splice(i, 1); break; // delete
      case 2: chars[Math.min(i, chars.length - 1)] = pick(alphabet); break; // replace
      case 3: { // duplicate a slice
        const j = Math.floor(rnd() * (chars.length + 1));
        chars.splice(i, 0, ...chars.slice(Math.min(i, j), Math.max(i, j)));
        break;
      }
      case 4: { // flip case
        const c = chars[i] || '';
        chars[i] = c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase();
        break;
      }
      case 5: return s + pick(['', '.', '-', ':', '/', ' ']) + pick(seedList); // join
      case 6: return chars.slice(0, i).join(''); // truncate
    }
    return chars.join('');
  };
  // Replacing characters by others of their kind keeps many strings valid, so the corpus
  // holds plenty of accepted strings as well as rejected ones.
  const kinds = ['0123456789', '0123456789abcdef', 'abcdefghijklmnopqrstuvwxyz', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'];
  const sameKind = (s) => {
    const chars = [...s];
    if (chars.length === 0) return s;
    const i = Math.floor(rnd() * chars.length);
    const kind = kinds.find((k) => k.includes(chars[i]));
    if (kind) chars[i] = pick([...kind]);
    return chars.join('');
  };
  let guard = 0;
  while (out.size < count && guard++ < count * 20) {
    if (rnd() < 0.4) {
      let s = pick(seedList);
      const steps = 1 + Math.floor(rnd() * 4);
      for (let k = 0; k < steps; k++) s = sameKind(s);
      out.add(s);
      continue;
    }
    if (rnd() < 0.1) {
      let s = '';
      const n = Math.floor(rnd() * 24);
      for (let k = 0; k < n; k++) s += pick(alphabet);
      out.add(s);
      continue;
    }
    let s = pick(seedList);
    const steps = 1 + Math.floor(rnd() * 3);
    for (let k = 0; k < steps; k++) s = mutate(s);
    out.add(s);
  }
  return [...out];
}

const casesPerExpression = 1000;

function patternCorpus() {
  const { patterns, formats } = collectPatterns();
  let seed = 1;
  const judge = (schema, strings) => {
    const validate = full.compile(schema);
    return strings.map((s) => [s, validate(s)]);
  };
  const result = { generatedBy, patterns: [], formats: [] };
  for (const p of patterns) {
    const strings = generate(seeds[p] || ['a', 'A0', 'a-b.c'], casesPerExpression, seed++);
    result.patterns.push({ source: p, cases: judge({ type: 'string', pattern: p }, strings) });
  }
  for (const f of formats) {
    const strings = generate(formatSeeds[f] || ['a', '1', 'a:b'], casesPerExpression, seed++);
    result.formats.push({ name: f, cases: judge({ type: 'string', format: f }, strings) });
  }
  for (const e of [...result.patterns, ...result.formats]) {
    const yes = e.cases.filter(([, ok]) => ok).length;
    console.log(`oracle: ${e.source || e.name}: ${e.cases.length} strings, ${yes} accepted`);
    if (!seeds[e.source] && !formatSeeds[e.name]) console.log('oracle: no seeds for it yet: add some to oracle.js');
  }
  writeJSON('patterns/cases.json', result);
}

conformance();
patternCorpus();
