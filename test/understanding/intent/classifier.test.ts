import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Intent } from '../../../src/core/understanding.ts';
import { createIntentClassifier } from '../../../src/understanding/intent/classifier.ts';
import { loadIntentModel } from '../../../src/understanding/intent/model.ts';

const classifier = createIntentClassifier(loadIntentModel());

function expectIntent(intent: Intent, utterances: readonly string[]) {
  for (const text of utterances) {
    const got = classifier.classify(text);
    assert.equal(got.intent, intent, `${JSON.stringify(text)} → ${got.intent} (${got.confidence})`);
    assert.ok(got.confidence >= 0 && got.confidence <= 1, `confidence in [0,1] for ${text}`);
  }
}

describe('intent classifier', () => {
  it('recognises lead creation, written and spoken', () => {
    expectIntent('LEAD_CREATE', [
      'Add a new lead: Rohan Sharma from Gurgaon, phone 9876543210, source Instagram',
      'create a lead for Sneha Iyer from Chennai, number 98400 12345',
      'add new lead priya nair from kochi phone nine eight seven six five four three two one zero',
    ]);
  });

  it('recognises site visits, including property tours', () => {
    expectIntent('VISIT_SCHEDULE', [
      'Schedule a visit for lead a1b2c3d4-e5f6-7890-abcd-ef1234567890 at 2025-10-05T15:00:00+05:30',
      'book a site visit for Rohan on Saturday at 11 am',
      'I would like to see the apartment on the 9th',
    ]);
  });

  it('recognises lead updates', () => {
    expectIntent('LEAD_UPDATE', [
      'Update lead a1b2c3d4 to WON with notes: booked unit A2',
      'Update lead a1b2c3d4-e5f6-7890-abcd-ef1234567890 to in progress',
      'mark Rohan as lost, he went with another builder',
    ]);
  });

  it('recognises the meeting seed commands', () => {
    expectIntent('MEETING_SCHEDULE', [
      'Schedule a team meeting for tomorrow at 10 AM',
      'remind me to call the bank on friday at 4',
      'put lunch with Kavya on my calendar next Tuesday',
    ]);
    expectIntent('MEETING_QUERY', ['What meetings do I have next week?', 'am I free tomorrow afternoon']);
    expectIntent('MEETING_RESCHEDULE', [
      'Reschedule my 2 PM meeting to 3 PM',
      'push the standup by 30 minutes',
    ]);
    expectIntent('MEETING_CANCEL', [
      'Cancel all meetings on September 20th',
      'delete my dentist appointment',
    ]);
    expectIntent('MESSAGE_SEND', [
      'Email me the meeting notes to john@example.com',
      'send a whatsapp to Priya saying I will be late',
    ]);
  });

  it('answers UNKNOWN for requests outside Rooman', () => {
    expectIntent('UNKNOWN', [
      'what is the weather in Delhi tomorrow',
      'play some arijit singh songs',
      'tell me a joke',
      'how do I make paneer butter masala',
      'turn off the bedroom lights',
      'what is my bank balance',
      'set an alarm for 6 am',
      'who won the cricket match yesterday',
    ]);
  });

  it('tells managing a reminder apart from setting one', () => {
    expectIntent('MEETING_QUERY', [
      'show me the reminder to pay rent',
      'which reminders do i have for the housewarming',
    ]);
    expectIntent('MEETING_RESCHEDULE', ['move my gym session reminder to friday']);
    expectIntent('MEETING_CANCEL', ['stop reminding me to water the plants']);
    expectIntent('MEETING_SCHEDULE', ['remind me to send an email to Kiran after 4 pm']);
  });

  it('keeps a message about a meeting a message, in English and Hinglish', () => {
    expectIntent('MESSAGE_SEND', [
      'tell Neha that the review has been moved to Monday',
      'Rahul ko bolo ki standup cancel ho gaya hai',
      'message, Arjun, I will be late',
    ]);
  });

  it('answers UNKNOWN for current affairs and facts about public figures', () => {
    expectIntent('UNKNOWN', ['when did Isaac Newton die', 'what is happening with inflation right now']);
  });

  it('recognises bare dialogue acts', () => {
    expectIntent('CONFIRM', ['yes', 'Yeah.', 'sure', 'correct', 'go ahead', 'haan ji']);
    expectIntent('DENY', ['no', 'nope', 'cancel that', "don't"]);
    expectIntent('GREETING', ['hi', 'Hello!', 'namaste']);
    expectIntent('GOODBYE', ['bye', "thanks, that's all"]);
    expectIntent('HELP', ['help', 'what can you do?']);
  });

  it('does not take a request that starts with an acknowledgement for a bare act', () => {
    expectIntent('MEETING_SCHEDULE', ['yes, and add a call with Amit tomorrow at 5 pm to my calendar']);
    expectIntent('VISIT_SCHEDULE', ['sounds good, can you schedule a visit to the flat on Sunday?']);
  });

  it('calls an empty utterance UNKNOWN', () => {
    assert.deepEqual(classifier.classify('   '), { intent: 'UNKNOWN', confidence: 1 });
  });
});
