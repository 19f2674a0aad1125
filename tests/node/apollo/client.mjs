// Apollo Client against a live minimomen server: batch link + error link over HTTP,
// graphql-ws link for subscriptions. Prints one JSON object with what it saw.
// Usage: node client.mjs <http url> <ws url> <admin token>
import apollo from '@apollo/client/core/core.cjs';
import batch from '@apollo/client/link/batch-http/batch-http.cjs';
import errorLinks from '@apollo/client/link/error/error.cjs';
import subscriptions from '@apollo/client/link/subscriptions/subscriptions.cjs';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const { ApolloClient, InMemoryCache, gql, split, from } = apollo;
const { BatchHttpLink } = batch;
const { onError } = errorLinks;
const { GraphQLWsLink } = subscriptions;
const { getMainDefinition } = await import('@apollo/client/utilities/utilities.cjs').then((m) => m.default);

const [url, wsUrl, token] = process.argv.slice(2);
const seen = { requests: [], errorCodes: [] };

const countingFetch = async (input, init) => {
  const body = JSON.parse(init.body);
  seen.requests.push(Array.isArray(body) ? body.length : 1);
  return fetch(input, init);
};
const errorLink = onError(({ graphQLErrors }) => {
  for (const e of graphQLErrors || []) seen.errorCodes.push(e.extensions && e.extensions.code);
});
const http = new BatchHttpLink({ uri: url, headers: { authorization: `Bearer ${token}` }, batchMax: 10, batchInterval: 30, fetch: countingFetch });
const wsClient = createClient({ url: wsUrl, webSocketImpl: WebSocket, connectionParams: { headers: { Authorization: `Bearer ${token}` } } });
const link = split(
  ({ query }) => { const d = getMainDefinition(query); return d.kind === 'OperationDefinition' && d.operation === 'subscription'; },
  new GraphQLWsLink(wsClient),
  from([errorLink, http]),
);
const client = new ApolloClient({ link, cache: new InMemoryCache({ addTypename: false }) });

// 1. Two queries in the same tick: one HTTP request carrying a batch of two.
const [a, b] = await Promise.all([
  client.query({ query: gql`{ product(order_by: {id: asc}, limit: 2) { id product_name } }` }),
  client.query({ query: gql`query ($id: bigint!) { product_by_pk(id: $id) { stock } }`, variables: { id: 1 } }),
]);
seen.batched = { products: a.data.product, stock: b.data.product_by_pk.stock };

// 2. A subscription that sees the mutation's change.
const changes = [];
const gotChange = new Promise((resolve, reject) => {
  const sub = client.subscribe({ query: gql`subscription { product_by_pk(id: 1) { stock } }` }).subscribe({
    next: ({ data }) => { changes.push(data.product_by_pk.stock); if (changes.length === 2) { sub.unsubscribe(); resolve(); } },
    error: reject,
  });
});
await new Promise((r) => setTimeout(r, 500));
// 3. A mutation through the batch link.
const m = await client.mutate({ mutation: gql`mutation { update_product_by_pk(pk_columns: {id: 1}, _inc: {stock: 7}) { stock } }` });
seen.mutation = m.data.update_product_by_pk.stock;
await Promise.race([gotChange, new Promise((_, reject) => setTimeout(() => reject(new Error('no subscription change')), 15000))]);
seen.subscription = changes;

// 4. An error whose extensions.code the error link reads.
try {
  await client.query({ query: gql`{ product { id stok } }` });
  seen.errorRejected = false;
} catch (e) {
  seen.errorRejected = true;
  seen.errorMessage = e.message;
}
await wsClient.dispose();
console.log(JSON.stringify(seen));
