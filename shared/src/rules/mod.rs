//! Rules that several functions share and that read through the ports: which sales
//! representatives and roles a record may have, and how an owner's applications
//! follow it. Pure rules of one record stay with their entity (the domain); these
//! sit between the domain and the handlers.

mod owner_cascade;
mod roles;
mod sales_representatives;

pub use owner_cascade::applications_following_owner;
pub use roles::check_roles;
pub use sales_representatives::{
    MAX_SALES_REPRESENTATIVES, inherited_sales_representatives, sales_representatives,
};
