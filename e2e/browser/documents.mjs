// The GraphQL documents both apps send (strings: each client parses them its own way).

export const MY_SUBMISSIONS = `
  query MySubmissions($first: Int!, $after: String) {
    me {
      id
      email
      submissions(first: $first, after: $after) {
        totalCount
        edges { cursor node { id title status updatedAt } }
        pageInfo { hasNextPage endCursor }
      }
    }
  }`;

export const RENAME = `
  mutation Rename($id: ID!, $title: String!) {
    updateSubmission(id: $id, input: { title: $title }) { id title version updatedAt }
  }`;

export const STATUS_CHANGED = `
  subscription StatusChanged($id: ID) {
    submissionStatusChanged(submissionId: $id) { id status submittedAt }
  }`;

export const REQUEST_UPLOAD = `
  mutation RequestUpload($input: RequestUploadInput!) {
    requestUpload(input: $input) { url fields expiresAt media { id status } }
  }`;

export const MEDIA_STATUS = `
  subscription MediaStatus($id: ID) {
    mediaStatusChanged(mediaId: $id) { id status failureReason thumbnailUrl(width: 200) }
  }`;
