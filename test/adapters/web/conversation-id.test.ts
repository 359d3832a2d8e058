import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { issueConversationId, isValidConversationId } from '../../../adapters/web/conversation-id.js';

describe('web conversation ids', () => {
  it('accepts an issued id on every message, and only under the secret that signed it', () => {
    const id = issueConversationId('secret-a');
    expect(isValidConversationId(id, 'secret-a')).toBe(true);
    expect(isValidConversationId(id, 'secret-a')).toBe(true);
    expect(isValidConversationId(id, 'secret-b')).toBe(false);
  });

  it('refuses made-up and tampered ids, also after their genuine neighbour was accepted', () => {
    const id = issueConversationId('secret-a');
    const [random, signature] = id.split('.') as [string, string];
    expect(isValidConversationId(id, 'secret-a')).toBe(true);
    const flipped = `${signature.slice(0, -1)}${signature.endsWith('A') ? 'B' : 'A'}`;
    expect(isValidConversationId(`${random}.${flipped}`, 'secret-a')).toBe(false);
    expect(isValidConversationId(`${random}x.${signature}`, 'secret-a')).toBe(false);
    expect(isValidConversationId(`${id}.extra`, 'secret-a')).toBe(false);
    expect(isValidConversationId('forged-id-that-is-long.enough', 'secret-a')).toBe(false);
    expect(isValidConversationId(random, 'secret-a')).toBe(false);
  });

  it('an id signed before a restart (not remembered by this process) is accepted by its signature', () => {
    const random = 'AAAAAAAAAAAAAAAAAAAAAA';
    const signature = createHmac('sha256', 'secret-c').update(`web-conversation:${random}`).digest('base64url').slice(0, 16);
    expect(isValidConversationId(`${random}.${signature}`, 'secret-c')).toBe(true);
    expect(isValidConversationId(`${random}.${signature}`, 'secret-d')).toBe(false);
  });
});
