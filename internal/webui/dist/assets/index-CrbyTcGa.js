const __vite__mapDeps=(i,m=__vite__mapDeps,d=(m.f||(m.f=["assets/LoginView-BSX_8h8a.js","assets/vue-Bm1Vqo99.js","assets/_plugin-vue_export-helper-DlAUqK2U.js","assets/element-plus-BE7xR19H.js","assets/LoginView-C0uX5d_p.css","assets/AppLayout-BMzxNnzL.js","assets/narrow-CHRcV_k0.js","assets/AppLayout-SgzLPFR0.css","assets/HomeView-BTd9j_VR.js","assets/format-BYQOvO8o.js","assets/StatusTag.vue_vue_type_script_setup_true_lang-D4mCNLSx.js","assets/paged-DD38mKiJ.js","assets/paged-CF2KSKmN.css","assets/HomeView-BRVtKhuz.css","assets/TaskListView-BqckGWVK.js","assets/TaskView-B_rEINMm.js","assets/rfc3339-CX7XhRcz.js","assets/TaskView-B7Pzn3AN.css","assets/ReviewView-DtH21mUQ.js","assets/ReviewView-BEhLLTpf.css","assets/DeploymentsView-eS2AvA84.js","assets/DeploymentsView-CCCPRC8Q.css","assets/OrgsView-BP_4MvZU.js","assets/OrgsView-D5Vy09um.css","assets/InboxView-CAwehpQa.js","assets/InboxView-wlDn64c8.css","assets/DistrictView-DaOqogAf.js","assets/DistrictView-BSFPKCzc.css","assets/AuditView-CB7htXZ7.js","assets/AuditView-pRSsJi41.css"])))=>i.map(i=>d[i]);
import{G as j,ak as R,L as B,O as V,W,a0 as H,u as K,c as f,p as J,az as Y,aA as G,ax as Q}from"./vue-Bm1Vqo99.js";import{e as X}from"./element-plus-BE7xR19H.js";(function(){const n=document.createElement("link").relList;if(n&&n.supports&&n.supports("modulepreload"))return;for(const t of document.querySelectorAll('link[rel="modulepreload"]'))s(t);new MutationObserver(t=>{for(const a of t)if(a.type==="childList")for(const d of a.addedNodes)d.tagName==="LINK"&&d.rel==="modulepreload"&&s(d)}).observe(document,{childList:!0,subtree:!0});function i(t){const a={};return t.integrity&&(a.integrity=t.integrity),t.referrerPolicy&&(a.referrerPolicy=t.referrerPolicy),t.crossOrigin==="use-credentials"?a.credentials="include":t.crossOrigin==="anonymous"?a.credentials="omit":a.credentials="same-origin",a}function s(t){if(t.ep)return;t.ep=!0;const a=i(t);fetch(t.href,a)}})();var N={name:"zh-cn",el:{breadcrumb:{label:"面包屑"},colorpicker:{confirm:"确定",clear:"清空",defaultLabel:"颜色选择器",description:"当前颜色 {color}，按 Enter 键选择新颜色",alphaLabel:"选择透明度的值",alphaDescription:"透明度 {alpha}, 当前颜色 {color}",hueLabel:"选择色相值",hueDescription:"色相 {hue}, 当前颜色 {color}",svLabel:"选择饱和度与明度的值",svDescription:"饱和度 {saturation}, 明度 {brightness}, 当前颜色 {color}",predefineDescription:"选择 {value} 作为颜色"},datepicker:{now:"此刻",today:"今天",cancel:"取消",clear:"清空",confirm:"确定",dateTablePrompt:"使用方向键与 Enter 键可选择日期",monthTablePrompt:"使用方向键与 Enter 键可选择月份",quarterTablePrompt:"使用方向键与 Enter 键可选择季度",yearTablePrompt:"使用方向键与 Enter 键可选择年份",selectedDate:"已选日期",selectDate:"选择日期",selectTime:"选择时间",startDate:"开始日期",startTime:"开始时间",endDate:"结束日期",endTime:"结束时间",prevYear:"前一年",nextYear:"后一年",prevMonth:"上个月",nextMonth:"下个月",year:"年",month1:"1 月",month2:"2 月",month3:"3 月",month4:"4 月",month5:"5 月",month6:"6 月",month7:"7 月",month8:"8 月",month9:"9 月",month10:"10 月",month11:"11 月",month12:"12 月",weeks:{sun:"日",mon:"一",tue:"二",wed:"三",thu:"四",fri:"五",sat:"六"},weeksFull:{sun:"星期日",mon:"星期一",tue:"星期二",wed:"星期三",thu:"星期四",fri:"星期五",sat:"星期六"},months:{jan:"一月",feb:"二月",mar:"三月",apr:"四月",may:"五月",jun:"六月",jul:"七月",aug:"八月",sep:"九月",oct:"十月",nov:"十一月",dec:"十二月"}},input:{characters:"{count} / {max} 个字符"},inputNumber:{decrease:"减少数值",increase:"增加数值"},select:{loading:"加载中",noMatch:"无匹配数据",noData:"无数据",placeholder:"请选择"},mention:{loading:"加载中"},dropdown:{toggleDropdown:"切换下拉选项"},cascader:{noMatch:"无匹配数据",loading:"加载中",placeholder:"请选择",noData:"暂无数据"},pagination:{goto:"前往",pagesize:"条/页",total:"共 {total} 条",pageClassifier:"页",page:"页",prev:"上一页",next:"下一页",currentPage:"第 {pager} 页",prevPages:"向前 {pager} 页",nextPages:"向后 {pager} 页",deprecationWarning:"你使用了一些已被废弃的用法，请参考 el-pagination 的官方文档"},dialog:{close:"关闭此对话框"},drawer:{close:"关闭此对话框"},messagebox:{title:"提示",confirm:"确定",cancel:"取消",error:"输入的数据不合法!",close:"关闭此对话框"},upload:{deleteTip:"按 Delete 键可删除",delete:"删除",preview:"查看图片",continue:"继续上传"},slider:{defaultLabel:"滑块介于 {min} 至 {max}",defaultRangeStartLabel:"选择起始值",defaultRangeEndLabel:"选择结束值"},table:{emptyText:"暂无数据",confirmFilter:"筛选",resetFilter:"重置",clearFilter:"全部",sumText:"合计",selectAllLabel:"选择所有行",selectRowLabel:"选择当前行",expandRowLabel:"展开当前行",collapseRowLabel:"收起当前行",sortLabel:"按 {column} 排序",filterLabel:"按 {column} 过滤"},tag:{close:"关闭此标签"},tour:{next:"下一步",previous:"上一步",finish:"结束导览",close:"关闭此对话框"},tree:{emptyText:"暂无数据"},transfer:{noMatch:"无匹配数据",noData:"无数据",titles:["列表 1","列表 2"],filterPlaceholder:"请输入搜索内容",noCheckedFormat:"共 {total} 项",hasCheckedFormat:"已选 {checked}/{total} 项"},image:{error:"加载失败"},pageHeader:{title:"返回"},popconfirm:{confirmButtonText:"确定",cancelButtonText:"取消"},carousel:{leftArrow:"上一张幻灯片",rightArrow:"下一张幻灯片",indicator:"幻灯片切换至索引 {index}"},inputOTP:{groupLabel:"一次性密码输入框",defaultLabel:"请输入第 {index} 位 OTP 字符"}}};const Z=j({__name:"App",setup(e){return(n,i)=>{const s=R("router-view"),t=R("el-config-provider");return B(),V(t,{locale:K(N)},{default:W(()=>[H(s)]),_:1},8,["locale"])}}}),ee="modulepreload",te=function(e){return"/"+e},C={},l=function(n,i,s){let t=Promise.resolve();if(i&&i.length>0){let I=function(p){return Promise.all(p.map(g=>Promise.resolve(g).then(h=>({status:"fulfilled",value:h}),h=>({status:"rejected",reason:h}))))};document.getElementsByTagName("link");const d=document.querySelector("meta[property=csp-nonce]"),u=d?.nonce||d?.getAttribute("nonce");t=I(i.map(p=>{if(p=te(p),p in C)return;C[p]=!0;const g=p.endsWith(".css"),h=g?'[rel="stylesheet"]':"";if(document.querySelector(`link[href="${p}"]${h}`))return;const m=document.createElement("link");if(m.rel=g?"stylesheet":ee,g||(m.as="script"),m.crossOrigin="",m.href=p,u&&m.setAttribute("nonce",u),document.head.appendChild(m),g)return new Promise((F,z)=>{m.addEventListener("load",F),m.addEventListener("error",()=>z(new Error(`Unable to preload CSS for ${p}`)))})}))}function a(d){const u=new Event("vite:preloadError",{cancelable:!0});if(u.payload=d,window.dispatchEvent(u),!u.defaultPrevented)throw d}return t.then(d=>{for(const u of d||[])u.status==="rejected"&&a(u.reason);return n().catch(a)})};class r extends String{__apiType;value;__meta__;constructor(n,i){super(n),this.value=n,this.__meta__=i}toString(){return this.value}}const ne=new r(`
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
    `),re=new r(`
    mutation Refresh($input: RefreshTokenInput!) {
  refreshToken(input: $input) {
    accessToken
    refreshToken
    accessTokenExpiresAt
  }
}
    `),oe=new r(`
    mutation Logout($input: LogoutInput!) {
  logout(input: $input) {
    ok
  }
}
    `),ie=new r(`
    mutation ChangePassword($input: ChangePasswordInput!) {
  changePassword(input: $input) {
    ok
  }
}
    `),ae=new r(`
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
    `),se=new r(`
    query UnreadCount {
  unreadCount
}
    `),de=new r(`
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
    `),ue=new r(`
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
    `),ce=new r(`
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
    `),le=new r(`
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
    `),pe=new r(`
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
    `),me=new r(`
    mutation UploadAttachment($input: UploadAttachmentInput!) {
  uploadAttachment(input: $input) {
    attachment {
      id
      filename
      url
    }
  }
}
    `),fe=new r(`
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
    `),ge=new r(`
    mutation ReviewTaskInstance($input: ReviewTaskInstanceInput!) {
  reviewTaskInstance(input: $input) {
    taskInstance {
      id
      status
      color
    }
  }
}
    `),$e=new r(`
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
    `),Ie=new r(`
    mutation MarkRead($ids: [ID!]!) {
  markNotificationsRead(ids: $ids)
}
    `),he=new r(`
    mutation MarkAllRead {
  markAllNotificationsRead
}
    `),ye=new r(`
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
    `),De=new r(`
    mutation CreateDeployment($input: CreateDeploymentInput!) {
  createDeployment(input: $input) {
    deployment {
      id
    }
  }
}
    `),Te=new r(`
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
    `),Pe=new r(`
    query ImportTemplate {
  peopleImportTemplateUrl
}
    `),ke=new r(`
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
    `),we=new r(`
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
    `),Ae=new r(`
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
    `),be=new r(`
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
    `),Ee=new r(`
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
    `),Re=new r(`
    query Export($id: ID!) {
  export(id: $id) {
    id
    status
    url
    error
  }
}
    `),Ce=new r(`
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
    `),_e=new r(`
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
    `),Ne=new r(`
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
    `),Se=new r(`
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
    `),ve=new r(`
    query NotificationPrefs {
  notificationPrefs {
    email
    emailEnabled
    webhookEnabled
  }
}
    `),Oe=new r(`
    mutation UpdateNotificationPrefs($input: NotificationPrefsInput!) {
  updateNotificationPrefs(input: $input) {
    email
    emailEnabled
    webhookEnabled
  }
}
    `),xe=new r(`
    query Person($id: ID!) {
  node(id: $id) {
    ... on Person {
      id
      name
      gender
      birthDate
      phone
      phoneMasked
      isMember
      memberStatus
      joinDate
      duties
      isCommunityCadre
      isLeagueMember
      isVolunteer
      isInService
      workUnit
      org {
        id
        name
      }
    }
  }
}
    `),Le=new r(`
    mutation CreatePerson($input: PersonInput!) {
  createPerson(input: $input) {
    person {
      id
      name
    }
  }
}
    `),qe=new r(`
    mutation UpdatePerson($input: UpdatePersonInput!) {
  updatePerson(input: $input) {
    person {
      id
      name
    }
  }
}
    `),Me=new r(`
    mutation RemovePerson($input: RemovePersonInput!) {
  removePerson(input: $input) {
    person {
      id
      removed
    }
  }
}
    `),Ue={"\n  mutation Login($input: LoginInput!) {\n    login(input: $input) { accessToken refreshToken accessTokenExpiresAt user { id displayName } }\n  }\n":ne,"\n  mutation Refresh($input: RefreshTokenInput!) {\n    refreshToken(input: $input) { accessToken refreshToken accessTokenExpiresAt }\n  }\n":re,"\n  mutation Logout($input: LogoutInput!) { logout(input: $input) { ok } }\n":oe,"\n  mutation ChangePassword($input: ChangePasswordInput!) { changePassword(input: $input) { ok } }\n":ie,"\n  query Me {\n    me {\n      id username displayName isPlatformAdmin\n      town { id name rootOrganization { id name } }\n      district { id name }\n      roles { id role roleLabel org { id name } district { id name } }\n    }\n    unreadCount\n  }\n":ae,"\n  query UnreadCount { unreadCount }\n":se,"\n  query MyTasks($first: Int, $after: String) {\n    myTasks(first: $first, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { node { id title period dueAt status color org { id name } } }\n    }\n  }\n":de,"\n  query TaskInstances($filter: TaskInstanceFilter, $first: Int, $after: String) {\n    taskInstances(filter: $filter, first: $first, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { node { id title period dueAt status color submittedAt org { id name } } }\n    }\n  }\n":ue,"\n  query Task($id: ID!) {\n    node(id: $id) {\n      ... on TaskInstance {\n        id title period dueAt status color submittedAt completedAt\n        org { id name }\n        template { name evidence }\n        records {\n          id title startAt endAt place content minutes late\n          host { id name }\n          attendance { person { id name } present absenceReason }\n          attachments { id filename url }\n        }\n        history { action comment createdAt actor { displayName } }\n      }\n    }\n  }\n":ce,"\n  query People($filter: PersonFilter, $first: Int, $after: String) {\n    people(filter: $filter, first: $first, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { node { id name gender phone isMember memberStatus joinDate duties org { id name } } }\n    }\n  }\n":le,"\n  query OrgMembers($filter: PersonFilter, $first: Int, $after: String) {\n    people(filter: $filter, first: $first, after: $after) {\n      pageInfo { hasNextPage endCursor }\n      edges { node { id name } }\n    }\n  }\n":pe,"\n  mutation UploadAttachment($input: UploadAttachmentInput!) {\n    uploadAttachment(input: $input) { attachment { id filename url } }\n  }\n":me,"\n  mutation CreateActivityRecord($input: CreateActivityRecordInput!) {\n    createActivityRecord(input: $input) {\n      activityRecord { id taskInstances { id status color } }\n    }\n  }\n":fe,"\n  mutation ReviewTaskInstance($input: ReviewTaskInstanceInput!) {\n    reviewTaskInstance(input: $input) { taskInstance { id status color } }\n  }\n":ge,"\n  query Inbox($first: Int, $after: String, $unreadOnly: Boolean) {\n    inbox(first: $first, after: $after, unreadOnly: $unreadOnly) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { node { id title body link readAt createdAt } }\n    }\n  }\n":$e,"\n  mutation MarkRead($ids: [ID!]!) { markNotificationsRead(ids: $ids) }\n":Ie,"\n  mutation MarkAllRead { markAllNotificationsRead }\n":he,"\n  query Deployments($first: Int, $after: String) {\n    deployments(first: $first, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges {\n        node {\n          id title content deadline targetKinds createdAt\n          issuer { id name } targetRoot { id name }\n          progress { total pending submitted done overdue }\n        }\n      }\n    }\n  }\n":ye,"\n  mutation CreateDeployment($input: CreateDeploymentInput!) {\n    createDeployment(input: $input) { deployment { id } }\n  }\n":De,"\n  query Organizations($filter: OrganizationFilter, $first: Int, $after: String) {\n    organizations(filter: $filter, first: $first, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { node { id name kind kindLabel depth sortOrder parent { id } town { id name } } }\n    }\n  }\n":Te,"\n  query ImportTemplate { peopleImportTemplateUrl }\n":Pe,"\n  mutation ImportPeople($input: ImportPeopleInput!) {\n    importPeople(input: $input) { created errors { row column message } }\n  }\n":ke,"\n  query DistrictComparison($districtId: ID!, $period: String, $trendPeriods: Int) {\n    districtComparison(districtId: $districtId, period: $period, trendPeriods: $trendPeriods) {\n      period\n      rows {\n        score rank delta\n        town { id name rootOrganization { id name } }\n        trend { period total }\n      }\n    }\n  }\n":we,"\n  query ScoreDrillDown($orgId: ID!, $period: String) {\n    scoreDrillDown(orgId: $orgId, period: $period) {\n      total stars color rank lagging reasons\n      org { id name kind kindLabel }\n    }\n  }\n":Ae,"\n  query ScoreBreakdown($orgId: ID!, $period: String) {\n    scoreBreakdown(orgId: $orgId, period: $period) {\n      period total stars color\n      org { id name }\n      indicators { name weight value points explanation }\n    }\n  }\n":be,"\n  mutation RequestExport($input: RequestExportInput!) {\n    requestExport(input: $input) { export { id status url error } }\n  }\n":Ee,"\n  query Export($id: ID!) { export(id: $id) { id status url error } }\n":Re,"\n  query AuditLog($first: Int, $after: String, $filter: AuditFilter) {\n    auditLog(first: $first, after: $after, filter: $filter) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { node { id action entityType entityId actorUsername town { name } before after createdAt } }\n    }\n  }\n":Ce,"\n  query OrgStatus($orgId: ID!, $period: String) {\n    orgStatus(orgId: $orgId, period: $period) {\n      period green amber red\n      org { id name }\n      children { green amber red org { id name kind } }\n    }\n  }\n":_e,"\n  query Towns($districtId: ID) {\n    towns(districtId: $districtId) { id name rootOrganization { id name } }\n  }\n":Ne,"\n  query LatestUnread {\n    inbox(first: 3, unreadOnly: true) { edges { node { id title body createdAt link } } }\n  }\n":Se,"\n  query NotificationPrefs { notificationPrefs { email emailEnabled webhookEnabled } }\n":ve,"\n  mutation UpdateNotificationPrefs($input: NotificationPrefsInput!) {\n    updateNotificationPrefs(input: $input) { email emailEnabled webhookEnabled }\n  }\n":Oe,"\n  query Person($id: ID!) {\n    node(id: $id) {\n      ... on Person {\n        id name gender birthDate phone phoneMasked isMember memberStatus joinDate duties\n        isCommunityCadre isLeagueMember isVolunteer isInService workUnit\n        org { id name }\n      }\n    }\n  }\n":xe,"\n  mutation CreatePerson($input: PersonInput!) { createPerson(input: $input) { person { id name } } }\n":Le,"\n  mutation UpdatePerson($input: UpdatePersonInput!) { updatePerson(input: $input) { person { id name } } }\n":qe,"\n  mutation RemovePerson($input: RemovePersonInput!) { removePerson(input: $input) { person { id removed } } }\n":Me};function o(e){return Ue[e]??{}}const Fe=o(`
  mutation Login($input: LoginInput!) {
    login(input: $input) { accessToken refreshToken accessTokenExpiresAt user { id displayName } }
  }
`),ze=o(`
  mutation Refresh($input: RefreshTokenInput!) {
    refreshToken(input: $input) { accessToken refreshToken accessTokenExpiresAt }
  }
`),je=o(`
  mutation Logout($input: LogoutInput!) { logout(input: $input) { ok } }
`),Ze=o(`
  mutation ChangePassword($input: ChangePasswordInput!) { changePassword(input: $input) { ok } }
`),Be=o(`
  query Me {
    me {
      id username displayName isPlatformAdmin
      town { id name rootOrganization { id name } }
      district { id name }
      roles { id role roleLabel org { id name } district { id name } }
    }
    unreadCount
  }
`),Ve=o(`
  query UnreadCount { unreadCount }
`),et=o(`
  query MyTasks($first: Int, $after: String) {
    myTasks(first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { id title period dueAt status color org { id name } } }
    }
  }
`),tt=o(`
  query TaskInstances($filter: TaskInstanceFilter, $first: Int, $after: String) {
    taskInstances(filter: $filter, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { id title period dueAt status color submittedAt org { id name } } }
    }
  }
`),nt=o(`
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
`),rt=o(`
  query People($filter: PersonFilter, $first: Int, $after: String) {
    people(filter: $filter, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { id name gender phone isMember memberStatus joinDate duties org { id name } } }
    }
  }
`),ot=o(`
  query OrgMembers($filter: PersonFilter, $first: Int, $after: String) {
    people(filter: $filter, first: $first, after: $after) {
      pageInfo { hasNextPage endCursor }
      edges { node { id name } }
    }
  }
`),it=o(`
  mutation UploadAttachment($input: UploadAttachmentInput!) {
    uploadAttachment(input: $input) { attachment { id filename url } }
  }
`),at=o(`
  mutation CreateActivityRecord($input: CreateActivityRecordInput!) {
    createActivityRecord(input: $input) {
      activityRecord { id taskInstances { id status color } }
    }
  }
`),st=o(`
  mutation ReviewTaskInstance($input: ReviewTaskInstanceInput!) {
    reviewTaskInstance(input: $input) { taskInstance { id status color } }
  }
`),dt=o(`
  query Inbox($first: Int, $after: String, $unreadOnly: Boolean) {
    inbox(first: $first, after: $after, unreadOnly: $unreadOnly) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { id title body link readAt createdAt } }
    }
  }
`),ut=o(`
  mutation MarkRead($ids: [ID!]!) { markNotificationsRead(ids: $ids) }
`),ct=o(`
  mutation MarkAllRead { markAllNotificationsRead }
`),lt=o(`
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
`),pt=o(`
  mutation CreateDeployment($input: CreateDeploymentInput!) {
    createDeployment(input: $input) { deployment { id } }
  }
`),mt=o(`
  query Organizations($filter: OrganizationFilter, $first: Int, $after: String) {
    organizations(filter: $filter, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { id name kind kindLabel depth sortOrder parent { id } town { id name } } }
    }
  }
`),ft=o(`
  query ImportTemplate { peopleImportTemplateUrl }
`),gt=o(`
  mutation ImportPeople($input: ImportPeopleInput!) {
    importPeople(input: $input) { created errors { row column message } }
  }
`),$t=o(`
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
`),It=o(`
  query ScoreDrillDown($orgId: ID!, $period: String) {
    scoreDrillDown(orgId: $orgId, period: $period) {
      total stars color rank lagging reasons
      org { id name kind kindLabel }
    }
  }
`),ht=o(`
  query ScoreBreakdown($orgId: ID!, $period: String) {
    scoreBreakdown(orgId: $orgId, period: $period) {
      period total stars color
      org { id name }
      indicators { name weight value points explanation }
    }
  }
`),yt=o(`
  mutation RequestExport($input: RequestExportInput!) {
    requestExport(input: $input) { export { id status url error } }
  }
`),Dt=o(`
  query Export($id: ID!) { export(id: $id) { id status url error } }
`),Tt=o(`
  query AuditLog($first: Int, $after: String, $filter: AuditFilter) {
    auditLog(first: $first, after: $after, filter: $filter) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { id action entityType entityId actorUsername town { name } before after createdAt } }
    }
  }
`),Pt=o(`
  query OrgStatus($orgId: ID!, $period: String) {
    orgStatus(orgId: $orgId, period: $period) {
      period green amber red
      org { id name }
      children { green amber red org { id name kind } }
    }
  }
`),kt=o(`
  query Towns($districtId: ID) {
    towns(districtId: $districtId) { id name rootOrganization { id name } }
  }
`),wt=o(`
  query LatestUnread {
    inbox(first: 3, unreadOnly: true) { edges { node { id title body createdAt link } } }
  }
`),At=o(`
  query NotificationPrefs { notificationPrefs { email emailEnabled webhookEnabled } }
`),bt=o(`
  mutation UpdateNotificationPrefs($input: NotificationPrefsInput!) {
    updateNotificationPrefs(input: $input) { email emailEnabled webhookEnabled }
  }
`),Et=o(`
  query Person($id: ID!) {
    node(id: $id) {
      ... on Person {
        id name gender birthDate phone phoneMasked isMember memberStatus joinDate duties
        isCommunityCadre isLeagueMember isVolunteer isInService workUnit
        org { id name }
      }
    }
  }
`),Rt=o(`
  mutation CreatePerson($input: PersonInput!) { createPerson(input: $input) { person { id name } } }
`),Ct=o(`
  mutation UpdatePerson($input: UpdatePersonInput!) { updatePerson(input: $input) { person { id name } } }
`),_t=o(`
  mutation RemovePerson($input: RemovePersonInput!) { removePerson(input: $input) { person { id removed } } }
`),A="dj.accessToken",b="dj.refreshToken";function T(){return localStorage.getItem(A)}function S(){return localStorage.getItem(b)}function v(e,n){localStorage.setItem(A,e),localStorage.setItem(b,n)}function O(){localStorage.removeItem(A),localStorage.removeItem(b)}const x={UNAUTHENTICATED:"请先登录",FORBIDDEN:"没有权限进行此操作",NOT_FOUND:"要找的内容不存在或已被删除",INVALID_INPUT:"填写的内容有误",CONFLICT:"内容已被他人修改或已存在，请刷新后重试",RATE_LIMITED:"操作过于频繁，请稍后再试",INTERNAL:"服务器出错了，请稍后再试",NETWORK:"网络连接失败，请检查网络后重试"};class $ extends Error{code;constructor(n,i){super(i),this.code=n}}function Nt(e){return e instanceof $?(e.message&&/[\u4e00-\u9fff]/.test(e.message)?e.message:"")||x[e.code]||`操作失败（${e.code}）`:e instanceof Error&&e.message?e.message:"操作失败"}let L=()=>{};function We(e){L=e}async function w(e,n){const i={};n&&(i["Content-Type"]="application/json");const s=T();s&&(i.Authorization=`Bearer ${s}`);let t;try{t=await fetch("/graphql",{method:"POST",headers:i,body:e})}catch{throw new $("NETWORK",x.NETWORK)}let a;try{a=await t.json()}catch{if(t.status===401)return{errors:[{message:"",extensions:{code:"UNAUTHENTICATED"}}]};throw new $(t.status===429?"RATE_LIMITED":"INTERNAL","")}return a}let y=null;async function He(){const e=S();return e?(y||(y=(async()=>{try{const n=await w(JSON.stringify({query:ze.toString(),variables:{input:{refreshToken:e}}}),!0),i=n.data;return n.errors?.length||!i?.refreshToken?!1:(v(i.refreshToken.accessToken,i.refreshToken.refreshToken),!0)}catch{return!1}finally{setTimeout(()=>y=null,0)}})()),y):!1}async function q(e,n){const i=!!T();let{body:s,json:t}=e(),a=await w(s,t),d=a.errors?.[0];if(n&&i&&d?.extensions?.code==="UNAUTHENTICATED"&&(await He()&&({body:s,json:t}=e(),a=await w(s,t),d=a.errors?.[0]),d?.extensions?.code==="UNAUTHENTICATED"))throw O(),L(),new $("UNAUTHENTICATED","会话已过期，请重新登录");if(d)throw new $(d.extensions?.code??"INTERNAL",d.message);return a.data}function P(e,n,i=!0){return q(()=>({body:JSON.stringify({query:e.toString(),variables:n??{}}),json:!0}),i)}function St(e,n,i){return q(()=>{const s=Object.keys(i),t=JSON.parse(JSON.stringify(n??{}));for(const u of s)Ke(t,u,null);const a=new FormData;a.append("operations",JSON.stringify({query:e.toString(),variables:t}));const d={};return s.forEach((u,I)=>d[String(I)]=[`variables.${u}`]),a.append("map",JSON.stringify(d)),s.forEach((u,I)=>a.append(String(I),i[u],i[u].name)),{body:a,json:!1}},!0)}function Ke(e,n,i){const s=n.split(".");let t=e;for(const a of s.slice(0,-1))(typeof t[a]!="object"||t[a]===null)&&(t[a]={}),t=t[a];t[s[s.length-1]]=i}async function vt(e,n){const i=await fetch(e,{headers:{Authorization:`Bearer ${T()??""}`}});if(!i.ok)throw new $(i.status===403?"FORBIDDEN":"NOT_FOUND","");const s=await i.blob(),t=document.createElement("a");t.href=URL.createObjectURL(s),n&&(t.download=n),t.target="_blank",t.click(),setTimeout(()=>URL.revokeObjectURL(t.href),6e4)}const c=J({me:null,unread:0,notice:""}),Je=["PLATFORM_ADMIN","DISTRICT_ADMIN","DISTRICT_VIEWER"],E=["TOWN_SECRETARY","TOWN_DEPUTY_SECRETARY","TOWN_OFFICE"],Ye=[...E,"COMMITTEE_MEMBER","DISTRICT_ADMIN","PLATFORM_ADMIN"],Ge=[...E,"DISTRICT_ADMIN","PLATFORM_ADMIN"],M=f(()=>{const e=c.me?.roles.map(n=>n.role)??[];return c.me?.isPlatformAdmin&&e.push("PLATFORM_ADMIN"),e}),k=e=>M.value.some(n=>e.includes(n)),Ot=f(()=>k(Je)),xt=f(()=>k(Ge)),Lt=f(()=>k(Ye)),qt=f(()=>k([...E,"ORG_SECRETARY"])),Mt=f(()=>M.value.some(e=>e!=="MEMBER")),Ut=f(()=>{const e=c.me;return e?e.district?.id??e.roles.find(n=>n.district)?.district?.id??null:null});function _(){return!!T()}async function Ft(e,n){const i=await P(Fe,{input:{username:e,password:n}},!1);v(i.login.accessToken,i.login.refreshToken),c.notice="",await U()}async function U(){const e=await P(Be);c.me=e.me,c.unread=e.unreadCount}async function zt(){try{c.unread=(await P(Ve)).unreadCount}catch{}}async function jt(){const e=S();if(e)try{await P(je,{input:{refreshToken:e}},!1)}catch{}O(),c.me=null,c.unread=0}const D=Y({history:G("/"),routes:[{path:"/login",name:"login",component:()=>l(()=>import("./LoginView-BSX_8h8a.js"),__vite__mapDeps([0,1,2,3,4])),meta:{public:!0,title:"登录"}},{path:"/",component:()=>l(()=>import("./AppLayout-BMzxNnzL.js"),__vite__mapDeps([5,1,6,2,3,7])),children:[{path:"",name:"home",component:()=>l(()=>import("./HomeView-BTd9j_VR.js"),__vite__mapDeps([8,1,2,9,10,11,6,12,3,13])),meta:{title:"首页"}},{path:"tasks",name:"tasks",component:()=>l(()=>import("./TaskListView-BqckGWVK.js"),__vite__mapDeps([14,1,11,6,2,12,10,9,3])),meta:{title:"任务列表"}},{path:"tasks/:id",name:"task",component:()=>l(()=>import("./TaskView-B_rEINMm.js"),__vite__mapDeps([15,1,3,6,16,2,10,9,17])),props:!0,meta:{title:"任务详情"}},{path:"review",name:"review",component:()=>l(()=>import("./ReviewView-DtH21mUQ.js"),__vite__mapDeps([18,3,1,11,6,2,12,10,9,19])),meta:{title:"审核"}},{path:"deployments",name:"deployments",component:()=>l(()=>import("./DeploymentsView-eS2AvA84.js"),__vite__mapDeps([20,3,1,11,6,2,12,9,16,21])),meta:{title:"部署"}},{path:"orgs",name:"orgs",component:()=>l(()=>import("./OrgsView-BP_4MvZU.js"),__vite__mapDeps([22,3,1,11,6,2,12,23])),meta:{title:"组织与党员"}},{path:"inbox",name:"inbox",component:()=>l(()=>import("./InboxView-CAwehpQa.js"),__vite__mapDeps([24,1,3,11,6,2,12,9,25])),meta:{title:"消息"}},{path:"district",name:"district",component:()=>l(()=>import("./DistrictView-DaOqogAf.js"),__vite__mapDeps([26,1,3,2,9,6,27])),meta:{title:"区级对比"}},{path:"audit",name:"audit",component:()=>l(()=>import("./AuditView-CB7htXZ7.js"),__vite__mapDeps([28,11,6,1,2,12,9,3,29])),meta:{title:"审计日志"}}]},{path:"/:rest(.*)*",redirect:"/"}]});D.beforeEach(async e=>{if(document.title=`${e.meta.title??""} · 基层党建工作平台`,e.meta.public)return!0;if(!_())return{name:"login",query:e.fullPath!=="/"?{next:e.fullPath}:{}};if(!c.me)try{await U()}catch{if(!_())return{name:"login"}}return!0});We(()=>{c.me=null,c.notice="会话已过期，请重新登录";const e=D.currentRoute.value;e.name!=="login"&&D.replace({name:"login",query:{next:e.fullPath}})});Q(Z).use(X,{locale:N}).use(D).mount("#app");export{bt as A,ht as B,Ze as C,lt as D,dt as E,ct as F,It as G,$t as H,gt as I,yt as J,Dt as K,wt as L,et as M,At as N,Pt as O,Et as P,Tt as Q,st as R,tt as T,it as U,jt as a,Lt as b,Mt as c,qt as d,Nt as e,Ot as f,P as g,kt as h,xt as i,Ut as j,ut as k,Ft as l,St as m,at as n,ot as o,vt as p,nt as q,zt as r,c as s,pt as t,Ct as u,Rt as v,_t as w,rt as x,ft as y,mt as z};
