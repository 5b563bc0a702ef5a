// A small GraphQL client: fetch + bearer token + one refresh on UNAUTHENTICATED,
// and the GraphQL multipart request spec for uploads.
import type { TypedDocumentString } from './gql/graphql'
import { RefreshDoc } from './ops'

const ACCESS = 'dj.accessToken'
const REFRESH = 'dj.refreshToken'

export function accessToken(): string | null {
  return localStorage.getItem(ACCESS)
}
export function refreshTokenValue(): string | null {
  return localStorage.getItem(REFRESH)
}
export function setTokens(access: string, refresh: string) {
  localStorage.setItem(ACCESS, access)
  localStorage.setItem(REFRESH, refresh)
}
export function clearTokens() {
  localStorage.removeItem(ACCESS)
  localStorage.removeItem(REFRESH)
}

const CODE_LABELS: Record<string, string> = {
  UNAUTHENTICATED: '请先登录',
  FORBIDDEN: '没有权限进行此操作',
  NOT_FOUND: '要找的内容不存在或已被删除',
  INVALID_INPUT: '填写的内容有误',
  CONFLICT: '内容已被他人修改或已存在，请刷新后重试',
  RATE_LIMITED: '操作过于频繁，请稍后再试',
  INTERNAL: '服务器出错了，请稍后再试',
  NETWORK: '网络连接失败，请检查网络后重试',
}

export class ApiError extends Error {
  code: string
  constructor(code: string, message: string) {
    super(message)
    this.code = code
  }
}

/** A readable Chinese message for any error thrown by the client. */
export function errorMessage(e: unknown): string {
  if (e instanceof ApiError) {
    // The server writes its messages in Chinese; fall back to the code's label.
    const m = e.message && /[\u4e00-\u9fff]/.test(e.message) ? e.message : ''
    return m || CODE_LABELS[e.code] || `操作失败（${e.code}）`
  }
  if (e instanceof Error && e.message) return e.message
  return '操作失败'
}

/** Called when the session cannot be renewed; the router installs the redirect. */
let onSessionExpired: () => void = () => {}
export function setSessionExpiredHandler(f: () => void) {
  onSessionExpired = f
}

type GqlError = { message: string; extensions?: { code?: string } }
type GqlResponse = { data?: unknown; errors?: GqlError[] }

async function send(body: BodyInit, json: boolean): Promise<GqlResponse> {
  const headers: Record<string, string> = {}
  if (json) headers['Content-Type'] = 'application/json'
  const t = accessToken()
  if (t) headers['Authorization'] = `Bearer ${t}`
  let res: Response
  try {
    res = await fetch('/graphql', { method: 'POST', headers, body })
  } catch {
    throw new ApiError('NETWORK', CODE_LABELS.NETWORK)
  }
  let payload: GqlResponse
  try {
    payload = (await res.json()) as GqlResponse
  } catch {
    if (res.status === 401) return { errors: [{ message: '', extensions: { code: 'UNAUTHENTICATED' } }] }
    throw new ApiError(res.status === 429 ? 'RATE_LIMITED' : 'INTERNAL', '')
  }
  return payload
}

let refreshing: Promise<boolean> | null = null

/** Renews the access token with the refresh token, once for all concurrent callers. */
async function tryRefresh(): Promise<boolean> {
  const rt = refreshTokenValue()
  if (!rt) return false
  if (!refreshing) {
    refreshing = (async () => {
      try {
        const r = await send(JSON.stringify({ query: RefreshDoc.toString(), variables: { input: { refreshToken: rt } } }), true)
        const d = r.data as { refreshToken?: { accessToken: string; refreshToken: string } } | null
        if (r.errors?.length || !d?.refreshToken) return false
        setTokens(d.refreshToken.accessToken, d.refreshToken.refreshToken)
        return true
      } catch {
        return false
      } finally {
        setTimeout(() => (refreshing = null), 0)
      }
    })()
  }
  return refreshing
}

async function run<R>(makeBody: () => { body: BodyInit; json: boolean }, authRetry: boolean): Promise<R> {
  const hadToken = !!accessToken()
  let { body, json } = makeBody()
  let r = await send(body, json)
  let err = r.errors?.[0]
  if (authRetry && hadToken && err?.extensions?.code === 'UNAUTHENTICATED') {
    if (await tryRefresh()) {
      ;({ body, json } = makeBody())
      r = await send(body, json)
      err = r.errors?.[0]
    }
    if (err?.extensions?.code === 'UNAUTHENTICATED') {
      clearTokens()
      onSessionExpired()
      throw new ApiError('UNAUTHENTICATED', '会话已过期，请重新登录')
    }
  }
  if (err) throw new ApiError(err.extensions?.code ?? 'INTERNAL', err.message)
  return r.data as R
}

/** Runs a query or mutation. Pass auth=false for sign-in (a failed sign-in is not an expired session). */
export function gql<R, V>(doc: TypedDocumentString<R, V>, variables?: V, auth = true): Promise<R> {
  return run<R>(() => ({ body: JSON.stringify({ query: doc.toString(), variables: variables ?? {} }), json: true }), auth)
}

/**
 * Runs a mutation with files, by the GraphQL multipart request spec:
 * `files` maps a variable path (e.g. "input.file") to the File to send there.
 */
export function gqlUpload<R, V>(doc: TypedDocumentString<R, V>, variables: V, files: Record<string, File>): Promise<R> {
  return run<R>(() => {
    const paths = Object.keys(files)
    const vars = JSON.parse(JSON.stringify(variables ?? {})) as Record<string, unknown>
    for (const p of paths) setPath(vars, p, null)
    const fd = new FormData()
    fd.append('operations', JSON.stringify({ query: doc.toString(), variables: vars }))
    const map: Record<string, string[]> = {}
    paths.forEach((p, i) => (map[String(i)] = [`variables.${p}`]))
    fd.append('map', JSON.stringify(map))
    paths.forEach((p, i) => fd.append(String(i), files[p], files[p].name))
    return { body: fd, json: false }
  }, true)
}

function setPath(obj: Record<string, unknown>, path: string, value: unknown) {
  const parts = path.split('.')
  let cur: Record<string, unknown> = obj
  for (const k of parts.slice(0, -1)) {
    if (typeof cur[k] !== 'object' || cur[k] === null) cur[k] = {}
    cur = cur[k] as Record<string, unknown>
  }
  cur[parts[parts.length - 1]] = value
}

/** Fetches a path that needs the bearer token (attachments, summaries) and opens it. */
export async function openAuthed(url: string, filename?: string) {
  const res = await fetch(url, { headers: { Authorization: `Bearer ${accessToken() ?? ''}` } })
  if (!res.ok) throw new ApiError(res.status === 403 ? 'FORBIDDEN' : 'NOT_FOUND', '')
  const blob = await res.blob()
  const a = document.createElement('a')
  a.href = URL.createObjectURL(blob)
  if (filename) a.download = filename
  a.target = '_blank'
  a.click()
  setTimeout(() => URL.revokeObjectURL(a.href), 60_000)
}
