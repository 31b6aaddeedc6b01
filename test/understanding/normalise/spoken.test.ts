import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normaliseSpoken, parseCardinal } from '../../../src/understanding/normalise/index.ts';

describe('normaliseSpoken: numbers said as words', () => {
  const cases: Array<[string, string]> = [
    ['my number is nine eight seven six five four three two one zero', 'my number is 9876543210'],
    ['ninety eight seventy six five four three two one zero', '9876543210'],
    ['nine eight double seven six triple five oh one', '9877655501'],
    ['oh nine eight four', '0984'],
    ['twenty twenty five', '2025'],
    ['two hundred and fifty rupees', '250 rupees'],
    ['budget is one lakh twenty thousand', 'budget is 120000'],
    ['a hundred people', '100 people'],
    ['for one hour', 'for 1 hour'],
    ['twenty-five minutes', '25 minutes'],
  ];
  for (const [spoken, written] of cases) {
    it(`${spoken} → ${written}`, () => assert.equal(normaliseSpoken(spoken), written));
  }

  it('reads two number words next to a time cue as a clock time', () => {
    assert.equal(normaliseSpoken('meet tomorrow at three thirty pm'), 'meet tomorrow at 3:30 pm');
    assert.equal(normaliseSpoken('at nine oh five'), 'at 9:05');
    assert.equal(normaliseSpoken('call me at eleven fifteen tomorrow'), 'call me at 11:15 tomorrow');
    assert.equal(normaliseSpoken('it is seven thirty'), 'it is 7:30');
  });

  it('keeps a label number as a number, not a time', () => {
    assert.equal(normaliseSpoken('flat number five twenty'), 'flat number 520');
  });

  it('joins "a m" / "p m" after a number only', () => {
    assert.equal(normaliseSpoken('ten a m tomorrow'), '10 am tomorrow');
    assert.equal(normaliseSpoken('four p m'), '4 pm');
    assert.equal(normaliseSpoken('a m g road'), 'a m g road');
  });

  it('writes ordinals of a date as 25th, but leaves other ordinals alone', () => {
    assert.equal(normaliseSpoken('on the twenty fifth of october'), 'on the 25th of october');
    assert.equal(normaliseSpoken('fifth of october at ten'), '5th of october at 10');
    assert.equal(normaliseSpoken('sept third'), 'sept 3rd');
    assert.equal(normaliseSpoken('on the fifth at noon'), 'on the 5th at noon');
    assert.equal(normaliseSpoken('the first meeting went well'), 'the first meeting went well');
    assert.equal(normaliseSpoken('my second visit'), 'my second visit');
  });

  it('leaves the pronoun "one" alone', () => {
    assert.equal(normaliseSpoken('the one with priya'), 'the one with priya');
  });
});

describe('normaliseSpoken: fillers, slips and e-mail addresses', () => {
  it('drops fillers, and "like" only where it is a filler', () => {
    assert.equal(normaliseSpoken('uh my number is um like nine eight'), 'my number is 98');
    assert.equal(normaliseSpoken('I would like to book a visit'), 'I would like to book a visit');
    assert.equal(normaliseSpoken("i'd like two flats"), "i'd like 2 flats");
  });

  it('fixes common recognition slips', () => {
    assert.equal(normaliseSpoken('call him to morrow'), 'call him tomorrow');
    assert.equal(normaliseSpoken("send a what's app to priya"), 'send a whatsapp to priya');
    assert.equal(normaliseSpoken('came from face book'), 'came from facebook');
    assert.equal(normaliseSpoken('three o clock'), "3 o'clock");
  });

  it('joins spoken e-mail addresses', () => {
    assert.equal(normaliseSpoken('email john dot sharma at gmail dot com'), 'email john.sharma@gmail.com');
    assert.equal(normaliseSpoken('it is priya at the rate yahoo dot co dot in'), 'it is priya@yahoo.co.in');
    assert.equal(normaliseSpoken('write to jack@gmail dot com'), 'write to jack@gmail.com');
    assert.equal(normaliseSpoken('mail rahul one two three at yahoo dot com'), 'mail rahul123@yahoo.com');
    assert.equal(normaliseSpoken('priya dot k nine at gmail dot com'), 'priya.k9@gmail.com');
    assert.equal(normaliseSpoken('meet me at the office'), 'meet me at the office');
  });

  it('passes written text through with its case and punctuation', () => {
    const written = 'Add Rohan Sharma, phone +91 98765 43210, from Pune.';
    assert.equal(normaliseSpoken(written), written);
  });
});

describe('parseCardinal', () => {
  it('reads numbers with scale words and refuses word salad', () => {
    assert.equal(parseCardinal(['three', 'thousand', 'four', 'hundred', 'and', 'two']), 3402);
    assert.equal(parseCardinal(['two', 'crore']), 20_000_000);
    assert.equal(parseCardinal(['five', 'five']), null);
  });
});
