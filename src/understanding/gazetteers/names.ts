/**
 * Common first names and surnames, Indian and English, written by hand for recognising people in lowercase
 * speech-recogniser output (where capitalisation cannot tell a name from a word). Lowercase, deduplicated at load.
 * Words that are also everyday English (e.g. "will", "bill", "mark", "may", "hope", "joy") are left out on purpose:
 * in lowercase text they would be taken for names far more often than they are names.
 */

const INDIAN_FIRST_MALE = `
aarav aadi aadit aaditya aakash aamir abhay abhijit abhinav abhishek aditya ajay ajit akash akhil akshay alok aman
amar amit amitabh amol anand anil anirudh ankit ankur anmol anshul anuj anupam anurag arjun arnav arun arvind ashish
ashok ashwin atul ayaan ayush balaji bharat bhaskar chetan chirag deepak dev devansh dhananjay dhruv dilip dinesh
gaurav girish gopal govind hari harish harsh harshad hemant hitesh imran irfan ishaan jagdish jai jatin jay jayant
jitendra kabir kailash kamal karan karthik kartik kishore krishna kunal lakshman lalit madhav mahesh manish manoj
mayank mihir mohan mohit mukesh murali nachiket naman naresh naveen navin neeraj nikhil nilesh nirav nishant nitin
omkar pankaj paras parth pawan pradeep prakash pranav prasad prashant prateek pratik praveen prem priyank pulkit
rahul raj rajat rajeev rajendra rajesh rajiv rakesh ram ramesh ranjit ravi rishabh rishi ritesh rohan rohit sachin
sahil sai salman samar sameer sandeep sanjay sanjeev santosh sarthak satish saurabh shankar shashank shekhar shiv
shivam shreyas shubham siddharth sidharth sohan sudhir suhas sumit sunil suraj suresh surya sushil swapnil tarun
tushar uday umesh utkarsh varun vedant venkat vijay vikas vikram vinay vineet vinod vipin vipul virat vishal vivek
yash yashwant yogesh yuvraj zubair faisal farhan arif asif aslam javed junaid rizwan sameer shahid tariq wasim
gurpreet harpreet jaspreet manpreet harjeet hardeep jasbir kuldeep mandeep navdeep paramjit ranjeet sukhwinder
baldev balwinder inderjit kartar lakhan murugan senthil karthikeyan saravanan arumugam ganesh subramaniam
venkatesh srinivas srinivasan raghav raghu ramana anbu prabhu vignesh dinakar nagaraj manjunath basavaraj
shivakumar sreenivas anoop ajith biju jijo shaji sajan tomy rajan sujith vineeth arjunan pradyumna
soham tanmay vihaan reyansh atharv advait ayaan krish shaurya aryan rudra veer dhruv ishan neil nakul sahdev
`;

const INDIAN_FIRST_FEMALE = `
aadhya aarti aarushi aditi aishwarya akanksha alia alka amrita ananya anjali anita anjana ankita anu anushka anusha
aparna archana arpita arti asha ashwini bhavana bhavna chandni charu chitra deepa deepika deepti devika diksha disha
divya durga ekta gauri gayatri geeta geetha gita hema hemlata ila indira isha ishita jaya jyoti kajal kalpana kamala
kanika kavita kavya khushi kiran komal kriti lakshmi lata leela madhu madhuri mahima manisha manju maya meena meera
megha mehak minal mitali monika mridula nandini neha nidhi nikita nisha nithya pallavi pooja poonam prachi pragya
pratibha preeti prerna priya priyanka puja radha radhika rashmi rekha renu revathi richa ritu riya roshni ruchi
rupali sadhana sakshi sangeeta sanjana sapna sarita savita seema shalini shanti sharmila shilpa shraddha shreya
shruti shweta simran sita smita sneha snehal sonal sonali sonam srishti suchitra sudha sujata sunita supriya
surekha sushma swati tanvi tanya trisha tulsi uma urmila vaishali vandana varsha vidya vinita yamini zoya fatima
ayesha nazia rukhsar sana shabana shabnam farah heena parveen rubina salma zainab harleen jasleen navneet gurleen
simranjeet kamaljeet lavanya keerthi padma revati saranya sowmya shobha vasanthi malini kalyani bindu reshma
saritha suma anagha aswathi athira parvati saanvi myra kiara anvi navya pari prisha ira aadya vanya tara nupur
`;

const ENGLISH_FIRST = `
james john robert michael william david richard joseph thomas charles christopher daniel matthew anthony donald
steven paul andrew joshua kenneth kevin brian george edward ronald timothy jason jeffrey ryan jacob gary nicholas
eric jonathan stephen larry justin scott brandon benjamin samuel gregory alexander raymond patrick jack
dennis jerry tyler aaron henry adam douglas nathan peter zachary kyle walter harold jeremy ethan carl keith roger
gerald christian terry sean arthur austin noah lawrence jesse joe bryan billy jordan albert dylan bruce willie
gabriel alan juan logan wayne ralph roy eugene louis russell vincent philip bobby johnny liam oliver lucas mason
elijah aiden owen leo oscar harry charlie freddie alfie theo archie arlo tom tim ben sam dan dave mike steve
chris nick alex tony ted fred ian neil colin graham stuart simon martin nigel gordon trevor derek howard
mary patricia jennifer linda elizabeth barbara susan jessica sarah karen nancy lisa betty margaret sandra ashley
kimberly emily donna michelle dorothy carol amanda melissa deborah stephanie rebecca sharon laura cynthia kathleen
amy shirley angela helen anna brenda pamela nicole emma samantha katherine christine debra rachel catherine
carolyn janet ruth maria heather diane virginia julie joyce victoria olivia kelly christina lauren joan evelyn
judith megan cheryl andrea hannah martha jacqueline frances gloria ann teresa kathryn sara janice jean alice
madison doris abigail julia judy denise marilyn beverly danielle theresa sophia marie diana brittany
natalie isabella charlotte alexis kayla ava mia amelia ella chloe zoe nora lucy sophie 
jenny kate katie jane claire fiona emma lucy molly ellie freya isla esther naomi eva clara
`;

const MORE_ENGLISH_FIRST = `
bob bobby jim jimmy jo joe joey al ed eddie ted teddy casey sally greg bert dan danny evan allen allan chelsea
marissa emilia cindy kim sue pat ron ronnie don ken kenny len lenny tony rick ricky rob robbie mick nicky
matt matty andy drew jake josh zach nate ben benny alex sam sammy max tom tommy harvey jerome leon marcus
nathaniel vincent victor wesley travis troy shane shawn derek dean luke liam mason owen caleb connor cody
hunter ian jared jeff jesse joel jon jordan julian kyle lance leo logan marco mario miles neil noel oscar
otto phil quinn rex roy russell seth simon spencer stan steve stuart terry tim todd trent tyler vince wade
wayne abby addison alicia allison alyssa amelia angie ann annie april ava becky beth bella bianca
bonnie brenda brooke cara carla carmen caroline cassie cathy cecilia charlie claudia colleen courtney crystal
daisy dana darlene debbie delia diana dolly donna dora edith elaine eleanor elena eliza ella ellen elsa emma
erica erin esther eva eve evelyn fiona flora gabby gail gemma georgia gina gwen hailey hannah harriet hazel
heidi helena holly ingrid irene iris isabel ivy jackie jade jan jana jasmine jean jenna jess jill joan
jodie josie judy julia julie june karen kate kathy katie kay kayla kelly kristen lana laura lauren leah
lena lily linda lisa liz lizzie lola lorraine louise lucia lucy luna lydia mabel maddie madison maggie mandy
marcia margo maria marie marilyn marina martha mary maureen megan meg melanie melissa mia michelle milly
miranda molly monica nadia nancy naomi natalie nell nicole nina nora olive olivia paige pam paula peggy
penny phoebe piper polly priscilla rachel rebecca regina rita robin rosie ruby sadie sandra sara sasha
selena serena shannon sheila shelby shirley sienna sofia sonia stella steph stephanie susie suzanne tamara
tammy tanya tessa tina tracy trudy ursula valerie vanessa vera veronica vicky victoria violet wanda wendy
yvonne zara zoe zoey dennis gabriel martin peter henry harry jeremy kevin
`;

const MORE_INDIAN_FIRST = `
raju ramu shyam ashmit swatish sunita rekha babu bablu pappu guddu chintu munna sonu monu pinky rinky tinku
gopi murugan selvam kumar ravi raja rani lakshmi parvathi sarath sharath pradeep kiran ajeet ajit vikrant
sachin dhoni virat rohit shubman hardik jasprit ishant mohammed mohammad ahmed abdul rahim karim salim
hussain hasan hassan ali imran irfan yusuf zaheer nasir tahir shoaib sohail arshad naveed rashid wahid
fatima ayesha zainab sana rukhsar nusrat shabnam afreen amreen nargis sultana begum noor
sreeja sreekanth srikanth sridhar sriram srinath vamsi vamshi chaitanya pavan praveen naresh mahesh ramesh
suresh rajesh ganesh dinesh umesh yogesh rakesh mukesh lokesh brijesh kamlesh nilesh shailesh hitesh
jignesh paresh bhavesh alpesh kalpesh mitesh ketan chetan jatin nitin sachin sandeep kuldeep pardeep
gagan gurdeep harish girish satish manish ashish anish rajnish jagdish
anusha akhila bhargavi chandana deepthi divya harika haritha keerthana likhitha mounika navya pooja
prathyusha ramya sahithi sindhu sravani srilatha swathi tejaswini vaishnavi vennela yamuna
`;

const EVEN_MORE_INDIAN_FIRST = `
aadarsh aakash aarush abhijeet abhiram achyut adarsh adil agastya ahaan ajinkya akshat alankar amal ambar amitesh
amrit anant anay angad aniket anirban ankush anshuman antariksh anupam apoorv archit ardhendu arihant arijit arindam
armaan arpit aryaman ashutosh ashwath atharva avinash ayush balram bhavin bhupendra bhuvan brijesh chaitanya
chandan chandrakant charan daksh darshan dattatreya debashish deepankar devendra devesh dhairya dharmendra dhaval
digvijay dipankar divyansh eklavya gajendra ganesh gautam girdhar gopal gulshan gurinder hanumant harendra hariharan
harshit hemang himanshu hrithik indrajit ishwar jagannath jaidev jayesh jeevan jignesh jitesh kalyan kamalesh kanishk
kapil karthikeya kaustubh keshav ketan kishan krunal kshitij kush laksh lalit lokesh madan mahendra manas mangesh
manoranjan mayur milind mitesh mohan mridul mukul nagesh nakul nandan narayan navneet neel nihal nikunj niranjan
nirmal nishad omprakash paramesh parag parimal partha parthiv piyush prabhat pradyut prajwal pramod pranay prasanna
prasoon pratap pravin pritam prithvi puneet purushottam raghunath rahul rajkumar rajan rakshit ramakant ranbir
ranveer rathin ravindra rishab rohan rudra rupesh sagar saket samir sanjiv sankalp santanu saran sarvesh satyam
saurav shantanu sharad shashi shekhar shiva shivansh shlok shrikant shyamal siddhant siddharth somnath soumya
subhash sudarshan sudeep sujay sukhdev sumant sunny suraj surendra sushant swapnil tanmay tapan tarun tejas trilok
tushar uday ujjwal umang upendra utkarsh vaibhav varun vasant vedant venkatesh vibhor vijendra vikas vimal vinayak
vineet vipul virendra vishnu vishwas vivek yajat yashwant yatin yogendra yudhishthir zubin
aanya aarohi abha adhira aditi advika aishani akshara alaknanda amala ambika amisha amoli amruta anamika anandi
ananya anika anindita anjum ankita anokhi antara anuradha anvesha aparajita archana arundhati asmita avani ayushi
bhagyashree bhairavi bhumika chandrika charvi chetna damini darshana devyani dhanashree dipti drishti falguni
garima gauri gitanjali gunjan hansa harini harshita hemangi himani indu ishani jahnavi janaki jayanti jhanvi
juhi kajol kamini kanak karishma kashish kaveri ketaki khyati kirti kumud lajja lalita lavanya leena madhavi
madhurima mahika malati mallika mamta manasi mandira manisha mansi medha meenakshi mehul mohini mrinalini
nalini namrata nandita nayana neelam neeraja nidhi nikita niharika nilima nirmala nisha nitya padmini pallavi
parul pavitra payal poonam prabha pragati pranjal prerana pritha purnima rachana radha ragini rajani rajeshwari
rakhi ramya ranjana rashmi ratna reena rekha ritika rohini roopa rupali sadhna saloni samiksha sanchita sandhya
sangita sanya sarika saroj sayali shagun shailaja shakuntala shalini shanaya sharmila shefali shikha shilpi
shivani shobha shreya shubhangi shweta smriti sneha sonal sonia sucheta sudha suhani sujata sukanya sulochana
suman sunaina surabhi sushmita swara tanuja tejal trupti tulika urvashi usha vaidehi vandana vani vasudha vibha
vidhi vrinda yashoda yogita
`;

const MORE_INDIAN_SURNAMES = `
agnihotri ahluwalia arya awasthi babu bagchi bahl balakrishnan bandopadhyay barman basak bhagat bhandari bhasin
bhatnagar bhattacharjee bhave bhushan bisht bose chadha chakrabarti chand chandak chaturvedi chhabra dalal dasgupta
datar deo deol dewan dhar dhillon dixit doshi dubey dutt ganguly garg gharat ghoshal gokhale gulati hegde iyer
jaiswal jha joshi kadam kakkar kamath kanojia kapadia karnik kashyap kaul khandelwal khatri kothari krishnamurthy
kulkarni lal lamba luthra madan mahajan maheshwari malik mallick mani mathur mehra mistry mittal mohan mukherji
munshi murthy nadkarni nagpal naidu nanda narang narayan nigam oak padmanabhan pai pandit parekh parmar patnaik
pillai prakash purohit raghavan rajput ramakrishnan rana ranade rastogi rawat raychaudhuri sabharwal sachdev
sahni salvi samant sankaran sanyal saraf sarin sathe sawhney seth shah shankar sharma shenoy shetty shroff singhal
sinha sodhi srinivasan subramaniam suri swamy tagore talwar tandon thakkar thakur tiwari trivedi upadhyay vaidya
varma vasudevan venkatesh verma wadhwa walia yadav zaveri bhatt bhagwat chougule dange deshpande gaikwad ghorpade
jadhav kale kamble khandare kulkarni londhe mhatre nikam pawar powar salunke shelke shirke sonawane tambe thorat
wagh yadav acharya adiga ballal bhandarkar hebbar kini mallya nayak rai shanbhag upadhya alva karanth
`;

const INDIAN_SURNAMES = `
sharma verma gupta singh kumar patel shah mehta joshi desai iyer iyengar nair menon pillai reddy rao naidu chowdhury
choudhary chaudhary das dutta datta banerjee bannerjee chatterjee mukherjee ganguly ghosh bose basu sen sengupta
roy mitra mishra tiwari trivedi dwivedi pandey shukla srivastava saxena agarwal aggarwal agrawal bansal goel goyal
jain khanna kapoor malhotra chopra arora bhatia sethi sahni ahuja anand bajaj bhalla chawla dhawan gill grewal
sandhu sidhu dhillon brar bedi kohli luthra mehra oberoi suri talwar tandon thakur rathore rajput chauhan yadav
jadhav patil pawar shinde kulkarni deshpande deshmukh gokhale joshi karnik naik nayak bhat bhatt hegde
kamath shetty shenoy pai prabhu kini acharya krishnan subramanian ramanathan venkataraman raman natarajan
balasubramanian sundaram swaminathan rajan murthy moorthy hegde gowda kaur ali khan sheikh shaikh syed qureshi
ansari siddiqui hussain rizvi mirza pathan baig chaudhry naqvi abraham thomas george mathew varghese kurian
jacob joseph fernandes dsouza d'souza pereira rodrigues gomes pinto lobo mascarenhas sequeira saldanha
bhattacharya chakraborty chakravarty sarkar majumdar mazumdar biswas paul saha mandal haldar kar nath
mahajan sood walia bakshi kashyap bhardwaj vashisht upadhyay chaturvedi tripathi dubey dube awasthi bajpai
bhargava sinha jha thakkar parekh parikh modi dave vyas trivedi panchal solanki chavan gaikwad salunkhe 
rane sawant kadam bhosale jagtap waghmare pillay nambiar warrier kurup panicker raju varma vohra wadhwa nagpal
kalra madan marwah soni sachdeva khurana dhingra puri chandra prasad sastry shastri dixit sahu mohanty
panda behera mahapatra pradhan barua bora gogoi saikia hazarika lama tamang gurung rai bhutia
`;

const ENGLISH_SURNAMES = `
smith johnson williams brown jones miller davis wilson anderson taylor moore jackson martin lee thompson 
harris clark lewis robinson walker allen wright scott adams nelson carter mitchell
roberts turner phillips campbell parker evans edwards collins stewart morris murphy rogers morgan cooper
peterson bailey kelly howard richardson watson james bennett hughes sanders
myers ross foster jenkins russell sullivan coleman butler henderson barnes fisher
henry simmons graham jordan reynolds hamilton wallace cole hayes gibson ellis stevens murray
marshall owens harrison fernandez mcdonald washington kennedy palmer robertson
`;

function wordSet(...blocks: string[]): ReadonlySet<string> {
  const words = new Set<string>();
  for (const block of blocks) for (const w of block.split(/\s+/)) if (w) words.add(w);
  return words;
}

/**
 * First names that are also everyday words ("mark it as won", "pay the bill", "in may"): a name only right after a
 * word that introduces a person ("email mark", "with bill", "tell june") or before a possessive noun.
 */
export const AMBIGUOUS_FIRST_NAMES: ReadonlySet<string> = wordSet(`
mark bill will may june grace rose joy hope sunny frank pat jack april august summer faith dawn rich art ray
lily amber hunter mason page rob sue drew chase cash dash sky rain ruby crystal holly ivy jade pearl olive
`);

/** Lowercase surnames (Indian and English). */
export const SURNAMES: ReadonlySet<string> = wordSet(INDIAN_SURNAMES, MORE_INDIAN_SURNAMES, ENGLISH_SURNAMES);

/** Lowercase first names (Indian and English), without the ambiguous ones. */
export const FIRST_NAMES: ReadonlySet<string> = (() => {
  const names = new Set(
    wordSet(
      INDIAN_FIRST_MALE,
      INDIAN_FIRST_FEMALE,
      MORE_INDIAN_FIRST,
      EVEN_MORE_INDIAN_FIRST,
      ENGLISH_FIRST,
      MORE_ENGLISH_FIRST,
    ),
  );
  for (const n of AMBIGUOUS_FIRST_NAMES) names.delete(n);
  return names;
})();

/** Either kind: a word that on its own is very likely part of a person's name. */
export function isNameWord(lower: string): boolean {
  return FIRST_NAMES.has(lower) || SURNAMES.has(lower);
}
