//! The key of every record in the single table. `docs/data-model.md` documents each
//! access pattern these keys serve.

use crate::{
    application::{Application, Owner},
    audit::AuditEvent,
    auth::SecretHash,
    consent::Consent,
    customer_user::{CustomerUser, LinkPurpose, OneTimeLink},
    directory::{Customer, CustomerUserRole, Organization, User, Website},
    domain::{
        ApplicationId, ConsentId, CustomerId, CustomerUserId, NotificationId, OrganizationId,
        RoleId, UserId, WebsiteId,
    },
    session::Person,
};

/// The key attributes of one item. Index keys are left out when absent, which keeps
/// the item out of that (sparse) index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemKeys {
    pub pk: String,
    pub sk: String,
    pub gsi1: Option<(String, String)>,
    pub gsi2: Option<(String, String)>,
    /// Keys of gsi3, gsi4, ... in order.
    pub more: Vec<(String, String)>,
}

impl ItemKeys {
    fn base(pk: String, sk: &str) -> Self {
        Self {
            pk,
            sk: sk.to_owned(),
            gsi1: None,
            gsi2: None,
            more: Vec::new(),
        }
    }
}

/// Sort keys that order by a case-folded text and stay unique through the id.
pub fn sortable(text: &str, id: impl std::fmt::Display) -> String {
    format!("{}#{id}", text.to_lowercase())
}

pub const ORGANIZATIONS: &str = "ORGS";

/// The partition of the published public keys: one Query reads them all.
pub const SIGNING_KEYS: &str = "SIGNING_KEYS";

pub fn signing_key(kid: &str) -> ItemKeys {
    ItemKeys::base(SIGNING_KEYS.to_owned(), &format!("KID#{kid}"))
}

/// Beside the published keys: since when the token function has found no usable
/// signing key, while it finds none.
pub const SIGNING_STATE_SK: &str = "STATE";

pub fn organization_pk(id: OrganizationId) -> String {
    format!("ORG#{id}")
}

pub fn organization(o: &Organization) -> ItemKeys {
    ItemKeys {
        gsi1: Some((ORGANIZATIONS.to_owned(), sortable(o.name.as_str(), o.id))),
        ..ItemKeys::base(organization_pk(o.id), SK_ORGANIZATION)
    }
}

pub fn websites_of(org: OrganizationId) -> String {
    format!("ORG#{org}#WEBSITES")
}

pub fn website_pk(id: WebsiteId) -> String {
    format!("WEBSITE#{id}")
}

pub fn website(w: &Website) -> ItemKeys {
    ItemKeys {
        gsi1: Some((
            websites_of(w.organization_id),
            sortable(w.name.as_str(), w.id),
        )),
        ..ItemKeys::base(website_pk(w.id), SK_WEBSITE)
    }
}

pub fn users_of(org: OrganizationId) -> String {
    format!("ORG#{org}#USERS")
}

pub fn user_pk(id: UserId) -> String {
    format!("USER#{id}")
}

pub fn user(u: &User) -> ItemKeys {
    ItemKeys {
        gsi1: Some((
            users_of(u.organization_id),
            sortable(&u.email.normalized(), u.id),
        )),
        ..ItemKeys::base(user_pk(u.id), SK_USER)
    }
}

/// Guards the uniqueness of back-office user emails: written in the same transaction
/// as the user, so two concurrent creates cannot both win.
pub fn user_email_guard(normalized_email: &str) -> ItemKeys {
    ItemKeys::base(format!("USER_EMAIL#{normalized_email}"), "GUARD")
}

pub fn customers_of(org: OrganizationId) -> String {
    format!("ORG#{org}#CUSTOMERS")
}

pub fn subsidiaries_of(parent: CustomerId) -> String {
    format!("CUSTOMER#{parent}#SUBSIDIARIES")
}

pub fn customer_pk(id: CustomerId) -> String {
    format!("CUSTOMER#{id}")
}

pub fn customer(c: &Customer) -> ItemKeys {
    ItemKeys {
        gsi1: Some((
            customers_of(c.organization_id),
            sortable(c.name.as_str(), c.id),
        )),
        gsi2: c
            .parent_id
            .map(|parent| (subsidiaries_of(parent), sortable(c.name.as_str(), c.id))),
        ..ItemKeys::base(customer_pk(c.id), SK_CUSTOMER)
    }
}

pub fn roles_of(org: OrganizationId) -> String {
    format!("ORG#{org}#ROLES")
}

pub fn role_pk(id: RoleId) -> String {
    format!("ROLE#{id}")
}

pub fn roles_of_customer(customer: CustomerId) -> String {
    format!("CUSTOMER#{customer}#ROLES")
}

/// gsi1: the organization's roles by label; gsi2: a customer's own roles.
pub fn role(r: &CustomerUserRole) -> ItemKeys {
    ItemKeys {
        gsi1: Some((
            roles_of(r.organization_id),
            sortable(r.label.as_str(), r.id),
        )),
        gsi2: r
            .customer_id
            .map(|c| (roles_of_customer(c), sortable(r.label.as_str(), r.id))),
        ..ItemKeys::base(role_pk(r.id), SK_ROLE)
    }
}

pub fn consents_of(org: OrganizationId) -> String {
    format!("ORG#{org}#CONSENTS")
}

pub fn consent_pk(id: ConsentId) -> String {
    format!("CONSENT#{id}")
}

pub fn consent(c: &Consent) -> ItemKeys {
    ItemKeys {
        gsi1: Some((
            consents_of(c.organization_id),
            sortable(c.name.as_str(), c.id),
        )),
        ..ItemKeys::base(consent_pk(c.id), SK_CONSENT)
    }
}

pub fn applications_of(owner: Owner) -> String {
    match owner {
        Owner::Backend { user_id } => format!("USER#{user_id}#APPS"),
        Owner::Frontend { customer_user_id } => format!("CUSTOMER_USER#{customer_user_id}#APPS"),
    }
}

/// The key of an owner's own record, which counts its applications.
pub fn owner_record(owner: Owner) -> (String, &'static str) {
    match owner {
        Owner::Backend { user_id } => (user_pk(user_id), SK_USER),
        Owner::Frontend { customer_user_id } => {
            (customer_user_pk(customer_user_id), SK_CUSTOMER_USER)
        }
    }
}

/// An authorization code, by the keyed hash of the code (never the code itself).
pub fn authorization_code(code_hash: &SecretHash) -> ItemKeys {
    ItemKeys::base(format!("AUTHCODE#{}", code_hash.as_str()), "CODE")
}

pub const SK_SESSION: &str = "SESSION";

/// A back-office user's password item, beside its record (same partition).
pub const SK_USER_PASSWORD: &str = "PASSWORD";

/// A sign-in session (a refresh-token family), by its id.
pub fn session_pk(id: &str) -> String {
    format!("SESSION#{id}")
}

/// The key of a session's person's own record.
pub fn person_record(person: Person) -> (String, &'static str) {
    match person {
        Person::BackOffice { user_id } => (user_pk(user_id), SK_USER),
        Person::Customer { customer_user_id } => {
            (customer_user_pk(customer_user_id), SK_CUSTOMER_USER)
        }
    }
}

pub fn application_pk(id: ApplicationId) -> String {
    format!("APP#{id}")
}

pub fn applications_in(org: OrganizationId) -> String {
    format!("ORG#{org}#APPS")
}

/// Orders applications by last use; never used sorts first (oldest).
pub fn last_use_sort_key(last_used_at: Option<time::OffsetDateTime>, id: ApplicationId) -> String {
    let millis = last_used_at.map_or(0, |at| at.unix_timestamp_nanos() / 1_000_000);
    format!("{millis:015}#{id}")
}

/// gsi1: the owner's applications by name; gsi2: the organization's by name; gsi3:
/// the organization's by last use.
pub fn application(a: &Application) -> ItemKeys {
    ItemKeys {
        gsi1: Some((applications_of(a.owner), sortable(a.name.as_str(), a.id))),
        gsi2: Some((
            applications_in(a.organization_id),
            sortable(a.name.as_str(), a.id),
        )),
        more: vec![(
            applications_in(a.organization_id),
            last_use_sort_key(a.last_used_at, a.id),
        )],
        ..ItemKeys::base(application_pk(a.id), SK_APPLICATION)
    }
}

/// Guards the uniqueness of an application name per owner and organization.
pub fn application_name_guard(a: &Application) -> ItemKeys {
    let owner = applications_of(a.owner);
    ItemKeys::base(
        format!(
            "APP_NAME#{owner}#{}#{}",
            a.organization_id,
            a.name.as_str().to_lowercase()
        ),
        "GUARD",
    )
}

/// The sort key of every single-record item, by kind.
pub const SK_ORGANIZATION: &str = "ORG";
pub const SK_WEBSITE: &str = "WEBSITE";
pub const SK_USER: &str = "USER";
pub const SK_CUSTOMER: &str = "CUSTOMER";
pub const SK_ROLE: &str = "ROLE";
pub const SK_CONSENT: &str = "CONSENT";
pub const SK_AUDIT_EVENT: &str = "AUDIT";
pub const SK_APPLICATION: &str = "APP";

pub const SK_CUSTOMER_USER: &str = "PROFILE";

pub fn customer_user_pk(id: CustomerUserId) -> String {
    format!("CUSTOMER_USER#{id}")
}

pub fn customer_users_of(org: OrganizationId) -> String {
    format!("ORG#{org}#CUSTOMER_USERS")
}

pub fn customer_users_of_customer(customer: CustomerId) -> String {
    format!("CUSTOMER#{customer}#CUSTOMER_USERS")
}

pub fn customer_users_by_first_name(org: OrganizationId) -> String {
    format!("ORG#{org}#CUSTOMER_USERS#FIRST_NAME")
}

pub fn customer_users_by_last_name(org: OrganizationId) -> String {
    format!("ORG#{org}#CUSTOMER_USERS#LAST_NAME")
}

pub fn customer_users_enabled(org: OrganizationId, enabled: bool) -> String {
    format!("ORG#{org}#CUSTOMER_USERS#ENABLED#{enabled}")
}

pub fn customer_users_confirmed(org: OrganizationId, confirmed: bool) -> String {
    format!("ORG#{org}#CUSTOMER_USERS#CONFIRMED#{confirmed}")
}

/// A customer user is in seven index partitions, one per grid filter or order:
/// gsi1 email order, gsi2 creation order, gsi3 its customer, gsi4 first name,
/// gsi5 last name, gsi6 enabled, gsi7 confirmed.
pub fn customer_user(u: &CustomerUser) -> ItemKeys {
    let email = sortable(&u.email.normalized(), u.id);
    // Fixed-width milliseconds sort in time order; RFC 3339 trims trailing zeros.
    let created = format!(
        "{:015}#{}",
        u.created_at.unix_timestamp_nanos() / 1_000_000,
        u.id
    );
    ItemKeys {
        gsi1: Some((customer_users_of(u.organization_id), email.clone())),
        gsi2: Some((customer_users_of(u.organization_id), created)),
        more: vec![
            (customer_users_of_customer(u.customer_id), email.clone()),
            (
                customer_users_by_first_name(u.organization_id),
                sortable(u.first_name.as_str(), u.id),
            ),
            (
                customer_users_by_last_name(u.organization_id),
                sortable(u.last_name.as_str(), u.id),
            ),
            (
                customer_users_enabled(u.organization_id, u.enabled),
                email.clone(),
            ),
            (
                customer_users_confirmed(u.organization_id, u.confirmed),
                email,
            ),
        ],
        ..ItemKeys::base(customer_user_pk(u.id), SK_CUSTOMER_USER)
    }
}

/// Guards the uniqueness of a customer-user email within an organization.
pub fn customer_user_email_guard(org: OrganizationId, normalized_email: &str) -> ItemKeys {
    ItemKeys::base(
        format!("CUSTOMER_USER_EMAIL#{org}#{normalized_email}"),
        "GUARD",
    )
}

pub const NOTIFICATION_PREFIX: &str = "NOTIFICATION#";

pub fn notification_sk(id: NotificationId) -> String {
    format!("{NOTIFICATION_PREFIX}{id}")
}

/// A pending link lives in its user's partition (one per purpose, so a new one
/// replaces the old) and is found by its token hash through gsi1.
pub fn link(l: &OneTimeLink) -> ItemKeys {
    ItemKeys {
        gsi1: Some((link_by_token(&l.token_hash), "LINK".to_owned())),
        ..ItemKeys::base(customer_user_pk(l.customer_user_id), &link_sk(l.purpose))
    }
}

pub fn link_sk(purpose: LinkPurpose) -> String {
    format!("LINK#{}", purpose.as_str())
}

pub fn link_by_token(hash: &SecretHash) -> String {
    format!("LINK#{}", hash.as_str())
}

/// Failed client authentications from one source address.
pub fn token_source(source: &str) -> ItemKeys {
    ItemKeys::base(format!("RATE#token-source#{source}"), "RATE")
}

pub fn audit_events_of(org: OrganizationId) -> String {
    format!("ORG#{org}#AUDIT")
}

pub fn audit_events_about(org: OrganizationId, resource_id: &str) -> String {
    format!("ORG#{org}#AUDIT#{resource_id}")
}

/// An event sorts by its (time-ordered) id in its organization's partition and, when it
/// names a record, in that record's.
pub fn audit_event(e: &AuditEvent) -> ItemKeys {
    let id = e.id.to_string();
    ItemKeys {
        gsi1: Some((audit_events_of(e.organization_id), id.clone())),
        gsi2: e
            .resource_id
            .as_deref()
            .map(|r| (audit_events_about(e.organization_id, r), id.clone())),
        ..ItemKeys::base(format!("AUDIT#{id}"), SK_AUDIT_EVENT)
    }
}
