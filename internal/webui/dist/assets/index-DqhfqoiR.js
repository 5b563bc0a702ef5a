const __vite__mapDeps=(i,m=__vite__mapDeps,d=(m.f||(m.f=["assets/LoginView-C0S_uoeX.js","assets/vue-C5WTRo8h.js","assets/_plugin-vue_export-helper-DlAUqK2U.js","assets/element-plus-DhU2HlQG.js","assets/LoginView-C0uX5d_p.css","assets/AppLayout-CMcUJ6Mw.js","assets/narrow-CeixfuCK.js","assets/AppLayout-SgzLPFR0.css","assets/HomeView-BT9kbuAv.js","assets/format-BYQOvO8o.js","assets/StatusTag.vue_vue_type_script_setup_true_lang-AacTU5RS.js","assets/paged-CN8A0ZhG.js","assets/paged-CF2KSKmN.css","assets/HomeView-BRVtKhuz.css","assets/TaskListView-CJNXJLcz.js","assets/TaskView-zumOXOIN.js","assets/rfc3339-CX7XhRcz.js","assets/TaskView-B7Pzn3AN.css","assets/ReviewView-B8B8D7od.js","assets/ReviewView-BEhLLTpf.css","assets/DeploymentsView-BFEYrSzs.js","assets/DeploymentsView-CCCPRC8Q.css","assets/OrgsView-CQg4kQRB.js","assets/OrgsView-C9z35WQI.css","assets/InboxView-ZCBqcgxY.js","assets/InboxView-wlDn64c8.css","assets/DistrictView-01pnLdAc.js","assets/DistrictView-BSFPKCzc.css","assets/AuditView-DGhWW3Ow.js","assets/AuditView-pRSsJi41.css"])))=>i.map(i=>d[i]);
import{G as B,ak as R,L as j,O as V,W,a0 as H,u as K,c as f,p as J,az as Y,aA as G,ax as Q}from"./vue-C5WTRo8h.js";import{e as X}from"./element-plus-DhU2HlQG.js";(function(){const n=document.createElement("link").relList;if(n&&n.supports&&n.supports("modulepreload"))return;for(const t of document.querySelectorAll('link[rel="modulepreload"]'))s(t);new MutationObserver(t=>{for(const i of t)if(i.type==="childList")for(const d of i.addedNodes)d.tagName==="LINK"&&d.rel==="modulepreload"&&s(d)}).observe(document,{childList:!0,subtree:!0});function r(t){const i={};return t.integrity&&(i.integrity=t.integrity),t.referrerPolicy&&(i.referrerPolicy=t.referrerPolicy),t.crossOrigin==="use-credentials"?i.credentials="include":t.crossOrigin==="anonymous"?i.credentials="omit":i.credentials="same-origin",i}function s(t){if(t.ep)return;t.ep=!0;const i=r(t);fetch(t.href,i)}})();var N={name:"zh-cn",el:{breadcrumb:{label:"面包屑"},colorpicker:{confirm:"确定",clear:"清空",defaultLabel:"颜色选择器",description:"当前颜色 {color}，按 Enter 键选择新颜色",alphaLabel:"选择透明度的值",alphaDescription:"透明度 {alpha}, 当前颜色 {color}",hueLabel:"选择色相值",hueDescription:"色相 {hue}, 当前颜色 {color}",svLabel:"选择饱和度与明度的值",svDescription:"饱和度 {saturation}, 明度 {brightness}, 当前颜色 {color}",predefineDescription:"选择 {value} 作为颜色"},datepicker:{now:"此刻",today:"今天",cancel:"取消",clear:"清空",confirm:"确定",dateTablePrompt:"使用方向键与 Enter 键可选择日期",monthTablePrompt:"使用方向键与 Enter 键可选择月份",quarterTablePrompt:"使用方向键与 Enter 键可选择季度",yearTablePrompt:"使用方向键与 Enter 键可选择年份",selectedDate:"已选日期",selectDate:"选择日期",selectTime:"选择时间",startDate:"开始日期",startTime:"开始时间",endDate:"结束日期",endTime:"结束时间",prevYear:"前一年",nextYear:"后一年",prevMonth:"上个月",nextMonth:"下个月",year:"年",month1:"1 月",month2:"2 月",month3:"3 月",month4:"4 月",month5:"5 月",month6:"6 月",month7:"7 月",month8:"8 月",month9:"9 月",month10:"10 月",month11:"11 月",month12:"12 月",weeks:{sun:"日",mon:"一",tue:"二",wed:"三",thu:"四",fri:"五",sat:"六"},weeksFull:{sun:"星期日",mon:"星期一",tue:"星期二",wed:"星期三",thu:"星期四",fri:"星期五",sat:"星期六"},months:{jan:"一月",feb:"二月",mar:"三月",apr:"四月",may:"五月",jun:"六月",jul:"七月",aug:"八月",sep:"九月",oct:"十月",nov:"十一月",dec:"十二月"}},input:{characters:"{count} / {max} 个字符"},inputNumber:{decrease:"减少数值",increase:"增加数值"},select:{loading:"加载中",noMatch:"无匹配数据",noData:"无数据",placeholder:"请选择"},mention:{loading:"加载中"},dropdown:{toggleDropdown:"切换下拉选项"},cascader:{noMatch:"无匹配数据",loading:"加载中",placeholder:"请选择",noData:"暂无数据"},pagination:{goto:"前往",pagesize:"条/页",total:"共 {total} 条",pageClassifier:"页",page:"页",prev:"上一页",next:"下一页",currentPage:"第 {pager} 页",prevPages:"向前 {pager} 页",nextPages:"向后 {pager} 页",deprecationWarning:"你使用了一些已被废弃的用法，请参考 el-pagination 的官方文档"},dialog:{close:"关闭此对话框"},drawer:{close:"关闭此对话框"},messagebox:{title:"提示",confirm:"确定",cancel:"取消",error:"输入的数据不合法!",close:"关闭此对话框"},upload:{deleteTip:"按 Delete 键可删除",delete:"删除",preview:"查看图片",continue:"继续上传"},slider:{defaultLabel:"滑块介于 {min} 至 {max}",defaultRangeStartLabel:"选择起始值",defaultRangeEndLabel:"选择结束值"},table:{emptyText:"暂无数据",confirmFilter:"筛选",resetFilter:"重置",clearFilter:"全部",sumText:"合计",selectAllLabel:"选择所有行",selectRowLabel:"选择当前行",expandRowLabel:"展开当前行",collapseRowLabel:"收起当前行",sortLabel:"按 {column} 排序",filterLabel:"按 {column} 过滤"},tag:{close:"关闭此标签"},tour:{next:"下一步",previous:"上一步",finish:"结束导览",close:"关闭此对话框"},tree:{emptyText:"暂无数据"},transfer:{noMatch:"无匹配数据",noData:"无数据",titles:["列表 1","列表 2"],filterPlaceholder:"请输入搜索内容",noCheckedFormat:"共 {total} 项",hasCheckedFormat:"已选 {checked}/{total} 项"},image:{error:"加载失败"},pageHeader:{title:"返回"},popconfirm:{confirmButtonText:"确定",cancelButtonText:"取消"},carousel:{leftArrow:"上一张幻灯片",rightArrow:"下一张幻灯片",indicator:"幻灯片切换至索引 {index}"},inputOTP:{groupLabel:"一次性密码输入框",defaultLabel:"请输入第 {index} 位 OTP 字符"}}};const Z=B({__name:"App",setup(e){return(n,r)=>{const s=R("router-view"),t=R("el-config-provider");return j(),V(t,{locale:K(N)},{default:W(()=>[H(s)]),_:1},8,["locale"])}}}),ee="modulepreload",te=function(e){return"/"+e},C={},l=function(n,r,s){let t=Promise.resolve();if(r&&r.length>0){let I=function(p){return Promise.all(p.map(g=>Promise.resolve(g).then(h=>({status:"fulfilled",value:h}),h=>({status:"rejected",reason:h}))))};document.getElementsByTagName("link");const d=document.querySelector("meta[property=csp-nonce]"),c=d?.nonce||d?.getAttribute("nonce");t=I(r.map(p=>{if(p=te(p),p in C)return;C[p]=!0;const g=p.endsWith(".css"),h=g?'[rel="stylesheet"]':"";if(document.querySelector(`link[href="${p}"]${h}`))return;const m=document.createElement("link");if(m.rel=g?"stylesheet":ee,g||(m.as="script"),m.crossOrigin="",m.href=p,c&&m.setAttribute("nonce",c),document.head.appendChild(m),g)return new Promise((F,z)=>{m.addEventListener("load",F),m.addEventListener("error",()=>z(new Error(`Unable to preload CSS for ${p}`)))})}))}function i(d){const c=new Event("vite:preloadError",{cancelable:!0});if(c.payload=d,window.dispatchEvent(c),!c.defaultPrevented)throw d}return t.then(d=>{for(const c of d||[])c.status==="rejected"&&i(c.reason);return n().catch(i)})};class o extends String{__apiType;value;__meta__;constructor(n,r){super(n),this.value=n,this.__meta__=r}toString(){return this.value}}const ne=new o(`
    mutation Login($input: LoginInput!) {
  login(input: $input) {
    accessToken
    refreshToken
    accessTokenExpiresAt
    user {
      id
      displayName
    }
  }
}
    `),re=new o(`
    mutation Refresh($input: RefreshTokenInput!) {
  refreshToken(input: $input) {
    accessToken
    refreshToken
    accessTokenExpiresAt
  }
}
    `),oe=new o(`
    mutation Logout($input: LogoutInput!) {
  logout(input: $input) {
    ok
  }
}
    `),ae=new o(`
    mutation ChangePassword($input: ChangePasswordInput!) {
  changePassword(input: $input) {
    ok
  }
}
    `),ie=new o(`
    query Me {
  me {
    id
    username
    displayName
    isPlatformAdmin
    town {
      id
      name
      rootOrganization {
        id
        name
      }
    }
    district {
      id
      name
    }
    roles {
      id
      role
      roleLabel
      org {
        id
        name
      }
      district {
        id
        name
      }
    }
  }
  unreadCount
}
    `),se=new o(`
    query UnreadCount {
  unreadCount
}
    `),de=new o(`
    query MyTasks($first: Int, $after: String) {
  myTasks(first: $first, after: $after) {
    totalCount
    pageInfo {
      hasNextPage
      endCursor
    }
    edges {
      node {
        id
        title
        period
        dueAt
        status
        color
        org {
          id
          name
        }
      }
    }
  }
}
    `),ce=new o(`
    query TaskInstances($filter: TaskInstanceFilter, $first: Int, $after: String) {
  taskInstances(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo {
      hasNextPage
      endCursor
    }
    edges {
      node {
        id
        title
        period
        dueAt
        status
        color
        submittedAt
        org {
          id
          name
        }
      }
    }
  }
}
    `),ue=new o(`
    query Task($id: ID!) {
  node(id: $id) {
    ... on TaskInstance {
      id
      title
      period
      dueAt
      status
      color
      submittedAt
      completedAt
      org {
        id
        name
      }
      template {
        name
        evidence
      }
      records {
        id
        title
        startAt
        endAt
        place
        content
        minutes
        late
        host {
          id
          name
        }
        attendance {
          person {
            id
            name
          }
          present
          absenceReason
        }
        attachments {
          id
          filename
          url
        }
      }
      history {
        action
        comment
        createdAt
        actor {
          displayName
        }
      }
    }
  }
}
    `),le=new o(`
    query People($filter: PersonFilter, $first: Int, $after: String) {
  people(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo {
      hasNextPage
      endCursor
    }
    edges {
      node {
        id
        name
        gender
        phone
        isMember
        memberStatus
        joinDate
        duties
        org {
          id
          name
        }
      }
    }
  }
}
    `),pe=new o(`
    query OrgMembers($filter: PersonFilter, $first: Int, $after: String) {
  people(filter: $filter, first: $first, after: $after) {
    pageInfo {
      hasNextPage
      endCursor
    }
    edges {
      node {
        id
        name
      }
    }
  }
}
    `),me=new o(`
    mutation UploadAttachment($input: UploadAttachmentInput!) {
  uploadAttachment(input: $input) {
    attachment {
      id
      filename
      url
    }
  }
}
    `),fe=new o(`
    mutation CreateActivityRecord($input: CreateActivityRecordInput!) {
  createActivityRecord(input: $input) {
    activityRecord {
      id
      taskInstances {
        id
        status
        color
      }
    }
  }
}
    `),ge=new o(`
    mutation ReviewTaskInstance($input: ReviewTaskInstanceInput!) {
  reviewTaskInstance(input: $input) {
    taskInstance {
      id
      status
      color
    }
  }
}
    `),$e=new o(`
    query Inbox($first: Int, $after: String, $unreadOnly: Boolean) {
  inbox(first: $first, after: $after, unreadOnly: $unreadOnly) {
    totalCount
    pageInfo {
      hasNextPage
      endCursor
    }
    edges {
      node {
        id
        title
        body
        link
        readAt
        createdAt
      }
    }
  }
}
    `),Ie=new o(`
    mutation MarkRead($ids: [ID!]!) {
  markNotificationsRead(ids: $ids)
}
    `),he=new o(`
    mutation MarkAllRead {
  markAllNotificationsRead
}
    `),ye=new o(`
    query Deployments($first: Int, $after: String) {
  deployments(first: $first, after: $after) {
    totalCount
    pageInfo {
      hasNextPage
      endCursor
    }
    edges {
      node {
        id
        title
        content
        deadline
        targetKinds
        createdAt
        issuer {
          id
          name
        }
        targetRoot {
          id
          name
        }
        progress {
          total
          pending
          submitted
          done
          overdue
        }
      }
    }
  }
}
    `),De=new o(`
    mutation CreateDeployment($input: CreateDeploymentInput!) {
  createDeployment(input: $input) {
    deployment {
      id
    }
  }
}
    `),Te=new o(`
    query Organizations($filter: OrganizationFilter, $first: Int, $after: String) {
  organizations(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo {
      hasNextPage
      endCursor
    }
    edges {
      node {
        id
        name
        kind
        kindLabel
        depth
        sortOrder
        parent {
          id
        }
        town {
          id
          name
        }
      }
    }
  }
}
    `),ke=new o(`
    query ImportTemplate {
  peopleImportTemplateUrl
}
    `),we=new o(`
    mutation ImportPeople($input: ImportPeopleInput!) {
  importPeople(input: $input) {
    created
    errors {
      row
      column
      message
    }
  }
}
    `),Ae=new o(`
    query DistrictComparison($districtId: ID!, $period: String, $trendPeriods: Int) {
  districtComparison(
    districtId: $districtId
    period: $period
    trendPeriods: $trendPeriods
  ) {
    period
    rows {
      score
      rank
      delta
      town {
        id
        name
        rootOrganization {
          id
          name
        }
      }
      trend {
        period
        total
      }
    }
  }
}
    `),be=new o(`
    query ScoreDrillDown($orgId: ID!, $period: String) {
  scoreDrillDown(orgId: $orgId, period: $period) {
    total
    stars
    color
    rank
    lagging
    reasons
    org {
      id
      name
      kind
      kindLabel
    }
  }
}
    `),Ee=new o(`
    query ScoreBreakdown($orgId: ID!, $period: String) {
  scoreBreakdown(orgId: $orgId, period: $period) {
    period
    total
    stars
    color
    org {
      id
      name
    }
    indicators {
      name
      weight
      value
      points
      explanation
    }
  }
}
    `),Pe=new o(`
    mutation RequestExport($input: RequestExportInput!) {
  requestExport(input: $input) {
    export {
      id
      status
      url
      error
    }
  }
}
    `),Re=new o(`
    query Export($id: ID!) {
  export(id: $id) {
    id
    status
    url
    error
  }
}
    `),Ce=new o(`
    query AuditLog($first: Int, $after: String, $filter: AuditFilter) {
  auditLog(first: $first, after: $after, filter: $filter) {
    totalCount
    pageInfo {
      hasNextPage
      endCursor
    }
    edges {
      node {
        id
        action
        entityType
        entityId
        actorUsername
        town {
          name
        }
        before
        after
        createdAt
      }
    }
  }
}
    `),_e=new o(`
    query OrgStatus($orgId: ID!, $period: String) {
  orgStatus(orgId: $orgId, period: $period) {
    period
    green
    amber
    red
    org {
      id
      name
    }
    children {
      green
      amber
      red
      org {
        id
        name
        kind
      }
    }
  }
}
    `),Ne=new o(`
    query Towns($districtId: ID) {
  towns(districtId: $districtId) {
    id
    name
    rootOrganization {
      id
      name
    }
  }
}
    `),Se=new o(`
    query LatestUnread {
  inbox(first: 3, unreadOnly: true) {
    edges {
      node {
        id
        title
        body
        createdAt
        link
      }
    }
  }
}
    `),Oe=new o(`
    query NotificationPrefs {
  notificationPrefs {
    email
    emailEnabled
    webhookEnabled
  }
}
    `),xe=new o(`
    mutation UpdateNotificationPrefs($input: NotificationPrefsInput!) {
  updateNotificationPrefs(input: $input) {
    email
    emailEnabled
    webhookEnabled
  }
}
    `),Le={"\n  mutation Login($input: LoginInput!) {\n    login(input: $input) { accessToken refreshToken accessTokenExpiresAt user { id displayName } }\n  }\n":ne,"\n  mutation Refresh($input: RefreshTokenInput!) {\n    refreshToken(input: $input) { accessToken refreshToken accessTokenExpiresAt }\n  }\n":re,"\n  mutation Logout($input: LogoutInput!) { logout(input: $input) { ok } }\n":oe,"\n  mutation ChangePassword($input: ChangePasswordInput!) { changePassword(input: $input) { ok } }\n":ae,"\n  query Me {\n    me {\n      id username displayName isPlatformAdmin\n      town { id name rootOrganization { id name } }\n      district { id name }\n      roles { id role roleLabel org { id name } district { id name } }\n    }\n    unreadCount\n  }\n":ie,"\n  query UnreadCount { unreadCount }\n":se,"\n  query MyTasks($first: Int, $after: String) {\n    myTasks(first: $first, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { node { id title period dueAt status color org { id name } } }\n    }\n  }\n":de,"\n  query TaskInstances($filter: TaskInstanceFilter, $first: Int, $after: String) {\n    taskInstances(filter: $filter, first: $first, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { node { id title period dueAt status color submittedAt org { id name } } }\n    }\n  }\n":ce,"\n  query Task($id: ID!) {\n    node(id: $id) {\n      ... on TaskInstance {\n        id title period dueAt status color submittedAt completedAt\n        org { id name }\n        template { name evidence }\n        records {\n          id title startAt endAt place content minutes late\n          host { id name }\n          attendance { person { id name } present absenceReason }\n          attachments { id filename url }\n        }\n        history { action comment createdAt actor { displayName } }\n      }\n    }\n  }\n":ue,"\n  query People($filter: PersonFilter, $first: Int, $after: String) {\n    people(filter: $filter, first: $first, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { node { id name gender phone isMember memberStatus joinDate duties org { id name } } }\n    }\n  }\n":le,"\n  query OrgMembers($filter: PersonFilter, $first: Int, $after: String) {\n    people(filter: $filter, first: $first, after: $after) {\n      pageInfo { hasNextPage endCursor }\n      edges { node { id name } }\n    }\n  }\n":pe,"\n  mutation UploadAttachment($input: UploadAttachmentInput!) {\n    uploadAttachment(input: $input) { attachment { id filename url } }\n  }\n":me,"\n  mutation CreateActivityRecord($input: CreateActivityRecordInput!) {\n    createActivityRecord(input: $input) {\n      activityRecord { id taskInstances { id status color } }\n    }\n  }\n":fe,"\n  mutation ReviewTaskInstance($input: ReviewTaskInstanceInput!) {\n    reviewTaskInstance(input: $input) { taskInstance { id status color } }\n  }\n":ge,"\n  query Inbox($first: Int, $after: String, $unreadOnly: Boolean) {\n    inbox(first: $first, after: $after, unreadOnly: $unreadOnly) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { node { id title body link readAt createdAt } }\n    }\n  }\n":$e,"\n  mutation MarkRead($ids: [ID!]!) { markNotificationsRead(ids: $ids) }\n":Ie,"\n  mutation MarkAllRead { markAllNotificationsRead }\n":he,"\n  query Deployments($first: Int, $after: String) {\n    deployments(first: $first, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges {\n        node {\n          id title content deadline targetKinds createdAt\n          issuer { id name } targetRoot { id name }\n          progress { total pending submitted done overdue }\n        }\n      }\n    }\n  }\n":ye,"\n  mutation CreateDeployment($input: CreateDeploymentInput!) {\n    createDeployment(input: $input) { deployment { id } }\n  }\n":De,"\n  query Organizations($filter: OrganizationFilter, $first: Int, $after: String) {\n    organizations(filter: $filter, first: $first, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { node { id name kind kindLabel depth sortOrder parent { id } town { id name } } }\n    }\n  }\n":Te,"\n  query ImportTemplate { peopleImportTemplateUrl }\n":ke,"\n  mutation ImportPeople($input: ImportPeopleInput!) {\n    importPeople(input: $input) { created errors { row column message } }\n  }\n":we,"\n  query DistrictComparison($districtId: ID!, $period: String, $trendPeriods: Int) {\n    districtComparison(districtId: $districtId, period: $period, trendPeriods: $trendPeriods) {\n      period\n      rows {\n        score rank delta\n        town { id name rootOrganization { id name } }\n        trend { period total }\n      }\n    }\n  }\n":Ae,"\n  query ScoreDrillDown($orgId: ID!, $period: String) {\n    scoreDrillDown(orgId: $orgId, period: $period) {\n      total stars color rank lagging reasons\n      org { id name kind kindLabel }\n    }\n  }\n":be,"\n  query ScoreBreakdown($orgId: ID!, $period: String) {\n    scoreBreakdown(orgId: $orgId, period: $period) {\n      period total stars color\n      org { id name }\n      indicators { name weight value points explanation }\n    }\n  }\n":Ee,"\n  mutation RequestExport($input: RequestExportInput!) {\n    requestExport(input: $input) { export { id status url error } }\n  }\n":Pe,"\n  query Export($id: ID!) { export(id: $id) { id status url error } }\n":Re,"\n  query AuditLog($first: Int, $after: String, $filter: AuditFilter) {\n    auditLog(first: $first, after: $after, filter: $filter) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { node { id action entityType entityId actorUsername town { name } before after createdAt } }\n    }\n  }\n":Ce,"\n  query OrgStatus($orgId: ID!, $period: String) {\n    orgStatus(orgId: $orgId, period: $period) {\n      period green amber red\n      org { id name }\n      children { green amber red org { id name kind } }\n    }\n  }\n":_e,"\n  query Towns($districtId: ID) {\n    towns(districtId: $districtId) { id name rootOrganization { id name } }\n  }\n":Ne,"\n  query LatestUnread {\n    inbox(first: 3, unreadOnly: true) { edges { node { id title body createdAt link } } }\n  }\n":Se,"\n  query NotificationPrefs { notificationPrefs { email emailEnabled webhookEnabled } }\n":Oe,"\n  mutation UpdateNotificationPrefs($input: NotificationPrefsInput!) {\n    updateNotificationPrefs(input: $input) { email emailEnabled webhookEnabled }\n  }\n":xe};function a(e){return Le[e]??{}}const ve=a(`
  mutation Login($input: LoginInput!) {
    login(input: $input) { accessToken refreshToken accessTokenExpiresAt user { id displayName } }
  }
`),qe=a(`
  mutation Refresh($input: RefreshTokenInput!) {
    refreshToken(input: $input) { accessToken refreshToken accessTokenExpiresAt }
  }
`),Me=a(`
  mutation Logout($input: LogoutInput!) { logout(input: $input) { ok } }
`),Ye=a(`
  mutation ChangePassword($input: ChangePasswordInput!) { changePassword(input: $input) { ok } }
`),Ue=a(`
  query Me {
    me {
      id username displayName isPlatformAdmin
      town { id name rootOrganization { id name } }
      district { id name }
      roles { id role roleLabel org { id name } district { id name } }
    }
    unreadCount
  }
`),Fe=a(`
  query UnreadCount { unreadCount }
`),Ge=a(`
  query MyTasks($first: Int, $after: String) {
    myTasks(first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { id title period dueAt status color org { id name } } }
    }
  }
`),Qe=a(`
  query TaskInstances($filter: TaskInstanceFilter, $first: Int, $after: String) {
    taskInstances(filter: $filter, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { id title period dueAt status color submittedAt org { id name } } }
    }
  }
`),Xe=a(`
  query Task($id: ID!) {
    node(id: $id) {
      ... on TaskInstance {
        id title period dueAt status color submittedAt completedAt
        org { id name }
        template { name evidence }
        records {
          id title startAt endAt place content minutes late
          host { id name }
          attendance { person { id name } present absenceReason }
          attachments { id filename url }
        }
        history { action comment createdAt actor { displayName } }
      }
    }
  }
`),Ze=a(`
  query People($filter: PersonFilter, $first: Int, $after: String) {
    people(filter: $filter, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { id name gender phone isMember memberStatus joinDate duties org { id name } } }
    }
  }
`),et=a(`
  query OrgMembers($filter: PersonFilter, $first: Int, $after: String) {
    people(filter: $filter, first: $first, after: $after) {
      pageInfo { hasNextPage endCursor }
      edges { node { id name } }
    }
  }
`),tt=a(`
  mutation UploadAttachment($input: UploadAttachmentInput!) {
    uploadAttachment(input: $input) { attachment { id filename url } }
  }
`),nt=a(`
  mutation CreateActivityRecord($input: CreateActivityRecordInput!) {
    createActivityRecord(input: $input) {
      activityRecord { id taskInstances { id status color } }
    }
  }
`),rt=a(`
  mutation ReviewTaskInstance($input: ReviewTaskInstanceInput!) {
    reviewTaskInstance(input: $input) { taskInstance { id status color } }
  }
`),ot=a(`
  query Inbox($first: Int, $after: String, $unreadOnly: Boolean) {
    inbox(first: $first, after: $after, unreadOnly: $unreadOnly) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { id title body link readAt createdAt } }
    }
  }
`),at=a(`
  mutation MarkRead($ids: [ID!]!) { markNotificationsRead(ids: $ids) }
`),it=a(`
  mutation MarkAllRead { markAllNotificationsRead }
`),st=a(`
  query Deployments($first: Int, $after: String) {
    deployments(first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges {
        node {
          id title content deadline targetKinds createdAt
          issuer { id name } targetRoot { id name }
          progress { total pending submitted done overdue }
        }
      }
    }
  }
`),dt=a(`
  mutation CreateDeployment($input: CreateDeploymentInput!) {
    createDeployment(input: $input) { deployment { id } }
  }
`),ct=a(`
  query Organizations($filter: OrganizationFilter, $first: Int, $after: String) {
    organizations(filter: $filter, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { id name kind kindLabel depth sortOrder parent { id } town { id name } } }
    }
  }
`),ut=a(`
  query ImportTemplate { peopleImportTemplateUrl }
`),lt=a(`
  mutation ImportPeople($input: ImportPeopleInput!) {
    importPeople(input: $input) { created errors { row column message } }
  }
`),pt=a(`
  query DistrictComparison($districtId: ID!, $period: String, $trendPeriods: Int) {
    districtComparison(districtId: $districtId, period: $period, trendPeriods: $trendPeriods) {
      period
      rows {
        score rank delta
        town { id name rootOrganization { id name } }
        trend { period total }
      }
    }
  }
`),mt=a(`
  query ScoreDrillDown($orgId: ID!, $period: String) {
    scoreDrillDown(orgId: $orgId, period: $period) {
      total stars color rank lagging reasons
      org { id name kind kindLabel }
    }
  }
`),ft=a(`
  query ScoreBreakdown($orgId: ID!, $period: String) {
    scoreBreakdown(orgId: $orgId, period: $period) {
      period total stars color
      org { id name }
      indicators { name weight value points explanation }
    }
  }
`),gt=a(`
  mutation RequestExport($input: RequestExportInput!) {
    requestExport(input: $input) { export { id status url error } }
  }
`),$t=a(`
  query Export($id: ID!) { export(id: $id) { id status url error } }
`),It=a(`
  query AuditLog($first: Int, $after: String, $filter: AuditFilter) {
    auditLog(first: $first, after: $after, filter: $filter) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { id action entityType entityId actorUsername town { name } before after createdAt } }
    }
  }
`),ht=a(`
  query OrgStatus($orgId: ID!, $period: String) {
    orgStatus(orgId: $orgId, period: $period) {
      period green amber red
      org { id name }
      children { green amber red org { id name kind } }
    }
  }
`),yt=a(`
  query Towns($districtId: ID) {
    towns(districtId: $districtId) { id name rootOrganization { id name } }
  }
`),Dt=a(`
  query LatestUnread {
    inbox(first: 3, unreadOnly: true) { edges { node { id title body createdAt link } } }
  }
`),Tt=a(`
  query NotificationPrefs { notificationPrefs { email emailEnabled webhookEnabled } }
`),kt=a(`
  mutation UpdateNotificationPrefs($input: NotificationPrefsInput!) {
    updateNotificationPrefs(input: $input) { email emailEnabled webhookEnabled }
  }
`),b="dj.accessToken",E="dj.refreshToken";function T(){return localStorage.getItem(b)}function S(){return localStorage.getItem(E)}function O(e,n){localStorage.setItem(b,e),localStorage.setItem(E,n)}function x(){localStorage.removeItem(b),localStorage.removeItem(E)}const L={UNAUTHENTICATED:"请先登录",FORBIDDEN:"没有权限进行此操作",NOT_FOUND:"要找的内容不存在或已被删除",INVALID_INPUT:"填写的内容有误",CONFLICT:"内容已被他人修改或已存在，请刷新后重试",RATE_LIMITED:"操作过于频繁，请稍后再试",INTERNAL:"服务器出错了，请稍后再试",NETWORK:"网络连接失败，请检查网络后重试"};class $ extends Error{code;constructor(n,r){super(r),this.code=n}}function wt(e){return e instanceof $?(e.message&&/[\u4e00-\u9fff]/.test(e.message)?e.message:"")||L[e.code]||`操作失败（${e.code}）`:e instanceof Error&&e.message?e.message:"操作失败"}let v=()=>{};function ze(e){v=e}async function A(e,n){const r={};n&&(r["Content-Type"]="application/json");const s=T();s&&(r.Authorization=`Bearer ${s}`);let t;try{t=await fetch("/graphql",{method:"POST",headers:r,body:e})}catch{throw new $("NETWORK",L.NETWORK)}let i;try{i=await t.json()}catch{if(t.status===401)return{errors:[{message:"",extensions:{code:"UNAUTHENTICATED"}}]};throw new $(t.status===429?"RATE_LIMITED":"INTERNAL","")}return i}let y=null;async function Be(){const e=S();return e?(y||(y=(async()=>{try{const n=await A(JSON.stringify({query:qe.toString(),variables:{input:{refreshToken:e}}}),!0),r=n.data;return n.errors?.length||!r?.refreshToken?!1:(O(r.refreshToken.accessToken,r.refreshToken.refreshToken),!0)}catch{return!1}finally{setTimeout(()=>y=null,0)}})()),y):!1}async function q(e,n){const r=!!T();let{body:s,json:t}=e(),i=await A(s,t),d=i.errors?.[0];if(n&&r&&d?.extensions?.code==="UNAUTHENTICATED"&&(await Be()&&({body:s,json:t}=e(),i=await A(s,t),d=i.errors?.[0]),d?.extensions?.code==="UNAUTHENTICATED"))throw x(),v(),new $("UNAUTHENTICATED","会话已过期，请重新登录");if(d)throw new $(d.extensions?.code??"INTERNAL",d.message);return i.data}function k(e,n,r=!0){return q(()=>({body:JSON.stringify({query:e.toString(),variables:n??{}}),json:!0}),r)}function At(e,n,r){return q(()=>{const s=Object.keys(r),t=JSON.parse(JSON.stringify(n??{}));for(const c of s)je(t,c,null);const i=new FormData;i.append("operations",JSON.stringify({query:e.toString(),variables:t}));const d={};return s.forEach((c,I)=>d[String(I)]=[`variables.${c}`]),i.append("map",JSON.stringify(d)),s.forEach((c,I)=>i.append(String(I),r[c],r[c].name)),{body:i,json:!1}},!0)}function je(e,n,r){const s=n.split(".");let t=e;for(const i of s.slice(0,-1))(typeof t[i]!="object"||t[i]===null)&&(t[i]={}),t=t[i];t[s[s.length-1]]=r}async function bt(e,n){const r=await fetch(e,{headers:{Authorization:`Bearer ${T()??""}`}});if(!r.ok)throw new $(r.status===403?"FORBIDDEN":"NOT_FOUND","");const s=await r.blob(),t=document.createElement("a");t.href=URL.createObjectURL(s),n&&(t.download=n),t.target="_blank",t.click(),setTimeout(()=>URL.revokeObjectURL(t.href),6e4)}const u=J({me:null,unread:0,notice:""}),Ve=["PLATFORM_ADMIN","DISTRICT_ADMIN","DISTRICT_VIEWER"],P=["TOWN_SECRETARY","TOWN_DEPUTY_SECRETARY","TOWN_OFFICE"],We=[...P,"COMMITTEE_MEMBER","DISTRICT_ADMIN","PLATFORM_ADMIN"],He=[...P,"DISTRICT_ADMIN","PLATFORM_ADMIN"],M=f(()=>{const e=u.me?.roles.map(n=>n.role)??[];return u.me?.isPlatformAdmin&&e.push("PLATFORM_ADMIN"),e}),w=e=>M.value.some(n=>e.includes(n)),Et=f(()=>w(Ve)),Pt=f(()=>w(He)),Rt=f(()=>w(We)),Ct=f(()=>w([...P,"ORG_SECRETARY"])),_t=f(()=>M.value.some(e=>e!=="MEMBER")),Nt=f(()=>{const e=u.me;return e?e.district?.id??e.roles.find(n=>n.district)?.district?.id??null:null});function _(){return!!T()}async function St(e,n){const r=await k(ve,{input:{username:e,password:n}},!1);O(r.login.accessToken,r.login.refreshToken),u.notice="",await U()}async function U(){const e=await k(Ue);u.me=e.me,u.unread=e.unreadCount}async function Ot(){try{u.unread=(await k(Fe)).unreadCount}catch{}}async function xt(){const e=S();if(e)try{await k(Me,{input:{refreshToken:e}},!1)}catch{}x(),u.me=null,u.unread=0}const D=Y({history:G("/"),routes:[{path:"/login",name:"login",component:()=>l(()=>import("./LoginView-C0S_uoeX.js"),__vite__mapDeps([0,1,2,3,4])),meta:{public:!0,title:"登录"}},{path:"/",component:()=>l(()=>import("./AppLayout-CMcUJ6Mw.js"),__vite__mapDeps([5,1,6,2,3,7])),children:[{path:"",name:"home",component:()=>l(()=>import("./HomeView-BT9kbuAv.js"),__vite__mapDeps([8,1,2,9,10,11,6,12,3,13])),meta:{title:"首页"}},{path:"tasks",name:"tasks",component:()=>l(()=>import("./TaskListView-CJNXJLcz.js"),__vite__mapDeps([14,1,11,6,2,12,10,9,3])),meta:{title:"任务列表"}},{path:"tasks/:id",name:"task",component:()=>l(()=>import("./TaskView-zumOXOIN.js"),__vite__mapDeps([15,1,3,6,16,2,10,9,17])),props:!0,meta:{title:"任务详情"}},{path:"review",name:"review",component:()=>l(()=>import("./ReviewView-B8B8D7od.js"),__vite__mapDeps([18,3,1,11,6,2,12,10,9,19])),meta:{title:"审核"}},{path:"deployments",name:"deployments",component:()=>l(()=>import("./DeploymentsView-BFEYrSzs.js"),__vite__mapDeps([20,3,1,11,6,2,12,9,16,21])),meta:{title:"部署"}},{path:"orgs",name:"orgs",component:()=>l(()=>import("./OrgsView-CQg4kQRB.js"),__vite__mapDeps([22,11,6,1,2,12,3,23])),meta:{title:"组织与党员"}},{path:"inbox",name:"inbox",component:()=>l(()=>import("./InboxView-ZCBqcgxY.js"),__vite__mapDeps([24,1,3,11,6,2,12,9,25])),meta:{title:"消息"}},{path:"district",name:"district",component:()=>l(()=>import("./DistrictView-01pnLdAc.js"),__vite__mapDeps([26,1,3,2,9,6,27])),meta:{title:"区级对比"}},{path:"audit",name:"audit",component:()=>l(()=>import("./AuditView-DGhWW3Ow.js"),__vite__mapDeps([28,11,6,1,2,12,9,3,29])),meta:{title:"审计日志"}}]},{path:"/:rest(.*)*",redirect:"/"}]});D.beforeEach(async e=>{if(document.title=`${e.meta.title??""} · 基层党建工作平台`,e.meta.public)return!0;if(!_())return{name:"login",query:e.fullPath!=="/"?{next:e.fullPath}:{}};if(!u.me)try{await U()}catch{if(!_())return{name:"login"}}return!0});ze(()=>{u.me=null,u.notice="会话已过期，请重新登录";const e=D.currentRoute.value;e.name!=="login"&&D.replace({name:"login",query:{next:e.fullPath}})});Q(Z).use(X,{locale:N}).use(D).mount("#app");export{pt as A,ft as B,Ye as C,st as D,gt as E,$t as F,It as G,lt as I,Dt as L,Ge as M,Tt as N,ht as O,Ze as P,rt as R,Qe as T,tt as U,xt as a,Rt as b,_t as c,Ct as d,wt as e,Et as f,k as g,yt as h,Pt as i,Nt as j,at as k,St as l,At as m,nt as n,et as o,bt as p,Xe as q,Ot as r,u as s,dt as t,ut as u,ct as v,kt as w,ot as x,it as y,mt as z};
