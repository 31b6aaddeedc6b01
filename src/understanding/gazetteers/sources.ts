/**
 * Where leads come from, with what people say for each (lowercase, spaces between words). `strong` sources are
 * named only as sources; the others (WhatsApp, website, Google, newspaper…) are everyday words and count as a source
 * only with a cue ("source", "came from", "via") or in a lead intent.
 */
export interface LeadSource {
  name: string;
  aliases: readonly string[];
  strong: boolean;
}

export const LEAD_SOURCES: readonly LeadSource[] = [
  { name: 'Instagram', aliases: ['instagram', 'insta', 'ig', 'instagram ad', 'instagram ads'], strong: true },
  { name: 'Facebook', aliases: ['facebook', 'fb', 'facebook ad', 'facebook ads', 'meta ads'], strong: true },
  {
    name: 'Google Ads',
    aliases: ['google ads', 'google ad', 'adwords', 'google adwords', 'google search ad'],
    strong: true,
  },
  { name: 'JustDial', aliases: ['justdial', 'just dial', 'jd'], strong: true },
  { name: 'MagicBricks', aliases: ['magicbricks', 'magic bricks', 'magicbrick'], strong: true },
  { name: '99acres', aliases: ['99acres', '99 acres', 'ninety nine acres'], strong: true },
  { name: 'Housing.com', aliases: ['housing.com', 'housing dot com', 'housing com'], strong: true },
  { name: 'NoBroker', aliases: ['nobroker', 'no broker'], strong: true },
  { name: 'Sulekha', aliases: ['sulekha'], strong: true },
  { name: 'CommonFloor', aliases: ['commonfloor', 'common floor'], strong: true },
  { name: 'LinkedIn', aliases: ['linkedin'], strong: true },
  { name: 'YouTube', aliases: ['youtube'], strong: true },
  {
    name: 'Referral',
    aliases: [
      'referral',
      'referrals',
      'referred',
      'reference',
      'word of mouth',
      'a friend',
      'friend referral',
    ],
    strong: false,
  },
  {
    name: 'Walk-in',
    aliases: ['walk in', 'walk-in', 'walkin', 'walked in', 'walk ins', 'site walk in'],
    strong: false,
  },
  {
    name: 'Website',
    aliases: [
      'website',
      'web site',
      'our website',
      'the website',
      'web',
      'online',
      'site',
      'landing page',
      'web form',
    ],
    strong: false,
  },
  { name: 'Google', aliases: ['google', 'google search'], strong: false },
  { name: 'WhatsApp', aliases: ['whatsapp'], strong: false },
  {
    name: 'Newspaper',
    aliases: [
      'newspaper',
      'news paper',
      'paper ad',
      'newspaper ad',
      'times of india',
      'hindustan times',
      'print ad',
    ],
    strong: false,
  },
  { name: 'Hoarding', aliases: ['hoarding', 'billboard', 'banner'], strong: false },
  { name: 'Twitter', aliases: ['twitter', 'tweet'], strong: false },
  { name: 'Email', aliases: ['email campaign', 'email', 'mailer', 'newsletter'], strong: false },
  { name: 'SMS', aliases: ['sms campaign', 'sms'], strong: false },
  { name: 'Cold Call', aliases: ['cold call', 'cold calling', 'telecalling', 'tele calling'], strong: false },
  {
    name: 'Exhibition',
    aliases: ['exhibition', 'expo', 'property expo', 'property fair', 'trade show', 'event'],
    strong: false,
  },
  { name: 'Broker', aliases: ['broker', 'channel partner', 'agent', 'cp'], strong: false },
  { name: 'TV', aliases: ['tv', 'television', 'tv ad'], strong: false },
  { name: 'Radio', aliases: ['radio', 'fm'], strong: false },
];
