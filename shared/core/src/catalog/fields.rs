//! The field tables. Identity fields are shared constants, so employees and
//! providers cannot drift apart.

use super::{EnumValue, Field, FieldType};

const fn field(
    id: &'static str,
    label: &'static str,
    category: &'static str,
    subcategory: &'static str,
    field_type: FieldType,
) -> Field {
    Field {
        id,
        label,
        category,
        subcategory,
        field_type,
        synonyms: &[],
        mandatory: false,
        key: false,
    }
}

impl Field {
    const fn synonyms(mut self, synonyms: &'static [&'static str]) -> Field {
        self.synonyms = synonyms;
        self
    }
    const fn mandatory(mut self) -> Field {
        self.mandatory = true;
        self
    }
    const fn key(mut self) -> Field {
        self.key = true;
        self.mandatory = true;
        self
    }
}

const NAME: FieldType = FieldType::Text { max_len: 100 };
const SHORT: FieldType = FieldType::Text { max_len: 100 };
const LONG: FieldType = FieldType::Text { max_len: 255 };
const ID: FieldType = FieldType::Id { max_len: 64 };

const PERSON_STATUS: &[EnumValue] = &[
    EnumValue {
        value: "Active",
        synonyms: &[
            "A", "Act", "Yes", "Y", "Current", "Enabled", "Employed", "1",
        ],
    },
    EnumValue {
        value: "Inactive",
        synonyms: &["I", "Inact", "No", "N", "Disabled", "0"],
    },
    EnumValue {
        value: "On Leave",
        synonyms: &["Leave", "L", "LOA", "Leave of Absence"],
    },
    EnumValue {
        value: "Terminated",
        synonyms: &["T", "Term", "Termed", "Separated", "Former"],
    },
];

const ROLE: &[EnumValue] = &[
    EnumValue {
        value: "Employee",
        synonyms: &["Staff", "User", "Member", "E"],
    },
    EnumValue {
        value: "Supervisor",
        synonyms: &["Manager", "Mgr", "Lead", "S"],
    },
    EnumValue {
        value: "Admin",
        synonyms: &["Administrator", "Super Admin", "Superadmin"],
    },
];

const LOCATION_STATUS: &[EnumValue] = &[
    EnumValue {
        value: "Active",
        synonyms: &["A", "Open", "Yes", "Y", "1"],
    },
    EnumValue {
        value: "Inactive",
        synonyms: &["I", "Closed", "No", "N", "0"],
    },
];

const ENROLLMENT_STATUS: &[EnumValue] = &[
    EnumValue {
        value: "Not Started",
        synonyms: &["Assigned", "Enrolled", "New", "Pending"],
    },
    EnumValue {
        value: "In Progress",
        synonyms: &["Started", "In-Progress", "Ongoing"],
    },
    EnumValue {
        value: "Completed",
        synonyms: &["Complete", "Done", "Passed", "Finished"],
    },
    EnumValue {
        value: "Exempt",
        synonyms: &["Waived", "Excused", "N/A"],
    },
];

const EMAIL: Field = field("email", "Email", "Identity", "Contact", FieldType::Email)
    .synonyms(&[
        "E-mail",
        "E-mail Address",
        "Email Address",
        "Work Email",
        "Username",
        "User Name",
        "Login",
        "Mail",
    ])
    .key();
const FIRST_NAME: Field = field("first_name", "First Name", "Identity", "Name", NAME)
    .synonyms(&[
        "First",
        "Given Name",
        "Forename",
        "FName",
        "Legal First Name",
    ])
    .mandatory();
const LAST_NAME: Field = field("last_name", "Last Name", "Identity", "Name", NAME)
    .synonyms(&["Last", "Surname", "Family Name", "LName", "Legal Last Name"])
    .mandatory();
const EMPLOYEE_STATUS: Field = field(
    "employee_status",
    "Employee Status",
    "Employment",
    "Status",
    FieldType::Enum(PERSON_STATUS),
)
.synonyms(&["Status", "Employment Status", "Emp Status", "Active"])
.mandatory();
const MIDDLE_NAME: Field = field("middle_name", "Middle Name", "Identity", "Name", NAME)
    .synonyms(&["Middle", "Middle Initial", "MI"]);
const PREFERRED_NAME: Field = field("preferred_name", "Preferred Name", "Identity", "Name", NAME)
    .synonyms(&["Nickname", "Goes By", "Known As"]);
const EMPLOYEE_ID: Field =
    field("employee_id", "Employee ID", "Employment", "Job", ID).synonyms(&[
        "Employee Number",
        "Emp ID",
        "EmpID",
        "Employee No",
        "Badge Number",
        "Staff ID",
        "Worker ID",
    ]);
const JOB_TITLE: Field = field("job_title", "Job Title", "Employment", "Job", SHORT).synonyms(&[
    "Title",
    "Position",
    "Job",
    "Role Title",
]);
const DEPARTMENT: Field = field("department", "Department", "Employment", "Job", SHORT)
    .synonyms(&["Dept", "Division", "Unit", "Cost Center"]);
const LOCATION_CODE_REF: Field = field("location_code", "Location Code", "Employment", "Job", ID)
    .synonyms(&[
        "Location",
        "Site",
        "Site Code",
        "Facility",
        "Facility Code",
        "Work Location",
    ]);
const SUPERVISOR_EMAIL: Field = field(
    "supervisor_email",
    "Supervisor Email",
    "Employment",
    "Job",
    FieldType::Email,
)
.synonyms(&["Manager Email", "Supervisor", "Manager", "Reports To"]);
const HIRE_DATE: Field = field(
    "hire_date",
    "Hire Date",
    "Employment",
    "Dates",
    FieldType::Date,
)
.synonyms(&["Start Date", "Date of Hire", "DOH", "Hired"]);
const TERMINATION_DATE: Field = field(
    "termination_date",
    "Termination Date",
    "Employment",
    "Dates",
    FieldType::Date,
)
.synonyms(&["Term Date", "End Date", "Separation Date"]);
const DATE_OF_BIRTH: Field = field(
    "date_of_birth",
    "Date of Birth",
    "Identity",
    "Personal",
    FieldType::Date,
)
.synonyms(&["DOB", "Birth Date", "Birthdate", "Birthday"]);
const PHONE: Field = field("phone", "Phone", "Identity", "Contact", FieldType::Phone).synonyms(&[
    "Phone Number",
    "Work Phone",
    "Telephone",
    "Tel",
    "Office Phone",
]);
const MOBILE_PHONE: Field = field(
    "mobile_phone",
    "Mobile Phone",
    "Identity",
    "Contact",
    FieldType::Phone,
)
.synonyms(&["Mobile", "Cell", "Cell Phone", "Mobile Number"]);
const ADDRESS_STREET: Field = field(
    "address_street",
    "Street Address",
    "Address",
    "Street",
    LONG,
)
.synonyms(&["Address", "Street", "Address Line 1", "Address 1", "Addr1"]);
const ADDRESS_CITY: Field =
    field("address_city", "City", "Address", "City", SHORT).synonyms(&["Town", "Municipality"]);
const ADDRESS_STATE: Field = field(
    "address_state",
    "State",
    "Address",
    "Region",
    FieldType::UsState,
)
.synonyms(&["ST", "Province", "State Code"]);
const ADDRESS_ZIP: Field = field(
    "address_zip",
    "ZIP Code",
    "Address",
    "Postal Code",
    FieldType::Zip,
)
.synonyms(&["ZIP", "Zipcode", "Postal Code", "Postcode", "Zip Code"]);
const ADDRESS_COUNTRY: Field = field(
    "address_country",
    "Country",
    "Address",
    "Region",
    FieldType::Country,
)
.synonyms(&["Country Code", "Nation"]);
const ROLE_FIELD: Field = field(
    "role",
    "Role",
    "Access",
    "Permissions",
    FieldType::Enum(ROLE),
)
.synonyms(&["User Role", "Access Level", "Permission"]);
const LANGUAGE: Field = field("language", "Language", "Identity", "Personal", SHORT).synonyms(&[
    "Preferred Language",
    "Lang",
    "Locale",
]);

const NPI: Field = field("npi", "NPI", "Credentials", "Registry", FieldType::Npi).synonyms(&[
    "NPI Number",
    "National Provider Identifier",
    "Individual NPI",
]);

pub(super) static EMPLOYEES: &[Field] = &[
    EMAIL,
    FIRST_NAME,
    LAST_NAME,
    EMPLOYEE_STATUS,
    MIDDLE_NAME,
    PREFERRED_NAME,
    EMPLOYEE_ID,
    JOB_TITLE,
    DEPARTMENT,
    LOCATION_CODE_REF,
    SUPERVISOR_EMAIL,
    HIRE_DATE,
    TERMINATION_DATE,
    DATE_OF_BIRTH,
    PHONE,
    MOBILE_PHONE,
    ADDRESS_STREET,
    ADDRESS_CITY,
    ADDRESS_STATE,
    ADDRESS_ZIP,
    ADDRESS_COUNTRY,
    ROLE_FIELD,
    LANGUAGE,
];

pub(super) static PROVIDERS: &[Field] = &[
    EMAIL,
    FIRST_NAME,
    LAST_NAME,
    EMPLOYEE_STATUS,
    MIDDLE_NAME,
    PREFERRED_NAME,
    EMPLOYEE_ID,
    JOB_TITLE,
    DEPARTMENT,
    LOCATION_CODE_REF,
    SUPERVISOR_EMAIL,
    HIRE_DATE,
    TERMINATION_DATE,
    DATE_OF_BIRTH,
    PHONE,
    MOBILE_PHONE,
    ADDRESS_STREET,
    ADDRESS_CITY,
    ADDRESS_STATE,
    ADDRESS_ZIP,
    ADDRESS_COUNTRY,
    ROLE_FIELD,
    LANGUAGE,
    NPI,
    field(
        "provider_type",
        "Provider Type",
        "Credentials",
        "Practice",
        SHORT,
    )
    .synonyms(&["Type", "Credential", "Degree", "Provider Credential"]),
    field("specialty", "Specialty", "Credentials", "Practice", SHORT).synonyms(&[
        "Speciality",
        "Primary Specialty",
        "Practice Area",
    ]),
    field(
        "taxonomy_code",
        "Taxonomy Code",
        "Credentials",
        "Practice",
        FieldType::Id { max_len: 10 },
    )
    .synonyms(&["Taxonomy", "NUCC Taxonomy", "Primary Taxonomy"]),
    field(
        "license_number",
        "License Number",
        "Credentials",
        "License",
        ID,
    )
    .synonyms(&[
        "License",
        "License No",
        "License #",
        "State License",
        "Lic Number",
    ]),
    field(
        "license_state",
        "License State",
        "Credentials",
        "License",
        FieldType::UsState,
    )
    .synonyms(&["Licensing State", "License Issuing State", "Lic State"]),
    field(
        "license_expiration",
        "License Expiration Date",
        "Credentials",
        "License",
        FieldType::Date,
    )
    .synonyms(&[
        "License Expiration",
        "License Expires",
        "License Exp",
        "Lic Exp Date",
    ]),
    field(
        "dea_number",
        "DEA Number",
        "Credentials",
        "Registry",
        FieldType::Dea,
    )
    .synonyms(&["DEA", "DEA Registration", "DEA #"]),
    field(
        "caqh_id",
        "CAQH ID",
        "Credentials",
        "Registry",
        FieldType::Id { max_len: 20 },
    )
    .synonyms(&["CAQH", "CAQH ProView ID", "CAQH Number"]),
    field(
        "activate_for_credentialing",
        "Activate for Credentialing",
        "Credentials",
        "Workflow",
        FieldType::Boolean,
    )
    .synonyms(&["Credentialing", "Activate Credentialing"]),
];

pub(super) static LOCATIONS: &[Field] = &[
    field("location_code", "Location Code", "Location", "Identity", ID)
        .synonyms(&[
            "Code",
            "Site Code",
            "Facility Code",
            "Location ID",
            "Site ID",
        ])
        .key(),
    field("name", "Location Name", "Location", "Identity", LONG)
        .synonyms(&["Name", "Site Name", "Facility Name", "Location"])
        .mandatory(),
    ADDRESS_STREET,
    ADDRESS_CITY,
    ADDRESS_STATE,
    ADDRESS_ZIP,
    ADDRESS_COUNTRY,
    field("phone", "Phone", "Location", "Contact", FieldType::Phone).synonyms(&[
        "Phone Number",
        "Main Phone",
        "Telephone",
        "Tel",
    ]),
    field(
        "tax_id",
        "Tax ID",
        "Location",
        "Registry",
        FieldType::Id { max_len: 20 },
    )
    .synonyms(&["TIN", "EIN", "Federal Tax ID", "Tax Identification Number"]),
    field("npi", "NPI", "Location", "Registry", FieldType::Npi).synonyms(&[
        "NPI Number",
        "Organization NPI",
        "Group NPI",
        "Type 2 NPI",
    ]),
    field(
        "status",
        "Status",
        "Location",
        "Status",
        FieldType::Enum(LOCATION_STATUS),
    )
    .synonyms(&["Location Status", "Active"]),
];

pub(super) static ENROLLMENTS: &[Field] = &[
    field(
        "employee_email",
        "Employee Email",
        "Enrollment",
        "Learner",
        FieldType::Email,
    )
    .synonyms(&[
        "Email",
        "E-mail",
        "Email Address",
        "Learner Email",
        "User Email",
        "Username",
    ])
    .key(),
    field("course_code", "Course Code", "Enrollment", "Course", ID)
        .synonyms(&["Course", "Course ID", "Training Code", "Module Code"])
        .key(),
    field(
        "enrollment_date",
        "Enrollment Date",
        "Enrollment",
        "Dates",
        FieldType::Date,
    )
    .synonyms(&["Enrolled", "Enrolled Date", "Assigned Date", "Start Date"]),
    field(
        "due_date",
        "Due Date",
        "Enrollment",
        "Dates",
        FieldType::Date,
    )
    .synonyms(&["Due", "Deadline", "Complete By"]),
    field(
        "status",
        "Enrollment Status",
        "Enrollment",
        "Status",
        FieldType::Enum(ENROLLMENT_STATUS),
    )
    .synonyms(&["Status", "Completion Status", "Progress"]),
];
