// Test accounts of the published app (admin GraphQL), for "run as" and role assignment.
import { api, projectUrl } from './api.js';

export async function loadAccounts(slug) {
  const result = await api('POST', projectUrl(slug, '/graphql'), { query: 'query Accounts { account(order_by: {id: asc}, limit: 200) { id username } }' });
  if (result.errors && result.errors.length) throw new Error(result.errors.map((e) => e.message).join('; '));
  return result.data.account;
}

export function parseArg(type, text) {
  if (text === '') return null;
  if (type === 'bigint') return /^-?\d+$/.test(text) && Number.isSafeInteger(Number(text)) ? Number(text) : text;
  if (type === 'decimal') return Number.isFinite(Number(text)) ? Number(text) : text;
  if (type === 'boolean') return text === 'true';
  if (type === 'jsonb') { try { return JSON.parse(text); } catch { return text; } }
  return text;
}
