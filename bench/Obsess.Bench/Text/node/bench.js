// Times the vader-sentiment npm package (a JavaScript port of VADER) on the four VADER benchmark sets and scores it
// with exactly the protocol of the C# "text-sentiment" benchmark, so its figures sit next to ours (including the "paper
// protocol" columns: see paper-protocol.js and docs/bench/text.md, section 1a).
// Run from the repository root: node bench/Obsess.Bench/Text/node/bench.js [dataDir]   (default ../shared/data)
'use strict';
const fs = require('fs');
const path = require('path');
const vader = require('vader-sentiment');

const dataDir = process.argv[2] || '../shared/data';
const sets = ['tweets', 'movieReviewSnippets', 'amazonReviewSnippets', 'nytEditorialSnippets'];
const cls = (v) => (v >= 0.05 ? 'positive' : v <= -0.05 ? 'negative' : 'neutral');

function read(name) {
  const file = path.join(dataDir, 'sentiment/vader', `${name}_GroundTruth.txt`);
  return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.length > 0).map((line, i) => {
    const parts = line.split('\t');
    if (parts.length < 3 || Number.isNaN(Number(parts[1]))) throw new Error(`${file} line ${i + 1}: expected id<TAB>mean<TAB>text`);
    return { mean: Number(parts[1]), text: parts.slice(2).join('\t') };
  });
}

function pearson(x, y) {
  const n = x.length;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < n; i++) { const dx = x[i] - mx, dy = y[i] - my; sxy += dx * dy; sxx += dx * dx; syy += dy * dy; }
  return sxy / Math.sqrt(sxx * syy);
}

function f1s(gold, pred) {
  const per = ['positive', 'neutral', 'negative'].map((c) => {
    let tp = 0, fp = 0, fn = 0, support = 0;
    for (let i = 0; i < gold.length; i++) {
      const g = gold[i] === c, p = pred[i] === c;
      if (g) support++;
      if (g && p) tp++; else if (p) fp++; else if (g) fn++;
    }
    const prec = tp + fp ? tp / (tp + fp) : 0, rec = tp + fn ? tp / (tp + fn) : 0;
    return { f1: prec + rec ? (2 * prec * rec) / (prec + rec) : 0, support };
  });
  const total = per.reduce((a, c) => a + c.support, 0);
  return { macro: per.reduce((a, c) => a + c.f1, 0) / per.length, weighted: per.reduce((a, c) => a + c.f1 * c.support, 0) / total };
}

// Gold from the mean itself at +-0.05 (-4..+4 scale), predicted at +-0.05; P/R/F1 micro-averaged over positive and negative.
function paper(means, scores) {
  let tp = 0, fp = 0, fn = 0;
  for (let i = 0; i < means.length; i++) {
    const g = cls(means[i]), p = cls(scores[i]), hit = g === p;
    if (p !== 'neutral') { if (hit) tp++; else fp++; }
    if (g !== 'neutral' && !hit) fn++;
  }
  const prec = tp + fp ? tp / (tp + fp) : 0, rec = tp + fn ? tp / (tp + fn) : 0;
  return [prec, rec, prec + rec ? (2 * prec * rec) / (prec + rec) : 0];
}

const all = [];
console.log('| set | n | engine | Pearson r | macro-F1 | weighted-F1 | accuracy | paper protocol P / R / F1 |');
console.log('|---|---:|---|---:|---:|---:|---:|---|');
for (const name of sets) {
  const rows = read(name);
  all.push(...rows);
  const scores = rows.map((r) => vader.SentimentIntensityAnalyzer.polarity_scores(r.text).compound);
  const gold = rows.map((r) => cls(r.mean / 4));
  const pred = scores.map(cls);
  const { macro, weighted } = f1s(gold, pred);
  const acc = gold.filter((g, i) => g === pred[i]).length / gold.length;
  const r = pearson(scores, rows.map((x) => x.mean));
  const pp = paper(rows.map((x) => x.mean), scores).map((v) => v.toFixed(3)).join(' / ');
  console.log(`| ${name} | ${rows.length} | vader-sentiment (npm) | ${r.toFixed(3)} | ${macro.toFixed(3)} | ${weighted.toFixed(3)} | ${acc.toFixed(3)} | ${pp} |`);
}

// Speed: one warm-up pass, then whole passes for at least 3 seconds.
let sink = 0;
for (const r of all) sink += vader.SentimentIntensityAnalyzer.polarity_scores(r.text).compound;
let passes = 0;
const start = process.hrtime.bigint();
let elapsed = 0;
while (elapsed < 3 || passes < 2) {
  for (const r of all) sink += vader.SentimentIntensityAnalyzer.polarity_scores(r.text).compound;
  passes++;
  elapsed = Number(process.hrtime.bigint() - start) / 1e9;
}
const rate = (passes * all.length) / elapsed;
console.log(`\nvader-sentiment ${require('vader-sentiment/package.json').version} on node ${process.version}: ${Math.round(rate).toLocaleString('en-US')} texts/second (${(1e6 / rate).toFixed(1)} µs/text) over ${all.length} texts, one thread${sink === 42 ? '' : ''}`);
