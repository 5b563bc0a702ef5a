import { createRouter, createWebHistory } from 'vue-router'
import { setSessionExpiredHandler } from './api'
import { loadMe, session, signedIn } from './session'

export const router = createRouter({
  history: createWebHistory('/'),
  routes: [
    { path: '/login', name: 'login', component: () => import('./views/LoginView.vue'), meta: { public: true, title: '登录' } },
    {
      path: '/',
      component: () => import('./components/AppLayout.vue'),
      children: [
        { path: '', name: 'home', component: () => import('./views/HomeView.vue'), meta: { title: '首页' } },
        { path: 'tasks', name: 'tasks', component: () => import('./views/TaskListView.vue'), meta: { title: '任务列表' } },
        { path: 'tasks/:id', name: 'task', component: () => import('./views/TaskView.vue'), props: true, meta: { title: '任务详情' } },
        { path: 'review', name: 'review', component: () => import('./views/ReviewView.vue'), meta: { title: '审核' } },
        { path: 'deployments', name: 'deployments', component: () => import('./views/DeploymentsView.vue'), meta: { title: '部署' } },
        { path: 'orgs', name: 'orgs', component: () => import('./views/OrgsView.vue'), meta: { title: '组织与党员' } },
        { path: 'inbox', name: 'inbox', component: () => import('./views/InboxView.vue'), meta: { title: '消息' } },
        { path: 'district', name: 'district', component: () => import('./views/DistrictView.vue'), meta: { title: '区级对比' } },
        { path: 'audit', name: 'audit', component: () => import('./views/AuditView.vue'), meta: { title: '审计日志' } },
      ],
    },
    { path: '/:rest(.*)*', redirect: '/' },
  ],
})

router.beforeEach(async (to) => {
  document.title = `${(to.meta.title as string) ?? ''} · 基层党建工作平台`
  if (to.meta.public) return true
  if (!signedIn()) return { name: 'login', query: to.fullPath !== '/' ? { next: to.fullPath } : {} }
  if (!session.me) {
    try {
      await loadMe()
    } catch {
      if (!signedIn()) return { name: 'login' }
    }
  }
  return true
})

setSessionExpiredHandler(() => {
  session.me = null
  session.notice = '会话已过期，请重新登录'
  const cur = router.currentRoute.value
  if (cur.name !== 'login') router.replace({ name: 'login', query: { next: cur.fullPath } })
})
