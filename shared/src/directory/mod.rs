//! The directory: organizations, their websites, back-office users, customers and the
//! customer-user roles they offer.

mod customer;
mod organization;
mod role;
mod user;
mod website;

pub use customer::{Customer, HierarchyError, check_parent};
pub use organization::Organization;
pub use role::{CustomerUserRole, Permission, accumulated};
pub use user::User;
pub use website::Website;
