const __vite__mapDeps=(i,m=__vite__mapDeps,d=(m.f||(m.f=["assets/LoginView-CYn3bKBA.js","assets/vue-Bm1Vqo99.js","assets/_plugin-vue_export-helper-DlAUqK2U.js","assets/element-plus-BE7xR19H.js","assets/LoginView-C0uX5d_p.css","assets/AppLayout-DQ-t7jiY.js","assets/narrow-CHRcV_k0.js","assets/load-CYGjy9m_.js","assets/AppLayout-SgzLPFR0.css","assets/HomeView-CY77pveJ.js","assets/format-BYQOvO8o.js","assets/StatusTag.vue_vue_type_script_setup_true_lang-D4mCNLSx.js","assets/paged-BP6ZizCC.js","assets/paged-CF2KSKmN.css","assets/HomeView-BRVtKhuz.css","assets/TaskListView-DEpX2i7j.js","assets/TaskView-B-vApUs6.js","assets/rfc3339-CX7XhRcz.js","assets/TaskView-B7Pzn3AN.css","assets/ReviewView-CKhUamtp.js","assets/ReviewView-BEhLLTpf.css","assets/DeploymentsView-DUwAQ6Yi.js","assets/DeploymentsView-MKnWLaqa.css","assets/OrgsView-COqzpD_8.js","assets/OrgsView-10LFdzX5.css","assets/InboxView-lY-2J9tw.js","assets/InboxView-wlDn64c8.css","assets/DistrictView-Csw0m1GQ.js","assets/DistrictView-BSFPKCzc.css","assets/AuditView-CbQQiTJX.js","assets/AuditView-pRSsJi41.css"])))=>i.map(i=>d[i]);
import{G as j,ak as O,L as B,O as V,W,a0 as H,u as K,c as f,p as J,az as Y,aA as G,ax as Q}from"./vue-Bm1Vqo99.js";import{e as X}from"./element-plus-BE7xR19H.js";(function(){const o=document.createElement("link").relList;if(o&&o.supports&&o.supports("modulepreload"))return;for(const t of document.querySelectorAll('link[rel="modulepreload"]'))s(t);new MutationObserver(t=>{for(const a of t)if(a.type==="childList")for(const d of a.addedNodes)d.tagName==="LINK"&&d.rel==="modulepreload"&&s(d)}).observe(document,{childList:!0,subtree:!0});function i(t){const a={};return t.integrity&&(a.integrity=t.integrity),t.referrerPolicy&&(a.referrerPolicy=t.referrerPolicy),t.crossOrigin==="use-credentials"?a.credentials="include":t.crossOrigin==="anonymous"?a.credentials="omit":a.credentials="same-origin",a}function s(t){if(t.ep)return;t.ep=!0;const a=i(t);fetch(t.href,a)}})();var v={name:"zh-cn",el:{breadcrumb:{label:"面包屑"},colorpicker:{confirm:"确定",clear:"清空",defaultLabel:"颜色选择器",description:"当前颜色 {color}，按 Enter 键选择新颜色",alphaLabel:"选择透明度的值",alphaDescription:"透明度 {alpha}, 当前颜色 {color}",hueLabel:"选择色相值",hueDescription:"色相 {hue}, 当前颜色 {color}",svLabel:"选择饱和度与明度的值",svDescription:"饱和度 {saturation}, 明度 {brightness}, 当前颜色 {color}",predefineDescription:"选择 {value} 作为颜色"},datepicker:{now:"此刻",today:"今天",cancel:"取消",clear:"清空",confirm:"确定",dateTablePrompt:"使用方向键与 Enter 键可选择日期",monthTablePrompt:"使用方向键与 Enter 键可选择月份",quarterTablePrompt:"使用方向键与 Enter 键可选择季度",yearTablePrompt:"使用方向键与 Enter 键可选择年份",selectedDate:"已选日期",selectDate:"选择日期",selectTime:"选择时间",startDate:"开始日期",startTime:"开始时间",endDate:"结束日期",endTime:"结束时间",prevYear:"前一年",nextYear:"后一年",prevMonth:"上个月",nextMonth:"下个月",year:"年",month1:"1 月",month2:"2 月",month3:"3 月",month4:"4 月",month5:"5 月",month6:"6 月",month7:"7 月",month8:"8 月",month9:"9 月",month10:"10 月",month11:"11 月",month12:"12 月",weeks:{sun:"日",mon:"一",tue:"二",wed:"三",thu:"四",fri:"五",sat:"六"},weeksFull:{sun:"星期日",mon:"星期一",tue:"星期二",wed:"星期三",thu:"星期四",fri:"星期五",sat:"星期六"},months:{jan:"一月",feb:"二月",mar:"三月",apr:"四月",may:"五月",jun:"六月",jul:"七月",aug:"八月",sep:"九月",oct:"十月",nov:"十一月",dec:"十二月"}},input:{characters:"{count} / {max} 个字符"},inputNumber:{decrease:"减少数值",increase:"增加数值"},select:{loading:"加载中",noMatch:"无匹配数据",noData:"无数据",placeholder:"请选择"},mention:{loading:"加载中"},dropdown:{toggleDropdown:"切换下拉选项"},cascader:{noMatch:"无匹配数据",loading:"加载中",placeholder:"请选择",noData:"暂无数据"},pagination:{goto:"前往",pagesize:"条/页",total:"共 {total} 条",pageClassifier:"页",page:"页",prev:"上一页",next:"下一页",currentPage:"第 {pager} 页",prevPages:"向前 {pager} 页",nextPages:"向后 {pager} 页",deprecationWarning:"你使用了一些已被废弃的用法，请参考 el-pagination 的官方文档"},dialog:{close:"关闭此对话框"},drawer:{close:"关闭此对话框"},messagebox:{title:"提示",confirm:"确定",cancel:"取消",error:"输入的数据不合法!",close:"关闭此对话框"},upload:{deleteTip:"按 Delete 键可删除",delete:"删除",preview:"查看图片",continue:"继续上传"},slider:{defaultLabel:"滑块介于 {min} 至 {max}",defaultRangeStartLabel:"选择起始值",defaultRangeEndLabel:"选择结束值"},table:{emptyText:"暂无数据",confirmFilter:"筛选",resetFilter:"重置",clearFilter:"全部",sumText:"合计",selectAllLabel:"选择所有行",selectRowLabel:"选择当前行",expandRowLabel:"展开当前行",collapseRowLabel:"收起当前行",sortLabel:"按 {column} 排序",filterLabel:"按 {column} 过滤"},tag:{close:"关闭此标签"},tour:{next:"下一步",previous:"上一步",finish:"结束导览",close:"关闭此对话框"},tree:{emptyText:"暂无数据"},transfer:{noMatch:"无匹配数据",noData:"无数据",titles:["列表 1","列表 2"],filterPlaceholder:"请输入搜索内容",noCheckedFormat:"共 {total} 项",hasCheckedFormat:"已选 {checked}/{total} 项"},image:{error:"加载失败"},pageHeader:{title:"返回"},popconfirm:{confirmButtonText:"确定",cancelButtonText:"取消"},carousel:{leftArrow:"上一张幻灯片",rightArrow:"下一张幻灯片",indicator:"幻灯片切换至索引 {index}"},inputOTP:{groupLabel:"一次性密码输入框",defaultLabel:"请输入第 {index} 位 OTP 字符"}}};const Z=j({__name:"App",setup(e){return(o,i)=>{const s=O("router-view"),t=O("el-config-provider");return B(),V(t,{locale:K(v)},{default:W(()=>[H(s)]),_:1},8,["locale"])}}}),ee="modulepreload",te=function(e){return"/"+e},E={},p=function(o,i,s){let t=Promise.resolve();if(i&&i.length>0){let I=function(l){return Promise.all(l.map(g=>Promise.resolve(g).then(h=>({status:"fulfilled",value:h}),h=>({status:"rejected",reason:h}))))};document.getElementsByTagName("link");const d=document.querySelector("meta[property=csp-nonce]"),u=d?.nonce||d?.getAttribute("nonce");t=I(i.map(l=>{if(l=te(l),l in E)return;E[l]=!0;const g=l.endsWith(".css"),h=g?'[rel="stylesheet"]':"";if(document.querySelector(`link[href="${l}"]${h}`))return;const m=document.createElement("link");if(m.rel=g?"stylesheet":ee,g||(m.as="script"),m.crossOrigin="",m.href=l,u&&m.setAttribute("nonce",u),document.head.appendChild(m),g)return new Promise((M,F)=>{m.addEventListener("load",M),m.addEventListener("error",()=>F(new Error(`Unable to preload CSS for ${l}`)))})}))}function a(d){const u=new Event("vite:preloadError",{cancelable:!0});if(u.payload=d,window.dispatchEvent(u),!u.defaultPrevented)throw d}return t.then(d=>{for(const u of d||[])u.status==="rejected"&&a(u.reason);return o().catch(a)})};class n extends String{__apiType;value;__meta__;constructor(o,i){super(o),this.value=o,this.__meta__=i}toString(){return this.value}}const ne=new n(`
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
    `),re=new n(`
    mutation Refresh($input: RefreshTokenInput!) {
  refreshToken(input: $input) {
    accessToken
    refreshToken
    accessTokenExpiresAt
  }
}
    `),oe=new n(`
    mutation Logout($input: LogoutInput!) {
  logout(input: $input) {
    ok
  }
}
    `),ie=new n(`
    mutation ChangePassword($input: ChangePasswordInput!) {
  changePassword(input: $input) {
    ok
  }
}
    `),ae=new n(`
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
    `),se=new n(`
    query UnreadCount {
  unreadCount
}
    `),de=new n(`
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
    `),ue=new n(`
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
    `),ce=new n(`
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
    `),pe=new n(`
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
    `),le=new n(`
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
    `),me=new n(`
    mutation UploadAttachment($input: UploadAttachmentInput!) {
  uploadAttachment(input: $input) {
    attachment {
      id
      filename
      url
    }
  }
}
    `),fe=new n(`
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
    `),ge=new n(`
    mutation ReviewTaskInstance($input: ReviewTaskInstanceInput!) {
  reviewTaskInstance(input: $input) {
    taskInstance {
      id
      status
      color
    }
  }
}
    `),$e=new n(`
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
    `),Ie=new n(`
    mutation MarkRead($ids: [ID!]!) {
  markNotificationsRead(ids: $ids)
}
    `),he=new n(`
    mutation MarkAllRead {
  markAllNotificationsRead
}
    `),De=new n(`
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
    `),ye=new n(`
    mutation CreateDeployment($input: CreateDeploymentInput!) {
  createDeployment(input: $input) {
    deployment {
      id
    }
  }
}
    `),Te=new n(`
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
    `),Pe=new n(`
    query ImportTemplate {
  peopleImportTemplateUrl
}
    `),ke=new n(`
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
    `),we=new n(`
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
    `),Ae=new n(`
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
    `),be=new n(`
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
    `),Ce=new n(`
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
    `),Oe=new n(`
    query Export($id: ID!) {
  export(id: $id) {
    id
    status
    url
    error
  }
}
    `),Ee=new n(`
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
    `),Re=new n(`
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
    `),ve=new n(`
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
    `),_e=new n(`
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
    `),Ne=new n(`
    query NotificationPrefs {
  notificationPrefs {
    email
    emailEnabled
    webhookEnabled
  }
}
    `),Se=new n(`
    mutation UpdateNotificationPrefs($input: NotificationPrefsInput!) {
  updateNotificationPrefs(input: $input) {
    email
    emailEnabled
    webhookEnabled
  }
}
    `),xe=new n(`
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
    `),Le=new n(`
    mutation CreatePerson($input: PersonInput!) {
  createPerson(input: $input) {
    person {
      id
      name
    }
  }
}
    `),qe=new n(`
    mutation UpdatePerson($input: UpdatePersonInput!) {
  updatePerson(input: $input) {
    person {
      id
      name
    }
  }
}
    `),Ue=new n(`
    mutation RemovePerson($input: RemovePersonInput!) {
  removePerson(input: $input) {
    person {
      id
      removed
    }
  }
}
    `),ze=new n(`
    mutation CreateOrganization($input: CreateOrganizationInput!) {
  createOrganization(input: $input) {
    organization {
      id
      name
    }
  }
}
    `),Me=new n(`
    mutation UpdateOrganization($input: UpdateOrganizationInput!) {
  updateOrganization(input: $input) {
    organization {
      id
      name
    }
  }
}
    `),Fe=new n(`
    mutation DissolveOrganization($input: DissolveOrganizationInput!) {
  dissolveOrganization(input: $input) {
    organization {
      id
      dissolved
    }
  }
}
    `),je={"\n  mutation Login($input: LoginInput!) {\n    login(input: $input) { accessToken refreshToken accessTokenExpiresAt user { id displayName } }\n  }\n":ne,"\n  mutation Refresh($input: RefreshTokenInput!) {\n    refreshToken(input: $input) { accessToken refreshToken accessTokenExpiresAt }\n  }\n":re,"\n  mutation Logout($input: LogoutInput!) { logout(input: $input) { ok } }\n":oe,"\n  mutation ChangePassword($input: ChangePasswordInput!) { changePassword(input: $input) { ok } }\n":ie,"\n  query Me {\n    me {\n      id username displayName isPlatformAdmin\n      town { id name rootOrganization { id name } }\n      district { id name }\n      roles { id role roleLabel org { id name } district { id name } }\n    }\n    unreadCount\n  }\n":ae,"\n  query UnreadCount { unreadCount }\n":se,"\n  query MyTasks($first: Int, $after: String) {\n    myTasks(first: $first, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { node { id title period dueAt status color org { id name } } }\n    }\n  }\n":de,"\n  query TaskInstances($filter: TaskInstanceFilter, $first: Int, $after: String) {\n    taskInstances(filter: $filter, first: $first, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { node { id title period dueAt status color submittedAt org { id name } } }\n    }\n  }\n":ue,"\n  query Task($id: ID!) {\n    node(id: $id) {\n      ... on TaskInstance {\n        id title period dueAt status color submittedAt completedAt\n        org { id name }\n        template { name evidence }\n        records {\n          id title startAt endAt place content minutes late\n          host { id name }\n          attendance { person { id name } present absenceReason }\n          attachments { id filename url }\n        }\n        history { action comment createdAt actor { displayName } }\n      }\n    }\n  }\n":ce,"\n  query People($filter: PersonFilter, $first: Int, $after: String) {\n    people(filter: $filter, first: $first, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { node { id name gender phone isMember memberStatus joinDate duties org { id name } } }\n    }\n  }\n":pe,"\n  query OrgMembers($filter: PersonFilter, $first: Int, $after: String) {\n    people(filter: $filter, first: $first, after: $after) {\n      pageInfo { hasNextPage endCursor }\n      edges { node { id name } }\n    }\n  }\n":le,"\n  mutation UploadAttachment($input: UploadAttachmentInput!) {\n    uploadAttachment(input: $input) { attachment { id filename url } }\n  }\n":me,"\n  mutation CreateActivityRecord($input: CreateActivityRecordInput!) {\n    createActivityRecord(input: $input) {\n      activityRecord { id taskInstances { id status color } }\n    }\n  }\n":fe,"\n  mutation ReviewTaskInstance($input: ReviewTaskInstanceInput!) {\n    reviewTaskInstance(input: $input) { taskInstance { id status color } }\n  }\n":ge,"\n  query Inbox($first: Int, $after: String, $unreadOnly: Boolean) {\n    inbox(first: $first, after: $after, unreadOnly: $unreadOnly) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { node { id title body link readAt createdAt } }\n    }\n  }\n":$e,"\n  mutation MarkRead($ids: [ID!]!) { markNotificationsRead(ids: $ids) }\n":Ie,"\n  mutation MarkAllRead { markAllNotificationsRead }\n":he,"\n  query Deployments($first: Int, $after: String) {\n    deployments(first: $first, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges {\n        node {\n          id title content deadline targetKinds createdAt\n          issuer { id name } targetRoot { id name }\n          progress { total pending submitted done overdue }\n        }\n      }\n    }\n  }\n":De,"\n  mutation CreateDeployment($input: CreateDeploymentInput!) {\n    createDeployment(input: $input) { deployment { id } }\n  }\n":ye,"\n  query Organizations($filter: OrganizationFilter, $first: Int, $after: String) {\n    organizations(filter: $filter, first: $first, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { node { id name kind kindLabel depth sortOrder parent { id } town { id name } } }\n    }\n  }\n":Te,"\n  query ImportTemplate { peopleImportTemplateUrl }\n":Pe,"\n  mutation ImportPeople($input: ImportPeopleInput!) {\n    importPeople(input: $input) { created errors { row column message } }\n  }\n":ke,"\n  query DistrictComparison($districtId: ID!, $period: String, $trendPeriods: Int) {\n    districtComparison(districtId: $districtId, period: $period, trendPeriods: $trendPeriods) {\n      period\n      rows {\n        score rank delta\n        town { id name rootOrganization { id name } }\n        trend { period total }\n      }\n    }\n  }\n":we,"\n  query ScoreDrillDown($orgId: ID!, $period: String) {\n    scoreDrillDown(orgId: $orgId, period: $period) {\n      total stars color rank lagging reasons\n      org { id name kind kindLabel }\n    }\n  }\n":Ae,"\n  query ScoreBreakdown($orgId: ID!, $period: String) {\n    scoreBreakdown(orgId: $orgId, period: $period) {\n      period total stars color\n      org { id name }\n      indicators { name weight value points explanation }\n    }\n  }\n":be,"\n  mutation RequestExport($input: RequestExportInput!) {\n    requestExport(input: $input) { export { id status url error } }\n  }\n":Ce,"\n  query Export($id: ID!) { export(id: $id) { id status url error } }\n":Oe,"\n  query AuditLog($first: Int, $after: String, $filter: AuditFilter) {\n    auditLog(first: $first, after: $after, filter: $filter) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { node { id action entityType entityId actorUsername town { name } before after createdAt } }\n    }\n  }\n":Ee,"\n  query OrgStatus($orgId: ID!, $period: String) {\n    orgStatus(orgId: $orgId, period: $period) {\n      period green amber red\n      org { id name }\n      children { green amber red org { id name kind } }\n    }\n  }\n":Re,"\n  query Towns($districtId: ID) {\n    towns(districtId: $districtId) { id name rootOrganization { id name } }\n  }\n":ve,"\n  query LatestUnread {\n    inbox(first: 3, unreadOnly: true) { edges { node { id title body createdAt link } } }\n  }\n":_e,"\n  query NotificationPrefs { notificationPrefs { email emailEnabled webhookEnabled } }\n":Ne,"\n  mutation UpdateNotificationPrefs($input: NotificationPrefsInput!) {\n    updateNotificationPrefs(input: $input) { email emailEnabled webhookEnabled }\n  }\n":Se,"\n  query Person($id: ID!) {\n    node(id: $id) {\n      ... on Person {\n        id name gender birthDate phone phoneMasked isMember memberStatus joinDate duties\n        isCommunityCadre isLeagueMember isVolunteer isInService workUnit\n        org { id name }\n      }\n    }\n  }\n":xe,"\n  mutation CreatePerson($input: PersonInput!) { createPerson(input: $input) { person { id name } } }\n":Le,"\n  mutation UpdatePerson($input: UpdatePersonInput!) { updatePerson(input: $input) { person { id name } } }\n":qe,"\n  mutation RemovePerson($input: RemovePersonInput!) { removePerson(input: $input) { person { id removed } } }\n":Ue,"\n  mutation CreateOrganization($input: CreateOrganizationInput!) { createOrganization(input: $input) { organization { id name } } }\n":ze,"\n  mutation UpdateOrganization($input: UpdateOrganizationInput!) { updateOrganization(input: $input) { organization { id name } } }\n":Me,"\n  mutation DissolveOrganization($input: DissolveOrganizationInput!) { dissolveOrganization(input: $input) { organization { id dissolved } } }\n":Fe};function r(e){return je[e]??{}}const Be=r(`
  mutation Login($input: LoginInput!) {
    login(input: $input) { accessToken refreshToken accessTokenExpiresAt user { id displayName } }
  }
`),Ve=r(`
  mutation Refresh($input: RefreshTokenInput!) {
    refreshToken(input: $input) { accessToken refreshToken accessTokenExpiresAt }
  }
`),We=r(`
  mutation Logout($input: LogoutInput!) { logout(input: $input) { ok } }
`),nt=r(`
  mutation ChangePassword($input: ChangePasswordInput!) { changePassword(input: $input) { ok } }
`),He=r(`
  query Me {
    me {
      id username displayName isPlatformAdmin
      town { id name rootOrganization { id name } }
      district { id name }
      roles { id role roleLabel org { id name } district { id name } }
    }
    unreadCount
  }
`),Ke=r(`
  query UnreadCount { unreadCount }
`),rt=r(`
  query MyTasks($first: Int, $after: String) {
    myTasks(first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { id title period dueAt status color org { id name } } }
    }
  }
`),ot=r(`
  query TaskInstances($filter: TaskInstanceFilter, $first: Int, $after: String) {
    taskInstances(filter: $filter, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { id title period dueAt status color submittedAt org { id name } } }
    }
  }
`),it=r(`
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
`),at=r(`
  query People($filter: PersonFilter, $first: Int, $after: String) {
    people(filter: $filter, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { id name gender phone isMember memberStatus joinDate duties org { id name } } }
    }
  }
`),st=r(`
  query OrgMembers($filter: PersonFilter, $first: Int, $after: String) {
    people(filter: $filter, first: $first, after: $after) {
      pageInfo { hasNextPage endCursor }
      edges { node { id name } }
    }
  }
`),dt=r(`
  mutation UploadAttachment($input: UploadAttachmentInput!) {
    uploadAttachment(input: $input) { attachment { id filename url } }
  }
`),ut=r(`
  mutation CreateActivityRecord($input: CreateActivityRecordInput!) {
    createActivityRecord(input: $input) {
      activityRecord { id taskInstances { id status color } }
    }
  }
`),ct=r(`
  mutation ReviewTaskInstance($input: ReviewTaskInstanceInput!) {
    reviewTaskInstance(input: $input) { taskInstance { id status color } }
  }
`),pt=r(`
  query Inbox($first: Int, $after: String, $unreadOnly: Boolean) {
    inbox(first: $first, after: $after, unreadOnly: $unreadOnly) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { id title body link readAt createdAt } }
    }
  }
`),lt=r(`
  mutation MarkRead($ids: [ID!]!) { markNotificationsRead(ids: $ids) }
`),mt=r(`
  mutation MarkAllRead { markAllNotificationsRead }
`),ft=r(`
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
`),gt=r(`
  mutation CreateDeployment($input: CreateDeploymentInput!) {
    createDeployment(input: $input) { deployment { id } }
  }
`),$t=r(`
  query Organizations($filter: OrganizationFilter, $first: Int, $after: String) {
    organizations(filter: $filter, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { id name kind kindLabel depth sortOrder parent { id } town { id name } } }
    }
  }
`),It=r(`
  query ImportTemplate { peopleImportTemplateUrl }
`),ht=r(`
  mutation ImportPeople($input: ImportPeopleInput!) {
    importPeople(input: $input) { created errors { row column message } }
  }
`),Dt=r(`
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
`),yt=r(`
  query ScoreDrillDown($orgId: ID!, $period: String) {
    scoreDrillDown(orgId: $orgId, period: $period) {
      total stars color rank lagging reasons
      org { id name kind kindLabel }
    }
  }
`),Tt=r(`
  query ScoreBreakdown($orgId: ID!, $period: String) {
    scoreBreakdown(orgId: $orgId, period: $period) {
      period total stars color
      org { id name }
      indicators { name weight value points explanation }
    }
  }
`),Pt=r(`
  mutation RequestExport($input: RequestExportInput!) {
    requestExport(input: $input) { export { id status url error } }
  }
`),kt=r(`
  query Export($id: ID!) { export(id: $id) { id status url error } }
`),wt=r(`
  query AuditLog($first: Int, $after: String, $filter: AuditFilter) {
    auditLog(first: $first, after: $after, filter: $filter) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { id action entityType entityId actorUsername town { name } before after createdAt } }
    }
  }
`),At=r(`
  query OrgStatus($orgId: ID!, $period: String) {
    orgStatus(orgId: $orgId, period: $period) {
      period green amber red
      org { id name }
      children { green amber red org { id name kind } }
    }
  }
`),bt=r(`
  query Towns($districtId: ID) {
    towns(districtId: $districtId) { id name rootOrganization { id name } }
  }
`),Ct=r(`
  query LatestUnread {
    inbox(first: 3, unreadOnly: true) { edges { node { id title body createdAt link } } }
  }
`),Ot=r(`
  query NotificationPrefs { notificationPrefs { email emailEnabled webhookEnabled } }
`),Et=r(`
  mutation UpdateNotificationPrefs($input: NotificationPrefsInput!) {
    updateNotificationPrefs(input: $input) { email emailEnabled webhookEnabled }
  }
`),Rt=r(`
  query Person($id: ID!) {
    node(id: $id) {
      ... on Person {
        id name gender birthDate phone phoneMasked isMember memberStatus joinDate duties
        isCommunityCadre isLeagueMember isVolunteer isInService workUnit
        org { id name }
      }
    }
  }
`),vt=r(`
  mutation CreatePerson($input: PersonInput!) { createPerson(input: $input) { person { id name } } }
`),_t=r(`
  mutation UpdatePerson($input: UpdatePersonInput!) { updatePerson(input: $input) { person { id name } } }
`),Nt=r(`
  mutation RemovePerson($input: RemovePersonInput!) { removePerson(input: $input) { person { id removed } } }
`),St=r(`
  mutation CreateOrganization($input: CreateOrganizationInput!) { createOrganization(input: $input) { organization { id name } } }
`),xt=r(`
  mutation UpdateOrganization($input: UpdateOrganizationInput!) { updateOrganization(input: $input) { organization { id name } } }
`),Lt=r(`
  mutation DissolveOrganization($input: DissolveOrganizationInput!) { dissolveOrganization(input: $input) { organization { id dissolved } } }
`),A="dj.accessToken",b="dj.refreshToken";function T(){return localStorage.getItem(A)}function _(){return localStorage.getItem(b)}function N(e,o){localStorage.setItem(A,e),localStorage.setItem(b,o)}function S(){localStorage.removeItem(A),localStorage.removeItem(b)}const x={UNAUTHENTICATED:"请先登录",FORBIDDEN:"没有权限进行此操作",NOT_FOUND:"要找的内容不存在或已被删除",INVALID_INPUT:"填写的内容有误",CONFLICT:"内容已被他人修改或已存在，请刷新后重试",RATE_LIMITED:"操作过于频繁，请稍后再试",INTERNAL:"服务器出错了，请稍后再试",NETWORK:"网络连接失败，请检查网络后重试"};class $ extends Error{code;constructor(o,i){super(i),this.code=o}}function qt(e){return e instanceof $?(e.message&&/[\u4e00-\u9fff]/.test(e.message)?e.message:"")||x[e.code]||`操作失败（${e.code}）`:e instanceof Error&&e.message?e.message:"操作失败"}let L=()=>{};function Je(e){L=e}async function w(e,o){const i={};o&&(i["Content-Type"]="application/json");const s=T();s&&(i.Authorization=`Bearer ${s}`);let t;try{t=await fetch("/graphql",{method:"POST",headers:i,body:e})}catch{throw new $("NETWORK",x.NETWORK)}let a;try{a=await t.json()}catch{if(t.status===401)return{errors:[{message:"",extensions:{code:"UNAUTHENTICATED"}}]};throw new $(t.status===429?"RATE_LIMITED":"INTERNAL","")}return a}let D=null;async function Ye(){const e=_();return e?(D||(D=(async()=>{try{const o=await w(JSON.stringify({query:Ve.toString(),variables:{input:{refreshToken:e}}}),!0),i=o.data;return o.errors?.length||!i?.refreshToken?!1:(N(i.refreshToken.accessToken,i.refreshToken.refreshToken),!0)}catch{return!1}finally{setTimeout(()=>D=null,0)}})()),D):!1}async function q(e,o){const i=!!T();let{body:s,json:t}=e(),a=await w(s,t),d=a.errors?.[0];if(o&&i&&d?.extensions?.code==="UNAUTHENTICATED"&&(await Ye()&&({body:s,json:t}=e(),a=await w(s,t),d=a.errors?.[0]),d?.extensions?.code==="UNAUTHENTICATED"))throw S(),L(),new $("UNAUTHENTICATED","会话已过期，请重新登录");if(d)throw new $(d.extensions?.code??"INTERNAL",d.message);return a.data}function P(e,o,i=!0){return q(()=>({body:JSON.stringify({query:e.toString(),variables:o??{}}),json:!0}),i)}function Ut(e,o,i){return q(()=>{const s=Object.keys(i),t=JSON.parse(JSON.stringify(o??{}));for(const u of s)Ge(t,u,null);const a=new FormData;a.append("operations",JSON.stringify({query:e.toString(),variables:t}));const d={};return s.forEach((u,I)=>d[String(I)]=[`variables.${u}`]),a.append("map",JSON.stringify(d)),s.forEach((u,I)=>a.append(String(I),i[u],i[u].name)),{body:a,json:!1}},!0)}function Ge(e,o,i){const s=o.split(".");let t=e;for(const a of s.slice(0,-1))(typeof t[a]!="object"||t[a]===null)&&(t[a]={}),t=t[a];t[s[s.length-1]]=i}async function zt(e,o){const i=await fetch(e,{headers:{Authorization:`Bearer ${T()??""}`}});if(!i.ok)throw new $(i.status===403?"FORBIDDEN":"NOT_FOUND","");const s=await i.blob(),t=document.createElement("a");t.href=URL.createObjectURL(s),o&&(t.download=o),t.target="_blank",t.click(),setTimeout(()=>URL.revokeObjectURL(t.href),6e4)}const c=J({me:null,unread:0,notice:""}),Qe=["PLATFORM_ADMIN","DISTRICT_ADMIN","DISTRICT_VIEWER"],C=["TOWN_SECRETARY","TOWN_DEPUTY_SECRETARY","TOWN_OFFICE"],Xe=[...C,"COMMITTEE_MEMBER","DISTRICT_ADMIN","PLATFORM_ADMIN"],Ze=[...C,"DISTRICT_ADMIN","PLATFORM_ADMIN"],U=f(()=>{const e=c.me?.roles.map(o=>o.role)??[];return c.me?.isPlatformAdmin&&e.push("PLATFORM_ADMIN"),e}),k=e=>U.value.some(o=>e.includes(o)),Mt=f(()=>k(Qe)),Ft=f(()=>k(Ze)),jt=f(()=>k(Xe)),Bt=f(()=>k([...C,"ORG_SECRETARY"])),Vt=f(()=>U.value.some(e=>e!=="MEMBER")),Wt=f(()=>{const e=c.me;return e?e.district?.id??e.roles.find(o=>o.district)?.district?.id??null:null});function R(){return!!T()}async function Ht(e,o){const i=await P(Be,{input:{username:e,password:o}},!1);N(i.login.accessToken,i.login.refreshToken),c.notice="",await z()}async function z(){const e=await P(He);c.me=e.me,c.unread=e.unreadCount}async function Kt(){try{c.unread=(await P(Ke)).unreadCount}catch{}}async function Jt(){const e=_();if(e)try{await P(We,{input:{refreshToken:e}},!1)}catch{}S(),c.me=null,c.unread=0}const y=Y({history:G("/"),routes:[{path:"/login",name:"login",component:()=>p(()=>import("./LoginView-CYn3bKBA.js"),__vite__mapDeps([0,1,2,3,4])),meta:{public:!0,title:"登录"}},{path:"/",component:()=>p(()=>import("./AppLayout-DQ-t7jiY.js"),__vite__mapDeps([5,1,6,2,3,7,8])),children:[{path:"",name:"home",component:()=>p(()=>import("./HomeView-CY77pveJ.js"),__vite__mapDeps([9,1,7,2,10,11,12,6,13,3,14])),meta:{title:"首页"}},{path:"tasks",name:"tasks",component:()=>p(()=>import("./TaskListView-DEpX2i7j.js"),__vite__mapDeps([15,1,12,6,2,13,11,10,3])),meta:{title:"任务列表"}},{path:"tasks/:id",name:"task",component:()=>p(()=>import("./TaskView-B-vApUs6.js"),__vite__mapDeps([16,1,3,6,17,2,11,10,18])),props:!0,meta:{title:"任务详情"}},{path:"review",name:"review",component:()=>p(()=>import("./ReviewView-CKhUamtp.js"),__vite__mapDeps([19,3,1,12,6,2,13,11,10,20])),meta:{title:"审核"}},{path:"deployments",name:"deployments",component:()=>p(()=>import("./DeploymentsView-DUwAQ6Yi.js"),__vite__mapDeps([21,3,1,12,6,2,13,10,7,17,22])),meta:{title:"部署"}},{path:"orgs",name:"orgs",component:()=>p(()=>import("./OrgsView-COqzpD_8.js"),__vite__mapDeps([23,3,1,12,6,2,13,7,10,24])),meta:{title:"组织与党员"}},{path:"inbox",name:"inbox",component:()=>p(()=>import("./InboxView-lY-2J9tw.js"),__vite__mapDeps([25,1,3,12,6,2,13,7,10,26])),meta:{title:"消息"}},{path:"district",name:"district",component:()=>p(()=>import("./DistrictView-Csw0m1GQ.js"),__vite__mapDeps([27,1,3,2,10,6,28])),meta:{title:"区级对比"}},{path:"audit",name:"audit",component:()=>p(()=>import("./AuditView-CbQQiTJX.js"),__vite__mapDeps([29,12,6,1,2,13,10,3,30])),meta:{title:"审计日志"}}]},{path:"/:rest(.*)*",redirect:"/"}]});y.beforeEach(async e=>{if(document.title=`${e.meta.title??""} · 基层党建工作平台`,e.meta.public)return!0;if(!R())return{name:"login",query:e.fullPath!=="/"?{next:e.fullPath}:{}};if(!c.me)try{await z()}catch{if(!R())return{name:"login"}}return!0});Je(()=>{c.me=null,c.notice="会话已过期，请重新登录";const e=y.currentRoute.value;e.name!=="login"&&y.replace({name:"login",query:{next:e.fullPath}})});Q(Z).use(X,{locale:v}).use(y).mount("#app");export{$t as A,Tt as B,nt as C,ft as D,Lt as E,It as F,Et as G,pt as H,ht as I,mt as J,yt as K,Ct as L,rt as M,Ot as N,At as O,Rt as P,Dt as Q,ct as R,Pt as S,ot as T,dt as U,kt as V,wt as W,Jt as a,jt as b,Vt as c,Bt as d,qt as e,Mt as f,P as g,bt as h,Ft as i,Wt as j,lt as k,Ht as l,Ut as m,ut as n,st as o,zt as p,it as q,Kt as r,c as s,gt as t,_t as u,vt as v,Nt as w,at as x,St as y,xt as z};
