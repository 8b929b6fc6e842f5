import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import GithubSlugger from 'github-slugger'
import MarkdownIt from 'markdown-it'
import t from 'tap'

// Every relative link and anchor in README.md and docs/**/*.md resolves: the file (or folder)
// exists, and a #fragment names a heading of the target page as GitHub slugs it.

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const md = new MarkdownIt({ html: true })

type Token = ReturnType<InstanceType<typeof MarkdownIt>['parse']>[number]

function markdownFiles (dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return markdownFiles(path)
    return entry.name.endsWith('.md') ? [path] : []
  })
}

const pages = [join(root, 'README.md'), ...markdownFiles(join(root, 'docs'))]

/** The anchors GitHub gives a page's headings (with -1, -2 for repeats). */
function anchors (file: string): Set<string> {
  const slugger = new GithubSlugger()
  const tokens = md.parse(readFileSync(file, 'utf8'), {})
  const found = new Set<string>()
  tokens.forEach((token, i) => {
    if (token.type !== 'heading_open') return
    const text = (tokens[i + 1]!.children ?? [])
      .filter((c) => c.type === 'text' || c.type === 'code_inline')
      .map((c) => c.content)
      .join('')
    found.add(slugger.slug(text))
  })
  return found
}

/** Link targets of a page: markdown links and images, and src/href of inline HTML. */
function targets (file: string): string[] {
  const out: string[] = []
  const visit = (tokens: Token[]) => {
    for (const token of tokens) {
      if (token.type === 'link_open') out.push(String(token.attrGet('href')))
      else if (token.type === 'image') out.push(String(token.attrGet('src')))
      else if (token.type === 'html_inline' || token.type === 'html_block') {
        for (const m of token.content.matchAll(/\b(?:src|href)="([^"]+)"/g)) out.push(m[1]!)
      }
      if (token.children) visit(token.children)
    }
  }
  visit(md.parse(readFileSync(file, 'utf8'), {}))
  return out
}

const isExternal = (href: string) => /^[a-z][a-z0-9+.-]*:/i.test(href)

t.test('the pages checked include the README and every docs page', async (t) => {
  t.ok(pages.length > 5, `${pages.length} pages`)
  t.ok(pages.some((p) => p.endsWith('docs/design/group-commit.md')))
})

for (const page of pages) {
  t.test(relative(root, page), async (t) => {
    const local = targets(page).filter((href) => !isExternal(href))
    for (const href of local) {
      const [path, fragment] = href.split('#', 2) as [string, string | undefined]
      const target = path === '' ? page : resolve(dirname(page), decodeURIComponent(path))
      if (!existsSync(target)) {
        t.fail(`${href}: ${relative(root, target)} does not exist`)
        continue
      }
      if (fragment !== undefined && fragment !== '') {
        t.ok(statSync(target).isFile() && target.endsWith('.md') && anchors(target).has(fragment),
          `${href}: #${fragment} is a heading of ${relative(root, target)}`)
      } else {
        t.pass(href)
      }
    }
  })
}
