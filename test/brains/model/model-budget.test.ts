/**
 * The per-organisation model-call budget of text brains: counted in the database (shared by instances), a spent
 * budget answers with an apology and sends nothing to the provider, and one organisation's use leaves another's alone.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MODEL_BUDGET_REPLY, ModelBrain } from '../../../src/brains/model/model-brain.ts';
import { OpenAiModel } from '../../../src/brains/openai/openai-model.ts';
import { fixedClock } from '../../../src/core/time.ts';
import { HttpCrmGateway } from '../../../src/integrations/crm/http-crm-gateway.ts';
import type { Database } from '../../../src/store/database.ts';
import { modelCallLimiter, RateLimitRepository } from '../../../src/store/rate-limits.ts';
import { crmTools } from '../../../src/tools/crm-tools.ts';
import { FakeCrmServer } from '../../fakes/crm-server.ts';
import { FakeOpenAiServer } from '../../fakes/openai-server.ts';
import { createTestOrg, databaseTargets } from '../../helpers/db.ts';
import { Talk } from './driver.ts';

const NOW = new Date('2025-10-04T10:00:00+05:30');

for (const target of databaseTargets())
  describe(`model brain: per-organisation model-call budget (${target.name})`, () => {
    let database: Database;
    let crm: FakeCrmServer;
    let llm: FakeOpenAiServer;
    before(async () => {
      database = await target.open();
      crm = await FakeCrmServer.start();
      llm = await FakeOpenAiServer.start();
    });
    after(async () => {
      await llm.close();
      await crm.close();
      await database.close();
    });

    it('apologises without calling the provider once the budget is spent', async () => {
      const [a, b] = [await createTestOrg(database.db), await createTestOrg(database.db)];
      const brain = new ModelBrain({
        model: new OpenAiModel({ baseUrl: llm.url, model: 'test-model', maxRetries: 0 }),
        tools: crmTools(),
        allowModelCall: modelCallLimiter(
          new RateLimitRepository(database.db),
          { limit: 2, windowMs: 60_000 },
          fixedClock(NOW),
        ),
      });
      const gateway = new HttpCrmGateway({ baseUrl: crm.url });
      const first = new Talk(brain, gateway, NOW, { orgId: a.id });
      llm.script({ text: 'Hello! How can I help?' }, { text: 'Sure, what is the name?' });
      assert.equal((await first.say('hi')).reply, 'Hello! How can I help?');
      assert.equal((await first.say('add a lead')).reply, 'Sure, what is the name?');
      assert.equal(llm.requests.length, 2);

      const refused = await first.say('Rohan Sharma');
      assert.equal(refused.reply, MODEL_BUDGET_REPLY);
      assert.equal(refused.error?.type, 'PARSING_ERROR');
      assert.equal(llm.requests.length, 2, 'nothing reached the provider');

      const other = new Talk(brain, gateway, NOW, { orgId: b.id });
      llm.script({ text: 'Hello from the other side.' });
      assert.equal((await other.say('hi')).reply, 'Hello from the other side.');
      assert.equal(llm.requests.length, 3);
    });
  });
