/**
 * Everyday words that are never a person's name (nor part of one) in what users say to the agent: function words,
 * time words, the product's own nouns and verbs. Used to stop a name from running on ("Priya tomorrow at 3").
 */
const WORDS = `
a an the and or but nor so if then than that this these those there here where when what which who whom whose why how
i me my mine we us our ours you your yours he him his she her hers it its they them their theirs one ones
am is are was were be been being do does did done have has had having will would shall should can could may might must
to of in on at by for with from into onto about above below after before between during through under over up down
out off again further once all any both each few more most other some such no not only own same too very just now
also still even ever never always often sometimes soon later today tomorrow tonight yesterday morning afternoon evening
night noon midnight day days week weeks month months year years hour hours minute minutes second seconds time times
monday tuesday wednesday thursday friday saturday sunday weekend weekday
january february march april may june july august september october november december
jan feb mar apr jun jul aug sep sept oct nov dec
next last this coming previous following early late am pm ist
please thanks thank hi hello hey ok okay yes yeah yep no nope sure fine great good right alright
add create new lead leads update change set mark move status schedule book fix arrange plan reschedule cancel delete
remove drop meeting meetings call calls visit visits site appointment appointments event events demo review sync
standup catchup session interview discussion presentation workshop lunch dinner coffee
send sent message messages text email mail whatsapp telegram sms slack note notes notify tell ask remind saying says
said say reply forward share phone number mobile contact city source from via through lives living based located
won lost follow progress interested booked converted closed dead open active pending
want wants wanted need needs needed like likes would let lets get got give make made go going come coming see meet
know think take look find put keep help show try call called name named is
him her them someone somebody everyone everybody anyone nobody client customer buyer prospect person people team
sir madam mam maam ji bhai boss guys
unit flat plot villa apartment bhk budget lakh crore rupees property project tower
about regarding re for around approx approximately maybe probably
`;

export const STOPWORDS: ReadonlySet<string> = new Set(WORDS.split(/\s+/).filter(Boolean));
