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

/** Lowercase first names (Indian and English). */
export const FIRST_NAMES: ReadonlySet<string> = wordSet(
  INDIAN_FIRST_MALE,
  INDIAN_FIRST_FEMALE,
  ENGLISH_FIRST,
);

/** Lowercase surnames (Indian and English). */
export const SURNAMES: ReadonlySet<string> = wordSet(INDIAN_SURNAMES, ENGLISH_SURNAMES);

/** Either kind: a word that on its own is very likely part of a person's name. */
export function isNameWord(lower: string): boolean {
  return FIRST_NAMES.has(lower) || SURNAMES.has(lower);
}
