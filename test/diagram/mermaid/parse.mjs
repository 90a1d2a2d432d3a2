// Mermaid's own erDiagram parser, run in Node.js for test/t/diagram.
//
//   node parse.mjs NODE_MODULES_PARENT < {"name": "diagram text", ...}
//
// Reads a JSON object of diagrams on standard input, parses each with the
// mermaid package installed under NODE_MODULES_PARENT (npm ci of this
// directory's package-lock.json) and prints one JSON object: for each name
// either {"ok": false, "error": ...} or {"ok": true, "type": ..., "entities":
// [...], "relationships": [...]} as the parser's database holds them.
//
// mermaid.parse() needs no DOM for an erDiagram.  Mermaid encodes "#NNN;" and
// "#name;" in the text before parsing and decodes them only when it renders
// (decodeEntities, on the finished SVG, which the browser then parses): the
// strings below are decoded the same way, to "&#NNN;" / "&name;", and the
// caller resolves those HTML entities.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const modules = process.argv[2];
if (!modules) {
  process.stderr.write('usage: node parse.mjs NODE_MODULES_PARENT < diagrams.json\n');
  process.exit(2);
}
const require = createRequire(join(modules, 'package.json'));
const { default: mermaid } = await import(pathToFileURL(require.resolve('mermaid')).href);
const version = JSON.parse(readFileSync(require.resolve('mermaid/package.json'), 'utf8')).version;

// mermaid's decodeEntities (src/utils.ts), before the browser's HTML decoding
const decode = (s) => (s ?? '').replace(/ﬂ°°/g, '&#').replace(/ﬂ°/g, '&').replace(/¶ß/g, ';');

const diagrams = JSON.parse(readFileSync(0, 'utf8'));
const out = { mermaid: version, results: {} };
for (const [name, text] of Object.entries(diagrams)) {
  try {
    // throws on a syntax error (suppressErrors is off)
    await mermaid.parse(text);
    const diagram = await mermaid.mermaidAPI.getDiagramFromText(text);
    const db = diagram.db;
    const byInternalId = new Map();
    const entities = [];
    for (const [key, e] of db.getEntities()) {
      byInternalId.set(e.id, key);
      entities.push({
        id: key,
        alias: decode(e.alias),
        attributes: (e.attributes ?? []).map((a) => ({
          type: decode(a.type),
          name: decode(a.name),
          keys: a.keys ?? [],
          comment: decode(a.comment),
        })),
      });
    }
    const relationships = db.getRelationships().map((r) => ({
      a: byInternalId.get(r.entityA) ?? null,
      b: byInternalId.get(r.entityB) ?? null,
      role: decode(r.roleA),
      cardA: r.relSpec.cardA,
      cardB: r.relSpec.cardB,
      relType: r.relSpec.relType,
    }));
    out.results[name] = {
      ok: true, type: diagram.type, direction: db.getDirection?.() ?? null, entities, relationships,
    };
  } catch (err) {
    out.results[name] = { ok: false, error: String(err?.message ?? err) };
  }
}
process.stdout.write(JSON.stringify(out));
