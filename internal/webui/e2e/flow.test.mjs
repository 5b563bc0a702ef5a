// Browser tests of the web interface: the branch → town → district flow of
// issue 5, driven by playwright-core through Debian's chromium against the
// real binary (`dangjian serve --demo` on the embedded default).
//
//   cd internal/webui/e2e && npm ci && node flow.test.mjs
//
// Environment:
//   CHROMIUM        browser executable (default /usr/bin/chromium)
//   E2E_BINARY      use this dangjian binary instead of building one
//   E2E_BASE_URL    test a server that is already running (no build, no start)
//   E2E_TIMEOUT_MS  per-action timeout (default 15000)
//   E2E_KEEP=1      keep the temporary data directory and server log
//
// Prints one line per step, screenshots at phone (390×844) and desktop
// (1366×900) sizes into screenshots/ (FAIL-*.png on a failure, with the
// page's console errors and the server log's tail), then `N passed, N failed`;
// exits 1 when anything failed.
import { chromium } from 'playwright-core'
import { spawn, execFileSync } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
const repo = path.resolve(here, '../../..')
const shots = path.join(here, 'screenshots')
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium'
const TIMEOUT = Number(process.env.E2E_TIMEOUT_MS || 15000)
const PASSWORD = 'Demo-2026'
const PHONE = { width: 390, height: 844 }
const DESKTOP = { width: 1366, height: 900 }
const TOWNS = ['红旗镇', '东风街道', '青山镇']
const RECORD_TITLE = `支部委员会会议（浏览器测试 ${new Date().toISOString().slice(0, 16).replace('T', ' ')}）`

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dj-e2e-'))
let server = null // child process
let serverLog = path.join(tmp, 'server.log')
let baseURL = process.env.E2E_BASE_URL || ''
const results = [] // {name, ok, skipped, error}

// ---------------------------------------------------------------- server

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.unref()
    s.on('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })
}

function tail(file, lines = 40) {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')
  } catch {
    return '(no server log)'
  }
}

// serverProblems returns the server log's warnings and errors (the access log
// is noise here).
function serverProblems(file, lines = 20) {
  try {
    const bad = fs.readFileSync(file, 'utf8').split('\n').filter((l) => /level=(WARN|ERROR)|panic/.test(l))
    return bad.length ? bad.slice(-lines).join('\n') : '(no warnings or errors)'
  } catch {
    return '(no server log)'
  }
}

async function startServer() {
  if (baseURL) {
    console.log(`# using the running server at ${baseURL}`)
    await waitReady(60_000)
    return
  }
  let bin = process.env.E2E_BINARY
  if (!bin) {
    bin = path.join(tmp, 'dangjian')
    console.log(`# go build -o ${bin} ./cmd/dangjian`)
    execFileSync('go', ['build', '-o', bin, './cmd/dangjian'], { cwd: repo, stdio: 'inherit' })
  }
  const port = await freePort()
  const dataDir = path.join(tmp, 'data')
  fs.mkdirSync(dataDir)
  baseURL = `http://127.0.0.1:${port}`
  console.log(`# ${bin} serve --demo  (DJ_ADDR=127.0.0.1:${port} DJ_DATA_DIR=${dataDir}, log ${serverLog})`)
  const log = fs.openSync(serverLog, 'a')
  server = spawn(bin, ['serve', '--demo'], {
    cwd: tmp,
    env: { ...process.env, DJ_ADDR: `127.0.0.1:${port}`, DJ_DATA_DIR: dataDir, DATABASE_URL: '', REDIS_URL: '' },
    stdio: ['ignore', log, log],
  })
  server.on('exit', (code, signal) => {
    if (server) console.log(`# server exited (code ${code}, signal ${signal})`)
    server = null
  })
  await waitReady(180_000)
}

async function waitReady(ms) {
  const deadline = Date.now() + ms
  let last = ''
  while (Date.now() < deadline) {
    if (!process.env.E2E_BASE_URL && !server) throw new Error(`server exited before it was ready:\n${tail(serverLog)}`)
    try {
      const r = await fetch(`${baseURL}/readyz`, { signal: AbortSignal.timeout(3000) })
      if (r.ok) return
      last = `${r.status} ${await r.text()}`
    } catch (e) {
      last = String(e.cause?.code || e.message)
    }
    await sleep(300)
  }
  throw new Error(`${baseURL}/readyz not ready after ${ms / 1000}s (last: ${last})\n${tail(serverLog)}`)
}

async function stopServer() {
  const p = server
  if (!p) return
  server = null
  p.kill('SIGTERM')
  const exited = await Promise.race([new Promise((r) => p.once('exit', () => r(true))), sleep(15_000).then(() => false)])
  if (!exited) p.kill('SIGKILL')
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

// ------------------------------------------------------------------- API
// The API double-checks what the interface shows.

async function gql(token, query, variables = {}) {
  const r = await fetch(`${baseURL}/graphql`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(20_000),
  })
  const body = await r.json()
  if (body.errors?.length) throw new Error(`GraphQL: ${JSON.stringify(body.errors)}`)
  return body.data
}

async function apiLogin(username) {
  const d = await gql(null, 'mutation($i: LoginInput!) { login(input: $i) { accessToken } }', {
    i: { username, password: PASSWORD },
  })
  return d.login.accessToken
}

async function apiTask(token, id) {
  const d = await gql(token, 'query($id: ID!) { node(id: $id) { ... on TaskInstance { id title status color } } }', { id })
  return d.node
}

async function apiMyTasks(token) {
  const d = await gql(token, '{ myTasks(first: 100) { edges { node { id title status color } } } }')
  return d.myTasks.edges.map((e) => e.node)
}

// --------------------------------------------------------------- browser

let browserSeq = 0

// withBrowser runs fn with a fresh chromium (empty temporary user data dir,
// so each person starts signed out) at the given viewport.
async function withBrowser(label, viewport, fn) {
  const userDataDir = fs.mkdtempSync(path.join(tmp, `profile-${++browserSeq}-`))
  const ctx = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    baseURL,
    ...(viewport.width < 600 ? { isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : {}),
  })
  ctx.setDefaultTimeout(TIMEOUT)
  ctx.setDefaultNavigationTimeout(30_000)
  const page = ctx.pages()[0] || (await ctx.newPage())
  const problems = []
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`))
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`))
  page.on('requestfailed', (r) => problems.push(`requestfailed: ${r.method()} ${r.url()} ${r.failure()?.errorText}`))
  page.on('response', async (r) => {
    if (r.status() >= 500) problems.push(`HTTP ${r.status()}: ${r.request().method()} ${r.url()}`)
    // GraphQL errors arrive with 200: name the operation and the error codes.
    if (new URL(r.url()).pathname === '/graphql' && r.request().method() === 'POST') {
      try {
        const body = await r.json()
        if (body?.errors?.length) {
          const req = r.request().postDataJSON() || {}
          const op = req.operationName || /\b(?:query|mutation)\s+(\w+)/.exec(req.query || '')?.[1] || '?'
          problems.push(`graphql ${op}: ${body.errors.map((e) => `${e.extensions?.code || ''} ${e.message}`.trim()).join('; ')}`)
        }
      } catch {}
    }
  })
  const b = { label, page, problems }
  try {
    return await fn(b)
  } finally {
    await ctx.close().catch(() => {})
    fs.rmSync(userDataDir, { recursive: true, force: true })
  }
}

const NAV_PATHS = { home: '/', tasks: '/tasks', review: '/review', deployments: '/deployments', orgs: '/orgs', inbox: '/inbox', district: '/district', audit: '/audit' }

// everyScreen opens each screen of the signed-in user's menu and fails on an
// error shown on the page, a GraphQL error or a script error.
async function everyScreen(b) {
  const { page } = b
  await page.goto('/')
  await page.waitForLoadState('networkidle').catch(() => {})
  let names = await page.locator('[data-testid^=nav-]:not([data-testid=nav-toggle])').evaluateAll((els) => els.map((e) => e.dataset.testid.slice(4)))
  if (!names.length) {
    // Phone: the menu is in a drawer.
    await byId(page, 'nav-toggle').first().click()
    await page.locator('[data-testid=nav-home]').first().waitFor({ state: 'visible' })
    names = await page.locator('[data-testid^=nav-]:not([data-testid=nav-toggle])').evaluateAll((els) => els.map((e) => e.dataset.testid.slice(4)))
  }
  const bad = []
  for (const name of [...new Set(names)]) {
    const p = NAV_PATHS[name]
    if (!p) continue
    const before = b.problems.length
    await page.goto(p)
    await page.waitForLoadState('networkidle').catch(() => {})
    await sleep(300)
    const shown = await page.locator('.el-alert--error:visible, .el-message--error:visible').allInnerTexts()
    const logged = b.problems.slice(before).filter((x) => /^(graphql|pageerror|HTTP)/.test(x))
    if (shown.length || logged.length) bad.push(`${p}: ${[...shown, ...logged].join(' | ')}`)
  }
  console.log(`     screens: ${names.join(', ')}`)
  if (bad.length) throw new Error(bad.join('\n'))
}

// step runs one named check; a failure records a screenshot, the page's
// console errors and the server log's tail. Later steps of the same browser
// are skipped (they depend on this one).
async function step(b, name, fn) {
  if (b.failed) {
    results.push({ name: `${b.label}: ${name}`, skipped: true })
    console.log(`SKIP ${b.label}: ${name}`)
    return
  }
  const t0 = Date.now()
  try {
    await fn()
    results.push({ name: `${b.label}: ${name}`, ok: true })
    console.log(`ok   ${b.label}: ${name} (${Date.now() - t0} ms)`)
  } catch (e) {
    b.failed = true
    const file = path.join(shots, `FAIL-${slug(b.label)}-${slug(name)}.png`)
    await b.page.screenshot({ path: file, fullPage: true, timeout: 10_000 }).catch(() => {})
    results.push({ name: `${b.label}: ${name}`, ok: false, error: e })
    console.log(`FAIL ${b.label}: ${name} (${Date.now() - t0} ms)`)
    console.log(indent(firstLines(e?.message || String(e), 25)))
    console.log(indent(`url: ${b.page.url()}\nscreenshot: ${path.relative(process.cwd(), file)}`))
    if (b.problems.length) console.log(indent(`browser:\n${b.problems.slice(-15).join('\n')}`))
  }
}

function skipAll(label, names) {
  for (const n of names) {
    results.push({ name: `${label}: ${n}`, skipped: true })
    console.log(`SKIP ${label}: ${n}`)
  }
}

const slug = (s) => s.replace(/[^\p{L}\p{N}]+/gu, '-').replace(/^-|-$/g, '').slice(0, 60)
const indent = (s) => s.replace(/^/gm, '     ')
const firstLines = (s, n) => s.split('\n').slice(0, n).join('\n')

// shoot writes the current screen at phone and desktop sizes.
async function shoot(b, name) {
  const original = b.page.viewportSize()
  for (const [size, vp] of [['phone', PHONE], ['desktop', DESKTOP]]) {
    await b.page.setViewportSize(vp)
    await sleep(400) // let layouts and charts resize
    await b.page.screenshot({ path: path.join(shots, `${name}-${size}.png`), fullPage: true })
  }
  await b.page.setViewportSize(original)
  await sleep(200)
}

const byId = (page, id) => page.getByTestId(id)

// control returns the <input>/<textarea> of a test id, which Element Plus
// components put on their wrapper.
async function control(page, id, selector = 'input, textarea') {
  const el = byId(page, id).first()
  await el.waitFor({ state: 'visible' })
  const tag = await el.evaluate((e) => e.tagName)
  return tag === 'INPUT' || tag === 'TEXTAREA' ? el : el.locator(selector).first()
}

async function fill(page, id, value) {
  const c = await control(page, id)
  await c.fill(value)
}

async function signIn(b, username) {
  const { page } = b
  await page.goto('/')
  await fill(page, 'login-username', username)
  await fill(page, 'login-password', PASSWORD)
  await byId(page, 'login-submit').first().click()
  await byId(page, 'login-username').first().waitFor({ state: 'detached', timeout: TIMEOUT }).catch(async () => {
    const msg = await page.locator('.el-message, .el-form-item__error, [role=alert]').allInnerTexts().catch(() => [])
    throw new Error(`still on the sign-in form after submitting as ${username}${msg.length ? `: ${msg.join(' | ')}` : ''}`)
  })
  await page.waitForLoadState('networkidle').catch(() => {})
}

// confirmIfAsked clicks the primary button of an Element Plus confirmation
// box when one appears.
async function confirmIfAsked(page) {
  const box = page.locator('.el-message-box, .el-popconfirm').first()
  if (await box.isVisible({ timeout: 1500 }).catch(() => false)) {
    await box.locator('.el-button--primary').last().click()
  }
}

async function isChecked(el) {
  const input = el.locator('input[type=checkbox]')
  if (await input.count()) return input.first().isChecked()
  if ((await el.evaluate((e) => e.tagName)) === 'INPUT') return el.isChecked()
  const cls = (await el.getAttribute('class')) || ''
  return cls.includes('is-checked') || (await el.getAttribute('aria-checked')) === 'true'
}

// A 1×1 PNG written to disk, the "photo" of the meeting.
function pngFile() {
  const file = path.join(tmp, '会议照片.png')
  fs.writeFileSync(
    file,
    Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC',
      'base64',
    ),
  )
  return file
}

// ------------------------------------------------------------------ flow

const BRANCH_STEPS = ['sign in', 'unread badge', 'open a 支部委员会 task from 我的任务', 'record a meeting', 'task shows 已提交', 'reminder settings: e-mail on with an address', 'every screen of the menu opens without an error']
const TOWN_STEPS = ['sign in', 'open the review page', 'accept the record', 'task turns green (已完成)', 'add a member, then edit her phone number', 'create, rename and dissolve a branch in the org tree', 'every screen of the menu opens without an error']
const DISTRICT_STEPS = ['sign in', 'district view: chart and table with the three towns', "drill down: town → community → branch, and a branch's score breakdown", 'every screen of the menu opens without an error']

async function branchFlow() {
  const shared = {}
  const token = await apiLogin('towna.branch')
  // The demo's reminders are delivered by the start-up scan in the
  // background: "within a minute of start". Wait for them before looking.
  const t0 = Date.now()
  for (;;) {
    const d = await gql(token, '{ unreadCount }')
    if (d.unreadCount > 0) {
      console.log(`# ${d.unreadCount} reminders in towna.branch's inbox ${((Date.now() - t0) / 1000).toFixed(1)} s after ready`)
      break
    }
    if (Date.now() - t0 > 90_000) {
      console.log('# no reminder in towna.branch\'s inbox 90 s after ready')
      break // the badge step fails with a screenshot
    }
    await sleep(500)
  }
  const before = new Map((await apiMyTasks(token)).map((t) => [t.id, t.status]))
  await withBrowser('towna.branch (phone)', PHONE, async (b) => {
    const { page } = b
    await step(b, 'sign in', async () => {
      await signIn(b, 'towna.branch')
      // His branch's score for the quarter, with its breakdown.
      const total = byId(page, 'score-total').first()
      await total.waitFor({ state: 'visible' })
      console.log(`     branch score: ${(await total.innerText()).trim()}`)
      await shoot(b, '01-branch-home')
    })
    await step(b, 'unread badge', async () => {
      const badge = byId(page, 'unread-badge').first()
      await badge.waitFor({ state: 'visible' })
      const text = (await badge.innerText()).trim()
      if (/^0$/.test(text)) throw new Error(`unread badge shows 0`)
      console.log(`     unread badge: ${JSON.stringify(text)}`)
    })
    await step(b, 'open a 支部委员会 task from 我的任务', async () => {
      const rows = byId(page, 'task-row').filter({ hasText: '支部委员会' })
      if (!(await rows.first().isVisible({ timeout: 5000 }).catch(() => false))) {
        const nav = byId(page, 'nav-tasks').first()
        if (await nav.isVisible().catch(() => false)) await nav.click()
        await rows.first().waitFor({ state: 'visible' })
      }
      // Prefer a task of this period still to do (done on time it turns
      // green; an overdue one done now is late and stays amber), then any
      // task still open.
      let row = rows.filter({ hasText: '待完成' }).first()
      if (!(await row.count())) row = rows.filter({ hasNotText: /已提交|已完成/ }).first()
      if (!(await row.count())) row = rows.first()
      shared.rowText = (await row.innerText()).replace(/\s+/g, ' ').trim()
      console.log(`     task row: ${shared.rowText}`)
      await row.click()
      await byId(page, 'record-open').first().waitFor({ state: 'visible' })
      shared.url = page.url()
      await shoot(b, '02-branch-task')
    })
    await step(b, 'record a meeting', async () => {
      await byId(page, 'record-open').first().click()
      await fill(page, 'record-title', RECORD_TITLE)
      const boxes = byId(page, 'attendee-checkbox')
      await boxes.first().waitFor({ state: 'visible' })
      const n = await boxes.count()
      if (n < 1) throw new Error('no attendee-checkbox')
      let ticked = 0
      for (let i = 0; i < n && ticked < 3; i++) {
        const box = boxes.nth(i)
        if (await isChecked(box)) {
          ticked++
          continue
        }
        await box.scrollIntoViewIfNeeded()
        await box.click()
        if (!(await isChecked(box))) throw new Error(`attendee-checkbox #${i} did not tick`)
        ticked++
      }
      console.log(`     ${ticked} of ${n} attendees ticked`)
      // Every absentee needs a reason, as the form says.
      const reasons = byId(page, 'absence-reason')
      const absent = await reasons.count()
      for (let i = 0; i < absent; i++) {
        const r = reasons.nth(i)
        const input = (await r.locator('input').count()) ? r.locator('input').first() : r
        await input.scrollIntoViewIfNeeded()
        await input.fill('因公出差')
      }
      // The file input itself is usually hidden behind the upload button.
      const fileInput = page.locator('input[type=file][data-testid=photo-input], [data-testid=photo-input] input[type=file]').first()
      await fileInput.waitFor({ state: 'attached' })
      await fileInput.setInputFiles(pngFile())
      await fill(page, 'record-minutes', '一、传达学习上级会议精神；二、研究本月党员发展工作；三、部署下月主题党日活动。')
      await shoot(b, '03-branch-record-form')
      // Wait for the photo upload to finish (the upload mutation) before submitting.
      await page.waitForLoadState('networkidle').catch(() => {})
      await byId(page, 'record-submit').first().click()
      await confirmIfAsked(page)
      // The form closes once the server took the record; a refused form stays
      // open with its messages.
      await byId(page, 'record-submit').first().waitFor({ state: 'hidden' }).catch(async () => {
        const msgs = await page.locator('.el-form-item__error, .el-message--error').allInnerTexts()
        throw new Error(`the record form did not close: ${JSON.stringify(msgs)}`)
      })
    })
    await step(b, 'task shows 已提交', async () => {
      const status = byId(page, 'task-status').first()
      await status.waitFor({ state: 'visible' })
      await page.waitForFunction(
        () => /已提交|SUBMITTED/.test(document.querySelector('[data-testid=task-status]')?.textContent || ''),
        null,
        { timeout: TIMEOUT },
      ).catch(async () => {
        throw new Error(`task-status is ${JSON.stringify(await status.innerText())}, want 已提交`)
      })
      await shoot(b, '04-branch-submitted')
      // The API agrees: exactly one task moved to SUBMITTED.
      const now = await apiMyTasks(token)
      const moved = now.filter((t) => t.status === 'SUBMITTED' && before.get(t.id) !== 'SUBMITTED')
      if (moved.length !== 1) throw new Error(`API: ${moved.length} task(s) became SUBMITTED: ${JSON.stringify(moved)}`)
      shared.task = moved[0]
      console.log(`     API: task ${shared.task.id} 「${shared.task.title}」 is ${shared.task.status}`)
    })
    await step(b, 'reminder settings: e-mail on with an address', async () => {
      const nav = byId(page, 'nav-inbox').first()
      if (await nav.isVisible().catch(() => false)) await nav.click()
      else await page.goto('/inbox')
      await byId(page, 'prefs-open').first().click()
      await byId(page, 'prefs-save').first().waitFor({ state: 'visible' })
      const sw = byId(page, 'prefs-email-enabled').first()
      if (!(await isChecked(sw))) await sw.click()
      await fill(page, 'prefs-email', 'not-an-address')
      await byId(page, 'prefs-save').first().click()
      await page.getByText('邮箱格式不正确').first().waitFor({ state: 'visible' })
      await fill(page, 'prefs-email', 'huang.zq@example.com')
      await byId(page, 'prefs-save').first().click()
      await byId(page, 'prefs-save').first().waitFor({ state: 'hidden' })
      const d = await gql(token, '{ notificationPrefs { email emailEnabled } }')
      if (d.notificationPrefs.email !== 'huang.zq@example.com' || !d.notificationPrefs.emailEnabled) {
        throw new Error(`API: notificationPrefs = ${JSON.stringify(d.notificationPrefs)}`)
      }
    })
    await step(b, 'every screen of the menu opens without an error', () => everyScreen(b))
    shared.ok = !b.failed
  })
  return { ...shared, token }
}

async function townFlow(branch) {
  if (!branch.ok) {
    skipAll('towna.admin (desktop)', TOWN_STEPS)
    return
  }
  await withBrowser('towna.admin (desktop)', DESKTOP, async (b) => {
    const { page } = b
    let row
    await step(b, 'sign in', async () => {
      await signIn(b, 'towna.admin')
      // The town office's home: the town's 三色 and what is overdue below it.
      await byId(page, 'org-status').first().waitFor({ state: 'visible' })
      await byId(page, 'status-red').first().waitFor({ state: 'visible' })
      await byId(page, 'overdue-below').first().waitFor({ state: 'visible' })
      const red = (await byId(page, 'status-red').first().innerText()).replace(/\s+/g, ' ')
      console.log(`     home 三色 red: ${red}; overdue rows: ${await byId(page, 'overdue-row').count()}`)
      await shoot(b, '05-town-home')
    })
    await step(b, 'open the review page', async () => {
      const nav = byId(page, 'nav-review').first()
      if (await nav.isVisible({ timeout: 5000 }).catch(() => false)) await nav.click()
      else await page.goto('/review')
      const rows = byId(page, 'review-row')
      await rows.first().waitFor({ state: 'visible' })
      // The row of our record: by its title, else by the task's title and branch.
      for (const f of [{ hasText: RECORD_TITLE }, { hasText: branch.task.title }, { hasText: '支部委员会' }]) {
        const r = rows.filter(f).filter({ hasText: '幸福社区第一党支部' })
        if (await r.count()) {
          row = r.first()
          break
        }
        if (await rows.filter(f).count()) {
          row = rows.filter(f).first()
          break
        }
      }
      if (!row) throw new Error(`no review-row for 「${branch.task.title}」 among ${await rows.count()} rows:\n${(await rows.allInnerTexts()).join('\n')}`)
      console.log(`     review row: ${(await row.innerText()).replace(/\s+/g, ' ').trim()}`)
      await shoot(b, '06-town-review')
    })
    await step(b, 'accept the record', async () => {
      const accept = row.getByTestId('review-accept')
      await ((await accept.count()) ? accept.first() : byId(page, 'review-accept').first()).click()
      await confirmIfAsked(page)
      // Accepted through the API, too.
      const deadline = Date.now() + TIMEOUT
      let t
      while (Date.now() < deadline) {
        t = await apiTask(branch.token, branch.task.id)
        if (t.status === 'DONE') break
        await sleep(300)
      }
      if (t.status !== 'DONE') throw new Error(`API: task ${t.id} is ${t.status}, want DONE`)
      console.log(`     API: task ${t.id} is ${t.status}, ${t.color}`)
      if (t.color !== 'GREEN') throw new Error(`API: task colour ${t.color}, want GREEN`)
    })
    await step(b, 'task turns green (已完成)', async () => {
      // The interface shows it: the row (if it stays in the list) or the
      // task's own page says 已完成, in green.
      const shown = async () => {
        const els = page.locator('[data-testid=review-row], [data-testid=task-status], [data-testid=task-row]').filter({ hasText: '已完成' })
        return (await els.count()) ? els.first() : null
      }
      let el = await page.waitForFunction(() => /已完成/.test(document.body.innerText), null, { timeout: 5000 }).then(shown, () => null)
      if (!el) {
        const url = branch.url ? new URL(branch.url).pathname : null
        if (url) await page.goto(url)
        await byId(page, 'task-status').first().waitFor({ state: 'visible' })
        await page.waitForFunction(() => /已完成/.test(document.querySelector('[data-testid=task-status]')?.textContent || ''), null, { timeout: TIMEOUT })
        el = byId(page, 'task-status').first()
      }
      const green = await el.evaluate((e) => {
        const all = [e, ...e.querySelectorAll('*')]
        return all.some((n) => {
          const s = getComputedStyle(n)
          const cls = String(n.className || '')
          const rgb = (c) => (c.match(/\d+/g) || []).map(Number)
          const isGreen = ([r, g, b]) => g > 100 && g > r + 30 && g > b + 10
          return /success|green/i.test(cls) || isGreen(rgb(s.color)) || isGreen(rgb(s.backgroundColor)) || isGreen(rgb(s.borderColor))
        })
      })
      if (!green) throw new Error(`「已完成」 is shown but not in green: ${await el.evaluate((e) => e.outerHTML.slice(0, 400))}`)
      await shoot(b, '07-town-accepted')
    })
    await step(b, 'add a member, then edit her phone number', async () => {
      const name = `测试${String(Date.now()).slice(-4)}`
      await page.goto('/orgs')
      await byId(page, 'members-table').first().locator('.el-table__body tr').first().waitFor({ state: 'visible' })
      await byId(page, 'person-add').first().click()
      const dialog = page.locator('.el-dialog').filter({ hasText: '新增人员' }).first()
      await dialog.waitFor({ state: 'visible' })
      await byId(page, 'person-save').first().click() // empty: refused before sending
      await dialog.getByText('请输入姓名').first().waitFor({ state: 'visible' })
      await fill(page, 'person-name', name)
      await dialog.getByText('女', { exact: true }).first().click()
      await fill(page, 'person-phone', '123')
      await byId(page, 'person-save').first().click()
      await dialog.getByText('手机号码应为 11 位手机号').first().waitFor({ state: 'visible' })
      await fill(page, 'person-phone', '13912345678')
      await byId(page, 'person-save').first().click()
      await dialog.waitFor({ state: 'hidden' })
      const search = page.getByPlaceholder('按姓名查找').first()
      await search.fill(name)
      await search.press('Enter')
      const row = byId(page, 'members-table').first().locator('.el-table__body tr').filter({ hasText: name }).first()
      await row.waitFor({ state: 'visible' })
      await row.getByTestId('person-edit').first().click()
      const edit = page.locator('.el-dialog').filter({ hasText: '编辑人员' }).first()
      await edit.waitFor({ state: 'visible' })
      await page.waitForFunction(() => {
        const i = document.querySelector('[data-testid=person-name] input, input[data-testid=person-name]')
        return i && i.value !== ''
      }, null, { timeout: TIMEOUT })
      await fill(page, 'person-phone', '13900001111')
      await byId(page, 'person-save').first().click()
      await edit.waitFor({ state: 'hidden' })
      await row.getByText('13900001111').first().waitFor({ state: 'visible' })
      console.log(`     added and edited ${name}`)
      await shoot(b, '08-town-members')
    })
    await step(b, 'create, rename and dissolve a branch in the org tree', async () => {
      const name = `测试党支部${String(Date.now()).slice(-4)}`
      const tree = page.locator('.el-tree').first()
      await tree.getByText('红旗镇党委').first().click()
      await byId(page, 'org-add').first().click()
      const dialog = page.locator('.el-dialog').filter({ hasText: '新建组织' }).first()
      await dialog.waitFor({ state: 'visible' })
      await fill(page, 'org-name', name)
      await byId(page, 'org-kind').first().click()
      await page.locator('.el-select-dropdown__item:visible').filter({ hasText: /^党支部$/ }).first().click()
      await byId(page, 'org-save').first().click()
      await dialog.waitFor({ state: 'hidden' })
      await tree.getByText(name).first().waitFor({ state: 'visible' })
      await tree.getByText(name).first().click()
      await byId(page, 'org-rename').first().click()
      await fill(page, 'org-name', `${name}（改）`)
      await byId(page, 'org-save').first().click()
      await tree.getByText(`${name}（改）`).first().waitFor({ state: 'visible' })
      await tree.getByText(`${name}（改）`).first().click()
      await byId(page, 'org-dissolve').first().click()
      const box = page.locator('.el-message-box').filter({ hasText: '撤销' }).first()
      await box.waitFor({ state: 'visible' })
      await box.locator('.el-button--primary').last().click()
      await tree.getByText(`${name}（改）`).first().waitFor({ state: 'detached' })
      console.log(`     created, renamed and dissolved ${name}`)
    })
    await step(b, 'every screen of the menu opens without an error', () => everyScreen(b))
  })
}

async function districtFlow() {
  await withBrowser('district.admin (desktop)', DESKTOP, async (b) => {
    const { page } = b
    await step(b, 'sign in', async () => {
      await signIn(b, 'district.admin')
      // The district's home: one 三色 panel per town.
      const panels = byId(page, 'org-status')
      await page.waitForFunction((n) => document.querySelectorAll('[data-testid=org-status] [data-testid=status-red]').length >= n, TOWNS.length, { timeout: TIMEOUT })
      const text = (await panels.allInnerTexts()).join(' ')
      for (const t of TOWNS) if (!text.includes(t)) throw new Error(`home has no 三色 panel for ${t}: ${text.slice(0, 300)}`)
      await shoot(b, '09-district-home')
    })
    await step(b, 'district view: chart and table with the three towns', async () => {
      const chart = byId(page, 'district-chart').first()
      if (!(await chart.isVisible({ timeout: 5000 }).catch(() => false))) {
        const nav = byId(page, 'nav-district').first()
        if (await nav.isVisible().catch(() => false)) await nav.click()
        else await page.goto('/district')
      }
      await chart.waitFor({ state: 'visible' })
      // ECharts draws into a canvas (or svg) once it has data.
      await chart.locator('canvas, svg').first().waitFor({ state: 'visible' })
      const box = await chart.boundingBox()
      if (!box || box.width < 100 || box.height < 100) throw new Error(`district-chart is ${JSON.stringify(box)}`)
      const table = byId(page, 'district-table').first()
      await table.waitFor({ state: 'visible' })
      for (const town of TOWNS) {
        await table.getByText(town).first().waitFor({ state: 'visible' }).catch(async () => {
          throw new Error(`district-table lacks ${town}:\n${await table.innerText()}`)
        })
      }
      await sleep(800) // chart animation
      await shoot(b, '10-district')
    })
    await step(b, 'drill down: town → community → branch, and a branch\'s score breakdown', async () => {
      const table = byId(page, 'district-table').first()
      await table.getByText(TOWNS[0]).first().click()
      const drill = byId(page, 'drill-down').first()
      await drill.waitFor({ state: 'visible' })
      const community = drill.locator('.el-table__body tr').filter({ hasText: '社区党委' }).first()
      await community.waitFor({ state: 'visible' })
      await community.getByTestId('drill-down-child').first().click()
      const trail = byId(page, 'drill-trail').first()
      await page.waitForFunction(() => document.querySelectorAll('[data-testid=drill-trail] .el-breadcrumb__item').length >= 2, null, { timeout: TIMEOUT })
      console.log(`     trail: ${(await trail.innerText()).replace(/\s+/g, ' ')}`)
      const branchRow = drill.locator('.el-table__body tr').filter({ hasText: '支部' }).first()
      await branchRow.waitFor({ state: 'visible' })
      const name = (await branchRow.locator('.el-link').first().innerText()).trim()
      await branchRow.locator('.el-link').first().click()
      const dialog = page.locator('.el-dialog').filter({ hasText: '得分构成' }).first()
      await dialog.waitFor({ state: 'visible' })
      await dialog.locator('.el-table__body tr').first().waitFor({ state: 'visible' })
      const rows = await dialog.locator('.el-table__body tr').count()
      console.log(`     breakdown of ${name}: ${rows} indicators`)
      if (!(await dialog.innerText()).includes(name)) throw new Error(`breakdown dialog does not name ${name}`)
      await shoot(b, '11-district-breakdown')
    })
    await step(b, 'every screen of the menu opens without an error', () => everyScreen(b))
  })
}

// ------------------------------------------------------------------ main

async function main() {
  fs.mkdirSync(shots, { recursive: true })
  for (const f of fs.readdirSync(shots)) if (f.endsWith('.png')) fs.rmSync(path.join(shots, f))
  if (!fs.existsSync(CHROMIUM)) throw new Error(`no browser at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM)`)
  await startServer()
  const branch = await branchFlow()
  await townFlow(branch)
  await districtFlow()
}

let fatal = null
const cleanup = async () => {
  await stopServer()
  if (process.env.E2E_KEEP || fatal || results.some((r) => r.ok === false)) {
    if (fs.existsSync(serverLog)) console.log(`# server log: ${serverLog}; its warnings and errors:\n${indent(serverProblems(serverLog))}`)
  } else {
    fs.rmSync(tmp, { recursive: true, force: true })
  }
}
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, async () => {
    console.log(`# ${sig}: stopping`)
    await cleanup()
    process.exit(130)
  })
}

const started = Date.now()
try {
  await main()
} catch (e) {
  fatal = e
  console.log(`FAIL setup: ${e?.stack || e}`)
}
await cleanup()
const passed = results.filter((r) => r.ok).length
const failed = results.filter((r) => r.ok === false).length + (fatal ? 1 : 0)
const skipped = results.filter((r) => r.skipped).length
console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''} (${((Date.now() - started) / 1000).toFixed(1)} s; screenshots in ${path.relative(process.cwd(), shots) || '.'})`)
process.exit(failed || (passed === 0 && skipped) ? 1 : 0)
