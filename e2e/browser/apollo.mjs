// Apollo Client 4 in the browser: InMemoryCache with a type policy for the relay-style
// submissions list, an HTTP link with the Cognito token, and a GraphQLWsLink (graphql-ws) for
// subscriptions, split by operation type. The steps are on `window.app` for the driver.

import { ApolloClient, ApolloLink, HttpLink, InMemoryCache, gql } from "@apollo/client";
import { SetContextLink } from "@apollo/client/link/context";
import { GraphQLWsLink } from "@apollo/client/link/subscriptions";
import { getMainDefinition, relayStylePagination } from "@apollo/client/utilities";
import { createClient } from "graphql-ws";
import {
  config,
  deferred,
  drawJpeg,
  log,
  mountSignIn,
  postToS3,
  renderList,
  showImage,
  showSignedIn,
  signIn,
  summarize,
  until,
} from "./common.mjs";
import * as docs from "./documents.mjs";

const settings = config();
let token = "";

const cache = new InMemoryCache({
  typePolicies: {
    // One list per status and order; `first` / `after` pages are merged into it.
    User: { fields: { submissions: relayStylePagination(["status", "orderBy"]) } },
  },
});

const wsClient = createClient({
  url: settings.wsUrl,
  connectionParams: () => ({ Authorization: `Bearer ${token}` }),
  lazy: true,
});

const http = new SetContextLink((prev) => ({
  headers: { ...prev.headers, Authorization: `Bearer ${token}` },
})).concat(new HttpLink({ uri: settings.httpUrl }));

const client = new ApolloClient({
  cache,
  link: ApolloLink.split(
    ({ query }) => {
      const definition = getMainDefinition(query);
      return definition.kind === "OperationDefinition" && definition.operation === "subscription";
    },
    new GraphQLWsLink(wsClient),
    http,
  ),
});

const MY_SUBMISSIONS = gql(docs.MY_SUBMISSIONS);
let watched; // the ObservableQuery the list is painted from
let emissions = 0;
let latest;
let statusEvent;

function connection() {
  return latest?.me?.submissions;
}

window.app = {
  name: "Apollo Client 4",

  async showList(first) {
    const painted = deferred();
    watched = client.watchQuery({ query: MY_SUBMISSIONS, variables: { first } });
    watched.subscribe({
      next: ({ data, error }) => {
        if (error) return painted.reject(error);
        if (!data?.me) return;
        emissions += 1;
        latest = data;
        renderList(connection());
        painted.resolve();
      },
      error: (error) => painted.reject(error),
    });
    await painted.promise;
    log(`query: ${connection().edges.length} of ${connection().totalCount}`);
    return { ...summarize(connection()), emissions };
  },

  async nextPage() {
    const before = connection().edges.length;
    await watched.fetchMore({ variables: { after: connection().pageInfo.endCursor } });
    // relayStylePagination merges the page into the list the watched query paints.
    await until(() => connection().edges.length > before);
    log(`fetchMore: ${connection().edges.length} in one list`);
    return { ...summarize(connection()), emissions };
  },

  async rename(id, title) {
    const before = emissions;
    const { data } = await client.mutate({ mutation: gql(docs.RENAME), variables: { id, title } });
    log(`mutation: renamed to "${data.updateSubmission.title}" (cache, no refetch)`);
    // The watched query re-emits from the cache once the mutation's Submission is written.
    await until(() => emissions > before);
    return { ...summarize(connection()), emissions, returned: data.updateSubmission };
  },

  watchStatus(id) {
    const event = deferred();
    statusEvent = event.promise;
    client.subscribe({ query: gql(docs.STATUS_CHANGED), variables: { id } }).subscribe({
      next: ({ data, error }) => (error ? event.reject(error) : event.resolve(data.submissionStatusChanged)),
      error: (error) => event.reject(error),
    });
  },

  async statusChanged() {
    const event = await statusEvent;
    log(`subscription: ${event.id.slice(0, 8)} is ${event.status}`);
    await until(() => connection().edges.some((e) => e.node.id === event.id && e.node.status === event.status));
    return { event, ...summarize(connection()), emissions };
  },

  async startUpload() {
    const file = await drawJpeg("Apollo");
    const { data } = await client.mutate({
      mutation: gql(docs.REQUEST_UPLOAD),
      variables: { input: { filename: file.name, contentType: file.type, size: file.size, kind: "IMAGE" } },
    });
    const ticket = data.requestUpload;
    const ready = deferred();
    client.subscribe({ query: gql(docs.MEDIA_STATUS), variables: { id: ticket.media.id } }).subscribe({
      next: ({ data: event, error }) => {
        if (error) return ready.reject(error);
        const media = event.mediaStatusChanged;
        if (media.status === "READY") ready.resolve(media);
        if (media.status === "FAILED") ready.reject(new Error(`FAILED: ${media.failureReason}`));
      },
      error: (error) => ready.reject(error),
    });
    upload = { file, ticket, ready: ready.promise };
    return { mediaId: ticket.media.id, bytes: file.size };
  },

  async finishUpload() {
    const postStatus = await postToS3(upload.ticket, upload.file);
    log(`upload: S3 answered ${postStatus}`);
    const media = await upload.ready;
    const image = await showImage(media);
    log(`subscription: media ${media.status}, thumbnail ${image.width}×${image.height}`);
    return { postStatus, status: media.status, image };
  },
};
let upload;

document.getElementById("client").textContent = "Pre-Work · Apollo Client 4";
mountSignIn(async (email, password) => {
  token = await signIn(settings, email, password);
  showSignedIn(email);
  log("signed in through Cognito (InitiateAuth)");
});
