// Parses checklists with STIG Manager's own parser, as its web client and STIGMan Watcher do before an
// import, and prints what it read as JSON: one object per file, {file, target, checklists} or {file, error}.
// Usage: node import-checklists.mjs <path of @nuwcdivnpt/stig-manager-client-modules> FILE.ckl|FILE.cklb ...
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

const [moduleDir, ...files] = process.argv.slice(2)
const { reviewsFromCkl, reviewsFromCklb } = await import(pathToFileURL(join(moduleDir, 'index.js')).href)

// STIG Manager's defaults for a collection, except that reviews are submitted when they can be
const importOptions = {
  autoStatus: 'submitted',
  unreviewed: 'commented',
  unreviewedCommented: 'informational',
  emptyDetail: 'replace',
  emptyComment: 'ignore',
  allowCustom: true
}
const fieldSettings = {
  detail: { enabled: 'always', required: 'always' },
  comment: { enabled: 'findings', required: 'findings' }
}

const out = []
for (const file of files) {
  const data = readFileSync(file, 'utf8')
  const parse = file.endsWith('.cklb') ? reviewsFromCklb : reviewsFromCkl
  try {
    const r = parse({ data, importOptions, fieldSettings, allowAccept: false, sourceRef: file })
    out.push({ file, target: r.target, checklists: r.checklists, errors: r.errors ?? [] })
  } catch (e) {
    out.push({ file, error: String(e?.message ?? e) })
  }
}
process.stdout.write(JSON.stringify(out, null, 2) + '\n')
