//! The key of every record in the single table. `docs/data-model.md` documents each
//! access pattern these keys serve.

use crate::{
    application::{Application, Owner},
    directory::{Customer, CustomerUserRole, Organization, User, Website},
    domain::{ApplicationId, CustomerId, OrganizationId, RoleId, UserId, WebsiteId},
};

/// The key attributes of one item. Index keys are left out when absent, which keeps
/// the item out of that (sparse) index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemKeys {
    pub pk: String,
    pub sk: String,
    pub gsi1: Option<(String, String)>,
    pub gsi2: Option<(String, String)>,
}

impl ItemKeys {
    fn base(pk: String, sk: &str) -> Self {
        Self {
            pk,
            sk: sk.to_owned(),
            gsi1: None,
            gsi2: None,
        }
    }
}

/// Sort keys that order by a case-folded text and stay unique through the id.
pub fn sortable(text: &str, id: impl std::fmt::Display) -> String {
    format!("{}#{id}", text.to_lowercase())
}

pub const ORGANIZATIONS: &str = "ORGS";

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

pub fn role(r: &CustomerUserRole) -> ItemKeys {
    ItemKeys {
        gsi1: Some((roles_of(r.organization_id), sortable(&r.role, r.id))),
        ..ItemKeys::base(role_pk(r.id), SK_ROLE)
    }
}

pub fn applications_of(owner: Owner) -> String {
    match owner {
        Owner::Backend { user_id } => format!("USER#{user_id}#APPS"),
        Owner::Frontend { customer_user_id } => format!("CUSTOMER_USER#{customer_user_id}#APPS"),
    }
}

pub fn application_pk(id: ApplicationId) -> String {
    format!("APP#{id}")
}

pub fn application(a: &Application) -> ItemKeys {
    ItemKeys {
        gsi1: Some((applications_of(a.owner), sortable(a.name.as_str(), a.id))),
        ..ItemKeys::base(application_pk(a.id), SK_APPLICATION)
    }
}

/// The sort key of every single-record item, by kind.
pub const SK_ORGANIZATION: &str = "ORG";
pub const SK_WEBSITE: &str = "WEBSITE";
pub const SK_USER: &str = "USER";
pub const SK_CUSTOMER: &str = "CUSTOMER";
pub const SK_ROLE: &str = "ROLE";
pub const SK_APPLICATION: &str = "APP";
