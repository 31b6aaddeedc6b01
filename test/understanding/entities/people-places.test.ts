import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { extractCity, extractSource, findPersons } from '../../../src/understanding/entities/index.ts';
import { normaliseSpoken } from '../../../src/understanding/normalise/index.ts';

const names = (text: string) => findPersons(normaliseSpoken(text)).map((p) => p.name);

describe('findPersons', () => {
  it('finds capitalised names in written text', () => {
    assert.deepEqual(names('Add a new lead Rohan Sharma from Pune'), ['Rohan Sharma']);
    assert.deepEqual(names('Schedule a call with Meenakshi Iyer tomorrow'), ['Meenakshi Iyer']);
    assert.deepEqual(names('Priya needs a follow up'), ['Priya']);
    assert.deepEqual(names('Book a meeting with Tanvir and Okonkwo'), ['Tanvir', 'Okonkwo']);
  });

  it('finds known first names and surnames in lowercase speech', () => {
    assert.deepEqual(names('add a lead rohan sharma from pune'), ['Rohan Sharma']);
    assert.deepEqual(names('meeting with priya and rahul tomorrow'), ['Priya', 'Rahul']);
    assert.deepEqual(names('lunch with mike jim and bob'), ['Mike', 'Jim', 'Bob']);
  });

  it('takes unknown lowercase words as names only after a cue', () => {
    assert.deepEqual(names('my name is kowshik reddy'), ['Kowshik Reddy']);
    assert.deepEqual(names('new lead named tejasvi from nashik'), ['Tejasvi']);
    assert.deepEqual(names('send an email to marissa'), ['Marissa']);
    assert.deepEqual(names("reply to greg's email"), ['Greg']);
    assert.deepEqual(names('email mark about the site'), ['Mark']);
    assert.deepEqual(names('mark her as won'), []);
    assert.deepEqual(names('send an email to remind the team'), []);
    assert.deepEqual(names('check my email account'), []);
    assert.deepEqual(names("i'm free on friday"), []);
  });

  it('never takes cities, sources, weekdays or emails for people', () => {
    assert.deepEqual(names('lead from Instagram in Mumbai on Monday'), []);
    assert.deepEqual(names('meeting in Bengaluru'), []);
  });
});

describe('extractCity', () => {
  const cities: Array<[string, string]> = [
    ['Rohan from Pune', 'Pune'],
    ['he lives in bangalore', 'Bangalore'],
    ['he lives in banglore', 'Bengaluru'],
    ['client based in Gurgaon', 'Gurgaon'],
    ['client based in gurugram', 'Gurugram'],
    ['new lead from bombay', 'Bombay'],
    ['new lead from mumbay', 'Mumbai'],
    ['she is in new delhi', 'New Delhi'],
    ['from navi mumbai', 'Navi Mumbai'],
    ['site visit in vizag', 'Vizag'],
    ['a lead from Kottarakkara', 'Kottarakkara'],
    ['city is Thrissur', 'Thrissur'],
    ['from anand', 'Anand'],
  ];
  for (const [text, city] of cities) it(`${text} → ${city}`, () => assert.equal(extractCity(text), city));

  it('needs a cue for generic words and unknown places', () => {
    assert.equal(extractCity('anand called today'), undefined);
    assert.equal(extractCity('a lead from Instagram'), undefined);
    assert.equal(extractCity('meeting in January'), undefined);
    assert.equal(extractCity('i am in progress'), undefined);
  });
});

describe('extractSource', () => {
  const sources: Array<[string, string, Parameters<typeof extractSource>[1]?]> = [
    ['source Instagram', 'Instagram'],
    ['came from a referral', 'Referral', 'LEAD_CREATE'],
    ['via facebook', 'Facebook'],
    ['got this lead on justdial', 'JustDial'],
    ['lead from magic bricks', 'MagicBricks'],
    ['he saw us on 99 acres', '99acres'],
    ['from housing dot com', 'Housing.com'],
    ['a walk-in customer', 'Walk-in', 'LEAD_CREATE'],
    ['from our website', 'Website'],
    ['source is whatsapp', 'WhatsApp'],
    ['found us through google ads', 'Google Ads'],
    ['saw the ad in the newspaper', 'Newspaper', 'LEAD_CREATE'],
    ['linkedin lead', 'LinkedIn'],
  ];
  for (const [text, source, intent] of sources) {
    it(`${text} → ${source}`, () => assert.equal(extractSource(normaliseSpoken(text), intent), source));
  }

  it('does not take everyday words or messages for a source', () => {
    assert.equal(extractSource('send him a whatsapp', 'MESSAGE_SEND'), undefined);
    assert.equal(extractSource('check the website later'), undefined);
    assert.equal(extractSource('instagram meeting', 'MEETING_SCHEDULE'), undefined);
  });
});
