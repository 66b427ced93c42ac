// urql in the browser: @urql/core with Graphcache (normalized; `relayPagination` merges the
// submissions pages), the Cognito token on every fetch, and subscriptionExchange over a
// graphql-ws client. The steps are on `window.app` for the driver.

import { Client, fetchExchange, subscriptionExchange } from "@urql/core";
import { cacheExchange } from "@urql/exchange-graphcache";
import { relayPagination } from "@urql/exchange-graphcache/extras";
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

const wsClient = createClient({
  url: settings.wsUrl,
  connectionParams: () => ({ Authorization: `Bearer ${token}` }),
  lazy: true,
});

const client = new Client({
  url: settings.httpUrl,
  fetchOptions: () => ({ headers: { Authorization: `Bearer ${token}` } }),
  exchanges: [
    cacheExchange({
      // Types without an id are embedded in their parent, not normalized (no warnings).
      keys: {
        SubmissionConnection: () => null,
        SubmissionEdge: () => null,
        PageInfo: () => null,
        UploadTicket: () => null,
      },
      resolvers: { User: { submissions: relayPagination() } },
    }),
    fetchExchange,
    subscriptionExchange({
      forwardSubscription(request) {
        const input = { ...request, query: request.query || "" };
        return { subscribe: (sink) => ({ unsubscribe: wsClient.subscribe(input, sink) }) };
      },
    }),
  ],
});

let emissions = 0;
let latest;
let statusEvent;
let upload;
let firstPage; // the variables of the first page, for the next page's query

function connection() {
  return latest?.me?.submissions;
}

/** Keep a query subscribed (Graphcache re-emits it when an entity it read changes). */
function watch(variables) {
  const painted = deferred();
  client.query(docs.MY_SUBMISSIONS, variables).subscribe((result) => {
    if (result.error) return painted.reject(result.error);
    if (!result.data?.me) return;
    emissions += 1;
    latest = result.data;
    renderList(connection());
    painted.resolve();
  });
  return painted.promise;
}

function subscribe(query, variables, onEvent, onError) {
  client.subscription(query, variables).subscribe((result) => {
    if (result.error) onError(result.error);
    else if (result.data) onEvent(result.data);
  });
}

window.app = {
  name: "urql + Graphcache",

  async showList(first) {
    firstPage = { first };
    await watch(firstPage);
    log(`query: ${connection().edges.length} of ${connection().totalCount}`);
    return { ...summarize(connection()), emissions };
  },

  async nextPage() {
    // The next page is the same query with `after`: relayPagination answers it with every
    // page fetched so far, merged into one list.
    const before = connection().edges.length;
    await watch({ ...firstPage, after: connection().pageInfo.endCursor });
    await until(() => connection().edges.length > before);
    log(`next page: ${connection().edges.length} in one list`);
    return { ...summarize(connection()), emissions };
  },

  async rename(id, title) {
    const before = emissions;
    const result = await client.mutation(docs.RENAME, { id, title }).toPromise();
    if (result.error) throw result.error;
    log(`mutation: renamed to "${result.data.updateSubmission.title}" (cache, no refetch)`);
    await until(() => emissions > before);
    return { ...summarize(connection()), emissions, returned: result.data.updateSubmission };
  },

  watchStatus(id) {
    const event = deferred();
    statusEvent = event.promise;
    subscribe(docs.STATUS_CHANGED, { id }, (data) => event.resolve(data.submissionStatusChanged), event.reject);
  },

  async statusChanged() {
    const event = await statusEvent;
    log(`subscription: ${event.id.slice(0, 8)} is ${event.status}`);
    await until(() => connection().edges.some((e) => e.node.id === event.id && e.node.status === event.status));
    return { event, ...summarize(connection()), emissions };
  },

  async startUpload() {
    const file = await drawJpeg("urql");
    const result = await client
      .mutation(docs.REQUEST_UPLOAD, {
        input: { filename: file.name, contentType: file.type, size: file.size, kind: "IMAGE" },
      })
      .toPromise();
    if (result.error) throw result.error;
    const ticket = result.data.requestUpload;
    const ready = deferred();
    subscribe(
      docs.MEDIA_STATUS,
      { id: ticket.media.id },
      ({ mediaStatusChanged: media }) => {
        if (media.status === "READY") ready.resolve(media);
        if (media.status === "FAILED") ready.reject(new Error(`FAILED: ${media.failureReason}`));
      },
      ready.reject,
    );
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

document.getElementById("client").textContent = "Pre-Work · urql + Graphcache";
mountSignIn(async (email, password) => {
  token = await signIn(settings, email, password);
  showSignedIn(email);
  log("signed in through Cognito (InitiateAuth)");
});
