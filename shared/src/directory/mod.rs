//! The directory: organizations, their websites, back-office users, customers and the
//! customer-user roles they offer.

pub mod access;
mod customer;
mod organization;
mod role;
mod rules;
mod user;
mod website;

pub use customer::{Customer, HierarchyError, check_parent};
pub use organization::Organization;
pub use role::{CustomerUserRole, Permission, accumulated};
pub use rules::{
    MAX_SALES_REPRESENTATIVES, inherited_sales_representatives, sales_representatives,
};
pub use user::User;
pub use website::Website;
