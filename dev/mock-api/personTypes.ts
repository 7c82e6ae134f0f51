// The shape of person_data as Crustdata's OpenAPI schema describes it (docs/CRUSTDATA-API.md), for the mock's
// dataset. Everything is optional or nullable where the schema allows it, because the dataset
// deliberately leaves parts out.

export interface PlaceData {
  city?: string | null;
  state?: string | null;
  country?: string | null;
  continent?: string | null;
  raw?: string | null;
}

export interface NormalizedTitleData {
  matched_title: string | null;
  department: string | null;
  sub_department: string | null;
  similarity: number | null;
  confident: boolean | null;
}

export interface BasicProfileData {
  name?: string;
  headline?: string;
  first_name?: string;
  last_name?: string;
  current_title?: string;
  professional_network_name?: string | null;
  normalized_title?: NormalizedTitleData | null;
  summary?: string;
  languages?: string[];
  last_updated?: string | null;
  profile_picture_permalink?: string | null;
  location?: PlaceData | null;
}

export interface ProfessionalNetworkData {
  profile_picture_url?: string;
  profile_picture_permalink?: string;
  name?: string;
  pronoun?: string;
  headline?: string;
  current_title?: string;
  summary?: string;
  location?: PlaceData;
  connections?: number | null;
  followers?: number | null;
  joined_date?: string | null;
  verifications?: string[];
  open_to_cards?: string[];
  metadata?: { last_scraped_source: string | null };
}

export interface EmailRecord {
  email: string;
  status: 'verified' | 'unverified';
  last_updated: string | null;
  crustdata_company_id?: number | null;
}

export interface ContactData {
  business_emails?: EmailRecord[];
  personal_emails?: EmailRecord[];
  phone_numbers?: string[];
  websites?: string[];
}

export interface SocialHandlesData {
  professional_network_identifier?: { profile_url: string };
  dev_platform_identifier?: { profile_url: string | null };
  twitter_identifier?: { slug: string };
}

export interface DevPlatformProfileData {
  account_type: string | null;
  profile_url: string | null;
  name: string | null;
  email: string | null;
  location: { raw: string | null } | null;
  company_text: string | null;
  bio: string | null;
  website_url: string | null;
  profile_picture_url: string | null;
  is_hireable: boolean | null;
  is_site_admin: boolean | null;
  confidence_score: number | null;
  public_repo_count: number | null;
  followers: number | null;
  following: number | null;
  declared_handles: Array<{ provider: string | null; url: string | null; created_at: string | null; last_updated: string | null }> | null;
  org_memberships: Array<{
    organization_id: number | null;
    organization_github_id: number | null;
    organization_login: string | null;
    created_at: string | null;
    last_updated: string | null;
  }> | null;
  metadata: { created_at: string | null; last_scraped_source: string | null; last_updated: string | null } | null;
}

export interface EmploymentDetailsData {
  name: string | null;
  professional_network_id: string | null;
  title: string | null;
  description: string | null;
  location: { raw: string | null } | null;
  employment_type: string | null;
  start_date: string | null;
  end_date: string | null;
  is_default: boolean | null;
  crustdata_company_id: number | null;
  company_website_domain: string | null;
  company_profile_picture_permalink: string | null;
  company_professional_network_profile_url: string | null;
  seniority_level: string | null;
  function_category: string | null;
  years_at_company: string | null;
  years_at_company_raw: number | null;
  company_headcount_latest: number | null;
  company_headcount_range: string | null;
  company_industries: string[] | null;
  company_professional_network_industry: string | null;
  company_type: string | null;
  company_website: string | null;
  company_headquarters_country: string | null;
  company_hq_location: string | null;
  company_hq_location_address_components: string[] | null;
  position_id: number | null;
  business_email_verified: boolean | null;
}

export interface CertificationData {
  name: string;
  issuing_organization: string;
  issue_date: string | null;
  expiration_date: string | null;
  credential_id: string | null;
  credential_url: string | null;
  source: string;
}

export interface HonorData {
  title: string | null;
  issued_date: string | null;
  description: string | null;
  issuer: string | null;
  media_urls: string[] | null;
  associated_organization: string | null;
  associated_organization_professional_network_id: string | null;
}

export interface EducationData {
  school: string;
  degree: string | null;
  field_of_study: string | null;
  description: string | null;
  location: PlaceData | null;
  start_year: number | null;
  end_year: number | null;
  activities_and_societies: string | null;
  institute_logo_permalink: string | null;
  institute_logo_url: string | null;
  professional_network_id: string | null;
}

export interface PersonData {
  crustdata_person_id: number;
  basic_profile?: BasicProfileData;
  professional_network?: ProfessionalNetworkData;
  skills?: { professional_network_skills?: string[] };
  contact?: ContactData;
  social_handles?: SocialHandlesData;
  dev_platform_profiles?: DevPlatformProfileData[] | null;
  experience?: { employment_details?: { current?: EmploymentDetailsData[]; past?: EmploymentDetailsData[] } };
  certifications?: CertificationData[];
  honors?: HonorData[];
  education?: { schools?: EducationData[] };
  updated_at?: string | null;
}
