// The signed-in user, their roles and the unread count, shared by every screen.
import { computed, reactive } from 'vue'
import { accessToken, clearTokens, gql, refreshTokenValue, setTokens } from './api'
import type { MeQuery, Role } from './gql/graphql'
import { LoginDoc, LogoutDoc, MeDoc, UnreadCountDoc } from './ops'

export const session = reactive({
  me: null as MeQuery['me'] | null,
  unread: 0,
  /** Shown once on the sign-in page (e.g. 会话已过期，请重新登录). */
  notice: '',
})

const DISTRICT_ROLES: Role[] = ['PLATFORM_ADMIN', 'DISTRICT_ADMIN', 'DISTRICT_VIEWER']
const TOWN_MANAGER_ROLES: Role[] = ['TOWN_SECRETARY', 'TOWN_DEPUTY_SECRETARY', 'TOWN_OFFICE']
const REVIEW_ROLES: Role[] = [...TOWN_MANAGER_ROLES, 'COMMITTEE_MEMBER', 'DISTRICT_ADMIN', 'PLATFORM_ADMIN']
const MANAGER_ROLES: Role[] = [...TOWN_MANAGER_ROLES, 'DISTRICT_ADMIN', 'PLATFORM_ADMIN']

export const roles = computed<Role[]>(() => {
  const r = session.me?.roles.map((x) => x.role) ?? []
  if (session.me?.isPlatformAdmin) r.push('PLATFORM_ADMIN')
  return r
})
const has = (list: Role[]) => roles.value.some((r) => list.includes(r))
export const isDistrict = computed(() => has(DISTRICT_ROLES))
export const isManager = computed(() => has(MANAGER_ROLES))
export const canReview = computed(() => has(REVIEW_ROLES))
export const canDeploy = computed(() => has([...TOWN_MANAGER_ROLES, 'ORG_SECRETARY']))
export const canSeeOrgs = computed(() => roles.value.some((r) => r !== 'MEMBER'))

/** The district of a district user (from the user or a district role). */
export const districtId = computed<string | null>(() => {
  const me = session.me
  if (!me) return null
  return me.district?.id ?? me.roles.find((r) => r.district)?.district?.id ?? null
})

export function signedIn(): boolean {
  return !!accessToken()
}

export async function login(username: string, password: string) {
  const d = await gql(LoginDoc, { input: { username, password } }, false)
  setTokens(d.login.accessToken, d.login.refreshToken)
  session.notice = ''
  await loadMe()
}

export async function loadMe() {
  const d = await gql(MeDoc)
  session.me = d.me
  session.unread = d.unreadCount
}

export async function refreshUnread() {
  try {
    session.unread = (await gql(UnreadCountDoc)).unreadCount
  } catch {
    /* shown elsewhere */
  }
}

export async function logout() {
  const rt = refreshTokenValue()
  if (rt) {
    try {
      await gql(LogoutDoc, { input: { refreshToken: rt } }, false)
    } catch {
      /* the session ends locally anyway */
    }
  }
  clearTokens()
  session.me = null
  session.unread = 0
}
