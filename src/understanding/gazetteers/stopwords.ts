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
as than via per vs etc also either neither whether while because though although until unless
every since unread recent latest new old account activity alerts alert click turn id sender inbox
alexa olly siri cortana google hey
`;

export const STOPWORDS: ReadonlySet<string> = new Set(WORDS.split(/\s+/).filter(Boolean));

/**
 * Words that follow "with", "tell", "email … to" and the like without being a person: roles, groups, places and
 * things, and the verbs that follow "to". A lowercase word after such a cue is taken for a name only if it is not one
 * of these (nor a stopword).
 */
const NOT_NAMES = `
team teams everyone everybody all client clients customer customers manager managers boss sales marketing support
hr finance accounts admin family friends friend mom mum dad mother father wife husband brother sister son daughter
kids children parents doctor dentist lawyer colleague colleagues staff group board vendor vendors partner partners
investor investors candidate candidates interviewer landlord tenant agent broker builder owner buyer seller
developer contractor neighbour neighbor company office bank school college university hospital clinic video zoom
google gmail skype outlook calendar details info information updates report reports file files documents document
photos photo pictures link links address location reminder invite invitation subject regards inbox spam contacts
contact list lists everything anything something nothing someone home work dinner lunch breakfast party birthday
remind confirm ask inform check discuss talk let share schedule cancel reschedule visit finalize finalise pick
bring buy pay reply respond write read open close start stop join attend invite keep tell show find delete
today tomorrow tonight yesterday now later soon me myself yourself himself herself themselves ourselves
coworker coworkers bro sis guy guys ebay amazon comcast brunch cookies visa service services
`;

export const NOT_NAMES_AFTER_CUE: ReadonlySet<string> = new Set(NOT_NAMES.split(/\s+/).filter(Boolean));
