// Prints the vader-sentiment npm package's compound score for each line of a text file (one text per line), so the
// C# "text-sentiment-dev --vader FILE" command can measure how closely our rules follow VADER on development texts
// (never on the VADER benchmark sets). Usage: node bench/Obsess.Bench/Text/node/compound.js texts.txt > vader.txt
'use strict';
const fs = require('fs');
const vader = require('vader-sentiment');

const file = process.argv[2];
if (!file) {
  console.error('usage: node compound.js TEXTS_FILE');
  process.exit(2);
}
const lines = fs.readFileSync(file, 'utf8').split('\n');
if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
const out = lines.map((t) => vader.SentimentIntensityAnalyzer.polarity_scores(t).compound.toFixed(4));
process.stdout.write(out.join('\n') + '\n');
