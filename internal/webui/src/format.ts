// zh-CN labels and formats.
import type { TaskColor, TaskStatus } from './gql/graphql'

const dtf = new Intl.DateTimeFormat('zh-CN', {
  year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false,
})
const df = new Intl.DateTimeFormat('zh-CN', { year: 'numeric', month: 'long', day: 'numeric' })
const nf = new Intl.NumberFormat('zh-CN', { maximumFractionDigits: 1 })

export function fmtDateTime(s?: string | null): string {
  return s ? dtf.format(new Date(s)) : '—'
}
export function fmtDate(s?: string | null): string {
  return s ? df.format(new Date(s)) : '—'
}
export function fmtNum(n?: number | null): string {
  return n === null || n === undefined ? '—' : nf.format(n)
}

export const STATUS_LABEL: Record<TaskStatus, string> = {
  PENDING: '待完成',
  SUBMITTED: '已提交待审',
  RETURNED: '已退回',
  DONE: '已完成',
  OVERDUE: '已逾期',
}

export const COLOR_LABEL: Record<TaskColor, string> = { GREEN: '绿', AMBER: '黄', RED: '红' }

/** Element Plus tag type for a 三色 colour. */
export function colorType(c?: TaskColor | null): 'success' | 'warning' | 'danger' | 'info' {
  return c === 'GREEN' ? 'success' : c === 'AMBER' ? 'warning' : c === 'RED' ? 'danger' : 'info'
}

export const ACTION_LABEL: Record<string, string> = {
  SUBMIT: '提交纪实', ACCEPT: '审核通过', RETURN: '退回修改', submit: '提交纪实', accept: '审核通过', return: '退回修改',
}

export const ORG_KIND_LABEL: Record<string, string> = {
  TOWN_COMMITTEE: '镇党委', COMMUNITY_COMMITTEE: '社区党委', GENERAL_BRANCH: '党总支', BRANCH: '党支部',
  PARTY_GROUP: '党小组', UNIT_ORG: '驻区单位党组织', FUNCTIONAL_BRANCH: '功能型党支部', JOINT_BRANCH: '联合党支部',
}
