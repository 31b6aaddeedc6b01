/**
 * The ~200 largest Indian cities, written by hand, with the other names people say for them (old names, common
 * spellings, recogniser spellings). Each line is `Canonical Name|alias|alias`. An alias is a name people really use
 * (Gurgaon, Bangalore, Vizag) and is kept as the person said it: it is their lead's data, and both names are
 * right. An alias marked `~` is a misspelling, recogniser slip or abbreviation and is corrected to the canonical name.
 */
const CITY_LINES = `
Mumbai|bombay|~mumbay|~greater mumbai
Delhi|dilli|~delhi ncr
New Delhi
Bengaluru|bangalore|~banglore|~bangaluru|~bengalore|~blr
Hyderabad|~hyderbad|~hydrabad|~hyderabad city
Ahmedabad|~ahmadabad|amdavad
Chennai|madras
Kolkata|calcutta
Surat
Pune|poona
Jaipur
Lucknow
Kanpur|cawnpore
Nagpur
Indore
Thane
Bhopal
Visakhapatnam|vizag|vishakhapatnam|~visakapatnam
Pimpri-Chinchwad|pimpri chinchwad|pimpri|chinchwad
Patna
Vadodara|baroda
Ghaziabad
Ludhiana
Agra
Nashik|nasik
Faridabad
Meerut
Rajkot
Kalyan-Dombivli|kalyan dombivli|~kalyan dombivali|kalyan|dombivli
Vasai-Virar|vasai virar|vasai|virar
Varanasi|banaras|benares|kashi
Srinagar
Aurangabad|chhatrapati sambhajinagar|sambhajinagar
Dhanbad
Amritsar
Navi Mumbai|new bombay
Prayagraj|allahabad
Ranchi
Howrah
Coimbatore|kovai
Jabalpur
Gwalior
Vijayawada|bezawada
Jodhpur
Madurai
Raipur
Kota
Guwahati|gauhati
Chandigarh
Solapur|sholapur
Hubballi-Dharwad|hubli|hubballi|dharwad|hubli dharwad
Bareilly
Moradabad
Mysuru|mysore
Gurugram|gurgaon
Aligarh
Jalandhar|jullundur
Tiruchirappalli|trichy|tiruchi
Bhubaneswar|~bhubaneshwar
Salem
Mira-Bhayandar|mira bhayandar|mira road|bhayandar
Thiruvananthapuram|trivandrum
Bhiwandi
Saharanpur
Gorakhpur
Guntur
Bikaner
Amravati
Noida|greater noida
Jamshedpur|tatanagar
Bhilai|~bhilai nagar
Cuttack
Firozabad
Kochi|cochin|ernakulam
Bhavnagar
Dehradun|dehra dun
Durgapur
Asansol
Nanded|~nanded waghala
Kolhapur
Ajmer
Gulbarga|kalaburagi
Jamnagar
Ujjain
Loni
Siliguri
Jhansi
Ulhasnagar
Nellore
Jammu
Sangli
Belagavi|belgaum
Mangaluru|mangalore
Ambattur
Tirunelveli
Malegaon
Gaya
Jalgaon
Udaipur
Maheshtala
Tiruppur|tirupur
Davanagere|davangere
Kozhikode|calicut
Akola
Kurnool
Rajpur Sonarpur
Bokaro|~bokaro steel city
South Dumdum|dum dum|dumdum
Bellary|ballari
Patiala
Gopalpur
Agartala
Bhagalpur
Muzaffarnagar
Bhatpara
Panihati
Latur
Dhule
Rohtak
Korba
Bhilwara
Brahmapur|berhampur
Muzaffarpur
Ahmednagar|ahilyanagar
Mathura
Kollam|quilon
Avadi
Kadapa|cuddapah
Rajahmundry|rajamahendravaram
Bilaspur
Kamarhati
Shahjahanpur
Bijapur|vijayapura
Rampur
Shivamogga|shimoga
Chandrapur
Junagadh
Thrissur|trichur
Alwar
Bardhaman|burdwan
Kulti
Kakinada
Nizamabad
Parbhani
Tumakuru|tumkur
Hisar|hissar
Ozhukarai
Bihar Sharif
Panipat
Darbhanga
Bally
Aizawl
Dewas
Ichalkaranji
Tirupati
Karnal
Bathinda|bhatinda
Jalna
Barasat
Kirari Suleman Nagar
Purnia
Satna
Mau
Sonipat|sonepat
Farrukhabad
Sagar
Rourkela|~raurkela
Durg
Imphal
Ratlam
Hapur
Anantapur|anantapuram
Arrah
Karimnagar
Etawah
Ambernath
North Dumdum
Bharatpur
Begusarai
Gandhidham
Baranagar
Tiruvottiyur
Puducherry|pondicherry|pondy
Sikar
Thoothukudi|tuticorin
Rewa
Mirzapur
Raichur
Pali
Ramagundam
Haridwar|hardwar
Vijayanagaram|vizianagaram
Katihar
Nagercoil
Sri Ganganagar|ganganagar
Karawal Nagar
Mango
Thanjavur|tanjore
Bulandshahr
Uluberia
Murwara|katni|~murwara (katni)
Sambhal
Singrauli
Nadiad
Secunderabad
Naihati
Yamunanagar|yamuna nagar
Bidhannagar|salt lake|salt lake city
Pallavaram
Bidar
Munger
Panchkula
Burhanpur
Kharagpur
Dindigul
Gandhinagar
Hospet|hosapete
Nangloi Jat
Malda|english bazar
Ongole
Deoghar
Chapra|chhapra
Haldia
Khandwa
Nandyal
Morena
Amroha
Anand
Bhind
Bhalswa Jahangir Pur
Madhyamgram
Bhiwani
Berhampore|baharampur
Ambala
Morbi|morvi
Fatehpur
Raebareli|rae bareli
Khora
Chittoor
Bhusawal
Orai
Bahraich
Phusro
Vellore
Mehsana|mahesana
Raiganj
Sirsa
Danapur
Serampore|srirampur
Sultan Pur Majra
Guna
Jaunpur
Panvel
Shillong
Tenali
Khammam
Gangtok
Shimla|simla
Manali
Ooty|udhagamandalam|udagamandalam
Panaji|panjim
Goa
Margao|madgaon
Vasco da Gama|vasco
Lonavala|lonavla
Alibag|alibaug
Kottayam
Palakkad|palghat
Kannur|cannanore
Hosur
Erode
Karur
Nashik Road
Zirakpur
Mohali|sas nagar
Kharar
Bhiwadi
Neemrana
Sohna
Rewari
Dwarka
Warangal|hanamkonda
Eluru
Porbandar
Silchar
Sambalpur
Alappuzha|alleppey
Bharuch
Pathankot
Hoshiarpur
Vapi
Navsari
Haldwani|haldwani kathgodam|haldwani cum kathgodam
Bhuj
Dibrugarh
Moga
Hajipur
Kolar
Mandya
Tiruvannamalai
Unnao
Sitapur
Bahadurgarh
Jind
Machilipatnam
Jalpaiguri
Vidisha
Hazaribagh|hazaribag
Rajnandgaon
Godhra
Kanchipuram|kancheepuram
Chengalpattu
Sriperumbudur
`;

/** Skipped: names too generic to take for a city in running speech. */
const TOO_GENERIC = new Set([
  'mango',
  'anand',
  'pali',
  'sagar',
  'mau',
  'bally',
  'loni',
  'khora',
  'guna',
  'orai',
  'gaya',
  'kashi',
  'salem',
  'anand',
  'goa',
]);

function build(): { aliases: Map<string, string>; canonical: string[]; slips: Set<string> } {
  const aliases = new Map<string, string>();
  const slips = new Set<string>();
  const canonical: string[] = [];
  for (const line of CITY_LINES.split('\n')) {
    const parts = line
      .split('|')
      .map((p) => p.trim())
      .filter(Boolean);
    const name = parts[0];
    if (!name) continue;
    canonical.push(name);
    for (const raw of [name, ...parts.slice(1)]) {
      const alias = raw.replace(/^~/, '');
      const key = alias.toLowerCase().replace(/-/g, ' ');
      if (raw.startsWith('~')) slips.add(key);
      if (TOO_GENERIC.has(key)) continue;
      if (!aliases.has(key)) aliases.set(key, name);
    }
  }
  return { aliases, canonical, slips };
}

const built = build();

/** Lowercase alias (hyphens as spaces) → canonical city name. */
export const CITY_ALIASES: ReadonlyMap<string, string> = built.aliases;

/** Lowercase aliases that are misspellings or slips: corrected to the canonical name, never kept as said. */
export const CITY_SLIPS: ReadonlySet<string> = built.slips;

/** Every canonical city name. */
export const CITIES: readonly string[] = built.canonical;

/** Names in TOO_GENERIC are still cities when a cue says so ("from Anand", "in Sagar"). */
export function cityByName(lowerName: string): string | undefined {
  const key = lowerName.replace(/-/g, ' ');
  const hit = CITY_ALIASES.get(key);
  if (hit) return hit;
  if (TOO_GENERIC.has(key)) return built.canonical.find((c) => c.toLowerCase() === key);
  return undefined;
}
