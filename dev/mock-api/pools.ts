// Invented raw material for the synthetic dataset: names, companies, titles, schools, places.
// Every company and school is fictional; every domain ends in .example.

export interface CompanyFixture {
  name: string;
  domain: string;
  id: number;
  industries: string[];
  headcount: number;
  type: string;
  hqCountry: string;
  hqLocation: string;
  hqComponents: string[];
}

export interface TitleFixture {
  title: string;
  seniority: string;
  functionCategory: string;
  matchedTitle: string;
  department: string;
  subDepartment: string;
}

export interface PlaceFixture {
  city: string;
  state: string | null;
  country: string;
  continent: string;
}

export interface SchoolFixture {
  name: string;
  id: string;
  place: PlaceFixture;
}

export const FIRST_NAMES = [
  'Ana', 'Bruno', 'Chloé', 'Dmitri', 'Émilie', 'Farah', 'Gustavo', 'Hiroshi', 'Ingrid', 'Jamal',
  'Kateřina', 'Liam', 'María José', 'Ngozi', 'Olumide', 'Priya', 'Quentin', 'Rania', 'Søren', 'Tomás',
  'Ümit', 'Valentina', 'Wei', 'Xóchitl', 'Yusuf', 'Zoë', 'Siobhán', 'Björn', 'Łukasz', 'Aoife',
  'Mateo', 'Leila', 'Kwame', 'Sakura', 'Илья', 'Мария', 'محمد', 'Αλέξανδρος', '민준', '伟',
];

export const LAST_NAMES = [
  'Souza', 'Müller', 'García', 'Nakamura', "O'Brien", 'Okafor', 'Kowalski', 'Johansson', 'Dubois', 'Patel',
  'Chen', 'Ivanova', 'Haddad', 'Kim', 'Rossi', 'Fernández', 'Nguyễn', 'Øverby', 'Smith-Jones', 'van der Berg',
  'Đorđević', 'Mbeki', 'Lindqvist', 'Moreau', 'Santos', 'Petrov', 'Yılmaz', 'Horvát', 'Ó Súilleabháin', 'Ng',
  'Петров', 'الهاشمي', 'Παπαδόπουλος', '김', '王',
];

const COMPANY_ROWS: Array<[string, string, string[], number, string, string, string]> = [
  ['Acme Analytics', 'acme-analytics', ['Software Development', 'Data Infrastructure and Analytics'], 420, 'Privately Held', 'United States', 'San Francisco, California'],
  ['Blue Heron Robotics', 'blueheron-robotics', ['Robotics Engineering'], 130, 'Privately Held', 'United States', 'Pittsburgh, Pennsylvania'],
  ['Crumbly Bakeries', 'crumbly', ['Food and Beverage Manufacturing'], 2300, 'Public Company', 'United Kingdom', 'Leeds, England'],
  ['Dunmore Logistics', 'dunmore-logistics', ['Transportation, Logistics, Supply Chain and Storage'], 8700, 'Public Company', 'Ireland', 'Dublin, County Dublin'],
  ['Ekko Health', 'ekko-health', ['Hospitals and Health Care', 'Software Development'], 95, 'Privately Held', 'Denmark', 'Copenhagen, Capital Region'],
  ['Fjord Fintech', 'fjord-fintech', ['Financial Services'], 310, 'Privately Held', 'Norway', 'Oslo, Oslo'],
  ['Granite Peak Software', 'granitepeak', ['Software Development'], 55, 'Privately Held', 'United States', 'Denver, Colorado'],
  ['Helios Solar Co', 'helios-solar', ['Renewable Energy Semiconductor Manufacturing'], 1200, 'Public Company', 'Spain', 'Seville, Andalusia'],
  ['Ironbark Security', 'ironbark-security', ['Computer and Network Security'], 240, 'Privately Held', 'Australia', 'Melbourne, Victoria'],
  ['Juniper & Sons', 'juniper-sons', ['Retail'], 18, 'Partnership', 'United States', 'Portland, Oregon'],
  ['Kestrel AI', 'kestrel-ai', ['Technology, Information and Internet'], 75, 'Privately Held', 'Canada', 'Toronto, Ontario'],
  ['Lumen Labs', 'lumen-labs', ['Research Services'], 33, 'Nonprofit', 'Germany', 'Berlin, Berlin'],
  ['Maple Leaf Mutual', 'mapleleaf-mutual', ['Insurance'], 5400, 'Public Company', 'Canada', 'Montreal, Quebec'],
  ['Nimbus Cloudworks', 'nimbus-cloudworks', ['IT Services and IT Consulting'], 860, 'Privately Held', 'India', 'Bengaluru, Karnataka'],
  ['Orchid Biotech', 'orchid-bio', ['Biotechnology Research'], 150, 'Privately Held', 'Switzerland', 'Basel, Basel-City'],
  ['Pinecone Media', 'pinecone-media', ['Online Audio and Video Media'], 64, 'Privately Held', 'United States', 'Austin, Texas'],
  ['Quokka Games', 'quokka-games', ['Computer Games'], 210, 'Privately Held', 'Australia', 'Perth, Western Australia'],
  ['Redwood Capital Partners', 'redwood-capital', ['Venture Capital and Private Equity Principals'], 22, 'Partnership', 'United States', 'Menlo Park, California'],
  ['Saffron Foods', 'saffron-foods', ['Food and Beverage Services'], 3100, 'Public Company', 'India', 'Mumbai, Maharashtra'],
  ['Tundra Outdoor', 'tundra-outdoor', ['Retail Apparel and Fashion'], 480, 'Privately Held', 'Finland', 'Helsinki, Uusimaa'],
  ['Umbra Design Studio', 'umbra-design', ['Design Services'], 12, 'Self-Employed', 'Portugal', 'Lisbon, Lisbon'],
  ['Vellum Legal', 'vellum-legal', ['Law Practice'], 340, 'Partnership', 'United Kingdom', 'London, England'],
  ['Wombat Retail Group', 'wombat-retail', ['Retail'], 12500, 'Public Company', 'Australia', 'Sydney, New South Wales'],
  ['Xylo Music', 'xylo-music', ['Musicians'], 40, 'Privately Held', 'Sweden', 'Stockholm, Stockholm County'],
  ['Yonder Travel', 'yonder-travel', ['Travel Arrangements'], 720, 'Privately Held', 'Mexico', 'Mexico City, CDMX'],
  ['Zephyr Mobility', 'zephyr-mobility', ['Motor Vehicle Manufacturing'], 2600, 'Public Company', 'Germany', 'Munich, Bavaria'],
  ['Ñandú Consultores', 'nandu-consultores', ['Business Consulting and Services'], 85, 'Privately Held', 'Argentina', 'Buenos Aires, Buenos Aires'],
  ['Société Générique', 'societe-generique', ['Banking'], 41000, 'Public Company', 'France', 'Paris, Île-de-France'],
  ['東京データ株式会社', 'tokyo-data', ['Data Infrastructure and Analytics'], 900, 'Public Company', 'Japan', 'Tokyo, Tokyo'],
  ['Müller & Töchter GmbH', 'mueller-toechter', ['Machinery Manufacturing'], 260, 'Privately Held', 'Austria', 'Graz, Styria'],
  ['Harbor Light Hospital', 'harborlight-hospital', ['Hospitals and Health Care'], 3900, 'Nonprofit', 'United States', 'Boston, Massachusetts'],
  ['Copperline Telecom', 'copperline', ['Telecommunications'], 15000, 'Public Company', 'Brazil', 'São Paulo, São Paulo'],
  ['Driftwood Education', 'driftwood-edu', ['E-Learning Providers'], 190, 'Privately Held', 'New Zealand', 'Auckland, Auckland'],
  ['Emberglow Energy', 'emberglow', ['Oil and Gas'], 6800, 'Public Company', 'Nigeria', 'Lagos, Lagos'],
  ['Foxglove Pharma', 'foxglove-pharma', ['Pharmaceutical Manufacturing'], 2200, 'Public Company', 'Belgium', 'Brussels, Brussels'],
  ['Glasshouse Realty', 'glasshouse-realty', ['Real Estate'], 140, 'Privately Held', 'Singapore', 'Singapore, Singapore'],
  ['Hollow Oak Studios', 'hollowoak', ['Animation and Post-production'], 70, 'Privately Held', 'South Korea', 'Seoul, Seoul'],
  ['Indigo Payments', 'indigo-payments', ['Financial Services', 'Software Development'], 560, 'Privately Held', 'Netherlands', 'Amsterdam, North Holland'],
  ['Jasper Freight', 'jasper-freight', ['Truck Transportation'], 1100, 'Privately Held', 'United States', 'Chicago, Illinois'],
  ['Kiln & Co', 'kiln-co', ['Retail Art Supplies'], 9, 'Sole Proprietorship', 'Italy', 'Florence, Tuscany'],
];

export const COMPANIES: readonly CompanyFixture[] = COMPANY_ROWS.map(
  ([name, domainStem, industries, headcount, type, hqCountry, hqLocation], index) => ({
    name,
    domain: `${domainStem}.example`,
    id: 5000 + index * 37,
    industries,
    headcount,
    type,
    hqCountry,
    hqLocation,
    hqComponents: [...hqLocation.split(', '), hqCountry],
  }),
);

export function headcountRange(headcount: number): string {
  const bands: Array<[number, string]> = [
    [10, '1-10'], [50, '11-50'], [200, '51-200'], [500, '201-500'], [1000, '501-1,000'],
    [5000, '1,001-5,000'], [10000, '5,001-10,000'],
  ];
  for (const [max, label] of bands) if (headcount <= max) return label;
  return '10,001+';
}

export const TITLES: readonly TitleFixture[] = [
  ['Software Engineer', 'Entry', 'Engineering', 'Software Engineer', 'Engineering', 'Software Development'],
  ['Senior Software Engineer', 'Senior', 'Engineering', 'Senior Software Engineer', 'Engineering', 'Software Development'],
  ['Staff Engineer', 'Senior', 'Engineering', 'Staff Software Engineer', 'Engineering', 'Software Development'],
  ['Engineering Manager', 'Manager', 'Engineering', 'Engineering Manager', 'Engineering', 'Engineering Management'],
  ['VP of Engineering', 'Vice President', 'Engineering', 'Vice President of Engineering', 'Engineering', 'Engineering Management'],
  ['CTO', 'CXO', 'Engineering', 'Chief Technology Officer', 'Executive Leadership', 'Technology Leadership'],
  ['Co-Founder & CEO', 'Owner / Founder', 'Entrepreneurship', 'Co-Founder, CEO', 'Executive Leadership', 'Founder & Entrepreneurship Leadership'],
  ['Product Manager', 'Senior', 'Product Management', 'Product Manager', 'Product', 'Product Management'],
  ['Head of Product', 'Director', 'Product Management', 'Head of Product', 'Product', 'Product Leadership'],
  ['Product Designer', 'Senior', 'Design', 'Product Designer', 'Design', 'UX & Product Design'],
  ['Data Scientist', 'Senior', 'Data Science', 'Data Scientist', 'Data', 'Data Science'],
  ['Data Engineer', 'Entry', 'Engineering', 'Data Engineer', 'Data', 'Data Engineering'],
  ['Account Executive', 'Entry', 'Sales', 'Account Executive', 'Sales', 'Account Management'],
  ['Sales Director', 'Director', 'Sales', 'Director of Sales', 'Sales', 'Sales Leadership'],
  ['Marketing Manager', 'Manager', 'Marketing', 'Marketing Manager', 'Marketing', 'Marketing Management'],
  ['Growth Lead', 'Senior', 'Marketing', 'Growth Marketing Lead', 'Marketing', 'Growth Marketing'],
  ['Recruiter', 'Entry', 'Human Resources', 'Recruiter', 'Human Resources', 'Talent Acquisition'],
  ['Head of People', 'Director', 'Human Resources', 'Head of People', 'Human Resources', 'HR Leadership'],
  ['Financial Analyst', 'Entry', 'Finance', 'Financial Analyst', 'Finance', 'Financial Planning & Analysis'],
  ['CFO', 'CXO', 'Finance', 'Chief Financial Officer', 'Executive Leadership', 'Finance Leadership'],
  ['Operations Manager', 'Manager', 'Operations', 'Operations Manager', 'Operations', 'Business Operations'],
  ['Customer Success Manager', 'Manager', 'Customer Success and Support', 'Customer Success Manager', 'Customer Success', 'Account Management'],
  ['Legal Counsel', 'Senior', 'Legal', 'Corporate Counsel', 'Legal', 'Corporate Law'],
  ['Research Scientist', 'Senior', 'Research', 'Research Scientist', 'Research', 'Applied Research'],
  ['Nurse Practitioner', 'Senior', 'Healthcare Services', 'Nurse Practitioner', 'Healthcare', 'Clinical Care'],
  ['Intern', 'Training', 'Engineering', 'Intern', 'Engineering', 'Internships'],
].map(([title, seniority, functionCategory, matchedTitle, department, subDepartment]) => ({
  title, seniority, functionCategory, matchedTitle, department, subDepartment,
}));

export const PLACES: readonly PlaceFixture[] = [
  { city: 'San Francisco', state: 'California', country: 'United States', continent: 'North America' },
  { city: 'New York', state: 'New York', country: 'United States', continent: 'North America' },
  { city: 'Austin', state: 'Texas', country: 'United States', continent: 'North America' },
  { city: 'Toronto', state: 'Ontario', country: 'Canada', continent: 'North America' },
  { city: 'Mexico City', state: 'CDMX', country: 'Mexico', continent: 'North America' },
  { city: 'São Paulo', state: 'São Paulo', country: 'Brazil', continent: 'South America' },
  { city: 'Buenos Aires', state: null, country: 'Argentina', continent: 'South America' },
  { city: 'London', state: 'England', country: 'United Kingdom', continent: 'Europe' },
  { city: 'Dublin', state: 'County Dublin', country: 'Ireland', continent: 'Europe' },
  { city: 'Berlin', state: 'Berlin', country: 'Germany', continent: 'Europe' },
  { city: 'Paris', state: 'Île-de-France', country: 'France', continent: 'Europe' },
  { city: 'Kraków', state: 'Lesser Poland', country: 'Poland', continent: 'Europe' },
  { city: 'Stockholm', state: 'Stockholm County', country: 'Sweden', continent: 'Europe' },
  { city: 'Lagos', state: 'Lagos', country: 'Nigeria', continent: 'Africa' },
  { city: 'Nairobi', state: null, country: 'Kenya', continent: 'Africa' },
  { city: 'Cairo', state: 'Cairo Governorate', country: 'Egypt', continent: 'Africa' },
  { city: 'Bengaluru', state: 'Karnataka', country: 'India', continent: 'Asia' },
  { city: 'Tokyo', state: 'Tokyo', country: 'Japan', continent: 'Asia' },
  { city: 'Seoul', state: null, country: 'South Korea', continent: 'Asia' },
  { city: 'Singapore', state: null, country: 'Singapore', continent: 'Asia' },
  { city: 'Sydney', state: 'New South Wales', country: 'Australia', continent: 'Oceania' },
  { city: 'Auckland', state: 'Auckland', country: 'New Zealand', continent: 'Oceania' },
];

export function rawPlace(place: PlaceFixture): string {
  return [place.city, place.state, place.country].filter((part) => part).join(', ');
}

export const SCHOOLS: readonly SchoolFixture[] = [
  ['Northbridge University', '10421', 0],
  ['Eastvale Institute of Technology', '20877', 1],
  ['Université de Montclair', '33190', 10],
  ['Technische Hochschule Rheinfeld', '41002', 9],
  ['Kingsmere College', '52344', 7],
  ['Universidad de Santa Lucía', '61233', 4],
  ['Lakeside State University', '70001', 2],
  ['Pacific Coast University', '80412', 20],
  ['Instituto Politécnico do Sul', '90876', 5],
  ['Tanaka University of Science', '11223', 17],
  ['Shorewood Business School', '12876', 8],
  ['Uniwersytet Wiślański', '13402', 11],
  ['Savannah Ridge University', '14555', 13],
  ['Bengal Institute of Management', '15990', 16],
  ['Harbourview Community College', '16007', 3],
].map(([name, id, placeIndex]) => ({ name: name as string, id: id as string, place: PLACES[placeIndex as number] }));

export const DEGREES = [
  'Bachelor of Science (B.S.)', 'Bachelor of Arts (B.A.)', 'Master of Science (M.S.)', 'Master of Business Administration (MBA)',
  'Doctor of Philosophy (Ph.D.)', 'Associate of Applied Science (A.A.S.)', 'Bachelor of Engineering (B.Eng.)',
];

export const FIELDS_OF_STUDY = [
  'Computer Science', 'Economics', 'Mechanical Engineering', 'Philosophy, Politics and Economics', 'Biology',
  'Mathematics', 'Marketing', 'Nursing', 'Law', 'Design', 'Physics', 'Finance',
];

export const SKILLS = [
  'Python', 'TypeScript', 'JavaScript', 'Go', 'Rust', 'Java', 'SQL', 'PostgreSQL', 'Kubernetes', 'Docker',
  'AWS', 'Google Cloud Platform', 'Terraform', 'Machine Learning', 'Deep Learning', 'Data Analysis', 'Statistics',
  'Product Management', 'Roadmapping', 'User Research', 'Figma', 'UX Design', 'Public Speaking', 'Leadership',
  'Team Management', 'Negotiation', 'Salesforce', 'HubSpot', 'SEO', 'Content Marketing', 'Copywriting',
  'Financial Modeling', 'Excel', 'Accounting', 'Budgeting', 'Recruiting', 'Onboarding', 'Employee Relations',
  'Contract Law', 'Compliance', 'GDPR', 'Cybersecurity', 'Penetration Testing', 'Networking', 'Linux',
  'C++', 'C#', '.NET', 'React', 'Node.js', 'GraphQL', 'REST APIs', 'Microservices', 'CI/CD', 'Agile',
  'Scrum', 'Kanban', 'Six Sigma', 'Supply Chain Management', 'Logistics', 'Customer Success', 'Zendesk',
  'Clinical Research', 'Patient Care', 'Biotechnology', 'CRISPR', 'Lab Automation', 'Robotics', 'ROS',
  'Embedded Systems', 'Verilog', 'Signal Processing', 'Spanish', 'Mandarin', 'Japanese', 'Photography',
  'Video Editing', 'Music Production', 'Game Design', 'Unity', 'Unreal Engine',
];

export const LANGUAGES = [
  'English', 'Spanish', 'French', 'German', 'Portuguese', 'Japanese', 'Mandarin', 'Hindi', 'Arabic', 'Russian',
  'Korean', 'Italian', 'Dutch', 'Swedish', 'Polish', 'Turkish', 'Yoruba', 'Swahili', 'Greek', 'Irish',
];

export const CERTIFICATIONS: ReadonlyArray<[string, string]> = [
  ['AWS Certified Solutions Architect', 'Amazon Web Services'],
  ['Certified Kubernetes Administrator', 'Cloud Native Computing Foundation'],
  ['Project Management Professional (PMP)', 'Project Management Institute'],
  ['Certified Scrum Master', 'Scrum Alliance'],
  ['Google Analytics Certification', 'Google'],
  ['CFA Level II', 'CFA Institute'],
  ['Certified Information Systems Security Professional', 'ISC2'],
  ['Registered Nurse', 'State Board of Nursing'],
  ['HubSpot Inbound Marketing', 'HubSpot Academy'],
  ['Lean Six Sigma Green Belt', 'Lean Institute'],
];

export const HONORS: ReadonlyArray<[string, string]> = [
  ["Dean's List", 'Northbridge University'],
  ['Employee of the Year', 'Acme Analytics'],
  ['Hackathon Winner', 'Kestrel AI'],
  ['30 Under 30', 'Business Weekly'],
  ['Best Paper Award', 'Conference on Applied Research'],
  ['Patent Award', 'Orchid Biotech'],
  ['Volunteer of the Month', 'City Food Bank'],
];

export const VERIFICATIONS = ['identity', 'workplace', 'education'];
export const OPEN_TO_CARDS = ['CAREER_INTEREST', 'HIRING_MANAGER', 'VOLUNTEERING'];
export const EMPLOYMENT_TYPES = ['Full-time', 'Part-time', 'Contract', 'Internship', 'Self-employed', 'Freelance'];
export const PRONOUNS = ['she/her', 'he/him', 'they/them'];
