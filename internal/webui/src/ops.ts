// Every GraphQL operation of the interface. `npm run codegen` checks them against
// ../../graph/schema and generates their types into src/gql.
import { graphql } from './gql'

export const LoginDoc = graphql(`
  mutation Login($input: LoginInput!) {
    login(input: $input) { accessToken refreshToken accessTokenExpiresAt user { id displayName } }
  }
`)

export const RefreshDoc = graphql(`
  mutation Refresh($input: RefreshTokenInput!) {
    refreshToken(input: $input) { accessToken refreshToken accessTokenExpiresAt }
  }
`)

export const LogoutDoc = graphql(`
  mutation Logout($input: LogoutInput!) { logout(input: $input) { ok } }
`)

export const ChangePasswordDoc = graphql(`
  mutation ChangePassword($input: ChangePasswordInput!) { changePassword(input: $input) { ok } }
`)

export const MeDoc = graphql(`
  query Me {
    me {
      id username displayName isPlatformAdmin
      town { id name rootOrganization { id name } }
      district { id name }
      roles { id role roleLabel org { id name } district { id name } }
    }
    unreadCount
  }
`)

export const UnreadCountDoc = graphql(`
  query UnreadCount { unreadCount }
`)

export const MyTasksDoc = graphql(`
  query MyTasks($first: Int, $after: String) {
    myTasks(first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { id title period dueAt status color org { id name } } }
    }
  }
`)

export const TaskInstancesDoc = graphql(`
  query TaskInstances($filter: TaskInstanceFilter, $first: Int, $after: String) {
    taskInstances(filter: $filter, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { id title period dueAt status color submittedAt org { id name } } }
    }
  }
`)

export const TaskDoc = graphql(`
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
`)

export const PeopleDoc = graphql(`
  query People($filter: PersonFilter, $first: Int, $after: String) {
    people(filter: $filter, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { id name gender phone isMember memberStatus joinDate duties org { id name } } }
    }
  }
`)

// OrgMembersDoc is the attendance picker's list: names only, so a page of 100
// stays well inside the server's complexity limit.
export const OrgMembersDoc = graphql(`
  query OrgMembers($filter: PersonFilter, $first: Int, $after: String) {
    people(filter: $filter, first: $first, after: $after) {
      pageInfo { hasNextPage endCursor }
      edges { node { id name } }
    }
  }
`)

export const UploadAttachmentDoc = graphql(`
  mutation UploadAttachment($input: UploadAttachmentInput!) {
    uploadAttachment(input: $input) { attachment { id filename url } }
  }
`)

export const CreateRecordDoc = graphql(`
  mutation CreateActivityRecord($input: CreateActivityRecordInput!) {
    createActivityRecord(input: $input) {
      activityRecord { id taskInstances { id status color } }
    }
  }
`)

export const ReviewDoc = graphql(`
  mutation ReviewTaskInstance($input: ReviewTaskInstanceInput!) {
    reviewTaskInstance(input: $input) { taskInstance { id status color } }
  }
`)

export const InboxDoc = graphql(`
  query Inbox($first: Int, $after: String, $unreadOnly: Boolean) {
    inbox(first: $first, after: $after, unreadOnly: $unreadOnly) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { id title body link readAt createdAt } }
    }
  }
`)

export const MarkReadDoc = graphql(`
  mutation MarkRead($ids: [ID!]!) { markNotificationsRead(ids: $ids) }
`)

export const MarkAllReadDoc = graphql(`
  mutation MarkAllRead { markAllNotificationsRead }
`)

export const DeploymentsDoc = graphql(`
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
`)

export const CreateDeploymentDoc = graphql(`
  mutation CreateDeployment($input: CreateDeploymentInput!) {
    createDeployment(input: $input) { deployment { id } }
  }
`)

export const OrganizationsDoc = graphql(`
  query Organizations($filter: OrganizationFilter, $first: Int, $after: String) {
    organizations(filter: $filter, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { id name kind kindLabel depth sortOrder parent { id } town { id name } } }
    }
  }
`)

export const ImportTemplateDoc = graphql(`
  query ImportTemplate { peopleImportTemplateUrl }
`)

export const ImportPeopleDoc = graphql(`
  mutation ImportPeople($input: ImportPeopleInput!) {
    importPeople(input: $input) { created errors { row column message } }
  }
`)

export const DistrictComparisonDoc = graphql(`
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
`)

export const DrillDownDoc = graphql(`
  query ScoreDrillDown($orgId: ID!, $period: String) {
    scoreDrillDown(orgId: $orgId, period: $period) {
      total stars color rank lagging reasons
      org { id name kind kindLabel }
    }
  }
`)

export const BreakdownDoc = graphql(`
  query ScoreBreakdown($orgId: ID!, $period: String) {
    scoreBreakdown(orgId: $orgId, period: $period) {
      period total stars color
      org { id name }
      indicators { name weight value points explanation }
    }
  }
`)

export const RequestExportDoc = graphql(`
  mutation RequestExport($input: RequestExportInput!) {
    requestExport(input: $input) { export { id status url error } }
  }
`)

export const ExportDoc = graphql(`
  query Export($id: ID!) { export(id: $id) { id status url error } }
`)

export const AuditLogDoc = graphql(`
  query AuditLog($first: Int, $after: String, $filter: AuditFilter) {
    auditLog(first: $first, after: $after, filter: $filter) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { id action entityType entityId actorUsername town { name } before after createdAt } }
    }
  }
`)

export const OrgStatusDoc = graphql(`
  query OrgStatus($orgId: ID!, $period: String) {
    orgStatus(orgId: $orgId, period: $period) {
      period green amber red
      org { id name }
      children { green amber red org { id name kind } }
    }
  }
`)

export const TownsDoc = graphql(`
  query Towns($districtId: ID) {
    towns(districtId: $districtId) { id name rootOrganization { id name } }
  }
`)

export const LatestUnreadDoc = graphql(`
  query LatestUnread {
    inbox(first: 3, unreadOnly: true) { edges { node { id title body createdAt link } } }
  }
`)

export const NotificationPrefsDoc = graphql(`
  query NotificationPrefs { notificationPrefs { email emailEnabled webhookEnabled } }
`)

export const UpdateNotificationPrefsDoc = graphql(`
  mutation UpdateNotificationPrefs($input: NotificationPrefsInput!) {
    updateNotificationPrefs(input: $input) { email emailEnabled webhookEnabled }
  }
`)

export const PersonDoc = graphql(`
  query Person($id: ID!) {
    node(id: $id) {
      ... on Person {
        id name gender birthDate phone phoneMasked isMember memberStatus joinDate duties
        isCommunityCadre isLeagueMember isVolunteer isInService workUnit
        org { id name }
      }
    }
  }
`)

export const CreatePersonDoc = graphql(`
  mutation CreatePerson($input: PersonInput!) { createPerson(input: $input) { person { id name } } }
`)

export const UpdatePersonDoc = graphql(`
  mutation UpdatePerson($input: UpdatePersonInput!) { updatePerson(input: $input) { person { id name } } }
`)

export const RemovePersonDoc = graphql(`
  mutation RemovePerson($input: RemovePersonInput!) { removePerson(input: $input) { person { id removed } } }
`)

export const CreateOrganizationDoc = graphql(`
  mutation CreateOrganization($input: CreateOrganizationInput!) { createOrganization(input: $input) { organization { id name } } }
`)

export const UpdateOrganizationDoc = graphql(`
  mutation UpdateOrganization($input: UpdateOrganizationInput!) { updateOrganization(input: $input) { organization { id name } } }
`)

export const DissolveOrganizationDoc = graphql(`
  mutation DissolveOrganization($input: DissolveOrganizationInput!) { dissolveOrganization(input: $input) { organization { id dissolved } } }
`)
